"""Trace once, replay fast: record the graph a function builds, write its forward and backward
passes out as straight-line Python, and run that code on new numbers.

    traced = trace(fn, *example_args)
    traced(*args)                    # fn(*args).data, and adds to every live leaf's .grad
    traced.value_and_grad(*args)     # (output, d output / d input for every input number)
    print(traced.source)             # the generated code: one node a line

The code for each op comes from its entry in the op table (`ops.py`: ``code`` and
``derivative_code``), and backward lines follow backward()'s own order, so a replay gives the
numbers of ``fn(*args).backward()`` bit for bit. Nothing here recurses over the graph.

What a trace keeps and what it bakes in:

- inputs: every number (or Value) in the arguments; a replay takes new ones of the same structure;
- live leaves: leaves that something besides the graph refers to (a model's parameters, a Value
  captured from an enclosing scope): each replay reads their ``.data`` and adds to their ``.grad``;
- constants: leaves only the graph refers to (the 2.0 that ``x * 2.0`` turns into a Value, a float
  target, a Value that fn made and did not keep) and nodes computed from constants alone: written
  into the code as number literals (unless something besides the graph refers to such a node, as
  to a parameter made by an op, ``Value(r) * 0.1``: that node is live, like a leaf);
- comparisons of Values (``x > 0``, ``max(values)``): each outcome is a guard; a replay whose guard
  comes out differently traces fn again for that path and keeps both;
- everything else fn does in plain Python is baked in: reading ``.data`` or ``float(v)``, random
  numbers, ``if`` on plain numbers. As with ``torch.jit.trace``, that is the price of replaying
  without running fn.
"""

from __future__ import annotations

import builtins
import keyword
import math
import numbers
import operator
import sys
from typing import Callable

from .backward import _one_pass_at_a_time, topological_order
from .ops import OPS, Op
from .value import Value, _recording, comparison_log, enable_grad

__all__ = ["trace", "Traced"]

TERMS_PER_LINE = 50  # a longer gradient sum goes on several lines (keeps compile() shallow)
SYMBOLS = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">="}


class GuardFailed(Exception):
    """Raised by generated code when a comparison comes out differently than when it was traced."""


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


def sequence(x: object):
    """x itself if it is a list or tuple; TypeError for anything else."""
    if isinstance(x, (list, tuple)):
        return x
    raise TypeError(f"not a list or tuple: {type(x).__name__}")


def _functions() -> dict[str, Callable]:
    """The op table's functions, by name: all that generated code may call besides sum()."""
    names: dict[str, Callable] = {}
    for entry in OPS.values():
        for f in entry.functions:
            if names.setdefault(f.__name__, f) is not f:
                raise RuntimeError(f"two functions of the op table are both named {f.__name__!r}")
    return names


def _namespace() -> dict:
    return {"sum": sum, "inf": math.inf, "nan": math.nan, "GuardFailed": GuardFailed, "number": number,
            "sequence": sequence, "grad_enabled": _recording.get, "lock": _one_pass_at_a_time, **_functions()}


