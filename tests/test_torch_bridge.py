"""The bridge to PyTorch (nn.to_torch, nn.from_torch, nn.torch_checkpoint), checked against torch
itself: the only test file that imports torch. Without torch they are skipped, saying why; with
CHAINGRAD_REQUIRE_TORCH=1 (set by .ci/run) a missing torch fails instead. What the bridge does
without torch is in test_torch_bridge_without_torch.py.

The bounds tested, in float64 (u = 2**-53, the unit roundoff):
- an activation f on the same input z: |torch's f(z) - chaingrad's| <= k ulp(f(z)) + c u |z|, with
  (k, c) = ACTIVATION_BOUND[name]: 1 ulp per rounded op (tanh is one op in each library, each within
  1 ulp of the exact value, so 2; chaingrad's sigmoid is three, exp, + and /), and for gelu, where
  torch's x/2 (1 + erf(x / sqrt 2)) (or 1 + tanh) cancels for z < 0, c u max(1, |z|) more;
- a weighted sum of n inputs and a bias on the same inputs: within 2 (n + 1) u (sum |w_i x_i| + |b|)
  (both add the same n + 1 rounded terms, in their own order);
- a whole model: those two carried through the layers (an error e in the inputs of a layer moves its
  weighted sums by at most sum |w_i| e, and its activation by its largest slope times that);
- gradients from one backward: each within 1e-12 of chaingrad's, relative to the largest gradient
  of the same tensor (a layer's weights, its biases, the inputs), while no unit is saturated or at a
  kink: each tanh, sigmoid, gelu, silu or softplus unit's slope at least 1% of its largest, and no
  relu's or leaky relu's weighted sum within 1e-9 of 0. (A saturated unit's slope, such as
  1 - out**2 or out * (1 - out), is computed from a number near 1 in both libraries: its absolute
  error stays about u, but relative to a slope near 0 that is large, in either library.)
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import nn
from autograd import Value
from nn import MLP, Layer, Module, Neuron, from_torch, to_torch
from nn.module import ACTIVATIONS
from nn.torch_bridge import torch_names
from nn.torch_checkpoint import main as checkpoint_main

REPO = Path(__file__).resolve().parents[1]
MISSING = "the PyTorch bridge tests need PyTorch: pip install 'chaingrad[torch]' (a CPU build is enough)"
try:
    import torch
except ImportError:
    if os.environ.get("CHAINGRAD_REQUIRE_TORCH"):  # set by .ci/run: CI must run these tests
        raise RuntimeError(MISSING) from None
    pytest.skip(MISSING, allow_module_level=True)

U = 2.0**-53
ACTIVATION_BOUND = {  # (k ulp of the output, c u max(1, |z|)), as above
    "linear": (0, 0), "relu": (0, 0), "leaky_relu": (0, 0), "elu": (2, 0), "tanh": (2, 0), "sigmoid": (3, 0),
    "silu": (4, 0), "softplus": (2, 0), "gelu": (2, 4), "gelu_tanh": (4, 8),
}
SLOPE = {  # the largest |f'(z)|
    "linear": 1.0, "relu": 1.0, "leaky_relu": 1.0, "elu": 1.0, "tanh": 1.0, "sigmoid": 0.25,
    "silu": 1.1, "softplus": 1.0, "gelu": 1.13, "gelu_tanh": 1.13,
}
KINKED = {"relu", "leaky_relu"}  # slope jumps at 0
SMOOTH = {"linear", "elu"}  # slope bounded away from 0, computed to full relative precision
NAMES = sorted(ACTIVATIONS)

finite = st.floats(-30.0, 30.0, allow_nan=False)





# --- to_torch: structure, names, the same weights -----------------------------------------------


def models():
    """Every kind of built-in model, with each activation and with and without biases."""
    return st.one_of(
        st.builds(lambda nin, act, bias, seed: Neuron(nin, act, bias, seed=seed),
                  st.integers(1, 5), st.sampled_from(NAMES), st.booleans(), st.integers(0, 99)),
        st.builds(lambda nin, nout, act, bias, seed: Layer(nin, nout, act, bias, seed=seed),
                  st.integers(1, 5), st.integers(1, 5), st.sampled_from(NAMES), st.booleans(), st.integers(0, 99)),
        st.builds(lambda nin, nouts, act, bias, seed: MLP(nin, nouts, act, bias, seed=seed),
                  st.integers(1, 4), st.lists(st.integers(1, 5), min_size=1, max_size=4),
                  st.sampled_from(NAMES), st.booleans(), st.integers(0, 99)),
    )



def test_every_activation_has_its_bound_here():
    assert set(ACTIVATIONS) <= set(ACTIVATION_BOUND) and set(ACTIVATION_BOUND) == set(SLOPE)


def test_an_mlp_becomes_linear_layers_and_activations():
    net = to_torch(MLP(2, [16, 16, 3], activation="tanh", seed=0))
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert [(m.in_features, m.out_features) for m in net[::2]] == [(2, 16), (16, 16), (16, 3)]
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert [type(m).__name__ for m in to_torch(MLP(2, [4, 1], activation="linear", seed=0))] == ["Linear", "Linear"]


def test_names_map_as_the_docstring_says():
    model = MLP(3, [4, 2, 1], activation="relu", seed=0)
    names = torch_names(model)
    assert names["layers.0.neurons.2.w.1"] == ("0.weight", (2, 1))
    assert names["layers.0.neurons.2.b"] == ("0.bias", (2,))
    assert names["layers.1.neurons.0.w.3"] == ("2.weight", (0, 3))
    assert names["layers.2.neurons.0.b"] == ("4.bias", (0,))
    assert torch_names(Layer(3, 4, seed=0))["neurons.2.w.1"] == ("0.weight", (2, 1))
    assert torch_names(Neuron(3, seed=0))["b"] == ("0.bias", (0,))


@settings(max_examples=40, deadline=None)
@given(models())
def test_to_torch_holds_every_parameter_bit_for_bit_under_its_mapped_name(model):
    state = to_torch(model).state_dict()
    names = torch_names(model)
    assert list(names) == [name for name, _ in model.named_parameters()]
    assert sum(t.numel() for t in state.values()) == len(names)
    for name, number in model.state_dict().items():
        key, index = names[name]
        assert state[key][index].item() == number, name


def test_no_bias_stays_no_bias():
    assert to_torch(Neuron(3, bias=False, seed=0))[0].bias is None
    net = to_torch(MLP(3, [4, 1], bias=False, seed=21))
    assert all(m.bias is None for m in net[::2]) and sum(p.numel() for p in net.parameters()) == 16


def test_training_or_evaluation_mode_carries_over_both_ways():
    model = MLP(2, [3, 1], seed=0)
    assert to_torch(model).training is True
    assert all(m.training is False for m in to_torch(model.eval()).modules())
    assert from_torch(to_torch(model.train()).eval()).training is False
    assert from_torch(to_torch(model)).training is True


def test_dtype_float32_rounds_each_weight_once():
    model = Layer(3, 2, seed=0)
    net = to_torch(model, dtype=torch.float32)
    assert net[0].weight.dtype == torch.float32
    assert net[0].weight[1, 2].item() == torch.tensor(model.neurons[1].w[2].data, dtype=torch.float32).item()


# --- to_torch: the same numbers ------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(NAMES), st.lists(st.floats(-40.0, 40.0) | st.floats(-1e-6, 1e-6), min_size=1, max_size=50))
def test_each_activation_is_within_its_ulps_of_chaingrads_on_the_same_input(name, zs):
    neuron = Neuron(1, name, bias=False)
    neuron.w[0].data = 1.0  # 1 * z + nothing: the weighted sum is z exactly in both
    outputs = to_torch(neuron)(torch.tensor([[z] for z in zs], dtype=torch.float64))[:, 0].tolist()
    for z, out in zip(zs, outputs):
        mine = neuron([z]).data
        k, c = ACTIVATION_BOUND[name]
        assert abs(out - mine) <= k * math.ulp(max(abs(out), abs(mine))) + c * U * max(1.0, abs(z)), (z, out, mine)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.booleans(), st.integers(0, 10**6), st.floats(1e-3, 1e3))
def test_a_weighted_sum_is_within_the_rounding_of_n_plus_1_terms(nin, bias, seed, scale):
    layer = Layer(nin, 3, "linear", bias, seed=seed)
    x = [scale * (v.data + 0.25) for v in Layer(nin, 1, seed=seed + 1).neurons[0].w]
    outputs = to_torch(layer)(torch.tensor([x], dtype=torch.float64))[0].tolist()
    for neuron, out in zip(layer.neurons, outputs):
        size = sum(abs(w.data * xi) for w, xi in zip(neuron.w, x)) + (abs(neuron.b.data) if bias else 0.0)
        assert abs(out - neuron(x).data) <= 2 * (nin + 1) * U * size


def forward_with_bound(model, x):
    """chaingrad's outputs for x, and for each a bound on |torch's - chaingrad's| (see the top)."""
    error = [0.0] * len(x)
    for neurons in layers_of(model):
        outputs, errors = [], []
        for neuron in neurons:
            terms = [w.data * xi for w, xi in zip(neuron.w, x)] + ([neuron.b.data] if neuron.b else [])
            z_error = 2 * len(terms) * U * sum(map(abs, terms)) + (1 + len(terms) * U) * sum(abs(w.data) * e for w, e in zip(neuron.w, error))
            out = neuron(x).data
            moved = SLOPE[neuron.activation] * z_error
            k, c = ACTIVATION_BOUND[neuron.activation]
            outputs.append(out)
            errors.append(moved + 2 * max(k, 1) * math.ulp(abs(out) + moved) + 2 * c * U * max(1.0, abs(math.fsum(terms)) + z_error))
        x, error = outputs, errors
    return x, error


