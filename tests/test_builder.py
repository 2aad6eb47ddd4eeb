"""The query builder: Python expressions → the same trees the parser makes → canonical text.

Tables pin builder call → text; every table row is also parsed back and compared with the built
tree, so the builder can never drift from the parser. Hypothesis properties on top: built
expressions round-trip, and no string value can change a query's structure.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import pytest

from odatakit import (
    F,
    Expression,
    Q,
    S,
    alias,
    asc,
    case,
    cast,
    desc,
    enum_literal,
    enum_type,
    expand_item,
    fn,
    isof,
    it,
    lit,
    parse_expand,
    parse_filter,
    parse_orderby,
    parse_query,
    parse_search,
    parse_select,
    root,
    select_item,
    serialize,
    this,
    tree,
)
from odatakit.query.syntax import FUNCTIONS

UTC = dt.timezone.utc


@enum_type("Sales.Color")
class Color(enum.Enum):
    Red = 1
    Yellow = 2


@enum_type("Sales.Pattern")
class Pattern(enum.Flag):
    Plaid = 1
    Stripes = 2
    Dots = 4


@enum_type("Sales.Size")
class Size(enum.IntEnum):
    Small = 1


class Unregistered(enum.Enum):
    A = 1


# ---------------------------------------------------------------------------------------------
# Expressions: builder → canonical text (and parse(text) == built tree)
# ---------------------------------------------------------------------------------------------

EXPRESSIONS = [
    # paths
    (F.Subject, "Subject"),
    (F.From.EmailAddress.Address, "From/EmailAddress/Address"),
    (F["Größe"], "Größe"),
    (F["class"].Name, "class/Name"),
    (F.path("From/EmailAddress/Address"), "From/EmailAddress/Address"),
    (F.path("Attachments/Microsoft.OutlookServices.FileAttachment/Name"),
     "Attachments/Microsoft.OutlookServices.FileAttachment/Name"),
    (F.Items["Ns.Special"].Price, "Items/Ns.Special/Price"),
    (F.Items["any"], "Items/any"),
    (F.Items.count(), "Items/$count"),
    (F.Items.count(filter=F.Price > 5), "Items/$count($filter=Price gt 5)"),
    (it.Name, "$it/Name"),
    (it["true"], "$it/true"),
    (this, "$this"),
    (root.People, "$root/People"),
    (root("People", "A1245").LastName, "$root/People('A1245')/LastName"),
    (root("OrderItems", OrderID=1, ItemID=2).Qty, "$root/OrderItems(OrderID=1,ItemID=2)/Qty"),
    # comparisons
    (F.Id == "Com.Contoso.Referral", "Id eq 'Com.Contoso.Referral'"),
    (F.Name != None, "Name ne null"),  # noqa: E711
    (F.Price > 5, "Price gt 5"),
    (F.Price >= 5.5, "Price ge 5.5e0"),
    (F.Price < Decimal("34.95"), "Price lt 34.95"),
    (F.Price <= -128, "Price le -128"),
    (F.Name == "O'Neil", "Name eq 'O''Neil'"),
    (5 < F.Price, "Price gt 5"),
    (F.A == F.B, "A eq B"),
    # logic: flat and/or, parentheses only where precedence needs them
    ((F.A == 1) & (F.B == 2) & (F.C == 3), "A eq 1 and B eq 2 and C eq 3"),
    ((F.A == 1) | (F.B == 2) | (F.C == 3), "A eq 1 or B eq 2 or C eq 3"),
    (((F.A == 1) | (F.B == 2)) & (F.C == 3), "(A eq 1 or B eq 2) and C eq 3"),
    ((F.A == 1) | (F.B == 2) & (F.C == 3), "A eq 1 or B eq 2 and C eq 3"),
    (~(F.A == 1), "not (A eq 1)"),
    (~F.IsRead, "not IsRead"),
    (F.IsRead & True, "IsRead and true"),
    # arithmetic
    (F.Price + 1, "Price add 1"),
    (1 + F.Price, "1 add Price"),
    (F.Price - 1, "Price sub 1"),
    (10 - F.Price, "10 sub Price"),
    (F.Price * 2, "Price mul 2"),
    (F.Price / 2, "Price div 2"),
    (F.Price % 2, "Price mod 2"),
    (F.Price.divby(2), "Price divby 2"),
    ((F.A + F.B) * F.C, "(A add B) mul C"),
    (F.A - (F.B - F.C), "A sub (B sub C)"),
    (-F.Price, "-Price"),
    (-lit(5), "-5"),
    (lit(5) - 5, "5 sub 5"),
    # in, has
    (F.Name.in_(["Milk", "Cheese"]), "Name in ('Milk','Cheese')"),
    (F.Id.in_((1,)), "Id in (1)"),
    (F.Tags.in_(F.Other), "Tags in Other"),
    (F.Id.in_([alias("ids"), 2]), "Id in (@ids,2)"),
    (F.Style.has(Pattern.Stripes), "Style has Sales.Pattern'Stripes'"),
    (F.Style.has(enum_literal("Sales.Pattern", "Dots")), "Style has Sales.Pattern'Dots'"),
    # lambdas
    (F.Extensions.any(lambda f: f.Id == "Com.Contoso.Referral"), "Extensions/any(f:f/Id eq 'Com.Contoso.Referral')"),
    (F.Items.any(lambda d: d.Quantity > 100), "Items/any(d:d/Quantity gt 100)"),
    (F.Items.all(lambda d: d.Quantity > 100), "Items/all(d:d/Quantity gt 100)"),
    (F.Items.any(), "Items/any()"),
    (F.Items.any(lambda q: q.Price > 1, name="p"), "Items/any(p:p/Price gt 1)"),
    (F.Items.any(lambda d: d.Price > it.MinPrice), "Items/any(d:d/Price gt $it/MinPrice)"),
    # canonical functions, cast, isof, case, aliases
    (fn.contains(F.Subject, "Review"), "contains(Subject,'Review')"),
    (fn.CONTAINS(F.Subject, "x"), "contains(Subject,'x')"),
    (fn.matchesPattern(F.Name, "^A.*e$"), "matchesPattern(Name,'^A.*e$')"),
    (fn["matchespattern"](F.Name, "x"), "matchesPattern(Name,'x')"),
    (fn.substring(F.Name, 1), "substring(Name,1)"),
    (fn.substring(F.Name, 1, 2), "substring(Name,1,2)"),
    (fn.year(F.ReceivedDateTime) == 2015, "year(ReceivedDateTime) eq 2015"),
    (fn.now(), "now()"),
    (fn.geo.distance(F.Location, F.Home) < 10.0, "geo.distance(Location,Home) lt 10.0e0"),
    (fn["geo.length"](F.Route), "geo.length(Route)"),
    (fn.endswith(this, ".com"), "endswith($this,'.com')"),
    (cast(F.Price, "Edm.String"), "cast(Price,Edm.String)"),
    (F.Price.cast("Edm.Int64"), "cast(Price,Edm.Int64)"),
    (cast("Ns.Special"), "cast(Ns.Special)"),
    (isof(F.Item, "Ns.Special"), "isof(Item,Ns.Special)"),
    (F.Item.isof("Collection(Ns.T)"), "isof(Item,Collection(Ns.T))"),
    (isof("Ns.Special"), "isof(Ns.Special)"),
    (case((F.Price > 10, "high"), (True, "low")), "case(Price gt 10:'high',true:'low')"),
    (F.Region == alias("p1"), "Region eq @p1"),
]


@pytest.mark.parametrize(("built", "text"), EXPRESSIONS, ids=[text for _, text in EXPRESSIONS])
def test_expression_serializes_to_text_and_parses_back_to_the_built_tree(built: Expression, text: str) -> None:
    assert serialize(built.node) == text
    assert str(built) == text
    assert parse_filter(text) == built.node


# ---------------------------------------------------------------------------------------------
# Trees: the builder makes exactly the parser's nodes
# ---------------------------------------------------------------------------------------------


def test_lambda_tree_is_the_parsers_tree() -> None:
    built = F.Extensions.any(lambda f: f.Id == "x").node
    assert built == tree.Path((
        tree.Property("Extensions"),
        tree.Lambda("any", "f", tree.BinaryOp(
            "eq", tree.Path((tree.LambdaVariable("f"), tree.Property("Id"))), tree.Literal("String", "x"),
        )),
    ))


def test_and_or_are_flat_whichever_way_they_are_grouped() -> None:
    a, b, c, d = (F.A == 1), (F.B == 2), (F.C == 3), (F.D == 4)
    assert ((a & b) & (c & d)).node == tree.And((a.node, b.node, c.node, d.node))
    assert (a | (b | c)).node == tree.Or((a.node, b.node, c.node))
    assert (True & a).node == tree.And((tree.Literal("Boolean", True), a.node))


def test_negative_numbers_are_literals_not_negations() -> None:
    assert lit(-5).node == tree.Literal("Int32", -5)
    assert (-lit(5)).node == tree.Literal("Int32", -5)
    assert (-lit(2**31 - 1 + 1 - 1)).node == tree.Literal("Int32", -(2**31 - 1))
    assert (-lit(-(2**31))).node == tree.Literal("Int64", 2**31)
    assert (-lit(2**63)).node == tree.Literal("Int64", -(2**63))
    assert (-lit(Decimal("1.5"))).node == tree.Literal("Decimal", Decimal("-1.5"))
    assert (-lit(2.5)).node == tree.Literal("Double", -2.5)
    assert (-F.A).node == tree.UnaryOp("-", tree.Path((tree.Property("A"),)))


LITERALS = [
    (None, tree.Literal("Null", None), "null"),
    (True, tree.Literal("Boolean", True), "true"),
    (False, tree.Literal("Boolean", False), "false"),
    (0, tree.Literal("Int32", 0), "0"),
    (2**31 - 1, tree.Literal("Int32", 2**31 - 1), "2147483647"),
    (2**31, tree.Literal("Int64", 2**31), "2147483648"),
    (-(2**63), tree.Literal("Int64", -(2**63)), "-9223372036854775808"),
    (2**63, tree.Literal("Decimal", 2**63), "9223372036854775808"),
    (1.5, tree.Literal("Double", 1.5), "1.5e0"),
    (float("inf"), tree.Literal("Double", float("inf")), "INF"),
    (float("-inf"), tree.Literal("Double", float("-inf")), "-INF"),
    (float("nan"), tree.Literal("Double", float("nan")), "NaN"),
    (Decimal("34.95"), tree.Literal("Decimal", Decimal("34.95")), "34.95"),
    (Decimal("Infinity"), tree.Literal("Double", float("inf")), "INF"),
    ("Say Hello,then go", tree.Literal("String", "Say Hello,then go"), "'Say Hello,then go'"),
    ("O'Neil", tree.Literal("String", "O'Neil"), "'O''Neil'"),
    (dt.date(2012, 12, 3), tree.Literal("Date", tree.edm.Date(2012, 12, 3)), "2012-12-03"),
    (dt.datetime(2012, 12, 3, 7, 16, 23, tzinfo=UTC), None, "2012-12-03T07:16:23Z"),
    (dt.datetime(2015, 12, 3, 10, tzinfo=dt.timezone(dt.timedelta(hours=-8))), None, "2015-12-03T10:00:00-08:00"),
    (dt.time(7, 59, 59, 999000), None, "07:59:59.999"),
    (dt.timedelta(days=12, hours=23, minutes=59, seconds=59, microseconds=999999), None, "duration'P12DT23H59M59.999999S'"),
    (-dt.timedelta(minutes=5), None, "duration'-PT5M'"),
    (uuid.UUID("01234567-89ab-cdef-0123-456789abcdef"), None, "01234567-89ab-cdef-0123-456789abcdef"),
    (b"OData", tree.Literal("Binary", b"OData"), "binary'T0RhdGE'"),
    (Color.Yellow, tree.EnumLiteral("Sales.Color", ("Yellow",)), "Sales.Color'Yellow'"),
    (Size.Small, tree.EnumLiteral("Sales.Size", ("Small",)), "Sales.Size'Small'"),
    (Pattern.Plaid | Pattern.Dots, tree.EnumLiteral("Sales.Pattern", ("Plaid", "Dots")), "Sales.Pattern'Plaid,Dots'"),
    ([1, "a"], tree.JsonArray((tree.Literal("Int32", 1), tree.Literal("String", "a"))), '[1,"a"]'),
]


@pytest.mark.parametrize(("value", "node", "text"), LITERALS, ids=[text for _, _, text in LITERALS])
def test_python_value_becomes_typed_literal(value: object, node: tree.Node | None, text: str) -> None:
    built = lit(value)
    if node is not None:
        assert built.node == node
    assert serialize(built.node) == text
    assert parse_filter(f"X eq {text}").right == built.node  # type: ignore[union-attr]


def test_enum_type_can_be_given_per_value() -> None:
    assert lit(Unregistered.A, enum_type="Ns.Unreg").node == tree.EnumLiteral("Ns.Unreg", ("A",))


# ---------------------------------------------------------------------------------------------
# Every canonical function of the table
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_canonical_function_builds_at_each_arity_and_round_trips(name: str) -> None:
    fewest, most = FUNCTIONS[name]
    function = fn[name]
    for count in range(fewest, most + 1):
        args = [F[f"P{i}"] for i in range(count)]
        built = function(*args)
        assert built.node == tree.Call(name, tuple(arg.node for arg in args))
        assert parse_filter(str(built)) == built.node
    with pytest.raises(TypeError, match=rf"{name}\(\) takes"):
        function(*([F.P] * (most + 1)))
    if fewest:
        with pytest.raises(TypeError, match=rf"{name}\(\) takes"):
            function(*([F.P] * (fewest - 1)))


def test_fn_lists_the_table_and_refuses_unknown_names() -> None:
    assert "contains" in dir(fn) and "geo" in dir(fn) and "distance" in dir(fn.geo)
    with pytest.raises(AttributeError, match="not a canonical function"):
        fn.containz
    with pytest.raises(AttributeError, match="not a canonical function"):
        fn.geo.area


# ---------------------------------------------------------------------------------------------
# Lambda range variables: named after the Python parameter, never colliding
# ---------------------------------------------------------------------------------------------

PREBUILT = F.Items.any(lambda x: x.Q > 1)

LAMBDAS = [
    # nested lambdas with the same Python name: the inner one is renamed, the outer keeps "f"
    (F.Orders.any(lambda f: f.Items.any(lambda f: f.Qty > 1)), "Orders/any(f:f/Items/any(f1:f1/Qty gt 1))"),
    # the inner predicate still reaches the outer variable
    (F.Orders.any(lambda o: o.Items.any(lambda o2: o2.Qty > o.Min)), "Orders/any(o:o/Items/any(o2:o2/Qty gt o/Min))"),
    (F.Orders.any(lambda o: o.Items.any(lambda o: o.Qty > 1) & (o.Open == True)),  # noqa: E712
     "Orders/any(o:o/Items/any(o1:o1/Qty gt 1) and o/Open eq true)"),
    # three levels deep, all called x
    (F.A.any(lambda x: x.B.any(lambda x: x.C.any(lambda x: x.D == 1))), "A/any(x:x/B/any(x1:x1/C/any(x2:x2/D eq 1)))"),
    # a property of the predicate named like the variable: the variable moves aside
    (F.Items.any(lambda Name: Name.Qty > F.Name), "Items/any(Name1:Name1/Qty gt Name)"),
    # a variable whose name the lexer would read as a keyword is renamed
    (F.Items.any(lambda null: null.Qty > 1), "Items/any(null1:null1/Qty gt 1)"),
    # a lambda built inside another one's predicate is nested, whatever path it starts from
    (F.Orders.any(lambda x: F.Items.any(lambda x: x.Q > 1) & (x.A == 1)), "Orders/any(x:Items/any(x1:x1/Q gt 1) and x/A eq 1)"),
    # a lambda built beforehand and used inside another one: the outer variable moves aside
    (F.Orders.any(lambda x: PREBUILT & (x.A == 1)), "Orders/any(x1:Items/any(x:x/Q gt 1) and x1/A eq 1)"),
    # siblings may share a name
    (F.A.any(lambda x: x.V == 1) & F.B.any(lambda x: x.V == 2), "A/any(x:x/V eq 1) and B/any(x:x/V eq 2)"),
]


@pytest.mark.parametrize(("built", "text"), LAMBDAS, ids=[text for _, text in LAMBDAS])
def test_lambda_variables_never_collide(built: Expression, text: str) -> None:
    assert str(built) == text
    assert parse_filter(text) == built.node


def test_lambda_variable_names_are_deterministic() -> None:
    def build() -> str:
        return str(F.Orders.any(lambda f: f.Items.any(lambda f: f.Qty > 1)))

    assert build() == build()


def test_explicit_lambda_name_that_would_shadow_is_refused() -> None:
    with pytest.raises(ValueError, match="would shadow"):
        F.Orders.any(lambda o: o.Items.any(lambda i: i.Q > 1, name="x") & (o.A == 1), name="x")
    with pytest.raises(ValueError, match="would shadow"):
        F.Items.any(lambda i: i.Q > F.x, name="x")


def test_range_variable_used_outside_its_lambda_is_refused() -> None:
    leaked: list[Expression] = []
    F.Items.any(lambda i: leaked.append(i) or i.Q > 1)  # type: ignore[func-returns-value]
    with pytest.raises(ValueError, match="outside its any"):
        Q().filter(leaked[0].Q == 1).to_string()


def test_predicate_returning_none_is_refused() -> None:
    def forgot(item: Expression) -> None:
        item.Q > 1  # noqa: B015

    with pytest.raises(TypeError, match="forget `return`"):
        F.Items.any(forgot)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a predicate"):
        F.Items.all(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The query object
# ---------------------------------------------------------------------------------------------

REFERRAL = "Com.Contoso.Referral"
REFERRAL_ID = "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"

QUERIES = [
    # the examples of ../shared/examples/outlook-data-extensions.json
    (Q().filter(F.Extensions.any(lambda f: f.Id == REFERRAL)).expand("Extensions", filter=F.Id == REFERRAL),
     "$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')",
     "$filter=Extensions/any(f:f/Id%20eq%20'Com.Contoso.Referral')&$expand=Extensions($filter=Id%20eq%20'Com.Contoso.Referral')"),
    (Q().expand("Extensions", filter=F.Id == REFERRAL_ID),
     f"$expand=Extensions($filter=Id eq '{REFERRAL_ID}')",
     f"$expand=Extensions($filter=Id%20eq%20'{REFERRAL_ID}')"),
    # two filters are and-ed
    (Q().filter(F.IsRead == False).filter(F.Importance == "High"),  # noqa: E712
     "$filter=IsRead eq false and Importance eq 'High'", "$filter=IsRead%20eq%20false%20and%20Importance%20eq%20'High'"),
    (Q().filter(F.A == 1, F.B == 2).filter((F.C == 3) & (F.D == 4)),
     "$filter=A eq 1 and B eq 2 and C eq 3 and D eq 4", None),
    # nested expand options
    (Q().expand("Orders", select=["Id", "Total"], expand=expand_item("Items", top=5, orderby=desc("Price")),
                filter=F.Total > 100, orderby=[F.Total.desc(), "Id"], top=10, skip=2, count=True),
     "$expand=Orders($filter=Total gt 100;$select=Id,Total;$expand=Items($orderby=Price desc;$top=5);"
     "$orderby=Total desc,Id;$skip=2;$top=10;$count=true)", None),
    (Q().expand("Manager", levels="max").expand("Reports", levels=3), "$expand=Manager($levels=max),Reports($levels=3)", None),
    (Q().expand("*"), "$expand=*", None),
    (Q().expand("*", suffix="$ref"), "$expand=*/$ref", None),
    (Q().expand("*", levels=2), "$expand=*($levels=2)", None),
    (Q().expand("Products", suffix="$count", search=S("blue")), "$expand=Products/$count($search=blue)", None),
    (Q().expand("Products/Sales.PremierProduct", suffix="$ref", filter=F.CurrentPromotion == None),  # noqa: E711
     "$expand=Products/Sales.PremierProduct/$ref($filter=CurrentPromotion eq null)", None),
    (Q().expand(F.From.Sender), "$expand=From/Sender", None),
    (Q().expand("Manager", compute={"Full": fn.concat(F.First, F.Last)}, aliases={"m": "x"}),
     "$expand=Manager($compute=concat(First,Last) as Full;@m='x')", None),
    # select, orderby, paging, count
    (Q().select("Subject", F.From.EmailAddress, "Ns.*", "*"), "$select=Subject,From/EmailAddress,Ns.*,*", None),
    (Q().select(select_item("Addresses", filter=F.City == "Oslo", top=1)), "$select=Addresses($filter=City eq 'Oslo';$top=1)", None),
    (Q().orderby(desc("ReceivedDateTime"), "Subject", asc(F.From.EmailAddress.Name)),
     "$orderby=ReceivedDateTime desc,Subject,From/EmailAddress/Name", "$orderby=ReceivedDateTime%20desc,Subject,From/EmailAddress/Name"),
    (Q().orderby(fn.length(F.Subject).desc()), "$orderby=length(Subject) desc", None),
    (Q().top(10).skip(20).count(), "$skip=20&$top=10&$count=true", None),
    (Q().count(False), "$count=false", None),
    (Q().levels(2), "$levels=2", None),
    (Q().index(3).format("json").skiptoken("abc").deltatoken("d1").schemaversion("2"),
     "$index=3&$format=json&$skiptoken=abc&$deltatoken=d1&$schemaversion=2", None),
    (Q().compute(Total=F.Price * F.Quantity), "$compute=Price mul Quantity as Total", "$compute=Price%20mul%20Quantity%20as%20Total"),
    (Q().compute((F.A + 1, "B")).compute(C=F.D), "$compute=A add 1 as B,D as C", None),
    # search
    (Q().search("blue"), "$search=blue", None),
    (Q().search("blue green"), '$search="blue green"', "$search=%22blue%20green%22"),
    (Q().search("NOT"), '$search="NOT"', None),
    (Q().search(S("blue") & ~S("red") | S("green")), "$search=blue AND NOT red OR green", None),
    (Q().search(S("blue") & (S("red") | S("green"))), "$search=blue AND (red OR green)", None),
    (Q().search("a").search("b"), "$search=a AND b", None),
    # aliases and custom options
    (Q().filter(F.Region == alias("p1")).alias("p1", "WA"), "$filter=Region eq @p1&@p1='WA'", "$filter=Region%20eq%20@p1&@p1='WA'"),
    (Q().custom("debug", "true").custom("flag"), "debug=true&flag", None),
]


@pytest.mark.parametrize(("query", "text", "url"), QUERIES, ids=[text for _, text, _ in QUERIES])
def test_query_renders_text_and_url_and_parses_back(query: Q, text: str, url: str | None) -> None:
    assert str(query) == text
    assert query.to_string() == text
    if url is not None:
        assert query.to_url() == url
    assert parse_query(text) == query.to_tree()
    assert parse_query(query.to_url()) == query.to_tree()


def test_query_is_immutable_and_methods_return_new_queries() -> None:
    base = Q().top(5)
    filtered = base.filter(F.A == 1)
    assert base.to_tree() == tree.Query(top=5)
    assert filtered.to_tree() == tree.Query(top=5, filter=parse_filter("A eq 1"))
    with pytest.raises(AttributeError):
        base.query = tree.Query()  # type: ignore[misc]
    assert Q(parse_query("$top=5")) == base


def test_nested_pieces_are_the_parsers_pieces() -> None:
    assert expand_item("Items", select=["Name"], top=1) == parse_expand("Items($select=Name;$top=1)").items[0]
    assert Q().select("A/B", "Ns.T/C").to_tree().select == parse_select("A/B,Ns.T/C")
    assert Q().orderby(desc(F.A), F.B).to_tree().orderby == parse_orderby("A desc,B")
    assert Q().search(~S("x y")).to_tree().search == parse_search('NOT "x y"')


# ---------------------------------------------------------------------------------------------
# Errors: clear, and at build time
# ---------------------------------------------------------------------------------------------

ERRORS = [
    (lambda: F["odd name"], ValueError, "not a valid OData property name"),
    (lambda: F["A/B"], ValueError, r"use F.path\('A/B'\)"),
    (lambda: F.path("A//B"), ValueError, "empty segment"),
    (lambda: F.path(""), ValueError, "at least one segment"),
    (lambda: F["1abc"], ValueError, "not a valid OData property name"),
    (lambda: F["a" * 129], ValueError, "longer than the 128"),
    (lambda: F["null"], ValueError, r"keyword; reach the property through \$it"),
    (lambda: F["True"], ValueError, "keyword"),
    (lambda: F["@p"], ValueError, r"use alias\('p'\)"),
    (lambda: F["Ns."], ValueError, "qualified type name"),
    (lambda: F[1], TypeError, "is a str"),
    (lambda: bool(F.A == 1), TypeError, "no Python truth value"),
    (lambda: (F.A == 1) and (F.B == 2), TypeError, "combine conditions with &"),
    (lambda: 1 < F.A < 5, TypeError, "chained comparisons"),
    (lambda: F.A in [1, 2], TypeError, "truth value"),
    (lambda: {F.A: 1}, TypeError, "unhashable"),
    (lambda: list(F.A), TypeError, "not iterable"),
    (lambda: lit(dt.datetime(2015, 1, 1)), ValueError, "naive datetime"),
    (lambda: lit(dt.time(1, tzinfo=UTC)), ValueError, "time zone"),
    (lambda: lit(object()), TypeError, "cannot make an OData literal from object"),
    (lambda: lit(Unregistered.A), TypeError, r"@enum_type\('Namespace.Unregistered'\)"),
    (lambda: lit("\ud800"), ValueError, "not valid Unicode"),
    (lambda: F.A == (1, 2), TypeError, r"use .in_\(\[...\]\)"),
    (lambda: F.A.in_([]), ValueError, "at least one value"),
    (lambda: F.A.in_("abc"), TypeError, "a str is one value"),
    (lambda: F.A.in_([F.B, 1]), TypeError, "holds values"),
    (lambda: F.A.has(3), TypeError, "enum value"),
    (lambda: (F.A + 1).B, AttributeError, "only paths navigate"),
    (lambda: cast(F.A, "Int64"), ValueError, "qualified type name"),
    (lambda: case(), ValueError, "at least one"),
    (lambda: case(F.A == 1), TypeError, r"\(condition, value\) pairs"),
    (lambda: alias("p q"), ValueError, "alias name"),
    (lambda: root("People", 1, 2), TypeError, "compound key names its parts"),
    (lambda: S('say "hi"'), ValueError, "cannot contain"),
    (lambda: S(""), ValueError, "cannot be empty"),
    (lambda: Q().filter("Name eq 'x'"), TypeError, "built, not written as text"),
    (lambda: Q().filter(), TypeError, "needs a condition"),
    (lambda: Q().top(-1), ValueError, "must not be negative"),
    (lambda: Q().top(True), TypeError, r"\$top is an int"),
    (lambda: Q().levels(0), ValueError, "positive int or 'max'"),
    (lambda: Q().count("yes"), TypeError, "True or False"),
    (lambda: Q().expand("A", suffix="$count", top=1), TypeError, "takes the options filter, search; not top"),
    (lambda: Q().expand("*", filter=F.A == 1), TypeError, "takes the options levels"),
    (lambda: Q().expand("A", bogus=1), TypeError, "not bogus"),
    (lambda: Q().expand("A").expand("A"), ValueError, "expanded twice"),
    (lambda: Q().expand("$value", top=1), ValueError, "takes no suffix and no options"),
    (lambda: Q().select("A", expand="B"), TypeError, "not expand"),
    (lambda: Q().alias("p", 1).alias("p", 2), ValueError, "given once"),
    (lambda: Q().custom("$filter", "x"), ValueError, "must not start with"),
    (lambda: Q().custom("Filter", "x"), ValueError, "system option"),
    (lambda: Q().custom("@p", "x"), ValueError, "must not start with"),
    (lambda: Q().format(" json"), ValueError, "surrounding spaces"),
    (lambda: Q().compute(F.A), TypeError, "a \\$compute item"),
]


@pytest.mark.parametrize(("build", "error", "message"), ERRORS, ids=[message for _, _, message in ERRORS])
def test_mistakes_fail_at_build_time_with_a_clear_message(build: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_protocol_probes_do_not_navigate() -> None:
    assert not hasattr(F, "_repr_html_")
    assert not hasattr(F.A, "__array__")
    assert not hasattr(fn, "_private")
