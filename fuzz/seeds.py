"""Write the seed corpus: ``python -m fuzz.seeds [FOLDER]`` (default ``fuzz/corpus``), one
sub-folder per target, one file per input (named by its SHA-1, so rewriting is idempotent).

Seeds come from the OASIS ABNF test cases (``tests/data/conformance``: both the passing and
the failing inputs, as the rule they test feeds a target), the URL and payload examples in
``tests/data``, the inputs of past findings (``fuzz/findings``), and a derandomized sample of
``odatakit.strategies`` (valid trees, URLs and payloads, rendered by odatakit itself).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odatakit.payload import _jsontext
from odatakit import strategies as ost

from .targets import TARGETS

__all__ = ["seeds", "write"]

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data"
FINDINGS = HERE / "findings"
#: Examples drawn per strategy: enough variety for libFuzzer to mutate, few enough to be quick.
STRATEGY_EXAMPLES = 60

#: ABNF rule of a conformance case → the target whose entry point reads text of that rule.
_RULES = {
    "queryOptions": "query", "filter": "query", "expand": "query", "select": "query", "orderby": "query",
    "orderBy": "query", "search": "query", "compute": "query", "systemQueryOption": "query",
    "customQueryOption": "query", "skiptoken": "query", "deltatoken": "query",
    "commonExpr": "filter", "boolCommonExpr": "filter", "boolcommonExpr": "filter", "firstMemberExpr": "filter",
    "isofExpr": "filter", "notExpr": "filter", "propertyPathExpr": "filter",
    "odataUri": "url", "odataRelativeUri": "url", "resourcePath": "url", "context": "context_url",
}
#: A query option whose value another target reads on its own.
_OPTION_VALUES = {"$filter=": "filter", "$expand=": "expand"}


def _conformance() -> Iterator[tuple[str, str]]:
    for path in sorted((DATA / "conformance").glob("odata-*-testcases.json")):
        for case in json.loads(path.read_text("utf-8")):
            target = _RULES.get(case["rule"])
            if target is None:
                continue
            text = case["input"]
            yield target, text
            for prefix, option_target in _OPTION_VALUES.items():
                for part in text.lstrip("?").split("&"):
                    if part.startswith(prefix):
                        yield option_target, part[len(prefix):]


def _examples() -> Iterator[tuple[str, str]]:
    for case in json.loads((DATA / "url_abnf_cases.json").read_text("utf-8"))["cases"]:
        yield "url", case["input"]
    for row in json.loads((DATA / "url_outlook_examples.json").read_text("utf-8"))["rows"]:
        yield ("context_url" if "$metadata#" in row["text"] else "url"), row["text"]
    for example in json.loads((DATA / "payload_outlook-data-extensions.json").read_text("utf-8")):
        for key in ("request_text", "request_body", "response_body"):
            body = example.get(key)
            if body is not None:
                text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
                yield "decode", text
                yield "validate", text


def _payload_text(payload: Any) -> str | None:
    try:
        return _jsontext.write(payload)
    except (TypeError, ValueError):
        return None  # a planted fault JSON cannot hold (a key that is not a string)


#: target → strategies of text for it
_STRATEGIES: dict[str, list[st.SearchStrategy[str]]] = {
    "query": [ost.query_examples().map(lambda e: e.text), ost.query_examples().map(lambda e: e.url)],
    "filter": [ost.filter_examples().map(lambda e: e.text), ost.filter_examples().map(lambda e: e.url)],
    "expand": [ost.examples(ost.expands()).map(lambda e: e.text), ost.examples(ost.expands()).map(lambda e: e.url)],
    "url": [ost.url_examples().map(lambda e: e.text)],
    "decode": [ost.extension_payloads().map(lambda e: e.text), ost.invalid_payloads().map(lambda e: _payload_text(e.payload))],
}
_STRATEGIES["validate"] = _STRATEGIES["decode"]


def _drawn(strategy: st.SearchStrategy[str], count: int) -> list[str]:
    found: list[str] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(text: str | None) -> None:
        if text is not None:
            found.append(text)

    collect()
    return found


def _findings() -> Iterator[tuple[str, bytes]]:
    for path in sorted(FINDINGS.glob("*/*")):
        if path.parent.name in TARGETS:
            yield path.parent.name, path.read_bytes()


def seeds(strategy_examples: int = STRATEGY_EXAMPLES) -> dict[str, set[bytes]]:
    """Every target's seed inputs."""
    corpus: dict[str, set[bytes]] = {name: set() for name in TARGETS}
    for target, text in (*_conformance(), *_examples()):
        corpus[target].add(text.encode("utf-8", "surrogatepass"))
    for target, strategies in _STRATEGIES.items():
        for strategy in strategies:
            corpus[target].update(text.encode("utf-8", "surrogatepass") for text in _drawn(strategy, strategy_examples))
    for target, data in _findings():
        corpus[target].add(data)
    return corpus


def write(folder: Path, strategy_examples: int = STRATEGY_EXAMPLES) -> dict[str, int]:
    """Write the seeds under ``folder/<target>/``; how many each target has."""
    counts = {}
    for target, inputs in seeds(strategy_examples).items():
        where = folder / target
        where.mkdir(parents=True, exist_ok=True)
        for data in inputs:
            (where / hashlib.sha1(data).hexdigest()).write_bytes(data)
        counts[target] = len(inputs)
    return counts


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "corpus"
    for name, count in write(folder).items():
        print(f"{name}: {count} seeds in {folder / name}")
