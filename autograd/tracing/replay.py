"""Replay: the `Traced` object, which checks the arguments' structure, runs the compiled path
their guards lead to, and traces fn again for a path not seen yet."""

from __future__ import annotations

import builtins
import keyword
import numbers
import threading
from typing import Callable

from ..backward import _one_pass_at_a_time
from ..value import Value, is_grad_enabled
from .codegen import GuardFailed, _argument_names, _compile, _namespace, _Names, _Path
from .recording import INT, ValueArgument, _flatten, _label, _Recording, is_int, rebuild

__all__ = ["trace", "Traced"]


def _shape_of(args: tuple, what: str = "argument") -> tuple:
    """The structure of example arguments: None for a number, INT for an int, a tuple of shapes
    for a list/tuple."""
    shapes: list = []
    stack = [(args, shapes, "")]
    while stack:
        items, into, where = stack.pop()
        for i, item in enumerate(items):
            if is_int(item):
                into.append(INT)
            elif isinstance(item, (Value, numbers.Real)) and not isinstance(item, complex):
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
        if is_int(item):
            parts.append("int")
        elif isinstance(item, (Value, numbers.Real)) and not isinstance(item, complex):
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
        if s is None or s == INT:
            parts.append("number" if s is None else "int")
        elif all(t is None for t in s) or s and all(t == INT for t in s):  # a list of numbers, or of ints
            parts.append(f"[{len(s)} {'number' if not s or s[0] is None else 'int'}{'s' * (len(s) != 1)}]")
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
        self._kinds = list(_flatten(self.shape))  # None for each number's place, INT for each int's
        labels = [_label(item) for item in _flatten(example_args) if not is_int(item)]
        unpack, self._input_names = _argument_names(self.shape, _Names(self._reserved), labels)
        self._inputs_source = ("def inputs(args):\n    \"\"\"The arguments' numbers and ints, checked against the traced "
                               "structure.\"\"\"\n" + "\n".join(unpack) + "\n")
        self._inputs = _compile(self._inputs_source, "inputs", f"<trace of {self.name}, inputs>")
        self._lock = threading.RLock()  # one thread at a time traces fn for a new path
        self._warned: set = set()  # the places in fn's code that read a traced number, warned once each
        self._paths: list[_Path] = []
        self._roots: dict[tuple, _Path] = {}  # the ints of the arguments -> the first path for them
        ints = tuple(int(item) for item in _flatten(example_args) if is_int(item))
        self._roots[ints] = self._new_path(example_args)

    def _new_path(self, args: tuple) -> _Path:
        """fn traced again on these arguments: a new path (called with the lock held, or in __init__)."""
        path = _Path(_Recording(self.fn, args, self._kinds, self._warned), self._def_name, self._reserved, self._input_names, len(self._paths))
        self._paths.append(path)
        return path

    @property
    def source(self) -> str:
        """The generated Python, as it runs: the argument check, then one function per traced path."""
        return "\n\n".join([self._inputs_source] + [p.source for p in self._paths])

    def _numbers(self, args: tuple) -> tuple:
        """(the numbers, the ints, the Values among the arguments with their places among the
        numbers, or None if there are none)."""
        try:
            return self._inputs(args)
        except ValueArgument:
            plain = rebuild(args, lambda item: item.data if isinstance(item, Value) else item)
            try:
                numbers_, ints, _ = self._inputs(plain)
            except (TypeError, ValueError):
                raise self._structure_error(args) from None
            places = [x for x, kind in zip(_flatten(args), self._kinds) if kind is None]
            return numbers_, ints, [(k, x) for k, x in enumerate(places) if isinstance(x, Value)]
        except (TypeError, ValueError):
            raise self._structure_error(args) from None

    def _structure_error(self, args: tuple) -> Exception:
        try:
            shape = _shape_of(args)
        except TypeError:
            shape = None
        expected, got = _describe_shape(self.shape), _describe_shape(shape) if shape is not None else _describe(args)
        error = ValueError if shape is not None and _same_kinds(shape, self.shape) else TypeError
        note = ""
        if shape is not None and error is TypeError and _same_kinds(_numbers_only(shape), _numbers_only(self.shape)):
            note = " (an int in the example arguments is baked in, with a guard on its value: give an int there)"
        return error(f"{self.name}: expected arguments {expected}, got {got}{note}")

    def _run(self, args: tuple, runner: Callable):
        numbers_, ints, values = self._numbers(args)
        path = self._roots.get(ints)
        if path is None:  # an int place holds another int: fn takes its own path for it
            with self._lock:
                path = self._roots.get(ints)
                if path is None:
                    path = self._roots[ints] = self._new_path(args)
        if values is not None and runner is _main and is_grad_enabled():
            runner = _with_input_grads
        retraced = False
        while True:
            try:
                result = runner(path)(path.live, *numbers_)
                break
            except GuardFailed as failed:
                guard = failed.args[0]
                branch = path.branches.get(guard)
                if branch is None:
                    if retraced:
                        raise RuntimeError(f"{self.name}: fn took another path when traced again with the same "
                                           "numbers (does it use random numbers or state in its comparisons?)") from None
                    with self._lock:  # threads that leave this path at once trace fn once, not once each
                        branch = path.branches.get(guard)
                        if branch is None:
                            branch = path.branches[guard] = self._new_path(args)
                            retraced = True
                path = branch
            except (ArithmeticError, ValueError) as error:
                raise path.eager_error(numbers_, error) from None
        if runner is not _with_input_grads:
            return result
        out, grads = result
        with _one_pass_at_a_time:  # a Value argument gets its .grad as from fn(*args).backward()
            for k, x in values:
                x.grad += grads[k]
        return out

    def __call__(self, *args) -> float:
        """fn(*args)'s number. With grad mode on, also adds d(output)/d(node) to every live node's
        .grad and to each Value argument's, the same numbers as ``fn(*args).backward()``; inside
        no_grad only the forward runs."""
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


def _with_input_grads(path: _Path) -> Callable:
    return path.with_input_grads()


def _same_kinds(a: tuple, b: tuple) -> bool:
    """Whether two shapes nest the same way with only lengths of lists differing (then it is a
    ValueError; a different number of arguments or a number for a list is a TypeError)."""
    if len(a) != len(b):
        return False
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, tuple) != isinstance(y, tuple) or not isinstance(x, tuple) and x != y:
            return False
        if isinstance(x, tuple):
            stack.extend(zip(x, y))
    return True


def _numbers_only(shape: tuple) -> tuple:
    """A shape with its int places as number places."""
    return tuple(rebuild(shape, lambda s: None if s == INT else s))


def trace(fn: Callable, *example_args) -> Traced:
    """Record the graph ``fn(*example_args)`` builds and generate straight-line Python for its
    forward and backward passes; returns a `Traced` to call on new numbers.

    Each number (or Value) in the arguments, which may be nested lists or tuples, becomes an input
    (a Value passed gets its .grad at each replay); an int stays an int, baked in with a guard on
    its value. Which nodes are live is decided by when they were made: nodes made before the call
    (parameters, captured Values) and leaves fn makes with Value(x) are live: each replay reads
    their .data and adds to their .grad. Nodes made during the call are the trace's own, recomputed
    in fn's order (literals if made of plain numbers alone). Comparisons of Values are guards: a
    replay where one comes out otherwise traces fn again for that path. Reading a traced Value's
    number inside fn bakes it in, with a `TraceWarning`.
    """
    return Traced(fn, example_args)
