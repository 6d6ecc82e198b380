"""Keras-style callbacks for `fit`: early stopping, learning-rate control, checkpoints, logs."""
from __future__ import annotations

import csv
import io
import math
import numbers
import os
import warnings
from typing import Any, Callable, Iterable

from . import checkpoint
from .atomic import atomic_write
from .optim.lr_scheduler import ReduceLROnPlateau as _PlateauScheduler

Logs = dict[str, Any]


class Callback:
    """Base class: override any hook. `self.model` is the model being fit; `self.params` has
    `epochs`, `steps` (batches per epoch) and `verbose`. Setting
    `self.model.stop_training = True` ends training after the current batch and epoch."""

    model: Any = None
    params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        """Called by `fit` before training with the model being trained."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Called by `fit` before training with `epochs`, `steps` and `verbose`."""
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once after the last epoch, with that epoch's logs."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called before epoch `epoch` (counted from 0) trains."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called after an epoch with its loss, metrics, `val_*` values and `lr`."""

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before each training batch."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after each training step with the epoch's running loss and metrics."""


class CallbackList:
    """Callbacks called in order: `callbacks.call("on_epoch_end", epoch, logs)`."""

    def __init__(self, callbacks: Iterable[Callback], model: Any, params: dict) -> None:
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def call(self, hook: str, *args: Any) -> None:
        """Run hook `hook` of every callback with `args`."""
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def release(self) -> None:
        """Forget the model once training ends, so no callback keeps it (or a cycle) alive."""
        for cb in self.callbacks:
            cb.model = None


def _tqdm() -> Any:
    """tqdm's notebook bar inside a Jupyter kernel with ipywidgets importable, else the text
    bar (never an error about widgets)."""
    import sys
    ipython = sys.modules.get("IPython")  # only ever loaded by then inside IPython/Jupyter
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is not None and "IPKernelApp" in getattr(shell, "config", {}):
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as notebook_tqdm
            return notebook_tqdm
        except Exception:  # no (or a broken) ipywidgets: the text bar works everywhere
            pass
    from tqdm import tqdm
    return tqdm


def _say(message: str, file: Any = None) -> None:
    """Print a line without breaking any tqdm bar that is showing."""
    _tqdm().write(message, file=file)


def _direction(mode: str, monitor: str) -> str:
    """'min' or 'max'; 'auto' maximises accuracy-like quantities, as Keras does."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if "acc" in monitor or monitor.startswith(("fmeasure", "auc")) else "min"
    return mode


def _monitored(logs: Logs | None, monitor: str, who: str) -> float | None:
    """`logs[monitor]` as a float, or None with a warning when it is missing."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(f"{who} monitors {monitor!r}, which is not in the logs (available: "
                      f"{', '.join(logs or {}) or 'none'}); skipping", RuntimeWarning,
                      stacklevel=3)
        return None
    return float(value)


