"""Open extensions in every form Graph and Outlook return, PATCH per resource kind, and the
requests that work them (sources: odatakit.services, /work/shared/spec-facts.md §C)."""

from __future__ import annotations

import pytest

from odatakit import OpenTypeExtension, PayloadError, merge, outlook, validate
from odatakit.payload.extension_requests import resource_of
from odatakit.services import PATCH_RULES, SOURCES, extension_id_form, patch_rule

# Graph's users tutorial, "Add custom data to users using open extensions", step 1 response (201).
ROAMING = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('376bdbfc-e41f-4082-a8cf-b31731465eeb')"
                      "/extensions/$entity",
    "@odata.type": "#microsoft.graph.openTypeExtension",
    "extensionName": "com.contoso.roamingSettings",
    "theme": "dark",
    "color": "purple",
    "lang": "Japanese",
    "id": "com.contoso.roamingSettings",
}
MESSAGE = "https://graph.microsoft.com/v1.0/me/messages/AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl="
USER = "https://graph.microsoft.com/v1.0/me"


def test_graphs_own_tutorial_response_validates_and_round_trips() -> None:
    assert validate(ROAMING) == []
    ext = OpenTypeExtension.from_payload(ROAMING)
    assert (ext.name, ext.id, ext.dialect.name) == ("com.contoso.roamingSettings", "com.contoso.roamingSettings", "graph")
    again = OpenTypeExtension.from_payload(ext.response_body())
    assert again == ext


def test_the_tutorials_expanded_user_validates() -> None:
    # Step 2 of the users tutorial: GET /me?$select=id,displayName,mail,mobilePhone&$expand=extensions
    user = {"id": "84b80893-8749-40a3-97b7-68513b600544", "displayName": "John Smith",
            "mail": "john@contoso.com", "mobilePhone": "1-555-6589",
            "extensions": [{k: v for k, v in ROAMING.items() if k != "@odata.context"}]}
    assert validate(user) == []
    bad = {**user, "extensions": [{**user["extensions"][0], "id": "com.contoso.other"}]}  # type: ignore[dict-item]
    assert [f.json_path for f in validate(bad)] == ["$.extensions[0].id"]


@pytest.mark.parametrize(("payload_id", "valid"), [
    ("com.contoso.roamingSettings", True),                                          # directory objects
    ("Microsoft.OutlookServices.OpenTypeExtension.com.contoso.roamingSettings", True),  # Outlook-backed items
    ("microsoft.graph.openTypeExtension.com.contoso.roamingSettings", True),         # G-OTE's documented form
    ("com.contoso.other", False),
    ("roamingSettings", False),
])
def test_graph_extension_ids_in_each_form_the_service_returns(payload_id: str, valid: bool) -> None:
    faults = validate({**ROAMING, "id": payload_id})
    assert (faults == []) is valid
    if not valid:
        assert [f.json_path for f in faults] == ["$.id"]


def test_outlook_extensions_do_not_accept_the_plain_name_as_id() -> None:
    payload = {"@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension", "ExtensionName": "Com.Contoso.Referral",
               "Id": "Com.Contoso.Referral"}
    assert [f.json_path for f in validate(payload)] == ["$.Id"]
    payload["Id"] = "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"
    assert validate(payload) == []


@pytest.mark.parametrize(("dialect", "resource", "expected"), [
    ("graph", "user", "com.contoso.roamingSettings"),
    ("graph", "group", "com.contoso.roamingSettings"),
    ("graph", "organization", "com.contoso.roamingSettings"),
    ("graph", "message", "Microsoft.OutlookServices.OpenTypeExtension.com.contoso.roamingSettings"),
    ("graph", "event", "Microsoft.OutlookServices.OpenTypeExtension.com.contoso.roamingSettings"),
    ("graph", "todoTask", "microsoft.graph.openTypeExtension.com.contoso.roamingSettings"),
    ("outlook", "contact", "Microsoft.OutlookServices.OpenTypeExtension.com.contoso.roamingSettings"),
])
def test_the_id_a_service_gives_depends_on_dialect_and_resource(dialect: str, resource: str, expected: str) -> None:
    ext = OpenTypeExtension("com.contoso.roamingSettings", {"theme": "dark"}, dialect)
    assert ext.id_for(resource) == expected


def test_outlook_v2_has_no_extensions_on_users() -> None:
    with pytest.raises(ValueError, match="no open extensions on resource 'user'"):
        extension_id_form("outlook", "user")


@pytest.mark.parametrize(("dialect", "resource", "semantics", "null_allowed", "status", "source"), [
    ("graph", "user", "replace", True, 204, "G-UPDATE"),
    ("graph", "group", "replace", True, 204, "G-UPDATE"),
    ("graph", "device", "replace", True, 204, "G-UPDATE"),
    ("graph", "organization", "replace", True, 204, "G-UPDATE"),
    ("graph", "message", "merge", False, 200, "G-UPDATE"),
    ("graph", "event", "merge", False, 200, "G-UPDATE"),
    ("graph", "contact", "merge", False, 200, "G-UPDATE"),
    ("graph", "post", "merge", False, 200, "G-UPDATE"),
    ("graph", "todoTask", "merge", False, 200, "G-UPDATE"),
    ("outlook", "message", "merge", True, 200, "OUT-EXT"),
    ("outlook", "event", "merge", True, 200, "OUT-EXT"),
])
def test_patch_rule_per_resource_kind(dialect: str, resource: str, semantics: str, null_allowed: bool,
                                      status: int, source: str) -> None:
    rule = patch_rule(dialect, resource)
    assert (rule.semantics, rule.null_allowed, rule.status, rule.source) == (semantics, null_allowed, status,
                                                                           SOURCES[source])


