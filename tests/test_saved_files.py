"""Saved files that know their model: the format, load comparing the file's model with the model,
nn.load_model, files in the older format, and errors that name the user's path."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron, load_model

REPO = Path(__file__).resolve().parents[1]


class Net(Module):
    def __init__(self, activation="tanh", hidden=3):
        self.hidden = Layer(2, hidden, activation=activation, seed=0)
        self.out = Neuron(hidden, activation="linear", seed=1)
        self.gain = Value(1.5)

    def forward(self, x):
        return self.out(self.hidden(x)) * self.gain


def saved(tmp_path, model, name="model.json"):
    path = tmp_path / name
    model.save(path)
    return path


# --- the format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, description",
    [
        (MLP(3, [4, 1], activation="tanh", bias=False), {"class": "MLP", "nin": 3, "nouts": [4, 1], "activation": "tanh", "bias": False}),
        (Layer(2, 3, activation="sigmoid"), {"class": "Layer", "nin": 2, "nout": 3, "activation": "sigmoid", "bias": True}),
        (Neuron(4, activation="linear"), {"class": "Neuron", "nin": 4, "activation": "linear", "bias": True}),
    ],
    ids=["MLP", "Layer", "Neuron"],
)
def test_a_built_in_model_is_saved_with_its_class_and_arguments(tmp_path, model, description):
    content = json.loads(saved(tmp_path, model).read_text(encoding="utf-8"))
    assert content == {"format": "chaingrad-model", "version": 1, "model": description, "state_dict": model.state_dict()}


def test_a_model_of_your_own_is_saved_with_its_class_modules_and_parameter_names(tmp_path):
    content = json.loads(saved(tmp_path, Net()).read_text(encoding="utf-8"))
    assert content["model"] == {
        "class": "Net",
        "modules": {
            "hidden": {"class": "Layer", "nin": 2, "nout": 3, "activation": "tanh", "bias": True},
            "out": {"class": "Neuron", "nin": 3, "activation": "linear", "bias": True},
        },
        "parameters": ["gain"],  # the ones not inside a built-in module
    }
    assert content["state_dict"] == Net().state_dict()


# --- load compares the file's model with the model ----------------------------------------------


def test_a_tanh_model_does_not_load_into_a_relu_model_of_the_same_shape(tmp_path):
    path = saved(tmp_path, MLP(2, [3, 1], activation="tanh", seed=0), "tanh.json")
    model = MLP(2, [3, 1], activation="relu", seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError) as excinfo:
        model.load(path)
    message = str(excinfo.value)
    assert "tanh.json" in message
    assert "MLP(nin=2, nouts=[3, 1], activation='tanh', bias=True)" in message  # what the file holds
    assert "MLP(nin=2, nouts=[3, 1], activation='relu', bias=True)" in message  # what the model is
    assert model.state_dict() == before


@pytest.mark.parametrize(
    "model",
    [MLP(2, [4, 1], seed=0), MLP(2, [3, 1], bias=False, seed=0), Layer(2, 3, seed=0), Net()],
    ids=["other-sizes", "no-bias", "other-class", "own-class"],
)
def test_a_file_of_another_model_names_both_and_changes_nothing(tmp_path, model):
    path = saved(tmp_path, MLP(2, [3, 1], seed=5))
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"model\.json holds MLP\(nin=2, nouts=\[3, 1\].*but the model is"):
        model.load(path)
    assert model.state_dict() == before


def test_a_model_of_your_own_loads_its_own_file(tmp_path):
    source = Net()
    source.gain.data = 3.0
    path = saved(tmp_path, source)
    target = Net()
    target.load(path)
    assert target.state_dict() == source.state_dict()


def test_a_model_of_your_own_names_the_submodule_that_differs(tmp_path):
    path = saved(tmp_path, Net(activation="tanh"))
    with pytest.raises(ValueError, match=r"holds a Net whose hidden is Layer\(.*'tanh'.*but the model's hidden is Layer\(.*'relu'"):
        Net(activation="relu").load(path)


def test_a_model_of_your_own_names_parameters_that_differ(tmp_path):
    class Other(Net):
        pass

    path = saved(tmp_path, Net())
    wider = Net()
    wider.extra = Value(0.0)
    with pytest.raises(ValueError, match=r"no parameters 'extra', which the model has"):
        wider.load(path)
    with pytest.raises(ValueError, match=r"holds a Net, but the model is a Other"):
        Other().load(path)


def test_a_file_in_the_older_format_still_loads(tmp_path):
    source = MLP(3, [4, 1], seed=0)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(source.state_dict()), encoding="utf-8")  # a plain name -> number object
    target = MLP(3, [4, 1], seed=1)
    target.load(path)
    assert target.state_dict() == source.state_dict()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"format": "something-else"}, "format is 'something-else'"),
        ({"version": 2}, "format version 2, newer than this chaingrad reads"),
        ({"version": "1"}, "version is '1'"),
        ({"model": [1]}, '"model" is not an object'),
        ({"state_dict": None}, '"state_dict" is not an object'),
    ],
)
def test_a_file_that_is_not_a_saved_model_is_refused_naming_it(tmp_path, change, message):
    path = saved(tmp_path, MLP(2, [3, 1], seed=0), "odd.json")
    content = json.loads(path.read_text())
    path.write_text(json.dumps({**content, **change}))
    model = MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    for load in (model.load, load_model):
        with pytest.raises(ValueError, match="odd.json") as excinfo:
            load(path)
        assert message in str(excinfo.value)
    assert model.state_dict() == before


# --- load_model ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [MLP(3, [4, 2], activation="tanh", bias=False, seed=3), Layer(2, 3, activation="sigmoid", seed=3), Neuron(2, seed=3)],
    ids=["MLP", "Layer", "Neuron"],
)
def test_load_model_rebuilds_a_built_in_model_from_its_file_alone(tmp_path, model):
    loaded = load_model(saved(tmp_path, model))
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    x = [0.5, -1.0, 2.0][: len(model.parameters()) and (3 if isinstance(model, MLP) else 2)]
    out, expected = loaded(x), model(x)
    assert [v.data for v in (out if isinstance(out, list) else [out])] == [v.data for v in (expected if isinstance(expected, list) else [expected])]


def test_load_model_of_a_model_of_your_own_says_to_build_it_and_load(tmp_path):
    with pytest.raises(ValueError, match=r"holds a Net.*build the model \(Net\(\.\.\.\)\) and call \.load\(path\)"):
        load_model(saved(tmp_path, Net()))


def test_load_model_of_a_file_in_the_older_format_says_to_build_it_and_load(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(MLP(3, [4, 1]).state_dict()))
    with pytest.raises(ValueError, match=r"old\.json is a plain state dict.*call \.load\(path\)"):
        load_model(path)


@pytest.mark.parametrize(
    "description",
    [
        {"class": "MLP", "nin": "3", "nouts": [4, 1], "activation": "relu", "bias": True},
        {"class": "MLP", "nin": 3, "nouts": [4, 1], "activation": "swishy", "bias": True},
        {"class": "Neuron", "nin": 3, "activation": "relu", "bias": True, "colour": "red"},
        {"class": "Neuron", "nin": 3, "activation": "relu", "bias": "yes"},
    ],
    ids=["nin-a-string", "unknown-activation", "unknown-argument", "bias-a-string"],
)
def test_load_model_of_a_description_that_cannot_be_built_names_the_file(tmp_path, description):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"format": "chaingrad-model", "version": 1, "model": description, "state_dict": {}}))
    with pytest.raises(ValueError, match=r"broken\.json describes a (MLP|Neuron) that cannot be built"):
        load_model(path)


def test_load_model_checks_the_numbers_too(tmp_path):
    path = saved(tmp_path, Neuron(2, seed=0), "numbers.json")
    content = json.loads(path.read_text())
    del content["state_dict"]["w.1"]
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=r"numbers\.json does not fit .*missing key\(s\): w\.1"):
        load_model(path)


# --- errors name the user's path ----------------------------------------------------------------

AS_ANOTHER_USER = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {repo!r})
    from autograd import Value, render_svg
    from nn import MLP

    folder = {folder!r}
    path = os.path.join(folder, "model.json")
    with open(path, "w") as f:
        f.write("old")
    os.chmod(path, 0o444)
    for write in (lambda: MLP(2, [1], seed=0).save(path), lambda: render_svg(Value(1.0), path)):
        try:
            write()
        except PermissionError as e:
            assert str(e).endswith(repr(path)), str(e)  # the user's path, not a temporary file
            assert ".tmp" not in str(e), str(e)
        else:
            raise AssertionError("no PermissionError")
        assert open(path).read() == "old"
        assert os.listdir(folder) == ["model.json"], os.listdir(folder)

    os.chmod(folder, 0o555)  # a folder that may not be written: the temporary file cannot be made
    try:
        MLP(2, [1], seed=0).save(os.path.join(folder, "new.json"))
    except PermissionError as e:
        assert str(e).endswith(repr(os.path.join(folder, "new.json"))), str(e)
    else:
        raise AssertionError("no PermissionError")
    print("ok")
    """
)


