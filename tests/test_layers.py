"""The package's layers and the direction of their imports: each layer imports only layers below
it (README: Layout). Every ``import`` counts, at module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "odatakit"

#: Bottom to top. A module may import its own layer and any layer listed before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "edm", "services"),
    ("query",),
    ("url",),
    ("payload",),
    ("http",),
    ("batch", "paging"),
    ("model", "csdl"),
    ("evaluation",),
    ("sql",),
    ("msgraph",),
    ("testing",),
    ("cli",),
)
#: The package's public face re-exports from every layer.
FACES = {"__init__", "__main__", "strategies"}


def layer_of(module: str) -> int | None:
    """The rank of ``odatakit.<module>`` (``query.parser`` → query's rank); None for a face."""
    top = module.split(".")[0]
    if top in FACES:
        return None
    for rank, names in enumerate(LAYERS):
        if top in names:
            return rank
    raise AssertionError(f"odatakit.{module} is in no layer: add it to LAYERS (and the README's Layout)")


def imports_of(path: Path) -> set[str]:
    """The odatakit modules ``path`` imports, as dotted names under ``odatakit``."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = here[:-1] if here[-1] != "__init__" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
                names = [target] if node.module else [[*target, alias.name] for alias in node.names]
            elif node.module and node.module.split(".")[0] == "odatakit":
                names = [node.module.split(".")[1:]]
            else:
                continue
            found.update(".".join(name) for name in names if name)
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".", 1)[1] for alias in node.names
                         if alias.name.startswith("odatakit."))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_a_module_imports_only_its_own_layer_and_the_layers_below(path: Path) -> None:
    module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    rank = layer_of(module)
    if rank is None:
        return
    upward = sorted(m for m in imports_of(path) if (r := layer_of(m)) is not None and r > rank)
    assert not upward, f"odatakit.{module} (layer {LAYERS[rank]}) imports a higher layer: {upward}"


def test_every_layer_is_a_package_or_a_foundation_module() -> None:
    for names in LAYERS:
        for name in names:
            assert (PACKAGE / name / "__init__.py").is_file() or (PACKAGE / f"{name}.py").is_file(), name