@settings(max_examples=40, deadline=None)
@given(models(), st.lists(finite, min_size=5, max_size=5))
def test_outputs_equal_chaingrads_forward_within_the_bound(model, point):
    x = point[: len(layers_of(model)[0][0].w)]
    outputs = to_torch(model)(torch.tensor([x], dtype=torch.float64))[0].tolist()
    mine, bound = forward_with_bound(model, x)
    assert len(outputs) == len(mine)
    for out, m, b in zip(outputs, mine, bound):
        assert abs(out - m) <= b, (out, m, b)


def layers_of(model):
    return [[model]] if isinstance(model, Neuron) else [model.neurons] if isinstance(model, Layer) else [l.neurons for l in model.layers]


def well_conditioned(model, x):
    """Whether no unit of model is saturated or at a kink for input x (see the top)."""
    for neurons in layers_of(model):
        outputs = []
        for neuron in neurons:
            name = neuron.activation
            z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + (neuron.b.data if neuron.b else 0.0)
            if name in KINKED and abs(z) < 1e-9:
                return False
            if name not in KINKED | SMOOTH:
                leaf = Value(z)
                ACTIVATIONS[name](leaf).backward()
                if abs(leaf.grad) < 0.01 * SLOPE[name]:
                    return False
            outputs.append(neuron(x).data)
        x = outputs
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(models(), st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=5), st.lists(st.floats(-2.0, 2.0), min_size=5, max_size=5))
def test_one_backward_gives_the_same_gradients(model, point, weights):
    nin = len(layers_of(model)[0][0].w)
    assume(well_conditioned(model, point[:nin]))
    xs = [Value(v) for v in point[:nin]]
    out = model(xs)
    outs = [out] if isinstance(out, Value) else out
    loss = sum((c * o for c, o in zip(weights, outs)), Value(0.0))  # a random linear combination of the outputs
    model.zero_grad()
    loss.backward()

    net = to_torch(model)
    x = torch.tensor([point[:nin]], dtype=torch.float64, requires_grad=True)
    (net(x)[0] * torch.tensor(weights[: len(outs)], dtype=torch.float64)).sum().backward()
    grads = dict(net.named_parameters())

    groups = {}  # (torch key or "input"): [(chaingrad's gradient, torch's)]
    for (name, p), (key, index) in zip(model.named_parameters(), torch_names(model).values()):
        groups.setdefault(key, []).append((p.grad, grads[key].grad[index].item()))
    groups["input"] = [(v.grad, g) for v, g in zip(xs, x.grad[0].tolist())]
    for key, pairs in groups.items():
        largest = max(abs(mine) for mine, _ in pairs)
        for mine, theirs in pairs:
            assert abs(mine - theirs) <= max(1e-12 * largest, 1e-300), (key, mine, theirs)  # 1e-300: subnormal gradients differ by an ulp of 5e-324


