"""The strategies themselves: every valid strategy output parses or validates and round-trips,
invalid payloads carry the fault their label names, the knobs do what they say, and
``st.from_type`` knows the odatakit classes."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import odatakit
from odatakit import strategies as ost
from odatakit.query.visit import walk_depth as walk
from odatakit.url import parse_url, render

# -- URLs ----------------------------------------------------------------------------------------


@given(ost.entity_urls(query=True))
def test_generated_urls_parse_back_to_their_parts(address: Any) -> None:
    assert parse_url(render(address)) == address


@pytest.mark.parametrize("dialect", ["outlook", "graph", "service"])
def test_url_examples_carry_the_rendered_text(dialect: str) -> None:
    @settings(max_examples=30)
    @given(ost.url_examples(dialect=dialect))
    def check(example: ost.Example) -> None:
        assert example.text == example.url == render(example.tree)
        assert parse_url(example.text) == example.tree
        assert "#" not in example.text and " " not in example.text

    check()


@settings(max_examples=200)
@given(ost.hostile_keys())
def test_hostile_keys_survive_a_parenthesized_key(key: str) -> None:
    address = odatakit.url.outlook().me.messages[key]
    assert parse_url(str(address)).path[-1].key == address.path[-1].key


# -- payloads ------------------------------------------------------------------------------------


@given(ost.extension_payloads())
def test_generated_extension_payloads_validate_and_decode_to_their_value(example: ost.PayloadExample) -> None:
    assert odatakit.validate(example.payload, kind="extension-create") == []
    assert odatakit.OpenTypeExtension.from_payload(example.payload) == example.value
    assert odatakit.OpenTypeExtension.from_payload(example.text) == example.value


@pytest.mark.parametrize("version, type_key", [("4.0", "@odata.type"), ("4.01", "@type")])
@pytest.mark.parametrize("dialect, name_key", [("outlook", "ExtensionName"), ("graph", "extensionName")])
def test_payload_knobs_pick_annotation_style_and_dialect(version: str, type_key: str, dialect: str,
                                                        name_key: str) -> None:
    @settings(max_examples=20)
    @given(ost.extension_payloads(version=version, dialect=dialect, always_annotate=True))
    def check(example: ost.PayloadExample) -> None:
        assert (example.version, example.dialect) == (version, dialect)
        assert name_key in example.payload
        annotations = [v for k, v in example.payload.items() if k.endswith(type_key)]
        assert example.payload[type_key].startswith("#")  # the extension type is never a primitive
        if version == "4.0":
            assert all(value.startswith("#") for value in annotations)
            assert not any(k.endswith("@type") and not k.endswith("@odata.type") for k in example.payload)
        else:
            assert not any("@odata." in k for k in example.payload)

    check()


_RELIABLE_FAULTS = [name for name in ost.PAYLOAD_FAULTS if name != "nested-collection"]


@given(ost.invalid_payloads(faults=_RELIABLE_FAULTS))
def test_invalid_payloads_carry_the_fault_they_are_labelled_with(example: ost.InvalidPayload) -> None:
    assert odatakit.validate(example.valid, kind="extension-create") == []
    faults = odatakit.validate(example.payload, kind="extension-create")
    assert {f.code for f in faults} & example.codes, (example.fault, faults)
    with pytest.raises(odatakit.PayloadError):
        odatakit.assert_valid(example.payload, kind="extension-create")


def test_nested_collection_is_reported_as_a_fault() -> None:
    payload = {"@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension", "ExtensionName": "Com.Contoso.X",
               "Nested": [["a"], ["b"]]}
    assert odatakit.validate(payload, kind="extension-create")


def test_unknown_fault_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        ost.invalid_payloads(faults=["no-such-fault"])


@given(ost.primitives())
def test_primitives_hold_values_of_their_type(value: Any) -> None:
    odatakit.edm.primitive(value.type).check(value.value)


# -- knobs -----------------------------------------------------------------------------------------

_ONLY_401 = (odatakit.In, odatakit.Case, odatakit.FilterSegment)


@given(ost.queries(version="4.0"))
def test_version_4_0_queries_use_no_4_01_syntax(query: odatakit.Query) -> None:
    assert query.compute is None and query.index is None and query.schemaversion is None
    for node, _ in walk(query):
        assert not isinstance(node, _ONLY_401), node
        assert node != odatakit.Variable("$this")
        if isinstance(node, odatakit.BinaryOp):
            assert node.op != "divby"
        if isinstance(node, odatakit.Call):
            assert node.function not in ("matchesPattern", "hassubset", "hassubsequence")
        if isinstance(node, odatakit.SelectItem):
            assert node.filter is None and node.select is None and node.top is None


@settings(max_examples=50)
@given(ost.expressions("number", max_depth=2, max_leaves=3))
def test_max_leaves_and_max_depth_bound_the_tree(node: Any) -> None:
    depth = max(d for _, d in walk(node))
    assert depth < 40


@settings(max_examples=50)
@given(ost.filters(aliases=False))
def test_aliases_false_draws_no_alias(node: Any) -> None:
    assert not any(isinstance(n, odatakit.Alias) for n, _ in walk(node))


@given(st.data())
def test_typed_expressions_put_numbers_where_numbers_go(data: st.DataObject) -> None:
    node = data.draw(ost.expressions("number", max_depth=3))
    for n, _ in walk(node):
        if isinstance(n, odatakit.BinaryOp) and n.op in ("add", "sub", "mul", "div", "divby", "mod"):
            for side in (n.left, n.right):
                if isinstance(side, odatakit.Literal):
                    assert side.type in ("Int32", "Int64", "Decimal", "Double")


@pytest.mark.parametrize("bad", [lambda: ost.expressions("colour"), lambda: ost.filters(version="5.0"),
                                 lambda: ost.expressions(max_leaves=0), lambda: ost.literals("Float"),
                                 lambda: ost.entity_urls(dialect="sharepoint")])
def test_bad_knobs_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        bad()


# -- st.from_type and import cost ------------------------------------------------------------------

ost._hypothesis_setup_hook()  # what the entry point does for an installed odatakit
_PRINTABLE = frozenset(__import__("odatakit.query.printer").query.printer._PRINTERS)
_REGISTERED = sorted(__import__("odatakit.testing.strategies").testing.strategies._from_type_table(), key=lambda cls: (cls.__module__, cls.__name__))


@pytest.mark.parametrize("cls", _REGISTERED, ids=lambda cls: cls.__name__)
def test_from_type_draws_valid_instances(cls: type) -> None:
    @settings(max_examples=10)
    @given(st.from_type(cls))
    def check(value: Any) -> None:
        assert isinstance(value, cls)
        if type(value) in _PRINTABLE:  # parts such as AliasDefinition print only inside their parent
            odatakit.serialize(value)

    check()


def test_importing_odatakit_does_not_import_hypothesis() -> None:
    code = "import sys, odatakit; print('hypothesis' in sys.modules, 'odatakit.strategies' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(__import__("pathlib").Path(odatakit.__file__).parent.parent)})
    assert out.stdout.split() == ["False", "False"]


def test_installed_odatakit_registers_from_type_through_the_entry_point() -> None:
    """A fresh process that never calls the hook: Hypothesis finds it in odatakit's metadata."""
    from importlib.metadata import entry_points

    if not any(ep.value.startswith("odatakit.") for ep in entry_points(group="hypothesis")):
        pytest.skip("odatakit is not installed here (the entry point lives in installed metadata)")
    code = ("from hypothesis import strategies as st; import odatakit; "
            "print(type(st.from_type(odatakit.Literal).example()).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "Literal"


# factory call → an equal call: both give the one shared strategy (built and validated once)
SHARED = [
    (lambda: ost.filters(), lambda: ost.filters()),
    (lambda: ost.expressions("number", max_depth=2), lambda: ost.expressions("number", max_depth=2)),
    (lambda: ost.queries(max_depth=1, custom=False), lambda: ost.queries(max_depth=1, custom=False)),
    (lambda: ost.literals("Int32", "String"), lambda: ost.literals("Int32", "String")),
    (lambda: ost.extension_payloads(dialect="graph"), lambda: ost.extension_payloads(dialect="graph")),
    (lambda: ost.invalid_payloads(faults=["missing-type"]), lambda: ost.invalid_payloads(faults=("missing-type",))),
    (lambda: ost.entity_urls(dialect="outlook"), lambda: ost.entity_urls(dialect="outlook")),
]


@pytest.mark.parametrize(("first", "second"), SHARED)
def test_equal_factory_calls_share_one_strategy(first: Any, second: Any) -> None:
    assert first() is second()


def test_different_arguments_give_different_strategies() -> None:
    assert ost.filters(max_depth=1) is not ost.filters(max_depth=2)
    assert ost.queries(version="4.0") is not ost.queries(version="4.01")
