"""Backpropagation: the chain rule applied over a graph in reverse topological order.

Both ``backward`` (floats, accumulated into ``.grad``) and ``grad`` (returned, optionally as
Values that can be differentiated again) use each op's one ``derivative`` rule from ``ops.py``.
Nothing here recurses, so graphs of any depth work.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from typing import Sequence

from .ops import OPS
from .value import Value, enable_grad, number_leaf


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


_one_pass_at_a_time = threading.Lock()
_in_pass = threading.local()
_touched: list[Value] = []  # nodes whose _grad_sum is in use, or still to be reset


def _reset_touched() -> None:
    """Set every touched node's ``_grad_sum`` back to None. The list is emptied only after all the
    resets, so an interrupt (Ctrl-C) here leaves them all for the next pass to redo."""
    for node in _touched:
        node._grad_sum = None
    _touched.clear()


@contextmanager
def _gradient_pass():
    """While a pass runs, each node's gradient is summed in its own ``_grad_sum`` slot (cheaper
    than a dict); this yields the list the pass records the nodes it touches in, and resets
    their slots at the end. One pass runs at a time."""
    if getattr(_in_pass, "active", False):
        raise RuntimeError("backward() or grad() was called while another one was running")
    with _one_pass_at_a_time:
        try:
            _in_pass.active = True
            _reset_touched()  # left over only if an earlier reset was interrupted
            yield _touched
        finally:
            _in_pass.active = False
            _reset_touched()


def _sum_gradients(root: Value, seed, as_values: bool, touched: list[Value]) -> None:
    """Leave d(root)/d(node) in ``node._grad_sum`` for every node of root's graph, starting from
    d(root)/d(root) = seed, and list those nodes in ``touched`` (the caller resets them to None).

    Nodes are visited root first, so a node's gradient is complete before it is passed on.
    """
    touched.append(root)
    root._grad_sum = seed
    for node in reversed(topological_order(root, leaves=False)):
        parents = node.parents
        g = node._grad_sum
        derivative = OPS[node.op].derivative
        if as_values:
            partials = derivative(g, node, *parents)
        elif len(parents) == 2:  # the common cases, spelled out to save building a list per node
            partials = derivative(g, node.data, parents[0].data, parents[1].data)
        elif len(parents) == 1:
            partials = derivative(g, node.data, parents[0].data)
        else:
            partials = derivative(g, node.data, *[p.data for p in parents])
        for parent, partial in zip(parents, partials):
            total = parent._grad_sum
            if total is None:
                touched.append(parent)
                parent._grad_sum = partial
            else:
                parent._grad_sum = total + partial


def backward(root: Value) -> None:
    """Add d(root)/d(node) to ``node.grad`` for every node of root's graph (root gets +1.0).

    Each call adds the same amounts: grads left on nodes by earlier calls are never propagated.
    A grad of None ("no gradient", from ``zero_grad(set_to_none=True)``) counts as 0: it becomes
    d(root)/d(node).
    """
    with _gradient_pass() as touched:
        _sum_gradients(root, 1.0, False, touched)
        try:
            for node in touched:
                node.grad += node._grad_sum
        except TypeError:  # checked for None only when adding fails: the common case costs nothing more
            _add_from(touched, touched.index(node))


def _add_from(touched: list[Value], start: int) -> None:
    """The end of backward from touched[start] on, where some grads are None: they become the sums."""
    for node in touched[start:]:
        grad = node.grad
        if grad is None:
            node.grad = node._grad_sum
        else:
            node.grad = grad + node._grad_sum


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
    with _gradient_pass() as touched, enable_grad() if create_graph else nullcontext():
        _sum_gradients(output, number_leaf(1.0) if create_graph else 1.0, create_graph, touched)
        results = []
        for x in inputs:
            g = x._grad_sum
            if g is None:  # output does not depend on x
                g = number_leaf(0.0) if create_graph else 0.0
            results.append(g)
        return results
