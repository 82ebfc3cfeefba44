"""Every ```python block of the README runs on its own, as written, in a new directory: a reader can
copy any one of them. A block that is only an excerpt says so in its first line (``# not
runnable``); a block that defines test functions (the pytest example) has them called too."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
NOT_RUNNABLE = "# not runnable"


def block_id(code: str) -> str:
    first = next(line for line in code.splitlines() if line.strip())
    return re.sub(r"\W+", "_", first)[:40]


def test_the_readme_has_python_blocks_and_most_run():
    assert len(BLOCKS) >= 10
    assert sum(code.startswith(NOT_RUNNABLE) for code in BLOCKS) <= 2
    pytest_example = [code for code in BLOCKS if "import pytest" in code]
    assert pytest_example and re.findall(r"^def (test_\w+)\(\):", pytest_example[0], re.M)  # its tests are called


@pytest.mark.parametrize("code", BLOCKS, ids=[f"{i}-{block_id(code)}" for i, code in enumerate(BLOCKS)])
def test_each_readme_block_runs_on_its_own(code, tmp_path):
    if code.startswith(NOT_RUNNABLE):
        pytest.skip("an excerpt, marked as not runnable")
    if re.search(r"^\s*(import torch|from torch)", code, re.M) and importlib.util.find_spec("torch") is None:
        pytest.skip("needs PyTorch, which is not installed")
    calls = "".join(
        f"\n{name}()\n" for name in re.findall(r"^def (test_\w+)\(\):", code, re.M)
    )  # the pytest example: call its tests as pytest would
    root = str(README.parent)
    done = subprocess.run(
        [sys.executable, "-c", code + calls],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": root, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, f"this README block fails:\n{code}\n--- stderr:\n{done.stderr[-3000:]}"
