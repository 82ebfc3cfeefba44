"""Recording: one call of fn on fresh input leaves, with its guards, and every node it reached
sorted out by when it was made: an input, a live node (made before the call: read at every
replay), the trace's own (made during the call: recomputed, or a literal if made of numbers)."""

from __future__ import annotations

import numbers
import os
import sys
import threading
import warnings
from typing import Callable

from ..ops import OPS
from .. import value as _value
from ..value import Value, comparison_log, enable_grad


INT = "int"  # the shape of an int place in the arguments (a number's shape is None)


class ValueArgument(Exception):
    """Raised by `number` for a Value: the replay then takes the path that gives Values their .grad."""


def number(x: object) -> float:
    """An input's number at a replay: a real number as a float; `ValueArgument` for a Value (whose
    number is then read by the slower path that also adds to its .grad); TypeError for anything else."""
    if type(x) is float:
        return x
    if isinstance(x, Value):
        raise ValueArgument
    if isinstance(x, numbers.Real) and not isinstance(x, complex):
        return float(x)
    raise TypeError(f"not a number: {type(x).__name__}")


def integer(x: object) -> int:
    """An int place's value at a replay (a class index, a count): an int; TypeError for anything else."""
    if is_int(x):
        return int(x)
    raise TypeError(f"not an int: {type(x).__name__}")


def is_int(x: object) -> bool:
    """Whether an argument is an int (not a bool): such a place is baked in, with a guard on its value."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _number(x: object) -> float:
    return x.data if isinstance(x, Value) else float(x)


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


def rebuild(args: tuple, leaf: Callable) -> list:
    """``args`` with ``leaf(item)`` in place of each item that is not a list or tuple, lists as
    lists and tuples as tuples; a loop, no recursion."""
    top: list = []
    tuples: list = []  # (list, index) of each tuple to make, outer ones first
    stack = [(args, 0, top)]
    while stack:
        s, i, into = stack.pop()
        while i < len(s):
            item = s[i]
            i += 1
            if not isinstance(item, (list, tuple)):
                into.append(leaf(item))
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


class TraceWarning(UserWarning):
    """fn read the number of a traced Value (``.data``, ``float(v)``, ``.item()``, ``math.exp(v)``)
    while `trace` recorded it: that number is baked into the replay, which never runs fn's Python.
    Warned once per place in fn's code; silence it with
    ``warnings.filterwarnings("ignore", category=TraceWarning)``."""


_ENGINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # autograd/
_LIBRARY = (_ENGINE, os.path.join(os.path.dirname(_ENGINE[:-1]), "nn") + os.sep)  # autograd/ and nn/
_DATA = Value.data  # the slot itself: reads through it never warn


def _read(node: Value, what: str, frame) -> None:
    """Warn (once per place) that the code of ``frame`` read a traced Value's number."""
    if frame.f_code.co_filename.startswith(_ENGINE):
        return  # the engine's own reads: ops computing numbers, comparisons, messages
    log = comparison_log.get()
    if isinstance(log, _Log):
        log.read(what, _DATA.__get__(node), frame)


class _Watched(Value):
    """A Value that depends on fn's inputs, while `trace` records fn: reading its number from
    fn's code warns with `TraceWarning`. Every node is a plain Value again when the recording ends."""

    __slots__ = ()

    @property
    def data(self) -> float:
        _read(self, ".data", sys._getframe(1))
        return _DATA.__get__(self)

    @data.setter
    def data(self, number: float) -> None:
        _DATA.__set__(self, number)

    def __float__(self) -> float:
        _read(self, "float(v), or a math function", sys._getframe(1))
        return _DATA.__get__(self)

    def item(self) -> float:
        _read(self, ".item()", sys._getframe(1))
        return _DATA.__get__(self)


class _Log(list):
    """What fn does while it is recorded, in its own order: the Values that ops make (made during
    the call) and the comparisons of Values, as ``(test, a, b, outcome)`` (the guards)."""

    def __init__(self, warned: set | None = None):
        super().__init__()
        self.warned = set() if warned is None else warned  # the places already warned about
        self.made_here: set[Value] = set()  # every node made during the call, by an op or detach()
        self.leaves_here: set[Value] = set()  # every leaf made during the call (by Value(x))
        self.from_numbers: set[Value] = set()  # leaves an op made from plain numbers (2.0 in x * 2.0)
        self.detached: dict[Value, tuple] = {}  # node -> (op or None for a copy, the Values it was computed from)

    def read(self, what: str, number: float, frame) -> None:
        """Warn that fn's code at ``frame`` (or, inside the library, the code that called it) read
        a traced Value's number."""
        inside = ""
        if frame.f_code.co_filename.startswith(_LIBRARY):
            inside = f" (in {os.path.basename(frame.f_code.co_filename)}, line {frame.f_lineno})"
            while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY):
                frame = frame.f_back
        place = (frame.f_code.co_filename, frame.f_lineno, what)
        if place in self.warned:
            return
        self.warned.add(place)
        where = f"{os.path.basename(frame.f_code.co_filename)}, line {frame.f_lineno}"
        message = (f"trace: {where} reads the number of a traced Value{inside} by {what}: the replay uses the "
                   f"number it had when traced ({number!r}) and does not read it again. Compare Values "
                   "(x > 0) or compute with them instead; to silence this: "
                   "warnings.filterwarnings('ignore', category=TraceWarning)")
        warnings.warn_explicit(message, TraceWarning, frame.f_code.co_filename, frame.f_lineno,
                               module=frame.f_globals.get("__name__", "fn"))

    def leaf(self, leaf: Value) -> None:
        self.leaves_here.add(leaf)

    def numbers(self, values: tuple, given: tuple) -> None:
        for v, x in zip(values, given):
            if v is not x:
                self.from_numbers.add(v)

    def made(self, out: Value, op, inputs: tuple) -> None:
        self.append(out)
        self.made_here.add(out)
        for p in inputs:
            if type(p) is _Watched:  # it depends on an input: reading its number bakes it in
                out.__class__ = _Watched
                break
        if not out.parents:  # detach(), or an op under no_grad: no gradient flows back through it
            self.detached[out] = (op.name if op is not None else None, inputs)


