"""Neural networks on the autograd engine: modules, layers, losses, optimizers, training."""
from . import callbacks, checkpoint, functional, init, metrics, optim, train, utils
from . import onnx, weights
from .callbacks import (CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                        ReduceLROnPlateau, TerminateOnNaN)
from .data import DataLoader, batches
from .layers import (Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid,
                     Softmax, Tanh)
from .model import Model, Sequential
from .module import Module, Parameter
from .scalar import MLP, Layer, Neuron
from .tensorboard import TensorBoard
from .train import History, Trainer

__all__ = ["Module", "Parameter", "Model", "Trainer", "Sequential", "Neuron", "Layer", "MLP", "Linear", "ReLU",
           "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout", "Flatten",
           "Identity", "init", "functional", "optim", "utils", "checkpoint", "batches",
           "DataLoader", "callbacks", "metrics", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau"]
__all__ += ["TensorBoard", "onnx", "weights"]
