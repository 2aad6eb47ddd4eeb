"""The identity fixture: every line of ``tests/data/identity.txt`` is a canonical query string that
parses and prints back unchanged. Cases are added to the text file, without writing Python."""

from __future__ import annotations

from pathlib import Path

import pytest

import odatakit

LINES = [line for line in (Path(__file__).parent / "data" / "identity.txt").read_text(encoding="utf-8").splitlines()
         if line and not line.startswith("#")]


@pytest.mark.parametrize("text", LINES)
def test_a_canonical_query_prints_back_unchanged(text: str) -> None:
    assert odatakit.serialize(odatakit.parse_query(text)) == text
