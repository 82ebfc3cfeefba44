"""Code generation: one traced path written out as straight-line Python from the op table's
``code`` and ``derivative_code``, and compiled."""

from __future__ import annotations

import keyword
import math
import operator
import re
from typing import Callable

from ..backward import _one_pass_at_a_time, topological_order
from ..ops import OPS, Op
from ..value import Value, _recording
from .recording import INT, _Recording, integer, number

TERMS_PER_LINE = 50  # a longer gradient sum goes on several lines (keeps compile() shallow)
SYMBOLS = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">="}


class GuardFailed(Exception):
    """Raised by generated code when a comparison comes out differently than when it was traced."""

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


def changed_since_traced(node: Value, traced: float) -> None:
    """Called by generated code when a node fn made during the trace was changed (a lazy parameter)."""
    raise RuntimeError(
        f"trace: a Value that fn made during the trace by an op from Values it made itself (traced as "
        f"{traced!r}) now holds {node.data!r}: does fn keep it, as a parameter made lazily on the first "
        "call? A replay recomputes it from what it was made of and would not see the change: make it "
        "before calling trace (or call fn once first)")


def add_grads_from_none(live: list, indices: tuple, grads: tuple) -> None:
    """Called by generated code when adding to a live node's grad met None ("no gradient", from
    ``zero_grad(set_to_none=True)``): as in ``backward()``, None counts as 0 and becomes the gradient.
    The nodes before the first None were added to already; this adds to that one and the rest."""
    started = False
    for j, g in zip(indices, grads):
        node = live[j]
        if node.grad is None:
            started = True
            node.grad = g
        elif started:
            node.grad = node.grad + g


def _namespace() -> dict:
    return {"sum": sum, "inf": math.inf, "nan": math.nan, "GuardFailed": GuardFailed, "number": number,
            "sequence": sequence, "integer": integer, "changed_since_traced": changed_since_traced, "grad_enabled": _recording.get, "lock": _one_pass_at_a_time,
            "add_grads_from_none": add_grads_from_none, **_functions()}


def literal(x: float) -> str:
    """A number as Python source for ``float(x)`` exactly: ``repr`` of a plain float (negative
    numbers in parentheses). A float subclass (``numpy.float64``) is read as the float it holds,
    without calling any method of its own (its ``__repr__`` would write ``np.float64(2.0)``)."""
    x = float.__float__(x) if isinstance(x, float) else float(x)
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "(-inf)"
    text = float.__repr__(x)
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

def _argument_names(shape: tuple, names: _Names, labels: list[str]) -> tuple[list[str], list[str]]:
    """The lines of ``inputs(args)``, which unpacks and checks the arguments, and the input names."""
    lines: list[str] = []
    inputs: list[str] = []
    top = [names.fresh(f"arg{i}") for i in range(len(shape))]
    lines.append(f"    {', '.join(top)}{',' if len(top) == 1 else ''} = args" if top else "    () = args")
    stack = [(n, s, 0) for n, s in reversed(list(zip(top, shape)))]
    by_name: dict[str, str] = {}
    items = 0
    ints: list[str] = []
    while stack:
        name, s, depth = stack.pop()
        if s == INT:
            ints.append(f"integer({name})")
            continue
        if s is None:
            label = labels[len(inputs)]
            input_name = names.for_label(label, f"x{len(inputs)}")
            by_name[input_name] = name
            inputs.append(input_name)
            continue
        # arg0_1 for an item of a top-level argument; deeper ones are numbered (s1, s2, ...), so a
        # name's length does not grow with the depth of nesting
        parts = []
        for i in range(len(s)):
            items += 1
            parts.append(names.fresh(f"{name}_{i}" if depth == 0 else f"s{items}"))
        lines.append(f"    {', '.join(parts)}{',' if len(parts) == 1 else ''} = sequence({name})" if parts else f"    () = sequence({name})")
        stack.extend((n, t, depth + 1) for n, t in reversed(list(zip(parts, s))))
    # a float is taken as it is, without a call (the common case); anything else through number()
    plain = [f"{by_name[n]} if type({by_name[n]}) is float else number({by_name[n]})" for n in inputs]
    numbers_ = f"({', '.join(plain)}{',' if len(inputs) == 1 else ''})"
    lines.append(f"    return {numbers_}, ({', '.join(ints)}{',' if len(ints) == 1 else ''}), None")
    return lines, inputs


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


_TIMES_ONE = re.compile(r"([A-Za-z_]\w*|1\.0) \* 1\.0|1\.0 \* ([A-Za-z_]\w*|1\.0)")


def _gradient(name: str, terms: list[str], lines: list[str]) -> str:
    """A node's gradient ``name``, the sum of its terms, with its lines appended. ``x * 1.0`` is
    written ``x``, which is the same float for every x (the mean's ones, a sum's weights)."""
    terms = [t if not (t.endswith(" * 1.0") or t.startswith("1.0 * ")) or (m := _TIMES_ONE.fullmatch(t)) is None
             else m.group(1) or m.group(2) for t in terms]
    lines.extend(_sum_lines(name, terms))
    return name


