"""A file saved by chaingrad (``model.save``) as a ``torch.save`` checkpoint of the same weights:

    python -m nn.torch_checkpoint model.json model.pt

or `save_torch_checkpoint` from Python. The checkpoint is the state dict of ``nn.to_torch(model)``,
under the names `nn.torch_bridge.torch_names` gives (``layers.0.neurons.2.w.1`` -> ``0.weight[2, 1]``).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
from pathlib import Path

from autograd.files import write_atomically

from .saving import BUILT_INS, _read, describe, load_model
from .torch_bridge import _names, _torch, to_torch


def save_torch_checkpoint(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Convert the chaingrad file ``source`` (written by ``model.save``) into a ``torch.save``
    checkpoint at ``target``: the state dict of ``to_torch(model)`` (names as `torch_names` says), so
    ``net.load_state_dict(torch.load(target))`` loads it into a module of that shape. A model of your
    own class becomes the state dict of a torch module with its built-in parts converted under the
    same names. ``target`` is written atomically. ValueError naming ``source`` if it is not a saved
    model; FileNotFoundError if it or ``target``'s folder does not exist."""
    torch = _torch()
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"no such file: {str(source)!r}" if not source.exists() else f"not a file: {str(source)!r}")
    if Path(target).exists() and Path(target).resolve() == source.resolve():
        raise ValueError(f"{target} is the file to convert; give another path for the checkpoint")
    description, state = _read(source)
    if description is None:
        raise ValueError(f"{source} is a plain state dict (the older format), which does not say which model it holds")
    if "modules" not in description:
        tensors = to_torch(load_model(source)).state_dict()
    else:
        names = list(state)
        for name, number in state.items():
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                raise ValueError(f"{source}: value for {name!r} is not a finite real number")
        modules = description.get("modules")
        if not isinstance(modules, dict) or not all(isinstance(m, dict) for m in modules.values()):
            raise ValueError(f"{source} is not a saved model: its \"modules\" is not an object of objects")
        parts = {}
        for prefix, part in modules.items():
            if "nin" not in part:
                continue
            held = sum(name.startswith(prefix + ".") for name in state)
            count = _parameter_count(part)
            if count != held:  # checked before anything is built: a short file cannot ask for a huge model
                raise ValueError(f"{source} describes a {prefix} of {count if count is not None else 'no valid number of'} "
                                 f"parameters, but holds {held}")
            settings = {key: value for key, value in part.items() if key != "class"}
            try:
                built = BUILT_INS[part["class"]](**settings)
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"{source} describes a {prefix} that cannot be built: {e}") from None
            if describe(built) != part:
                raise ValueError(f"{source} describes a {prefix} that cannot be built")
            parts[prefix] = built
        tensors = {}
        mapped = _names(description, names)
        for prefix, built in parts.items():
            own = {name[len(prefix) + 1 :]: number for name, number in state.items() if name.startswith(prefix + ".")}
            try:
                built.load_state_dict(own)
            except ValueError as e:
                raise ValueError(f"{source}: its {prefix} does not fit {built!r}: {e}") from None
            for key, value in to_torch(built).state_dict().items():
                tensors[f"{prefix}.{key}"] = value
        for name, (key, index) in mapped.items():
            if index == ():
                tensors[key] = torch.tensor(float(state[name]), dtype=torch.float64)
    buffer = io.BytesIO()
    torch.save(dict(tensors), buffer)
    return write_atomically(Path(target), buffer.getvalue())


def _parameter_count(part: dict) -> int | None:
    """How many parameters the built-in model described by ``part`` has; None if it is not a
    valid description of one."""
    try:
        sizes = [part["nin"], *part["nouts"]] if part["class"] == "MLP" else [part["nin"], part.get("nout", 1)]
        bias = part["bias"]
    except (KeyError, TypeError):
        return None
    if not all(type(n) is int and n >= 1 for n in sizes) or type(bias) is not bool:
        return None
    return sum((before + bias) * after for before, after in zip(sizes, sizes[1:]))


def main(argv: list[str] | None = None) -> int:
    """``python -m nn.torch_checkpoint model.json model.pt``: `save_torch_checkpoint`, with errors as
    one line on stderr and exit status 1."""
    parser = argparse.ArgumentParser(
        prog="python -m nn.torch_checkpoint",
        description="Convert a model saved by chaingrad (model.save) into a torch.save checkpoint of the same weights.",
    )
    parser.add_argument("source", help="the chaingrad file (JSON) to read")
    parser.add_argument("target", help="the checkpoint to write (written whole or not at all)")
    args = parser.parse_args(argv)
    try:
        save_torch_checkpoint(args.source, args.target)
    except (ImportError, OSError, ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.target}: load it with net.load_state_dict(torch.load({args.target!r}))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
