"""Every module's docstring examples run (doctest) and pass: examples in the code stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import odatakit

MODULES = sorted(m.name for m in pkgutil.walk_packages(odatakit.__path__, "odatakit.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run_as_written(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (python -m doctest -v)"


def test_the_modules_have_examples_to_run() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(name), report=False).attempted for name in MODULES)
    assert attempted >= 20
