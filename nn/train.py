"""Keras-shaped training: `compile`, `fit`, `evaluate`, `predict`, `History`, `Trainable`.

    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[EarlyStopping()])
    model.evaluate(x_test, y_test)  # {"loss": ..., "accuracy": ...}
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from autograd import Tensor, no_grad

from . import functional as F
from . import metrics as M
from . import optim
from .callbacks import Callback, CallbackList, ProgressBar
from .data import DataLoader, batches

LossFn = Callable[[Tensor, Tensor], Tensor]
_EPS = 1e-7  # Keras's clipping of probabilities before a log

# optimizer name -> (class, keyword arguments): Keras's default learning rates
_OPTIMIZERS: dict[str, tuple[type, dict[str, Any]]] = {
    "sgd": (optim.SGD, {"lr": 0.01}), "rmsprop": (optim.RMSprop, {"lr": 1e-3}),
    "adam": (optim.Adam, {"lr": 1e-3}), "adamw": (optim.AdamW, {"lr": 1e-3}),
    "nadam": (optim.NAdam, {"lr": 1e-3}), "adagrad": (optim.Adagrad, {"lr": 1e-3}),
    "adadelta": (optim.Adadelta, {"lr": 1e-3}),
}


def categorical_crossentropy(pred: Tensor, target: Tensor) -> Tensor:
    """Keras's crossentropy of probabilities (a softmax output) and one-hot targets."""
    p = (pred / pred.sum(axis=-1, keepdims=True)).clip(_EPS, 1 - _EPS)
    return -(p.log() * target).sum(axis=-1).mean()


def sparse_categorical_crossentropy(pred: Tensor, target: Tensor) -> Tensor:
    """Keras's crossentropy of probabilities (a softmax output) and class-index targets."""
    p = (pred / pred.sum(axis=-1, keepdims=True)).clip(_EPS, 1 - _EPS)
    index = np.asarray(getattr(target, "data", target)).astype(np.int64).reshape(-1)
    return -p.reshape(-1, p.shape[-1])[np.arange(index.size), index].log().mean()


_LOSSES: dict[str, LossFn] = {
    "cross_entropy": F.cross_entropy, "mse": F.mse_loss, "mean_squared_error": F.mse_loss,
    "mae": F.l1_loss, "l1": F.l1_loss, "mean_absolute_error": F.l1_loss, "nll": F.nll_loss,
    "hinge": F.hinge_loss, "bce": F.binary_cross_entropy,
    "binary_crossentropy": F.binary_cross_entropy, "bce_with_logits":
    F.binary_cross_entropy_with_logits, "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    **{f.__name__: f for f in (F.mse_loss, F.l1_loss, F.nll_loss, F.hinge_loss,
                               F.binary_cross_entropy, F.binary_cross_entropy_with_logits)},
}
_BINARY = {F.binary_cross_entropy: 0.5, F.binary_cross_entropy_with_logits: 0.0}  # thresholds


@dataclass
class TrainingConfig:
    """What `compile` chose: the optimizer, the loss function and the named metrics."""

    optimizer: Any
    loss: LossFn
    metrics: dict[str, M.MetricFn] = field(default_factory=dict)


def compile(model: Any, optimizer: Any = "rmsprop", loss: str | LossFn | None = None,
            metrics: Sequence[str | M.MetricFn] | None = None) -> None:
    """Choose the optimizer (an instance or a name), loss and metrics that `fit` will use."""
    if isinstance(optimizer, str):
        if optimizer.lower() not in _OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; known: {', '.join(_OPTIMIZERS)}"
                             ", or pass an nn.optim optimizer")
        cls, kwargs = _OPTIMIZERS[optimizer.lower()]
        optimizer = cls(model.parameters(), **kwargs)
    elif not (hasattr(optimizer, "step") and hasattr(optimizer, "param_groups")):
        raise TypeError(f"optimizer must be a name or an nn.optim optimizer, got {optimizer!r}")
    if isinstance(loss, str) and loss in _LOSSES:
        loss = _LOSSES[loss]
    elif not callable(loss):
        raise ValueError(f"compile needs a loss: one of {', '.join(_LOSSES)}, or a "
                         f"callable(pred, target) -> scalar Tensor; got {loss!r}")
    threshold = _BINARY.get(loss)
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    named: dict[str, M.MetricFn] = {}
    for metric in metrics or []:
        name, fn = M.get(metric)
        if fn is M.binary_accuracy or (threshold is not None and fn is M.accuracy):
            fn = partial(M.binary_accuracy, threshold=0.5 if threshold is None else threshold)
        named[name] = fn
    model.training_config = TrainingConfig(optimizer, loss, named)


