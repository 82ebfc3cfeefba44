"""Saved files: a model written as one JSON object that says which model it holds.

    {
      "format": "chaingrad-model",
      "version": 1,
      "model": {"class": "MLP", "nin": 3, "nouts": [4, 1], "activation": "relu", "bias": false},
      "state_dict": {"layers.0.neurons.0.w.0": 0.6884, ...}
    }

``model`` describes the model. A built-in module (MLP, Layer, Neuron) is its class and the
arguments that build it. Any other Module is its class name, ``modules``: each submodule found in
its attributes under its name (a built-in one with its arguments, another by its class name), and
``parameters``: the names of the parameters that are not inside a built-in submodule.
``state_dict`` is `Module.state_dict`. `load` compares the description with the model before it
changes anything; `load_model` builds a built-in model from the file alone. Files in the first
format, a plain JSON object of name -> number, still load (they have no description to compare).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from autograd import Value
from autograd.files import write_atomically

from .module import MLP, Layer, Module, Neuron, _check_activation, _check_finite

FORMAT = "chaingrad-model"
VERSION = 1
BUILT_INS = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


def describe(model: Module) -> dict:
    """The ``model`` entry of a saved file: what model this is, as plain JSON types."""
    if type(model) in BUILT_INS.values():
        return {"class": type(model).__name__, **model._settings()}
    modules, parameters = {}, []
    inside = None  # the name (and a dot) of the built-in module whose parts are being passed
    for name, item in model._members(named=True):  # depth first: a module's parts come right after it
        if inside is not None and name.startswith(inside):
            continue
        inside = None
        if isinstance(item, Value):
            parameters.append(name)
        elif type(item) in BUILT_INS.values():
            modules[name] = describe(item)
            inside = name + "."
        else:
            modules[name] = {"class": type(item).__name__}
    return {"class": type(model).__name__, "modules": modules, "parameters": parameters}


def save(model: Module, path: str | os.PathLike) -> Path:
    """Write ``model`` to ``path`` in the format above, atomically (see `write_atomically`)."""
    state = model.state_dict()
    for name, number in state.items():
        _check_finite(name, number)  # JSON has no NaN or infinity, and load would refuse them
    saved = {"format": FORMAT, "version": VERSION, "model": describe(model), "state_dict": state}
    return write_atomically(Path(path), json.dumps(saved, indent=2, allow_nan=False) + "\n")


def load(model: Module, path: str | os.PathLike) -> None:
    """Set ``model``'s parameters from the file at ``path``, after checking that the file holds
    this kind of model; ValueError naming the file, and the model unchanged, if it does not."""
    description, state = _read(path)
    if description is not None:
        mine = describe(model)
        if not _same(description, mine):
            raise ValueError(f"{path} {_difference(description, mine)}; the model is unchanged")
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"{path} does not fit {model!r}: {e}") from None


def load_model(path: str | os.PathLike) -> Module:
    """The built-in model (MLP, Layer or Neuron) saved at ``path``, built from the file alone and
    holding its numbers. For a model class of your own: build the model, then call ``.load(path)``."""
    description, state = _read(path)
    if description is None:
        raise ValueError(
            f"{path} is a plain state dict (the older format), which does not say which model it holds: "
            f"build the model and call .load(path)"
        )
    name = description["class"]
    if name not in BUILT_INS or "modules" in description:
        raise ValueError(
            f"{path} holds a {name}, not a built-in model (MLP, Layer, Neuron): "
            f"build the model ({name}(...)) and call .load(path)"
        )
    settings = {key: value for key, value in description.items() if key != "class"}
    count = _parameter_count(path, name, settings)  # before anything is built: a small file can ask for a lot
    if count > MAX_PARAMETERS:
        raise ValueError(f"{path} describes a {_as_text(description)} of {count} parameters, more than one file may hold ({MAX_PARAMETERS})")
    if count > len(state) + 1000:  # a few missing are named by load_state_dict below; this many are not built
        raise ValueError(f"{path} describes a {_as_text(description)} of {count} parameters, but its state_dict holds {len(state)}")
    try:
        model = BUILT_INS[name](**settings)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path} describes a {name} that cannot be built: {e}") from None
    if describe(model) != description:  # e.g. an argument of the wrong type, or one too many
        raise ValueError(f"{path} describes a {name} that cannot be built: {_as_text(description)}")
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"{path} does not fit {model!r}: {e}") from None
    return model


MODEL_LIMIT = 256 * 2**20  # bytes: a saved model larger than this (some 7 million parameters) is refused
MAX_PARAMETERS = 10**7  # what one file may ask load_model to build
SETTINGS = {  # what each built-in module's description holds, and of what type
    "Neuron": {"nin": int, "activation": str, "bias": bool},
    "Layer": {"nin": int, "nout": int, "activation": str, "bias": bool},
    "MLP": {"nin": int, "nouts": list, "activation": str, "bias": bool},
}


def _parameter_count(path, name: str, settings: dict) -> int:
    """How many parameters the built-in module a file describes has, from its settings, each of them
    checked for its type first ("bias": 1 is not a boolean): ValueError naming the file otherwise."""
    expected = SETTINGS[name]
    if set(settings) != set(expected):
        wrong = sorted(set(settings) ^ set(expected))
        raise ValueError(f"{path} describes a {name} that cannot be built: its settings should be {', '.join(expected)}; check {', '.join(map(repr, wrong))}"[:300])
    for key, kind in expected.items():
        value = settings[key]
        if type(value) is not kind:  # exactly: True is not an int here, and 1 is not a boolean
            raise ValueError(f"{path} describes a {name} that cannot be built: {key} must be a {kind.__name__}, got {value!r}"[:300])
    try:
        _check_activation(settings["activation"])
    except ValueError as e:
        raise ValueError(f"{path} describes a {name} that cannot be built: {e}"[:300]) from None
    sizes = [settings["nin"], *(settings["nouts"] if name == "MLP" else [settings.get("nout", 1)])]
    if not all(type(n) is int and n >= 1 for n in sizes):
        raise ValueError(f"{path} describes a {name} that cannot be built: its sizes must be whole numbers >= 1, got {sizes!r}"[:300])
    bias = 1 if settings["bias"] else 0
    return sum(n_out * (n_in + bias) for n_in, n_out in zip(sizes, sizes[1:]))


def _read_json(path: str | os.PathLike, what: str, limit: int):
    """The JSON value in the file at ``path``: a regular file (not a folder, a device such as
    /dev/zero or a pipe, which are refused without reading), at most ``limit`` bytes, UTF-8 (a
    byte-order mark is allowed), with no key given twice in an object. ValueError naming the file
    and saying it is not ``what`` otherwise."""
    # opened without waiting (a pipe with no writer would block), then looked at, then read; a
    # missing file is FileNotFoundError, as open's
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is not {what}: not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{path} is not {what}: {info.st_size} bytes, more than {limit}")
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path} is not {what}: more than {limit} bytes")

    def no_repeats(pairs: list) -> dict:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError(f"a key appears twice: {next(k for k in keys if keys.count(k) > 1)!r}"[:200])
        return dict(pairs)

    try:
        return json.loads(data.decode("utf-8-sig"), object_pairs_hook=no_repeats)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not {what}: not UTF-8 text") from None
    except RecursionError:
        raise ValueError(f"{path} is not {what}: JSON nested too deeply") from None
    except ValueError as e:  # bad JSON, a key twice, or a number too long to read
        raise ValueError(f"{path} is not {what}: not valid JSON ({e})") from None


def _read(path: str | os.PathLike) -> tuple[dict | None, dict]:
    """(description, state dict) from a saved file; the description is None for a file in the
    first format. ValueError naming the file if it is not one of the two."""
    saved = _read_json(path, "a saved model", MODEL_LIMIT)
    if not isinstance(saved, dict):
        raise ValueError(f"{path} is not a saved model: it holds a JSON {type(saved).__name__}, not an object")
    if not isinstance(saved.get("format"), str):
        return None, saved  # the first format: the state dict alone
    if saved["format"] != FORMAT:
        raise ValueError(f"{path} is not a saved model: its format is {saved['format']!r}, not {FORMAT!r}")
    version = saved.get("version")
    if type(version) is not int or version < 1:
        raise ValueError(f"{path} is not a saved model: its version is {version!r}")
    if version > VERSION:
        raise ValueError(f"{path} is in format version {version}, newer than this chaingrad reads ({VERSION})")
    description, state = saved.get("model"), saved.get("state_dict")
    if not isinstance(description, dict) or not isinstance(description.get("class"), str):
        raise ValueError(f"{path} is not a saved model: its \"model\" is not an object with a \"class\"")
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not a saved model: its \"state_dict\" is not an object")
    return description, state


def _same(saved: dict, mine: dict) -> bool:
    """Whether a file's description is this model's; the order of the parameter names does not
    matter (the state dict is by name)."""
    if _exactly(saved, mine):
        return True
    names = saved.get("parameters")
    if "parameters" not in mine or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return False
    return _exactly({**saved, "parameters": None}, {**mine, "parameters": None}) and sorted(names) == sorted(mine["parameters"])


def _exactly(a: object, b: object) -> bool:
    """Equal as JSON: unlike ==, 1 is not true and 1.0 is not 1 ("bias": 1 is not "bias": true)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _as_text(description: object) -> str:
    """A description in words: ``MLP(nin=3, nouts=[4, 1], activation='relu', bias=True)`` for a
    built-in module, ``a Net`` for another."""
    if not isinstance(description, dict):
        return "nothing"
    name = description.get("class")
    if not isinstance(name, str):  # a list or an object where a class name belongs
        return f"a module whose class is {name!r}"[:200]
    if name in BUILT_INS and "modules" not in description:
        settings = ", ".join(f"{key}={value!r}" for key, value in description.items() if key != "class")
        return f"{name}({settings})"
    return f"a {name}"


