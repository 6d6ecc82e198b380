"""Training metrics as plain numpy functions of (pred, target), and the registry compile uses.

Every metric returns the mean over the batch as a float. `Mean` accumulates a metric over
batches weighted by batch size, so an epoch's value equals the metric over the whole epoch
(for `rmse` it accumulates the squared error and takes the root at the end).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

MetricFn = Callable[[Any, Any], float]


def _arrays(pred: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both arguments as numpy arrays (Tensors give their data)."""
    return np.asarray(getattr(pred, "data", pred)), np.asarray(getattr(target, "data", target))


def _same_shape(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`target` reshaped to `pred`'s shape when they hold as many numbers, e.g. (n,) vs (n, 1)."""
    if target.shape != pred.shape and target.size == pred.size:
        return target.reshape(pred.shape)
    if target.shape != pred.shape:
        raise ValueError(f"metric: prediction shape {pred.shape} does not match target shape "
                         f"{target.shape}")
    return target


def binary_accuracy(pred: Any, target: Any, threshold: float = 0.5) -> float:
    """Fraction of predictions on the same side of `threshold` as the 0/1 target."""
    pred, target = _arrays(pred, target)
    target = _same_shape(pred, target)
    return float(np.mean((pred > threshold) == (target > 0.5)))


def accuracy(pred: Any, target: Any) -> float:
    """Fraction of argmax predictions equal to the class-index or one-hot target.

    A single output per sample (shape (n,) or (n, 1)) is scored as `binary_accuracy`.
    """
    pred, target = _arrays(pred, target)
    if pred.ndim < 2 or pred.shape[-1] == 1:
        return binary_accuracy(pred, target)
    classes = pred.argmax(axis=-1)
    if target.shape == pred.shape:  # one-hot or probability targets
        target = target.argmax(axis=-1)
    elif target.shape != classes.shape and target.size == classes.size:
        target = target.reshape(classes.shape)  # e.g. (n, 1) class indices
    if target.shape != classes.shape:
        raise ValueError(f"accuracy: prediction shape {pred.shape} does not fit target shape "
                         f"{target.shape} (want class indices {classes.shape} or one-hot "
                         f"{pred.shape})")
    return float(np.mean(classes == target))


def mse(pred: Any, target: Any) -> float:
    """Mean squared error."""
    pred, target = _arrays(pred, target)
    return float(np.mean((pred - _same_shape(pred, target)) ** 2))


def rmse(pred: Any, target: Any) -> float:
    """Root mean squared error."""
    return math.sqrt(mse(pred, target))


def mae(pred: Any, target: Any) -> float:
    """Mean absolute error."""
    pred, target = _arrays(pred, target)
    return float(np.mean(np.abs(pred - _same_shape(pred, target))))


METRICS: dict[str, MetricFn] = {
    "accuracy": accuracy, "acc": accuracy, "binary_accuracy": binary_accuracy,
    "mse": mse, "mean_squared_error": mse, "rmse": rmse, "root_mean_squared_error": rmse,
    "mae": mae, "mean_absolute_error": mae,
}


def get(metric: str | MetricFn) -> tuple[str, MetricFn]:
    """(name, function) for a registered metric name or a callable(pred, target)."""
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    try:
        return metric, METRICS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}, "
                         "or pass a callable(pred, target)") from None


class Mean:
    """Batch-size-weighted running mean of a metric over the batches seen since `reset`."""

    def __init__(self, fn: MetricFn | None = None) -> None:
        self.fn, self.finish = (mse, math.sqrt) if fn is rmse else (fn, float)
        self.reset()

    def reset(self) -> None:
        """Forget every batch seen so far."""
        self.total, self.count = 0.0, 0

    def update(self, pred: Any, target: Any, n: int) -> None:
        """Add one batch of `n` samples."""
        self.add(self.fn(pred, target), n)

    def add(self, value: float, n: int) -> None:
        """Add an already computed batch mean (e.g. the loss) for `n` samples."""
        self.total += float(value) * n
        self.count += n

    def result(self) -> float:
        """The mean so far (NaN before any batch)."""
        return self.finish(self.total / self.count) if self.count else float("nan")
