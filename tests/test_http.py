"""Request helpers: headers as strings, Prefer read and written, OData error bodies → ODataError."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import (
    ErrorDetail, MailboxNotEnabledError, ODataError, ODataSyntaxError, PayloadError, Preference, accept,
    anchor_mailbox, graph, outlook, parse_error, parse_header, parse_prefer, prefer, request_headers,
)
from odatakit.cli import main

USER = "ddfc984d-b826-40d7-b48b-57002df85e00@1717f226-49d1-4d0c-9d74-709fad6677b4"


@pytest.mark.parametrize(("kwargs", "text"), [
    ({"maxpagesize": 50}, "odata.maxpagesize=50"),
    ({"return_": "minimal"}, "return=minimal"),
    ({"include_annotations": "*"}, 'odata.include-annotations="*"'),
    ({"include_annotations": ["-*", "Core.Messages#q"]}, 'odata.include-annotations="-*,Core.Messages#q"'),
    ({"respond_async": True, "wait": 10}, "respond-async, wait=10"),
    ({"track_changes": True}, "odata.track-changes"),
    ({"continue_on_error": True}, "odata.continue-on-error"),
    ({"omit_values": "nulls"}, "omit-values=nulls"),
    ({"callback": "https://client/cb?x=1"}, 'odata.callback;url="https://client/cb?x=1"'),
    ({"extra": {"outlook.timezone": "Pacific Standard Time", "outlook.body-content-type": "text"}},
     'outlook.timezone="Pacific Standard Time", outlook.body-content-type=text'),
])
def test_prefer_values(kwargs: dict, text: str) -> None:
    assert prefer(**kwargs) == text
    assert ", ".join(str(p) for p in parse_prefer(text)) == text


@pytest.mark.parametrize("kwargs", [
    {"maxpagesize": 0}, {"maxpagesize": True}, {"return_": "Minimal"}, {"include_annotations": "Namespace"},
    {"include_annotations": []}, {"omit_values": "all"}, {"wait": -1}, {"extra": {"bad name": "x"}},
    {"extra": {"k": "a\x00b"}}, {"extra": {"k": "a\r\nX-Evil: 1"}}, {"extra": {"k": "\x7f"}},
])
def test_prefer_refuses_bad_values(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        prefer(**kwargs)


def test_parse_prefer_reads_preferences() -> None:
    assert parse_prefer('odata.maxpagesize=50, outlook.timezone="Pacific Standard Time"') == (
        Preference("odata.maxpagesize", "50"), Preference("outlook.timezone", "Pacific Standard Time"))
    assert parse_prefer("odata.MaxPageSize=5")[0].key == "maxpagesize"
    with pytest.raises(ODataSyntaxError) as caught:
        parse_prefer("return=minimal, odata.maxpagesize=0")
    assert caught.value.offset == 34


@settings(deadline=None, max_examples=200)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_extra_preference_values_round_trip(value: str) -> None:
    text = prefer(extra={"outlook.timezone": value})
    assert parse_prefer(text) == (Preference("outlook.timezone", value),)


@pytest.mark.parametrize("call", [
    lambda: request_headers(email="a\r\nX-Evil: 1"),
    lambda: request_headers(outlook().user_context("a\r\nX: 1@c.com").messages),
    lambda: request_headers(preferences="return=minimal\r\nX-Evil: 1"),
    lambda: anchor_mailbox("me@contoso.com\n"),
    lambda: request_headers(maxpagesize=0),
    lambda: request_headers(maxpagesize=-5),
])
def test_request_headers_refuse_what_they_cannot_write(call) -> None:
    with pytest.raises(ValueError):
        call()


@settings(deadline=None, max_examples=200)
@given(st.text(min_size=1))
def test_no_header_value_holds_a_line_break_or_control(text: str) -> None:
    for build in (lambda: request_headers(email=text), lambda: request_headers(outlook().user_context(text + "@c.com")),
                  lambda: request_headers(preferences=prefer(extra={"outlook.timezone": text}))):
        try:
            headers = build()
        except ValueError:
            continue
        for value in headers.values():
            assert not any(ord(char) < 0x20 and char != "\t" or char == "\x7f" for char in value), value


def test_parse_prefer_refuses_a_control_in_a_quoted_string() -> None:
    with pytest.raises(ODataSyntaxError):
        parse_prefer('outlook.timezone="a\x00b"')
    assert parse_prefer('outlook.timezone="a\tb"') == (Preference("outlook.timezone", "a\tb"),)


def test_graph_user_by_object_id_gets_no_anchor() -> None:
    # users/{id} is standard Graph; x-AnchorMailbox needs the tenant (Oid:id@tenant) or an address
    headers = request_headers(graph().user_context("ddfc984d-b826-40d7-b48b-57002df85e00").messages)
    assert "x-AnchorMailbox" not in headers
    with_email = request_headers(graph().user_context("ddfc984d-b826-40d7-b48b-57002df85e00").messages,
                                 email="sadie@contoso.com")
    assert with_email["x-AnchorMailbox"] == "sadie@contoso.com"
    assert request_headers(graph().user_context(USER))["x-AnchorMailbox"] == f"Oid:{USER}"


def test_accept_and_ieee754() -> None:
    assert accept() == "application/json"
    assert accept(ieee754_compatible=True, metadata="minimal") == "application/json;odata.metadata=minimal;IEEE754Compatible=true"
    with pytest.raises(ValueError):
        accept(metadata="some")


@pytest.mark.parametrize(("target", "email", "value"), [
    (outlook().user_context("sadie@contoso.com"), None, "sadie@contoso.com"),
    (outlook().user_context(USER).messages, None, "Oid:ddfc984d-b826-40d7-b48b-57002df85e00@1717f226-49d1-4d0c-9d74-709fad6677b4"),
    (outlook().me.messages, "sadie@contoso.com", "sadie@contoso.com"),
    ("rufus@contoso.com", None, "rufus@contoso.com"),
])
def test_anchor_mailbox(target, email, value) -> None:
    assert anchor_mailbox(target, email=email) == value


def test_anchor_mailbox_for_me_needs_the_email() -> None:
    with pytest.raises(ValueError, match="email"):
        anchor_mailbox(outlook().me.messages)


def test_request_headers_are_plain_strings() -> None:
    headers = request_headers(outlook().user_context("sadie@contoso.com").messages, maxpagesize=10,
                              ieee754_compatible=True, preferences='outlook.timezone="UTC"', content_type=True)
    assert headers == {
        "OData-Version": "4.0", "OData-MaxVersion": "4.0",
        "Accept": "application/json;IEEE754Compatible=true",
        "Content-Type": "application/json;IEEE754Compatible=true",
        "Prefer": 'odata.maxpagesize=10, outlook.timezone="UTC"',
        "x-AnchorMailbox": "sadie@contoso.com",
    }
    assert "x-AnchorMailbox" not in request_headers(outlook().me.messages)
    assert request_headers(outlook().me.messages, email="me@contoso.com")["x-AnchorMailbox"] == "me@contoso.com"


@pytest.mark.parametrize(("line", "parsed"), [
    ("OData-Version: 4.0", ("OData-Version", "4.0")),
    ("odata-maxversion:4.01", ("odata-maxversion", "4.01")),
    ("Prefer: return=minimal", ("Prefer", (Preference("return", "minimal"),))),
])
def test_parse_header(line: str, parsed: tuple) -> None:
    assert parse_header(line) == parsed


@pytest.mark.parametrize("line", ["OData-Version: 5.0", "X-Custom: 1", "no colon", "AsyncResult: 20"])
def test_parse_header_refuses(line: str) -> None:
    with pytest.raises(ODataSyntaxError):
        parse_header(line)


# ---- error bodies -----------------------------------------------------------------------------

SPEC_ERROR = {"error": {"code": "err123", "message": "Unsupported functionality", "target": "query",
                        "details": [{"code": "forty-two", "target": "$search", "message": "$search query option not supported"}],
                        "innererror": {"trace": [], "context": {}}}}
GRAPH_ERROR = {"error": {"code": "itemNotFound", "message": "The specified object was not found in the store.",
                         "innerError": {"date": "2024-01-01T00:00:00", "request-id": "b1b7a7f0-0000", "client-request-id": "c"}}}


def test_spec_error_body() -> None:
    error = parse_error(json.dumps(SPEC_ERROR), status=501)
    assert type(error) is ODataError
    assert (error.code, error.message, error.target, error.status) == ("err123", "Unsupported functionality", "query", 501)
    assert error.details == (ErrorDetail("forty-two", "$search query option not supported", "$search"),)
    assert error.innererror == {"trace": [], "context": {}}
    assert str(error) == "501 err123: Unsupported functionality (target: query)"


def test_missing_or_null_details_mean_none() -> None:
    assert parse_error({"error": {"code": "c", "message": "m"}}).details == ()
    assert parse_error({"error": {"code": "c", "message": "m", "details": None}}).details == ()
    assert parse_error({"error": {"code": "c", "message": "m", "details": []}}).details == ()
    detail = {"code": "d", "message": "n", "target": None}
    assert parse_error({"error": {"code": "c", "message": "m", "details": [detail]}}).details == (ErrorDetail("d", "n"),)


def test_graph_inner_error_and_bytes() -> None:
    error = parse_error(json.dumps(GRAPH_ERROR).encode())
    assert error.code == "itemNotFound"
    assert error.request_id == "b1b7a7f0-0000"


@pytest.mark.parametrize("code", ["MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI"])
def test_mailbox_not_enabled_is_recognised(code: str) -> None:
    error = parse_error({"error": {"code": code, "message": "REST API is not yet supported for this mailbox."}}, status=404)
    assert isinstance(error, MailboxNotEnabledError) and isinstance(error, ODataError)
    with pytest.raises(MailboxNotEnabledError, match=code):
        raise error


@pytest.mark.parametrize(("body", "path"), [
    ("not json", "$"),
    ({"message": "x"}, "$.error"),
    ({"error": {"message": "x"}}, "$.error.code"),
    ({"error": {"code": "c", "message": "m", "details": [{"code": 1}]}}, "$.error.details[0]"),
    ({"error": {"code": "c", "message": "m", "innererror": "x"}}, "$.error.innererror"),
    # JSON format §21.1: message is a non-empty string; details, if present and not null, an array
    ({"error": {"code": "c", "message": ""}}, "$.error.message"),
    ({"error": {"code": "c", "message": "m", "details": {}}}, "$.error.details"),
    ({"error": {"code": "c", "message": "m", "details": 0}}, "$.error.details"),
    ({"error": {"code": "c", "message": "m", "details": ""}}, "$.error.details"),
    ({"error": {"code": "c", "message": "m", "details": False}}, "$.error.details"),
    ({"error": {"code": "c", "message": "m", "details": [{"code": "d", "message": "n", "target": 1}]}},
     "$.error.details[0].target"),
    ({"error": {"code": "c", "message": "m", "details": [{"code": "d", "message": ""}]}}, "$.error.details[0]"),
])
def test_bad_error_bodies_raise_payload_errors(body, path: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_error(body)
    assert caught.value.faults[0].json_path == path


# ---- CLI -------------------------------------------------------------------------------------------


def test_cli_url_prints_parts_and_canonical_url(capsys: pytest.CaptureFixture[str]) -> None:
    text = "https://outlook.office.com/api/v2.0/Me/Messages(%27AAMk%3D%27)/Extensions"
    assert main(["url", text]) == 0
    out = capsys.readouterr().out
    assert "user:     me" in out
    assert "url:      https://outlook.office.com/api/v2.0/Me/Messages('AAMk=')/Extensions" in out


def test_cli_url_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["url", "--json", "https://graph.microsoft.com/v1.0/users/sadie@contoso.com/messages/AAMk%2F="]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["user"]["user"] == "sadie@contoso.com"
    assert view["path"][1] == {"segment": "KeyAsSegment", "value": "AAMk/="}
    assert view["url"] == "https://graph.microsoft.com/v1.0/users/sadie@contoso.com/messages/AAMk%2F="


def test_cli_url_bad_input_exits_1_with_a_caret(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["url", "https://outlook.office.com/api/v2.0/me/messages('a/b')"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "%2F" in captured.err and "^" in captured.err


def test_cli_url_as_a_process() -> None:
    done = subprocess.run([sys.executable, "-m", "odatakit", "url", "$metadata"], capture_output=True, text=True)
    assert done.returncode == 0 and "$metadata" in done.stdout
