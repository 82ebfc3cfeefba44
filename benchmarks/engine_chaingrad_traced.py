"""W1 and W2 with `autograd.trace`, as a user would write them: trace the loss once (outside the
timed part), then each step replays it. Same models, optimizer and loss as engine_chaingrad.py."""

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
    """W1: trace one example's squared error; the inputs and the target are the arguments."""
    return model, trace(lambda x, y: mse_loss(model(x), y), workloads.SEED_INPUTS[0], workloads.SEED_TARGETS[0])


def seed_train(state, inputs, targets, lr: float, epochs: int) -> float:
    """W1: per-example SGD as in demo.py, each step a replay; the error after each update is the
    forward replay under no_grad."""
    model, loss = state
    optimizer = SGD(model.parameters(), lr=lr)
    error = float("nan")
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(inputs, targets):
            optimizer.zero_grad()
            loss(x, y)
            optimizer.step()
            with no_grad():
                total += loss(x, y)
        error = total / len(inputs)
    return error


def mlp_model(layers):
    """W2: the 2-16-16-1 ReLU MLP with biases and its optimizer."""
    return engine_chaingrad.mlp_model(layers)


def mlp_trace(state, inputs, targets):
    """W2: trace the full-batch loss; the data are constants of the trace."""
    model, optimizer = state
    return model, optimizer, trace(lambda: mse_loss([model(x) for x in inputs], targets))


def mlp_step(state, inputs, targets) -> float:
    """W2: one full-batch training step (replay: forward and backward; SGD update); returns the loss."""
    model, optimizer, loss = state
    optimizer.zero_grad()
    value = loss()
    optimizer.step()
    return value


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
