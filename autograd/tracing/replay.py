"""Replay: the `Traced` object, which checks the arguments' structure, runs the compiled path
their guards lead to, and traces fn again for a path not seen yet."""

from __future__ import annotations

import builtins
import keyword
import numbers
from typing import Callable

from ..value import Value
from .codegen import GuardFailed, _argument_names, _compile, _namespace, _Names, _Path
from .recording import _flatten, _label, _Recording

__all__ = ["trace", "Traced"]


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
