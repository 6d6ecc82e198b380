"""nn.LSTM learns a memory task: name the symbol it saw 20 steps ago, through 19 noisy steps."""
from __future__ import annotations

import time

import numpy as np

import nn
from nn import functional as F

SYMBOLS, STEPS = 4, 20


def memory_task(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sequences (STEPS, n, SYMBOLS): a one-hot symbol first, then Gaussian noise; its label."""
    labels = rng.integers(0, SYMBOLS, n)
    x = rng.normal(0.0, 0.5, (STEPS, n, SYMBOLS))
    x[0] = np.eye(SYMBOLS)[labels]
    return x, labels


class Recall(nn.Module):
    """An LSTM and a Linear head on its last hidden state."""

    def __init__(self, hidden: int, rng: np.random.Generator) -> None:
        self.lstm = nn.LSTM(SYMBOLS, hidden, rng=rng)
        # a forget-gate bias of 3 keeps the cell state through the noise (σ(3)^19 ≈ 0.4)
        self.lstm.bias_hh_l0.data[hidden:2 * hidden] = 3.0
        self.head = nn.Linear(hidden, SYMBOLS, rng=rng)

    def forward(self, x):
        """Class scores from the final hidden state."""
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[0])


def test_lstm_remembers_a_symbol_from_twenty_steps_back():
    rng = np.random.default_rng(0)
    model = Recall(16, rng)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    start = time.process_time()
    for _ in range(250):
        x, y = memory_task(32, rng)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    seconds = time.process_time() - start
    x, y = memory_task(1000, np.random.default_rng(1))
    accuracy = float((model(x).data.argmax(axis=1) == y).mean())
    assert accuracy >= 0.9, f"accuracy {accuracy:.3f} (chance 0.25)"
    assert seconds < 20, f"training took {seconds:.1f} s of CPU time"
