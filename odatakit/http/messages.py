"""Request helpers: OData headers as plain strings, and OData error bodies as an exception.

Nothing here sends a request: the functions return ``dict[str, str]`` / ``str`` values to hand to
any HTTP client (httpx, requests, urllib), and ``parse_error`` reads a response body the client
received. Header syntax follows the ABNF's ``header`` and ``preference`` rules (OData ABNF §9);
the rule tables below cite them.

>>> from odatakit.url import outlook
>>> request_headers(outlook("v2.0").user_context("sadie@contoso.com").messages, maxpagesize=50)
{'OData-Version': '4.0', 'OData-MaxVersion': '4.0', 'Accept': 'application/json', 'Prefer': 'odata.maxpagesize=50', 'x-AnchorMailbox': 'sadie@contoso.com'}
"""

from __future__ import annotations

from ..payload import _jsontext
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import Error, Fault, ODataSyntaxError, PayloadError
from ..query.tree import as_tuple
from ..url import Url, UserContext

__all__ = [
    "ServiceError", "ODataError", "MailboxNotEnabledError", "ErrorDetail", "parse_error", "MAILBOX_NOT_ENABLED_CODES",
    "Preference", "prefer", "parse_prefer", "parse_preference", "parse_header",
    "accept", "anchor_mailbox", "request_headers", "ODATA_VERSION",
]

#: The OData version Outlook REST and Microsoft Graph speak.
ODATA_VERSION = "4.0"

#: Error codes of a mailbox the REST API cannot serve yet (HTTP 404, Outlook REST docs).
MAILBOX_NOT_ENABLED_CODES = frozenset({"MailboxNotEnabledForRESTAPI", "MailboxNotSupportedForRESTAPI"})

# ---------------------------------------------------------------------------------------------
# Preferences (ABNF preference; RFC 7240 for the rest)
# ---------------------------------------------------------------------------------------------

_IDENT = r"[A-Za-z_]\w*"
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"                  # RFC 7230 token
_QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"'  # RFC 7230 quoted-string (no CTL but HTAB)
_EQ = r"[ \t]*=[ \t]*"                                     # EQ-h = BWS-h EQ BWS-h
_ANNOTATION = rf"-?(?:\*|{_IDENT}(?:\.{_IDENT})*\.(?:{_IDENT}|\*))(?:#{_IDENT})?"   # annotationIdentifier

#: The OData preferences → the pattern of their ``=value`` part ("" = no value allowed; None =
#: a value is optional). Names are case-insensitive; "odata." is optional where the ABNF says so.
_PREFERENCE_VALUES: dict[str, tuple[bool, str | None]] = {
    # name: (odata. prefix allowed, value pattern)
    "allow-entityreferences": (True, ""),                                   # allowEntityReferencesPreference
    "callback": (True, ""),                                                 # callbackPreference (";url=" parameter)
    "continue-on-error": (True, r"(?i:true|false)?"),                       # continueOnErrorPreference
    "include-annotations": (True, rf'"{_ANNOTATION}(?:,{_ANNOTATION})*"'),  # includeAnnotationsPreference
    "maxpagesize": (True, r"[1-9][0-9]*"),                                  # maxpagesizePreference
    "omit-values": (False, r"(?i:nulls|defaults)"),                         # omitValuesPreference
    "respond-async": (False, ""),                                           # respondAsyncPreference
    "return": (False, r"representation|minimal"),                           # returnPreference (%s: case-sensitive)
    "track-changes": (True, ""),                                            # trackChangesPreference
    "wait": (False, r"[0-9]+"),                                             # waitPreference
}
_REQUIRES_VALUE = frozenset({"include-annotations", "maxpagesize", "omit-values", "return", "wait"})

_PREFERENCE = re.compile(
    rf"(?P<name>{_TOKEN}?)(?:(?P<eq>{_EQ})(?P<value>{_QUOTED}|{_TOKEN}))?"
    rf"(?P<params>(?:[ \t]*;[ \t]*(?:{_TOKEN}(?:{_EQ}(?:{_QUOTED}|{_TOKEN}))?)?)*)"
)
_PARAMETER = re.compile(rf"[ \t]*;[ \t]*(?:(?P<name>{_TOKEN})(?:{_EQ}(?P<value>{_QUOTED}|{_TOKEN}))?)?")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")    # CTL but HTAB: never in a field value (RFC 7230 §3.2)
_URI = re.compile(r'"[A-Za-z][A-Za-z0-9+.\-]*:[^"\s]*"')   # callback url (ABNF URI, loosely)


