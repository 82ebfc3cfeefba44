"""Models of your own, the PyTorch way: a Module subclass with a forward, its parameters found from
its attributes, calling it, seeds for hand-built models, and inputs that are not sequences."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, enable_grad, is_grad_enabled, no_grad
from nn import MLP, SGD, Dropout, Layer, Module, Neuron, mse_loss


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


# --- module habits: train/eval, modules, children, apply, Dropout, no_grad as a decorator ----------


class WithDropout(Module):
    def __init__(self):
        self.hidden = Layer(2, 4, activation="tanh", seed=1)
        self.drop = Dropout(0.5, seed=3)
        self.out = Layer(4, 1, activation="linear", seed=2)

    def forward(self, x):
        return self.out(self.drop(self.hidden(x)))[0]


def test_named_modules_lists_every_module_once_depth_first_in_assignment_order():
    model = Net()
    assert [name for name, _ in model.named_modules()] == ["", "hidden", "hidden.neurons.0", "hidden.neurons.1", "hidden.neurons.2", "out"]
    assert model.modules() == [m for _, m in model.named_modules()]
    assert model.modules()[0] is model and model.modules()[1] is model.hidden
    mlp = MLP(2, [3, 1], seed=0)
    mlp.twin = mlp.layers[0]  # shared: met once, under its first name
    assert [name for name, _ in mlp.named_modules()][:2] == ["", "layers.0"] and "twin" not in dict(mlp.named_modules())


def test_children_are_the_direct_submodules_only():
    model = Net()
    assert model.named_children() == [("hidden", model.hidden), ("out", model.out)]
    mlp = MLP(2, [3, 4, 1], seed=0)
    assert mlp.children() == mlp.layers and [n for n, _ in mlp.named_children()] == ["layers.0", "layers.1", "layers.2"]
    assert mlp.layers[0].neurons[0].children() == []


def test_apply_visits_children_before_their_parent_as_pytorch():
    model = Net()
    seen = []
    assert model.apply(lambda m: seen.append(m)) is model
    # torch.nn.Module.apply: for child in children(): child.apply(fn); then fn(self)
    assert seen == [*model.hidden.neurons, model.hidden, model.out, model]

    def zero_biases(m):
        if isinstance(m, Neuron) and m.b is not None:
            m.b.data = 0.0

    model.apply(zero_biases)
    assert [n.b.data for n in model.hidden.neurons] == [0.0, 0.0, 0.0] and model.out.b.data == 0.0


def test_train_and_eval_set_training_on_every_submodule_and_return_the_model():
    model = WithDropout()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert [m.training for m in model.modules()] == [False] * len(model.modules())
    model.drop.train()  # one submodule alone
    assert model.drop.training and not model.training and not model.hidden.training
    assert model.train() is model and all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="True or False"):
        model.train("no")


def test_eval_keeps_the_fast_parameter_listing_and_the_parameters():
    mlp = MLP(2, [3, 1], seed=0)
    before = mlp.parameters()
    mlp.eval()
    assert mlp.parameters() == before == [p for _, p in mlp.named_parameters()]
    assert "training" not in mlp.state_dict()


def test_dropout_zeroes_with_probability_p_and_scales_the_rest_by_one_over_one_minus_p():
    drop = Dropout(0.25, seed=7)
    xs = [Value(1.0) for _ in range(4000)]
    out = drop(xs)
    kept = [v.data for v in out if v.data != 0.0]
    assert set(kept) == {1.0 / 0.75}
    assert abs(len(kept) / 4000 - 0.75) < 0.03  # 0.03 is about 4.4 standard deviations
    assert [v.data for v in Dropout(0.25, seed=7)(xs)] == [v.data for v in out]  # the seed decides
    y = drop(Value(2.0))
    assert isinstance(y, Value) and y.data in (0.0, 2.0 / 0.75)


def test_dropout_gradient_is_the_mask_over_one_minus_p():
    xs = [Value(0.5) for _ in range(20)]
    out = Dropout(0.5, seed=1)(xs)
    total = out[0]
    for v in out[1:]:
        total = total + v
    total.backward()
    assert [x.grad for x in xs] == [2.0 if v.data else 0.0 for v in out]


def test_dropout_in_eval_mode_and_with_p_zero_is_the_identity():
    xs = [Value(1.0), Value(-2.0)]
    drop = Dropout(0.9, seed=0)
    drop.eval()
    assert drop(xs) is xs
    assert Dropout(0.0)(xs) is xs
    model = WithDropout()
    model.eval()
    assert model([0.3, -0.2]).data == model([0.3, -0.2]).data  # no drops: the same every call
    model.train()
    assert len({model([0.3, -0.2]).data for _ in range(20)}) > 1


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, True, "0.5", float("nan")])
def test_dropout_p_must_be_in_zero_to_one(p):
    with pytest.raises(ValueError, match=r"Dropout p must be a number in \[0, 1\)"):
        Dropout(p)


def test_no_grad_and_enable_grad_are_decorators_too():
    @no_grad()
    def evaluate(x):
        return (x * 2.0, is_grad_enabled())

    @no_grad
    def bare(x):
        return x * 3.0

    @enable_grad()
    def recording():
        return is_grad_enabled()

    x = Value(1.5)
    out, enabled = evaluate(x)
    assert out.data == 3.0 and not enabled and is_grad_enabled()
    assert out.op == ""  # a leaf: no graph was recorded
    assert bare(x).data == 4.5 and bare.__name__ == "bare"
    with no_grad():
        assert recording() and not is_grad_enabled()
    with pytest.raises(TypeError, match="decorates a function"):
        no_grad()(3)


def test_a_parameter_attribute_with_a_dot_in_its_name_is_refused():
    model = Module()
    model.a = Neuron(1, seed=0)
    setattr(model, "a.w.0", Value(1.0))  # would collide with a.w.0, the neuron's weight
    with pytest.raises(ValueError, match=r"'a.w.0'.*dot in its name"):
        model.state_dict()
    with pytest.raises(ValueError, match="dot in its name"):
        model.named_parameters()
