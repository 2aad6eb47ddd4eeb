"""The HTTP requests that create, read, update and delete an open extension, per dialect and
resource: method, URL, body and the status a success answers with (``odatakit.services``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import attrs

from ..payload import _jsontext
from ..errors import Fault, PayloadError
from ..url import NameSegment, Url, parse_url
from ..services import PatchRule, extension_id_form, patch_rule, resource_of_path

if TYPE_CHECKING:
    from ..payload.extensions import OpenTypeExtension

__all__ = ["ExtensionRequest", "resource_of", "create_request", "get_request", "update_request",
           "delete_request"]

Method = Literal["GET", "POST", "PATCH", "DELETE"]


@attrs.frozen
class ExtensionRequest:
    """One request to send: method, absolute URL, JSON body (None for none), the status a success
    answers with, and the rule it follows (for PATCH)."""

    method: Method
    url: str
    body: dict[str, Any] | None
    expected_status: int
    rule: PatchRule | None = None

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """``Content-Type`` when there is a body."""
        return (("Content-Type", "application/json"),) if self.body is not None else ()


def _as_url(item: Url | str) -> Url:
    return parse_url(item) if isinstance(item, str) else item


def resource_of(item: Url | str) -> str:
    """The kind of resource an item URL addresses (``…/me`` → ``user``, ``…/messages/{id}`` →
    ``message``); ValueError when the path names none that Graph or Outlook extend."""
    url = _as_url(item)
    names = [segment.name if isinstance(segment, NameSegment) else None for segment in url.path]
    kind = resource_of_path(names, user_context=url.user is not None)
    if kind is None:
        raise ValueError(f"{url} addresses no resource kind that takes open extensions")
    return kind


def _dialect_name(url: Url) -> str:
    dialect = url.root.dialect if url.root is not None else None
    if dialect is None:
        raise ValueError(f"{url} is not an Outlook REST or Microsoft Graph URL (build it with graph() or outlook())")
    return dialect


def _checked(ext: OpenTypeExtension, item: Url | str) -> tuple[Url, str]:
    url = _as_url(item)
    if url.path and isinstance(url.path[-1], NameSegment) and url.path[-1].kind == "extensions":
        raise ValueError(f"give the item the extension is on, not its extensions collection: {url}")
    dialect = _dialect_name(url)
    if dialect != ext.dialect.name:
        raise ValueError(f"a {ext.dialect.name} extension sent to a {dialect} URL ({url}); "
                         f"convert it with .to_dialect({dialect!r})")
    resource = resource_of(url)
    extension_id_form(dialect, resource)  # ValueError when the service has no open extensions there
    return url, resource


def _extension_url(url: Url, name: str) -> Url:
    base = url.nav("extensions")
    # Graph documents key-as-segment (…/extensions/{extensionId}); Outlook v2.0 parenthesized keys.
    if url.root is not None and url.root.dialect == "graph":
        try:
            return base.key(name, as_segment=True)
        except ValueError:
            pass  # a name that would read back as something else: the parenthesized key carries any text
    return base.key(name)


def create_request(ext: OpenTypeExtension, item: Url | str, **encode_options: Any) -> ExtensionRequest:
    """POST ``{item}/extensions`` with the create body; 201 Created."""
    url, _ = _checked(ext, item)
    return ExtensionRequest("POST", str(url.nav("extensions")), ext.create_body(**encode_options), 201)


def get_request(ext: OpenTypeExtension, item: Url | str) -> ExtensionRequest:
    """GET ``{item}/extensions/{name}``; 200 OK with the extension."""
    url, _ = _checked(ext, item)
    return ExtensionRequest("GET", str(_extension_url(url, ext.name)), None, 200)


def delete_request(ext: OpenTypeExtension, item: Url | str) -> ExtensionRequest:
    """DELETE ``{item}/extensions/{name}``; 204 No Content."""
    url, _ = _checked(ext, item)
    return ExtensionRequest("DELETE", str(_extension_url(url, ext.name)), None, 204)


def update_request(ext: OpenTypeExtension, item: Url | str, **encode_options: Any) -> ExtensionRequest:
    """PATCH ``{item}/extensions/{name}`` following the resource's rule.

    Replace (Graph directory objects): the body must hold every property the extension keeps, so
    send the whole extension. Merge (Graph mailbox items, Outlook v2.0): send what changes; where
    ``null`` is refused (Graph Microsoft 365 items) a ``null`` value raises ``PayloadError``.
    """
    url, resource = _checked(ext, item)
    rule = patch_rule(ext.dialect.name, resource)
    if not rule.null_allowed:
        nulls = [Fault(_jsontext.child("$", key), f"{resource} extensions refuse null in a PATCH ({rule.source.url}); "
                                                   "leave the property out to keep it", "extension-null")
                 for key, value in ext.properties.items() if value is None]
        if nulls:
            raise PayloadError(nulls)
    return ExtensionRequest("PATCH", str(_extension_url(url, ext.name)), ext.patch_body(**encode_options),
                            rule.status, rule)