@attrs.frozen
class Preference:
    """One preference of a ``Prefer`` header: ``odata.maxpagesize=50``, ``return=minimal``,
    ``odata.callback;url="…"``. ``value`` and parameter values are unquoted."""

    name: str
    value: str | None = None
    parameters: tuple[tuple[str, str | None], ...] = attrs.field(default=(), converter=as_tuple)

    @property
    def key(self) -> str:
        """The name in lower case without ``odata.`` (``maxpagesize`` for ``odata.MaxPageSize``)."""
        lowered = self.name.lower()
        return lowered[6:] if lowered.startswith("odata.") and lowered[6:] in _PREFERENCE_VALUES else lowered

    def __str__(self) -> str:
        always = self.key == "include-annotations"  # its ABNF rule quotes the list, even "*"
        text = self.name if self.value is None else f"{self.name}={_quote(self.value, always)}"
        for name, value in self.parameters:
            text += f";{name}" if value is None else f";{name}={_quote(value)}"
        return text


def _quote(value: str, always: bool = False) -> str:
    if re.fullmatch(_TOKEN, value) and not always:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header_value(name: str, value: str) -> str:
    """``value`` checked for a header line: a CR or LF would end the header (and start another
    one, header injection); other control characters are not allowed in a field value either."""
    if (control := _CONTROL.search(value)) is not None:
        raise ValueError(f"{name} value {value!r} holds the control character {control.group()!r} at {control.start()}")
    return value


def _unquote(value: str | None) -> str | None:
    if value is None or not value.startswith('"'):
        return value
    return re.sub(r"\\(.)", r"\1", value[1:-1])


def parse_preference(text: str, *, base: int = 0, whole: str | None = None) -> Preference:
    """Read one preference; the OData preferences are checked against their ABNF rule."""
    shown = text if whole is None else whole
    match = _PREFERENCE.fullmatch(text)
    if match is None or not match.group("name"):
        stop = _PREFERENCE.match(text)
        at = stop.end() if stop else 0
        raise ODataSyntaxError("not a preference (token [= value] [; parameter])", shown, base + at,
                               ["token", "=", ";"])
    name, raw_value = match.group("name"), match.group("value")
    lowered = name.lower()
    key = lowered[6:] if lowered.startswith("odata.") else lowered
    rule = _PREFERENCE_VALUES.get(key)
    if rule is not None and (lowered == key or rule[0]):
        pattern = rule[1]
        value_at = base + (match.start("value") if raw_value is not None else len(name))
        if key in _REQUIRES_VALUE and raw_value is None:
            raise ODataSyntaxError(f"preference {name} needs a value", shown, value_at, ["="])
        if pattern == "" and raw_value is not None:
            raise ODataSyntaxError(f"preference {name} takes no value", shown, base + match.start("eq"))
        if pattern and raw_value is not None and not re.fullmatch(pattern, raw_value):
            raise ODataSyntaxError(f"invalid value for preference {name}", shown, value_at, [key])
        if key == "callback" and not re.fullmatch(rf'[ \t]*;[ \t]*(?i:url){_EQ}{_URI.pattern}', match.group("params")):
            raise ODataSyntaxError('callback needs ;url="URI"', shown, base + match.start("params"), [';url="'])
    parameters = tuple(
        (p.group("name"), _unquote(p.group("value")))
        for p in _PARAMETER.finditer(match.group("params")) if p.group("name")
    )
    return Preference(name, _unquote(raw_value), parameters)


def _split_list(text: str) -> Iterable[tuple[str, int]]:
    """Split a header list at commas outside quoted strings, with each item's offset."""
    start, quoted, escaped = 0, False, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            yield text[start:i], start
            start = i + 1
    yield text[start:], start


def parse_prefer(value: str) -> tuple[Preference, ...]:
    """Read a ``Prefer`` header value (``odata.maxpagesize=50, return=minimal``)."""
    preferences = []
    for item, offset in _split_list(value):
        stripped = item.strip(" \t")
        lead = len(item) - len(item.lstrip(" \t"))
        preferences.append(parse_preference(stripped, base=offset + lead, whole=value))
    return tuple(preferences)


