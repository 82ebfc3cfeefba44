"""Modules: the base class of every model (its parameters found from its attributes), a neuron,
a layer of neurons, and a multi-layer perceptron."""

from __future__ import annotations

import functools
import numbers
import os
import random
import weakref
from itertools import repeat
from collections.abc import Mapping, Sequence, Set as AbstractSet
from pathlib import Path
from typing import Callable, Union

from autograd import Value, dot, is_grad_enabled
from autograd import value as _engine
from autograd.value import number_leaf
from autograd.names import label_parameters
from autograd.ops import OPS

from ._checks import is_finite_real

Number = Union[int, float]

# The activations by name (PyTorch's defaults: leaky_relu's slope 0.01, elu's alpha 1.0); an
# activation may also be any function Value -> Value (a saved file cannot name that one).
ACTIVATIONS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "elu": Value.elu,
    "gelu": Value.gelu,
    "gelu_tanh": functools.partial(Value.gelu, approximate="tanh"),
    "silu": Value.silu,
    "softplus": Value.softplus,
    "linear": None,
}
# The same activations and weighted sum on plain floats, by the ops' own forward functions: what a
# neuron computes when grad is off (inside no_grad), where no graph is kept and so no node is needed
# (leaky_relu's and elu's with the parameters their Value methods pass by default).
ACTIVATIONS_ON_NUMBERS = {name: OPS[name].forward if name != "linear" else None for name in ACTIVATIONS}
ACTIVATIONS_ON_NUMBERS["leaky_relu"] = lambda x: OPS["leaky_relu"].forward(x, 0.01)
ACTIVATIONS_ON_NUMBERS["elu"] = lambda x: OPS["elu"].forward(x, 1.0)
WEIGHTED_SUM = OPS["dot"].forward


