"""Entity and resource URLs: roots, user context, paths, key encoding, parse_url ∘ render."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import (
    F, CastSegment, ContextFragment, DollarSegment, KeyAsSegment, KeyPredicate, Literal, NameSegment,
    ODataSyntaxError, ServiceRoot, Url, UserContext, extension_id, extension_name, graph, outlook,
    parse_context_url, parse_expression, parse_query, parse_url, service,
)
from odatakit.query import tree
from odatakit.url import render
from odatakit.services import KEYED_COLLECTIONS

DATA = Path(__file__).parent / "data"
EXAMPLES = json.loads((DATA / "url_outlook_examples.json").read_text("utf-8"))["rows"]

MSG = "AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl==="
OUTLOOK = "https://outlook.office.com/api/v2.0"
GRAPH = "https://graph.microsoft.com/v1.0"


def string_key(value: str) -> tree.Key:
    return tree.Key((tree.KeyValue(Literal("String", value)),))


# ---- the example URLs ------------------------------------------------------------------------


@pytest.mark.parametrize("row", [r for r in EXAMPLES if r["kind"] in ("url", "id")], ids=lambda r: r["text"][-60:])
def test_example_urls_parse_and_render_back(row: dict[str, str]) -> None:
    text = row["text"]
    url = parse_url(text)
    assert parse_url(render(url)) == url
    if "{contact_id}" in text:
        # a documentation placeholder: braces are not URL characters, so they come back encoded
        assert render(url) == text.replace("{contact_id}", "%7Bcontact_id%7D")
    else:
        assert render(url) == text


@pytest.mark.parametrize("row", [r for r in EXAMPLES if r["kind"] == "context"], ids=lambda r: r["text"][-60:])
def test_example_context_urls_parse_and_render(row: dict[str, str]) -> None:
    text = row["text"]
    context = parse_context_url(text)
    assert parse_context_url(render(context)) == context
    # the 4.0 service percent-encodes "=" in some fragments and not in others; parts are equal
    assert render(context) == text.replace("%3D", "=")


def test_example_url_parts() -> None:
    url = parse_url(f"{OUTLOOK}/me/messages('{MSG}')/Extensions('Com.Contoso.Referral')")
    assert url.root == ServiceRoot(OUTLOOK, "outlook")
    assert url.root.version == "v2.0"
    assert url.user == UserContext()
    assert url.path == (NameSegment("messages", string_key(MSG)),
                        NameSegment("Extensions", string_key("Com.Contoso.Referral")))


def test_query_part_goes_through_the_query_parser() -> None:
    text = (f"{OUTLOOK}/me/messages?$filter=Extensions/any(f:f/Id%20eq%20'Com.Contoso.Referral')"
            "&$expand=Extensions($filter=Id%20eq%20'Com.Contoso.Referral')")
    url = parse_url(text)
    assert url.query == parse_query(text.split("?", 1)[1])
    assert str(url) == text


# ---- building ----------------------------------------------------------------------------------

BUILT = [
    (outlook().me.messages, f"{OUTLOOK}/me/messages"),
    (outlook("beta").me.events["AAMkAGI3="], "https://outlook.office.com/api/beta/me/events('AAMkAGI3=')"),
    (outlook(host="outlook.office365.com").me.contacts, "https://outlook.office365.com/api/v2.0/me/contacts"),
    (outlook().me.messages[MSG].extensions["Com.Contoso.Referral"],
     f"{OUTLOOK}/me/messages('{MSG}')/extensions('Com.Contoso.Referral')"),
    (outlook().me.messages[MSG].extension("Com.Contoso.Referral", qualified=True),
     f"{OUTLOOK}/me/messages('{MSG}')/extensions('Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral')"),
    (outlook().user_context("sadie@contoso.com").messages, f"{OUTLOOK}/users/sadie@contoso.com/messages"),
    (outlook().user_context("ddfc984d-b826-40d7-b48b-57002df85e00@1717f226-49d1-4d0c-9d74-709fad6677b4",
                            parenthesized=True).messages,
     f"{OUTLOOK}/users('ddfc984d-b826-40d7-b48b-57002df85e00@1717f226-49d1-4d0c-9d74-709fad6677b4')/messages"),
    (graph().me.messages.key("AAMk=", as_segment=True).extensions.key("Com.Contoso.Referral", as_segment=True),
     "https://graph.microsoft.com/v1.0/me/messages/AAMk=/extensions/Com.Contoso.Referral"),
    (graph("beta").me.mail_folders["inbox"].child_folders, "https://graph.microsoft.com/beta/me/mailFolders('inbox')/childFolders"),
    (graph().me.messages.call("delta"), "https://graph.microsoft.com/v1.0/me/messages/delta()"),
    (graph().me.messages["x"].action("send"), "https://graph.microsoft.com/v1.0/me/messages('x')/send"),
    (graph().me.messages.cast("microsoft.graph.eventMessage"), "https://graph.microsoft.com/v1.0/me/messages/microsoft.graph.eventMessage"),
    (graph().me.messages.count, "https://graph.microsoft.com/v1.0/me/messages/$count"),
    (graph().me.messages["x"].attachments["y"].value, "https://graph.microsoft.com/v1.0/me/messages('x')/attachments('y')/$value"),
    (service("http://host/service").nav("Categories")[1].nav("Products").ref, "http://host/service/Categories(1)/Products/$ref"),
    (service("http://host/service").nav("OrderItems").key(OrderID=1, ItemID="a"), "http://host/service/OrderItems(OrderID=1,ItemID='a')"),
    (service("http://host/service").call("ProductsByColor", color="red"), "http://host/service/ProductsByColor(color='red')"),
    (service("http://host/service").nav("Categories")[1].call("Model.ProductsByColor", color=tree.Alias("c")),
     "http://host/service/Categories(1)/Model.ProductsByColor(color=@c)"),
    (service("http://host/service").nav("People")[uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")],
     "http://host/service/People(01234567-89ab-cdef-0123-456789abcdef)"),
    (service("http://host/service").nav("Customers")["O'Neil"], "http://host/service/Customers('O''Neil')"),
    (service("http://host/service").nav("Customers").key("O'Neil", as_segment=True), "http://host/service/Customers/O'Neil"),
]


@pytest.mark.parametrize(("built", "text"), BUILT, ids=[t for _, t in BUILT])
def test_builder_renders_and_parses_back(built: Url, text: str) -> None:
    assert str(built) == text
    # any other service: its root cannot be told from the path without the model, so give it
    root = built.root if built.root is not None and built.root.dialect is None else None
    assert parse_url(text, root=root) == built


def test_builder_with_query_from_the_query_parser() -> None:
    query = parse_query("$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')")
    url = outlook().me.messages[MSG].with_query(query)
    assert str(url) == f"{OUTLOOK}/me/messages('{MSG}')?$expand=Extensions($filter=Id%20eq%20'Com.Contoso.Referral')"
    assert parse_url(str(url)) == url


def test_builder_is_immutable() -> None:
    messages = outlook().me.messages
    one = messages["a"]
    assert str(messages) == f"{OUTLOOK}/me/messages"
    assert str(one) == f"{OUTLOOK}/me/messages('a')"


@pytest.mark.parametrize(("build", "message"), [
    (lambda: outlook("v3.0"), "versions"),
    (lambda: graph("v2.0"), "versions"),
    (lambda: outlook().me.nav("not a name"), "identifier"),
    (lambda: outlook().me.messages.cast("NotQualified"), "qualified"),
    (lambda: outlook().user_context("ddfc984d-b826-40d7-b48b-57002df85e0@1717f226-49d1-4d0c-9d74-709fad6677b4"), "two GUIDs"),
    (lambda: outlook().user_context("ddfc984d-b826-40d7-b48b-57002df85e00@contoso"), "two GUIDs"),
    (lambda: outlook().user_context(""), "empty"),
    (lambda: outlook().me.me, "right after the service root"),
    (lambda: service("http://h/s").me, "Outlook or Graph root"),
    (lambda: outlook().me.messages.key("..", as_segment=True), "dot segment"),
    (lambda: outlook().me.messages.key("", as_segment=True), "empty"),
    (lambda: outlook().me.messages.key("microsoft.graph.x", as_segment=True), "type cast"),
    # a dot segment is resolved away by every client: never rendered, in a user, a key or the root
    (lambda: graph().user_context(".."), "dot segment"),
    (lambda: graph().user_context(".", parenthesized=True), "dot segment"),
    (lambda: service("https://host/a/../b"), "'..'"),
    (lambda: service("https://host/a/%2E/b"), "'..'"),
    # a key as a segment that would read back as a name, a cast or a call
    (lambda: service("http://h/s").nav("People").key("x(1)", as_segment=True), r"call of x\(…\).*parenthesized"),
    (lambda: service("http://h/s").nav("People").key("z", as_segment=True), "name z.*parenthesized"),
    (lambda: service("http://h/s").nav("People").key("null", as_segment=True), "name null"),
    (lambda: service("http://h/s").nav("People").key("INF", as_segment=True), "name INF"),
    (lambda: service("http://h/s").nav("People").key("Com.Contoso.Referral", as_segment=True), "type cast"),
    # right after an Outlook/Graph root, users('…') and users/… read back as a user context
    (lambda: graph().nav("users").key("abc"), r"user context users\('abc'\).*user_context"),
    (lambda: graph().nav("users").key("x@"), "not a user principal name"),
    (lambda: graph().nav("users").key("abc", as_segment=True), "user context users/abc"),
    (lambda: graph().nav("me"), "user context me"),
    (lambda: graph().user_context("microsoft.graph.user"), "parenthesized=True"),
    # a name after an Outlook/Graph collection reads back as a key
    (lambda: graph().me.mail_folders.nav("inbox"), "read back as a key"),
    (lambda: outlook().me.messages.count.nav("x"), "nothing may follow"),
    (lambda: outlook().me.messages.key(1.5), "key value"),
    (lambda: ServiceRoot("ftp://x"), "http"),
    (lambda: DollarSegment("$Count"), "dollar segment"),
])
def test_builder_refuses_wrong_parts_with_a_clear_error(build, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


# ---- parsing: table of URLs → parts ----------------------------------------------------------

PARSED = [
    ("https://graph.microsoft.com/v1.0/users/sadie@contoso.com/messages",
     Url(ServiceRoot("https://graph.microsoft.com/v1.0", "graph"), UserContext("sadie@contoso.com"), (NameSegment("messages"),))),
    (f"{OUTLOOK}/Me/Events/AAMkAGI3%2Fx=",
     Url(ServiceRoot(OUTLOOK, "outlook"), UserContext(None, "Me"), (NameSegment("Events"), KeyAsSegment("AAMkAGI3/x=")))),
    ("https://outlook.office365.com/api/v1.0/me/messages",
     Url(ServiceRoot("https://outlook.office365.com/api/v1.0", "outlook"), UserContext(), (NameSegment("messages"),))),
    (f"{OUTLOOK}/me/messages/{MSG}/extensions/Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral",
     Url(ServiceRoot(OUTLOOK, "outlook"), UserContext(),
         (NameSegment("messages"), KeyAsSegment(MSG), NameSegment("extensions"),
          KeyAsSegment("Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral")))),
    ("http://host/service/ProductsByCategoryId(categoryId=2)(2)",
     Url(ServiceRoot("http://host/service"), None,
         (NameSegment("ProductsByCategoryId", tree.Key((tree.KeyValue(Literal("Int32", 2), "categoryId"),))),
          KeyPredicate(tree.Key((tree.KeyValue(Literal("Int32", 2)),)))))),
    ("Products/Model.BestSellingProduct(1)",
     Url(None, None, (NameSegment("Products"), CastSegment("Model.BestSellingProduct", tree.Key((tree.KeyValue(Literal("Int32", 1)),)))))),
    ("$metadata", Url(None, None, (DollarSegment("$metadata"),))),
    # after an Outlook/Graph collection only raw parentheses open a parameter list: %28 is key text
    ("https://graph.microsoft.com/v1.0/me/messages/x%281%29/attachments",
     Url(ServiceRoot("https://graph.microsoft.com/v1.0", "graph"), UserContext(),
         (NameSegment("messages"), KeyAsSegment("x(1)"), NameSegment("attachments")))),
    # a type cast after users is no user
    ("https://graph.microsoft.com/v1.0/users/microsoft.graph.user",
     Url(ServiceRoot("https://graph.microsoft.com/v1.0", "graph"), None,
         (NameSegment("users"), CastSegment("microsoft.graph.user")))),
    ("https://graph.microsoft.com/v1.0/users(1)",
     Url(ServiceRoot("https://graph.microsoft.com/v1.0", "graph"), None,
         (NameSegment("users", tree.Key((tree.KeyValue(Literal("Int32", 1)),))),))),
    ("http://My.Org:80/", Url(ServiceRoot("http://My.Org:80"), trailing_slash=True)),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[t for t, _ in PARSED])
def test_parse_url_reads_the_parts(text: str, expected: Url) -> None:
    assert parse_url(text) == expected
    assert render(expected) == text


@pytest.mark.parametrize(("text", "canonical"), [
    ("Customers(%27O%27%27Neil%27)", "Customers('O''Neil')"),
    ("Customers%28%27O%27%27Neil%27%29", "Customers('O''Neil')"),
    # OPEN and CLOSE may each be raw or encoded (ABNF), also before the next segment
    ("Customers(%27O%27%27Neil%27%29", "Customers('O''Neil')"),
    ("Customers%28%27O%27%27Neil%27)/Orders", "Customers('O''Neil')/Orders"),
    ("Customers(%27O%27%27Neil%27%29/Orders(1)", "Customers('O''Neil')/Orders(1)"),
    ("Customers/$filter(Name%20eq%20%27a%2Fb%27)/Orders", "Customers/$filter(Name%20eq%20'a%2Fb')/Orders"),
    ("Categories('Tablet%20(small)')", "Categories('Tablet%20(small)')"),
    ("Categories(2018-02-13T23%3A59%3A59Z)", "Categories(2018-02-13T23:59:59Z)"),
    (f"{OUTLOOK}/me/messages('AAMkAGEbs88AAB84uLuAAA%3D')", f"{OUTLOOK}/me/messages('AAMkAGEbs88AAB84uLuAAA=')"),
])
def test_equivalent_spellings_render_canonically(text: str, canonical: str) -> None:
    assert render(parse_url(text)) == canonical
    assert parse_url(canonical) == parse_url(text)


def test_resource_names_are_case_insensitive_and_keep_their_spelling() -> None:
    upper = parse_url(f"{OUTLOOK}/Me/Messages('{MSG}')/Extensions")
    lower = parse_url(f"{OUTLOOK}/me/messages('{MSG}')/extensions")
    assert upper != lower  # the spelling is kept …
    assert upper.equivalent(lower)  # … and the service reads them as one resource
    assert upper.path[-1].kind == lower.path[-1].kind == "extensions"
    assert str(upper) == f"{OUTLOOK}/Me/Messages('{MSG}')/Extensions"


def test_ids_are_case_sensitive() -> None:
    assert not parse_url(f"{OUTLOOK}/me/messages('abc=')").equivalent(parse_url(f"{OUTLOOK}/me/messages('ABC=')"))


def test_both_key_forms_address_the_same_item() -> None:
    assert parse_url(f"{OUTLOOK}/me/events/AAMkAGI3=").equivalent(parse_url(f"{OUTLOOK}/me/events('AAMkAGI3=')"))


@pytest.mark.parametrize(("text", "offset"), [
    ("Categories('Tablet/Slate')", 18),
    ("Customers('O%27Neil')", 15),
    ("Products.('foo')", 8),
    (".Products('foo')", 0),
    ("Model.Rejection", 0),
    ("Products/$count/foo", 16),
    ("Products(1)/Model.A/Model.B", 20),
    ("$Metadata", 0),
    (f"{OUTLOOK}/me/messages('a/b')", len(OUTLOOK) + 15),
    ("https://graph.microsoft.com/v3.0/me", 28),
    ("http//My.Org/", 5),
    ("/me/messages", 0),
    ("Products?$top=x", 14),
    ("Products#frag", 8),
    ("Categories(1", 12),
    # an unclosed %28 is no empty parameter list
    ("Categories%28b", 14),
    ("Categories(1)%28x", 17),
    ("Categories%28", 13),
    ("Categories(1)(", 14),
    # a '/' inside a literal of a $filter(…) segment splits the path (URL Conventions §2.1)
    ("People/$filter(Name eq '/../admin')/Friends", 24),
    ("People/$filter(Name eq %27a/b%27)", 27),
    ("People/$filter(X in [\"a/b\"])", 23),
    # dot segments, raw or encoded: ODataSyntaxError at the segment, never a plain ValueError
    (f"{GRAPH}/me/messages/%2E%2E", len(GRAPH) + 13),
    (f"{GRAPH}/me/messages/.", len(GRAPH) + 13),
    (f"{GRAPH}/users/%2e%2e/messages", len(GRAPH) + 7),
    ("https://host/a/%2e%2e/People('x')", 15),
    ("People/..", 7),
    # a key that reads as a type cast once %2E is decoded
    (f"{GRAPH}/me/messages/Microsoft%2EGraph.x", len(GRAPH) + 13),
    ("Categories(ID=wrong)", 14),
])
def test_bad_urls_raise_a_syntax_error_at_the_offset(text: str, offset: int) -> None:
    with pytest.raises(ODataSyntaxError) as caught:
        parse_url(text)
    assert caught.value.offset == offset, str(caught.value)
    assert caught.value.text == text
    assert "^" in str(caught.value)


def test_explicit_root_for_a_deep_service() -> None:
    url = parse_url("https://host/a/b/c/People('x')", root="https://host/a/b")
    assert url.root == ServiceRoot("https://host/a/b")
    assert url.path == (NameSegment("c"), NameSegment("People", string_key("x")))
    with pytest.raises(ODataSyntaxError):
        parse_url("https://other/People", root="https://host/a/b")


def test_extension_ids_and_names() -> None:
    assert extension_id("Com.Contoso.Referral") == "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"
    assert extension_name("Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral") == "Com.Contoso.Referral"
    assert extension_name("microsoft.graph.openTypeExtension.Com.Contoso.Referral") == "Com.Contoso.Referral"
    assert extension_id(extension_id("X.Y")) == extension_id("X.Y")


def test_user_context_parts() -> None:
    user = UserContext("ddfc984d-b826-40d7-b48b-57002df85e00@1717f226-49d1-4d0c-9d74-709fad6677b4")
    assert user.object_id == "ddfc984d-b826-40d7-b48b-57002df85e00"
    assert user.tenant_id == "1717f226-49d1-4d0c-9d74-709fad6677b4"
    assert user.upn is None
    assert UserContext("sadie@contoso.com").upn == "sadie@contoso.com"
    assert UserContext().is_me


# ---- context URLs ---------------------------------------------------------------------------


def test_context_url_parts() -> None:
    context = parse_context_url(f"{OUTLOOK}/$metadata#Me/Messages('{MSG}')/Extensions/$entity")
    assert context.metadata == Url(ServiceRoot(OUTLOOK, "outlook"), None, (DollarSegment("$metadata"),))
    assert context.fragment == ContextFragment(
        (NameSegment("Me"), NameSegment("Messages", string_key(MSG)), NameSegment("Extensions")), suffix="$entity")
    assert context.fragment.entity_set == "Me"
    assert context.fragment.is_entity


@pytest.mark.parametrize(("text", "expected"), [
    ("#Customers(Address,Orders)/$entity", ContextFragment((NameSegment("Customers"),), select="Address,Orders", suffix="$entity")),
    ("#Collection(Edm.String)", ContextFragment(type_name="Collection(Edm.String)")),
    ("#Model.MonetaryAmount", ContextFragment(type_name="Model.MonetaryAmount")),
    ("#$ref", ContextFragment(type_name="$ref")),
    ("#Customers('ALFKI')/Orders(1)/Items(Product)/$entity",
     ContextFragment((NameSegment("Customers", string_key("ALFKI")),
                      NameSegment("Orders", tree.Key((tree.KeyValue(Literal("Int32", 1)),))), NameSegment("Items")),
                     select="Product", suffix="$entity")),
    ("#Orders/$deletedLink", ContextFragment((NameSegment("Orders"),), suffix="$deletedLink")),
])
def test_context_fragments(text: str, expected: ContextFragment) -> None:
    context = parse_context_url(text)
    assert context.metadata is None
    assert context.fragment == expected
    assert render(context) == text


def test_context_url_errors() -> None:
    with pytest.raises(ODataSyntaxError):
        parse_context_url(f"{OUTLOOK}/me/messages")
    with pytest.raises(ODataSyntaxError):
        parse_context_url("#Employees(@Core.Messages%23second)")


# ---- security: a key value never escapes its literal -------------------------------------------

HOSTILE = st.text(alphabet=st.sampled_from(list("'\"%/?#&=+ ()$,;:@.\\\t\n\x00aZ9-_~é€😀")), max_size=12) | st.text()


@settings(deadline=None, max_examples=300)
@given(HOSTILE)
def test_parenthesized_key_round_trips_any_text(value: str) -> None:
    url = outlook().me.messages[value].extensions["Com.Contoso.Referral"]
    parsed = parse_url(str(url))
    assert parsed == url
    assert parsed.path[0].key == string_key(value)


@settings(deadline=None, max_examples=300)
@given(HOSTILE)
def test_key_as_segment_round_trips_any_text(value: str) -> None:
    try:
        url = graph().me.messages.key(value, as_segment=True).attachments
    except ValueError:
        assert value in ("", ".", "..") or value.lower().startswith(("microsoft.graph.", "microsoft.outlookservices."))
        return
    parsed = parse_url(str(url))
    assert parsed == url
    assert parsed.path[1] == KeyAsSegment(value)


@settings(deadline=None, max_examples=200)
@given(HOSTILE)
def test_user_principal_name_round_trips(value: str) -> None:
    try:
        url = outlook().user_context(value).messages
    except ValueError:
        return
    assert parse_url(str(url)) == url
    assert not _dot_segments(str(url))


@settings(deadline=None, max_examples=200)
@given(st.integers(-2**63, 2**63 - 1), st.uuids())
def test_typed_keys_round_trip(number: int, guid: uuid.UUID) -> None:
    for value in (number, guid):
        url = service("http://host/svc").nav("Items")[value]
        assert parse_url(str(url)) == url


# ---- a literal in a path segment never adds a segment ------------------------------------------

SERVICE = "https://host/odata"


@pytest.mark.parametrize(("predicate", "text"), [
    ((F.Name == "/../../../admin/x").node, "$filter(Name%20eq%20'%2F..%2F..%2F..%2Fadmin%2Fx')"),
    # member paths keep their raw "/" (they are the expression's), literals never do
    ((F.Address.City == "a/b?c#d").node, "$filter(Address/City%20eq%20'a%2Fb%3Fc%23d')"),
    ((F.Tags.any(lambda t: t == "x/y")).node, "$filter(Tags/any(t:t%20eq%20'x%2Fy'))"),
    (parse_expression("Name eq 'O''Neil/x'"), "$filter(Name%20eq%20'O''Neil%2Fx')"),
    (parse_expression('X in ["a/b\\"\'/", "c"]'), "$filter(X%20in%20%5B%22a%2Fb%5C%22'%2F%22,%22c%22%5D)"),
])
def test_filter_segment_encodes_every_slash_inside_a_literal(predicate: tree.Expr, text: str) -> None:
    url = service(SERVICE).nav("People").filter_segment(predicate).nav("Friends")
    assert str(url) == f"{SERVICE}/People/{text}/Friends"
    assert parse_url(str(url), root=SERVICE) == url


def _literal_text(url_text: str) -> str:
    """The text between the first and the last quote: the one string literal of the predicate."""
    return url_text[url_text.index("'") + 1:url_text.rindex("'")]


@settings(deadline=None, max_examples=300)
@given(HOSTILE)
def test_filter_segment_literal_never_rewrites_the_path(value: str) -> None:
    url = service(SERVICE).nav("People").filter_segment((F.Name == value).node).nav("Friends")
    text = str(url)
    assert not set("/?#") & set(_literal_text(text))
    # the path splits exactly where the builder put segments (People, $filter(…), Friends), whatever the value
    assert urlsplit(text).path.split("/") == ["", "odata", "People", f"$filter(Name%20eq%20'{_literal_text(text)}')",
                                              "Friends"]
    assert parse_url(text, root=SERVICE) == url


# ---- the query part: exactly one "?" is the delimiter ------------------------------------------


def test_query_part_strips_exactly_one_question_mark() -> None:
    url = parse_url("https://h/s/People??$filter=x eq 1")
    assert url.query is not None and url.query.filter is None
    assert [option.name for option in url.query.custom] == ["?$filter"]
    assert parse_url(str(url)) == url
    with pytest.raises(ODataSyntaxError) as caught:
        parse_url("https://h/s/People?$filter=x eq")
    assert caught.value.offset == len("https://h/s/People?$filter=x eq")


# ---- every key, both forms: built URLs read back as themselves, or are refused -------------------

KEY_BASES = {
    "graph": graph(), "graph-me": graph().me, "graph-upn": graph("beta").user_context("sadie@contoso.com"),
    "outlook": outlook("v1.0"), "outlook-me": outlook().me, "service": service("http://host/svc"),
}
TYPE_NAMESPACES = ("microsoft.graph.", "microsoft.outlookservices.")


def _dot_segments(text: str) -> list[str]:
    return [segment for segment in urlsplit(text).path.split("/") if unquote(segment) in (".", "..")]


@settings(deadline=None, max_examples=500)
@given(st.sampled_from(sorted(KEY_BASES)),
       st.sampled_from(["messages", "Events", "mailFolders", "extensions", "users", "People", "products"]),
       HOSTILE | st.sampled_from(["z", "null", "INF", "Com.Contoso.Referral", "x(1)", "abc", "x@", "1", "%2E%2E"]),
       st.booleans(), st.sampled_from(["", "attachments", "count"]))
def test_any_text_key_reads_back_exactly_or_is_refused(base: str, collection: str, value: str, as_segment: bool,
                                                       tail: str) -> None:
    start = KEY_BASES[base]
    dialect = start.root.dialect
    user_at_root = dialect is not None and start.user is None and collection == "users"
    try:
        url = start.nav(collection).key(value, as_segment=as_segment)
        url = url.attachments if tail == "attachments" else url.count if tail == "count" else url
    except ValueError:
        # the parenthesized form carries any text; only users('…') right after the root is a user context
        assert as_segment or user_at_root
        if as_segment and dialect is not None and not user_at_root and collection.lower() in KEYED_COLLECTIONS:
            assert value in ("", ".", "..") or value.lower().startswith(TYPE_NAMESPACES)
        return
    text = str(url)
    assert parse_url(text, root=None if dialect else start.root) == url
    assert not _dot_segments(text)


@pytest.mark.parametrize(("text", "root", "first"), [
    # TripPin-style services put a session segment "(S(id))" into the service root
    ("https://services.odata.org/TripPinRESTierService/(S(3mslpb2bc0k5ufk24olpghzx))/People",
     "https://services.odata.org/TripPinRESTierService/(S(3mslpb2bc0k5ufk24olpghzx))", "People"),
    ("https://services.odata.org/V4/(S(abc))/TripPinServiceRW/People('russell')",
     "https://services.odata.org/V4/(S(abc))/TripPinServiceRW", "People"),
    # a bound function needs the entity set it is bound to: that set is the first path segment
    ("https://host/svc/Products/Model.F(x=1)", "https://host/svc", "Products"),
    ("https://host/svc/Products/Model.F()/$count", "https://host/svc", "Products"),
])
def test_service_root_guess_keeps_session_segments_and_bound_functions_apart(text: str, root: str, first: str) -> None:
    from odatakit.url import render

    url = parse_url(text)
    assert url.root is not None and url.root.url == root
    assert url.path[0].name == first
    assert render(url) == text
