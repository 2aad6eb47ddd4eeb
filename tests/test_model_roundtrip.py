"""Round-trip properties of both CSDL formats over drawn models: XML → model → JSON → model and
JSON → model → XML → model give the model back (CSDL XML and CSDL JSON 4.01 describe one model)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odatakit import csdl
from odatakit import csdl as E  # the element classes are public names of odatakit.csdl

NAMES = st.from_regex(r"[A-Z][a-z]{1,6}", fullmatch=True)
EDM = st.sampled_from(["Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Boolean", "Edm.Date",
                       "Edm.DateTimeOffset", "Edm.Guid", "Edm.Double", "Edm.Binary", "Edm.GeographyPoint"])
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from("\t\n\r"),
                   max_size=8)
SCALARS = st.one_of(XML_TEXT, st.booleans(), st.integers(-10**6, 10**6),
                    st.decimals(allow_nan=False, allow_infinity=False, places=2).filter(lambda d: d != d.to_integral_value()),
                    st.builds(lambda p: {"$Path": p}, NAMES), st.builds(lambda p: {"$PropertyPath": p}, NAMES))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(NAMES, inner, max_size=3)), max_leaves=6)
ANNOTATIONS = st.lists(st.builds(E.Annotation, st.builds(lambda n: f"Core.{n}", NAMES), VALUES,
                                 st.one_of(st.none(), NAMES)), max_size=2, unique_by=lambda a: (a.term, a.qualifier))


def typeref(types: list[str]) -> st.SearchStrategy[E.TypeRef]:
    name = st.one_of(EDM, st.sampled_from(types)) if types else EDM
    return st.builds(E.TypeRef, name, st.booleans(), st.booleans(), st.one_of(st.none(), st.integers(1, 99), st.just("max")),
                     st.none(), st.one_of(st.none(), st.integers(0, 5)))


@st.composite
def models(draw: st.DrawFn) -> csdl.Model:
    names = draw(st.lists(NAMES, min_size=3, max_size=8, unique=True))
    enum_name, complex_names, entity_names = names[0], names[1:2], names[2:]
    qualified = [f"NS.{n}" for n in (enum_name, *complex_names)]
    enum = E.EnumType(enum_name, [E.EnumMember(m, i) for i, m in enumerate(draw(st.lists(NAMES, min_size=1, max_size=3,
                                                                                          unique=True)))],
                      is_flags=draw(st.booleans()), annotations=draw(ANNOTATIONS))
    complex_types = [E.ComplexType(n, properties=[E.Property(p, draw(typeref(qualified[:1])), None, draw(ANNOTATIONS))
                                                  for p in draw(st.lists(NAMES, max_size=3, unique=True))],
                                   open_type=draw(st.booleans())) for n in complex_names]
    entities = []
    for name in entity_names:
        props = draw(st.lists(NAMES.filter(lambda n: n != "Id"), max_size=4, unique=True))
        navs = draw(st.lists(st.sampled_from(entity_names), max_size=2))
        entities.append(E.EntityType(
            name, [E.PropertyRef("Id")], properties=[E.Property("Id", E.TypeRef("Edm.Int32", nullable=False)),
                                                     *(E.Property(p, draw(typeref(qualified))) for p in props)],
            navigation_properties=[E.NavigationProperty(f"Nav{i}", f"NS.{target}", draw(st.booleans()))
                                   for i, target in enumerate(navs)],
            open_type=draw(st.booleans()), annotations=draw(ANNOTATIONS)))
    container = E.EntityContainer("Container", entity_sets=[E.EntitySet(f"{n}s", f"NS.{n}") for n in entity_names[:2]])
    return csdl.Model([E.Schema("NS", None, entities, complex_types, [enum], entity_container=container)], version="4.01")


FEW = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@FEW
@given(models())
def test_xml_to_json_and_back_gives_the_model(model):
    from_xml = csdl.load(model.to_xml())
    assert from_xml == model
    assert csdl.load(from_xml.to_json()) == model


@pytest.mark.slow
@FEW
@given(models())
def test_json_to_xml_and_back_gives_the_model(model):
    from_json = csdl.load(model.to_json())
    assert from_json == model
    assert csdl.load(from_json.to_xml()) == model


def test_text_xml_cannot_carry_is_refused_by_the_xml_writer_only():
    model = csdl.Model([E.Schema("NS", annotations=[E.Annotation("Core.Description", "bell\x07")])])
    assert csdl.load(model.to_json()) == model
    with pytest.raises(csdl.ModelError, match="U\\+0007, which XML 1.0 cannot carry"):
        model.to_xml()


def test_exact_decimals_survive_both_formats():
    value = {"Ratio": Decimal("0.10000000000000000001")}
    model = csdl.Model([E.Schema("NS", annotations=[E.Annotation("Core.Example", value)])])
    assert csdl.load(model.to_json()).schemas[0].annotations[0].value == value
    assert csdl.load(model.to_xml()).schemas[0].annotations[0].value == value
