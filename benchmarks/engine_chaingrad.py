"""The workloads written with chaingrad's public API: ``autograd.Value`` and ``nn.MLP``, ``SGD``,
``mse_loss``, the way a user of the library would write them."""

from __future__ import annotations

from functools import partial
from operator import attrgetter

from autograd import Value, no_grad
from nn import MLP, SGD, hinge_loss, mse_loss

import workloads

NAME = "chaingrad"


def _mlp(layers, activation: str = "relu") -> MLP:
    """An ``nn.MLP`` holding exactly the weights ``layers`` (from `workloads.init_weights`)."""
    sizes = [len(layers[0][0][0])] + [len(neurons) for neurons in layers]
    bias = layers[0][0][1] is not None
    model = MLP(sizes[0], sizes[1:], activation=activation, bias=bias)
    model.load_state_dict(workloads.state_dict_of(layers))
    return model


def seed_network(layers):
    """W1: the 3-4-1 ReLU net without biases, with the given initial weights."""
    return _mlp(layers)


def seed_train(model: MLP, inputs, targets, lr: float, epochs: int) -> float:
    """W1: per-example SGD as in demo.py; returns the last epoch's error (the mean of the examples'
    squared errors, each measured right after its own update)."""
    optimizer = SGD(model.parameters(), lr=lr)
    error = float("nan")
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(inputs, targets):
            optimizer.zero_grad()
            mse_loss(model(x), y).backward()
            optimizer.step()
            with no_grad():
                total += mse_loss(model(x), y).data
        error = total / len(inputs)
    return error


def mlp_model(layers):
    """W2: the 2-16-16-1 ReLU MLP with biases, with the given initial weights, and its optimizer."""
    model = _mlp(layers)
    return model, SGD(model.parameters(), lr=workloads.MLP_LR)


def mlp_step(state, inputs, targets) -> float:
    """W2: one full-batch training step (forward, backward, SGD update); returns the loss."""
    model, optimizer = state
    loss = mse_loss([model(x) for x in inputs], targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data


def demo_model(layers):
    """W6: the demo's ``MLP(2, [16, 16, 1])`` with the shared initial weights, and SGD."""
    model = _mlp(layers)
    return model, SGD(model.parameters(), lr=workloads.demo_lr(0))


def demo_loss(model, inputs, targets):
    """W6: the demo's loss over the whole batch, and the scores (for the accuracy)."""
    scores = [model(x) for x in inputs]
    data_loss = hinge_loss(scores, targets)
    reg_loss = workloads.DEMO_ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss, scores


def accuracy(scores: list[float], targets: list[float]) -> float:
    """W6: the share of points whose score is on their target's side of 0."""
    return sum((y > 0) == (s > 0) for s, y in zip(scores, targets)) / len(targets)


def demo_train(state, inputs, targets, steps: int) -> list:
    """W6: the demo's training loop for ``steps`` steps; returns each step's (loss, accuracy)."""
    model, optimizer = state
    history = []
    for k in range(steps):
        optimizer.lr = workloads.demo_lr(k)
        loss, scores = demo_loss(model, inputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append((loss.data, accuracy([s.data for s in scores], targets)))
    return history


# W3, W4, W5: the graph workloads shared with the other engines, in chaingrad Values.
chain_build = partial(workloads.chain_build, Value)
wide_build = partial(workloads.wide_build, Value)
chain_backward = wide_backward = workloads.backward_from_last
root_of = workloads.last
count_nodes = partial(workloads.count_values, parents_of=attrgetter("parents"))
