"""The ``python`` blocks of ``docs/*.md`` run: each block on its own (every block imports what it
uses, as a reader copying it would), and every ``test_*`` function it defines is called."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

_DOCS = Path(__file__).resolve().parent.parent / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
_CASES = [(page, number, block) for page in sorted(_DOCS.glob("*.md"))
          for number, block in enumerate(_BLOCK.findall(page.read_text(encoding="utf-8")), 1)]


def test_every_doc_page_has_examples() -> None:
    assert {page for page, _, _ in _CASES} == set(_DOCS.glob("*.md"))


@pytest.mark.parametrize(("page", "number", "block"), _CASES, ids=[f"{p.name}:{n}" for p, n, _ in _CASES])
def test_doc_example_runs(page: Path, number: int, block: str) -> None:
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem.replace('-', '_')}_{number}"}
    exec(compile(block, f"{page.name}[block {number}]", "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert tests, f"block {number} of {page.name} defines no test"
    for test in tests:
        test()
