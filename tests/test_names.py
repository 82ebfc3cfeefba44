"""Names for people: models label their parameters from their place in the model, drawings show
those names in short form, and every node has a kind (input, parameter, constant, intermediate)."""

import subprocess
import sys

from hypothesis import given, settings, strategies as st

import nn
from autograd import Value
from autograd.backward import topological_order
from autograd.names import ModelName, display_names, full_name, node_kinds, printable, short_name


def labels(model):
    return [p.label for p in model.parameters()]


# --- models label their parameters ---


def test_an_mlp_labels_its_parameters_with_their_names_when_built():
    model = nn.MLP(2, [3, 1], seed=0)
    assert labels(model) == [name for name, _ in model.named_parameters()]
    assert labels(model)[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert all(type(p.label) is ModelName for p in model.parameters())


def test_a_neuron_and_a_layer_on_their_own_label_theirs():
    assert labels(nn.Neuron(2, seed=0)) == ["w.0", "w.1", "b"]
    assert labels(nn.Layer(1, 2, seed=0)) == ["neurons.0.w.0", "neurons.0.b", "neurons.1.w.0", "neurons.1.b"]


class TwoLayers(nn.Module):
    def __init__(self):
        self.hidden = nn.Layer(2, 2, activation="tanh", seed=1)
        self.out = nn.Neuron(2, activation="linear", seed=2)
        self.scale = Value(2.0)

    def forward(self, x):
        return self.out(self.hidden(x)) * self.scale


def test_a_users_model_labels_its_parameters_at_its_first_call():
    model = TwoLayers()
    assert model.scale.label == "" and model.out.b.label == "b"  # as its parts labelled them
    model([1.0, 2.0])
    assert labels(model) == [name for name, _ in model.named_parameters()]
    assert model.hidden.neurons[1].w[0].label == "hidden.neurons.1.w.0" and model.scale.label == "scale"


def test_calling_a_part_alone_later_keeps_the_models_names():
    model = TwoLayers()
    model([1.0, 2.0])
    model.out([0.5, 0.5])
    model.label_parameters()
    assert model.out.w[0].label == "out.w.0"


def test_a_users_label_is_never_replaced():
    model = TwoLayers()
    model.out.w[1].label = "my weight"
    model.scale.label = "w.0"  # even one that looks like a model's name
    model([1.0, 2.0])
    model.label_parameters()
    assert model.out.w[1].label == "my weight" and model.scale.label == "w.0"
    assert type(model.out.w[1].label) is str


def test_a_shared_parameter_keeps_its_first_name():
    model = TwoLayers()
    model.tied = model.out.w  # the same list of weights, reachable twice
    model([1.0, 2.0])
    assert model.out.w[0].label == "out.w.0"
    other = TwoLayers()
    other.out = model.out  # a neuron shared with another model: the first model's names stay
    other([1.0, 2.0])
    assert model.out.w[0].label == "out.w.0"


def test_labels_are_the_same_in_every_process():
    code = "import nn; print([p.label for p in nn.MLP(2, [2, 1], seed=3).parameters()])"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and "layers.1.neurons.0.b" in runs[0]


# --- the short form ---


def test_the_short_form_keeps_the_indices_and_the_last_name():
    assert short_name("layers.0.neurons.2.w.1") == "w[0,2,1]"
    assert short_name("layers.1.neurons.0.b") == "b[1,0]"
    assert short_name("hidden.neurons.3.w.0") == "hidden.w[3,0]"
    assert short_name("out.b") == "out.b" and short_name("b") == "b" and short_name("w.4") == "w[4]"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_every_parameter_of_an_mlp_has_its_own_short_name(sizes):
    model = nn.MLP(2, sizes, seed=0)
    shorts = [short_name(p.label) for p in model.parameters()]
    assert len(set(shorts)) == len(shorts)
    for (name, _), s in zip(model.named_parameters(), shorts):
        assert [part for part in name.split(".") if part.isdigit()] == s[s.index("[") + 1 : -1].split(",")


def test_drawings_show_short_names_and_full_ones_where_two_would_look_alike():
    class Pairs(nn.Module):
        def __init__(self):
            self.left, self.right = [nn.Neuron(1, seed=0)], [nn.Neuron(1, seed=1)]

        def forward(self, x):
            return self.left[0](x) + self.right[0](x)

    model = Pairs()
    y = model([1.0])
    names = display_names(topological_order(y))
    # left.0.w.0 and right.0.w.0 would both be w[0,0]: both are shown in full; the biases too
    assert [names[n.w[0]] for n in model.left + model.right] == ["left.0.w.0", "right.0.w.0"]
    assert [names[n.b] for n in model.left + model.right] == ["left.0.b", "right.0.b"]
    model = nn.MLP(1, [1], seed=0)
    out = model([3.0])
    names = display_names(topological_order(out))
    assert names[model.layers[0].neurons[0].w[0]] == "w[0,0,0]"
    assert full_name(model.layers[0].neurons[0].w[0]) == "layers.0.neurons.0.w.0"


def test_a_user_label_and_a_short_name_that_look_alike_are_both_shown_in_full():
    model = nn.Neuron(1, seed=0)
    y = model([Value(1.0, "w[0]")])
    names = display_names(topological_order(y))
    assert names[model.w[0]] == "w.0"


def test_a_lone_surrogate_is_shown_escaped():
    assert printable("a\ud800b") == "a\\ud800b" and printable("é & <") == "é & <"
    v = Value(1.0, "\udfff")
    assert display_names([v])[v] == "\\udfff"


# --- kinds ---


def test_inputs_parameters_constants_and_intermediates_are_told_apart():
    model = nn.Neuron(2, activation="tanh", seed=0)
    x = [Value(1.0, "x0"), 2.0]  # a Value the user made, and a number the call makes into a Value
    out = model(x)
    loss = (out - 1.0) ** 2
    kinds = node_kinds(topological_order(loss))
    assert {kinds[p] for p in model.parameters()} == {"parameter"}
    inputs = out.parents[0].parents[2:4]
    assert [kinds[v] for v in inputs] == ["input", "input"]
    constants = [loss.parents[1], loss.parents[0].parents[1]]
    assert [c.data for c in constants] == [2.0, 1.0] and {kinds[c] for c in constants} == {"constant"}
    assert kinds[loss] == kinds[out] == "intermediate"


def test_an_optimizers_parameters_are_parameters_whatever_their_labels():
    w = Value(0.5, "w")
    y = w * Value(2.0, "x")
    kinds = node_kinds(topological_order(y), parameters=[w])
    assert kinds[w] == "parameter" and kinds[y.parents[1]] == "input"
    assert node_kinds([w])[w] == "input"