def _difference(saved: dict, mine: dict) -> str:
    """What the file holds and what the model is, where they differ, in words."""
    if saved.get("class") != mine["class"] or "modules" not in mine or "modules" not in saved:
        return f"holds {_as_text(saved)}, but the model is {_as_text(mine)}"
    theirs, ours = saved.get("modules"), mine["modules"]
    theirs = theirs if isinstance(theirs, dict) else {}
    for name in [*ours, *(name for name in theirs if name not in ours)]:
        if not _exactly(theirs.get(name), ours.get(name)):
            return (
                f"holds a {mine['class']} whose {name} is {_as_text(theirs.get(name))}, "
                f"but the model's {name} is {_as_text(ours.get(name))}"
            )
    names = saved.get("parameters")
    names = names if isinstance(names, list) else []
    extra = [repr(name) for name in names if name not in mine["parameters"]]
    missing = [repr(name) for name in mine["parameters"] if name not in names]
    details = [f"parameters the model lacks: {', '.join(extra)}"] if extra else []
    details += [f"no parameters {', '.join(missing)}, which the model has"] if missing else []
    return f"holds a {mine['class']} with {'; and '.join(details) or 'other parameters'}"


# --- Checkpoints: a model and its optimizer, to resume training -----------------------------------

CHECKPOINT_FORMAT = "chaingrad-checkpoint"
CHECKPOINT_VERSION = 1
CHECKPOINT_LIMIT = 256 * 2**20  # bytes: a checkpoint file larger than this is refused before reading


