"""It learns: a small CNN trained with nn.Sequential's compile/fit classifies sklearn's 8x8
digits, in a few seconds."""
from __future__ import annotations

import time

import numpy as np
import pytest

import nn


def test_cnn_learns_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    x = (digits.images / 16.0)[:, None].astype(np.float64)  # (1797, 1, 8, 8)
    y = digits.target
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:1400], order[1400:]
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 10, rng=1))
    model.compile(nn.optim.Adam(model.parameters(), lr=0.01), "cross_entropy", ["accuracy"])
    start = time.process_time()
    model.fit(x[train], y[train], epochs=6, batch_size=64, seed=0, verbose=0)
    seconds = time.process_time() - start
    result = model.evaluate(x[test], y[test])
    assert result["accuracy"] >= 0.95, result
    assert seconds < 20, seconds
