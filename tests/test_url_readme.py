"""The requests of outlook-data-extensions.json, built as the README's "Entity URLs" section builds them, equal the documented URLs."""

from __future__ import annotations

import json
from pathlib import Path

from odatakit import F, Q, extension_id, outlook, parse_url, request_headers

EXAMPLES = json.loads((Path(__file__).parent / "data" / "url_outlook_examples.json").read_text("utf-8"))["rows"]
URLS = {row["text"] for row in EXAMPLES if row["kind"] == "url"}


def test_readme_requests_are_the_documented_urls() -> None:
    # --- the README section's code, verbatim ---
    me = outlook("v2.0").me
    msg = me.messages["AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl==="]
    name = "Com.Contoso.Referral"

    create = msg.extensions                                       # POST, body: the extension
    by_name = msg.extensions[name]                                # GET
    by_id = msg.extension(name, qualified=True)                   # GET by Microsoft.OutlookServices.OpenTypeExtension.…
    expanded = msg.with_query(Q().expand("Extensions", filter=F.Id == extension_id(name)))
    found = me.messages.with_query(
        Q().filter(F.Extensions.any(lambda f: f.Id == name)).expand("Extensions", filter=F.Id == name))
    patch = msg.nav("Extensions")[name]                           # PATCH, body: the changed properties
    delete = msg.extensions[name]                                 # DELETE
    for_contact = me.contacts["{contact_id}"].extensions          # the same for contacts and events
    headers = request_headers(by_name, email="sadie@contoso.com")  # OData-Version, Accept, x-AnchorMailbox
    # --- end ---
    built = {str(u) for u in (create, by_name, by_id, expanded, found, patch, delete)}
    assert built <= URLS
    assert str(for_contact).replace("%7B", "{").replace("%7D", "}") in URLS
    assert all(parse_url(str(u)) == u for u in (create, by_name, by_id, expanded, found, patch, delete))
    assert headers["x-AnchorMailbox"] == "sadie@contoso.com"
    assert str(me.events["AAMkAGI3="].extensions[name]) == \
        "https://outlook.office.com/api/v2.0/me/events('AAMkAGI3=')/extensions('Com.Contoso.Referral')"
