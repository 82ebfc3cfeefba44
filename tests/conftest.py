"""Fixtures shared by the test files."""

import shutil

import pytest
from hypothesis import settings

# No deadline per example: these machines are shared and noisy, and speed is measured in benchmarks/,
# never asserted in tests.
settings.register_profile("chaingrad", deadline=None)
settings.load_profile("chaingrad")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """Hide any `dot` program, so layout must use the bundled WebAssembly Graphviz."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
