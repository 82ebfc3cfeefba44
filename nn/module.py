"""Modules: a neuron, a layer of neurons, and a multi-layer perceptron, with saving and loading."""

from __future__ import annotations

import json
import numbers
import os
import random
from pathlib import Path
from typing import Mapping, Sequence, Union

from autograd import Value, dot, is_grad_enabled
from autograd.files import write_atomically
from autograd.ops import OPS

from ._checks import is_finite_real

Number = Union[int, float]

ACTIVATIONS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,
}
# The same activations and weighted sum on plain floats, by the ops' own forward functions: what a
# neuron computes when grad is off (inside no_grad), where no graph is kept and so no node is needed.
ACTIVATIONS_ON_NUMBERS = {name: OPS[name].forward if name != "linear" else None for name in ACTIVATIONS}
WEIGHTED_SUM = OPS["dot"].forward


class Module:
    """Something with parameters: lists them, zeroes their grads, saves and loads them."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs, in a stable order; names like ``layers.0.neurons.2.w.1``."""
        raise NotImplementedError

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's grad back to 0.0."""
        for p in self.parameters():
            p.grad = 0.0

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
        """Write `state_dict` to ``path`` as JSON, atomically: the old file stays whole until the
        new one is complete."""
        state = self.state_dict()
        for name, number in state.items():
            _check_finite(name, number)  # JSON has no NaN or infinity, and load would refuse them
        return write_atomically(Path(path), json.dumps(state, indent=2, allow_nan=False) + "\n")

    def load(self, path: str | os.PathLike) -> None:
        """Load parameters saved by `save`; on a file that is not valid JSON or does not fit this
        model, ValueError naming the file, and the model is unchanged."""
        path = Path(path)
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:  # bad JSON, or a number too long to read
            raise ValueError(f"{path} is not a valid JSON state dict: {e}") from None
        except RecursionError:
            raise ValueError(f"{path} is not a valid JSON state dict: nested too deeply") from None
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not a valid JSON state dict: not UTF-8 text") from None
        if not isinstance(state, dict):
            raise ValueError(f"{path} does not hold a JSON object of name -> number")
        try:
            self.load_state_dict(state)
        except ValueError as e:
            raise ValueError(f"{path} does not fit {self!r}: {e}") from None


def _check_finite(name: str, number: object) -> None:
    """ValueError naming ``name`` unless ``number`` is a finite real number (bools are not)."""
    if not is_finite_real(number):
        raise ValueError(f"value for {name!r} is not a finite real number: {number!r}"[:300])


def _check_size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {n!r}")
    return n


def _check_activation(activation: object) -> str:
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}; got {activation!r}")
    return activation


def as_inputs(x: Sequence[Value | Number], nin: int) -> list[Value]:
    """x as a list of nin Values (numbers become constant leaves); ValueError on a wrong length."""
    if not isinstance(x, (list, tuple)) and (isinstance(x, (str, Value)) or not hasattr(x, "__len__")):
        raise TypeError(f"input must be a sequence of {nin} numbers or Values, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(x)}")
    return [v if isinstance(v, Value) else Value(v) for v in x]


class Neuron(Module):
    """activation(w . x + b): one weighted sum (a single "dot" node) and its activation."""

    def __init__(self, nin: int, activation: str = "relu", bias: bool = True, rng: random.Random | None = None):
        self.nin = _check_size("nin", nin)
        self.activation = _check_activation(activation)
        self._activate = ACTIVATIONS[activation]
        self._activate_number = ACTIVATIONS_ON_NUMBERS[activation]
        rng = rng if rng is not None else random.Random()
        # Uniform in [-1, 1), weights first, then the bias.
        self.w = [Value(2.0 * rng.random() - 1.0) for _ in range(nin)]
        self.b = Value(2.0 * rng.random() - 1.0) if bias else None

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        return self.forward(as_inputs(x, self.nin))

    def forward(self, x: list[Value]) -> Value:
        """The neuron's output for x, already checked by `as_inputs`."""
        if not is_grad_enabled():  # no graph is kept, so no nodes are needed: one leaf with the number
            number = self._output_number(x)
            if number is not None:
                return Value(number)
        out = dot(self.w, x, self.b)
        return self._activate(out) if self._activate else out

    def _output_number(self, x: list[Value]) -> float | None:
        """The output's number by the same op functions as the graph, on floats; None if a weight is
        not a Value or the lengths differ (then `forward` takes the checked path and its errors)."""
        if len(x) != len(self.w):
            return None
        try:
            numbers = [p.data for p in self.w] + [v.data for v in x]
            if self.b is not None:
                numbers.append(self.b.data)
        except AttributeError:
            return None
        total = WEIGHTED_SUM(*numbers)
        return self._activate_number(total) if self._activate_number else total

    def parameters(self) -> list[Value]:
        return self.w + [self.b] if self.b is not None else list(self.w)

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        return named + [("b", self.b)] if self.b is not None else named

    def __repr__(self) -> str:
        return f"Neuron({self.nin} -> 1 {self.activation}, bias={self.b is not None})"


class Layer(Module):
    """nout neurons that each see the same nin inputs."""

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", bias: bool = True, rng: random.Random | None = None
    ):
        _check_size("nout", nout)
        rng = rng if rng is not None else random.Random()
        self.neurons = [Neuron(nin, activation, bias, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> list[Value]:
        return self.forward(as_inputs(x, self.neurons[0].nin))  # numbers become Values once

    def forward(self, x: list[Value]) -> list[Value]:
        """Each neuron's output for x, already checked by `as_inputs`."""
        return [neuron.forward(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _prefixed("neurons", self.neurons)

    def __repr__(self) -> str:
        first = self.neurons[0]
        return f"Layer({first.nin} -> {len(self.neurons)} {first.activation}, bias={first.b is not None})"


class MLP(Module):
    """A multi-layer perceptron: hidden layers use ``activation``, the last layer is linear.

    Weights and biases are uniform in [-1, 1) from ``random.Random(seed)``.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu", bias: bool = True, seed=None):
        _check_size("nin", nin)
        if isinstance(nouts, (str, numbers.Real)) or not hasattr(nouts, "__len__") or len(nouts) == 0:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_activation(activation)
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear", bias, rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        x = as_inputs(x, self.layers[0].neurons[0].nin)
        for layer in self.layers:
            x = layer.forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _prefixed("layers", self.layers)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{len(layer.neurons)} {layer.neurons[0].activation}" for layer in self.layers)
        bias = self.layers[0].neurons[0].b is not None
        return f"MLP({self.layers[0].neurons[0].nin} -> [{sizes}], bias={bias}, {len(self.parameters())} parameters)"


def _prefixed(prefix: str, modules: Sequence[Module]) -> list[tuple[str, Value]]:
    """The parameters of each module, named ``prefix.index.name``."""
    return [(f"{prefix}.{i}.{name}", p) for i, m in enumerate(modules) for name, p in m.named_parameters()]
