"""Text → tree: what each construct of the query language parses to."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal

import pytest

import odatakit
from odatakit import edm
from odatakit.query.tree import (
    Alias, And, Annotation, BinaryOp, Call, Case, CaseBranch, Cast, Compute, ComputeItem, Count,
    CustomOption, EntitySet, EnumLiteral, Expand, ExpandItem, FilterSegment, FunctionCall,
    FunctionSignature, In, IsOf, JsonArray, JsonMember, JsonObject, Key, KeyValue, Lambda, LambdaVariable, ListExpr,
    Literal, NamedArg, Or, OrderBy, OrderByItem, Path, Property, QualifiedStar, Query, Search,
    SearchAnd, SearchNot, SearchOr, SearchPhrase, SearchWord, Select, SelectItem, Star, TypeCast,
    TypeName, UnaryOp, Value, Variable, AliasDefinition,
)


def P(*names: str) -> Path:
    return Path(Property(name) for name in names)


def V(variable: str, *names: str) -> Path:
    """A path that starts with a lambda variable: ``V("d", "Price")`` is ``d/Price`` inside ``any(d:…)``."""
    return Path((LambdaVariable(variable), *(Property(name) for name in names)))


def S(text: str) -> Literal:
    return Literal("String", text)


def I(value: int) -> Literal:
    return Literal("Int32", value)


# (text, the tree it parses to)
LITERALS = [
    ("null", Literal("Null", None)),
    ("true", Literal("Boolean", True)),
    ("FALSE", Literal("Boolean", False)),
    ("42", I(42)),
    ("-128", I(-128)),
    ("+7", I(7)),
    ("%2B7", I(7)),
    ("2147483648", Literal("Int64", 2147483648)),
    ("9223372036854775808", Literal("Decimal", 9223372036854775808)),
    ("123456789012345678901234567890", Literal("Decimal", 123456789012345678901234567890)),
    ("34.95", Literal("Decimal", Decimal("34.95"))),
    ("1.50", Literal("Decimal", Decimal("1.50"))),
    ("1.5e3", Literal("Double", 1500.0)),
    ("1e-1", Literal("Double", 0.1)),
    ("0.31415926535897931e1", Literal("Decimal", Decimal("3.1415926535897931"))),
    ("1e400", Literal("Decimal", Decimal("1e400"))),
    ("INF", Literal("Double", math.inf)),
    ("-INF", Literal("Double", -math.inf)),
    ("NaN", Literal("Double", math.nan)),
    ("'Say Hello,then go'", S("Say Hello,then go")),
    ("'O''Neil'", S("O'Neil")),
    ("%27O%27%27Neil%27", S("O'Neil")),
    ("'Smartphone%2FTablet'", S("Smartphone/Tablet")),
    ("''", S("")),
    ("'100%'", S("100%")),
    ("2012-12-03", Literal("Date", edm.Date(2012, 12, 3))),
    ("-0044-03-15", Literal("Date", edm.Date(-44, 3, 15))),
    ("2012-12-03T07:16:23Z", Literal("DateTimeOffset", edm.DateTimeOffset.parse("2012-12-03T07:16:23Z"))),
    ("2012-09-03T14:53+02:00", Literal("DateTimeOffset", edm.DateTimeOffset.parse("2012-09-03T14:53:00+02:00"))),
    ("2012-09-03T14:53%2B02:00", Literal("DateTimeOffset", edm.DateTimeOffset.parse("2012-09-03T14:53:00+02:00"))),
    ("1972-06-30T23:59:60Z", Literal("DateTimeOffset", edm.DateTimeOffset.parse("1972-06-30T23:59:60Z"))),
    ("-0244-10-20T03:37:27Z", Literal("DateTimeOffset", edm.DateTimeOffset(edm.Date(-244, 10, 20), edm.TimeOfDay(3, 37, 27)))),
    ("13171-03-27t03:18:52z", Literal("DateTimeOffset", edm.DateTimeOffset(edm.Date(13171, 3, 27), edm.TimeOfDay(3, 18, 52)))),
    ("07:59:59.999", Literal("TimeOfDay", edm.TimeOfDay(7, 59, 59, "999"))),
    ("11:22:33.4444444", Literal("TimeOfDay", edm.TimeOfDay(11, 22, 33, "4444444"))),
    ("duration'P12DT23H59M59.999999999999S'",
     Literal("Duration", edm.Duration(False, 12, 23, 59, Decimal("59.999999999999")))),
    ("duration'-PT1H'", Literal("Duration", edm.Duration(True, hours=1))),
    ("01234567-89ab-cdef-0123-456789abcdef", Literal("Guid", uuid.UUID("01234567-89ab-cdef-0123-456789abcdef"))),
    ("binary'T0RhdGE'", Literal("Binary", b"OData")),
    ("Sales.Pattern'Yellow'", EnumLiteral("Sales.Pattern", ("Yellow",))),
    ("Sales.Pattern'Yellow,Solid'", EnumLiteral("Sales.Pattern", ("Yellow", "Solid"))),
    ("Sales.Pattern'32'", EnumLiteral("Sales.Pattern", ("32",))),
    ("geography'SRID=0;Point(142.1 64.1)'", Literal("GeographyPoint", "SRID=0;Point(142.1 64.1)")),
    ("geometry'SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))'",
     Literal("GeometryPolygon", "SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))")),
]


@pytest.mark.parametrize(("text", "expected"), LITERALS, ids=[t for t, _ in LITERALS])
def test_literal_parses_to_exact_typed_value(text: str, expected: object) -> None:
    assert odatakit.parse_literal(text) == expected
    assert odatakit.parse_filter(f"X eq {text}") == BinaryOp("eq", P("X"), expected)


def test_decimal_keeps_its_digits() -> None:
    literal = odatakit.parse_literal("1.50")
    assert isinstance(literal.value, Decimal) and str(literal.value) == "1.50"
    big = odatakit.parse_literal("3.14159265358979323846264338327950288")
    assert str(big.value) == "3.14159265358979323846264338327950288"


EXPRESSIONS = [
    # names that start with keywords are ordinary names
    ("anything eq 1", BinaryOp("eq", P("anything"), I(1))),
    ("allowed and nullable", And((P("allowed"), P("nullable")))),
    ("trueValue or notes", Or((P("trueValue"), P("notes")))),
    ("orders gt 2", BinaryOp("gt", P("orders"), I(2))),
    ("contains eq 1", BinaryOp("eq", P("contains"), I(1))),
    ("indexOfThings ne null", BinaryOp("ne", P("indexOfThings"), Literal("Null", None))),
    # precedence (URL Conventions §5.1.1.17)
    ("A or B and C", Or((P("A"), And((P("B"), P("C")))))),
    ("A and B or C", Or((And((P("A"), P("B"))), P("C")))),
    ("A eq 1 or B eq 2 or C eq 3", Or((BinaryOp("eq", P("A"), I(1)), BinaryOp("eq", P("B"), I(2)), BinaryOp("eq", P("C"), I(3))))),
    ("(A or B) and C", And((Or((P("A"), P("B"))), P("C")))),
    ("A add B mul C", BinaryOp("add", P("A"), BinaryOp("mul", P("B"), P("C")))),
    ("A sub B sub C", BinaryOp("sub", BinaryOp("sub", P("A"), P("B")), P("C"))),
    ("A sub (B sub C)", BinaryOp("sub", P("A"), BinaryOp("sub", P("B"), P("C")))),
    ("A div B divby C mod D", BinaryOp("mod", BinaryOp("divby", BinaryOp("div", P("A"), P("B")), P("C")), P("D"))),
    ("A add 1 gt B", BinaryOp("gt", BinaryOp("add", P("A"), I(1)), P("B"))),
    ("A lt B eq C ge D", BinaryOp("eq", BinaryOp("lt", P("A"), P("B")), BinaryOp("ge", P("C"), P("D")))),
    ("not A eq B", BinaryOp("eq", UnaryOp("not", P("A")), P("B"))),
    ("not (A eq B)", UnaryOp("not", BinaryOp("eq", P("A"), P("B")))),
    ("not(contains(A,'x'))", UnaryOp("not", Call("contains", (P("A"), S("x"))))),
    ("-A add B", BinaryOp("add", UnaryOp("-", P("A")), P("B"))),
    ("- 1", UnaryOp("-", I(1))),
    ("-A has 'B'", UnaryOp("-", BinaryOp("has", P("A"), Literal("String", "B")))),
    ("not A in (1,2)", UnaryOp("not", In(P("A"), ListExpr((I(1), I(2)))))),
    ("A add B in (1)", BinaryOp("add", P("A"), In(P("B"), ListExpr((I(1),))))),
    ("A EQ 1 AND B Ne 2", And((BinaryOp("eq", P("A"), I(1)), BinaryOp("ne", P("B"), I(2))))),
    ("A%20eq%20'x'", BinaryOp("eq", P("A"), S("x"))),
    ("A\teq\t1", BinaryOp("eq", P("A"), I(1))),
    # in and has
    ("Name in ('Milk', 'Cheese')", In(P("Name"), ListExpr((S("Milk"), S("Cheese"))))),
    ("Name in ('Milk')", In(P("Name"), ListExpr((S("Milk"),)))),
    ("Name in ()", In(P("Name"), ListExpr(()))),
    ("Name in (@names)", In(P("Name"), ListExpr((Alias("names"),)))),
    ("Name in Names", In(P("Name"), P("Names"))),
    ("Name in (Other/Names)", In(P("Name"), P("Other", "Names"))),
    ("Name in [\"a\",\"b\"]", In(P("Name"), JsonArray((S("a"), S("b"))))),
    ("style has Sales.Pattern'Yellow'", BinaryOp("has", P("style"), EnumLiteral("Sales.Pattern", ("Yellow",)))),
    # paths
    ("From/EmailAddress/Address", P("From", "EmailAddress", "Address")),
    ("Microsoft.OutlookServices.EventMessage/MeetingMessageType",
     Path((TypeCast("Microsoft.OutlookServices.EventMessage"), Property("MeetingMessageType")))),
    ("Items/$count gt 0", BinaryOp("gt", Path((Property("Items"), Count())), I(0))),
    ("Items/$count($filter=Price gt 5.00;$search=blue)",
     Path((Property("Items"), Count(BinaryOp("gt", P("Price"), Literal("Decimal", Decimal("5.00"))), Search(SearchWord("blue")))))),
    ("Addresses/$filter(endswith(Street,'St'))/$count",
     Path((Property("Addresses"), FilterSegment(Call("endswith", (P("Street"), S("St")))), Count()))),
    ("$it/Completed", Path((Variable("$it"), Property("Completed")))),
    ("$this", Path((Variable("$this"),))),
    ("$root/Employees('A1245')/LastName",
     Path((Variable("$root"), EntitySet("Employees", Key((KeyValue(S("A1245")),))), Property("LastName")))),
    ("Orders/Items(1)/Price", Path((Property("Orders"), EntitySet("Items", Key((KeyValue(I(1)),))), Property("Price")))),
    ("Price/@Measures.Currency", Path((Property("Price"), Annotation("Measures.Currency")))),
    ("Price/@Currency#Reporting", Path((Property("Price"), Annotation("Currency", "Reporting")))),
    ("@Core.Messages", Path((Annotation("Core.Messages"),))),
    ("@p1", Alias("p1")),
    ("Thumbnail/Model.Available()", Path((Property("Thumbnail"), FunctionCall("Model.Available")))),
    ("Model.PhoneticallySimilar(Word=@w,Number=5 add 3)",
     FunctionCall("Model.PhoneticallySimilar", (NamedArg("Word", Alias("w")), NamedArg("Number", BinaryOp("add", I(5), I(3)))))),
    # lambdas
    ("Extensions/any(f:f/Id eq 'Com.Contoso.Referral')",
     Path((Property("Extensions"), Lambda("any", "f", BinaryOp("eq", V("f", "Id"), S("Com.Contoso.Referral")))))),
    ("Items/any()", Path((Property("Items"), Lambda("any")))),
    ("Items/ANY( )", Path((Property("Items"), Lambda("any")))),
    ("Items/all(d:d/Quantity gt 100)", Path((Property("Items"), Lambda("all", "d", BinaryOp("gt", V("d", "Quantity"), I(100)))))),
    ("A/any(x:x/B/all(y:y/C eq x/D))",
     Path((Property("A"), Lambda("any", "x", Path((LambdaVariable("x"), Property("B"), Lambda("all", "y", BinaryOp("eq", V("y", "C"), V("x", "D"))))))))),
    ("@Core.Messages/any(m:m/severity eq 'error')",
     Path((Annotation("Core.Messages"), Lambda("any", "m", BinaryOp("eq", V("m", "severity"), S("error")))))),
    # calls
    ("contains(Subject,'odata')", Call("contains", (P("Subject"), S("odata")))),
    ("CONTAINS(Subject,'odata')", Call("contains", (P("Subject"), S("odata")))),
    ("matchespattern(Name,'^A')", Call("matchesPattern", (P("Name"), S("^A")))),
    ("substring(Name,1)", Call("substring", (P("Name"), I(1)))),
    ("now()", Call("now")),
    ("geo.distance(Location,geography'SRID=0;Point(1 2)')",
     Call("geo.distance", (P("Location"), Literal("GeographyPoint", "SRID=0;Point(1 2)")))),
    ("cast(Edm.Int32)", Cast(TypeName("Edm.Int32"))),
    ("cast(Price,Edm.String)", Cast(TypeName("Edm.String"), P("Price"))),
    ("cast(Tags,Collection(Edm.String))", Cast(TypeName("Edm.String", collection=True), P("Tags"))),
    ("isof(Model.VipCustomer)", IsOf(TypeName("Model.VipCustomer"))),
    ("isof(Category,Customer)", IsOf(TypeName("Customer"), P("Category"))),
    ("case(X gt 0:1,X lt 0:-1,true:0)",
     Case((CaseBranch(BinaryOp("gt", P("X"), I(0)), I(1)), CaseBranch(BinaryOp("lt", P("X"), I(0)), I(-1)),
           CaseBranch(Literal("Boolean", True), I(0))))),
    # JSON
    ('Address eq {"Street":"NE 40th","City":"Redmond"}',
     BinaryOp("eq", P("Address"), JsonObject((JsonMember("Street", S("NE 40th")), JsonMember("City", S("Redmond")))))),
    ('A eq %7B%22a%22:%5B1,2.5,null%5D%7D',
     BinaryOp("eq", P("A"), JsonObject((JsonMember("a", JsonArray((I(1), Literal("Decimal", Decimal("2.5")), Literal("Null", None)))),)))),
    ('A eq ["quote \\" and \\\\"]', BinaryOp("eq", P("A"), JsonArray((S('quote " and \\'),)))),
]


@pytest.mark.parametrize(("text", "expected"), EXPRESSIONS, ids=[t for t, _ in EXPRESSIONS])
def test_expression_parses_to_tree(text: str, expected: object) -> None:
    assert odatakit.parse_expression(text) == expected


OPTIONS = [
    (odatakit.parse_expand, "Extensions($filter=Id eq 'Com.Contoso.Referral')",
     Expand((ExpandItem((Property("Extensions"),), filter=BinaryOp("eq", P("Id"), S("Com.Contoso.Referral"))),))),
    (odatakit.parse_expand, "Customer/$ref,Items($select=Quantity;$expand=Product($select=Name,Price);@c=15)",
     Expand((ExpandItem((Property("Customer"),), suffix="$ref"),
             ExpandItem((Property("Items"),), select=Select((SelectItem((Property("Quantity"),)),)),
                        expand=Expand((ExpandItem((Property("Product"),), select=Select((SelectItem((Property("Name"),)), SelectItem((Property("Price"),))))),)),
                        aliases=(AliasDefinition("c", I(15)),))))),
    (odatakit.parse_expand, "*,*/$ref,*($levels=2),Category($levels=max)",
     Expand((ExpandItem((Star(),)), ExpandItem((Star(),), suffix="$ref"), ExpandItem((Star(),), levels=2),
             ExpandItem((Property("Category"),), levels="max")))),
    (odatakit.parse_expand, "Items/$count($search=Hugo),$value",
     Expand((ExpandItem((Property("Items"),), suffix="$count", search=Search(SearchWord("Hugo"))), ExpandItem((Value(),))))),
    (odatakit.parse_expand, "Model.VipCustomer/Address/*",
     Expand((ExpandItem((TypeCast("Model.VipCustomer"), Property("Address"), Star())),))),
    (odatakit.parse_expand, "Items(expand=Product;top=2;skip=1;count=true;orderby=Name desc)",
     Expand((ExpandItem((Property("Items"),), expand=Expand((ExpandItem((Property("Product"),)),)), top=2, skip=1,
                        count=True, orderby=OrderBy((OrderByItem(P("Name"), descending=True),))),))),
    (odatakit.parse_select, "Rating,Address/Street,*,Model.*,Model.MostPopularName(Location,Kind)",
     Select((SelectItem((Property("Rating"),)), SelectItem((Property("Address"), Property("Street"))), SelectItem((Star(),)),
             SelectItem((QualifiedStar("Model"),)), SelectItem((FunctionSignature("Model.MostPopularName", ("Location", "Kind")),))))),
    (odatakit.parse_select, "Addresses($filter=startswith(City,'H');$top=5)",
     Select((SelectItem((Property("Addresses"),), filter=Call("startswith", (P("City"), S("H"))), top=5),))),
    (odatakit.parse_orderby, "ReceivedDateTime desc,Subject asc,Cost ge Revenue",
     OrderBy((OrderByItem(P("ReceivedDateTime"), True), OrderByItem(P("Subject")), OrderByItem(BinaryOp("ge", P("Cost"), P("Revenue")))))),
    (odatakit.parse_compute, "Amount mul Product/TaxRate as Tax",
     Compute((ComputeItem(BinaryOp("mul", P("Amount"), P("Product", "TaxRate")), "Tax"),))),
    (odatakit.parse_search, "blue green", Search(SearchAnd(SearchWord("blue"), SearchWord("green")))),
    (odatakit.parse_search, "foo AND bar OR NOT baz",
     Search(SearchOr(SearchAnd(SearchWord("foo"), SearchWord("bar")), SearchNot(SearchWord("baz"))))),
    (odatakit.parse_search, '"blue green" OR (NOT red)',
     Search(SearchOr(SearchPhrase("blue green"), SearchNot(SearchWord("red"))))),
    (odatakit.parse_search, "a%3Bb", Search(SearchWord("a;b"))),
    (odatakit.parse_search, "NOT", Search(SearchWord("NOT"))),
]


@pytest.mark.parametrize(("parse", "text", "expected"), OPTIONS, ids=[t for _, t, _ in OPTIONS])
def test_option_value_parses_to_tree(parse, text: str, expected: object) -> None:
    assert parse(text) == expected


def test_query_string_parses_every_option() -> None:
    text = (
        "?$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')"
        "&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')"
        "&$select=Subject&$orderby=Subject desc&$top=10&$skip=20&$count=true&$search=blue"
        "&$compute=A add 1 as B&$index=-1&$levels=max&$format=application/json;odata.metadata=minimal"
        "&$skiptoken=Start@Next_Chunk:From?=Here!&$deltatoken=abc&$schemaversion=1.0"
        "&@p=5&find=O%27Neil&!special"
    )
    query = odatakit.parse_query(text)
    assert query.filter == Path((Property("Extensions"), Lambda("any", "f", BinaryOp("eq", V("f", "Id"), S("Com.Contoso.Referral")))))
    assert query.expand == odatakit.parse_expand("Extensions($filter=Id eq 'Com.Contoso.Referral')")
    assert query.select == Select((SelectItem((Property("Subject"),)),))
    assert query.orderby == OrderBy((OrderByItem(P("Subject"), True),))
    assert (query.top, query.skip, query.count, query.index, query.levels) == (10, 20, True, -1, "max")
    assert query.search == Search(SearchWord("blue"))
    assert query.compute == Compute((ComputeItem(BinaryOp("add", P("A"), I(1)), "B"),))
    assert query.format == "application/json;odata.metadata=minimal"
    assert query.skiptoken == "Start@Next_Chunk:From?=Here!"
    assert (query.deltatoken, query.schemaversion) == ("abc", "1.0")
    assert query.aliases == (AliasDefinition("p", I(5)),)
    assert query.custom == (CustomOption("find", "O'Neil"), CustomOption("!special"))


@pytest.mark.parametrize("text", ["filter=A eq 1", "$FILTER=A eq 1", "$Filter=A eq 1", "%24filter=A eq 1"])
def test_option_names_are_case_insensitive_and_dollar_optional(text: str) -> None:
    assert odatakit.parse_query(text) == Query(filter=BinaryOp("eq", P("A"), I(1)))


def test_encoded_ampersand_stays_in_the_value_but_raw_ampersand_splits() -> None:
    assert odatakit.parse_query("$filter=Name eq 'AT%26T'").filter == BinaryOp("eq", P("Name"), S("AT&T"))
    with pytest.raises(odatakit.ODataSyntaxError):
        odatakit.parse_query("$filter=Name eq 'AT&T'")


def test_plus_reads_as_space_when_the_query_string_is_form_encoded() -> None:
    from urllib.parse import urlencode

    text = urlencode({"$filter": "jobTitle eq 'Helper+Assistant'", "$top": "5"})
    assert "+eq+" in text
    query = odatakit.parse_query(text, plus_is_space=True)
    assert query.filter == BinaryOp("eq", P("jobTitle"), S("Helper+Assistant"))
    assert query.top == 5
    assert odatakit.parse_query("$filter=jobTitle+eq+%27Helper%27", plus_is_space=True).filter == BinaryOp("eq", P("jobTitle"), S("Helper"))
    with pytest.raises(odatakit.ODataSyntaxError):
        odatakit.parse_query("$filter=jobTitle+eq+%27Helper%27")


TEMPORAL = [
    ("$at=2019-01-30", Query(at=Literal("Date", edm.Date(2019, 1, 30)))),
    ("$from=min&$to=max", Query(from_="min", to="max")),
    ("$from=2012-07-26&$toInclusive=2012-08-02",
     Query(from_=Literal("Date", edm.Date(2012, 7, 26)), to_inclusive=Literal("Date", edm.Date(2012, 8, 2)))),
    ("$expand=Department($at=2013-01-01)",
     Query(expand=Expand((ExpandItem((Property("Department"),), at=Literal("Date", edm.Date(2013, 1, 1))),)))),
]


@pytest.mark.parametrize(("text", "expected"), TEMPORAL, ids=[t for t, _ in TEMPORAL])
def test_temporal_options_parse_and_print_back(text: str, expected: Query) -> None:
    """The Temporal extension's $at/$from/$to/$toInclusive (odata-temporal-abnf)."""
    assert odatakit.parse_query(text) == expected
    assert odatakit.serialize(expected) == text


