"""Payload validation: the shipped JSON Schemas (structure) plus the checks a schema cannot make
(an annotation that disagrees with its value, ``#Int32`` on 2**40, an object inside an open
extension). ``validate`` returns every fault; ``assert_valid`` raises ``PayloadError``.

Both run the check-only pass (``check.check``), which builds no typed value and runs ``jsonschema``
only on a part the compiled schemas refuse. ``_reference_faults`` is the plain reading (jsonschema
on the whole payload, then ``decode``): the differential tests hold the two equal.
"""

from __future__ import annotations

from typing import Any, Literal

from . import _jsontext, _schemas
from .check import SCHEMAS, _path_order, _said_already, check
from .decode import Infer, decode, decode_with_faults
from ..errors import Fault, PayloadError
from .extensions import DIALECTS, dialect_of, extension_faults
from .values import Collection, ContextRef, Structured, Value

__all__ = ["validate", "assert_valid", "detect_kind", "Kind", "KINDS"]

Kind = Literal["extension-create", "extension-patch", "extension-response", "entity", "collection", "error"]
#: Each kind of payload and the schema (file URI and pointer) that describes it.
KINDS: dict[str, str] = SCHEMAS


def detect_kind(document: Any) -> Kind:
    """Which payload this looks like: an error, a collection (``value``), an extension or an entity."""
    if isinstance(document, dict):
        if "error" in document and all(isinstance(k, str) and k.startswith("@") for k in document if k != "error"):
            return "error"
        if isinstance(document.get("value"), list):
            return "collection"
        if dialect_of(document) is not None:
            return "extension-create" if _RESPONSE_KEYS.isdisjoint(document) else "extension-response"
    return "entity"


#: Keys only a service's response has: an extension's id, the object's id or context URL.
_RESPONSE_KEYS = frozenset({*(d.id_key for d in DIALECTS.values()), "@odata.id", "@id", "@odata.context", "@context"})


def validate(
    payload: Any,
    *,
    kind: Kind | None = None,
    infer: Infer = "spec",
    ieee754_compatible: bool | None = None,
    strict_names: bool = False,
    max_depth: int = _jsontext.DEFAULT_MAX_DEPTH,
) -> list[Fault]:
    """Every fault in ``payload`` (JSON text, bytes or parsed JSON), each with its JSON path.

    ``kind`` picks the schema (``detect_kind`` guesses when None); ``strict_names`` also
    requires reverse-DNS extension names, which the services only recommend.
    """
    return _check(payload, kind, infer, ieee754_compatible, strict_names, max_depth, typed=False)[1]


def assert_valid(
    payload: Any,
    *,
    kind: Kind | None = None,
    infer: Infer = "spec",
    ieee754_compatible: bool | None = None,
    strict_names: bool = False,
    max_depth: int = _jsontext.DEFAULT_MAX_DEPTH,
) -> Value:
    """Validate and decode; raises ``PayloadError`` with every fault, else returns the typed value."""
    value, faults = _check(payload, kind, infer, ieee754_compatible, strict_names, max_depth)
    if faults:
        raise PayloadError(faults)
    return value


def _check(payload: Any, kind: Kind | None, infer: Infer, ieee754_compatible: bool | None, strict_names: bool,
           max_depth: int, typed: bool = True) -> tuple[Value, list[Fault]]:
    """The faults, by the check-only pass; with ``typed``, the typed value of a valid payload."""
    if isinstance(payload, (str, bytes)):
        payload, faults = _jsontext.read(payload)
        if faults:
            return None, faults
    faults = check(payload, kind or detect_kind(payload), infer=infer, ieee754_compatible=ieee754_compatible,
                   strict_names=strict_names, max_depth=max_depth)
    if faults or not typed:
        return None, faults
    return decode(payload, infer=infer, ieee754_compatible=ieee754_compatible, max_depth=max_depth), []


def _reference_faults(payload: Any, kind: Kind | None = None, infer: Infer = "spec",
                      ieee754_compatible: bool | None = None, strict_names: bool = False,
                      max_depth: int = _jsontext.DEFAULT_MAX_DEPTH) -> list[Fault]:
    """``validate`` read plainly: ``jsonschema`` over the whole payload and a full ``decode``
    (slow: a page of messages takes seconds). The specification ``check`` is tested against."""
    if isinstance(payload, (str, bytes)):
        payload, faults = _jsontext.read(payload)
        if faults:
            return faults
    deep = _jsontext.too_deep(payload, max_depth)
    if deep is not None:  # the schema validator would recurse as deep as the document
        return [Fault(deep, f"nested deeper than {max_depth} levels; refusing to read further", "too-deep")]
    value, faults = decode_with_faults(payload, infer=infer, ieee754_compatible=ieee754_compatible,
                                       max_depth=max_depth)
    kind = kind or detect_kind(payload)
    faults += _context_faults(value)
    faults += _extension_checks(value, kind, strict_names)
    if not any(f.code == "not-json" for f in faults):  # a JSON Schema applies to JSON (string keys) only
        faults += [f for f in _schemas.schema_faults(payload, KINDS[kind]) if not _said_already(f, faults)]
    return sorted(faults, key=_path_order)


def _context_faults(value: Value) -> list[Fault]:
    """Context URLs (``@odata.context``, ``Name@odata.context``) that do not parse: decode keeps
    them as text, so this is where they are read (iterative)."""
    faults: list[Fault] = []
    stack: list[tuple[Value, str]] = [(value, "$")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, Structured):
            places = [("", node.control), *node.property_control.items()]
            for prop, control in places:
                context = control.get("context")
                if isinstance(context, ContextRef):
                    problem = context.problem()
                    if problem:
                        key = f"{prop}@odata.context"
                        faults.append(Fault(_jsontext.child(path, key) if prop else f"{path}['@odata.context']",
                                            f"not a context URL: {problem}", "bad-control"))
            stack.extend((item, _jsontext.child(path, key)) for key, item in node.properties.items())
        elif isinstance(node, Collection):
            stack.extend((item, _jsontext.child(path, i)) for i, item in enumerate(node.items))
    return faults


def _extension_checks(value: Value, kind: str, strict_names: bool) -> list[Fault]:
    """Extension rules for the top-level extension and every item of an Extensions array (iterative)."""
    faults: list[Fault] = []
    request = kind in ("extension-create", "extension-patch")
    if kind.startswith("extension") and isinstance(value, Structured):
        faults += extension_faults(value, "$", request=request, strict_names=strict_names)
    stack: list[tuple[Value, str]] = [(value, "$")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, Structured):
            for key, item in node.properties.items():
                here = _jsontext.child(path, key)
                if key in {d.extensions_key for d in DIALECTS.values()} and isinstance(item, Collection):
                    faults += [f for i, ext in enumerate(item.items) if isinstance(ext, Structured)
                               for f in extension_faults(ext, _jsontext.child(here, i), strict_names=strict_names)]
                else:
                    stack.append((item, here))
        elif isinstance(node, Collection):
            stack.extend((item, _jsontext.child(path, i)) for i, item in enumerate(node.items))
    return faults
