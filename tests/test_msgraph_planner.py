"""The Graph request planner on Graph's own documented requests (no false positives) and on seeded
violations (none missed); fixes keep the meaning. Rules and sources: odatakit.services."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from odatakit import And, Or, parse_filter, parse_query, parse_url, plan_graph_request
from odatakit.services import REQUEST_RULES, SOURCES

DOCUMENTED = json.loads((Path(__file__).parent / "data" / "graph_requests.json").read_text("utf-8"))["requests"]


@pytest.mark.parametrize("case", DOCUMENTED, ids=[c["request"].split(".com", 1)[1][:70] for c in DOCUMENTED])
def test_documented_graph_requests_get_exactly_the_documented_warnings(case: dict[str, Any]) -> None:
    planned = plan_graph_request(case["request"], headers=case["headers"])
    assert list(planned.rules) == case["expect"]
    assert case["source"].startswith("https://learn.microsoft.com/graph/")


def test_the_documented_corpus_is_large_and_mostly_clean() -> None:
    assert len(DOCUMENTED) >= 20
    assert sum(not c["expect"] for c in DOCUMENTED) >= 30


def test_every_warning_cites_its_rule_source() -> None:
    known = {s.url for s in SOURCES.values()}
    for case in SEEDED:
        for warning in plan_graph_request(case[0], headers=case[1]).warnings:
            assert warning.rule in REQUEST_RULES
            assert warning.source == REQUEST_RULES[warning.rule].source.url in known


CL = {"ConsistencyLevel": "eventual"}

# (request, headers, expected rules, expected planned URL query or None to skip, expected ConsistencyLevel)
SEEDED: list[tuple[str, dict[str, str], list[str], str | None, str | None]] = [
    ("/users?$filter=accountEnabled ne true", {}, ["graph.advanced-query"],
     "$filter=accountEnabled ne true&$count=true", "eventual"),
    ("/users?$filter=accountEnabled ne true&$count=true", {}, ["graph.advanced-query"], None, "eventual"),
    ("/users?$filter=accountEnabled ne true", CL, ["graph.advanced-query"],
     "$filter=accountEnabled ne true&$count=true", "eventual"),
    ("/groups/$count", {}, ["graph.advanced-query"], "", "eventual"),
    ('/groups?$search="displayName:Video"', {}, ["graph.advanced-query"], '$search="displayName:Video"', "eventual"),
    ("/users?$filter=not(accountEnabled eq true)&$count=true", {}, ["graph.advanced-query"], None, "eventual"),
    ("/users?$filter=assignedLicenses/$count eq 0", {}, ["graph.advanced-query"], None, "eventual"),
    ("/applications?$orderby=displayName&$filter=startswith(displayName,'Box')", {}, ["graph.advanced-query"],
     "$filter=startswith(displayName,'Box')&$orderby=displayName&$count=true", "eventual"),
    ("/users?$orderby=createdDateTime", {}, ["graph.advanced-query"], "$orderby=createdDateTime&$count=true",
     "eventual"),
    ("/devices?$count=true", {}, ["graph.advanced-query"], "$count=true", "eventual"),
    ("/users?$count=true&$filter=endswith(mail,'x')&$expand=manager", CL, ["graph.advanced-query.no-expand"], None,
     "eventual"),
    ("/me/messages?$filter=importance eq 'high' and receivedDateTime ge 2016-01-01&$orderby=receivedDateTime desc", {},
     ["graph.messages.orderby-order"],
     "$filter=receivedDateTime ge 2016-01-01 and importance eq 'high'&$orderby=receivedDateTime desc", None),
    ("/me/mailFolders/inbox/messages?$filter=subject eq 'x' and from/emailAddress/address eq 'a@b.c' and "
     "isRead eq false&$orderby=from/emailAddress/address,subject", {}, ["graph.messages.orderby-order"],
     "$filter=from/emailAddress/address eq 'a@b.c' and subject eq 'x' and isRead eq false"
     "&$orderby=from/emailAddress/address,subject", None),
    ("/me/messages?$filter=importance eq 'high' or receivedDateTime ge 2016-01-01&$orderby=receivedDateTime", {},
     ["graph.messages.orderby-order"], None, None),
    ("/me/messages?$filter=importance eq 'high'&$orderby=receivedDateTime", {}, ["graph.messages.orderby-in-filter"],
     None, None),
    ("/me/messages?$search=from:help@contoso.com", {}, ["graph.search.messages-quoting"],
     '$search="from:help@contoso.com"', None),
    ('/me/messages?$search="pizza"&$filter=isRead eq false', {}, ["graph.search.messages-no-filter-orderby"], None, None),
    ("/groups?$search=displayName:Video", CL, ["graph.search.directory-token"], '$search="displayName:Video"',
     "eventual"),
    ('/groups?$search="Video"', CL, ["graph.search.directory-token"], None, "eventual"),
    ("/users?$filter=extensions/any(e:e/id eq 'com.contoso.roamingSettings')", {},
     ["graph.extensions.filter-unsupported"], None, None),
    ("/groups/g1/members?$filter=Extensions/any(e:e/id eq 'x')", {}, ["graph.extensions.filter-unsupported"], None,
     None),
    ("/contacts?$count=true", {}, ["graph.advanced-query"], "$count=true", "eventual"),  # orgContact: directory
    ("/me/contacts?$count=true&$filter=displayName ne 'x'", {}, [], None, None),  # personal contacts: not directory
]


@pytest.mark.parametrize(("request_text", "headers", "rules", "query", "consistency"), SEEDED,
                         ids=[s[0][:60] for s in SEEDED])
def test_seeded_violations_are_each_reported(request_text: str, headers: dict[str, str], rules: list[str],
                                             query: str | None, consistency: str | None) -> None:
    planned = plan_graph_request(request_text, headers=headers)
    assert list(planned.rules) == rules
    assert planned.header("ConsistencyLevel") == consistency
    if query is not None:
        sent = planned.query
        assert sent == (parse_query(query) if query else None)


def test_without_fix_the_query_and_headers_are_left_as_given() -> None:
    text = "/me/messages?$filter=importance eq 'high' and receivedDateTime ge 2016-01-01&$orderby=receivedDateTime"
    planned = plan_graph_request(text, fix=False)
    assert planned.query == parse_url("https://graph.microsoft.com/v1.0" + text).query
    assert [w.fixed for w in planned.warnings] == [False]
    planned = plan_graph_request("/users?$filter=accountEnabled ne true", fix=False)
    assert planned.headers == () and planned.query is not None and planned.query.count is None


CONJUNCTS = ["importance eq 'high'", "receivedDateTime ge 2016-01-01", "subject eq 'x'", "hasAttachments eq true"]


@pytest.mark.parametrize("order", list(itertools.permutations(CONJUNCTS)))
def test_reordering_keeps_the_conjunct_set_and_puts_orderby_first(order: tuple[str, ...]) -> None:
    text = " and ".join(order)
    planned = plan_graph_request(f"/me/messages?$filter={text}&$orderby=receivedDateTime desc,subject")
    sent = planned.query.filter  # type: ignore[union-attr]
    original = parse_filter(text)
    assert isinstance(sent, And) and isinstance(original, And)
    assert Counter(sent.operands) == Counter(original.operands)  # the same terms: the same meaning
    assert sent.operands[:2] == (parse_filter("receivedDateTime ge 2016-01-01"), parse_filter("subject eq 'x'"))
    already = order[:2] == ("receivedDateTime ge 2016-01-01", "subject eq 'x'")
    assert planned.rules == (() if already else ("graph.messages.orderby-order",))


def test_a_filter_that_is_not_a_conjunction_is_not_rewritten() -> None:
    text = "/me/messages?$filter=importance eq 'high' or receivedDateTime ge 2016-01-01&$orderby=receivedDateTime"
    planned = plan_graph_request(text)
    assert isinstance(planned.query.filter, Or)  # type: ignore[union-attr]
    assert planned.warnings[0].fixed is False


def test_a_bare_query_is_planned_for_a_named_resource() -> None:
    planned = plan_graph_request(parse_query("$search=\"displayName:al\""), resource="user")
    assert planned.header("ConsistencyLevel") == "eventual"
    with pytest.raises(ValueError, match="resource="):
        plan_graph_request(parse_query("$top=1"))


def test_an_outlook_rest_url_is_refused_not_planned_by_graphs_rules() -> None:
    with pytest.raises(ValueError, match="Outlook REST"):
        plan_graph_request("https://outlook.office.com/api/v2.0/me/messages?$search=\"pizza\"")


def test_the_plan_renders_the_url_to_send() -> None:
    planned = plan_graph_request("https://graph.microsoft.com/v1.0/users?$filter=endswith(mail,'@contoso.com')")
    assert str(planned) == ("https://graph.microsoft.com/v1.0/users?$filter=endswith(mail,'@contoso.com')"
                            "&$count=true")
    assert planned.resource == "user"


def test_each_get_in_a_graph_batch_is_planned_with_its_own_headers() -> None:
    from odatakit.batch import BatchRequest, read_requests, write_requests
    from odatakit.msgraph import plan_batch

    batch = read_requests({"requests": [
        {"id": "1", "method": "GET", "url": "/users?$filter=accountEnabled ne true"},
        {"id": "2", "method": "GET", "url": "/me/messages?$top=2"},
        {"id": "3", "method": "POST", "url": "/me/events", "body": {}, "headers": {"Content-Type": "application/json"}},
    ]}, "graph")
    planned, warnings = plan_batch(batch)
    assert [(request_id, w.rule) for request_id, w in warnings] == [("1", "graph.advanced-query")]
    first = planned.requests[0]
    assert first.header("ConsistencyLevel") == "eventual"
    assert first.url == "/users?$filter=accountEnabled%20ne%20true&$count=true"
    assert planned.requests[1:] == batch.requests[1:]
    assert isinstance(planned.requests[2], BatchRequest)
    write_requests(planned, "graph")  # still a valid Graph batch