# ---------------------------------------------------------------------------------------------
# Lambda variables: a distinct node, so the tree alone says what a name means (§5.1.1.13)
# ---------------------------------------------------------------------------------------------

LAMBDA_SCOPES = [
    # the variable inside its predicate; a property of the same name outside it
    ("d eq 1 and Items/any(d:d/Q eq 1)",
     And((BinaryOp("eq", P("d"), I(1)), Path((Property("Items"), Lambda("any", "d", BinaryOp("eq", V("d", "Q"), I(1)))))))),
    # $it/d is the property, even inside
    ("Items/any(d:$it/d eq d)",
     Path((Property("Items"), Lambda("any", "d", BinaryOp("eq", Path((Variable("$it"), Property("d"))), V("d")))))),
    # an inner lambda rebinding the name: both uses are variables, each of its own lambda
    ("A/any(d:d/B/any(d:d eq 1))",
     Path((Property("A"), Lambda("any", "d", Path((LambdaVariable("d"), Property("B"),
                                                   Lambda("any", "d", BinaryOp("eq", V("d"), I(1))))))))),
    # a name that is only a segment after the first stays a property
    ("A/any(d:B/d eq 1)", Path((Property("A"), Lambda("any", "d", BinaryOp("eq", P("B", "d"), I(1)))))),
]


@pytest.mark.parametrize(("text", "expected"), LAMBDA_SCOPES, ids=[text for text, _ in LAMBDA_SCOPES])
def test_uses_of_a_lambda_variable_are_lambda_variable_nodes(text: str, expected: object) -> None:
    assert odatakit.parse_filter(text) == expected
    assert odatakit.serialize(expected) == text
