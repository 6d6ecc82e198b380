"""Neural networks on the autograd engine: modules, layers, losses, optimizers, training."""
from . import callbacks, checkpoint, functional, init, metrics, onnx, optim, train, utils, weights
from .callbacks import (CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                        ReduceLROnPlateau, TerminateOnNaN)
from .data import DataLoader, batches
from .layers import (Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid,
                     Softmax, Tanh)
from .model import Model, Sequential
from .module import Module, Parameter
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .scalar import MLP, Layer, Neuron
from .tensorboard import TensorBoard
from .conv import (AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d,
                   MaxPool2d)
from .embedding import Embedding
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .train import History, Trainer

__all__ = ["Module", "Parameter", "Model", "Trainer", "Sequential", "Neuron", "Layer", "MLP",
           "Linear", "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout",
           "Flatten", "Identity", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "init", "functional", "optim", "utils", "checkpoint", "weights", "onnx", "batches",
           "DataLoader", "callbacks", "metrics", "History", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau",
           "TensorBoard", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d",
           "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding"]
