"""Run the notebooks in examples/ from a clean kernel and save them with their outputs.

    python examples/run_notebooks.py [NOTEBOOK ...] [--check] [--timeout SECONDS]

With no NOTEBOOK, every examples/*.ipynb is run. Each runs top to bottom in a new kernel of this
Python (the interpreter running this script, so chaingrad as installed here), with the notebook's own
folder as working directory. A cell that raises, or runs longer than the timeout, stops it, and the
file is left as it was; otherwise the file is replaced, atomically, by the notebook with its new
outputs. With --check nothing is saved: the notebooks whose printed outputs differ from the saved
ones are listed, and the exit status is 1 if there are any.

What "the printed outputs" are, so that a re-run of an unchanged notebook compares equal:
- Each code cell's text outputs, in order: what it prints (stdout, consecutive pieces joined) and the
  text of what it displays or returns.
- Left out: everything written to stderr (progress bars, warnings), the bytes of images (only that an
  image of that type is there counts), and notebook widgets (a progress bar in widget form).
- Numbers followed by a unit of time (``1.23 s``, ``850 ms``, ``2.5us``, ``3 min``) become ``<time>``,
  and memory addresses (``at 0x7f3a...``) become ``at 0x...``.
- A cell tagged ``timing`` (cell metadata ``"tags": ["timing"]``) is run but its outputs are not
  compared: for a cell whose whole output depends on the speed of the machine (a speed-up ratio).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from autograd.files import write_atomically

EXAMPLES = Path(__file__).resolve().parent
CELL_TIMEOUT = 300  # seconds one cell may run before it counts as hung
UNCHECKED_TAG = "timing"

TIME = re.compile(
    r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds|min|minutes)\b"
)
ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")
WIDGET = "application/vnd.jupyter.widget-view+json"


def notebooks() -> list[Path]:
    """Every notebook in examples/, in name order."""
    return sorted(EXAMPLES.glob("*.ipynb"))


def kernel_manager() -> AsyncKernelManager:
    """A manager for a python3 kernel of this interpreter: only this environment's kernel spec is
    looked at (never one in the user's own Jupyter folders), and its "python" is sys.executable."""
    own_kernels = os.path.join(sys.prefix, "share", "jupyter", "kernels")
    specs = KernelSpecManager(kernel_dirs=[own_kernels], ensure_native_kernel=True)
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)


def kernel_environment(ipython_dir: str) -> dict[str, str]:
    """The environment of a clean kernel: no IPython profile or startup files of the user, plots
    inline, and str hashes that do not change between runs (so printed sets come out the same)."""
    env = dict(os.environ)
    env.update(
        IPYTHONDIR=ipython_dir,
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYTHONHASHSEED="0",
        JUPYTER_PLATFORM_DIRS="1",
    )
    return env


def execute(nb: nbformat.NotebookNode, folder: Path, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run ``nb`` top to bottom in a new kernel with ``folder`` as working directory; it gets the
    outputs. CellExecutionError on the first cell that raises, CellTimeoutError on one that runs
    longer than ``timeout`` seconds."""
    client = NotebookClient(
        nb,
        km=kernel_manager(),
        timeout=timeout,
        allow_errors=False,
        record_timing=False,  # no timestamps in the saved file
        coalesce_streams=True,
        resources={"metadata": {"path": str(folder)}},
    )
    with tempfile.TemporaryDirectory(prefix="chaingrad-ipython-") as ipython_dir:
        client.execute(env=kernel_environment(ipython_dir))
    return nb


def run(path: Path, timeout: int = CELL_TIMEOUT) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """The notebook at ``path`` as saved, and as it comes out of a fresh run (the file is not touched)."""
    saved = nbformat.read(path, as_version=4)
    fresh = execute(nbformat.read(path, as_version=4), path.parent, timeout)
    return saved, fresh


def save(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` to ``path`` whole or not at all."""
    nbformat.validate(nb)
    write_atomically(path, nbformat.writes(nb) + "\n")


def normalise(text: str) -> str:
    return ADDRESS.sub("at 0x...", TIME.sub("<time>", text))


def printed(nb: nbformat.NotebookNode) -> list[tuple[int, list[str]]]:
    """The printed outputs of each code cell (see the module docstring), as (cell number, outputs)."""
    cells = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or UNCHECKED_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        outputs: list[str] = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                if out.name != "stdout":
                    continue
                text = normalise(out.text)
                if outputs and outputs[-1].startswith("stdout: "):
                    outputs[-1] += text
                else:
                    outputs.append("stdout: " + text)
            elif out.output_type in ("display_data", "execute_result"):
                parts = [
                    f"{mime}: <image>" if mime.startswith("image/")
                    else f"{mime}: {normalise(data if isinstance(data, str) else str(data))}"
                    for mime, data in sorted(out.data.items())
                    if mime != WIDGET
                ]
                if parts:
                    outputs.append("\n".join(parts))
            elif out.output_type == "error":
                outputs.append(f"error: {out.ename}: {normalise(out.evalue)}")
        cells.append((number, outputs))
    return cells


def differences(saved: nbformat.NotebookNode, fresh: nbformat.NotebookNode, name: str = "notebook") -> str:
    """A diff of the printed outputs of the saved and the freshly run notebook; "" if they agree."""

    def lines(nb):
        return [
            f"[cell {number}] {line}"
            for number, outputs in printed(nb)
            for output in outputs
            for line in output.splitlines() or [""]
        ]

    diff = difflib.unified_diff(lines(saved), lines(fresh), f"{name} (saved)", f"{name} (run now)", lineterm="")
    return "\n".join(diff)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: every examples/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="save nothing; list notebooks whose saved outputs are stale")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds a cell may run (default {CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    if args.timeout < 1:
        parser.error(f"--timeout must be at least 1 second, got {args.timeout}")
    paths = args.notebooks or notebooks()
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook file: {path}")

    failed = 0
    for path in paths:
        try:
            saved, fresh = run(path, args.timeout)
        except (CellExecutionError, CellTimeoutError) as error:
            print(f"{path}: FAILED, left unchanged\n{error}", file=sys.stderr)
            failed += 1
            continue
        if args.check:
            diff = differences(saved, fresh, str(path))
            print(f"{path}: stale\n{diff}" if diff else f"{path}: up to date")
            failed += bool(diff)
        else:
            save(fresh, path)
            print(f"{path}: ran and saved")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
