"""Checkpoints: a model and its optimizer in one file, from which training resumes to the same
numbers bit for bit; a file that does not fit is refused before anything changes."""

import json

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, AdamW, load_checkpoint, mse_loss, save_checkpoint

INPUTS = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.5]]
TARGETS = [1.0, -1.0, 0.5, 0.0]


def train(model, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        mse_loss([model(x) for x in INPUTS], TARGETS).backward()
        optimizer.step()
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda ps: Adam(ps, lr=0.05, amsgrad=True), lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
     lambda ps: AdamW(ps, lr=0.05)],
)
def test_training_resumed_from_a_checkpoint_gives_the_same_numbers_bit_for_bit(tmp_path, make_optimizer):
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    optimizer = make_optimizer(model.parameters())
    train(model, optimizer, 10)
    save_checkpoint(tmp_path / "run.json", model, optimizer)
    straight_on = train(model, optimizer, 10)

    resumed = MLP(2, [4, 1], activation="tanh", seed=99)  # other numbers: the checkpoint's replace them
    resumed_optimizer = make_optimizer(resumed.parameters())
    load_checkpoint(tmp_path / "run.json", resumed, resumed_optimizer)
    assert train(resumed, resumed_optimizer, 10) == straight_on


def test_a_checkpoint_is_json_naming_the_optimizers_parameters(tmp_path):
    model = MLP(1, [1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.5)
    save_checkpoint(tmp_path / "c.json", model, optimizer)
    saved = json.loads((tmp_path / "c.json").read_text())
    assert saved["format"] == "chaingrad-checkpoint" and saved["optimizer"]["class"] == "SGD"
    assert saved["optimizer"]["parameters"] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.b"]
    assert saved["state_dict"] == model.state_dict()


def test_an_optimizer_over_other_parameters_is_not_saved(tmp_path):
    model = MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match="not one of the model's"):
        save_checkpoint(tmp_path / "c.json", model, SGD([Value(1.0)], lr=0.1))
    assert not (tmp_path / "c.json").exists()


def checkpoint(tmp_path):
    model = MLP(2, [3, 1], seed=1)
    optimizer = Adam(model.parameters(), lr=0.05)
    train(model, optimizer, 2)
    path = tmp_path / "run.json"
    save_checkpoint(path, model, optimizer)
    return path


def edited(path, change):
    saved = json.loads(path.read_text())
    change(saved)
    path.write_text(json.dumps(saved))
    return path


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda s: s["optimizer"].update({"class": "SGD"}), "'SGD' optimizer"),
        (lambda s: s["optimizer"]["parameters"].reverse(), "other parameters"),
        (lambda s: s["optimizer"]["state_dict"]["param_groups"][0].update(lr="fast"), "lr"),
        (lambda s: s["optimizer"]["state_dict"]["state"]["0"].update(m=None, v=[1]), "'v'"),
        (lambda s: s["optimizer"]["state_dict"]["state"].update({"x": {}}), "parameter number"),
        (lambda s: s["state_dict"].update({"layers.0.neurons.0.w.0": "one"}), "does not fit"),
        (lambda s: s["model"].update(nouts=[4, 1]), "holds"),
        (lambda s: s.update(format="chaingrad-model"), "not a checkpoint"),
        (lambda s: s.update(version=2), "newer"),
        (lambda s: s.pop("optimizer"), "no 'optimizer'"),
    ],
)
def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path, change, error):
    path = edited(checkpoint(tmp_path), change)
    model = MLP(2, [3, 1], seed=5)
    optimizer = Adam(model.parameters(), lr=0.01)
    before = (model.state_dict(), optimizer.state_dict())
    with pytest.raises(ValueError, match=error):
        load_checkpoint(path, model, optimizer)
    assert (model.state_dict(), optimizer.state_dict()) == before


@pytest.mark.parametrize("what", ["folder", "empty", "duplicate key", "not utf-8", "missing"])
def test_a_file_that_is_not_a_checkpoint_is_refused_naming_it(tmp_path, what):
    path = tmp_path / "c.json"
    if what == "folder":
        path.mkdir()
    elif what == "empty":
        path.write_text("")
    elif what == "duplicate key":
        path.write_text('{"format": "chaingrad-checkpoint", "format": "chaingrad-checkpoint"}')
    elif what == "not utf-8":
        path.write_bytes(b"\xff\xfe{}")
    model = MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match="c.json"):
        load_checkpoint(path, model, SGD(model.parameters(), lr=0.1))


def test_a_checkpoint_with_a_byte_order_mark_loads(tmp_path):
    path = checkpoint(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    model = MLP(2, [3, 1], seed=5)
    load_checkpoint(path, model, Adam(model.parameters()))
    assert model.state_dict() == json.loads(path.read_text(encoding="utf-8-sig"))["state_dict"]


def test_a_checkpoint_may_hold_the_learning_rate_schedule_too(tmp_path):
    from nn.lr_scheduler import CosineAnnealingLR, StepLR

    def run(model, optimizer, scheduler, steps):
        for _ in range(steps):
            train(model, optimizer, 1)
            scheduler.step()
        return [p.data for p in model.parameters()], scheduler.get_last_lr()

    model = MLP(2, [3, 1], seed=2)
    optimizer = SGD(model.parameters(), lr=0.2, momentum=0.5)
    scheduler = CosineAnnealingLR(optimizer, T_max=8, eta_min=0.01)
    run(model, optimizer, scheduler, 5)
    save_checkpoint(tmp_path / "run.json", model, optimizer, scheduler)
    straight_on = run(model, optimizer, scheduler, 5)

    model2 = MLP(2, [3, 1], seed=7)
    optimizer2 = SGD(model2.parameters(), lr=0.2, momentum=0.5)
    scheduler2 = CosineAnnealingLR(optimizer2, T_max=8, eta_min=0.01)
    load_checkpoint(tmp_path / "run.json", model2, optimizer2, scheduler2)
    assert run(model2, optimizer2, scheduler2, 5) == straight_on

    other = StepLR(optimizer2, step_size=2)
    before = (model2.state_dict(), optimizer2.state_dict(), other.state_dict())
    with pytest.raises(ValueError, match="no StepLR"):
        load_checkpoint(tmp_path / "run.json", model2, optimizer2, other)
    assert (model2.state_dict(), optimizer2.state_dict(), other.state_dict()) == before