def save_checkpoint(path: str | os.PathLike, model: Module, optimizer, scheduler=None) -> Path:
    """Write ``model`` and ``optimizer`` (its settings and state: momentum buffers, Adam's m, v and
    step count), and the learning-rate ``scheduler`` if one is given, to one file, atomically;
    `load_checkpoint` resumes training from it to the same numbers, bit for bit. Every parameter of
    the optimizer must be one of the model's.

        {"format": "chaingrad-checkpoint", "version": 1, "model": {...}, "state_dict": {...},
         "optimizer": {"class": "Adam", "parameters": ["layers.0.neurons.0.w.0", ...],
                       "state_dict": {"state": {"0": {...}}, "param_groups": [...], "group_state": [...]}},
         "scheduler": {"class": "StepLR", "state_dict": {...}}}          (only with a scheduler)

    ``parameters`` names the optimizer's parameters in its order (what the state's numbers 0, 1, ...
    refer to)."""
    names = {p: name for name, p in model.named_parameters()}
    strangers = [i for i, p in enumerate(optimizer.params) if p not in names]
    if strangers:
        raise ValueError(f"the optimizer's parameter {strangers[0]} is not one of the model's parameters")
    state = model.state_dict()
    for name, number in state.items():
        _check_finite(name, number)
    saved = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "model": describe(model),
        "state_dict": state,
        "optimizer": {
            "class": type(optimizer).__name__,
            "parameters": [names[p] for p in optimizer.params],
            "state_dict": optimizer.state_dict(),
        },
    }
    if scheduler is not None:
        if getattr(scheduler, "optimizer", None) is not optimizer:
            raise ValueError("the scheduler does not schedule this optimizer")
        saved["scheduler"] = {"class": type(scheduler).__name__, "state_dict": scheduler.state_dict()}
    try:
        text = json.dumps(saved, indent=1, allow_nan=False) + "\n"
    except ValueError:
        raise ValueError("the optimizer's or the scheduler's state holds a number that is not finite: nothing is saved") from None
    except TypeError as e:
        raise ValueError(f"the scheduler's state is not plain data ({e}): nothing is saved") from None
    return write_atomically(Path(path), text)