def test_saving_over_a_read_only_file_is_a_permission_error_naming_it_and_keeps_it():
    # Root may write any file, as open(path, "w") shows; so as root the check runs as another user.
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o777)
        code = AS_ANOTHER_USER.format(repo=str(REPO), folder=folder)
        user = {"user": 65534, "group": 65534} if os.geteuid() == 0 else {}
        try:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, **user)
        except PermissionError:
            pytest.skip("this Python cannot be run by another user (it is in a private folder)")
        finally:
            os.chmod(folder, 0o777)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_saving_over_a_read_only_file_behaves_as_open_for_writing_would(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(0o444)
    try:
        with open(path, "a"):
            may_write = True
    except PermissionError:
        may_write = False
    if may_write:  # as root: the file is replaced, and keeps its mode
        MLP(2, [1], seed=0).save(path)
        assert json.loads(path.read_text())["state_dict"] == MLP(2, [1], seed=0).state_dict()
        assert path.stat().st_mode & 0o777 == 0o444
    else:
        with pytest.raises(PermissionError, match="model.json"):
            MLP(2, [1], seed=0).save(path)
        assert path.read_text() == "old"


def test_a_file_that_may_not_be_written_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    # The same check as above, in this process: os.access says the file may not be written.
    path = tmp_path / "model.json"
    path.write_text("old")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode == os.W_OK else real_access(p, mode, **kw))
    with pytest.raises(PermissionError) as excinfo:
        MLP(2, [1], seed=0).save(path)
    assert excinfo.value.filename == str(path)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["model.json"]


