"""The public API is one list: every name ``odatakit.__all__`` promises loads, and the lazily
loaded names are declared once for the runtime (``_LAZY_MODULES``) and once for type checkers
(the ``TYPE_CHECKING`` block), which must agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import odatakit

INIT = Path(odatakit.__file__)


def _type_checking_imports() -> dict[str, tuple[str, ...]]:
    module = ast.parse(INIT.read_text(encoding="utf-8"))
    (block,) = [node for node in module.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    return {node.module: tuple(alias.name for alias in node.names) for node in block.body
            if isinstance(node, ast.ImportFrom) and node.module}


def test_type_checkers_see_exactly_the_lazy_names() -> None:
    assert _type_checking_imports() == dict(odatakit._LAZY_MODULES)


@pytest.mark.parametrize("name", sorted(odatakit.__all__))
def test_every_public_name_loads(name: str) -> None:
    assert getattr(odatakit, name) is not None


@pytest.mark.parametrize("name", sorted(odatakit._SUBMODULES))
def test_every_public_submodule_loads(name: str) -> None:
    assert getattr(odatakit, name).__name__.startswith("odatakit.")