def test_every_patch_rule_cites_a_documentation_page() -> None:
    assert all(rule.source.url.startswith("https://learn.microsoft.com/") for rule in PATCH_RULES)


STORED = OpenTypeExtension("Com.Contoso.Deal", {"company": "Wingtip", "value": 500}, "graph")
PATCH = OpenTypeExtension("Com.Contoso.Deal", {"value": 600}, "graph")


@pytest.mark.parametrize(("resource", "expected"), [
    ("user", {"value": 600}),                        # replace: company deleted
    ("group", {"value": 600}),
    ("message", {"company": "Wingtip", "value": 600}),  # merge: company kept
    ("contact", {"company": "Wingtip", "value": 600}),
])
def test_merge_follows_the_resources_patch_rule(resource: str, expected: dict[str, object]) -> None:
    held = merge(STORED, PATCH, resource=resource)
    assert {k: v.value for k, v in held.properties.items()} == expected  # type: ignore[union-attr]


def test_null_clears_on_directory_objects_and_is_refused_on_mailbox_items() -> None:
    clearing = OpenTypeExtension("Com.Contoso.Deal", {"company": None, "value": 600}, "graph")
    assert set(merge(STORED, clearing, resource="user").properties) == {"value"}
    with pytest.raises(PayloadError) as caught:
        merge(STORED, clearing, resource="message")
    assert [(f.json_path, f.code) for f in caught.value.faults] == [("$.company", "extension-null")]


def test_outlook_v2_merges() -> None:
    stored = STORED.to_dialect("outlook")
    held = merge(stored, PATCH.to_dialect("outlook"), resource="message")
    assert set(held.properties) == {"company", "value"}


@pytest.mark.parametrize(("url", "resource"), [
    (USER, "user"),
    ("https://graph.microsoft.com/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd", "user"),
    ("https://graph.microsoft.com/v1.0/groups/abc", "group"),
    ("https://graph.microsoft.com/v1.0/devices/abc", "device"),
    ("https://graph.microsoft.com/v1.0/organization/abc", "organization"),
    (MESSAGE, "message"),
    ("https://graph.microsoft.com/v1.0/me/events/AAMk=", "event"),
    ("https://graph.microsoft.com/v1.0/me/contacts/AAMk=", "contact"),
    ("https://graph.microsoft.com/v1.0/groups/abc/threads/t1/posts/p1", "post"),
])
def test_resource_kind_from_an_item_url(url: str, resource: str) -> None:
    assert resource_of(url) == resource


@pytest.mark.parametrize(("operation", "item", "method", "url", "status", "has_body"), [
    ("create_request", USER, "POST", USER + "/extensions", 201, True),
    ("get_request", USER, "GET", USER + "/extensions/Com.Contoso.Deal", 200, False),
    ("update_request", USER, "PATCH", USER + "/extensions/Com.Contoso.Deal", 204, True),
    ("delete_request", USER, "DELETE", USER + "/extensions/Com.Contoso.Deal", 204, False),
    ("create_request", MESSAGE, "POST", MESSAGE + "/extensions", 201, True),
    ("update_request", MESSAGE, "PATCH", MESSAGE + "/extensions/Com.Contoso.Deal", 200, True),
])
def test_graph_extension_requests(operation: str, item: str, method: str, url: str, status: int,
                                  has_body: bool) -> None:
    request = getattr(STORED, operation)(item)
    assert (request.method, request.url, request.expected_status) == (method, url, status)
    assert (request.body is not None) is has_body
    if has_body:
        assert request.body["extensionName"] == "Com.Contoso.Deal"
        assert "id" not in request.body
        assert validate(request.body, kind="extension-create") == []


def test_outlook_requests_use_parenthesized_keys_and_pascal_case() -> None:
    item = outlook("v2.0").me.messages["AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl==="]
    request = STORED.to_dialect("outlook").update_request(item)
    assert request.url == ("https://outlook.office.com/api/v2.0/me/messages('AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl===')"
                           "/extensions('Com.Contoso.Deal')")
    assert request.body["ExtensionName"] == "Com.Contoso.Deal"
    assert request.expected_status == 200


def test_a_null_in_a_patch_of_a_mailbox_item_is_refused_before_sending() -> None:
    ext = OpenTypeExtension("Com.Contoso.Deal", {"value": None}, "graph")
    with pytest.raises(PayloadError, match="refuse null"):
        ext.update_request(MESSAGE)
    assert ext.update_request(USER).body["value"] is None  # directory objects: null clears


@pytest.mark.parametrize(("item", "error"), [
    (outlook("v2.0").me, "outlook extension sent to a graph URL|graph extension sent to a outlook URL"),
    ("https://graph.microsoft.com/v1.0/me/extensions", "not its extensions collection"),
    ("https://example.com/odata/Products(1)", "not an Outlook REST or Microsoft Graph URL"),
])
def test_requests_refuse_a_url_that_does_not_fit(item: object, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        STORED.create_request(item)
