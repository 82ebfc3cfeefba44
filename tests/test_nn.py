"""nn modules: Neuron, Layer, MLP; their parameters, state_dict, save/load; mse_loss; and the
seed post's 3-4-1 ReLU network checked against its forward pass and hand-derived gradients."""

import importlib.util
import json
import math
import os
import random
from contextlib import nullcontext
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, no_grad, numerical_grad
from nn import MLP, SGD, Layer, Module, Neuron, mse_loss

REPO = Path(__file__).resolve().parents[1]

# The seed post's data: four examples of three inputs, and their targets.
INPUTS = [[1, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]]
TARGETS = [1, 1, 0, 0]

# Sizes that are not a whole number >= 1.
BAD_SIZES = [0, -1, 2.5, True]

sizes = st.integers(min_value=1, max_value=4)
shapes = st.tuples(sizes, st.lists(sizes, min_size=1, max_size=3))
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def expected_parameter_count(nin, nouts, bias):
    """Each neuron has one weight per input, plus one bias if the model has biases."""
    fan_ins = [nin, *nouts[:-1]]
    return sum((fan_in + bias) * fan_out for fan_in, fan_out in zip(fan_ins, nouts))


def relu(z):
    return z if z > 0 else 0.0


# --- Neuron -------------------------------------------------------------------------------------


def test_neuron_has_one_weight_per_input_and_a_bias():
    neuron = Neuron(3)
    assert len(neuron.w) == 3
    assert all(isinstance(w, Value) for w in neuron.w)
    assert isinstance(neuron.b, Value)
    assert neuron.parameters() == [*neuron.w, neuron.b]


def test_neuron_without_bias_has_b_none():
    neuron = Neuron(3, bias=False)
    assert neuron.b is None
    assert neuron.parameters() == neuron.w


def test_neuron_draws_weights_then_bias_uniformly_from_its_rng():
    rng = random.Random(7)
    expected = [2.0 * rng.random() - 1.0 for _ in range(4)]  # three weights, then the bias
    neuron = Neuron(3, rng=random.Random(7))
    assert [p.data for p in neuron.parameters()] == expected