def test_gradients_agree_to_1e_12_relative_each_on_a_trained_sized_model():
    model = MLP(2, [16, 16, 1], activation="tanh", seed=3)
    xs, ys = nn.datasets.moons(20, seed=0)
    loss = nn.mse_loss([model(x) for x in xs], [2.0 * y - 1 for y in ys])
    loss.backward()
    net = to_torch(model)
    out = net(torch.tensor(xs, dtype=torch.float64))[:, 0]
    torch.nn.functional.mse_loss(out, torch.tensor([2.0 * y - 1 for y in ys], dtype=torch.float64)).backward()
    assert abs(out.detach().tolist()[0] - model(xs[0]).data) <= 1e-15
    grads = dict(net.named_parameters())
    for (name, p), (key, index) in zip(model.named_parameters(), torch_names(model).values()):
        assert grads[key].grad[index].item() == pytest.approx(p.grad, rel=1e-12, abs=1e-300), name


# --- to_torch: what does not convert -------------------------------------------------------------


class SpiralNet(Module):
    def __init__(self):
        self.hidden = Layer(2, 8, activation="tanh", seed=0)
        self.out = Layer(8, 3, activation="linear", seed=1)
        self.scale = Value(1.5)

    def forward(self, x):
        return [z * self.scale for z in self.out(self.hidden(x))]




