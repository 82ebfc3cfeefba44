"""The bridge to PyTorch: a chaingrad model as a ``torch.nn.Module`` of ``nn.Linear`` layers with
the same weights, back again, and saved files as ``torch.save`` checkpoints.

    import nn
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    net = nn.to_torch(model)          # Sequential(Linear(2, 16), Tanh(), Linear(16, 16), Tanh(), Linear(16, 1))
    again = nn.from_torch(net)        # an MLP with the same numbers

    python -m nn.torch_checkpoint model.json model.pt     # a saved file as a torch.save checkpoint

PyTorch is imported only when one of these functions runs (``import nn`` never imports it); without
it they raise ImportError saying ``pip install 'chaingrad[torch]'``.

**What becomes what.** A chaingrad `Layer` is one ``torch.nn.Linear``: neuron j's weight for input i
is ``weight[j, i]`` and its bias ``bias[j]``; its activation follows as a module (``Tanh()``; none for
``"linear"``). A `Neuron` is a Layer of one neuron. An `MLP` is a ``torch.nn.Sequential`` of its layers
in turn, so the names map as

    chaingrad                       PyTorch
    layers.0.neurons.2.w.1    <->   0.weight[2, 1]
    layers.0.neurons.2.b      <->   0.bias[2]
    layers.1.neurons.0.w.3    <->   2.weight[0, 3]    (1 is the activation between them)
    neurons.2.w.1 (a Layer)   <->   0.weight[2, 1]
    w.1, b (a Neuron)         <->   0.weight[0, 1], 0.bias[0]

`torch_names(model)` gives this mapping for a model. A PyTorch module takes a batch, a tensor of shape
(batch, nin), and gives (batch, nout): a chaingrad model's one output Value is column 0.

**The same numbers.** In float64, on the same input, each activation of the converted module is
within 1 ulp per rounded op of chaingrad's (tanh, one op in each library, 2 ulp at most: each is
within 1 ulp of the exact value; sigmoid, three ops in chaingrad, 3 ulp; gelu, whose
1 + erf(x / sqrt 2) cancels in torch for x < 0, 2 ulp + 4 u max(1, |x|)), and each weighted sum within
2 (n + 1) u (sum |w_i x_i| + |b|) of chaingrad's (n inputs, u = 2**-53: both add the same n + 1
terms, PyTorch in its own order); a whole model's outputs are within those bounds carried through
the layers. Gradients from one backward agree to 1e-12, relative to the largest in each tensor, while
no tanh or sigmoid unit is saturated. tests/test_torch_bridge.py checks all of these against torch.

**What does not convert.** A model of your own `Module` subclass: its ``forward`` is Python that
`to_torch` cannot turn into PyTorch. Convert its built-in parts one by one (``to_torch(model.hidden)``)
and write the same ``forward`` in a ``torch.nn.Module``. `from_torch` takes a ``torch.nn.Sequential``
of ``Linear`` layers, each followed by at most one supported activation, or one ``Linear``.
"""

from __future__ import annotations

import math

from .module import ACTIVATIONS, MLP, Layer, Module, Neuron

INSTALL = "pip install 'chaingrad[torch]'"