def _config(model: Any) -> TrainingConfig:
    config = getattr(model, "training_config", None)
    if config is None:
        raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) "
                           "first")
    return config


def _arrays(*xs: Any) -> list[np.ndarray]:
    return [np.asarray(x.data if isinstance(x, Tensor) else x) for x in xs]


def _match(y: np.ndarray, pred: Tensor) -> np.ndarray:
    """`y` with a trailing axis when the model gives one output per sample, as Keras does."""
    return y[..., None] if pred.ndim == y.ndim + 1 and pred.shape[-1] == 1 else y


def _trackers(config: TrainingConfig) -> dict[str, M.Mean]:
    return {"loss": M.Mean(), **{k: M.Mean(f) for k, f in config.metrics.items()}}


def _record(trackers: dict, config: TrainingConfig, loss: Tensor, pred: Tensor,
            y: np.ndarray) -> dict[str, float]:
    """Add one batch to the running loss and metrics; return their current values."""
    trackers["loss"].add(loss.item(), len(y))
    for name, fn in config.metrics.items():
        trackers[name].update(pred.data, y, len(y))
    return {k: t.result() for k, t in trackers.items()}


def fit(model: Any, x: Any, y: Any, epochs: int = 1, batch_size: int | None = 32,
        validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
        shuffle: bool = True, seed: int | None = None,
        callbacks: Sequence[Callback] | None = None, verbose: int = 1) -> History:
    """Train for `epochs` passes over (x, y) in mini-batches; return the `History`."""
    config = _config(model)
    x, y = _arrays(x, y)
    if len(x) != len(y):
        raise ValueError(f"fit: x has {len(x)} samples but y has {len(y)}")
    if validation_data is None and validation_split:
        if not 0 < validation_split < 1:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
        split = int(len(x) * (1 - validation_split))  # the last fraction, as Keras takes it
        x, y, validation_data = x[:split], y[:split], (x[split:], y[split:])
    val = None if validation_data is None else _arrays(*validation_data[:2])
    n, batch_size = len(x), batch_size or 32
    if n == 0:
        raise ValueError("fit: no training samples")
    loader = DataLoader(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
    steps = len(loader)
    history, extra = History(), list(callbacks or [])
    bar = [ProgressBar(verbose)] if verbose and not any(
        isinstance(c, ProgressBar) for c in extra) else []
    cbs = CallbackList(bar + extra + [history], model,
                       {"epochs": epochs, "steps": steps, "verbose": verbose})
    was_training, logs = model.training, {}
    model.stop_training = False
    try:
        cbs.call("on_train_begin", logs)
        for epoch in range(epochs):
            cbs.call("on_epoch_begin", epoch, {})
            lr, trackers = config.optimizer.param_groups[0]["lr"], _trackers(config)
            model.train()
            for batch, (xb, yb) in enumerate(loader):
                cbs.call("on_batch_begin", batch, {})
                config.optimizer.zero_grad()
                pred = model(Tensor(xb))
                yb = _match(yb, pred)
                loss = config.loss(pred, Tensor(yb))
                loss.backward()
                config.optimizer.step()
                cbs.call("on_batch_end", batch, _record(trackers, config, loss, pred, yb))
                if model.stop_training:
                    break
            logs = {k: t.result() for k, t in trackers.items()}
            if val is not None:
                val_logs = _evaluate(model, config, *val, batch_size)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            logs["lr"] = lr
            cbs.call("on_epoch_end", epoch, logs)
            if model.stop_training:
                break
        cbs.call("on_train_end", logs)
    finally:
        model.train(was_training)
    return history


@contextmanager
def _inference(model: Any) -> Iterator[None]:
    """Eval mode and no graph inside; the model's previous mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        model.train(was_training)


def _evaluate(model: Any, config: TrainingConfig, x: np.ndarray, y: np.ndarray,
              batch_size: int, bar: Callback = Callback()) -> dict[str, float]:
    """Loss and metrics over (x, y) in eval mode without a graph."""
    trackers, results = _trackers(config), {}
    with _inference(model):
        for batch, (xb, yb) in enumerate(batches(x, y, batch_size=batch_size)):
            pred = model(Tensor(xb))
            yb = _match(yb, pred)
            results = _record(trackers, config, config.loss(pred, Tensor(yb)), pred, yb)
            bar.on_batch_end(batch, results)
    return results


def evaluate(model: Any, x: Any, y: Any, batch_size: int | None = 32,
             verbose: int = 0) -> dict[str, float]:
    """The loss and every compiled metric over (x, y), as a dict."""
    config, (x, y), batch_size = _config(model), _arrays(x, y), batch_size or 32
    bar = ProgressBar(verbose)
    bar.set_params({"steps": -(-len(x) // batch_size), "desc": "evaluate"})
    bar.on_epoch_begin(0)
    results = _evaluate(model, config, x, y, batch_size, bar)
    bar.on_epoch_end(0, results)
    return results


def predict(model: Any, x: Any, batch_size: int | None = 32) -> np.ndarray:
    """The model's outputs for x, batch by batch in eval mode without a graph."""
    (x,), batch_size = _arrays(x), batch_size or 32
    with _inference(model):
        outs = [model(Tensor(xb)).numpy() for (xb,) in batches(x, batch_size=batch_size)]
    return np.concatenate(outs) if outs else np.empty((0,))


class History(Callback):
    """Per-epoch logs of a `fit`: `history["loss"]`, `history["val_accuracy"]`, `epoch`."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        model.history = self

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, keys: str | Sequence[str] | None = None, ax: Any = None) -> list:
        """Plot each quantity (train and val_ curves) on its own axes; return the axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("History.plot needs matplotlib: "
                              'pip install "autograd-nn[train]"') from None
        if keys is None:
            keys = [k for k in self.history if not k.startswith("val_") and k != "lr"]
        keys = [keys] if isinstance(keys, str) else list(keys)
        bases = [k[4:] if k.startswith("val_") else k for k in keys]
        for key, base in zip(keys, bases):
            if key not in self.history and base not in self.history:
                raise KeyError(f"History.plot: no {key!r}; have {', '.join(self.history)}")
        if ax is None:
            _, grid = plt.subplots(1, len(keys), figsize=(4.5 * len(keys), 3.5), squeeze=False)
            axes = list(grid[0])
        else:
            axes = list(np.ravel(np.asarray(ax, dtype=object)))
            if len(axes) != len(keys):
                raise ValueError(f"History.plot: {len(keys)} keys need {len(keys)} axes, "
                                 f"got {len(axes)}")
        x = [e + 1 for e in self.epoch]
        for a, base in zip(axes, bases):
            for name, label in ((base, "train"), (f"val_{base}", "val")):
                if name in self.history:
                    a.plot(x, self.history[name], marker=".", label=label)
            a.set(xlabel="epoch", ylabel=base, title=base)
            a.legend()
        return axes


class Trainable:
    """Mixin giving a Module Keras's `compile`, `fit`, `evaluate` and `predict`."""

    training_config: TrainingConfig | None = None
    stop_training: bool = False

    def compile(self, optimizer: Any = "rmsprop", loss: str | LossFn | None = None,
                metrics: Sequence[str | M.MetricFn] | None = None) -> None:
        """Choose the optimizer, loss and metrics (see `nn.train.compile`)."""
        compile(self, optimizer, loss, metrics)

    def fit(self, x: Any, y: Any, epochs: int = 1, batch_size: int | None = 32,
            validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
            shuffle: bool = True, seed: int | None = None,
            callbacks: Sequence[Callback] | None = None, verbose: int = 1) -> History:
        """Train on (x, y) (see `nn.train.fit`); returns the History."""
        return fit(self, x, y, epochs, batch_size, validation_data, validation_split,
                   shuffle, seed, callbacks, verbose)

    def evaluate(self, x: Any, y: Any, batch_size: int | None = 32,
                 verbose: int = 0) -> dict[str, float]:
        """Loss and metrics over (x, y) (see `nn.train.evaluate`)."""
        return evaluate(self, x, y, batch_size, verbose)

    def predict(self, x: Any, batch_size: int | None = 32) -> np.ndarray:
        """Outputs for x as a numpy array (see `nn.train.predict`)."""
        return predict(self, x, batch_size)
