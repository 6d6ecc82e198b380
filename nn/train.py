"""Keras-shaped training for any module: `Trainer` (compile, fit, evaluate, predict), `History`.

    trainer = Trainer(module, optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = trainer.fit(x, y, epochs=5, validation_split=0.2, callbacks=[EarlyStopping()])
    trainer.evaluate(x_test, y_test)  # {"loss": ..., "accuracy": ...}

`nn.Model` is a Module with these methods (the Keras way: `model.compile(...)`).
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from autograd import Tensor, jit as trace, no_grad

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


def _optimizer(optimizer: Any, parameters: Callable[[], list]) -> Any:
    """An optimizer instance, or one made by name over `parameters()` (Keras's defaults)."""
    if optimizer is None:  # evaluation only
        return None
    if isinstance(optimizer, str):
        if optimizer.lower() not in _OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; known: {', '.join(_OPTIMIZERS)}"
                             ", or pass an nn.optim optimizer")
        cls, kwargs = _OPTIMIZERS[optimizer.lower()]
        return cls(parameters(), **kwargs)
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "param_groups")):
        raise TypeError(f"optimizer must be a name or an nn.optim optimizer, got {optimizer!r}")
    return optimizer


def _loss(loss: str | LossFn | None) -> LossFn:
    if isinstance(loss, str) and loss in _LOSSES:
        return _LOSSES[loss]
    if not callable(loss):
        raise ValueError(f"compile needs a loss: one of {', '.join(_LOSSES)}, or a "
                         f"callable(pred, target) -> scalar Tensor; got {loss!r}")
    return loss


def _metrics(metrics: Sequence[str | M.MetricFn] | None, loss: LossFn) -> dict[str, M.MetricFn]:
    """Metric functions by name; accuracy after a binary loss thresholds as that loss needs."""
    threshold = _BINARY.get(loss)
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    named: dict[str, M.MetricFn] = {}
    for metric in metrics or []:
        name, fn = M.get(metric)
        if fn is M.binary_accuracy or (threshold is not None and fn is M.accuracy):
            fn = partial(M.binary_accuracy, threshold=0.5 if threshold is None else threshold)
        named[name] = fn
    return named


def _arrays(*xs: Any) -> list[np.ndarray]:
    return [np.asarray(x.data if isinstance(x, Tensor) else x) for x in xs]


def _count(who: str, name: str, value: Any, low: int = 1) -> int:
    """`value` as an int of at least `low` (None means Keras's 32 for a batch size)."""
    if value is None and name == "batch_size":
        return 32
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        kind = "a positive" if low == 1 else "a non-negative"
        raise ValueError(f"{who}: {name} must be {kind} integer, got {type(value).__name__} "
                         f"{value!r}")
    return int(value)


def _callbacks(callbacks: Any) -> list[Callback]:
    """The callbacks as a list, or TypeError naming what was passed instead."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"fit: callbacks must be a list of Callback objects, got "
                        f"{type(callbacks).__name__} {callbacks!r:.60} (wrap one in a list)")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: each callback must be an nn.callbacks.Callback, got "
                            f"{type(cb).__name__} {cb!r:.60}; put a function in a "
                            "Callback subclass's on_epoch_end (or another hook)")
    return list(callbacks)


def _pair(who: str, name: str, data: Any) -> list[np.ndarray]:
    """(x, y) as two arrays of the same length, or ValueError naming `name`."""
    if not isinstance(data, (list, tuple)) or len(data) != 2:
        n = f"{len(data)} items" if isinstance(data, (list, tuple)) else type(data).__name__
        raise ValueError(f"{who}: {name} must be a pair (x, y), got {n}")
    return _samples(who, *_arrays(*data))


def _samples(who: str, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"{who}: x has {len(x) if x.ndim else 'no'} samples but y has "
                         f"{len(y) if y.ndim else 'no'}")
    return [x, y]


def _match(y: np.ndarray, pred: Tensor) -> np.ndarray:
    """`y` with a trailing axis when the model gives one output per sample, as Keras does."""
    return y[..., None] if pred.ndim == y.ndim + 1 and pred.shape[-1] == 1 else y


@contextmanager
def _inference(module: Any) -> Iterator[None]:
    """Eval mode and no graph inside; the module's previous mode afterwards."""
    was_training = module.training
    module.eval()
    try:
        with no_grad():
            yield
    finally:
        module.train(was_training)