def prefer(
    *,
    maxpagesize: int | None = None,
    return_: str | None = None,
    include_annotations: Iterable[str] | str | None = None,
    respond_async: bool = False,
    track_changes: bool = False,
    continue_on_error: bool | None = None,
    allow_entityreferences: bool = False,
    omit_values: str | None = None,
    wait: int | None = None,
    callback: str | None = None,
    extra: Mapping[str, str | None] | None = None,
) -> str:
    """A ``Prefer`` header value. ``extra`` adds service preferences such as Outlook's
    ``outlook.timezone`` or ``outlook.body-content-type`` (values quoted as needed).

    >>> prefer(maxpagesize=50, return_="minimal", include_annotations="*")
    'odata.maxpagesize=50, return=minimal, odata.include-annotations="*"'
    """
    items: list[Preference] = []
    if maxpagesize is not None:
        if isinstance(maxpagesize, bool) or not isinstance(maxpagesize, int) or maxpagesize < 1:
            raise ValueError(f"maxpagesize is a positive integer, got {maxpagesize!r}")
        items.append(Preference("odata.maxpagesize", str(maxpagesize)))
    if return_ is not None:
        if return_ not in ("minimal", "representation"):
            raise ValueError(f"return is 'minimal' or 'representation', got {return_!r}")
        items.append(Preference("return", return_))
    if include_annotations is not None:
        terms = [include_annotations] if isinstance(include_annotations, str) else list(include_annotations)
        for term in terms:
            if not re.fullmatch(_ANNOTATION, term):
                raise ValueError(f"{term!r} is not an annotation filter (*, Ns.*, Ns.Term, -…, …#qualifier)")
        if not terms:
            raise ValueError("include_annotations needs at least one term ('*' for all)")
        items.append(Preference("odata.include-annotations", ",".join(terms)))
    if respond_async:
        items.append(Preference("respond-async"))
    if track_changes:
        items.append(Preference("odata.track-changes"))
    if continue_on_error is not None:
        items.append(Preference("odata.continue-on-error", None if continue_on_error else "false"))
    if allow_entityreferences:
        items.append(Preference("odata.allow-entityreferences"))
    if omit_values is not None:
        if omit_values not in ("nulls", "defaults"):
            raise ValueError(f"omit_values is 'nulls' or 'defaults', got {omit_values!r}")
        items.append(Preference("omit-values", omit_values))
    if wait is not None:
        if isinstance(wait, bool) or not isinstance(wait, int) or wait < 0:
            raise ValueError(f"wait is a number of seconds, got {wait!r}")
        items.append(Preference("wait", str(wait)))
    if callback is not None:
        items.append(Preference("odata.callback", None, (("url", callback),)))
    for name, value in (extra or {}).items():
        if not re.fullmatch(_TOKEN, name):
            raise ValueError(f"{name!r} is not a preference name (an HTTP token)")
        items.append(Preference(name, value))
    text = _header_value("Prefer", ", ".join(str(item) for item in items))
    parse_prefer(text)  # what we write must read back: a bad value fails here, not at the service
    return text


# ---------------------------------------------------------------------------------------------
# Other headers
# ---------------------------------------------------------------------------------------------


def accept(*, ieee754_compatible: bool = False, metadata: str | None = None) -> str:
    """An ``Accept`` value for JSON: ``application/json;odata.metadata=minimal;IEEE754Compatible=true``.

    ``IEEE754Compatible=true`` asks for Int64 and Decimal numbers as strings (JSON format §3.2),
    so no digit is lost in a JavaScript-style double.
    """
    text = "application/json"
    if metadata is not None:
        if metadata not in ("minimal", "full", "none"):
            raise ValueError(f"metadata is 'minimal', 'full' or 'none', got {metadata!r}")
        text += f";odata.metadata={metadata}"
    if ieee754_compatible:
        text += ";IEEE754Compatible=true"
    return text


