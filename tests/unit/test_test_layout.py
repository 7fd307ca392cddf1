"""The test tree's one rule pytest's default import mode needs: every test file's name is
unique across folders, and so is every helper module the tests import by name (two
``test_x.py`` make collection fail with "import file mismatch", and only on a clean
checkout, where no ``__pycache__`` hides it); pytest keeps each ``conftest.py`` apart."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_name_is_unique() -> None:
    names = Counter(path.name for path in TESTS.rglob("*.py")
                    if "__pycache__" not in path.parts and path.name != "conftest.py")
    assert [name for name, count in names.items() if count > 1] == []


def test_no_test_folder_is_a_package() -> None:
    assert sorted(TESTS.rglob("__init__.py")) == []
