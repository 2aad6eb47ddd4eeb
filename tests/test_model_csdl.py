"""Reading and writing service models: CSDL XML 4.0/4.01 and CSDL JSON 4.01 (odatakit.csdl).

The spec sections cited are OData CSDL XML / CSDL JSON 4.01; a model read from either format
compares equal, and XML → model → JSON → model (and back) gives the same model.
"""

from __future__ import annotations

import gzip
import os
import pathlib

import attrs
import pytest

from odatakit import csdl
from odatakit.csdl import ModelError

MODELS = pathlib.Path(__file__).parent / "data" / "models"
SMALL = ["trippin.xml", "outlook-v2.xml", "oasis-products.xml", "oasis-products.json"]


def without_clashes(model: csdl.Model) -> csdl.Model:
    """Graph minus its one CSDL §5.1 violation (a complex type and a function both named ``image``),
    which no CSDL JSON document can hold."""
    schema = model.schemas[0]
    kept = attrs.evolve(schema, functions=[f for f in schema.functions if f.name != "image"])
    return csdl.Model((kept, *model.schemas[1:]), model.references, model.version)


# -- real inputs ------------------------------------------------------------------------------------


def test_graph_metadata_reads_with_its_counts(graph_model):
    summary = graph_model.summary()
    assert summary["counts"]["entity_types"] == 1182
    assert summary["counts"]["complex_types"] == 1780
    assert len(summary["open_types"]) == 535
    assert "me" in summary["singletons"] and "users" in summary["entity_sets"]
    assert graph_model.schemas[0].alias == "graph"


@pytest.mark.parametrize("name", SMALL)
def test_small_models_read(name):
    model = csdl.load(MODELS / name)
    assert model.schemas and model.container is not None


def test_oasis_example_reads_equal_from_xml_and_json():
    assert csdl.load(MODELS / "oasis-products.xml") == csdl.load(MODELS / "oasis-products.json")


# -- round trips (CSDL XML ⇄ model ⇄ CSDL JSON) --------------------------------------------------------


@pytest.mark.parametrize("name", SMALL)
def test_xml_json_round_trips_give_equal_models(name):
    model = csdl.load(MODELS / name)
    via_json = csdl.load(model.to_json())
    via_xml = csdl.load(model.to_xml())
    assert via_json == model
    assert via_xml == model
    assert csdl.load(via_json.to_xml()) == model
    assert csdl.load(via_xml.to_json()) == model


@pytest.mark.slow
def test_graph_round_trips_through_json_and_xml(graph_model):
    model = without_clashes(graph_model)
    via_json = csdl.load(model.to_json())
    assert via_json == model
    assert csdl.load(via_json.to_xml()) == model


def test_graph_to_json_names_the_clash_json_cannot_hold(graph_model):
    with pytest.raises(ModelError, match="'image' is both a ComplexType and an Function"):
        graph_model.to_json()


def test_details_survive_the_round_trip():
    model = csdl.load(csdl.load(MODELS / "oasis-products.xml").to_json())
    product = model.entity_type("self.Product")
    assert product.has_stream
    tags = model.property("ODataDemo.Product", "Tags")
    assert (tags.type.collection, tags.type.nullable, tags.type.max_length) == (True, False, 20)
    weight = model.property("ODataDemo.Product", "Weight")
    assert (weight.type.precision, weight.type.scale) == (10, "variable")
    assert model.property("ODataDemo.Product", "Rating").default == "Average"
    category = model.entity_type("ODataDemo.Category")
    assert category.key == (csdl.PropertyRef("Info/ID", "EntityInfoID"),)
    assert category.navigation_properties[0].on_delete == "Cascade"
    address = model.type("self.Address")
    assert address.navigation_properties[0].referential_constraints[0].referenced_property == "Name"
    shipping = model.type("self.ShippingMethod")
    assert shipping.is_flags and shipping.underlying_type == "Edm.Byte"
    assert [m.value for m in model.type("self.Rating").members] == [0, 1, 2]  # §10.3.2 implicit values
    assert model.references[1].include_annotations[0].qualifier == "Tablet"
    (block,) = model.schemas[0].annotation_blocks
    assert [(a.term, a.qualifier) for a in block.annotations][:2] == [("Core.Description", "Tablet"), ("self.Tag", None)]
    assert block.annotations[3].value["Where"] == {"$NavigationPropertyPath": "Address/Country"}


# -- sources: path, str, bytes, gzip -------------------------------------------------------------------


def test_load_accepts_paths_text_bytes_and_gzip(tmp_path):
    text = (MODELS / "trippin.xml").read_text("utf-8")
    expected = csdl.load(MODELS / "trippin.xml")
    packed = tmp_path / "trippin.xml.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    for source in (text, text.encode(), str(MODELS / "trippin.xml"), gzip.compress(text.encode()), packed,
                   os.fspath(packed), expected.to_json(), expected.to_json().encode()):
        assert csdl.load(source) == expected