_count_lock = threading.Lock()


class _Recording:
    """One call of fn on fresh input leaves: the output, the guards, and every node sorted out.

    When a node was made decides what it is: nodes made before the call (parameters, captured
    Values, a parameter made by an op) are live, read at every replay, and get their .grad; nodes
    made during the call are the trace's own: recomputed from the inputs at every replay, or a
    literal when made of plain numbers alone. A leaf fn makes itself with ``Value(x)`` may be kept
    by fn (a parameter made lazily), so it is live too. Detached nodes (``detach()``, ops under
    ``no_grad``) are recomputed and pass no gradient back, as in eager code.
    """

    def __init__(self, fn: Callable, args: tuple, kinds: list, warned: set | None = None):
        # kinds: the shape of each place in the example arguments (None: a number, INT: an int)
        self._ints = [kind == INT for kind in kinds]
        self.inputs = [_Watched(_number(item), _label(item)) for item, kind in zip(_flatten(args), kinds) if kind is None]
        log = _Log(warned)
        token = comparison_log.set(log)
        with _count_lock:
            _value._tracing += 1
        try:
            with enable_grad():
                self.out = fn(*self._rebuild(args))
        finally:
            with _count_lock:
                _value._tracing -= 1
            comparison_log.reset(token)
            for node in (*self.inputs, *log.made_here):
                if type(node) is _Watched:
                    node.__class__ = Value
        if not isinstance(self.out, Value):
            raise TypeError(f"trace: fn must return a Value, got {type(self.out).__name__}")
        self.detached = log.detached
        self.guards = [event for event in log if type(event) is tuple]
        self.constant = self._constants(log)  # node -> its number, for every node that is a literal
        self.order = self._forward_order(log)  # made nodes and guard indices, in fn's own order
        self.kind, self.live = self._sort_live(log.made_here)
        self.checked = self._checked(log)
        for step in self.order:
            if type(step) is not int and step not in self.detached and OPS[step.op].derivative_code is None:
                raise NotImplementedError(f"trace: op {step.op!r} has no derivative_code in the op table (autograd/ops.py)")

    def parents_of(self, node: Value) -> tuple:
        """What node's number is computed from: its parents, or for a detached node its sources."""
        return node.parents or self.detached.get(node, (None, ()))[1]

    def _rebuild(self, args: tuple) -> list:
        """The arguments for fn: ``args`` with the fresh leaves in place of the numbers, ints as
        they are, lists as lists and tuples as tuples."""
        leaves, ints = iter(self.inputs), iter(self._ints)
        return rebuild(args, lambda item: int(item) if next(ints) else next(leaves))

    def _constants(self, log: _Log) -> dict[Value, float]:
        """Leaves an op made from plain numbers during the call, and the nodes made of them alone."""
        constant = {leaf: leaf.data for leaf in log.from_numbers}
        for event in log:
            if type(event) is not tuple and all(p in constant for p in self.parents_of(event)):
                constant[event] = event.data
        return constant

    def _forward_order(self, log: _Log) -> list:
        """The nodes made during the call (except literals) and the guard indices, in the order fn
        made and compared them: a replay computes what fn computed in fn's order (so the first op
        that fails is the one that fails first in eager code), and leaves the path at a guard
        before computing anything fn would have computed after it."""
        order: list = []
        k = 0
        for event in log:
            if type(event) is tuple:
                order.append(k)
                k += 1
            elif event not in self.constant:
                order.append(event)
        return order

    def _checked(self, log: _Log) -> tuple:
        """Nodes made by ops during the call from leaves fn made itself during the call and from
        literals alone (``Value(r) * 0.1``). fn may keep one as a parameter made lazily: a replay
        recomputes it, adds to its .grad, and raises a clear error if its number was changed since."""
        own = log.leaves_here - log.from_numbers
        checked: list[Value] = []
        done: set[Value] = set()
        for event in log:
            if type(event) is not tuple and event.parents and event not in self.constant:
                if all(p in own or p in self.constant or p in done for p in event.parents):
                    done.add(event)
                    checked.append(event)
        return tuple(checked)

    def _sort_live(self, made_here: set) -> tuple[dict, tuple]:
        """Every node reached that was not made during the call (nor is an input): live. Those are
        found from what the made nodes and guards read and from the output, and, through a live
        node made by an op, from its own parents, which backward passes gradients on to."""
        kind: dict[Value, str] = dict.fromkeys(self.inputs, "input")
        live: list[Value] = []
        stack: list[Value] = []
        reads: list[Value] = []
        for step in self.order:
            if type(step) is int:
                _, a, b, _ = self.guards[step]
                reads.extend(x for x in (a, b) if isinstance(x, Value))
            else:
                reads.extend(self.parents_of(step))
        reads.append(self.out)
        for root in reads:
            stack.append(root)
            while stack:
                node = stack.pop()
                if node in kind or node in made_here or node in self.constant:
                    continue
                kind[node] = "live"
                live.append(node)
                stack.extend(reversed(node.parents))
        return kind, tuple(live)
