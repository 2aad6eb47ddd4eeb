"""ABNF conformance (oasis-tcs/odata-abnf test suites) for the URL, context and header rules.

The cases and the one table of skipped cases (each with its reason) are in
``tests/data/url_abnf_cases.json``: model-dependent cases accept either result; the others in
the table fail today in the query parser or need the service's model, and run as non-strict
xfail, so they show up as XPASS when that changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from odatakit import NameSegment, parse_context_url, parse_header, parse_url
from odatakit.http import parse_preference
from odatakit.url import render

DATA = json.loads((Path(__file__).parent / "data" / "url_abnf_cases.json").read_text("utf-8"))
SKIP: dict[str, dict[str, str]] = DATA["skip"]


def _check(rule: str, text: str) -> Any:
    """Parse ``text`` as ABNF rule ``rule``; raises ValueError (ODataSyntaxError) when it is not."""
    rule = rule.lower()
    if rule == "odataidentifier":
        return NameSegment(text)
    if rule == "context":
        context = parse_context_url(text)
        assert parse_context_url(render(context)) == context
        return context
    if rule in ("header", "prefer"):
        return parse_header(text)
    if rule == "request-id":
        return parse_header("Content-ID: " + text)
    if rule in ("preference", "maxpagesizepreference", "includeannotationspreference"):
        return parse_preference(text)
    url = parse_url(text)
    if rule == "odatauri" and url.root is None:
        raise ValueError("odataUri is an absolute URL")
    if rule in ("resourcepath", "entitysetname") and (url.query is not None or url.fragment is not None):
        raise ValueError(f"{rule} has no query or fragment")
    if rule == "entitysetname" and len(url.path) != 1:
        raise ValueError("entitySetName is one name")
    assert parse_url(render(url)) == url  # whatever parses renders back to the same parts
    return url


def _params() -> list[Any]:
    params = []
    for case in DATA["cases"]:
        marks = []
        skip = SKIP.get(case["id"])
        if skip is not None and skip["kind"] != "model-dependent":
            marks.append(pytest.mark.xfail(reason=skip["reason"], strict=False))
        params.append(pytest.param(case, marks=marks, id=f"{case['id']}-{case['rule']}"))
    return params


@pytest.mark.parametrize("case", _params())
def test_abnf_case(case: dict[str, Any]) -> None:
    skip = SKIP.get(case["id"])
    try:
        _check(case["rule"], case["input"])
        result = "pass"
    except ValueError:
        result = "fail"
    if skip is not None and skip["kind"] == "model-dependent":
        return  # either result is right without the suite's model
    assert result == case["expect"], case["name"]


def test_skip_table_names_only_known_cases() -> None:
    ids = {case["id"] for case in DATA["cases"]}
    assert set(SKIP) <= ids
    assert all(entry["reason"] and entry["kind"] in ("model-dependent", "model-needed", "query-parser")
               for entry in SKIP.values())