# -- malformed and inconsistent models: a ModelError naming the element --------------------------------

EDMX = '<edmx:Edmx Version="4.01" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>' \
       '<Schema Namespace="NS" xmlns="http://docs.oasis-open.org/odata/ns/edm">{}</Schema></edmx:DataServices></edmx:Edmx>'

KEYED = '<Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Int32" Nullable="false"/>'

BAD_XML = [
    ("unknown property type",
     f'<EntityType Name="T">{KEYED}<Property Name="P" Type="NS.Strng"/></EntityType><ComplexType Name="String"/>',
     "EntityType 'T' / Property 'P': unknown type 'NS.Strng' (did you mean 'NS.String'?)"),
    ("unknown Edm type", f'<EntityType Name="T">{KEYED}<Property Name="P" Type="Edm.Strin"/></EntityType>',
     "Property 'P': unknown type 'Edm.Strin' (did you mean 'Edm.String'?)"),
    ("unknown base type", f'<EntityType Name="T" BaseType="NS.Missing">{KEYED}</EntityType>',
     "EntityType 'T': unknown type 'NS.Missing'"),
    ("navigation to a complex type", f'<ComplexType Name="C"/><EntityType Name="T">{KEYED}'
                                     '<NavigationProperty Name="N" Type="NS.C"/></EntityType>',
     "NavigationProperty 'N': 'NS.C' is a ComplexType, not EntityType"),
    ("base-type cycle", f'<EntityType Name="A" BaseType="NS.B">{KEYED}</EntityType><EntityType Name="B" BaseType="NS.A"/>',
     "base types form a cycle"),
    ("self base", '<ComplexType Name="A" BaseType="NS.A"/>', "ComplexType 'NS.A': base types form a cycle: NS.A → NS.A"),
    ("duplicate type name", '<ComplexType Name="A"/><EnumType Name="A"/>', "Schema 'NS': 'A' is declared twice"),
    ("duplicate property", f'<EntityType Name="T">{KEYED}<Property Name="Id" Type="Edm.String"/></EntityType>',
     "EntityType 'T': the member 'Id' is declared twice"),
    ("property clashing with a base property", f'<EntityType Name="B">{KEYED}</EntityType>'
                                              '<EntityType Name="T" BaseType="NS.B"><Property Name="Id" Type="Edm.String"/></EntityType>',
     "EntityType 'NS.T': the member 'Id' is already declared by a base type"),
    ("key on a missing property", '<EntityType Name="T"><Key><PropertyRef Name="Idd"/></Key>'
                                  '<Property Name="Id" Type="Edm.Int32" Nullable="false"/></EntityType>',
     "EntityType 'NS.T': the key names 'Idd', but 'Idd' is not a property (did you mean 'Id'?)"),
    ("nullable key", '<EntityType Name="T"><Key><PropertyRef Name="Id"/></Key><Property Name="Id" Type="Edm.Int32"/></EntityType>',
     "the key property 'Id' must be a single, non-nullable value"),
    ("bad Nullable", f'<EntityType Name="T">{KEYED}<Property Name="P" Type="Edm.Int32" Nullable="maybe"/></EntityType>',
     "Property 'P': Nullable='maybe' is not true or false"),
    ("bad MaxLength", f'<EntityType Name="T">{KEYED}<Property Name="P" MaxLength="-1" Type="Edm.String"/></EntityType>',
     "MaxLength='-1' is not a non-negative integer or max"),
    ("missing Name", '<EntityType/>', "Schema 'NS' / EntityType: missing the Name attribute"),
    ("enum with a string underlying type", '<EnumType Name="E" UnderlyingType="Edm.String"/>',
     "EnumType 'E': UnderlyingType 'Edm.String' is not an Edm integer type"),
    ("enum member value not an integer", '<EnumType Name="E"><Member Name="A" Value="x"/></EnumType>',
     "member 'A' has Value='x', not an integer"),
    ("entity set of an unknown type", '<EntityContainer Name="C"><EntitySet Name="S" EntityType="NS.Nope"/></EntityContainer>',
     "EntitySet 'S': unknown type 'NS.Nope'"),
    ("function import of an unknown function", '<EntityContainer Name="C"><FunctionImport Name="F" Function="NS.F"/></EntityContainer>',
     "FunctionImport 'F': unknown function 'NS.F'"),
    ("function without a return type", '<Function Name="F"/>', "Function 'F': a function needs a ReturnType"),
    ("bound action without parameters", '<Action Name="A" IsBound="true"/>', "a bound operation needs its binding parameter"),
    ("unknown schema element", '<Entity Name="T"/>', "Schema 'NS': <Entity> is not a schema element"),
]


