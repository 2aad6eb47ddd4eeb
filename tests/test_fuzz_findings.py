"""Fuzzing (issue 7): every finding stays fixed, and the fuzz targets themselves stay sound.

Each finding is a row: the input that found it, the entry point, and the documented outcome it
must now end in. Its input is also kept in ``fuzz/findings/<target>/`` so the fuzzer starts from
it; ``test_past_findings_pass_their_fuzz_target`` replays those files through the same checks the
fuzzer runs, and ``test_seed_corpus_passes_every_fuzz_target`` the conformance and example seeds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest

import odatakit
from fuzz.seeds import FINDINGS, seeds
from fuzz.targets import TARGETS
from odatakit import ODataSyntaxError, PayloadError

# (finding, call, documented error or None for a result, text the error says)
FOUND: list[tuple[str, Callable[[], Any], type[Exception] | None, str]] = [
    # parse_context_url recursed once per nested select list: RecursionError near 1,000 levels
    ("context URL select list nested 10,000 deep",
     lambda: odatakit.parse_context_url("https://h/s/$metadata#People(" + "A(" * 10_000 + "B" + ")" * 10_001),
     ODataSyntaxError, "select list nested more than 200 levels"),
    ("context URL select lists nested within the limit",
     lambda: odatakit.parse_context_url("https://h/s/$metadata#People(A(B(),C),D(E(F)))"), None, ""),
    ("context URL select list: a list after a list",
     lambda: odatakit.parse_context_url("https://h/s/$metadata#People(A(B)(C))"), ODataSyntaxError, "expected ','"),
    # a lone surrogate reached percent.encode: UnicodeEncodeError
    ("lone surrogate in a URL path", lambda: odatakit.parse_url("l0/\udcdc\udcd0\udcdb\udc9cetadata#Me"),
     ODataSyntaxError, "lone surrogate"),
    ("lone surrogate in a context URL", lambda: odatakit.parse_context_url("#People(\ud800)"),
     ODataSyntaxError, "lone surrogate"),
    # a context URL fragment read "%4F" as the key O, which renders as "O" and reads back as a name
    ("context URL segment that would render as another part",
     lambda: odatakit.parse_url("$metadata#s/%4F"), ODataSyntaxError, "would read back as the name O"),
    ("context URL fragment key that renders as itself", lambda: odatakit.parse_url("$metadata#People/1/Friends"),
     None, ""),
    # decimal.InvalidOperation escaped from json.loads(parse_float=Decimal) and from Decimal(text)
    ("JSON number with an exponent past Decimal's", lambda: odatakit.decode('{"A":1e99999999999999999999}'),
     PayloadError, "exponent beyond what a Decimal holds"),
    ("Edm.Decimal string with an exponent past Decimal's",
     lambda: odatakit.decode('{"A@odata.type":"#Decimal","A":"1e99999999999999999999"}')["A"],
     PayloadError, "exponent beyond what a Decimal holds"),
    ("Edm.Double string with an exponent past Decimal's",
     lambda: odatakit.decode('{"A@odata.type":"#Double","A":"-1e99999999999999999999"}', ieee754_compatible=True)["A"],
     PayloadError, "Edm.Double"),
    # parse_query read a bare "select" as a custom option the serializer then refused (ValueError)
    ("bare custom option named like a system option prints back",
     lambda: odatakit.parse_query(odatakit.serialize(odatakit.parse_query("select&top&x=1"))), None, ""),
    # "??": one "?" is the delimiter, the other a custom option's name, which printed as a bare "?"
    ("custom option named '?' prints so it reads back",
     lambda: odatakit.parse_query(odatakit.serialize(odatakit.parse_query("??$filter=x"))).custom,
     None, ""),
    ("custom option named like a system option with a value is still refused",
     lambda: odatakit.serialize(odatakit.query.tree.Query(custom=(odatakit.query.tree.CustomOption("select", "x"),))),
     ValueError, "must not look like a system option"),
    # a canonical function's result followed by a member path ("now()/x") reached a message that
    # read .name of a Call: AttributeError; found by the CI fuzz run of the query target
    ("member path after a canonical function", lambda: odatakit.parse_query("$orderby=now()/desc/Price"),
     ODataSyntaxError, "the result of now() is a primitive value"),
    ("member path after a canonical function in $filter", lambda: odatakit.parse_filter("1 eq length(a)/b"),
     ODataSyntaxError, "the result of length() is a primitive value"),
    ("member path after a bound function stays a path", lambda: odatakit.parse_filter("NS.F()/b eq 1"), None, ""),
    # a qualified canonical function with named arguments parsed to a Call holding NamedArgs,
    # which the printer refused (TypeError); found by the CI fuzz run of the filter target
    ("named arguments to a qualified canonical function",
     lambda: odatakit.parse_filter("geo.length(geography='SRID=0;LineString(142.1 64.1,3.14 2.78)')"),
     ODataSyntaxError, "geo.length() takes positional arguments"),
    ("named arguments to geo.distance, mid-expression",
     lambda: odatakit.parse_filter("Price gt 1 and geo.distance(a=1,b=2) lt 5"),
     ODataSyntaxError, "geo.distance() takes positional arguments"),
    ("named arguments to a custom function stay a function call",
     lambda: odatakit.parse_filter("Ns.f(a=1,b='x') eq 1"), None, ""),
]


@pytest.mark.parametrize(("finding", "call", "error", "message"), FOUND, ids=[row[0] for row in FOUND])
def test_finding_ends_in_a_documented_outcome(finding: str, call: Callable[[], Any], error: type[Exception] | None,
                                              message: str) -> None:
    if error is None:
        call()
        return
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_the_schema_reads_minus_zero_and_long_integers_as_integers() -> None:
    """``-0`` is read as an exact Decimal (an int has no negative zero): still a JSON integer."""
    assert odatakit.validate('{"@odata.count": -0, "value": []}') == []
    assert [f.code for f in odatakit.validate('{"@odata.count": 1.5, "value": []}')] == ["bad-control"]


FINDING_FILES = sorted(FINDINGS.glob("*/*"))


@pytest.mark.parametrize("path", FINDING_FILES, ids=[f"{p.parent.name}/{p.name}" for p in FINDING_FILES])
def test_past_findings_pass_their_fuzz_target(path: Path) -> None:
    TARGETS[path.parent.name].check(path.read_bytes())


@pytest.fixture(scope="module")
def seed_corpus() -> dict[str, set[bytes]]:
    return seeds(strategy_examples=3)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seed_corpus_passes_every_fuzz_target(target: str, seed_corpus: dict[str, set[bytes]]) -> None:
    assert seed_corpus[target], f"no seeds for {target}"
    for data in seed_corpus[target]:
        TARGETS[target].check(data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_targets_accept_any_bytes(target: str) -> None:
    for data in (b"", b"2", b"[2]", b"\x00", b"\xff\xfe", b"(" * 300, b"[" * 300, b'{"' * 300, "\ud800".encode("utf-8", "surrogatepass")):
        TARGETS[target].check(data)
