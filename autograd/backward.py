"""Backpropagation: the chain rule applied over a graph in reverse topological order.

Both ``backward`` (floats, accumulated into ``.grad``) and ``grad`` (returned, optionally as
Values that can be differentiated again) use each op's one ``derivative`` rule from ``ops.py``.
Nothing here recurses, so graphs of any depth work.
"""

from __future__ import annotations

from typing import Sequence

from .ops import OPS
from .value import Value, enable_grad


_PARENTS_DONE = object()  # stack marker: the node below it has all its parents in the order


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node of root's graph, each after all of its parents (root last); deterministic.

    An iterative depth-first search: a node is appended once all of its parents are. With
    ``leaves=False`` only the nodes made by ops are listed: all that backpropagation walks.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            if not node.parents:  # only when root itself is a leaf
                if leaves:
                    order.append(node)
                continue
            stack.append(node)
            stack.append(_PARENTS_DONE)
            for parent in node.parents:
                if parent.parents:
                    if parent not in visited:
                        stack.append(parent)
                elif leaves and parent not in visited:  # a leaf is in order as soon as it is seen
                    visited.add(parent)
                    order.append(parent)
    return order


def _gradients(root: Value, seed, as_values: bool) -> dict:
    """d(root)/d(node) for every node of root's graph, starting from d(root)/d(root) = seed.

    Nodes are visited root first, so a node's gradient is complete before it is passed on.
    """
    grads = {root: seed}
    for node in reversed(topological_order(root, leaves=False)):
        parents = node.parents
        g = grads[node]
        derivative = OPS[node.op].derivative
        if as_values:
            partials = derivative(g, node, *parents)
        elif len(parents) == 2:  # the common case, spelled out to save building a list per node
            partials = derivative(g, node.data, parents[0].data, parents[1].data)
        else:
            partials = derivative(g, node.data, *[p.data for p in parents])
        for parent, partial in zip(parents, partials):
            if parent in grads:
                grads[parent] += partial
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