@pytest.mark.parametrize(
    "activation, function",
    [
        ("relu", relu),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
        ("linear", lambda z: z),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_neuron_output_is_activation_of_weighted_sum_plus_bias(activation, function, seed):
    neuron = Neuron(3, activation=activation, rng=random.Random(seed))
    x = [0.5, -2.0, 1.5]
    z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data
    assert neuron(x).data == pytest.approx(function(z), rel=1e-12, abs=1e-15)


def test_neuron_rejects_unknown_activation_listing_the_choices():
    with pytest.raises(ValueError) as excinfo:
        Neuron(3, activation="softmax")
    for name in ("relu", "tanh", "sigmoid", "linear", "softmax"):
        assert name in str(excinfo.value)


@pytest.mark.parametrize("nin", BAD_SIZES)
def test_neuron_rejects_bad_input_count(nin):
    with pytest.raises(ValueError, match="nin"):
        Neuron(nin)


def test_neuron_repr():
    assert repr(Neuron(3, activation="tanh", bias=False)) == "Neuron(3 -> 1 tanh, bias=False)"


# --- Layer --------------------------------------------------------------------------------------


def test_layer_has_nout_neurons_that_each_see_every_input():
    layer = Layer(3, 4, activation="tanh")
    assert len(layer.neurons) == 4
    assert all(len(n.w) == 3 and n.activation == "tanh" for n in layer.neurons)
    outputs = layer([1.0, 2.0, 3.0])
    assert [o.data for o in outputs] == [n([1.0, 2.0, 3.0]).data for n in layer.neurons]


@pytest.mark.parametrize("nout", BAD_SIZES)
def test_layer_rejects_bad_output_count(nout):
    with pytest.raises(ValueError, match="nout"):
        Layer(3, nout)


def test_layer_repr():
    assert repr(Layer(3, 4)) == "Layer(3 -> 4 relu, bias=True)"


# --- MLP: construction ---------------------------------------------------------------------------


def test_mlp_hidden_layers_use_the_activation_and_the_last_is_linear():
    model = MLP(2, [3, 3, 1], activation="tanh")
    assert [len(layer.neurons) for layer in model.layers] == [3, 3, 1]
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "linear"]


@pytest.mark.parametrize("bias, count", [(True, 21), (False, 16)])
def test_mlp_parameter_count_3_4_1(bias, count):
    # (3 weights + bias) * 4 hidden neurons + (4 weights + bias) * 1 output neuron
    assert len(MLP(3, [4, 1], bias=bias).parameters()) == count


@given(shape=shapes, bias=st.booleans())
def test_mlp_parameter_count_is_fan_in_plus_bias_times_fan_out(shape, bias):
    nin, nouts = shape
    assert len(MLP(nin, nouts, bias=bias).parameters()) == expected_parameter_count(nin, nouts, bias)


def test_same_seed_gives_same_weights_and_different_seed_different_weights():
    assert MLP(3, [4, 1], seed=5).state_dict() == MLP(3, [4, 1], seed=5).state_dict()
    assert MLP(3, [4, 1], seed=5).state_dict() != MLP(3, [4, 1], seed=6).state_dict()


@given(shape=shapes, seed=seeds)
def test_mlp_weights_and_biases_are_in_minus_one_to_one(shape, seed):
    nin, nouts = shape
    assert all(-1.0 <= p.data < 1.0 for p in MLP(nin, nouts, seed=seed).parameters())


@pytest.mark.parametrize("bad", BAD_SIZES)
def test_mlp_rejects_bad_input_size(bad):
    with pytest.raises(ValueError):
        MLP(bad, [2, 1])


@pytest.mark.parametrize("bad", BAD_SIZES)
def test_mlp_rejects_bad_layer_size(bad):
    with pytest.raises(ValueError):
        MLP(3, [4, bad])


def test_mlp_rejects_no_layers():
    with pytest.raises(ValueError):
        MLP(3, [])


def test_mlp_rejects_unknown_activation():
    with pytest.raises(ValueError, match="relu"):
        MLP(3, [4, 1], activation="swishy")


def test_mlp_repr():
    assert repr(MLP(3, [4, 1], bias=False)) == "MLP(3 -> [4 relu, 1 linear], bias=False, 16 parameters)"
    assert repr(MLP(2, [3, 2], activation="tanh")) == "MLP(2 -> [3 tanh, 2 linear], bias=True, 17 parameters)"


# --- MLP: calling --------------------------------------------------------------------------------


def test_mlp_with_one_output_returns_a_value():
    assert isinstance(MLP(3, [4, 1], seed=0)([1, 0, 1]), Value)


def test_mlp_with_several_outputs_returns_a_list():
    out = MLP(3, [4, 2], seed=0)([1, 0, 1])
    assert isinstance(out, list) and len(out) == 2
    assert all(isinstance(o, Value) for o in out)


def test_mlp_hidden_layer_of_width_one_works():
    model = MLP(2, [1, 3], seed=0)
    out = model([0.5, -0.5])
    assert len(out) == 3
    hidden = model.layers[0].neurons[0]([0.5, -0.5]).data
    first = model.layers[1].neurons[0]
    assert out[0].data == pytest.approx(first.w[0].data * hidden + first.b.data)


def test_mlp_accepts_values_as_inputs_and_backprops_into_them():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [Value(0.3), Value(-0.8)]
    model(x).backward()
    expected = numerical_grad(lambda a, b: model([a, b]), x)
    assert [xi.grad for xi in x] == pytest.approx(expected, abs=1e-6)


inputs_in_range = st.floats(min_value=-3, max_value=3, allow_nan=False)


@given(shape=shapes, bias=st.booleans(), seed=seeds, activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu", "softplus"]), data=st.data())
def test_modules_under_no_grad_give_the_same_numbers_as_leaves(shape, bias, seed, activation, data):
    nin, nouts = shape
    model = MLP(nin, nouts, activation=activation, bias=bias, seed=seed)
    x = data.draw(st.lists(inputs_in_range, min_size=nin, max_size=nin))
    layer, neuron = model.layers[0], model.layers[0].neurons[0]
    recorded = [model(x), layer(x), neuron(x)]
    with no_grad():
        plain = [model(x), layer(x), neuron(x)]
    for want, got in zip(recorded, plain):
        want, got = (want, got) if isinstance(want, list) else ([want], [got])
        assert [v.data for v in got] == [v.data for v in want]  # the same op functions: bit for bit
        assert all(type(v) is Value and v.parents == () and v.op == "" for v in got)


@pytest.mark.parametrize("call", [lambda m, x: m(x), lambda m, x: m.layers[0](x), lambda m, x: m.layers[0].neurons[0](x)])
def test_modules_under_no_grad_check_inputs_as_with_grad(call):
    model = MLP(2, [3, 1], seed=0)
    with no_grad():
        assert call(model, [Value(0.5), 2]) is not None  # Values and numbers mixed
        with pytest.raises(TypeError, match="str"):
            call(model, [0.5, "2"])
        with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
            call(model, [0.5, 1.0, 2.0])


def test_an_overridden_forward_is_used_under_no_grad_too():
    class Doubled(Neuron):
        def forward(self, x):
            return super().forward(x) * 2.0

    neuron = Doubled(2, rng=random.Random(0))
    with no_grad():
        evaluated = neuron([0.5, 1.0]).data
    assert evaluated == neuron([0.5, 1.0]).data == 2.0 * Neuron.forward(neuron, [Value(0.5), Value(1.0)]).data


def test_a_neuron_edited_by_hand_behaves_the_same_under_no_grad():
    neuron = Neuron(2, rng=random.Random(0))
    neuron.b = 0.25  # a plain number: dot() takes it
    with no_grad():
        evaluated = neuron([0.5, 1.0]).data
    assert evaluated == neuron([0.5, 1.0]).data
    neuron.w.append(Value(0.5))  # now one weight too many
    for mode in (no_grad, nullcontext):
        with mode(), pytest.raises(ValueError, match="as many weights as inputs"):
            neuron([0.5, 1.0])


@pytest.mark.parametrize("x", [[1, 0], [1, 0, 1, 1]])
def test_mlp_rejects_wrong_input_length_naming_both_lengths(x):
    with pytest.raises(ValueError) as excinfo:
        MLP(3, [4, 1])(x)
    message = str(excinfo.value)
    assert "3" in message and str(len(x)) in message


# --- parameters and zero_grad -------------------------------------------------------------------


def test_parameters_are_the_neurons_own_values_in_state_dict_order():
    model = MLP(2, [2, 1], seed=0)
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    assert all(a is b for a, b in zip(model.parameters(), expected, strict=True))
    assert list(model.state_dict().values()) == [p.data for p in expected]


def test_zero_grad_resets_every_parameter_grad():
    model = MLP(3, [4, 1], activation="tanh", seed=0)
    mse_loss(model([1, 0, 1]), 1).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_module_subclass_only_needs_named_parameters():
    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def named_parameters(self):
            return [("a", self.a), ("b", self.b)]

    pair = Pair()
    assert pair.state_dict() == {"a": 1.0, "b": 2.0}
    pair.load_state_dict({"a": 3.0, "b": 4.0})
    assert (pair.a.data, pair.b.data) == (3.0, 4.0)


# --- state_dict and load_state_dict -------------------------------------------------------------


def test_state_dict_names_are_stable_paths():
    assert list(MLP(2, [2, 1]).state_dict()) == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]  # fmt: skip


def test_state_dict_names_a_specific_weight():
    model = MLP(3, [4, 1], seed=0)
    assert model.state_dict()["layers.0.neurons.2.w.1"] == model.layers[0].neurons[2].w[1].data
    assert model.state_dict()["layers.1.neurons.0.b"] == model.layers[1].neurons[0].b.data


@given(shape=shapes, bias=st.booleans(), seed=seeds)
def test_state_dict_is_plain_json(shape, bias, seed):
    nin, nouts = shape
    state = MLP(nin, nouts, bias=bias, seed=seed).state_dict()
    assert type(state) is dict
    assert all(type(k) is str and type(v) is float for k, v in state.items())
    assert json.loads(json.dumps(state)) == state


@given(shape=shapes, bias=st.booleans(), seeds=st.tuples(seeds, seeds))
def test_state_dict_round_trip_makes_models_identical(shape, bias, seeds):
    nin, nouts = shape
    source = MLP(nin, nouts, bias=bias, seed=seeds[0])
    target = MLP(nin, nouts, bias=bias, seed=seeds[1])
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    x = [0.25 * i for i in range(nin)]
    with no_grad():
        assert repr(target(x)) == repr(source(x))


def test_state_dict_is_a_copy_not_a_view():
    model = MLP(3, [4, 1], seed=0)
    state = model.state_dict()
    model.parameters()[0].data += 1.0
    assert state != model.state_dict()


def test_load_state_dict_accepts_ints_and_stores_floats():
    model = MLP(1, [1], bias=False)
    model.load_state_dict({"layers.0.neurons.0.w.0": 2})
    assert model.parameters()[0].data == 2.0 and type(model.parameters()[0].data) is float


def _other_state(model):
    """A valid state for ``model`` whose every number differs from the model's own."""
    return {name: value / 2 + 0.25 for name, value in model.state_dict().items()}


def test_load_state_dict_missing_key_names_it_and_changes_nothing():
    model = MLP(3, [4, 1], seed=0)
    before = model.state_dict()
    state = _other_state(model)
    del state["layers.1.neurons.0.w.3"]
    with pytest.raises(ValueError, match=r"layers\.1\.neurons\.0\.w\.3"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_unexpected_key_names_it_and_changes_nothing():
    model = MLP(3, [4, 1], seed=0)
    before = model.state_dict()
    state = _other_state(model)
    state["layers.2.neurons.0.w.0"] = 0.5
    with pytest.raises(ValueError, match=r"layers\.2\.neurons\.0\.w\.0"):
        model.load_state_dict(state)
    assert model.state_dict() == before


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "1", None, True, [1.0]])
def test_load_state_dict_rejects_non_finite_or_non_number_naming_key_and_changes_nothing(bad):
    model = MLP(3, [4, 1], seed=0)
    before = model.state_dict()
    state = _other_state(model)
    last = list(state)[-1]  # every other key would already be loaded if the check were not first
    state[last] = bad
    with pytest.raises(ValueError, match=last.replace(".", r"\.")):
        model.load_state_dict(state)
    assert model.state_dict() == before


