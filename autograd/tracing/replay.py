"""Replay: the `Traced` object, which checks the arguments' structure, runs the compiled path
their guards lead to, and traces fn again for a path not seen yet."""

from __future__ import annotations

import builtins
import keyword
import numbers
import threading
from typing import Callable

from ..backward import _one_pass_at_a_time
from ..value import Value, is_grad_enabled, no_grad
from .step import OptimizerStep
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

    def __init__(self, fn: Callable, example_args: tuple, example_kwargs: dict | None = None, *,
                 has_aux: bool = False, optimizer=None, max_paths: int = 64):
        if not callable(fn):
            raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
        if type(has_aux) is not bool:
            raise TypeError(f"trace: has_aux must be True or False, got {has_aux!r}")
        if type(max_paths) is not int or max_paths < 1:
            raise ValueError(f"trace: max_paths must be an int >= 1, got {max_paths!r}")
        self.fn = fn
        self.has_aux = has_aux
        self.max_paths = max_paths
        # keyword arguments: their values are arguments after the positional ones, in this order
        self._keys = tuple(example_kwargs or ())
        self._positional = len(example_args)
        self._update = OptimizerStep(optimizer) if optimizer is not None else None
        self._aux: list = []  # the aux fn returned when last recorded, and its structure
        example_args = tuple(example_args) + tuple((example_kwargs or {}).values())
        self.shape = _shape_of(example_args)
        name = getattr(fn, "__name__", "")
        self.name = name if name.isascii() and name.isidentifier() and not keyword.iskeyword(name) else "traced"
        self._reserved = set(keyword.kwlist) | set(dir(builtins)) | set(_namespace()) | {"live", "args", "_result"}
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

    def _call(self, *args):
        """fn on the arguments as the recording gives them (keyword arguments last); with has_aux,
        its value, keeping its aux (flattened, and its structure) in ``_aux``."""
        n = self._positional
        out = self.fn(*args[:n], **dict(zip(self._keys, args[n:])))
        if not self.has_aux:
            return out
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"trace: with has_aux=True fn must return (value, aux), got {type(out).__name__}")
        value, aux = out
        flat = list(_flatten((aux,)))
        for x in flat:
            if not isinstance(x, (Value, numbers.Real)) or isinstance(x, complex):
                raise TypeError("trace: with has_aux=True, aux must be Values and numbers in lists and tuples, "
                                f"got {type(x).__name__}")
        self._aux = [flat, (aux,) if isinstance(aux, (list, tuple)) else None]
        return value

    def _new_path(self, args: tuple) -> _Path:
        """fn traced again on these arguments: a new path (called with the lock held, or in __init__)."""
        if len(self._paths) >= self.max_paths:
            raise RuntimeError(f"{self.name}: fn branches too much to trace: these arguments take a path "
                               f"beyond the {self.max_paths} traced (max_paths={self.max_paths}); each comparison "
                               "of Values whose outcome differs, and each new int argument, is another path")
        recording = _Recording(self._call, args, self._kinds, self._warned)
        aux, structure = self._aux if self.has_aux else (None, None)
        path = _Path(recording, self._def_name, self._reserved, self._input_names, len(self._paths),
                     aux=aux, update=self._update)
        path.aux_structure = structure
        self._paths.append(path)
        return path

    @property
    def source(self) -> str:
        """The generated Python, as it runs: the argument check, then one function per traced path,
        each headed by the guard outcomes it was traced with."""
        return "\n\n".join([self._inputs_source] + list(self.paths))

    @property
    def paths(self) -> tuple[str, ...]:
        """The source of every traced path, each headed by a comment with its guards' outcomes."""
        texts = []
        for path in self._paths:
            guards = "; ".join(path.guards) if path.guards else "none"
            texts.append(f"# path {path.index}: guards (the outcomes it was traced with): {guards}\n{path.source}")
        return tuple(texts)

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

    def _arguments(self, args: tuple, kwargs: dict) -> tuple:
        """The call's arguments, keyword arguments last, in the order of the example call's."""
        if kwargs or self._keys:
            if set(kwargs) != set(self._keys):
                missing = [k for k in self._keys if k not in kwargs]
                extra = [k for k in kwargs if k not in self._keys]
                said = "; ".join(filter(None, [missing and f"missing {', '.join(map(repr, missing))}",
                                               extra and f"unexpected {', '.join(map(repr, extra))}"]))
                raise TypeError(f"{self.name}: traced with the keyword arguments {list(self._keys)}, "
                                f"got {list(kwargs)} ({said})")
            args = args + tuple(kwargs[k] for k in self._keys)
        return args

    def _run(self, args: tuple, runner: Callable):
        if self._update is not None and runner is not _path_value_and_grad and is_grad_enabled():
            return self._step(args, runner)
        # inside no_grad the code returns before its update: it needs no optimizer argument
        extra = (None,) if self._update is not None and runner is not _path_value_and_grad else ()
        result = self._replay(args, runner, extra)
        if self.has_aux:
            return self._with_aux(result, runner)
        return result

    def _step(self, args: tuple, runner: Callable):
        """The fused training step: the replay with the optimizer's update after its backward."""
        update = self._update
        optimizer_args = update.arguments()
        if update.changed:  # the rule's statements changed (a setting that selects them): write again
            with self._lock:
                if update.changed:
                    for path in self._paths:
                        path.write()
                    update.changed = False
        try:
            result = self._replay(args, runner, (optimizer_args,))
        except Exception:
            update.opt.zero_grad()  # as eager: zero_grad() ran, then the forward pass failed
            raise
        return self._with_aux(result, runner) if self.has_aux else result

    def _with_aux(self, result, runner: Callable):
        """(value, aux) with aux rebuilt in the structure fn returned it in."""
        path, result = result
        grads = None
        if runner is _path_value_and_grad:
            result, grads = result
        value, flat = result
        structure = path.aux_structure
        if structure is None:  # aux is one number
            aux = flat[0]
        elif len(structure[0]) == len(flat) and not any(isinstance(x, (list, tuple)) for x in structure[0]):
            aux = list(flat) if isinstance(structure[0], list) else flat  # a flat list or tuple
        else:
            numbers_ = iter(flat)
            aux = rebuild(structure, lambda _: next(numbers_))[0]
        return (value, aux) if grads is None else ((value, aux), grads)

    def _replay(self, args: tuple, runner: Callable, extra: tuple):
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
                result = runner(path)(path.live, *extra, *numbers_)
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
        if runner is _with_input_grads:
            result, grads = result
            with _one_pass_at_a_time:  # a Value argument gets its .grad as from fn(*args).backward()
                for k, x in values:
                    x.grad = grads[k] if x.grad is None else x.grad + grads[k]  # None: no gradient yet, as 0
        if self.has_aux:
            return path, result
        return result

    def __call__(self, *args, **kwargs):
        """fn(*args, **kwargs)'s number. With grad mode on, also adds d(output)/d(node) to every live
        node's .grad and to each Value argument's, the same numbers as ``fn(*args).backward()``;
        inside no_grad only the forward runs. With an optimizer, a call is the whole training step: ``opt.zero_grad()``, that
        backward, ``opt.step()``. With has_aux, returns (number, aux as floats)."""
        if not kwargs and not self._keys and not self.has_aux:
            # the common case, with the fewest calls: plain numbers, a path traced for them
            try:
                numbers_, ints, values = self._inputs(args)
            except Exception:
                values = True  # Values or a wrong structure: the full path below sorts it out
            if values is None:
                path = self._roots.get(ints)
                update = self._update
                if path is not None and (update is None or not update.changed):
                    extra = () if update is None else (update.arguments() if is_grad_enabled() else None,)
                    if not (update is not None and update.changed):
                        try:
                            return path.run(path.live, *extra, *numbers_)
                        except GuardFailed:
                            pass  # nothing written yet: the full path below takes the other path
                        except (ArithmeticError, ValueError) as error:
                            if update is not None and extra[0] is not None:
                                update.opt.zero_grad()
                            raise path.eager_error(numbers_, error) from None
        return self._run(self._arguments(args, kwargs), _main)

    def forward(self, *args, **kwargs):
        """fn(*args, **kwargs)'s number (with has_aux, and its aux) from the forward code alone, as a
        call inside no_grad: no .grad changes, no optimizer step (the loss at the current
        parameters, e.g. after a fused step, without the cost of entering no_grad)."""
        update = self._update
        if update is None or kwargs or self._keys or self.has_aux:
            with no_grad():
                return self(*args, **kwargs)
        try:
            numbers_, ints, values = self._inputs(args)
        except Exception:
            values = True
        path = self._roots.get(ints) if values is None else None
        if path is None:
            with no_grad():
                return self(*args, **kwargs)
        try:
            return path.run(path.live, None, *numbers_)
        except GuardFailed:
            with no_grad():
                return self(*args, **kwargs)
        except (ArithmeticError, ValueError) as error:
            raise path.eager_error(numbers_, error) from None

    def value_and_grad(self, *args, **kwargs):
        """(fn(*args)'s number, d(output)/d(input) for every input number, flattened in argument
        order, keyword arguments last); changes no .grad and takes no optimizer step. With has_aux
        the first is (number, aux)."""
        return self._run(self._arguments(args, kwargs), _path_value_and_grad)

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


