"""Numpy building blocks of training: losses, the head's backprop, optimizers and data."""

from __future__ import annotations

from .data import Dataset, Scaler, load_csv, parse_scaler, train_test_split
from .datasets import DATASETS, circles, moons, parity
from .head import HeadCache, head_backward, head_forward
from .losses import LOSSES, cross_entropy, get_loss, hinge, mse
from .optimizers import OPTIMIZERS, SGD, Adam, Optimizer, RMSProp, make_optimizer

__all__ = [
    "DATASETS",
    "LOSSES",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "Dataset",
    "HeadCache",
    "Optimizer",
    "RMSProp",
    "Scaler",
    "circles",
    "cross_entropy",
    "get_loss",
    "head_backward",
    "head_forward",
    "hinge",
    "load_csv",
    "make_optimizer",
    "moons",
    "mse",
    "parity",
    "parse_scaler",
    "train_test_split",
]
