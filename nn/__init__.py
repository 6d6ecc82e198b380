"""Neural networks on the autograd engine: modules, layers, losses, optimizers, training."""
from . import callbacks, checkpoint, functional, init, metrics, optim, utils
from .callbacks import (CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                        TerminateOnNaN)
from .data import DataLoader, batches
from .layers import (Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid,
                     Softmax, Tanh)
from .module import Module, Parameter, Sequential
from .scalar import MLP, Layer, Neuron
from .train import History

__all__ = ["Module", "Parameter", "Sequential", "Neuron", "Layer", "MLP", "Linear", "ReLU",
           "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout", "Flatten",
           "Identity", "init", "functional", "optim", "utils", "checkpoint", "batches",
           "DataLoader", "callbacks", "metrics", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "TerminateOnNaN", "LearningRateScheduler"]