@pytest.mark.parametrize("failing", ["open", "replace"])
def test_an_error_while_writing_names_the_users_path_not_the_temporary_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.json"
    real = getattr(os, failing)

    def fail(target, *args, **kwargs):
        if ".tmp" in str(target):
            raise PermissionError(13, "Permission denied", str(target))
        return real(target, *args, **kwargs)

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(PermissionError) as excinfo:
        MLP(2, [1], seed=0).save(path)
    assert excinfo.value.filename == str(path) and ".tmp" not in str(excinfo.value)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


# --- files made to attack the loader: each a ValueError naming the file, the model unchanged ------


def write(tmp_path, content, name="attack.json"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_a_small_file_asking_for_a_huge_model_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    description = {"class": "MLP", "nin": 1000, "nouts": [100000, 1], "activation": "relu", "bias": True}
    path = write(tmp_path, {"format": "chaingrad-model", "version": 1, "model": description, "state_dict": {"layers.0.neurons.0.w.0": 0.5}})
    assert path.stat().st_size < 1200
    built = []
    monkeypatch.setattr(Value, "__init__", lambda self, *a, **k: built.append(1))  # any Value built would show
    with pytest.raises(ValueError, match=r"attack\.json describes a MLP\(.*\) of 100200001 parameters, more than one file may hold"):
        load_model(path)
    assert built == []


def test_a_file_asking_for_far_more_parameters_than_it_holds_is_refused_before_building(tmp_path):
    description = {"class": "MLP", "nin": 100, "nouts": [100, 1], "activation": "relu", "bias": True}
    path = write(tmp_path, {"format": "chaingrad-model", "version": 1, "model": description, "state_dict": {"layers.0.neurons.0.w.0": 0.5}})
    with pytest.raises(ValueError, match=r"attack\.json describes a MLP\(.*\) of 10201 parameters, but its state_dict holds 1"):
        load_model(path)


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path, monkeypatch):
    import nn.saving

    path = saved(tmp_path, MLP(2, [3, 1], seed=0), "big.json")
    monkeypatch.setattr(nn.saving, "MODEL_LIMIT", 100)
    with pytest.raises(ValueError, match=r"big\.json is not a saved model: \d+ bytes, more than 100"):
        load_model(path)


