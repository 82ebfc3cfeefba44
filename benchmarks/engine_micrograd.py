"""The workloads written with micrograd 0.1.0 (``micrograd.engine.Value``, ``micrograd.nn.MLP``).

micrograd's ``Neuron`` always has a bias, so the seed's no-bias 3-4-1 net (W1) is built by hand
from ``micrograd.engine.Value``: each neuron is w0*x0 + w1*x1 + ... (left to right, no bias node),
ReLU on the hidden layer, linear output -- the same math as chaingrad's net. W2 uses
``micrograd.nn.MLP`` itself (ReLU hidden layers, linear output, biases), with its parameters'
``.data`` set to the shared initial weights. micrograd has no optimizer: SGD is
``p.data -= lr * p.grad``.
"""

from __future__ import annotations

from functools import partial
from operator import attrgetter

from micrograd.engine import Value
from micrograd.nn import MLP

import workloads

NAME = "micrograd"


def _squared_error(pred: Value, target: float) -> Value:
    """(pred - target)**2 written as diff * diff, as chaingrad's mse_loss does."""
    diff = pred - target
    return diff * diff


def _zero_grad(params) -> None:
    for p in params:
        p.grad = 0


def _sgd(params, lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def seed_network(layers):
    """W1: the no-bias net as nested lists of micrograd Values: net[l][j] = neuron j's weights."""
    return [[[Value(wi) for wi in w] for w, _ in neurons] for neurons in layers]


def _seed_forward(net, x) -> Value:
    """Forward pass of the hand-built net: ReLU hidden layers, linear last layer."""
    h = x
    for l, layer in enumerate(net):
        outs = []
        for w in layer:
            act = w[0] * h[0]
            for wi, hi in zip(w[1:], h[1:]):
                act = act + wi * hi
            outs.append(act.relu() if l < len(net) - 1 else act)
        h = outs
    return h[0]


def seed_train(net, inputs, targets, lr: float, epochs: int) -> float:
    """W1: per-example SGD as in demo.py; returns the last epoch's error (the mean of the examples'
    squared errors, each measured right after its own update)."""
    params = [wi for layer in net for w in layer for wi in w]
    error = float("nan")
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(inputs, targets):
            _zero_grad(params)
            _squared_error(_seed_forward(net, x), y).backward()
            _sgd(params, lr)
            total += _squared_error(_seed_forward(net, x), y).data  # micrograd has no no_grad
        error = total / len(inputs)
    return error


def mlp_model(layers):
    """W2: ``micrograd.nn.MLP(2, [16, 16, 1])`` with its weights and biases set to ``layers``."""
    sizes = [len(layers[0][0][0])] + [len(neurons) for neurons in layers]
    model = MLP(sizes[0], sizes[1:])
    for layer, neurons in zip(model.layers, layers):
        for neuron, (w, b) in zip(layer.neurons, neurons):
            for p, wi in zip(neuron.w, w):
                p.data = wi
            neuron.b.data = b
    return model


def mlp_step(model, inputs, targets) -> float:
    """W2: one full-batch training step (forward, backward, SGD update); returns the loss."""
    params = model.parameters()
    errors = [_squared_error(model(x), y) for x, y in zip(inputs, targets)]
    total = errors[0]
    for e in errors[1:]:
        total = total + e
    loss = total / len(errors)
    _zero_grad(params)
    loss.backward()
    _sgd(params, workloads.MLP_LR)
    return loss.data


def demo_model(layers):
    """W6: the demo's ``MLP(2, [16, 16, 1])`` with the shared initial weights."""
    return mlp_model(layers)


def _demo_loss(model, X, y):
    """The loss cell of micrograd's demo.ipynb with the whole batch, as the notebook writes it."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = workloads.DEMO_ALPHA
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def demo_train(model, inputs, targets, steps: int) -> list:
    """W6: the demo's training loop for ``steps`` steps; returns each step's (loss, accuracy)."""
    history = []
    for k in range(steps):
        total_loss, acc = _demo_loss(model, inputs, targets)
        model.zero_grad()
        total_loss.backward()
        learning_rate = workloads.demo_lr(k)
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return history


# W3, W4, W5: the graph workloads shared with the other engines, in micrograd Values.
chain_build = partial(workloads.chain_build, Value)
wide_build = partial(workloads.wide_build, Value)
chain_backward = wide_backward = workloads.backward_from_last
root_of = workloads.last
count_nodes = partial(workloads.count_values, parents_of=attrgetter("_prev"))
