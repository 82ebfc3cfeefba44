"""chaingrad's design stripped to its minimum, a practical lower bound and not a library: one Python
object per op result, and backpropagation through the recorded graph.

What it keeps, as chaingrad does: a node object with ``__slots__`` per op, parents as a tuple, a
neuron's weighted sum as one node, an iterative topological order, and per-node gradient sums.
What it leaves out, to be as fast as such an engine can be made: every check of its inputs, the
table of ops (each derivative is written inline in the one backward loop), grad mode, the lock,
labels and higher-order gradients. It is generous to itself: a constant lives inside the op that
uses it (no leaf), and the mean squared error is one node.

Run it with ``python benchmarks/run.py --engines chaingrad,micrograd,handwritten,floor``. Its time
minus ``handwritten``'s is roughly what the graph itself costs on this interpreter; a speed target
that this engine misses is not one that tuning chaingrad can meet.
"""

from __future__ import annotations

from operator import attrgetter, mul

import workloads

NAME = "floor"

LEAF, ADD, SCALE, SHIFT, MUL, DOT, RELU, MEAN_SQUARE = range(8)


class Node:
    """One op result. ``const`` is a number folded into the op (SCALE: x * c, SHIFT: x + c)."""

    __slots__ = ("data", "grad", "parents", "kind", "const", "total")

    def __init__(self, data: float) -> None:
        self.data, self.grad, self.parents, self.kind, self.total = data, 0.0, (), LEAF, None

    def __add__(self, other):
        if type(other) is Node:
            return _node(self.data + other.data, (self, other), ADD)
        return _node(self.data + other, (self,), SHIFT)

    def __mul__(self, other):
        if type(other) is Node:
            return _node(self.data * other.data, (self, other), MUL)
        out = _node(self.data * other, (self,), SCALE)
        out.const = other
        return out

    def backward(self) -> None:
        backward(self)


_new = object.__new__


def _node(data: float, parents: tuple, kind: int) -> Node:
    n = _new(Node)
    n.data, n.grad, n.parents, n.kind, n.total = data, 0.0, parents, kind, None
    return n


def weighted_sum(w: list[Node], x: list[Node], b: Node | None) -> Node:
    """w . x (+ b) as one node with parents (w..., x..., [b])."""
    total = sum(map(mul, [p.data for p in w], [p.data for p in x]), 0.0)
    if b is None:
        return _node(total, (*w, *x), DOT)
    return _node(total + b.data, (*w, *x, b), DOT)


def relu(z: Node) -> Node:
    return _node(z.data if z.data > 0.0 else 0.0, (z,), RELU)


def mean_square_error(preds: list[Node], targets: list[float]) -> Node:
    """(1/n) * sum (p - t)**2 as one node; ``const`` keeps the targets."""
    out = _node(sum((p.data - t) * (p.data - t) for p, t in zip(preds, targets)) / len(preds), tuple(preds), MEAN_SQUARE)
    out.const = targets
    return out


def topological_order(root: Node) -> list[Node]:
    """The op nodes of root's graph, each after its parents (iterative depth-first search)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            stack.append(node)
            stack.append(None)
            for p in node.parents:
                if p.parents and p not in seen:
                    stack.append(p)
    return order


def backward(root: Node) -> None:
    """Add d root / d node to every node's ``.grad``: each op's derivative written out inline."""
    root.total = 1.0
    touched = [root]
    for node in reversed(topological_order(root)):
        g, ps, kind = node.total, node.parents, node.kind
        if kind == DOT:
            n = len(ps) >> 1
            parts = [g * p.data for p in ps[n : n + n]] + [g * p.data for p in ps[:n]] + [g]
        elif kind == RELU:
            parts = (g if ps[0].data > 0.0 else 0.0,)
        elif kind == ADD:
            parts = (g, g)
        elif kind == MUL:
            parts = (g * ps[1].data, g * ps[0].data)
        elif kind == SCALE:
            parts = (g * node.const,)
        elif kind == SHIFT:
            parts = (g,)
        else:  # MEAN_SQUARE
            scale = 2.0 * g / len(ps)
            parts = [scale * (p.data - t) for p, t in zip(ps, node.const)]
        for p, d in zip(ps, parts):
            t = p.total
            if t is None:
                touched.append(p)
                p.total = d
            else:
                p.total = t + d
    for node in touched:
        node.grad += node.total
        node.total = None


def _network(layers) -> tuple[list, list[Node]]:
    """[(weights, bias or None) per neuron] per layer as Nodes, and every parameter."""
    net = [[([Node(v) for v in w], None if b is None else Node(b)) for w, b in neurons] for neurons in layers]
    params = [p for layer in net for w, b in layer for p in (w if b is None else [*w, b])]
    return net, params


def _forward(net, x: list[float]) -> Node:
    h = [Node(v) for v in x]
    for i, layer in enumerate(net):
        h = [weighted_sum(w, h, b) for w, b in layer]
        if i < len(net) - 1:
            h = [relu(z) for z in h]
    return h[0]


def _forward_numbers(net, x: list[float]) -> float:
    """The evaluation pass on plain floats, as chaingrad's modules run under no_grad."""
    h = x
    for i, layer in enumerate(net):
        h = [sum(map(mul, [p.data for p in w], h), 0.0) + (b.data if b is not None else 0.0) for w, b in layer]
        if i < len(net) - 1:
            h = [v if v > 0.0 else 0.0 for v in h]
    return h[0]


def _sgd(params: list[Node], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def seed_train(state, inputs, targets, lr: float, epochs: int) -> float:
    net, params = state
    error = float("nan")
    for _ in range(epochs):
        total = 0.0
        for x, y in zip(inputs, targets):
            for p in params:
                p.grad = 0.0
            mean_square_error([_forward(net, x)], [y]).backward()
            _sgd(params, lr)
            out = _forward_numbers(net, x)
            total += (out - y) * (out - y)
        error = total / len(inputs)
    return error


seed_network = mlp_model = _network


def mlp_step(state, inputs, targets) -> float:
    net, params = state
    loss = mean_square_error([_forward(net, x) for x in inputs], targets)
    for p in params:
        p.grad = 0.0
    loss.backward()
    _sgd(params, workloads.MLP_LR)
    return loss.data


def chain_build(depth: int):
    return workloads.chain_build(Node, depth)


def wide_build(a: list[float], b: list[float]):
    return workloads.wide_build(Node, a, b)


chain_backward = wide_backward = workloads.backward_from_last
root_of = workloads.last


def count_nodes(root) -> int:
    return workloads.count_values(root, parents_of=attrgetter("parents"))
