"""Recording: one call of fn on fresh input leaves, with its guards, and every node it reached
sorted out as an input, a live node (read at every replay) or a constant (a literal in the code)."""

from __future__ import annotations

import math
import numbers
import sys
from typing import Callable

from ..ops import OPS
from ..value import Value, comparison_log, enable_grad


def number(x: object) -> float:
    """An input's number: a real number as a float, a Value's .data; TypeError for anything else."""
    if type(x) is float:
        return x
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"not a number: {type(x).__name__}")


def _flatten(args):
    """The numbers and Values in (nested lists and tuples of) args, in order; a loop, no recursion."""
    stack = list(reversed(args))
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            yield item


def _label(item: object) -> str:
    return item.label if isinstance(item, Value) else ""


class _Recording:
    """One call of fn on fresh input leaves: the output, the guards, and every node sorted out."""

    def __init__(self, fn: Callable, args: tuple, known: dict | None = None):
        self.known = known or {}  # node -> "live" or "constant", as the earlier paths of fn sorted it
        self.inputs = self._fresh_leaves(args)
        log: list = []
        token = comparison_log.set(log)
        try:
            with enable_grad():
                self.out = fn(*self._rebuild(args))
        finally:
            comparison_log.reset(token)
        if not isinstance(self.out, Value):
            raise TypeError(f"trace: fn must return a Value, got {type(self.out).__name__}")
        self.guards = log
        self.order = self._forward_order()  # op nodes and guard indices, in the order to compute them
        for step in self.order:
            if type(step) is not int and OPS[step.op].derivative_code is None:
                raise NotImplementedError(f"trace: op {step.op!r} has no derivative_code in the op table (autograd/ops.py)")
        self.kind = self._sort_leaves()  # leaf -> "input", "live" or "constant"; see _constants
        self.constant = self._constants()  # node -> its number, for every node that is a constant

    def _fresh_leaves(self, args: tuple) -> list[Value]:
        return [Value(number(item), _label(item)) for item in _flatten(args)]

    def _rebuild(self, args: tuple) -> list:
        """The arguments for fn: ``args`` with the fresh leaves in place of the numbers, lists as
        lists and tuples as tuples."""
        leaves = iter(self.inputs)
        top: list = []
        tuples: list = []  # (list, index) of each tuple to make, outer ones first
        stack = [(args, 0, top)]
        while stack:
            s, i, into = stack.pop()
            while i < len(s):
                item = s[i]
                i += 1
                if not isinstance(item, (list, tuple)):
                    into.append(next(leaves))
                else:
                    inner: list = []
                    into.append(inner)
                    if isinstance(item, tuple):
                        tuples.append((into, len(into) - 1))
                    stack.append((s, i, into))
                    stack.append((item, 0, inner))
                    break
        for into, k in reversed(tuples):  # inner ones first, so each tuple holds finished items
            into[k] = tuple(into[k])
        return top

    def _forward_order(self) -> list:
        """Op nodes, each after its parents, and guard indices: each guard comes right after the
        nodes it compares, and before any node made after it, so a replay that leaves this path
        does so before computing anything fn would not have computed."""
        order: list = []
        done: set[Value] = set()
        for k, (_, a, b, _) in enumerate(self.guards):
            for operand in (a, b):
                if isinstance(operand, Value):
                    self._add_ancestors(operand, done, order)
            order.append(k)
        self._add_ancestors(self.out, done, order)
        return order

    @staticmethod
    def _add_ancestors(root: Value, done: set, order: list) -> None:
        if not root.parents or root in done:
            return
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif node not in done:
                done.add(node)
                stack.append((node, True))
                stack.extend((p, False) for p in reversed(node.parents) if p.parents and p not in done)

    def _sort_leaves(self) -> dict[Value, str]:
        """Inputs are the fresh leaves; a leaf that only this graph refers to is a constant; every
        other leaf is live (something else may change its .data or read its .grad)."""
        # Counted in a function of its own, so that no loop variable of ours still holds a leaf.
        outside = _references_besides(_uses(self.order, self.guards, self.out))
        kind = dict.fromkeys(self.inputs, "input")
        for leaf, extra in outside.items():
            if leaf not in kind:  # the earlier paths hold references of their own
                kind[leaf] = self.known.get(leaf) or ("constant" if extra == _NONE_OUTSIDE else "live")
        return kind

    def _constants(self) -> dict[Value, float]:
        """Constant leaves and the nodes made of them alone. A node made of constants that
        something besides the graph refers to (a parameter made by an op, ``Value(r) * 0.1``; a
        Value captured from an enclosing scope) may still be changed: it is live, like a leaf."""
        constant = {leaf: leaf.data for leaf, k in self.kind.items() if k == "constant"}
        outside = _references_besides(_uses(self.order, self.guards, self.out, _made_of(constant, self.order)))
        for step in self.order:
            if type(step) is not int and all(p in constant for p in step.parents):
                if self.known.get(step, "constant" if outside[step] == _NONE_OUTSIDE else "live") == "constant":
                    constant[step] = step.data
                else:
                    self.kind[step] = "live"
        return constant


def _made_of(constant: dict, order: list) -> set:
    """The op nodes made of these constants alone."""
    made: set[Value] = set()
    for step in order:
        if type(step) is not int and all(p in constant or p in made for p in step.parents):
            made.add(step)
    return made


def _uses(order: list, guards: list, out: Value, nodes: set | None = None) -> dict[Value, int]:
    """How many references to each leaf (or, given ``nodes``, to each of those op nodes) the graph
    holds: one per place in a node's parents, one per guard that compares it, one if it is the
    output, and for an op node one for its place in ``order``."""
    uses: dict[Value, int] = {}
    for step in order:
        if type(step) is not int:
            if nodes is not None and step in nodes:
                uses[step] = uses.get(step, 0) + 1
            for p in step.parents:
                if not p.parents if nodes is None else p in nodes:
                    uses[p] = uses.get(p, 0) + 1
    for _, a, b, _ in guards:
        for operand in (a, b):
            if isinstance(operand, Value) and (not operand.parents if nodes is None else operand in nodes):
                uses[operand] = uses.get(operand, 0) + 1
    if not out.parents if nodes is None else out in nodes:
        uses[out] = uses.get(out, 0) + 1
    return uses


def _references_besides(uses: dict) -> dict:
    """For each leaf: its references minus the ``uses`` the graph makes of it. A leaf with no
    reference from outside the graph gives `_NONE_OUTSIDE` (measured on a leaf known to have none,
    with this same code); without ``sys.getrefcount`` every leaf counts as referred to."""
    if not hasattr(sys, "getrefcount"):
        return dict.fromkeys(uses, math.inf)
    return {leaf: sys.getrefcount(leaf) - n for leaf, n in uses.items()}


_NONE_OUTSIDE = _references_besides({Value(0.0): 0}).popitem()[1]