class _Path:
    """The generated code for one path through fn (one set of guard outcomes)."""

    def __init__(self, recording: _Recording, fn_name: str, reserved: set, input_names: list[str], index: int,
                 aux: list | None = None, update=None):
        self.recording = recording
        self.index = index
        # has_aux: the Values and numbers of fn's aux, flattened; update: the fused step's OptimizerStep
        self.aux = aux
        self.update = update
        self.branches: dict[int, _Path] = {}  # guard index -> the path taken when it comes out otherwise
        self.fn_name = fn_name if index == 0 else f"{fn_name}_path_{index}"
        self._name_nodes(reserved, input_names)
        self._base_name = fn_name
        self.write()

    def write(self) -> None:
        """Write and compile the path's code (again, when the fused step's update rule changed)."""
        self.source = self._write(grads_of="live")
        self.run = _compile(self.source, self.fn_name, f"<trace of {self._base_name}, path {self.index}>",
                            self.guard_constants, self.update.functions() if self.update else None)
        self._value_and_grad: Callable | None = None
        self._with_input_grads: Callable | None = None

    def _name_nodes(self, reserved: set, input_names: list[str]) -> None:
        rec = self.recording
        # every name the code binds is taken once: fn's def name, the inputs' names, then the nodes'
        # (a label that is free), then made-up ones; so a guard's number never shadows the def
        self._names = names = _Names(reserved | set(input_names) | {self.fn_name})
        self.names: dict[Value, str] = dict(zip(rec.inputs, input_names))
        if self.update is not None:
            names.taken |= self.update.reserved()
        self.live: tuple[Value, ...] = rec.live
        if self.aux:  # an aux Value fn did not compute with: read like a live node, given no .grad
            seen = set(rec.live) | set(rec.inputs) | set(rec.order) | set(rec.constant)
            extra = [x for x in dict.fromkeys(x for x in self.aux if isinstance(x, Value)) if x not in seen]
            self.live = self.live + tuple(extra)
        for j, node in enumerate(self.live):
            self.names[node] = names.for_label(node.label, f"p{j}")
        # then the nodes a replay recomputes and checks (`_Recording._checked`), given .grad too
        self._reads = len(self.live)
        self._check_index = {node: len(self.live) + k for k, node in enumerate(rec.checked)}
        self.live = self.live + rec.checked
        made = 0
        for step in rec.order:
            if type(step) is not int:
                made += 1
                self.names[step] = names.for_label(step.label, f"v{made}")
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
        stepping = self.update is not None and grads_of != "inputs"
        head = f"def {self.fn_name}(live{', _optimizer' if stepping else ''}{''.join(', ' + n for n in inputs)}):"
        lines = [head]
        guards: list[str] = []
        if grads_of == "live":
            self.guards = guards  # the outcomes this path was traced with, as text for its heading
        what = {"live": "adds d(output)/d(node) to each live node's .grad", "inputs": "returns d(output)/d(input) for each input",
                "both": "adds d(output)/d(node) to each live node's .grad and returns d(output)/d(input) for each input"}[grads_of]
        lines.append(f'    """Forward pass, then backward pass: {what}."""')
        for j, leaf in enumerate(self.live[: self._reads]):
            note = f"  # {comment(leaf.label)}" if leaf.label and leaf.label != self.names[leaf] else ""
            lines.append(f"    {self.names[leaf]} = live[{j}].data{note}")
        for step in rec.order:
            if type(step) is int:
                test, a, b, outcome = rec.guards[step]
                if not (isinstance(a, Value) and a not in rec.constant or isinstance(b, Value) and b not in rec.constant):
                    continue  # compares constants: always the same outcome
                check = f"{self.expr(a)} {SYMBOLS[test]} {self.expr(b)}"
                if grads_of == "live":
                    guards.append(f"{check} is {outcome}")
                lines.append(f"    if {'not ' if outcome else ''}{check}: raise GuardFailed({step})"
                             f"  # traced with {check} {outcome}")
            else:
                op, sources = rec.detached.get(step, (step.op, step.parents))
                code = OPS[op].code(*map(self.expr, sources)) if op is not None else self.expr(sources[0])
                note = f"  # {comment(step.label)}" if step.label and step.label != self.names[step] else ""
                lines.append(f"    {self.names[step]} = {code}{note}")
                j = self._check_index.get(step)
                if j is not None:
                    traced = literal(step.data)
                    test = f"live[{j}].data == live[{j}].data" if step.data != step.data else f"live[{j}].data != {traced}"
                    lines.append(f"    if {test}: changed_since_traced(live[{j}], {traced})")
        out = self.expr(rec.out)
        if self.aux is not None or stepping:
            # what the call returns, as the forward pass computed it (before the update moves any p)
            aux = ""
            if self.aux is not None:
                aux = ", ".join(self.expr(x) if isinstance(x, Value) else literal(x) for x in self.aux)
                aux = f", ({aux}{',' if len(self.aux) == 1 else ''})"
            lines.append(f"    _result = {out}{aux}")
            out = "_result"
        targets = list(self.live) if grads_of == "live" else list(dict.fromkeys(rec.inputs))
        if grads_of == "both":
            targets = list(self.live) + [x for x in dict.fromkeys(rec.inputs)]
        if grads_of == "live":
            # a fused step gets no optimizer (None) for the forward pass alone: inside no_grad, or forward()
            lines.append("    if _optimizer is None:" if stepping else "    if not grad_enabled():")
            lines.append(f"        return {out}")
        grads = self._backward_lines(targets, lines)
        if grads_of in ("live", "both"):
            params = set(self.update.params()) if stepping else set()
            written = [leaf for leaf in self.live if leaf in grads and leaf not in params]
            if written or stepping:
                lines.append("    with lock:  # backward()'s lock: threads may share parameters")
                if written:
                    indices = [j for j, leaf in enumerate(self.live) if leaf in grads and leaf not in params]
                    lines.append("        try:")
                    lines += [f"            live[{j}].grad += {grads[self.live[j]]}" for j in indices]
                    lines.append("        except TypeError:  # a grad of None counts as 0, as in backward()")
                    comma = "," if len(indices) == 1 else ""
                    lines.append(f"            add_grads_from_none(live, ({', '.join(map(str, indices))}{comma}), "
                                 f"({', '.join(grads[self.live[j]] for j in indices)}{comma}))")
            if stepping:
                value_of = {p: self.names[p] for p in params if p in self.names}
                grad_of = {p: grads[p] for p in params if p in grads}
                grad_name_of = {p: self.grad_names[p] for p in params if p in self.grad_names}
                lines += self.update.lines(value_of, grad_of, self._names.fresh, "        ", grad_name_of)
        if grads_of == "live":
            lines.append(f"    return {out}")
        else:
            lines.append(f"    return {out}, [{', '.join(grads.get(x, '0.0') for x in rec.inputs)}]")
        return "\n".join(lines) + "\n"

    def _backward_lines(self, targets: set, lines: list[str]) -> dict[Value, str]:
        """Append the backward lines: d(output)/d(node) of every node between the output and the
        targets, each the sum of its inputs' contributions in the order backward() adds them.
        Returns the gradient expression of each target reached."""
        rec = self.recording
        out = rec.out
        wanted = set(t for t in targets if t not in rec.constant)
        order = topological_order(out, leaves=False)  # backward()'s own walk, live op nodes included
        needs = set(wanted)
        for node in order:
            if node not in needs and any(p in needs for p in node.parents):
                needs.add(node)
        if out not in needs:
            return {}
        lines.append("    # backward: d_v is d(output)/d(v), the sum of what each use of v passes back")
        terms: dict[Value, list[str]] = {}
        grads: dict[Value, str] = {}
        for node in reversed(order):
            if node not in needs:
                continue
            if node is out:  # the seed, d(output)/d(output)
                g = self.grad_names[node]
                lines.append(f"    {g} = 1.0")
            else:
                g = _gradient(self.grad_names[node], terms.pop(node), lines)
            grads[node] = g
            entry: Op = OPS[node.op]
            if entry.derivative_code is None:
                raise NotImplementedError(f"trace: op {node.op!r} has no derivative_code in the op table (autograd/ops.py)")
            partials = entry.derivative_code(g, self.names[node], *map(self.expr, node.parents))
            for parent, partial in zip(node.parents, partials):
                if parent in needs:
                    terms.setdefault(parent, []).append(partial)
        if not out.parents:
            grads[out] = "1.0"
        for leaf in targets:
            if leaf in terms:
                grads[leaf] = _gradient(self.grad_names[leaf], terms.pop(leaf), lines)
        return grads

    def with_input_grads(self) -> Callable:
        """The function that adds to the live nodes' .grad and also returns the inputs' gradients."""
        if self._with_input_grads is None:
            source = self._write(grads_of="both")
            self._with_input_grads = _compile(source, self.fn_name, f"<trace of {self.fn_name}, Value arguments>",
                                              self.guard_constants, self.update.functions() if self.update else None)
        return self._with_input_grads

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
                    op, sources = rec.detached.get(step, (step.op, step.parents))
                    numbers_of = [values[p] for p in sources]
                    values[step] = OPS[op].forward(*numbers_of) if op is not None else numbers_of[0]
        except (ArithmeticError, ValueError) as eager:
            return eager
        return error


def _compile(source: str, name: str, filename: str, constants: dict | None = None,
             functions: dict | None = None) -> Callable:
    """Compile generated source and return its function; tracebacks show its lines. ``functions``:
    what an optimizer's update rule calls (sqrt), besides the op table's functions."""
    import linecache  # imported here: it is slow to import, and only tracing needs it

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = _namespace()
    for key, f in (functions or {}).items():
        if namespace.setdefault(key, f) is not f:
            raise RuntimeError(f"trace: the update rule calls {key!r}, which the generated code names otherwise")
    namespace.update(constants or {})
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]
