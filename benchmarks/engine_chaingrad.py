"""The workloads written with chaingrad's public API: ``autograd.Value`` and ``nn.MLP``, ``SGD``,
``mse_loss``, the way a user of the library would write them."""

from __future__ import annotations

from autograd import Value, no_grad
from nn import MLP, SGD, mse_loss

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


def chain_build(depth: int):
    """W3: x_(k+1) = x_k * a + b for ``depth`` steps; returns (x_0, x_depth)."""
    a, b = workloads.CHAIN_A, workloads.CHAIN_B
    x0 = Value(workloads.CHAIN_X0)
    x = x0
    for _ in range(depth):
        x = x * a + b
    return x0, x


def chain_backward(graph) -> float:
    """W3: backpropagate from x_depth; returns d x_depth / d x_0."""
    x0, root = graph
    root.backward()
    return x0.grad


def wide_build(a: list[float], b: list[float]):
    """W5: leaves for a and b, their products and the pairwise sum; returns (leaves of a, leaves of b, sum)."""
    va = [Value(x) for x in a]
    vb = [Value(y) for y in b]
    root = workloads.pairwise_sum([p * q for p, q in zip(va, vb)])
    return va, vb, root


def wide_backward(graph) -> float:
    """W5: backpropagate from the sum; returns d sum / d a_0 (which is b_0)."""
    va, vb, root = graph
    root.backward()
    return va[0].grad


def root_of(graph) -> Value:
    """The output node of a graph made by `chain_build` or `wide_build`."""
    return graph[-1]


def count_nodes(root: Value) -> int:
    """Number of distinct Values in root's graph (every leaf included), following ``.parents``."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)
