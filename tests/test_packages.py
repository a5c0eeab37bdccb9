"""Package hygiene: complete sorted __all__, libraries free of the web and the ORM."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LIBRARIES = ["instruments", "sampling", "analysis"]


@pytest.mark.parametrize("name", LIBRARIES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported == sorted(exported)
    public = {n for n in vars(module) if not n.startswith("_")} - {"annotations"}
    submodules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    assert set(exported) == public - submodules


@pytest.mark.parametrize("name", LIBRARIES)
def test_library_loads_neither_web_nor_database(name: str) -> None:
    code = (
        f"import sys, {name}\n"
        "bad = [m for m in ('litestar', 'sqlalchemy', 'alembic', 'survey_service') "
        "if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