def _optimizer(model: Any) -> Any:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise RuntimeError("this callback needs a compiled model: call model.compile() first")
    return optimizer


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    Keras semantics: with `restore_best_weights`, the weights of the best epoch are put back
    when training ends; `baseline` must also be beaten before the patience counter resets.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.mode = _direction(mode, monitor)
        self.min_delta = abs(min_delta) * (1 if self.mode == "max" else -1)
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.on_train_begin()

    def _improved(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return not math.isnan(value)
        shifted = value - self.min_delta
        return shifted > reference if self.mode == "max" else shifted < reference

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.wait = self.stopped_epoch = self.best_epoch = 0
        self.best: float | None = None
        self.best_weights: dict | None = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.state_dict(), epoch
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose:
            _say(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                _say(f"Restoring model weights from the end of the best epoch: "
                     f"{self.best_epoch + 1}.")
            self.model.load_state_dict(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Keras's callback: multiply every param group's lr by `factor` (not below `min_lr`) once
    `monitor` has not improved by `min_delta` for `patience` epochs; then wait `cooldown`
    epochs. It drives an `nn.optim.lr_scheduler.ReduceLROnPlateau` over the compiled
    optimizer. Keras counts the epoch that ends a cooldown and reduces after `patience` bad
    epochs, where torch waits for more than `patience`: the numbers are translated."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau needs factor < 1, got {factor}")
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"ReduceLROnPlateau needs patience >= 1, got {patience!r}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.mode, self.min_delta = _direction(mode, monitor), abs(min_delta)
        self.cooldown, self.min_lr = cooldown, min_lr
        self.scheduler: _PlateauScheduler | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.scheduler = _PlateauScheduler(
            _optimizer(self.model), mode=self.mode, factor=self.factor,
            patience=self.patience - 1, threshold=self.min_delta, threshold_mode="abs",
            cooldown=max(self.cooldown - 1, 0), min_lr=self.min_lr, eps=0.0)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = _monitored(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        before = [g["lr"] for g in self.scheduler.optimizer.param_groups]
        self.scheduler.step(current)
        if self.verbose:
            for old, new in zip(before, self.scheduler.get_last_lr()):
                if new != old:
                    _say(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                         f"{new:.4g}.")


class LearningRateScheduler(Callback):
    """Set each group's lr from `schedule(epoch, lr) -> lr` at the start of every epoch, or
    step an `nn.optim.lr_scheduler` scheduler once at the end of every epoch (a
    `ReduceLROnPlateau` scheduler is stepped with `logs[monitor]`)."""

    def __init__(self, schedule: Callable[[int, float], float] | Any, verbose: int = 0,
                 monitor: str = "val_loss") -> None:
        self.is_scheduler = hasattr(schedule, "step") and hasattr(schedule, "optimizer")
        if not self.is_scheduler and not callable(schedule):
            raise TypeError("schedule must be a function (epoch, lr) -> lr or an "
                            f"nn.optim.lr_scheduler scheduler, got {type(schedule).__name__}")
        self.schedule, self.verbose, self.monitor = schedule, verbose, monitor

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if self.is_scheduler and self.schedule.optimizer is not _optimizer(self.model):
            raise ValueError("LearningRateScheduler: the scheduler drives another optimizer "
                             "than the one the model was compiled with")

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if self.is_scheduler:
            return
        for group in _optimizer(self.model).param_groups:
            lr = self.schedule(epoch, group["lr"])
            if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not lr >= 0:
                raise ValueError(f"LearningRateScheduler: the schedule returned {lr!r} for "
                                 f"epoch {epoch}; expected a non-negative number")
            group["lr"] = float(lr)
            if self.verbose:
                _say(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                     f"{group['lr']:.4g}.")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if not self.is_scheduler:
            return
        if not isinstance(self.schedule, _PlateauScheduler):
            self.schedule.step()
        elif (value := _monitored(logs, self.monitor, "LearningRateScheduler")) is not None:
            self.schedule.step(value)


class ModelCheckpoint(Callback):
    """Save the model (and its optimizer) with `nn.checkpoint.save` after each epoch, or only
    when `monitor` improves; `filepath` may use `{epoch}` (from 1) and log fields such as
    `{val_loss:.4f}`."""

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = True, mode: str = "auto",
                 save_weights_only: bool = False) -> None:
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = _direction(mode, monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[str] = []  # paths written, in order

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = dict(logs or {})
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError) as error:
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} uses {error}, which "
                             f"the logs do not have; known keys: {', '.join(['epoch', *logs])}"
                             ) from None
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if current is None:
                return
            if not (current < self.best if self.mode == "min" else current > self.best):
                return
            if self.verbose:
                _say(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                     f"{current:.5f}, saving model to {path}")
            self.best = current
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        optimizer = None if self.save_weights_only else _optimizer(self.model)
        checkpoint.save(path, self.model.module, optimizer=optimizer, epoch=epoch + 1,
                        logs={k: float(v) for k, v in logs.items()})
        self.saved.append(path)


class CSVLogger(Callback):
    """One row per epoch (`epoch` from 0, then the log keys sorted), rewritten atomically."""

    def __init__(self, filename: str | os.PathLike, separator: str = ",",
                 append: bool = False) -> None:
        self.filename, self.separator, self.append = os.fspath(filename), separator, append

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.keys: list[str] | None = None
        self.prefix, self.rows = "", io.StringIO()
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self.prefix = f.read()
            if self.prefix and not self.prefix.endswith("\n"):
                self.prefix += "\n"
        self.writer = csv.writer(self.rows, delimiter=self.separator, lineterminator="\n")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not self.prefix:
                self.writer.writerow(["epoch", *self.keys])
        self.writer.writerow([epoch, *(logs.get(k, "NA") for k in self.keys)])
        text = self.prefix + self.rows.getvalue()
        atomic_write(self.filename, lambda f: f.write(text), binary=False)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite, with a RuntimeWarning."""

    epoch = 0
    message = ""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            steps = self.params.get("steps")
            self.message = (f"TerminateOnNaN: epoch {self.epoch + 1}, batch {batch + 1}"
                            f"{f'/{steps}' if steps else ''}: loss is {loss}; terminating "
                            "training")
            warnings.warn(self.message, RuntimeWarning, stacklevel=2)
            self.model.stop_training = True


class ProgressBar(Callback):
    """tqdm bar per epoch with the running loss and metrics (`verbose=1`), one line per epoch
    (`verbose=2`), or nothing (`verbose=0`). `fit` adds one from its `verbose` argument."""

    def __init__(self, verbose: int = 1, file: Any = None) -> None:
        self.verbose, self.file, self.bar = verbose, file, None

    def _desc(self, epoch: int) -> str:
        return self.params.get("desc") or f"Epoch {epoch + 1}/{self.params.get('epochs')}"

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if self.verbose == 1:
            self.bar = _tqdm()(total=self.params.get("steps"), desc=self._desc(epoch),
                            unit="batch", file=self.file, dynamic_ncols=True)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self.bar is not None:
            self.bar.set_postfix(_postfix(logs), refresh=False)
            self.bar.update(1)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.bar is not None:
            self.bar.set_postfix(_postfix(logs), refresh=True)
            self.on_train_end()
        elif self.verbose == 2:
            items = " - ".join(f"{k}: {v}" for k, v in _postfix(logs).items())
            _say(f"{self._desc(epoch)} - {items}", file=self.file)

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _postfix(logs: Logs | None) -> dict[str, str]:
    return {k: f"{v:.4f}" for k, v in (logs or {}).items() if k != "lr"}
