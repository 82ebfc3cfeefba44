"""W1, W2 and W6 with `autograd.trace`, as a user would write them: trace the training step once
(outside the timed part; for W6 inside it), with the optimizer, so each step is one call of the
generated code: zero_grad, forward, backward and the SGD update. Same models, optimizer and loss as
engine_chaingrad.py."""

from __future__ import annotations

from autograd import no_grad, trace
from nn import SGD, mse_loss

import engine_chaingrad
import workloads

NAME = "chaingrad-traced"


def seed_network(layers):
    """W1: the 3-4-1 ReLU net without biases (an ``nn.MLP``) and its traced per-example loss."""
    return engine_chaingrad.seed_network(layers)


def seed_trace(model):
    """W1: trace one example's training step (squared error, SGD); the inputs and the target are
    the arguments."""
    optimizer = SGD(model.parameters(), lr=workloads.SEED_LR)
    return model, trace(lambda x, y: mse_loss(model(x), y), workloads.SEED_INPUTS[0], workloads.SEED_TARGETS[0],
                        optimizer=optimizer)


def seed_train(state, inputs, targets, lr: float, epochs: int) -> float:
    """W1: per-example SGD as in demo.py, each step one call; the error after each update is the
    forward pass alone (``step.forward``: as the call inside no_grad, without entering it)."""
    model, step = state
    error = float("nan")
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(inputs, targets):
            step(x, y)
            total += step.forward(x, y)
        error = total / len(inputs)
    return error


def mlp_model(layers):
    """W2: the 2-16-16-1 ReLU MLP with biases and its optimizer."""
    return engine_chaingrad.mlp_model(layers)


def mlp_trace(state, inputs, targets):
    """W2: trace the full-batch training step; the data are constants of the trace."""
    model, optimizer = state
    return model, optimizer, trace(lambda: mse_loss([model(x) for x in inputs], targets), optimizer=optimizer)


def mlp_step(state, inputs, targets) -> float:
    """W2: one full-batch training step, one call (forward, backward, SGD update); returns the loss."""
    return state[2]()


def demo_model(layers):
    """W6: the demo's model and SGD, as eager chaingrad's."""
    return engine_chaingrad.demo_model(layers)


def demo_trace(state, inputs, targets):
    """W6: the fused training step: the loss with the scores as auxiliary outputs, traced with the
    optimizer, so each call is zero_grad, forward, backward and the SGD update."""
    model, optimizer = state
    return optimizer, trace(lambda: engine_chaingrad.demo_loss(model, inputs, targets), optimizer=optimizer, has_aux=True)


def demo_train(state, inputs, targets, steps: int) -> list:
    """W6: the demo's training loop, one call a step; the accuracy from the replay's scores."""
    optimizer, step = state
    history = []
    for k in range(steps):
        optimizer.lr = workloads.demo_lr(k)
        loss, scores = step()
        history.append((loss, engine_chaingrad.accuracy(scores, targets)))
    return history