# --- save and load ------------------------------------------------------------------------------


def test_save_writes_the_format_the_model_and_the_state_dict_as_json(tmp_path):
    model = MLP(3, [4, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "format": "chaingrad-model",
        "version": 1,
        "model": {"class": "MLP", "nin": 3, "nouts": [4, 1], "activation": "relu", "bias": True},
        "state_dict": model.state_dict(),
    }


def test_save_then_load_restores_the_weights(tmp_path):
    path = tmp_path / "model.json"
    MLP(3, [4, 1], seed=0).save(str(path))  # str paths work as well as Path
    model = MLP(3, [4, 1], seed=1)
    model.load(path)
    assert model.state_dict() == MLP(3, [4, 1], seed=0).state_dict()


def test_save_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "model.json"
    MLP(3, [4, 1], seed=0).save(path)
    MLP(3, [4, 1], seed=1).save(path)
    assert json.loads(path.read_text())["state_dict"] == MLP(3, [4, 1], seed=1).state_dict()
    assert os.listdir(tmp_path) == ["model.json"]


@given(shape=shapes, bias=st.booleans(), seed=seeds)
@settings(max_examples=25)
def test_save_load_round_trip_is_exact(shape, bias, seed, tmp_path_factory):
    nin, nouts = shape
    path = tmp_path_factory.mktemp("save") / "model.json"
    source = MLP(nin, nouts, bias=bias, seed=seed)
    source.save(path)
    target = MLP(nin, nouts, bias=bias, seed=seed + 1)
    target.load(path)
    assert target.state_dict() == source.state_dict()


def test_save_of_a_nan_parameter_fails_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(3, [4, 1], seed=0)
    model.save(path)
    old = path.read_bytes()
    model.parameters()[0].data = math.nan  # JSON has no nan: the save must refuse
    with pytest.raises(ValueError):
        model.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failing_save_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.json"
    MLP(3, [4, 1], seed=0).save(path)
    old = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(f"simulated failure of os.{failing}")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="simulated"):
        MLP(3, [4, 1], seed=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_into_a_missing_folder_names_it(tmp_path):
    folder = tmp_path / "no such folder"
    with pytest.raises(FileNotFoundError, match="no such folder"):
        MLP(3, [4, 1]).save(folder / "model.json")
    assert not folder.exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="invalid-json"),
        pytest.param("[1.0, 2.0]", id="json-list"),
        pytest.param(json.dumps(MLP(3, [5, 1]).state_dict()), id="other-shape"),
        pytest.param(json.dumps(MLP(3, [4, 1], bias=True).state_dict()), id="with-bias"),
        pytest.param('{"layers.0.neurons.0.w.0": NaN}', id="nan"),
        pytest.param("", id="empty"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested-too-deeply"),
        pytest.param('{"layers.0.neurons.0.w.0": ' + "1" * 5000 + "}", id="number-too-long"),
    ],
)
def test_load_of_a_bad_file_names_the_file_and_changes_nothing(tmp_path, content):
    path = tmp_path / "bad-model.json"
    path.write_text(content, encoding="utf-8")
    model = MLP(3, [4, 1], bias=False, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="bad-model.json"):
        model.load(path)
    assert model.state_dict() == before


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_save_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    target = tmp_path / "model.json"
    link = tmp_path / "link.json"
    MLP(3, [4, 1], seed=0).save(target)
    link.symlink_to(target)
    model = MLP(3, [4, 1], seed=1)
    model.save(link)
    assert link.is_symlink()
    assert json.loads(target.read_text())["state_dict"] == model.state_dict()


