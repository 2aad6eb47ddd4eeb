"""Graph-style payloads for the codec rows: a page of messages, each with one open extension.

Every message carries what a real ``GET /me/messages?$expand=extensions`` page does: an etag,
strings, a DateTimeOffset, a nested ``from`` object, an ``extensions@odata.context`` URL, and an
open extension with eight custom properties (Int64, Decimal, a date, a collection…).
"""

from __future__ import annotations

import json

__all__ = ["messages_page"]

_ROOT = "https://graph.microsoft.com/v1.0/$metadata"


def _message(index: int) -> dict[str, object]:
    message_id = f"AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl{index:08d}AAA="
    return {
        "@odata.etag": f'W/"CQAAABYAAAB{index:06d}"',
        "id": message_id,
        "subject": f"Referral {index}: Wingtip Toys",
        "receivedDateTime": f"2024-05-{1 + index % 28:02d}T10:{index % 60:02d}:00Z",
        "isRead": index % 3 == 0,
        "importance": "normal",
        "from": {"emailAddress": {"name": "Dana Swope", "address": "dana@contoso.com"}},
        "extensions@odata.context": f"{_ROOT}#users('dana%40contoso.com')/messages('{message_id}')/extensions",
        "extensions": [{
            "@odata.type": "#microsoft.graph.openTypeExtension",
            "id": "microsoft.graph.openTypeExtension.Com.Contoso.Referral",
            "extensionName": "Com.Contoso.Referral",
            "companyName": "Wingtip Toys",
            "dealValue@odata.type": "#Int64",
            "dealValue": 500050 + index,
            "score@odata.type": "#Decimal",
            "score": float(f"{index % 100}.25"),
            "expirationDate@odata.type": "#DateTimeOffset",
            "expirationDate": "2015-12-03T10:00:00.000Z",
            "isActive": True,
            "tags@odata.type": "#Collection(String)",
            "tags": ["referral", "q2"],
            "region": "EMEA",
            "ratio": 0.5,
        }],
    }


def messages_page(count: int) -> bytes:
    """A collection response of ``count`` messages, as the bytes a client receives."""
    page = {"@odata.context": f"{_ROOT}#users('dana%40contoso.com')/messages(extensions())",
            "value": [_message(i) for i in range(count)]}
    return json.dumps(page).encode("utf-8")