class Module:
    """The base of every model: subclass it, assign parameters and submodules as attributes in
    ``__init__``, and define ``forward``. Calling the model calls ``forward``.

    Parameters and submodules are found from the attributes, in the order they were assigned: a
    Value is a parameter, a Module a submodule, and a list or tuple of them is indexed, so
    ``self.hidden = Layer(2, 8)`` gives parameters named ``hidden.neurons.3.w.0``. Nothing needs
    registering and no ``super().__init__()`` is needed.
    """

    training = True  # whether the model is training (see `train`); every module starts so

    def __call__(self, *args, **kwargs):
        _label_once(self)
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        """What calling the model computes; every subclass defines it."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): define forward(self, ...) to say what calling the model computes"
        )

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in the order the attributes were assigned; names like
        ``layers.0.neurons.2.w.1``. A parameter reachable twice (shared) is listed once, under its
        first name."""
        return [(name, p) for name, p in self._members(named=True) if isinstance(p, Value)]

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters` (found without making the names)."""
        if type(self).named_parameters is not Module.named_parameters:  # a subclass lists its own
            return [p for _, p in self.named_parameters()]
        as_built = _parameters_as_built(self)  # zero_grad calls this every step: the common case fast
        return as_built if as_built is not None else self._members(named=False)

    def _members(self, named: bool) -> list:
        """Every parameter reachable from this module's attributes, each once, depth first in the
        order the attributes were assigned, lists and tuples by index. If ``named``: (name, item)
        pairs of the parameters and of the submodules (in the order met); else the bare parameters.

        A loop, not recursion: ``stack`` holds an iterator over the (key, item) pairs of each
        module or list being searched, innermost last, and ``prefixes`` their names.
        """
        found = []
        seen = {id(self)}  # modules and lists, each searched once: shared parts and cycles are no trouble
        stack, prefixes = [iter(_attributes(self))], [""]
        while stack:
            prefix = prefixes[-1]
            for key, item in stack[-1]:
                if named and type(key) is str and "." in key and isinstance(item, (Value, Module, list, tuple)):
                    raise ValueError(
                        f"attribute {prefix}{key!r} of a module has a dot in its name: parameter names join attribute "
                        "names with dots, so it could collide with another parameter's; rename it"
                    )
                if isinstance(item, Value):
                    found.append((f"{prefix}{key}", item) if named else item)
                elif isinstance(item, (Module, list, tuple)) and id(item) not in seen:
                    seen.add(id(item))
                    if isinstance(item, Module):
                        if named:
                            found.append((f"{prefix}{key}", item))
                        stack.append(iter(_attributes(item)))
                    elif not named and all(map(isinstance, item, repeat(Value))):
                        found += item  # a list of parameters (a neuron's weights): all at once
                        continue
                    else:
                        stack.append(enumerate(item))
                    prefixes.append(f"{prefix}{key}." if named else "")
                    break  # search inside item first; this iterator goes on afterwards
            else:  # nothing left in here
                stack.pop()
                prefixes.pop()
        if not named:
            return list(dict.fromkeys(found))  # a parameter met twice is kept where it was met first
        listed = set()  # ids of the parameters listed so far (modules were met once already)
        named_once = []
        for name, item in found:
            if not isinstance(item, Value) or id(item) not in listed:
                listed.add(id(item))
                named_once.append((name, item))
        return named_once

    def named_modules(self) -> list[tuple[str, Module]]:
        """("", self), then (name, module) for every submodule, each once, depth first in the order
        the attributes were assigned (as PyTorch's): ``[("", mlp), ("layers.0", ...), ("layers.0.neurons.0", ...), ...]``."""
        return [("", self)] + [(name, m) for name, m in self._members(named=True) if isinstance(m, Module)]

    def modules(self) -> list[Module]:
        """This module and every submodule, each once, in the order of `named_modules`."""
        return [m for _, m in self.named_modules()]

    def named_children(self) -> list[tuple[str, Module]]:
        """(name, module) for the submodules directly in this module's attributes (or in lists and
        tuples there), not those inside them, each once, in order."""
        found, seen = [], {id(self)}
        stack, prefixes = [iter(_attributes(self))], [""]
        while stack:
            for key, item in stack[-1]:
                if isinstance(item, Module):
                    if id(item) not in seen:
                        seen.add(id(item))
                        found.append((f"{prefixes[-1]}{key}", item))
                elif isinstance(item, (list, tuple)) and id(item) not in seen:
                    seen.add(id(item))
                    stack.append(enumerate(item))
                    prefixes.append(f"{prefixes[-1]}{key}.")
                    break
            else:
                stack.pop()
                prefixes.pop()
        return found

    def children(self) -> list[Module]:
        """The submodules directly in this module's attributes, in the order of `named_children`."""
        return [m for _, m in self.named_children()]

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every submodule and then on this one, children before their parent
        (PyTorch's order), each module once; returns self. E.g. to set every bias to 0."""
        done = {id(self)}
        stack = [(self, iter(self.children()))]
        while stack:
            module, children = stack[-1]
            for child in children:
                if id(child) not in done:
                    done.add(id(child))
                    stack.append((child, iter(child.children())))
                    break
            else:
                stack.pop()
                fn(module)
        return self

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every submodule (True: training, as `Dropout` then
        drops; False: evaluating); returns self, as PyTorch's."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) takes True or False, got {mode!r}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """``train(False)``: every module evaluates (`Dropout` passes its inputs through); returns self.
        Graphs are still recorded: wrap the calls in `no_grad` for that."""
        return self.train(False)

    def label_parameters(self) -> None:
        """Label each parameter with its name from `named_parameters` (``layers.0.neurons.2.w.1``,
        which drawings show as ``w[0,2,1]``), unless the user labelled it. Neuron, Layer and MLP
        do this when built, any other module when first called; call it again after adding
        parameters. A model's name replaces one that a module inside it gave (``w.1``), never a
        name from a model beside it: a shared parameter keeps its first name."""
        label_parameters(self.named_parameters())

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's grad back to 0.0, or to None ("no gradient", PyTorch's default) with
        ``set_to_none=True``: backward then treats it as 0, and optimizers skip such a parameter."""
        value = None if set_to_none else 0.0
        for p in self.parameters():
            p.grad = value

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number under its name: plain JSON types."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set the parameters from a `state_dict`. Everything is checked first: on a missing or
        unexpected key, or a value that is not a finite real number, ValueError and nothing changes."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict needs a dict of name -> number, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        if missing:
            raise ValueError(f"state dict is missing key(s): {', '.join(missing)}")
        unexpected = [repr(name) for name in state if name not in params]
        if unexpected:
            raise ValueError(f"state dict has unexpected key(s): {', '.join(unexpected)}")
        for name, number in state.items():
            _check_finite(name, number)
        for name, p in params.items():
            p.data = float(state[name])

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model to ``path`` as JSON (see `nn.saving`): what model it is and its
        `state_dict`, atomically: the old file stays whole until the new one is complete."""
        from .saving import save

        return save(self, path)

    def load(self, path: str | os.PathLike) -> None:
        """Load parameters saved by `save`. The file's description of its model must match this
        model (else ValueError naming both); on a file that is not valid or does not fit,
        ValueError naming the file, and the model is unchanged."""
        from .saving import load

        load(self, path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


_labelled: weakref.WeakSet[Module] = weakref.WeakSet()  # the modules called at least once


def _label_once(module: Module) -> None:
    """Label ``module``'s parameters at its first call (each call of a module that cannot be
    remembered, e.g. one with __eq__ but no __hash__)."""
    try:
        if module in _labelled:
            return
        _labelled.add(module)
    except TypeError:
        pass
    module.label_parameters()


def _attributes(module: Module) -> list[tuple[str, object]]:
    """A module's attributes as (name, value) pairs, in order: its slots (the built-ins keep
    theirs in slots, which are fast to read), then the others in the order they were assigned."""
    slots = _SLOTS.get(type(module))
    if slots is None:
        slots = _SLOTS[type(module)] = [name for cls in reversed(type(module).__mro__) for name in cls.__dict__.get("__slots__", ())]
    missing = object()
    pairs = [(name, getattr(module, name, missing)) for name in slots]
    return [pair for pair in pairs if pair[1] is not missing] + list(vars(module).items())


_SLOTS: weakref.WeakKeyDictionary[type, list[str]] = weakref.WeakKeyDictionary()  # fixed once a class exists


def _parameters_as_built(module: Module) -> list[Value] | None:
    """The parameters of a Neuron, Layer or MLP just as its class builds it (no attributes added,
    weights in lists, layers and neurons of exactly these classes), read straight from that
    layout: the same list as the search over attributes, found several times faster. None for any
    other module, and for one changed from that layout (then the search is used)."""
    if type(module) is Neuron:
        neurons = [module]
    elif type(module) is Layer:
        neurons = _neurons_as_built(module)
    elif type(module) is MLP and not module.__dict__ and type(module.layers) is list:
        neurons = []
        for layer in module.layers:
            in_layer = _neurons_as_built(layer)
            if in_layer is None:
                return None
            neurons += in_layer
    else:
        return None
    if neurons is None:
        return None
    found = []
    for neuron in neurons:
        if (
            type(neuron) is not Neuron
            or neuron.__dict__
            or type(neuron.w) is not list
            or not all(map(isinstance, neuron.w, repeat(Value)))
        ):
            return None
        found += neuron.w
        if neuron.b is not None:
            if not isinstance(neuron.b, Value):
                return None
            found.append(neuron.b)
    return list(dict.fromkeys(found))  # a parameter met twice is kept where it was met first


def _neurons_as_built(layer: object) -> list | None:
    """A Layer's list of neurons, if it is a Layer as built; else None."""
    if type(layer) is not Layer or layer.__dict__ or type(layer.neurons) is not list:
        return None
    return layer.neurons


def _check_finite(name: str, number: object) -> None:
    """ValueError naming ``name`` unless ``number`` is a finite real number (bools are not)."""
    if not is_finite_real(number):
        raise ValueError(f"value for {name!r} is not a finite real number: {number!r}"[:300])


def _check_size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {n!r}")
    return n


def _check_activation(activation: object):
    """An activation's name, or the function Value -> Value itself; one of ACTIVATIONS' functions
    (Value.tanh) becomes its name."""
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return activation
    if callable(activation) and not isinstance(activation, str):
        for name, known in ACTIVATIONS.items():
            if known is not None and activation == known:
                return name
        return activation
    raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))} or a function Value -> Value; got {activation!r}"[:300])


def _activation_text(activation) -> str:
    """An activation as people read it: its name, or its function's name."""
    if isinstance(activation, str):
        return activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) or type(activation).__name__


def _activation_functions(activation) -> tuple:
    """(on Values, on floats) for a checked activation; a function of the user's only works on
    Values (its result checked to be one), so a neuron with it always builds nodes."""
    if isinstance(activation, str):
        return ACTIVATIONS[activation], ACTIVATIONS_ON_NUMBERS[activation]

    def activate(v: Value) -> Value:
        out = activation(v)
        if not isinstance(out, Value):
            raise TypeError(f"activation {_activation_text(activation)} returned a {type(out).__name__}, not a Value "
                            f"(math.tanh(v) reads v's number and loses its gradient: use v.tanh())")
        return out

    return activate, None


def _saved_activation(activation, where: str) -> str:
    """An activation as a saved file writes it: its name; ValueError for a function of the user's."""
    if isinstance(activation, str):
        return activation
    raise ValueError(f"{where}'s activation is a Python function ({_activation_text(activation)}), which a saved file "
                     f"cannot name: save a model whose activation is one of {', '.join(map(repr, ACTIVATIONS))}, "
                     f"or save its state_dict() and rebuild the model in code")


def as_inputs(x: Sequence[Value | Number], nin: int) -> list[Value]:
    """x as a list of nin Values (numbers become constant leaves); ValueError on a wrong length,
    TypeError for what is not an ordered sequence of numbers (a str, a dict, a set, a Value)."""
    if not isinstance(x, (list, tuple)) and (
        isinstance(x, (str, bytes, bytearray, Value, Mapping, AbstractSet)) or not hasattr(x, "__len__")
    ):
        raise TypeError(f"input must be a sequence of {nin} numbers or Values, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(x)}")
    return [v if isinstance(v, Value) else number_leaf(v) for v in x]


def _random_source(seed: int | random.Random | None, rng: random.Random | None) -> random.Random:
    """Where initial weights come from: ``rng``, or ``seed`` if it is a random.Random, else a new
    random.Random(seed) (seed None: seeded by the system, different every time)."""
    if rng is None:
        return seed if isinstance(seed, random.Random) else random.Random(seed)
    if seed is not None:
        raise TypeError("give seed= or rng=, not both")
    if not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
    return rng


class Neuron(Module):
    """activation(w . x + b): one weighted sum (a single "dot" node) and its activation.

    Weights, then the bias, are uniform in [-1, 1) from ``rng`` or ``seed`` (an int or a
    random.Random).
    """

    # Slots: read on every call, and faster than instance attributes once a search has looked at
    # the module's __dict__ (which still takes any attribute a user adds).
    __slots__ = ("nin", "activation", "_activate", "_activate_number", "w", "b", "training")

    def __init__(
        self,
        nin: int,
        activation: str | Callable[[Value], Value] = "relu",
        bias: bool = True,
        rng: random.Random | None = None,
        seed: int | random.Random | None = None,
    ):
        self.training = True
        self.nin = _check_size("nin", nin)
        self.activation = _check_activation(activation)
        self._activate, self._activate_number = _activation_functions(self.activation)
        rng = _random_source(seed, rng)
        self.w = [Value(2.0 * rng.random() - 1.0) for _ in range(nin)]
        self.b = Value(2.0 * rng.random() - 1.0) if bias else None
        self.label_parameters()

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        return self.forward(as_inputs(x, self.nin))

    def forward(self, x: list[Value]) -> Value:
        """The neuron's output for x, already checked by `as_inputs`."""
        if not is_grad_enabled() and not _engine._tracing:  # no graph is kept (and no trace records one):
            # no nodes are needed, one leaf with the number
            number = self._output_number(x)
            if number is not None:
                return Value(number)
        out = dot(self.w, x, self.b)
        return self._activate(out) if self._activate else out

    def _output_number(self, x: list[Value]) -> float | None:
        """The output's number by the same op functions as the graph, on floats; None if a weight is
        not a Value or the lengths differ (then `forward` takes the checked path and its errors)."""
        if len(x) != len(self.w) or (self._activate_number is None and self._activate is not None):
            return None  # (or an activation of the user's, which only works on Values)
        try:
            numbers = [p.data for p in self.w] + [v.data for v in x]
            if self.b is not None:
                numbers.append(self.b.data)
        except AttributeError:
            return None
        total = WEIGHTED_SUM(*numbers)
        return self._activate_number(total) if self._activate_number else total

    def _settings(self) -> dict:
        """The arguments that build a neuron like this one (for saved files)."""
        return {"nin": self.nin, "activation": _saved_activation(self.activation, "a Neuron"), "bias": self.b is not None}

    def __repr__(self) -> str:
        return f"Neuron({self.nin} -> 1 {_activation_text(self.activation)}, bias={self.b is not None})"


class Layer(Module):
    """nout neurons that each see the same nin inputs, drawn one after the other from one
    ``rng`` or ``seed``."""

    __slots__ = ("neurons", "training")  # as Neuron's

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Callable[[Value], Value] = "relu",
        bias: bool = True,
        rng: random.Random | None = None,
        seed: int | random.Random | None = None,
    ):
        _check_size("nout", nout)
        self.training = True
        rng = _random_source(seed, rng)
        self.neurons = [Neuron(nin, activation, bias, rng) for _ in range(nout)]
        self.label_parameters()

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        return self.forward(as_inputs(x, self.neurons[0].nin))  # numbers become Values once

    def forward(self, x: list[Value]) -> list[Value]:
        """Each neuron's output for x, already checked by `as_inputs`."""
        return [neuron.forward(x) for neuron in self.neurons]

    def _settings(self) -> dict:
        first = self.neurons[0]
        return {"nin": first.nin, "nout": len(self.neurons), "activation": _saved_activation(first.activation, "a Layer"), "bias": first.b is not None}

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({first.nin} -> {len(self.neurons)} {_activation_text(first.activation)}, bias={first.b is not None})"


class MLP(Module):
    """A multi-layer perceptron: hidden layers use ``activation``, the last layer is linear.

    Weights and biases are uniform in [-1, 1) from ``random.Random(seed)`` (or from ``seed``
    itself if it is a random.Random).
    """

    __slots__ = ("activation", "layers", "training")  # as Neuron's

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Callable[[Value], Value] = "relu",
        bias: bool = True,
        seed: int | random.Random | None = None,
    ):
        _check_size("nin", nin)
        self.training = True
        if isinstance(nouts, (str, numbers.Real)) or not hasattr(nouts, "__len__") or len(nouts) == 0:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.activation = _check_activation(activation)
        rng = _random_source(seed, None)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear", bias, rng)
            for i in range(len(nouts))
        ]
        self.label_parameters()

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        if type(self).forward is not MLP.forward:  # a subclass says what calling it computes
            _label_once(self)
            return self.forward(as_inputs(x, self.layers[0].neurons[0].nin))
        x = as_inputs(x, self.layers[0].neurons[0].nin)
        for layer in self.layers:  # forward's loop, here to save a call per example
            x = layer.forward(x)
        return x[0] if len(x) == 1 else x

    def forward(self, x: list[Value]) -> Value | list[Value]:
        """The last layer's outputs for x (already checked by `as_inputs`): one Value if it has one
        neuron, else a list."""
        for layer in self.layers:
            x = layer.forward(x)
        return x[0] if len(x) == 1 else x

    def _settings(self) -> dict:
        first = self.layers[0].neurons[0]
        nouts = [len(layer.neurons) for layer in self.layers]
        return {"nin": first.nin, "nouts": nouts, "activation": _saved_activation(self.activation, "an MLP"), "bias": first.b is not None}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{len(layer.neurons)} {_activation_text(layer.neurons[0].activation)}" for layer in self.layers)
        bias = self.layers[0].neurons[0].b is not None
        return f"MLP({self.layers[0].neurons[0].nin} -> [{sizes}], bias={bias}, {len(self.parameters())} parameters)"




class Dropout(Module):
    """Inverted dropout, as torch.nn.Dropout: while training, each input is zeroed with probability
    ``p`` and the others are scaled by 1 / (1 - p), so each output's expected value is its input;
    in eval mode (`Module.eval`) the inputs pass through unchanged. The drops are drawn from
    ``random.Random(seed)`` (or from ``seed`` itself if it is a random.Random).

    Called on a list of Values (or numbers), it returns a list; on one Value, a Value. Under
    `trace` the drops drawn while tracing are part of the trace: use it eagerly to train.
    """

    def __init__(self, p: float = 0.5, seed: int | random.Random | None = None):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout p must be a number in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = _random_source(seed, None)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        scale = 1.0 / (1.0 - self.p)
        if isinstance(x, Value):
            return x * (0.0 if self.rng.random() < self.p else scale)
        if isinstance(x, (str, bytes, Mapping, AbstractSet)) or not isinstance(x, Sequence):
            raise TypeError(f"Dropout takes a Value or a list of Values, got {type(x).__name__}")
        return [v * (0.0 if self.rng.random() < self.p else scale) for v in x]

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