def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "model.json"
    MLP(3, [4, 1], seed=0).save(path)
    path.chmod(0o600)
    MLP(3, [4, 1], seed=1).save(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_load_of_a_file_that_is_not_text_names_the_file(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00 not text")
    with pytest.raises(ValueError, match="binary.json"):
        MLP(3, [4, 1]).load(path)


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP(3, [4, 1]).load(tmp_path / "missing.json")


# --- mse_loss -----------------------------------------------------------------------------------


def test_mse_loss_of_one_pair_is_the_squared_error_and_its_gradient():
    pred = Value(3.0)
    loss = mse_loss(pred, 1)
    assert loss.data == 4.0  # (3 - 1)**2
    loss.backward()
    assert pred.grad == 4.0  # 2 * (3 - 1)


def test_mse_loss_of_sequences_is_the_mean_and_its_gradient():
    preds = [Value(1.0), Value(4.0)]
    loss = mse_loss(preds, [0.0, 2.0])
    assert loss.data == 2.5  # ((1 - 0)**2 + (4 - 2)**2) / 2
    loss.backward()
    assert [p.grad for p in preds] == [1.0, 2.0]  # 2 * (p - t) / 2


def test_mse_loss_of_many_pairs_sums_the_squares_in_one_dot_node():
    preds = [Value(float(i)) for i in range(1000)]
    loss = mse_loss(preds, [0.0] * 1000)
    total = loss.parents[0]  # loss = total / 1000
    assert (loss.op, total.op) == ("/", "dot")
    diffs = [p - 0.0 for p in preds]
    assert [d.data for d in total.parents] == [d.data for d in diffs + diffs]  # diffs . diffs
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([2 * i / 1000 for i in range(1000)], rel=1e-12)


def test_mse_loss_accepts_value_targets_and_backprops_into_them():
    pred, target = Value(3.0), Value(1.0)
    mse_loss(pred, target).backward()
    assert target.grad == -4.0  # -2 * (3 - 1)


@given(
    pairs=st.lists(
        st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=1, max_size=6
    )
)
def test_mse_loss_value_and_gradient_match_hand_and_finite_differences(pairs):
    preds, targets = [p for p, _ in pairs], [t for _, t in pairs]
    n = len(pairs)
    by_hand = sum((p - t) ** 2 for p, t in pairs) / n
    assert mse_loss([Value(p) for p in preds], targets).data == pytest.approx(by_hand, rel=1e-12, abs=1e-12)
    assert gradcheck(lambda *ps: mse_loss(list(ps), targets), preds)


def test_mse_loss_of_a_number_prediction_says_predictions_must_be_values():
    with pytest.raises(TypeError, match="predictions must be Values, got float"):
        mse_loss(1.0, Value(2.0))


def test_mse_loss_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="2.*3"):
        mse_loss([Value(1.0), Value(2.0)], [1, 2, 3])


@pytest.mark.parametrize(
    "preds, targets",
    [(Value(1.0), [1.0]), ([Value(1.0)], 1.0), ([], [])],
    ids=["scalar-vs-list", "list-vs-scalar", "empty"],
)
def test_mse_loss_rejects_mismatched_shapes(preds, targets):
    with pytest.raises(ValueError):
        mse_loss(preds, targets)


# --- the seed post's network --------------------------------------------------------------------


def seed_net(seed):
    """The post's net: 3 inputs, 4 ReLU hidden neurons, 1 linear output, no biases."""
    return MLP(3, [4, 1], activation="relu", bias=False, seed=seed)


def post_weights(model):
    """The model's weights as the post's matrices weights_0_1 (4 x 3) and weights_1_2 (1 x 4)."""
    weights_0_1 = [[w.data for w in neuron.w] for neuron in model.layers[0].neurons]
    weights_1_2 = [[w.data for w in model.layers[1].neurons[0].w]]
    return weights_0_1, weights_1_2


def post_forward(weights_0_1, weights_1_2, inp):
    """The post's forward pass with plain floats: hidden sums z, hidden activations a1, output a2."""
    z = [sum(weights_0_1[j][i] * inp[i] for i in range(3)) for j in range(4)]
    a1 = [relu(zj) for zj in z]
    a2 = sum(weights_1_2[0][j] * a1[j] for j in range(4))
    return z, a1, a2


def post_gradients(weights_0_1, weights_1_2, inp, y):
    """The post's hand-derived gradients of (a2 - y)**2, in state_dict order:
    dE/dw_ji = 2 (a2 - y) relu'(z_j) w_j a0_i  and  dE/dw_j = 2 (a2 - y) a1_j."""
    z, a1, a2 = post_forward(weights_0_1, weights_1_2, inp)
    prefactor = 2.0 * (a2 - y)
    hidden = [
        prefactor * (1.0 if z[j] > 0 else 0.0) * weights_1_2[0][j] * inp[i] for j in range(4) for i in range(3)
    ]
    output = [prefactor * a1[j] for j in range(4)]
    return hidden + output


def loss_as_function_of_parameters(model, x, y):
    """f(*parameter values) -> squared error of the model on (x, y), for `numerical_grad`."""
    names = list(model.state_dict())

    def f(*values):
        model.load_state_dict({name: v.data for name, v in zip(names, values)})
        return mse_loss(model(x), y)

    return f


@given(seed=seeds)
def test_seed_net_weights_are_the_posts_matrices_drawn_row_by_row(seed):
    # The post: weights_0_1 = 2 * random((4, 3)) - 1, then weights_1_2 = 2 * random((1, 4)) - 1.
    rng = random.Random(seed)
    weights_0_1 = [[2.0 * rng.random() - 1.0 for i in range(3)] for j in range(4)]
    weights_1_2 = [[2.0 * rng.random() - 1.0 for j in range(4)]]
    assert post_weights(seed_net(seed)) == (weights_0_1, weights_1_2)


@given(seed=seeds)
def test_seed_net_output_is_the_posts_forward_pass(seed):
    model = seed_net(seed)
    weights_0_1, weights_1_2 = post_weights(model)
    for x in INPUTS:
        _, _, a2 = post_forward(weights_0_1, weights_1_2, x)
        assert model(x).data == pytest.approx(a2, rel=1e-12, abs=1e-15)


@given(seed=seeds)
@settings(max_examples=30)
def test_seed_net_backprop_matches_the_posts_formulas_and_finite_differences(seed):
    model = seed_net(seed)
    weights_0_1, weights_1_2 = post_weights(model)
    for x, y in zip(INPUTS, TARGETS):
        z, _, _ = post_forward(weights_0_1, weights_1_2, x)
        assume(all(abs(zj) > 1e-3 for zj in z))  # finite differences are wrong across a ReLU kink
        model.zero_grad()
        mse_loss(model(x), y).backward()
        backprop = [p.grad for p in model.parameters()]
        start = model.state_dict()
        numeric = numerical_grad(loss_as_function_of_parameters(model, x, y), list(start.values()))
        model.load_state_dict(start)
        assert backprop == pytest.approx(post_gradients(weights_0_1, weights_1_2, x, y), rel=1e-12, abs=1e-12)
        assert backprop == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.fixture(scope="module")
def demo():
    """demo.py imported by path, for its default seed and training helpers."""
    spec = importlib.util.spec_from_file_location("demo", REPO / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_seed_net_is_this_seed_net(demo):
    assert demo.seed_network(demo.DEFAULT_SEED).state_dict() == seed_net(demo.DEFAULT_SEED).state_dict()


def test_seed_net_trains_to_tiny_error_in_60_epochs_for_the_demos_seed(demo):
    model = seed_net(demo.DEFAULT_SEED)
    optimizer = SGD(model.parameters(), lr=0.1)
    for epoch in range(60):
        errors = []
        for x, y in zip(INPUTS, TARGETS):  # per-example SGD, as in the post
            optimizer.zero_grad()
            mse_loss(model(x), y).backward()
            optimizer.step()
            with no_grad():
                errors.append(mse_loss(model(x), y).data)  # measured after this example's update
        epoch_error = sum(errors) / len(errors)
    assert epoch_error < 1e-10


def test_demo_train_epoch_equals_a_plain_sgd_epoch(demo):
    ours, theirs = seed_net(demo.DEFAULT_SEED), seed_net(demo.DEFAULT_SEED)
    optimizer = SGD(ours.parameters(), lr=0.1)
    errors = []
    for x, y in zip(INPUTS, TARGETS):
        optimizer.zero_grad()
        mse_loss(ours(x), y).backward()
        optimizer.step()
        errors.append(mse_loss(ours(x), y).data)
    epoch_error = demo.train_epoch(theirs, SGD(theirs.parameters(), lr=0.1), demo.backprop_gradients)
    assert epoch_error == pytest.approx(sum(errors) / len(errors), rel=1e-12)
    assert theirs.state_dict() == pytest.approx(ours.state_dict(), rel=1e-12)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_save_refuses_to_replace_something_that_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match="not a regular file"):
        MLP(3, [4, 1]).save(fifo)
    assert not fifo.is_file()


def test_save_works_for_the_longest_file_name_the_system_allows(tmp_path):
    path = tmp_path / ("m" * 250 + ".json")
    MLP(3, [4, 1], seed=0).save(path)
    assert json.loads(path.read_text())["state_dict"] == MLP(3, [4, 1], seed=0).state_dict()


def test_mlp_takes_value_subclasses_as_inputs():
    class Tagged(Value):
        __slots__ = ()

    out = MLP(2, [1], seed=0)([Tagged(1.0), Tagged(2.0)])
    assert isinstance(out, Value)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("mode", [nullcontext, no_grad])
def test_a_nan_in_the_input_shows_in_the_output(activation, mode):
    model = MLP(3, [4, 2], activation=activation, seed=0)
    with mode():
        outputs = [model([1.0, math.nan, 0.5]), model.layers[0]([math.nan, 0.0, 0.0]), model.layers[0].neurons[1]([0.0, 0.0, math.nan])]
    for out in outputs:
        assert all(math.isnan(v.data) for v in (out if isinstance(out, list) else [out]))
