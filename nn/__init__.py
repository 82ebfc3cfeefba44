"""nn: a tiny neural-net library on top of autograd: modules, losses and optimizers."""

from .module import Module, Neuron, Layer, MLP
from .losses import mse_loss
from .optim import SGD, Adam
from . import datasets

__all__ = ["Module", "Neuron", "Layer", "MLP", "mse_loss", "SGD", "Adam", "datasets"]