@pytest.mark.parametrize("where", ["class", "modules"])
def test_a_list_or_object_where_a_class_name_belongs_is_a_value_error(tmp_path, where):
    content = json.loads(saved(tmp_path, Net()).read_text())
    if where == "class":
        content["model"]["class"] = ["Net"]
    else:
        content["model"]["modules"]["hidden"]["class"] = {"Layer": 1}
    path = write(tmp_path, content)
    model = Net()
    before = model.state_dict()
    for load in (model.load, load_model):
        with pytest.raises(ValueError, match=r"attack\.json"):
            load(path)
    assert model.state_dict() == before


def test_a_folder_a_pipe_and_dev_zero_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    model = MLP(2, [3, 1], seed=0)
    for path in (tmp_path, fifo, Path("/dev/zero")):
        for load in (model.load, load_model):
            with pytest.raises(ValueError, match=rf"{path.name}.* not a regular file"):
                load(path)


def test_a_key_given_twice_is_refused(tmp_path):
    text = saved(tmp_path, Neuron(2, seed=0)).read_text()
    path = write(tmp_path, text.replace('"w.0":', '"w.1": 0.25, "w.0":', 1))
    with pytest.raises(ValueError, match=r"attack\.json is not a saved model: .*a key appears twice: 'w.1'"):
        load_model(path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + saved(tmp_path, model).read_bytes())
    assert load_model(path).state_dict() == model.state_dict()
    twin = MLP(2, [3, 1], seed=1)
    twin.load(path)
    assert twin.state_dict() == model.state_dict()


@pytest.mark.parametrize(
    "key, value, message",
    [("bias", 1, "bias must be a bool, got 1"), ("nin", True, "nin must be a int, got True"), ("nouts", [3, 0], r"its sizes must be whole numbers >= 1"), ("nouts", [3.0, 1], "its sizes must be")],
)
def test_a_setting_of_the_wrong_type_is_refused(tmp_path, key, value, message):
    content = json.loads(saved(tmp_path, MLP(2, [3, 1], seed=0)).read_text())
    content["model"][key] = value
    with pytest.raises(ValueError, match=rf"attack\.json describes a MLP that cannot be built: {message}"):
        load_model(write(tmp_path, content))


def test_a_nested_bias_of_1_does_not_pass_for_true(tmp_path):
    content = json.loads(saved(tmp_path, Net()).read_text())
    content["model"]["modules"]["hidden"]["bias"] = 1
    model = Net()
    with pytest.raises(ValueError, match=r"attack\.json holds a Net whose hidden is Layer\(.*bias=1\)"):
        model.load(write(tmp_path, content))
