"""nn: a tiny neural-net library on top of autograd: modules, losses, optimizers and saved files."""

from .module import Module, Neuron, Layer, MLP, Dropout
from .losses import (
    mse_loss, l1_loss, huber_loss, smooth_l1_loss, hinge_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, nll_loss, kl_div,
)
from .optim import SGD, Adam, AdamW, RMSprop, Adagrad
from .clip import clip_grad_norm_, clip_grad_value_
from .saving import load_model, save_checkpoint, load_checkpoint
from .torch_bridge import to_torch, from_torch  # PyTorch itself is imported only when they run
from . import datasets, lr_scheduler

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "Dropout", "load_model", "save_checkpoint", "load_checkpoint",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "hinge_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "clip_grad_norm_", "clip_grad_value_", "datasets", "lr_scheduler", "to_torch", "from_torch",
]