def test_the_built_in_parts_of_your_own_model_convert_one_by_one():
    model = SpiralNet()
    hidden, out = to_torch(model.hidden), to_torch(model.out)
    x = [0.3, -0.2]
    with torch.no_grad():
        logits = (out(hidden(torch.tensor([x], dtype=torch.float64))) * model.scale.data)[0].tolist()
    assert logits == pytest.approx([z.data for z in model(x)], rel=1e-14, abs=1e-15)



# --- from_torch ---------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(models())
def test_from_torch_gives_back_the_same_model(model):
    net = to_torch(model)
    back = from_torch(net)
    if isinstance(model, MLP) and len(model.layers) > 1:
        assert repr(back) == repr(model) and back.state_dict() == model.state_dict()
    else:  # one Linear: a Layer (of one neuron, for a Neuron)
        assert type(back) is Layer and len(back.neurons) == net[0].out_features
        assert back.neurons[0].activation == layers_of(model)[0][0].activation
    again = to_torch(back).state_dict()
    assert all(torch.equal(again[key], value) for key, value in net.state_dict().items())


def test_a_torch_sequential_becomes_an_mlp_with_its_numbers():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model = from_torch(net)
    assert repr(model) == "MLP(2 -> [8 relu, 8 relu, 3 linear], bias=True, 123 parameters)"
    assert model.layers[1].neurons[5].w[2].data == net[2].weight[5, 2].item()  # float32, exact in a float
    x = [0.5, -1.25]
    with torch.no_grad():
        theirs = net(torch.tensor([x])).double()[0].tolist()
    assert [z.data for z in model(x)] == pytest.approx(theirs, rel=1e-5, abs=1e-6)  # torch ran in float32


def test_a_single_linear_becomes_a_linear_layer():
    linear = torch.nn.Linear(3, 2, bias=False, dtype=torch.float64)
    layer = from_torch(linear)
    assert repr(layer) == "Layer(3 -> 2 linear, bias=False)"
    assert layer.neurons[1].w[0].data == linear.weight[1, 0].item()


@pytest.mark.parametrize("layers, message", [
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)], r"layer 1 \(Dropout\(p=0.5, inplace=False\)\) is not supported: from_torch converts Linear layers, each followed by at most one of ReLU\(\), Tanh\(\), Sigmoid\(\)"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2)], r"layer 1 \(LeakyReLU\(negative_slope=0.2\)\) is not supported"),
    (lambda: [torch.nn.Tanh(), torch.nn.Linear(2, 3)], r"layer 0 \(Tanh\(\)\) comes first"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.ReLU()], r"layer 2 \(ReLU\(\)\) follows another activation"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1), torch.nn.Sigmoid()], r"not the shape of a chaingrad MLP: its last Linear is followed by 'sigmoid'"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)], r"hidden layers use 'tanh' and 'relu'"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1, bias=False)], r"some of its Linear layers have a bias"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], r"gives 3 numbers but Linear\(in_features=4"),
    (lambda: [], r"empty Sequential"),
])
def test_what_from_torch_cannot_convert_is_a_value_error_naming_it(layers, message):
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*layers()))