def trace(fn: Callable, *example_args, has_aux: bool = False, optimizer=None, max_paths: int = 64,
          **example_kwargs) -> Traced:
    """Record the graph ``fn(*example_args, **example_kwargs)`` builds and generate straight-line
    Python for its forward and backward passes; returns a `Traced` to call on new numbers.

    - ``has_aux=True``: fn returns ``(value, aux)``, aux any nesting of lists and tuples of Values
      and numbers; a call returns ``(number, aux as floats)``, the gradient from the value alone.
    - ``optimizer=opt`` (an optimizer of nn.optim): each call is a whole training step, what
      ``opt.zero_grad(); fn(*args).backward(); opt.step()`` does, bit for bit; the update is the
      optimizer's own rule written into the code (``.source``), and its settings (``opt.lr``) are
      read at every call. Inside no_grad a call runs the forward pass only.
    - ``max_paths``: how many paths (sets of guard outcomes, ints in the arguments) may be traced;
      a call that needs one more raises RuntimeError.
    - keyword arguments: a call takes the same keys (in any order), else TypeError.

    Each number (or Value) in the arguments, which may be nested lists or tuples, becomes an input
    (a Value passed gets its .grad at each replay); an int stays an int, baked in with a guard on
    its value. Which nodes are live is decided by when they were made: nodes made before the call
    (parameters, captured Values) and leaves fn makes with Value(x) are live: each replay reads
    their .data and adds to their .grad. Nodes made during the call are the trace's own, recomputed
    in fn's order (literals if made of plain numbers alone). Comparisons of Values are guards: a
    replay where one comes out otherwise traces fn again for that path. Reading a traced Value's
    number inside fn bakes it in, with a `TraceWarning`.
    """
    return Traced(fn, example_args, example_kwargs, has_aux=has_aux, optimizer=optimizer, max_paths=max_paths)
