"""The PyTorch bridge without PyTorch: `import nn` never imports torch, the bridge says how to
install it, and what cannot convert is refused before torch is needed. (The bridge's numbers are
checked against torch in test_torch_bridge.py.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value
from nn import MLP, Layer, Module, Neuron, from_torch, to_torch
from nn.module import ACTIVATIONS
from nn.torch_bridge import TORCH_ACTIVATIONS
from nn.torch_checkpoint import main as checkpoint_main

REPO = Path(__file__).resolve().parents[1]


class SpiralNet(Module):
    def __init__(self):
        self.hidden = Layer(2, 8, activation="tanh", seed=0)
        self.out = Layer(8, 3, activation="linear", seed=1)
        self.scale = Value(1.5)

    def forward(self, x):
        return [z * self.scale for z in self.out(self.hidden(x))]


def test_import_nn_never_imports_torch():
    code = "import sys, autograd, nn, nn.torch_bridge, nn.torch_checkpoint; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.stdout == "False\n"


def test_without_torch_the_bridge_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ImportError, match=r"pip install 'chaingrad\[torch\]'"):
        to_torch(model)
    with pytest.raises(ImportError, match=r"pip install 'chaingrad\[torch\]'"):
        from_torch(object())
    model.save(tmp_path / "model.json")
    assert checkpoint_main([str(tmp_path / "model.json"), str(tmp_path / "model.pt")]) == 1
    assert "pip install 'chaingrad[torch]'" in capsys.readouterr().err
    assert not (tmp_path / "model.pt").exists()


def test_nn_exports_the_bridge():
    assert {"to_torch", "from_torch"} <= set(nn.__all__)


def test_every_activation_a_neuron_takes_by_name_converts():
    assert set(ACTIVATIONS) - {"linear"} == set(TORCH_ACTIVATIONS)


def test_a_model_of_your_own_class_is_refused_naming_it_and_why():
    with pytest.raises(TypeError, match=r"cannot convert a SpiralNet: its forward is Python .*to_torch\(model\.hidden\), to_torch\(model\.out\)"):
        to_torch(SpiralNet())


def test_a_subclass_of_a_built_in_is_refused_too():
    class Scaled(MLP):
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(TypeError, match="cannot convert a Scaled"):
        to_torch(Scaled(2, [3, 1], seed=0))
    with pytest.raises(TypeError, match="converts a chaingrad Neuron, Layer or MLP, got list"):
        to_torch([Neuron(2)])


def test_a_layer_whose_neurons_differ_is_refused():
    layer = Layer(2, 3, "tanh", seed=0)
    layer.neurons[1] = Neuron(2, "relu", seed=0)
    with pytest.raises(ValueError, match="neuron 1 differs from neuron 0"):
        to_torch(layer)


def test_an_activation_given_as_a_function_is_refused_naming_it():
    def swish(v):
        return v * v.sigmoid()

    layer = Layer(2, 3, activation=swish, seed=0)
    with pytest.raises(ValueError, match=r"Layer: its activation is a Python function \(.*swish\), which to_torch cannot"):
        to_torch(layer)