@pytest.mark.parametrize("xml, message", [pytest.param(x, m, id=i) for i, x, m in BAD_XML])
def test_inconsistent_xml_models_raise_a_model_error_naming_the_element(xml, message):
    with pytest.raises(ModelError) as caught:
        csdl.load(EDMX.format(xml))
    assert message in str(caught.value)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">&lol3;</edmx:Edmx>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">&secret;</edmx:Edmx>"""
DTD_ONLY = """<?xml version="1.0"?><!DOCTYPE edmx:Edmx SYSTEM "http://example.com/x.dtd">
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices/></edmx:Edmx>"""

BAD_DOCUMENTS = [
    ("billion laughs", BILLION_LAUGHS, "XML document: refused"),
    ("external entity", EXTERNAL, "XML document: refused"),
    ("any DTD", DTD_ONLY, "XML document: refused: DTDForbidden"),
    ("not well-formed", "<edmx:Edmx Version='4.0' xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx'><a></edmx:Edmx>",
     "not well-formed XML at line 1"),
    ("not edmx", "<Edmx/>", "the root element is <Edmx>"),
    ("unknown version", "<edmx:Edmx Version='3.0' xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx'/>",
     "edmx:Edmx: Version='3.0'"),
    ("no DataServices", "<edmx:Edmx Version='4.0' xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx'/>",
     "needs exactly one edmx:DataServices"),
    ("neither XML nor JSON", "hello", "cannot read the model"),
    ("JSON duplicate member", '{"$Version": "4.01", "NS": {"A": {"$Kind": "ComplexType"}, "A": {"$Kind": "EnumType"}}}',
     "the member 'A' appears twice"),
    ("JSON unknown kind", '{"$Version": "4.01", "NS": {"A": {"$Kind": "Entity"}}}', "Schema 'NS' / 'A': $Kind='Entity'"),
    ("JSON unknown type", '{"$Version": "4.01", "NS": {"C": {"$Kind": "ComplexType", "P": {"$Type": "NS.D"}}}}',
     "ComplexType 'C' / Property 'P': unknown type 'NS.D'"),
    ("JSON not JSON", '{"$Version": "4.01",', "not JSON at line 1"),
    ("JSON deeply nested", '{"$Version": "4.01", "NS": {"@A.B": ' + "[" * 100_000 + "]" * 100_000 + "}}",
     "nested too deeply"),
    ("JSON enum value not an integer", '{"$Version": "4.01", "NS": {"E": {"$Kind": "EnumType", "A": "1"}}}',
     "member 'A' has the value '1', not an integer"),
]


@pytest.mark.parametrize("text, message", [pytest.param(t, m, id=i) for i, t, m in BAD_DOCUMENTS])
def test_malformed_and_hostile_documents_raise_a_model_error(text, message):
    with pytest.raises(ModelError) as caught:
        csdl.load(text)
    assert message in str(caught.value)


def test_a_gzip_bomb_stops_at_the_unpack_limit(monkeypatch):
    from odatakit.model import model as model_module

    monkeypatch.setattr(model_module, "MAX_UNPACKED", 1000)
    with pytest.raises(ModelError, match="unpacks to more than 1000 bytes"):
        csdl.load(gzip.compress(b"<" + b" " * 10_000))


# -- the lookup API the evaluator and the SQL compiler use -----------------------------------------------


def test_lookups_follow_aliases_bases_and_openness(graph_model, outlook_model, trippin_model):
    user = graph_model.entity_type("graph.user")
    assert user is graph_model.entity_type("microsoft.graph.user")
    assert graph_model.key("graph.user") == (csdl.PropertyRef("id"),)  # inherited from graph.entity
    assert graph_model.property("graph.user", "id").type.type == "Edm.String"
    assert graph_model.is_open("graph.openTypeExtension") and not graph_model.is_open("graph.mailFolder")
    assert "microsoft.graph.eventMessage" in graph_model.derived_types("graph.message")
    assert graph_model.is_a("graph.eventMessage", "microsoft.graph.outlookItem")
    assert outlook_model.is_open("Microsoft.OutlookServices.OpenTypeExtension")
    friends = trippin_model.property("Trippin.Person", "Friends")
    assert (friends.target, friends.collection) == ("Trippin.Person", True)
    age = trippin_model.property("Trippin.Employee", "Age")
    assert (age.type.type, age.type.nullable) == ("Edm.Int64", True)
    with pytest.raises(ModelError, match="no entity type 'Trippin.Persn' \\(did you mean 'Trippin.Person'\\?\\)"):
        trippin_model.entity_type("Trippin.Persn")


RESOLVE = [
    ("graph", "me/messages", "microsoft.graph.message", True),
    ("graph", "users('x')/events", "microsoft.graph.event", True),
    ("graph", "me/contacts('c1')/extensions", "microsoft.graph.extension", True),
    ("graph", "me/messages('m')/microsoft.graph.eventMessage", "microsoft.graph.eventMessage", False),
    ("trippin", "People('russell')/Trips(1)/PlanItems", "Trippin.PlanItem", True),
    ("trippin", "Me/BestFriend", "Trippin.Person", False),
    ("outlook", "Me/Messages", "Microsoft.OutlookServices.Message", True),
    ("outlook", "Users('a@b.c')/Contacts('x')/Extensions", "Microsoft.OutlookServices.Extension", True),
]


@pytest.mark.parametrize("which, path, type_name, collection", RESOLVE)
def test_resolve_follows_sets_singletons_keys_and_navigations(request, which, path, type_name, collection):
    model = request.getfixturevalue(f"{which}_model")
    resolved = model.resolve(path)
    assert (resolved.type_name, resolved.collection) == (type_name, collection)


def test_resolve_names_the_missing_segment(trippin_model):
    with pytest.raises(ModelError, match="'Peple'.*did you mean 'People'"):
        trippin_model.resolve("Peple('x')")


# -- bounds: deep nesting and long chains end in a model or a ModelError, never a RecursionError ----


def test_deeply_nested_annotation_values_are_refused():
    deep = "<Collection>" * 200 + "</Collection>" * 200
    with pytest.raises(ModelError, match="nests deeper than 64 levels"):
        csdl.load(EDMX.format(f'<ComplexType Name="C"><Annotation Term="A.B">{deep}</Annotation></ComplexType>'))
    nested_annotations = '<Annotation Term="A.B">' * 3000 + "</Annotation>" * 3000
    with pytest.raises(ModelError, match="nest too deeply"):
        csdl.load(EDMX.format(f'<ComplexType Name="C">{nested_annotations}</ComplexType>'))
    json_deep = '{"$Version": "4.01", "NS": {"C": {"$Kind": "ComplexType", "@A.B": ' + "[" * 100 + "]" * 100 + "}}}"
    with pytest.raises(ModelError, match="nests deeper than 64 levels"):
        csdl.load(json_deep)


@pytest.mark.slow
def test_a_long_base_type_chain_reads_without_recursion():
    # longer than Python's recursion limit: a recursive walk up the chain would fail here
    chain = "".join(f'<ComplexType Name="T{i}" BaseType="NS.T{i - 1}"><Property Name="P{i}" Type="Edm.Int32"/></ComplexType>'
                    for i in range(1, 1200))
    model = csdl.load(EDMX.format('<ComplexType Name="T0"><Property Name="P0" Type="Edm.Int32"/></ComplexType>' + chain))
    assert len(model.members("NS.T1199")) == 1200
    assert model.is_a("NS.T1199", "NS.T0")


def test_import_odatakit_loads_neither_the_model_layer_nor_defusedxml():
    import subprocess
    import sys

    code = ("import sys, odatakit; print('odatakit.model' in sys.modules, 'defusedxml' in sys.modules); "
            "odatakit.csdl; print('odatakit.model' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=pathlib.Path(__file__).parent.parent).stdout.split()
    assert out == ["False", "False", "True"]


def test_a_key_on_a_complex_type_is_refused():
    with pytest.raises(ModelError, match="ComplexType 'C': a complex type has no key"):
        csdl.load(EDMX.format('<ComplexType Name="C"><Key><PropertyRef Name="P"/></Key><Property Name="P" Type="Edm.Int32"/>'
                              '</ComplexType>'))


# -- the XML reader's unchecked constructors build what the checked element classes build ----------


def _elements(value):
    """Every model element inside ``value``, without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if attrs.has(type(item)):
            yield item
            pending.extend(getattr(item, field.name) for field in attrs.fields(type(item)))
        elif isinstance(item, (tuple, list)):
            pending.extend(item)


@pytest.mark.parametrize("name", [pytest.param("graph", marks=pytest.mark.slow), "trippin.xml", "outlook-v2.xml",
                                  "oasis-products.xml"])
def test_elements_read_from_xml_equal_their_checked_rebuilds(request, name):
    model = request.getfixturevalue("graph_model") if name == "graph" else csdl.load(MODELS / name)
    checked = 0
    for element in _elements(model.schemas):
        rebuilt = attrs.evolve(element)  # through __init__: converters and __attrs_post_init__ run
        assert rebuilt == element and type(rebuilt) is type(element)
        for field in attrs.fields(type(element)):
            if field.converter is not None:
                assert type(getattr(element, field.name)) is tuple, (element, field.name)
        checked += 1
    assert checked > 50