def load_checkpoint(path: str | os.PathLike, model: Module, optimizer, scheduler=None) -> None:
    """Set ``model`` and ``optimizer`` (and ``scheduler``, if given: the file must hold one of its
    kind) from a file `save_checkpoint` wrote, after checking that it holds this kind of model and
    this kind of optimizer over the same parameters: ValueError naming the file, and nothing
    changed, if it does not."""
    saved = _read_checkpoint(path)
    description, state, held = saved["model"], saved["state_dict"], saved["optimizer"]
    mine = describe(model)
    if not isinstance(description, dict) or not _same(description, mine):
        raise ValueError(f"{path} {_difference(description if isinstance(description, dict) else {}, mine)}; nothing is changed")
    if not isinstance(held, dict) or held.get("class") != type(optimizer).__name__:
        kind = held.get("class") if isinstance(held, dict) else None
        raise ValueError(f"{path} holds the state of a {kind!r} optimizer, not of a {type(optimizer).__name__}; nothing is changed")
    names = {p: name for name, p in model.named_parameters()}
    ours = [names.get(p) for p in optimizer.params]
    if held.get("parameters") != ours:
        raise ValueError(f"{path} holds an optimizer over other parameters than this one's (by name, in order); nothing is changed")
    optimizer_state = held.get("state_dict")
    if isinstance(optimizer_state, dict) and isinstance(optimizer_state.get("state"), dict):
        try:  # JSON keys are strings: the parameters' numbers again
            optimizer_state = {**optimizer_state, "state": {int(k): v for k, v in optimizer_state["state"].items()}}
        except ValueError:
            raise ValueError(f"{path}: the optimizer's state is not by parameter number; nothing is changed") from None
    try:
        optimizer._checked_state_dict(optimizer_state)  # checked before anything changes
    except ValueError as e:
        raise ValueError(f"{path} does not fit the optimizer: {e}; nothing is changed") from None
    if scheduler is not None:
        held_scheduler = saved.get("scheduler")
        if not isinstance(held_scheduler, dict) or held_scheduler.get("class") != type(scheduler).__name__:
            kind = held_scheduler.get("class") if isinstance(held_scheduler, dict) else None
            raise ValueError(f"{path} holds no {type(scheduler).__name__} scheduler (it holds {kind!r}); nothing is changed")
        scheduler_state = held_scheduler.get("state_dict")
        unknown = set(scheduler_state) - set(scheduler.state_dict()) if isinstance(scheduler_state, dict) else None
        if unknown is None or unknown or type(scheduler_state.get("last_epoch")) is not int:
            raise ValueError(f"{path} holds a scheduler state that does not fit the {type(scheduler).__name__}; nothing is changed")
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path} does not fit {model!r}: {e}; nothing is changed") from None
    optimizer.load_state_dict(optimizer_state)
    if scheduler is not None:
        scheduler.load_state_dict(scheduler_state)


def _read_checkpoint(path: str | os.PathLike) -> dict:
    """The JSON object of a checkpoint file, its format checked; ValueError naming the file if it is
    not one (a folder, a device or pipe, too large, not UTF-8 JSON, a key given twice...)."""
    try:
        saved = _read_json(path, "a checkpoint", CHECKPOINT_LIMIT)
    except OSError as e:
        raise ValueError(f"{path} cannot be read: {e.strerror}") from None
    if not isinstance(saved, dict) or saved.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a checkpoint: no \"format\": \"{CHECKPOINT_FORMAT}\"")
    version = saved.get("version")
    if type(version) is not int or version < 1:
        raise ValueError(f"{path} is not a checkpoint: its version is {version!r}")
    if version > CHECKPOINT_VERSION:
        raise ValueError(f"{path} is in checkpoint version {version}, newer than this chaingrad reads ({CHECKPOINT_VERSION})")
    for key in ("model", "state_dict", "optimizer"):
        if key not in saved:
            raise ValueError(f"{path} is not a checkpoint: it has no {key!r}")
    return saved