class Trainer:
    """Keras's `compile`/`fit`/`evaluate`/`predict` for a module, and the state of training.

    It holds what `compile` chose (`optimizer`, `loss`, `metrics`), the `history` of the last
    `fit` and `stop_training`; callbacks see it as `self.model`. `nn.Model` is a Module that
    is its own Trainer, so `model.fit(...)` works the Keras way.
    """

    optimizer: Any = None
    loss: LossFn | None = None
    metrics: dict[str, M.MetricFn] = {}
    history: History | None = None
    stop_training: bool = False

    def __init__(self, module: Any, optimizer: Any = "rmsprop", loss: str | LossFn | None = None,
                 metrics: Sequence[str | M.MetricFn] | None = None) -> None:
        self.module = module
        self.compile(optimizer, loss, metrics)

    # what callbacks use, as on a Keras model
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def state_dict(self) -> dict:
        """The module's state_dict."""
        return self.module.state_dict()

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Load into the module (see `Module.load_state_dict`)."""
        self.module.load_state_dict(state, strict)

    def compile(self, optimizer: Any = "rmsprop", loss: str | LossFn | None = None,
                metrics: Sequence[str | M.MetricFn] | None = None) -> None:
        """Choose the optimizer (an instance or a name), loss and metrics that `fit` uses."""
        self.optimizer = _optimizer(optimizer, self.module.parameters)
        self.loss = _loss(loss)
        self.metrics = _metrics(metrics, self.loss)

    def _compiled(self) -> None:
        if self.loss is None:
            raise RuntimeError("the model is not compiled: call model.compile(optimizer, loss) "
                               "first")

    def _trackers(self) -> dict[str, M.Mean]:
        return {"loss": M.Mean(), **{k: M.Mean(f) for k, f in self.metrics.items()}}

    def _record(self, trackers: dict, loss: Tensor, pred: Tensor,
                y: np.ndarray) -> dict[str, float]:
        """Add one batch to the running loss and metrics; return their current values."""
        trackers["loss"].add(loss.item(), len(y))
        for name in self.metrics:
            trackers[name].update(pred.data, y, len(y))
        return {k: t.result() for k, t in trackers.items()}

    def fit(self, x: Any, y: Any, epochs: int = 1, batch_size: int | None = 32,
            validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
            shuffle: bool = True, seed: int | None = None,
            callbacks: Sequence[Callback] | None = None, verbose: int = 1,
            jit: bool = False) -> History:
        """Train for `epochs` passes over (x, y) in mini-batches; return the `History`.

        With `jit=True` each step runs as code traced once per batch shape (autograd.jit).
        """
        self._compiled()
        if self.optimizer is None:
            raise RuntimeError("fit needs an optimizer: compile(optimizer=...) first")
        x, y = _samples("fit", *_arrays(x, y))
        epochs, batch_size = _count("fit", "epochs", epochs, 0), _count("fit", "batch_size",
                                                                      batch_size)
        if validation_data is None and validation_split:
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
            split = int(len(x) * (1 - validation_split))  # the last fraction, as Keras takes it
            x, y, validation_data = x[:split], y[:split], (x[split:], y[split:])
        val = None if validation_data is None else _pair("fit", "validation_data",
                                                         validation_data)
        if len(x) == 0:
            raise ValueError("fit: no training samples")
        loader = DataLoader(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
        history, extra = History(), _callbacks(callbacks)
        bar = [ProgressBar(verbose)] if verbose and not any(
            isinstance(c, ProgressBar) for c in extra) else []
        cbs = CallbackList(bar + extra + [history], self,
                           {"epochs": epochs, "steps": len(loader), "verbose": verbose})
        self.history, self.stop_training = history, False
        module, optimizer, logs = self.module, self.optimizer, {}
        step = trace(self._loss_and_pred, dict(module.named_parameters())) if jit else None
        was_training = module.training
        try:
            cbs.call("on_train_begin", logs)
            for epoch in range(epochs):
                cbs.call("on_epoch_begin", epoch, {})
                lr, trackers = optimizer.param_groups[0]["lr"], self._trackers()
                module.train()
                for batch, (xb, yb) in enumerate(loader):
                    cbs.call("on_batch_begin", batch, {})
                    optimizer.zero_grad()
                    if jit:
                        loss, pred = step(xb, yb)
                    else:
                        loss, pred = self._loss_and_pred(xb, yb)
                        loss.backward()
                    yb = _match(yb, pred)
                    optimizer.step()
                    cbs.call("on_batch_end", batch, self._record(trackers, loss, pred, yb))
                    if self.stop_training:
                        break
                logs = {k: t.result() for k, t in trackers.items()}
                if val is not None:
                    val_logs = self._evaluate(*val, batch_size)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                logs["lr"] = lr
                cbs.call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
            cbs.call("on_train_end", logs)
        finally:
            module.train(was_training)
            cbs.release()
        return history

    def _loss_and_pred(self, xb: np.ndarray, yb: np.ndarray) -> tuple[Tensor, Tensor]:
        """The loss of one batch and the module's prediction."""
        pred = self.module(Tensor(xb))
        return self.loss(pred, Tensor(_match(yb, pred))), pred

    def _evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int,
                  bar: Callback = Callback()) -> dict[str, float]:
        """Loss and metrics over (x, y) in eval mode without a graph."""
        trackers, results = self._trackers(), {}
        with _inference(self.module):
            for batch, (xb, yb) in enumerate(batches(x, y, batch_size=batch_size)):
                pred = self.module(Tensor(xb))
                yb = _match(yb, pred)
                results = self._record(trackers, self.loss(pred, Tensor(yb)), pred, yb)
                bar.on_batch_end(batch, results)
        return results

    def evaluate(self, x: Any, y: Any, batch_size: int | None = 32,
                 verbose: int = 0) -> dict[str, float]:
        """The loss and every compiled metric over (x, y), as a dict."""
        self._compiled()
        (x, y), batch_size = _samples("evaluate", *_arrays(x, y)), _count(
            "evaluate", "batch_size", batch_size)
        if len(x) == 0:
            raise ValueError("evaluate: no samples (x and y are empty)")
        bar = ProgressBar(verbose)
        bar.set_params({"steps": -(-len(x) // batch_size), "desc": "evaluate"})
        bar.on_epoch_begin(0)
        results = self._evaluate(x, y, batch_size, bar)
        bar.on_epoch_end(0, results)
        return results

    def predict(self, x: Any, batch_size: int | None = 32) -> np.ndarray:
        """The module's outputs for x, batch by batch in eval mode without a graph."""
        return predict(self.module, x, batch_size)


def predict(module: Any, x: Any, batch_size: int | None = 32) -> np.ndarray:
    """The module's outputs for x, batch by batch in eval mode without a graph."""
    (x,), batch_size = _arrays(x), _count("predict", "batch_size", batch_size)
    with _inference(module):
        if x.ndim and len(x) == 0:  # an empty batch still has the output's shape
            return module(Tensor(x)).numpy()
        outs = [module(Tensor(xb)).numpy() for (xb,) in batches(x, batch_size=batch_size)]
    return np.concatenate(outs)


def fit(module: Any, x: Any, y: Any, *, optimizer: Any = "rmsprop",
        loss: str | LossFn | None = None, metrics: Sequence[str | M.MetricFn] | None = None,
        **kwargs: Any) -> History:
    """Train any module Keras-style: `Trainer(module, optimizer, loss, metrics).fit(x, y, ...)`."""
    return Trainer(module, optimizer, loss, metrics).fit(x, y, **kwargs)


def evaluate(module: Any, x: Any, y: Any, *, loss: str | LossFn | None = None,
             metrics: Sequence[str | M.MetricFn] | None = None, **kwargs: Any) -> dict:
    """Loss and metrics of any module over (x, y); `kwargs` go to `Trainer.evaluate`."""
    return Trainer(module, None, loss, metrics).evaluate(x, y, **kwargs)


class History(Callback):
    """Per-epoch logs of a `fit`: `history["loss"]`, `history["val_accuracy"]`, `epoch`."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

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


