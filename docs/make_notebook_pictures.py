"""Regenerate docs/tiny_net.png, docs/moons.png and docs/spiral.png, the README's pictures of the notebooks: each is
the plot shown by the one cell tagged "readme" in each of examples/01, 02 and 03, taken
from the notebook as saved (so run `python examples/run_notebooks.py` first after changing one).

    python docs/make_notebook_pictures.py

Run from anywhere after `pip install -e '.[test]'` (or '.[examples]'); nothing is executed, the
pictures are read from the saved outputs.
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat

from autograd.files import write_atomically

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
TAG = "readme"
PICTURES = {"tiny_net.png": "01_tiny_net.ipynb", "moons.png": "02_moons.ipynb", "spiral.png": "03_spiral.ipynb"}  # picture -> its notebook


def picture(notebook: Path) -> bytes:
    """The PNG shown by the cell tagged "readme" in the saved notebook at ``notebook``; ValueError
    naming the notebook unless there is exactly one such cell, showing exactly one PNG."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{notebook}: {len(cells)} code cells are tagged {TAG!r}, not 1")
    images = [o.data["image/png"] for o in cells[0].outputs if "image/png" in o.get("data", {})]
    if len(images) != 1:
        raise ValueError(
            f"{notebook}: its cell tagged {TAG!r} shows {len(images)} PNG images, not 1 "
            f"(save it with its outputs: python examples/run_notebooks.py)"
        )
    return base64.b64decode(images[0])


def main() -> None:
    for name, notebook in PICTURES.items():
        print(write_atomically(HERE / name, picture(EXAMPLES / notebook)))


if __name__ == "__main__":
    main()