def literal(x: float) -> str:
    """A float as Python source that evaluates to exactly it (negative numbers in parentheses)."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "(-inf)"
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


def comment(label: str) -> str:
    """A label as safe comment text: one line, printable characters only, at most 60."""
    text = "".join(c if c.isprintable() else " " for c in label)
    return text if len(text) <= 60 else text[:57] + "..."


class _Names:
    """Hands out local names: a node's label where it is a plain ASCII identifier that is free, else
    a made-up one. Labels never become code any other way."""

    def __init__(self, reserved):
        self.taken = set(reserved)

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def for_label(self, label: str, made_up: str) -> str:
        usable = label.isascii() and label.isidentifier() and not keyword.iskeyword(label) and not label.startswith("__")
        if usable and label not in self.taken:
            self.taken.add(label)
            return label
        return self.fresh(made_up)


# --- arguments -----------------------------------------------------------------------------------


def _shape_of(args: tuple, what: str = "argument") -> tuple:
    """The structure of example arguments: None for a number, a tuple of shapes for a list/tuple."""
    shapes: list = []
    stack = [(args, shapes, "")]
    while stack:
        items, into, where = stack.pop()
        for i, item in enumerate(items):
            if isinstance(item, (Value, numbers.Real)) and not isinstance(item, complex):
                into.append(None)
            elif isinstance(item, (list, tuple)):
                inner: list = []
                into.append(inner)
                stack.append((item, inner, f"{where}[{i}]"))
            else:
                raise TypeError(f"trace: {what} {i}{where and ' of ' + where} must be a real number, a Value, "
                                f"or a list or tuple of them, got {type(item).__name__}")
    return _freeze(shapes)


def _freeze(shapes: list) -> tuple:
    """Nested lists to nested tuples, without recursion."""
    done: dict[int, tuple] = {}
    stack = [(shapes, False)]
    while stack:
        node, ready = stack.pop()
        if ready:
            done[id(node)] = tuple(done[id(s)] if isinstance(s, list) else s for s in node)
        else:
            stack.append((node, True))
            stack.extend((s, False) for s in node if isinstance(s, list))
    return done[id(shapes)]


def _describe(args: tuple, depth: int = 0) -> str:
    """A short text for an argument structure, e.g. ``([3 numbers], number)`` or ``(str, number)``."""
    if depth > 3:
        return "(...)"
    parts = []
    for item in args[:8]:
        if isinstance(item, (Value, numbers.Real)) and not isinstance(item, complex):
            parts.append("number")
        elif isinstance(item, (list, tuple)):
            flat = all(isinstance(s, (Value, numbers.Real)) and not isinstance(s, complex) for s in item)
            parts.append(f"[{len(item)} number{'s' * (len(item) != 1)}]" if flat else f"[{len(item)} items: {_describe(tuple(item), depth + 1)[1:-1]}]")
        else:
            parts.append(type(item).__name__)
    return "(" + ", ".join(parts) + (", ..." if len(args) > 8 else "") + ")"


def _describe_shape(shape: tuple, depth: int = 0) -> str:
    """The same text for a traced shape (None for a number)."""
    if depth > 3:
        return "(...)"
    parts = []
    for s in shape[:8]:
        if s is None:
            parts.append("number")
        elif all(t is None for t in s):
            parts.append(f"[{len(s)} number{'s' * (len(s) != 1)}]")
        else:
            parts.append(f"[{len(s)} items: {_describe_shape(s, depth + 1)[1:-1]}]")
    return "(" + ", ".join(parts) + (", ..." if len(shape) > 8 else "") + ")"


def _argument_names(shape: tuple, names: _Names, labels: list[str]) -> tuple[list[str], list[str]]:
    """The lines of ``inputs(args)``, which unpacks and checks the arguments, and the input names."""
    lines: list[str] = []
    inputs: list[str] = []
    top = [names.fresh(f"arg{i}") for i in range(len(shape))]
    lines.append(f"    {', '.join(top)}{',' if len(top) == 1 else ''} = args" if top else "    () = args")
    stack = [(n, s) for n, s in reversed(list(zip(top, shape)))]
    by_name: dict[str, str] = {}
    while stack:
        name, s = stack.pop()
        if s is None:
            label = labels[len(inputs)]
            input_name = names.for_label(label, f"x{len(inputs)}")
            by_name[input_name] = name
            inputs.append(input_name)
            continue
        parts = [names.fresh(f"{name}_{i}") for i in range(len(s))]
        lines.append(f"    {', '.join(parts)}{',' if len(parts) == 1 else ''} = sequence({name})" if parts else f"    () = sequence({name})")
        stack.extend(reversed(list(zip(parts, s))))
    lines.append(f"    return ({', '.join(f'number({by_name[n]})' for n in inputs)}{',' if len(inputs) == 1 else ''})")
    return lines, inputs


# --- recording -----------------------------------------------------------------------------------


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


# --- code generation -----------------------------------------------------------------------------


def _is_simple(term: str) -> bool:
    """Whether a term needs no parentheses inside a sum: a name, a literal, or a * b, a / b of those."""
    first = term.find(" ")
    return first < 0 or (term[first + 1] in "*/" and term[first + 2] == " " and term.find(" ", first + 3) < 0)


def _sum_lines(name: str, terms: list[str], indent: str = "    ") -> list[str]:
    """``name = t1 + t2 + ...``, added left to right as backward() adds them, in lines of at most
    TERMS_PER_LINE terms."""
    if len(terms) > 1:
        terms = [t if _is_simple(t) else f"({t})" for t in terms]
    lines = []
    for start in range(0, len(terms), TERMS_PER_LINE):
        chunk = " + ".join(terms[start : start + TERMS_PER_LINE])
        lines.append(f"{indent}{name} = {chunk}" if start == 0 else f"{indent}{name} = {name} + {chunk}")
    return lines


class _Path:
    """The generated code for one path through fn (one set of guard outcomes)."""

    def __init__(self, recording: _Recording, fn_name: str, reserved: set, input_names: list[str], index: int):
        self.recording = recording
        self.index = index
        self.branches: dict[int, _Path] = {}  # guard index -> the path taken when it comes out otherwise
        self.fn_name = fn_name if index == 0 else f"{fn_name}_path_{index}"
        self._name_nodes(reserved, input_names)
        self.source = self._write(grads_of="live")
        self.run = _compile(self.source, self.fn_name, f"<trace of {fn_name}, path {index}>", self.guard_constants)
        self._value_and_grad: Callable | None = None

    def _name_nodes(self, reserved: set, input_names: list[str]) -> None:
        rec = self.recording
        self._names = names = _Names(reserved | set(input_names))
        self.names: dict[Value, str] = dict(zip(rec.inputs, input_names))
        self.live: list[Value] = []
        for step in rec.order:
            if type(step) is int:
                continue
            for p in step.parents:
                if rec.kind.get(p) == "live" and p not in self.names:
                    self.names[p] = names.for_label(p.label, f"p{len(self.live)}")
                    self.live.append(p)
            if step not in rec.constant and rec.kind.get(step) != "live":
                self.names[step] = names.for_label(step.label, f"v{len(self.names) - len(input_names) - len(self.live) + 1}")
        for _, a, b, _ in rec.guards:
            for operand in (a, b):
                if isinstance(operand, Value) and rec.kind.get(operand) == "live" and operand not in self.names:
                    self.names[operand] = names.for_label(operand.label, f"p{len(self.live)}")
                    self.live.append(operand)
        out = rec.out
        if rec.kind.get(out) == "live" and out not in self.names:
            self.names[out] = names.for_label(out.label, f"p{len(self.live)}")
            self.live.append(out)
        self.live = tuple(self.live)
        self.grad_names = {node: names.fresh(f"d_{name}") for node, name in self.names.items()}
        self.guard_constants: dict[str, object] = {}

    def expr(self, x) -> str:
        """A node (or a guard's number) as an expression: its local name or a literal."""
        if isinstance(x, Value):
            if x in self.recording.constant:
                return literal(self.recording.constant[x])
            return self.names[x]
        if type(x) is float:
            return literal(x)
        if type(x) in (int, bool) and abs(x) < 10**15:
            return repr(int(x))
        name = self._names.fresh(f"k{len(self.guard_constants)}")  # never a name a label took
        self.guard_constants[name] = x
        return name

    def _write(self, grads_of: str) -> str:
        """The function's source: forward lines, guards, then (for grads_of "live") an exit under
        no_grad, the backward lines and the .grad updates, or (for "inputs") the input gradients."""
        rec = self.recording
        inputs = [self.names[x] for x in rec.inputs]
        head = f"def {self.fn_name}(live{''.join(', ' + n for n in inputs)}):"
        lines = [head]
        what = "adds d(output)/d(leaf) to each live leaf's .grad" if grads_of == "live" else "returns d(output)/d(input) for each input"
        lines.append(f'    """Forward pass, then backward pass: {what}."""')
        for j, leaf in enumerate(self.live):
            note = f"  # {comment(leaf.label)}" if leaf.label and leaf.label != self.names[leaf] else ""
            lines.append(f"    {self.names[leaf]} = live[{j}].data{note}")
        for step in rec.order:
            if type(step) is int:
                test, a, b, outcome = rec.guards[step]
                if not (isinstance(a, Value) and a not in rec.constant or isinstance(b, Value) and b not in rec.constant):
                    continue  # compares constants: always the same outcome
                check = f"{self.expr(a)} {SYMBOLS[test]} {self.expr(b)}"
                lines.append(f"    if {'not ' if outcome else ''}{check}: raise GuardFailed({step})"
                             f"  # traced with {check} {outcome}")
            elif step not in rec.constant and rec.kind.get(step) != "live":
                entry = OPS[step.op]
                code = entry.code(*map(self.expr, step.parents))
                note = f"  # {comment(step.label)}" if step.label and step.label != self.names[step] else ""
                lines.append(f"    {self.names[step]} = {code}{note}")
        out = self.expr(rec.out)
        targets = list(self.live) if grads_of == "live" else list(dict.fromkeys(rec.inputs))
        if grads_of == "live":
            lines.append("    if not grad_enabled():")
            lines.append(f"        return {out}")
        grads = self._backward_lines(targets, lines)
        if grads_of == "live":
            written = [leaf for leaf in self.live if leaf in grads]
            if written:
                lines.append("    with lock:  # backward()'s lock: threads may share parameters")
                for j, leaf in enumerate(self.live):
                    if leaf in grads:
                        lines.append(f"        live[{j}].grad += {grads[leaf]}")
            lines.append(f"    return {out}")
        else:
            lines.append(f"    return {out}, [{', '.join(grads.get(x, '0.0') for x in rec.inputs)}]")
        return "\n".join(lines) + "\n"

    def _backward_lines(self, targets: set, lines: list[str]) -> dict[Value, str]:
        """Append the backward lines: d(output)/d(node) of every node between the output and the
        targets, each the sum of its inputs' contributions in the order backward() adds them.
        Returns the gradient expression of each target reached."""
        rec = self.recording
        needs: set[Value] = set(t for t in targets if t not in rec.constant)
        for step in rec.order:
            if type(step) is not int and any(p in needs for p in step.parents):
                needs.add(step)
        out = rec.out
        if out not in needs:
            return {}
        lines.append("    # backward: d_v is d(output)/d(v), the sum of what each use of v passes back")
        terms: dict[Value, list[str]] = {}
        grads: dict[Value, str] = {}
        for node in reversed(topological_order(out, leaves=False)):
            if node not in needs or rec.kind.get(node) == "live":  # a live op node is read, like a leaf
                continue
            g = self.grad_names[node]
            if node is out:
                lines.append(f"    {g} = 1.0")
            else:
                lines.extend(_sum_lines(g, terms.pop(node)))
            entry: Op = OPS[node.op]
            if entry.derivative_code is None:
                raise NotImplementedError(f"trace: op {node.op!r} has no derivative_code in the op table (autograd/ops.py)")
            partials = entry.derivative_code(g, self.names[node], *map(self.expr, node.parents))
            for parent, partial in zip(node.parents, partials):
                if parent in needs:
                    terms.setdefault(parent, []).append(partial)
        if not out.parents or rec.kind.get(out) == "live":
            grads[out] = "1.0"
        for leaf in targets:
            if leaf in terms:
                g = self.grad_names[leaf]
                lines.extend(_sum_lines(g, terms.pop(leaf)))
                grads[leaf] = g
        return grads

    def value_and_grad(self) -> Callable:
        if self._value_and_grad is None:
            source = self._write(grads_of="inputs")
            self._value_and_grad = _compile(source, self.fn_name, f"<trace of {self.fn_name}, value_and_grad>",
                                            self.guard_constants)
        return self._value_and_grad

    def eager_error(self, numbers_: tuple, error: BaseException) -> BaseException:
        """The exception eager code raises for these inputs: the forward pass again, through the
        ops' own forward functions (whose messages show the numbers); ``error`` if none raises."""
        rec = self.recording
        values: dict[Value, float] = dict(rec.constant)
        values.update(zip(rec.inputs, numbers_))
        values.update((leaf, leaf.data) for leaf in self.live)
        try:
            for step in rec.order:
                if type(step) is not int and step not in values:
                    values[step] = OPS[step.op].forward(*[values[p] for p in step.parents])
        except (ArithmeticError, ValueError) as eager:
            return eager
        return error


def _compile(source: str, name: str, filename: str, constants: dict | None = None) -> Callable:
    """Compile generated source and return its function; tracebacks show its lines."""
    import linecache  # imported here: it is slow to import, and only tracing needs it

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = _namespace()
    namespace.update(constants or {})
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


# --- the public object ---------------------------------------------------------------------------


class Traced:
    """A function traced by `trace`: call it on new numbers of the same structure."""

    def __init__(self, fn: Callable, example_args: tuple):
        if not callable(fn):
            raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.shape = _shape_of(example_args)
        name = getattr(fn, "__name__", "")
        self.name = name if name.isascii() and name.isidentifier() and not keyword.iskeyword(name) else "traced"
        self._reserved = set(keyword.kwlist) | set(dir(builtins)) | set(_namespace()) | {"live", "args"}
        # the name of the generated def: fn's, unless that def would replace a function the code calls
        self._def_name = f"{self.name}_traced" if self.name in self._reserved else self.name
        labels = [_label(item) for item in _flatten(example_args)]
        unpack, self._input_names = _argument_names(self.shape, _Names(self._reserved), labels)
        self._inputs_source = "def inputs(args):\n    \"\"\"The arguments' numbers, checked against the traced structure.\"\"\"\n" + "\n".join(unpack) + "\n"
        self._inputs = _compile(self._inputs_source, "inputs", f"<trace of {self.name}, inputs>")
        self._paths = [self._new_path(example_args)]


    def _new_path(self, args: tuple) -> _Path:
        known: dict[Value, str] = {}
        for path in getattr(self, "_paths", ()):
            known.update((node, k) for node, k in path.recording.kind.items() if k != "input")
            known.update(dict.fromkeys(path.recording.constant, "constant"))
        return _Path(_Recording(self.fn, args, known), self._def_name, self._reserved, self._input_names,
                     len(getattr(self, "_paths", ())))

    @property
    def source(self) -> str:
        """The generated Python, as it runs: the argument check, then one function per traced path."""
        return "\n\n".join([self._inputs_source] + [p.source for p in self._paths])

    def _numbers(self, args: tuple) -> tuple:
        try:
            return self._inputs(args)
        except (TypeError, ValueError):
            raise self._structure_error(args) from None

    def _structure_error(self, args: tuple) -> Exception:
        expected, got = _describe_shape(self.shape), _describe(args)
        try:
            shape = _shape_of(args)
        except TypeError:
            shape = None
        error = ValueError if shape is not None and _same_kinds(shape, self.shape) else TypeError
        return error(f"{self.name}: expected arguments {expected}, got {got}")

    def _run(self, args: tuple, runner: Callable):
        numbers_ = self._numbers(args)
        path = self._paths[0]
        retraced = False
        while True:
            try:
                return runner(path)(path.live, *numbers_)
            except GuardFailed as failed:
                guard = failed.args[0]
                if guard not in path.branches:
                    if retraced:
                        raise RuntimeError(f"{self.name}: fn took another path when traced again with the same "
                                           "numbers (does it use random numbers or state in its comparisons?)") from None
                    path.branches[guard] = self._new_path(args)
                    self._paths.append(path.branches[guard])
                    retraced = True
                path = path.branches[guard]
            except (ArithmeticError, ValueError) as error:
                raise path.eager_error(numbers_, error) from None

    def __call__(self, *args) -> float:
        """fn(*args)'s number. With grad mode on, also adds d(output)/d(leaf) to every live leaf's
        .grad, the same numbers as ``fn(*args).backward()``; inside no_grad only the forward runs."""
        return self._run(args, _main)

    def value_and_grad(self, *args) -> tuple[float, list[float]]:
        """(fn(*args)'s number, d(output)/d(input) for every input number, flattened in argument
        order); changes no .grad."""
        return self._run(args, _path_value_and_grad)

    def __repr__(self) -> str:
        return f"<traced {self.name}: {len(self._input_names)} inputs, {len(self._paths)} path{'s' * (len(self._paths) != 1)}>"


def _main(path: _Path) -> Callable:
    return path.run


def _path_value_and_grad(path: _Path) -> Callable:
    return path.value_and_grad()


def _same_kinds(a: tuple, b: tuple) -> bool:
    """Whether two shapes nest the same way with only lengths of lists differing (then it is a
    ValueError; a different number of arguments or a number for a list is a TypeError)."""
    if len(a) != len(b):
        return False
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if (x is None) != (y is None):
            return False
        if x is not None:
            stack.extend(zip(x, y))
    return True


def trace(fn: Callable, *example_args) -> Traced:
    """Record the graph ``fn(*example_args)`` builds and generate straight-line Python for its
    forward and backward passes; returns a `Traced` to call on new numbers.

    Each number (or Value) in the arguments, which may be nested lists or tuples, becomes an input.
    Leaves that fn reaches otherwise are live when something besides the graph refers to them (a
    model's parameters): each replay reads their .data and adds to their .grad. Other leaves, and
    nodes made of them alone, are constants in the code. Comparisons of Values are guards: a replay
    where one comes out otherwise traces fn again for that path. Reading .data or float(v) inside
    fn leaves the graph: that number is baked into the trace.
    """
    return Traced(fn, example_args)