def anchor_mailbox(target: Url | UserContext | str, *, email: str | None = None) -> str:
    """The ``x-AnchorMailbox`` value for a user context: the UPN of ``users/{upn}``,
    ``Oid:{userId}@{tenantId}`` for ``users/{userId@tenantId}``; for ``me``, pass ``email``.

    Outlook REST routes a request to the mailbox's server by this header.
    """
    if email is not None:
        return _header_value("x-AnchorMailbox", email)
    user = target.user if isinstance(target, Url) else target
    if isinstance(user, str):
        user = UserContext(user)
    if user is None:
        raise ValueError("the URL has no user context; pass email= for x-AnchorMailbox")
    if user.upn is not None:
        return _header_value("x-AnchorMailbox", user.upn)
    if user.object_id is not None and user.tenant_id is not None:
        return f"Oid:{user.object_id}@{user.tenant_id}"
    raise ValueError("x-AnchorMailbox for 'me' (or a bare object id) needs the user's email address: email=")


def request_headers(
    url: Url | None = None,
    *,
    email: str | None = None,
    maxpagesize: int | None = None,
    ieee754_compatible: bool = False,
    preferences: str | None = None,
    content_type: bool = False,
) -> dict[str, str]:
    """The headers of an OData request to ``url``: ``OData-Version``, ``Accept`` (with
    ``IEEE754Compatible``), ``Prefer`` and, for a user context or ``email``, ``x-AnchorMailbox``.

    ``content_type=True`` adds ``Content-Type`` for a JSON body (POST, PATCH). A user given by a
    bare object id (Graph's ``users/{id}``) gets no ``x-AnchorMailbox``: the header needs the
    tenant too (``Oid:{id}@{tenant}``) or an address; pass ``email=`` for one.
    """
    headers = {"OData-Version": ODATA_VERSION, "OData-MaxVersion": ODATA_VERSION,
               "Accept": accept(ieee754_compatible=ieee754_compatible)}
    if content_type:
        headers["Content-Type"] = accept(ieee754_compatible=ieee754_compatible)
    prefer_value = ", ".join(p for p in (prefer(maxpagesize=maxpagesize) if maxpagesize is not None else "",
                                         preferences or "") if p)
    if prefer_value:
        parse_prefer(prefer_value)
        headers["Prefer"] = prefer_value
    user = url.user if url is not None else None
    if email is not None or (user is not None and (user.upn is not None or user.tenant_id is not None)):
        headers["x-AnchorMailbox"] = anchor_mailbox(url if url is not None else UserContext(), email=email)
    return {name: _header_value(name, value) for name, value in headers.items()}


#: ABNF ``header`` rules: lower-case name → pattern of the value (after OWS).
_HEADER_VALUES: dict[str, str] = {
    "asyncresult": r"[0-9]{3}",                                  # asyncresult
    "content-id": r"[A-Za-z0-9\-._~]+",                           # content-id = request-id (1*unreserved)
    "isolation": r"(?i:snapshot)",                               # isolation
    "odata-isolation": r"(?i:snapshot)",
    "odata-entityid": r"[\x21-\x7e\x80-\xff]+",                  # odata-entityid = IRI-in-header
    "odata-error": r'\{"code":[\x20-\x7e]*',                     # odata-error
    "odata-maxversion": r"[0-9]+\.[0-9]+",                        # odata-maxversion
    "odata-version": r"4\.0[1-9]?",                               # odata-version
}


def parse_header(line: str) -> tuple[str, str | tuple[Preference, ...]]:
    """Read one OData header line (``OData-Version: 4.0``, ``Prefer: …``): (name, value), the
    value of ``Prefer`` as its preferences. Names are case-insensitive; other headers are refused."""
    name, colon, rest = line.partition(":")
    if not colon or not re.fullmatch(_TOKEN, name):
        raise ODataSyntaxError("expected 'Name: value'", line, len(name) if colon else len(line), [":"])
    start = len(name) + 1 + (len(rest) - len(rest.lstrip(" \t")))
    value = line[start:]
    lowered = name.lower()
    if lowered == "prefer":
        preferences = []
        for item, offset in _split_list(value):
            stripped = item.strip(" \t")
            lead = len(item) - len(item.lstrip(" \t"))
            preferences.append(parse_preference(stripped, base=start + offset + lead, whole=line))
        return name, tuple(preferences)
    pattern = _HEADER_VALUES.get(lowered)
    if pattern is None:
        raise ODataSyntaxError(f"{name} is not an OData header", line, 0, ["OData-Version", "Prefer", "..."])
    if not re.fullmatch(pattern, value):
        raise ODataSyntaxError(f"invalid {name} value", line, start, [lowered])
    return name, value


