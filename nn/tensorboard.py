"""`TensorBoard`: a `fit` callback writing Keras's TensorBoard layout.

Runs `log_dir/train` and `log_dir/validation`; per epoch the tags `epoch_loss`,
`epoch_<metric>` (`val_*` logs go to the validation run under the same tags) and
`epoch_learning_rate` (train); with `histogram_freq > 0`, a histogram of every parameter
by its state_dict name every `histogram_freq` epochs.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .callbacks import Callback, Logs

INSTALL = 'pip install "autograd-nn[interop]"'


def _writer_class() -> Any:
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError(f"nn.TensorBoard needs the tensorboardX package: {INSTALL}") from None
    return SummaryWriter


class TensorBoard(Callback):
    """Log the loss, metrics, learning rate and (optionally) weight histograms per epoch."""

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0) -> None:
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0, got "
                             f"{histogram_freq!r}")
        self.log_dir, self.histogram_freq = os.fspath(log_dir), histogram_freq
        self.writer_class = _writer_class()  # fail at construction, not after an epoch
        self.writers: dict[str, Any] = {}

    def _writer(self, run: str) -> Any:
        if run not in self.writers:
            self.writers[run] = self.writer_class(os.path.join(self.log_dir, run))
        return self.writers[run]

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._writer("train")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for key, value in (logs or {}).items():
            if key == "lr":
                run, tag = "train", "epoch_learning_rate"
            elif key.startswith("val_"):
                run, tag = "validation", f"epoch_{key[4:]}"
            else:
                run, tag = "train", f"epoch_{key}"
            self._writer(run).add_scalar(tag, float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            module = getattr(self.model, "module", self.model)
            for name, p in module.named_parameters():
                self._writer("train").add_histogram(name, np.asarray(p.data), epoch)
        for writer in self.writers.values():
            writer.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers = {}


__all__ = ["TensorBoard"]
