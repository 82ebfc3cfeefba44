"""Models of your own, the PyTorch way: a Module subclass with a forward, its parameters found from
its attributes, calling it, seeds for hand-built models, and inputs that are not sequences."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Layer, Module, Neuron, mse_loss


class Net(Module):
    """Two layers, the way a learner writes them: no super().__init__(), a forward."""

    def __init__(self, seed=0):
        rng = random.Random(seed)
        self.hidden = Layer(2, 3, activation="tanh", rng=rng)
        self.out = Neuron(3, activation="linear", rng=rng)
        self.scale = Value(1.0)

    def forward(self, x):
        return self.out(self.hidden(x)) * self.scale


def test_a_subclass_is_called_like_a_function_and_trains():
    net = Net()
    opt = SGD(net.parameters(), lr=0.1)
    xs, ys = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, -1.0, 0.5]
    first = mse_loss([net(x) for x in xs], ys).data
    for _ in range(30):
        loss = mse_loss([net(x) for x in xs], ys)
        net.zero_grad()
        loss.backward()
        opt.step()
    assert isinstance(net([0.0, 1.0]), Value)
    assert mse_loss([net(x) for x in xs], ys).data < first / 2


def test_parameters_are_named_by_attribute_path_in_assignment_order():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names[:4] == ["hidden.neurons.0.w.0", "hidden.neurons.0.w.1", "hidden.neurons.0.b", "hidden.neurons.1.w.0"]
    assert names[-5:] == ["out.w.0", "out.w.1", "out.w.2", "out.b", "scale"]
    assert len(names) == 3 * 3 + 4 + 1
    assert net.parameters() == [p for _, p in net.named_parameters()]
    assert net.named_parameters()[-1][1] is net.scale


def test_lists_and_tuples_are_indexed_and_nested_lists_too():
    class Grid(Module):
        def __init__(self):
            self.rows = [[Value(1.0), Value(2.0)], [Value(3.0)]]
            self.pair = (Neuron(1, bias=False, seed=0), Value(4.0))

    assert list(Grid().state_dict()) == ["rows.0.0", "rows.0.1", "rows.1.0", "pair.0.w.0", "pair.1"]


def test_a_shared_parameter_is_listed_once_under_its_first_name():
    class Tied(Module):
        def __init__(self):
            self.encoder = Neuron(2, seed=0)
            self.decoder = Neuron(2, seed=1)
            self.decoder.w = self.encoder.w  # the same weights, twice
            self.again = self.encoder  # the same module, twice

    tied = Tied()
    names = [name for name, _ in tied.named_parameters()]
    assert names == ["encoder.w.0", "encoder.w.1", "encoder.b", "decoder.b"]
    assert len(tied.parameters()) == 4
    SGD(tied.parameters(), lr=0.1)  # the optimizer refuses duplicates: there are none


def test_a_module_that_refers_back_to_its_parent_is_searched_once():
    class Child(Module):
        def __init__(self, parent):
            self.parent = parent
            self.w = Value(1.0)

    class Parent(Module):
        def __init__(self):
            self.child = Child(self)
            self.v = Value(2.0)

    assert list(Parent().state_dict()) == ["child.w", "v"]


def test_numbers_strings_and_other_objects_are_not_parameters():
    class Mixed(Module):
        def __init__(self):
            self.rate = 0.5
            self.name = "mixed"
            self.table = {"w": Value(1.0)}  # dicts are not searched
            self.w = Value(2.0)

    assert Mixed().state_dict() == {"w": 2.0}


def test_a_module_that_is_a_dataclass_works_too():
    from dataclasses import dataclass, field

    @dataclass
    class Affine(Module):  # a dataclass compares by fields, and so cannot be hashed
        w: Value = field(default_factory=lambda: Value(2.0))
        inner: Neuron = field(default_factory=lambda: Neuron(1, seed=0))

        def forward(self, x):
            return self.inner([x]) * self.w

    model = Affine()
    assert list(model.state_dict()) == ["w", "inner.w.0", "inner.b"]
    assert model.parameters() == [model.w, *model.inner.parameters()]


def test_a_neuron_without_bias_has_no_b_parameter():
    assert list(Neuron(2, bias=False, seed=0).state_dict()) == ["w.0", "w.1"]


def test_a_subclass_without_forward_says_to_define_it():
    class Empty(Module):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty has no forward\(\): define forward"):
        Empty()([1.0])


def test_forward_gets_every_argument():
    class Add(Module):
        def forward(self, a, b, scale=1.0):
            return (a + b) * scale

    assert Add()(Value(1.0), 2.0, scale=3.0).data == 9.0


def test_repr_of_a_subclass_counts_its_parameters():
    assert repr(Net()) == "Net(14 parameters)"


def test_state_dict_and_load_state_dict_work_on_a_subclass():
    source, target = Net(seed=1), Net(seed=2)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert target([0.5, -0.5]).data == source([0.5, -0.5]).data


def test_a_subclass_that_lists_its_own_named_parameters_is_taken_at_its_word():
    class Chosen(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def named_parameters(self):
            return [("a", self.a)]  # b is a constant here

    chosen = Chosen()
    assert chosen.parameters() == [chosen.a] and chosen.state_dict() == {"a": 1.0}


# --- the built-ins: the same search, found fast --------------------------------------------------

edits = st.sampled_from(["none", "append weight", "number bias", "extra attribute", "share weight", "user neuron", "drop bias"])


@given(shape=st.tuples(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=1, max_size=3)), bias=st.booleans(), edit=edits)
def test_built_in_parameters_are_exactly_what_the_search_over_attributes_finds(shape, bias, edit):
    nin, nouts = shape
    model = MLP(nin, nouts, bias=bias, seed=0)
    neuron = model.layers[0].neurons[0]
    if edit == "append weight":
        neuron.w.append(Value(0.5))
    elif edit == "number bias":
        neuron.b = 0.25
    elif edit == "extra attribute":
        model.layers[-1].temperature = Value(2.0)
    elif edit == "share weight":
        model.layers[-1].neurons[0].w[0] = neuron.w[0]
    elif edit == "user neuron":
        model.layers[0].neurons.append(Net())
    elif edit == "drop bias":
        neuron.b = None
    for module in (model, model.layers[-1], model.layers[0], neuron):
        searched = [p for _, p in module.named_parameters()]
        assert module.parameters() == searched
        assert module.parameters() == Module._members(module, named=False)


def test_a_subclass_of_mlp_with_its_own_parameter_finds_it():
    class Scaled(MLP):
        def __init__(self):
            super().__init__(2, [3, 1], seed=0)
            self.gain = Value(2.0)

        def forward(self, x):
            return super().forward(x) * self.gain

    model = Scaled()
    assert model.parameters()[-1] is model.gain
    assert list(model.state_dict())[-1] == "gain"
    assert model([1.0, 2.0]).data == 2.0 * MLP.forward(model, [Value(1.0), Value(2.0)]).data


# --- seeds for hand-built models -----------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda **kw: Neuron(3, **kw), lambda **kw: Layer(3, 2, **kw), lambda **kw: MLP(3, [2, 1], **kw)])
def test_seed_makes_a_module_reproducible(make):
    assert make(seed=4).state_dict() == make(seed=4).state_dict()
    assert make(seed=4).state_dict() != make(seed=5).state_dict()
    assert make(seed=random.Random(4)).state_dict() == make(seed=4).state_dict()


def test_a_random_generator_as_seed_is_drawn_from_in_turn():
    rng = random.Random(9)
    first, second = Neuron(2, seed=rng), Neuron(2, seed=rng)
    expected = random.Random(9)
    assert [p.data for p in first.parameters() + second.parameters()] == [2.0 * expected.random() - 1.0 for _ in range(6)]


def test_seed_and_rng_together_is_an_error():
    with pytest.raises(TypeError, match="seed= or rng="):
        Neuron(2, seed=1, rng=random.Random(1))


def test_rng_must_be_a_random_generator():
    with pytest.raises(TypeError, match="rng must be a random.Random"):
        Layer(2, 2, rng=5)


# --- inputs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad, type_name", [({"a": 1.0, "b": 2.0}, "dict"), ("ab", "str"), ({1.0, 2.0}, "set"), (b"ab", "bytes")])
@pytest.mark.parametrize("call", [lambda m, x: m(x), lambda m, x: m.layers[0](x), lambda m, x: m.layers[0].neurons[0](x)])
def test_a_model_called_with_a_dict_a_string_or_a_set_is_a_type_error(bad, type_name, call):
    with pytest.raises(TypeError, match=type_name):
        call(MLP(2, [2, 1], seed=0), bad)


def test_a_model_takes_lists_tuples_and_other_sequences():
    model = MLP(2, [2, 1], seed=0)
    assert model([1.0, 2.0]).data == model((1.0, 2.0)).data == model(range(1, 3)).data


def test_the_readme_example_of_a_model_of_your_own_runs_and_prints_what_it_says(tmp_path):
    import re
    import subprocess
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Write your own model", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    promised = [line.split("# ", 1)[1].strip() for line in code.splitlines() if line.startswith("    print(") or line.startswith("print(")]
    assert done.stdout.splitlines() == promised
    assert (tmp_path / "net.json").is_file()


def test_a_model_can_be_deep_copied_and_pickled_with_what_was_added_to_it():
    import copy
    import pickle

    model = MLP(2, [3, 1], seed=0)
    model.gain = Value(2.0)
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert twin.state_dict() == model.state_dict() and "gain" in twin.state_dict()
        assert twin.parameters()[0] is not model.parameters()[0]
        assert twin([1.0, 2.0]).data == model([1.0, 2.0]).data
