"""Injection (issue 7): no value put through the URL helpers can change the structure of the
path or the query. Every value, however hostile (``'``, ``%27``, ``&``, ``#``, ``/``, ``?``,
``;``, ``)``, NUL, and Unicode look-alikes of each), reads back as itself, in the place the
helper put it: the same segments, no query or fragment that was not built, the query built.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import F, Q, graph, outlook, parse_query, parse_url, service, tree
from odatakit.strategies import CONFUSABLES

DELIMITERS = list("'&#/?;)(=%+ ,$@\\\"\t\n\r\x00\x7f") + ["%27", "%26", "%23", "%2F", "%3F", "%00", "%2", "''", "%%"]
HOSTILE = st.lists(st.sampled_from(DELIMITERS + list(CONFUSABLES) + ["a", "Z", "9", "é", "😀"]), max_size=10).map("".join) \
    | st.text(max_size=8)

ROOTS = {"service": service("https://host/odata"), "graph": graph(), "outlook": outlook()}
ROOT_OF = {"service": "https://host/odata", "graph": None, "outlook": None}


def _reads_back(url, root_name: str) -> tuple[str, ...]:
    """The URL's text parses back to the URL; its path segments, as a URL splitter sees them."""
    text = str(url)
    assert parse_url(text, root=ROOT_OF[root_name]) == url, text
    parts = urlsplit(text)
    assert not parts.fragment and "#" not in text
    if url.query is None:
        assert not parts.query and "?" not in text
    return tuple(parts.path.split("/"))


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(sorted(ROOTS)), HOSTILE, HOSTILE)
def test_a_key_value_stays_one_key(root_name: str, value: str, other: str) -> None:
    base = ROOTS[root_name].nav("People")
    url = base[value].nav("Friends")
    segments = _reads_back(url, root_name)
    assert len(segments) == len(_reads_back(base["x"].nav("Friends"), root_name))
    assert url.path[-2].key == tree.Key((tree.KeyValue(tree.Literal("String", value)),))
    compound = base.key(A=value, B=other)
    _reads_back(compound, root_name)
    assert [part.value.value for part in compound.path[-1].key.values] == [value, other]


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(sorted(ROOTS)), HOSTILE, HOSTILE)
def test_function_parameters_stay_parameters(root_name: str, value: str, other: str) -> None:
    url = ROOTS[root_name].nav("People").call("Ns.Nearby", city=value, note=other).nav("Friends")
    segments = _reads_back(url, root_name)
    assert len(segments) == len(_reads_back(ROOTS[root_name].nav("People").call("Ns.Nearby", city="x").nav("Friends"),
                                            root_name))
    (call,) = [segment for segment in url.path if getattr(segment, "name", None) == "Ns.Nearby"]
    assert [(part.name, part.value.value) for part in call.key.values] == [("city", value), ("note", other)]


@settings(deadline=None, max_examples=200)
@given(HOSTILE)
def test_an_extension_name_stays_in_its_key(value: str) -> None:
    url = outlook().me.messages["AAMk="].extension(value).nav("Id")
    _reads_back(url, "outlook")
    assert url.path[-2].key.values[0].value == tree.Literal("String", value)


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(sorted(ROOTS)), HOSTILE, HOSTILE, HOSTILE)
def test_query_values_stay_in_their_options(root_name: str, value: str, custom: str, search: str) -> None:
    query = Q().filter(F.Name == value).custom("note", custom).top(3)
    if search.strip() and '"' not in search:
        query = query.search(search)
    url = ROOTS[root_name].nav("People")[value].with_query(query)
    text = str(url)
    built = query.to_tree()
    assert parse_url(text, root=ROOT_OF[root_name]).query == built, text
    assert parse_query(urlsplit(text).query) == built
    assert urlsplit(text).path == urlsplit(str(ROOTS[root_name].nav("People")[value])).path
