"""Optimizers (``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW``, ``AdaBelief``) and
learning-rate schedules (``nn.optim.lr_scheduler``), PyTorch-shaped."""

from . import lr_scheduler
from .adabelief import AdaBelief
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "AdaBelief",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "lr_scheduler",
]
