"""Activations by name in Neuron, Layer and MLP (relu, tanh, sigmoid, leaky_relu, elu, gelu,
gelu_tanh, silu, softplus, linear), and any function Value -> Value as an activation."""

import math
import random

import pytest

from autograd import Value, define_op, dot, gradcheck, no_grad
from autograd.ops import OPS, logistic
from nn import MLP, Layer, Neuron
from nn.module import ACTIVATIONS

# each name: what it computes on the weighted sum, by the Value methods
BY_NAME = {
    "relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
    "leaky_relu": lambda v: v.leaky_relu(0.01), "elu": lambda v: v.elu(1.0), "gelu": lambda v: v.gelu(),
    "gelu_tanh": lambda v: v.gelu(approximate="tanh"), "silu": Value.silu, "softplus": Value.softplus,
    "linear": lambda v: v,
}  # fmt: skip


def test_every_activation_name_is_checked_here():
    assert set(BY_NAME) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_a_neuron_applies_its_activation_by_name_with_and_without_a_graph(name):
    neuron = Neuron(3, activation=name, rng=random.Random(1))
    x = [0.5, -1.5, 2.0]
    out = neuron(x)
    assert out.data == BY_NAME[name](dot(neuron.w, x, neuron.b)).data
    with no_grad():
        assert neuron(x).data == out.data  # the op's forward on floats: bit for bit
    assert gradcheck(lambda *xs: neuron(list(xs)), x)


def swish(v: Value) -> Value:
    return v * v.sigmoid()


def test_any_function_of_a_value_is_an_activation():
    model = MLP(2, [3, 1], activation=swish, seed=0)
    same = MLP(2, [3, 1], activation="silu", seed=0)  # silu is x * sigmoid(x) in one op
    x = [0.5, -1.0]
    assert model(x).data == pytest.approx(same(x).data, rel=1e-14)
    with no_grad():
        assert model(x).data == model(x).data and model(x).data == pytest.approx(same(x).data, rel=1e-14)
    assert [layer.neurons[0].activation for layer in model.layers] == [swish, "linear"]
    assert repr(model) == "MLP(2 -> [3 swish, 1 linear], bias=True, 13 parameters)"  # a name, never an address
    assert gradcheck(lambda a, b: model([a, b]), x)


def test_your_own_op_is_an_activation():
    before = dict(OPS)
    try:
        @define_op("my_swish", derivative=lambda g, out, x: (g * (out + logistic(x) * (1.0 - out)),))
        def my_swish(x: float) -> float:
            return x / (1.0 + math.exp(-x))

        layer = Layer(2, 2, activation=my_swish, seed=3)
        outs = layer([1.0, -2.0])
        assert [o.op for o in outs] == ["my_swish", "my_swish"]
        assert repr(layer) == "Layer(2 -> 2 my_swish, bias=True)"
    finally:
        OPS.clear()
        OPS.update(before)


def test_a_known_function_becomes_its_name():
    assert Neuron(2, activation=Value.tanh).activation == "tanh"
    assert MLP(2, [2, 1], activation=Value.relu).activation == "relu"


def test_a_function_that_returns_a_number_is_a_clear_type_error():
    neuron = Neuron(2, activation=math.tanh)  # math.tanh(v) reads v's number: the gradient is lost
    with pytest.raises(TypeError, match=r"activation tanh returned a float, not a Value .*use v.tanh\(\)"):
        neuron([1.0, 2.0])


@pytest.mark.parametrize("activation", ["swishy", 3, None])
def test_an_unknown_activation_is_a_value_error_listing_the_names(activation):
    with pytest.raises(ValueError, match="'relu', 'tanh', 'sigmoid', 'leaky_relu'.* or a function Value -> Value"):
        Neuron(2, activation=activation)


def test_a_model_with_a_function_as_activation_cannot_be_saved_and_says_so(tmp_path):
    path = tmp_path / "model.json"
    for model in (MLP(2, [3, 1], activation=swish), Layer(2, 2, activation=swish), Neuron(2, activation=swish)):
        with pytest.raises(ValueError, match=r"activation is a Python function \(swish\), which a saved file cannot name"):
            model.save(path)
        assert not path.exists()
    MLP(2, [3, 1], activation="gelu").save(path)  # a name is saved
    assert path.exists()