# chaingrad's activation name: (the torch.nn class, its arguments). Only names Neuron takes are used.
# Softplus: torch returns x itself above `threshold` (20 by default), where chaingrad's softplus adds
# log(1 + e**-x); above 40 that is below half an ulp of x, so to_torch sets 40 (from_torch takes any
# threshold from 20 up: they differ by e**-20 = 2e-9 at most).
_TORCH_ACTIVATIONS = {
    "relu": ("ReLU", {}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": 0.01}),
    "elu": ("ELU", {"alpha": 1.0}),
    "gelu": ("GELU", {"approximate": "none"}),
    "gelu_tanh": ("GELU", {"approximate": "tanh"}),
    "silu": ("SiLU", {}),
    "softplus": ("Softplus", {"beta": 1.0, "threshold": 40.0}),
}
TORCH_ACTIVATIONS = {name: spec for name, spec in _TORCH_ACTIVATIONS.items() if name in ACTIVATIONS}


def _torch():
    """The torch module; ImportError saying how to install it if it is missing."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(f"the PyTorch bridge (nn.to_torch, nn.from_torch) needs PyTorch: {INSTALL}") from e
    return torch


def _supported() -> str:
    names = [f"{cls}{_arguments(kwargs)}" for cls, kwargs in TORCH_ACTIVATIONS.values()]
    return ", ".join(name.replace("threshold=40.0", "threshold>=20") for name in names)


def _arguments(kwargs: dict) -> str:
    return "(" + ", ".join(f"{key}={value!r}" for key, value in kwargs.items()) + ")"


def to_torch(model: Module, dtype=None):
    """``model`` (a `Neuron`, `Layer` or `MLP`) as a ``torch.nn.Sequential`` of ``torch.nn.Linear``
    layers and activation modules, with the same weights, in ``dtype`` (default ``torch.float64``).
    The names map as the module docstring says (`torch_names`). A model of your own Module subclass
    is a TypeError: convert its built-in parts one by one."""
    _check_convertible(model)
    layers = _linear_layers(model)  # every check first: what cannot convert says so with or without torch
    torch = _torch()
    dtype = torch.float64 if dtype is None else dtype
    parts = []
    for weights, biases, activation in layers:
        linear = torch.nn.Linear(len(weights[0]), len(weights), bias=biases is not None, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            if biases is not None:
                linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        parts.append(linear)
        if activation != "linear":
            cls, kwargs = TORCH_ACTIVATIONS[activation]
            parts.append(getattr(torch.nn, cls)(**kwargs))
    net = torch.nn.Sequential(*parts)
    net.train(getattr(model, "training", True))
    return net


def from_torch(module) -> Layer | MLP:
    """A ``torch.nn.Sequential`` of ``Linear`` layers, each followed by at most one supported
    activation (or one ``Linear``), as a chaingrad `Layer` (one Linear) or `MLP` (several: hidden
    layers sharing one activation, a last layer with none, all with or all without biases), holding
    the same numbers as floats. Anything else is a ValueError naming the layer and what is supported."""
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}")
    if isinstance(module, torch.nn.Linear):
        items = [module]
    elif type(module) is torch.nn.Sequential:
        items = list(module)
    else:
        raise ValueError(
            f"from_torch converts a torch.nn.Sequential of Linear layers and activations, or one Linear; "
            f"got a {type(module).__name__}, whose forward may be any Python"
        )
    groups = []  # [Linear, chaingrad activation name]
    for i, layer in enumerate(items):
        if type(layer) is torch.nn.Linear:
            groups.append([layer, "linear"])
            continue
        activation = _activation_name(layer)
        if activation is None:
            raise ValueError(
                f"layer {i} ({layer!r}) is not supported: from_torch converts Linear layers, each followed "
                f"by at most one of {_supported()}"
            )
        if not groups or groups[-1][1] != "linear":
            where = "comes first" if not groups else "follows another activation"
            raise ValueError(f"layer {i} ({layer!r}) {where}: in chaingrad an activation belongs to the Linear before it")
        groups[-1][1] = activation
    if not groups:
        raise ValueError("from_torch got an empty Sequential: there is no layer to convert")
    for (before, _), (after, _) in zip(groups, groups[1:]):
        if before.out_features != after.in_features:
            raise ValueError(f"{before!r} gives {before.out_features} numbers but {after!r} takes {after.in_features}")
    bias = groups[0][0].bias is not None
    if len(groups) == 1:
        linear, activation = groups[0]
        model = Layer(linear.in_features, linear.out_features, activation, bias, seed=0)
    else:
        hidden = list(dict.fromkeys(activation for _, activation in groups[:-1]))
        problem = None
        if len(hidden) > 1:
            problem = f"its hidden layers use {' and '.join(map(repr, hidden))}, and an MLP's share one activation"
        elif groups[-1][1] != "linear":
            problem = (f"its last Linear is followed by {groups[-1][1]!r}, and an MLP's last layer is linear "
                       f"(apply it after the model, or in the loss)")
        elif any((linear.bias is not None) != bias for linear, _ in groups):
            problem = "some of its Linear layers have a bias and some do not, and an MLP's all have or all lack one"
        if problem:
            raise ValueError(f"this Sequential is not the shape of a chaingrad MLP: {problem}")
        nouts = [linear.out_features for linear, _ in groups]
        model = MLP(groups[0][0].in_features, nouts, hidden[0], bias, seed=0)
    state = {}
    numbers = {}
    for i, (linear, _) in enumerate(groups):
        numbers[f"{_index(model, i)}.weight"] = linear.weight.detach().to(torch.float64).tolist()
        if linear.bias is not None:
            numbers[f"{_index(model, i)}.bias"] = linear.bias.detach().to(torch.float64).tolist()
    for name, (key, index) in torch_names(model).items():
        number = numbers[key]
        for i in index:
            number = number[i]
        if not math.isfinite(number):
            raise ValueError(f"{key}[{', '.join(map(str, index))}] is {number}: chaingrad's parameters are finite numbers")
        state[name] = number
    model.load_state_dict(state)
    if hasattr(model, "train"):
        model.train(module.training)
    return model


def torch_names(model: Module) -> dict[str, tuple[str, tuple[int, ...]]]:
    """For each of ``model``'s parameter names, where `to_torch` puts its number: the key in the
    PyTorch module's state dict and the index in that tensor, e.g. ``"layers.0.neurons.2.w.1":
    ("0.weight", (2, 1))``. For a model of your own class, each built-in part's names get its
    attribute name in front (``hidden.neurons.3.w.0`` -> ``hidden.0.weight[3, 0]``, as for a torch
    module whose ``hidden`` is ``to_torch(model.hidden)``) and other parameters map to themselves, as
    tensors of shape ()."""
    from .saving import describe

    return _names(describe(model), [name for name, _ in model.named_parameters()])


def _names(description: dict, names: list[str]) -> dict[str, tuple[str, tuple[int, ...]]]:
    """`torch_names` from a saved file's description of a model and its parameter names."""
    if "modules" not in description:
        return {name: _name(description, name) for name in names}
    built_in = {prefix: part for prefix, part in description["modules"].items() if "nin" in part}
    found = {}
    for name in names:
        prefixes = [prefix for prefix in built_in if name.startswith(prefix + ".")]
        if prefixes:
            prefix = max(prefixes, key=len)
            key, index = _name(built_in[prefix], name[len(prefix) + 1 :])
            found[name] = (f"{prefix}.{key}", index)
        else:
            found[name] = (name, ())
    return found


def _name(description: dict, name: str) -> tuple[str, tuple[int, ...]]:
    """The torch key and index of parameter ``name`` of the built-in model ``description``."""
    parts = name.split(".")
    if description["class"] == "Neuron":
        parts = ["neurons", "0", *parts]
    if description["class"] in ("Neuron", "Layer"):
        parts = ["layers", "0", *parts]
    k, j = int(parts[1]), int(parts[3])
    index = _linear_index(description, k)
    return (f"{index}.weight", (j, int(parts[5]))) if parts[4] == "w" else (f"{index}.bias", (j,))


def _linear_index(description: dict, k: int) -> int:
    """Where layer k of a built-in model is in its Sequential: after each earlier layer's Linear and
    its activation module (MLP hidden layers have one unless their activation is "linear")."""
    if description["class"] != "MLP":
        return 0
    return k * (1 if description["activation"] == "linear" else 2)


def _index(model: Module, k: int) -> int:
    from .saving import describe

    return _linear_index(describe(model), k)


def _check_convertible(model: object) -> None:
    """TypeError unless ``model`` is a Neuron, Layer or MLP (a class of one's own is named, and why)."""
    if type(model) in (Neuron, Layer, MLP):
        return
    if not isinstance(model, Module):
        raise TypeError(f"to_torch converts a chaingrad Neuron, Layer or MLP, got {type(model).__name__}")
    from .saving import describe

    try:
        parts = [name for name, part in describe(model).get("modules", {}).items() if "nin" in part]
    except Exception:  # describing is only for the message
        parts = []
    hint = (f"; convert its built-in parts one by one ({', '.join(f'to_torch(model.{p})' for p in parts)})"
            if parts else "; convert its built-in parts (Neuron, Layer, MLP) one by one")
    raise TypeError(
        f"to_torch cannot convert a {type(model).__name__}: its forward is Python code of its own, which "
        f"to_torch cannot turn into PyTorch (it converts Neuron, Layer and MLP){hint}, and write the same "
        f"forward in a torch.nn.Module"
    )


def _linear_layers(model: Module) -> list[tuple[list[list[float]], list[float] | None, str]]:
    """(weights, biases or None, activation) of each Linear the model becomes; ValueError if a layer
    cannot be one (neurons with different inputs, activations or biases, an activation torch lacks)."""
    if type(model) is Neuron:
        layers = [[model]]
    elif type(model) is Layer:
        layers = [model.neurons]
    else:
        layers = [layer.neurons for layer in model.layers]
    found = []
    for k, neurons in enumerate(layers):
        where = f"layer {k}" if type(model) is MLP else type(model).__name__
        first = neurons[0]
        for j, neuron in enumerate(neurons):
            if type(neuron) is not Neuron:
                raise TypeError(f"{where}: neuron {j} is a {type(neuron).__name__}, not a Neuron; to_torch cannot convert it")
            if len(neuron.w) != len(first.w) or neuron.activation != first.activation or (neuron.b is None) != (first.b is None):
                raise ValueError(f"{where}: neuron {j} differs from neuron 0 in its inputs, activation or bias, so they are not one torch.nn.Linear")
        if not isinstance(first.activation, str):
            name = getattr(first.activation, "__qualname__", type(first.activation).__name__)
            raise ValueError(
                f"{where}: its activation is a Python function ({name}), which to_torch cannot turn into a "
                f"torch.nn module; use an activation by name: 'linear', {', '.join(map(repr, TORCH_ACTIVATIONS))}"
            )
        if first.activation != "linear" and first.activation not in TORCH_ACTIVATIONS:
            raise ValueError(
                f"{where}: activation {first.activation!r} has no torch.nn module here; to_torch converts "
                f"'linear', {', '.join(map(repr, TORCH_ACTIVATIONS))}"
            )
        weights = [[w.data for w in neuron.w] for neuron in neurons]
        biases = None if first.b is None else [neuron.b.data for neuron in neurons]
        found.append((weights, biases, first.activation))
    return found


def _activation_name(layer) -> str | None:
    """chaingrad's name of the torch activation module ``layer``, or None if there is none."""
    for name, (cls, kwargs) in TORCH_ACTIVATIONS.items():
        if type(layer).__name__ == cls and type(layer).__module__.startswith("torch.nn"):
            if all(getattr(layer, key, None) == value for key, value in kwargs.items() if key != "threshold"):
                if "threshold" not in kwargs or getattr(layer, "threshold", 0) >= 20:
                    return name
    return None