# ---------------------------------------------------------------------------------------------
# Error bodies (JSON format §21.1; Graph's innerError)
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class ErrorDetail:
    """One entry of an error's ``details``: ``code``, ``message``, ``target``."""

    code: str
    message: str
    target: str | None = None


class ServiceError(Error):
    """An OData error response (a service's own error, not odatakit's): ``code`` (the service's error code), ``message``, ``target``,
    ``details`` and ``innererror`` (Graph's ``innerError``), plus the HTTP ``status`` if given.

    Branch on ``code``, never on ``message`` (Graph's advice); ``str()`` shows both.
    """

    def __init__(self, code: str, message: str, *, target: str | None = None,
                 details: Iterable[ErrorDetail] = (), innererror: Mapping[str, Any] | None = None,
                 status: int | None = None) -> None:
        self.code = code
        self.message = message
        self.target = target
        self.details: tuple[ErrorDetail, ...] = tuple(details)
        self.innererror = dict(innererror) if innererror is not None else None
        self.status = status
        head = f"{status} " if status is not None else ""
        super().__init__(f"{head}{code}: {message}" + (f" (target: {target})" if target else ""))

    @property
    def request_id(self) -> str | None:
        """Graph's ``innerError.request-id``, if the service sent one (quote it to support)."""
        if not self.innererror:
            return None
        value = self.innererror.get("request-id")
        return value if isinstance(value, str) else None


class MailboxNotEnabledError(ServiceError):
    """``MailboxNotEnabledForRESTAPI`` / ``MailboxNotSupportedForRESTAPI``: the mailbox is not (or
    not yet) served by the REST API (on-premises, inactive, or being provisioned)."""


#: The former name of ``ServiceError``, kept so code written against it keeps working.
ODataError = ServiceError


def parse_error(body: str | bytes | Mapping[str, Any], *, status: int | None = None) -> ServiceError:
    """The exception an OData error body describes (returned, not raised: ``raise parse_error(…)``).

    Accepts the text, bytes or decoded JSON of ``{"error": {"code", "message", …}}``; a body that
    is not an OData error raises ``PayloadError`` with the JSON path of each fault.
    """
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        body, read_faults = _jsontext.read(body)  # bounded: a deeply nested body is a fault, not a RecursionError
        if read_faults:
            raise PayloadError(read_faults)
    faults: list[Fault] = []
    error_object = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error_object, Mapping):
        raise PayloadError([Fault("$.error", "an OData error body is {\"error\": {\"code\", \"message\"}}", "missing")])
    code, message, target = error_object.get("code"), error_object.get("message"), error_object.get("target")
    if not isinstance(code, str) or not code:
        faults.append(Fault("$.error.code", "a non-empty string is required", "type"))
    if not isinstance(message, str) or not message:
        faults.append(Fault("$.error.message", "a non-empty string is required", "type"))
    if target is not None and not isinstance(target, str):
        faults.append(Fault("$.error.target", "a string or null is required", "type"))
    details: list[ErrorDetail] = []
    raw_details = error_object.get("details")  # only a missing or null details means none
    if raw_details is None:
        raw_details = []
    elif not isinstance(raw_details, list):
        faults.append(Fault("$.error.details", "an array is required", "type"))
        raw_details = []
    for index, item in enumerate(raw_details):
        # JSON format §21.1: each detail has code, message and target "as described above"
        if not (isinstance(item, Mapping) and isinstance(item.get("code"), str) and item["code"]
                and isinstance(item.get("message"), str) and item["message"]):
            faults.append(Fault(f"$.error.details[{index}]", "an object with a non-empty code and message is required",
                                "type"))
            continue
        item_target = item.get("target")
        if item_target is not None and not isinstance(item_target, str):
            faults.append(Fault(f"$.error.details[{index}].target", "a string or null is required", "type"))
            continue
        details.append(ErrorDetail(item["code"], item["message"], item_target))
    inner = next((error_object[k] for k in error_object if isinstance(k, str) and k.lower() == "innererror"), None)
    if inner is not None and not isinstance(inner, Mapping):
        faults.append(Fault("$.error.innererror", "an object is required", "type"))
    if faults:
        raise PayloadError(faults)
    kind = MailboxNotEnabledError if code in MAILBOX_NOT_ENABLED_CODES else ServiceError
    return kind(code, message, target=target, details=details, innererror=inner, status=status)  # type: ignore[arg-type]
