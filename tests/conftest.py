"""Fixtures shared by the test files."""

import shutil

import pytest


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """Hide any `dot` program, so layout must use the bundled WebAssembly Graphviz."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