def test_from_torch_refuses_other_modules_and_non_finite_weights():
    with pytest.raises(ValueError, match="got a Conv1d, whose forward may be any Python"):
        from_torch(torch.nn.Conv1d(1, 1, 1))
    with pytest.raises(TypeError, match="needs a torch.nn.Module, got list"):
        from_torch([torch.nn.Linear(1, 1)])
    linear = torch.nn.Linear(2, 2)
    with torch.no_grad():
        linear.weight[1, 0] = float("nan")
    with pytest.raises(ValueError, match=r"0.weight\[1, 0\] is nan"):
        from_torch(linear)


# --- checkpoints: python -m nn.torch_checkpoint model.json model.pt -------------------------------


def test_a_saved_mlp_becomes_a_checkpoint_that_loads_into_the_converted_module(tmp_path, capsys):
    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    model.save(tmp_path / "model.json")
    assert checkpoint_main([str(tmp_path / "model.json"), str(tmp_path / "model.pt")]) == 0
    assert "wrote" in capsys.readouterr().out
    state = torch.load(tmp_path / "model.pt")
    expected = to_torch(model).state_dict()
    assert list(state) == list(expected) and all(torch.equal(state[k], expected[k]) for k in state)
    fresh = to_torch(MLP(2, [4, 4, 1], activation="tanh", seed=1))
    fresh.load_state_dict(state)
    assert from_torch(fresh).state_dict() == model.state_dict()


def test_a_model_of_your_own_class_becomes_the_checkpoint_of_its_torch_twin(tmp_path):
    model = SpiralNet()
    model.save(tmp_path / "net.json")
    assert checkpoint_main([str(tmp_path / "net.json"), str(tmp_path / "net.pt")]) == 0
    state = torch.load(tmp_path / "net.pt")
    assert sorted(state) == ["hidden.0.bias", "hidden.0.weight", "out.0.bias", "out.0.weight", "scale"]
    assert state["hidden.0.weight"][7, 1].item() == model.hidden.neurons[7].w[1].data
    assert state["scale"].shape == () and state["scale"].item() == 1.5


def test_the_checkpoint_command_runs_as_a_module(tmp_path):
    Layer(2, 2, seed=0).save(tmp_path / "layer.json")
    result = subprocess.run([sys.executable, "-m", "nn.torch_checkpoint", "layer.json", "layer.pt"], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert list(torch.load(tmp_path / "layer.pt")) == ["0.weight", "0.bias"]


def test_the_checkpoint_command_says_what_is_wrong_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "old.pt").write_bytes(b"old")
    (tmp_path / "notes.json").write_text("[1, 2]")
    (tmp_path / "plain.json").write_text('{"w.0": 1.0, "b": 0.5}')
    MLP(2, [1], seed=0).save(tmp_path / "model.json")
    SpiralNet().save(tmp_path / "huge.json")
    saved = json.loads((tmp_path / "huge.json").read_text())
    saved["model"]["modules"]["hidden"]["nout"] = 10**6  # 1,000,000 neurons asked for by a 2 KB file
    (tmp_path / "huge.json").write_text(json.dumps(saved))
    cases = [
        (["missing.json", "old.pt"], "error: no such file: "),
        (["notes.json", "old.pt"], "notes.json is not a saved model"),
        (["plain.json", "old.pt"], "plain.json is a plain state dict (the older format)"),
        (["huge.json", "old.pt"], "huge.json describes a hidden of 3000000 parameters, but holds 24"),
        (["model.json", "no/such/folder/model.pt"], "folder does not exist"),
        (["model.json", "model.json"], "is the file to convert"),
    ]
    for (source, target), message in cases:
        assert checkpoint_main([str(tmp_path / source), str(tmp_path / target)]) == 1
        assert message in capsys.readouterr().err
    assert (tmp_path / "old.pt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.json", "model.json", "notes.json", "old.pt", "plain.json"]
