"""Backpropagation: the chain rule applied over a graph in reverse topological order.

Both ``backward`` (floats, accumulated into ``.grad``) and ``grad`` (returned, optionally as
Values that can be differentiated again) use each op's one ``derivative`` rule from ``ops.py``.
Nothing here recurses, so graphs of any depth work.
"""

from __future__ import annotations

from typing import Sequence

from .ops import OPS
from .value import Value, enable_grad


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph, each after all of its parents (root last); deterministic."""
    order: list[Value] = []
    visited = {root}
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents):
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, False))
    return order


def _gradients(root: Value, seed, as_values: bool) -> dict[Value, object]:
    """d(root)/d(node) for every node of root's graph, starting from d(root)/d(root) = seed."""
    grads: dict[Value, object] = {root: seed}
    for node in reversed(topological_order(root)):
        parents = node.parents
        if not parents:
            continue
        g = grads[node]
        derivative = OPS[node.op].derivative
        if as_values:
            partials = derivative(g, node, *parents)
        else:
            partials = derivative(g, node.data, *[p.data for p in parents])
        for parent, partial in zip(parents, partials):
            if parent in grads:
                grads[parent] = grads[parent] + partial
            else:
                grads[parent] = partial
    return grads


def backward(root: Value) -> None:
    """Add d(root)/d(node) to ``node.grad`` for every node of root's graph (root gets +1.0).

    Each call adds the same amounts: grads left on nodes by earlier calls are never propagated.
    """
    for node, g in _gradients(root, 1.0, as_values=False).items():
        node.grad += g


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(x) for each x in ``inputs``, leaving every ``.grad`` untouched.

    An input that output does not depend on gets 0.0. With ``create_graph=True`` the results are
    Values whose own graphs can be differentiated again (to any order); else they are floats.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, got {type(output).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__} at index {i}")
    if not create_graph:
        grads = _gradients(output, 1.0, as_values=False)
        return [grads.get(x, 0.0) for x in inputs]
    with enable_grad():  # the caller asked for a graph, so record one even in no_grad
        grads = _gradients(output, Value(1.0), as_values=True)
        return [grads[x] if x in grads else Value(0.0) for x in inputs]
