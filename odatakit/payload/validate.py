"""Payload validation: the shipped JSON Schemas (structure) plus the checks a schema cannot make
(an annotation that disagrees with its value, ``#Int32`` on 2**40, an object inside an open
extension). ``validate`` returns every fault; ``assert_valid`` raises ``PayloadError``.
"""

from __future__ import annotations

import functools
import json
import re
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # loaded on first validation: the CLI's fmt/parse and a plain import need none of it
    import jsonschema
    import referencing

from . import _jsontext
from .. import edm
from .decode import Infer, decode_with_faults
from ..errors import Fault, PayloadError
from .extensions import DIALECTS, dialect_of, extension_faults
from .values import Collection, ContextRef, Structured, Value

__all__ = ["validate", "assert_valid", "detect_kind", "Kind", "KINDS"]

Kind = Literal["extension-create", "extension-patch", "extension-response", "entity", "collection", "error"]
#: Each kind of payload and the schema (file URI and pointer) that describes it.
KINDS: dict[str, str] = {
    "extension-create": "urn:odatakit:schemas:extension#/$defs/create",
    "extension-patch": "urn:odatakit:schemas:extension#/$defs/patch",
    "extension-response": "urn:odatakit:schemas:extension#/$defs/response",
    "entity": "urn:odatakit:schemas:entity",
    "collection": "urn:odatakit:schemas:collection",
    "error": "urn:odatakit:schemas:error",
}
_SCHEMA_FILES = ("control", "extension", "entity", "collection", "error")


@functools.cache
def _registry() -> referencing.Registry:
    import referencing
    from referencing.jsonschema import DRAFT202012

    folder = resources.files("odatakit.payload") / "schemas"
    contents = [json.loads((folder / f"{name}.json").read_text("utf-8")) for name in _SCHEMA_FILES]
    # Every file is draft 2020-12; without its "$schema" a $ref keeps _validator_class() (and its integer
    # check) instead of switching to the stock validator that "$schema" names.
    return referencing.Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource({k: v for k, v in schema.items() if k != "$schema"}))
        for schema in contents
    )


def _is_integer(checker: Any, instance: Any) -> bool:
    """JSON Schema's integer (a number with no fraction), also for the exact Decimals the reader
    makes of ``-0`` and of integers too long for an int."""
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    import jsonschema

    return bool(jsonschema.Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer"))


@functools.cache
def _validator_class() -> Any:
    import jsonschema

    return jsonschema.validators.extend(
        jsonschema.Draft202012Validator,
        type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )


@functools.cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    result: jsonschema.protocols.Validator = _validator_class()({"$ref": KINDS[kind]}, registry=_registry())
    return result


def detect_kind(document: Any) -> Kind:
    """Which payload this looks like: an error, a collection (``value``), an extension or an entity."""
    if isinstance(document, dict):
        if "error" in document and all(isinstance(k, str) and k.startswith("@") for k in document if k != "error"):
            return "error"
        if isinstance(document.get("value"), list):
            return "collection"
        if dialect_of(document) is not None:
            ids = [d.id_key for d in DIALECTS.values()] + ["@odata.id", "@id", "@odata.context", "@context"]
            return "extension-response" if any(k in document for k in ids) else "extension-create"
    return "entity"


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
    return _check(payload, kind, infer, ieee754_compatible, strict_names, max_depth)[1]


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
           max_depth: int) -> tuple[Value, list[Fault]]:
    if isinstance(payload, (str, bytes)):
        payload, faults = _jsontext.read(payload)
        if faults:
            return None, faults
    deep = _jsontext.too_deep(payload, max_depth)
    if deep is not None:  # the schema validator would recurse as deep as the document
        return None, [Fault(deep, f"nested deeper than {max_depth} levels; refusing to read further", "too-deep")]
    value, faults = decode_with_faults(payload, infer=infer, ieee754_compatible=ieee754_compatible,
                                       max_depth=max_depth)
    kind = kind or detect_kind(payload)
    faults += _context_faults(value)
    faults += _extension_checks(value, kind, strict_names)
    if not any(f.code == "not-json" for f in faults):  # a JSON Schema applies to JSON (string keys) only
        faults += [f for f in _schema_faults(payload, kind) if not _said_already(f, faults)]
    return value, sorted(faults, key=_path_order)


def _path_order(fault: Fault) -> list[tuple[int, Any]]:
    """Sort key: paths in order, array indexes compared as numbers (``[2]`` before ``[10]``)."""
    return [(0, part) if type(part) is int else (1, part) if type(part) is str else (2, repr(part))
            for part in fault.path]


def _said_already(schema_fault: Fault, faults: list[Fault]) -> bool:
    """A schema fault that repeats a semantic one: same path, or an any-of over a path that has one."""
    broad = schema_fault.code in ("schema-anyOf", "schema-oneOf")
    path, size = schema_fault.path, len(schema_fault.path)
    return any(f.path == path or broad and f.path[:size] == path for f in faults)


def _schema_faults(document: Any, kind: str) -> list[Fault]:
    faults: dict[Fault, None] = {}  # the same fault can come from two schemas ($ref): keep one
    for error in _validator(kind).iter_errors(document):
        faults[Fault(tuple(error.absolute_path), _message(error), f"schema-{error.validator}")] = None
    return list(faults)


_JSON_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _message(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, made specific where it would only say 'not valid under any schema'."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        import jsonschema

        return str(jsonschema.exceptions.best_match(error.context).message)
    if error.validator == "required":
        return f"missing the required {error.message.split(' is a required')[0]}"
    if error.validator == "additionalProperties" and error.validator_value is False:
        schema = error.schema if isinstance(error.schema, dict) else {}
        extra = [k for k in error.instance if k not in schema.get("properties", {})
                 and not any(re.search(p, k) for p in schema.get("patternProperties", {}))]
        return f"property not allowed here: {', '.join(map(repr, extra))}"
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"expected {' or '.join(expected)}, found {_JSON_KINDS.get(type(error.instance), 'number')}"
    if error.validator == "pattern":
        shown = edm.clipped(error.instance) if isinstance(error.instance, str) else repr(error.instance)
        return f"{shown} is not allowed here (expected {error.validator_value!r})"
    message = str(error.message)
    return message if len(message) <= 200 else message[:197] + "..."


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
