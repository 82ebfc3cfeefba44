"""nn: a tiny neural-net library on top of autograd: modules, losses, optimizers and saved files."""

from .module import Module, Neuron, Layer, MLP, Dropout
from .losses import (
    mse_loss, l1_loss, huber_loss, smooth_l1_loss, hinge_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, nll_loss, kl_div,
)
from .optim import SGD, Adam, AdamW
from .saving import load_model
from . import datasets

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "Dropout", "load_model",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
    "SGD", "Adam", "AdamW", "datasets",
]
