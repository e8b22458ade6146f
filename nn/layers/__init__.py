"""Layers: one small file per family, each a thin Module over ``nn.functional``."""

from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AvgPool1d, AvgPool2d, LPPool2d, MaxPool1d, MaxPool2d
from .recurrent import GRU, LSTM, RNN
from .sync_batchnorm import SyncBatchNorm

__all__ = [
    "GELU", "GRU", "LSTM", "RNN", "AvgPool1d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d",
    "Conv1d", "Conv2d", "Dropout", "Embedding", "Flatten", "LPPool2d", "LayerNorm", "LeakyReLU",
    "Linear", "LogSoftmax", "MaxPool1d", "MaxPool2d", "ReLU", "Sigmoid", "Softmax", "SyncBatchNorm", "Tanh",
]  # fmt: skip
