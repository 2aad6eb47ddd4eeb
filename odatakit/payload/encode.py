"""Typed values → JSON-ready payload: a type annotation exactly where an unannotated value would
be read back as another type (or everywhere, on request), in 4.0 or 4.01 style.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from typing import Any, Literal, Union

import attrs

from . import _jsontext
from .. import edm
from .decode import infer_type
from ..errors import Fault, PayloadError
from .values import (Collection, ContextRef, JsonPayload, Primitive, Structured, Value, collection_type, pending,
                     split_type, typed)

__all__ = ["encode", "encode_json", "Version"]

Version = Literal["4.0", "4.01"]
# Control information a 4.01 streaming consumer expects first, in this order (JSON format §4.4).
_LEADING_CONTROL = ("context", "metadataEtag", "type", "count", "id", "etag", "editLink", "readLink")
_TWO_POW_53 = 2**53


@attrs.frozen
class _Style:
    version: Version
    ieee754_compatible: bool
    always_annotate: bool
    plain: bool = False

    def control(self, name: str) -> str:
        return f"@odata.{name}" if self.version == "4.0" else f"@{name}"

    def type_name(self, name: str) -> str:
        # The '#' may be dropped in 4.01 only for built-in primitives (JSON format §4.5.3).
        primitive = split_type(name)[0] in edm.PRIMITIVES
        return name if self.version != "4.0" and primitive else f"#{name}"


def encode(
    value: Any,
    *,
    version: Version = "4.0",
    ieee754_compatible: bool = False,
    always_annotate: bool = False,
    plain: bool = False,
) -> Any:
    """A JSON-ready payload for typed values (or plain Python, typed first with ``typed``).

    A ``Structured`` gives a dict; a ``Primitive`` or ``Collection`` its bare JSON value (a
    bare value carries no annotation: put it in a ``Structured`` to keep its type). Decimals
    stay ``Decimal``: write the result with ``encode_json`` (or a JSON writer that keeps them).

    ``plain=True`` gives only what ``json.dumps`` writes (for ``httpx.post(url, json=body)`` or
    ``requests``): with ``ieee754_compatible=True`` Decimals are strings; without it a Decimal
    becomes the float whose shortest text is the same number (``12.50`` → ``12.5``), and one no
    float holds exactly (``0.1000000000000000000000000001``) is a ``PayloadError``: send
    ``encode_json(...)`` bytes instead, the exact path.
    """
    return _encode(value, version, ieee754_compatible, always_annotate, plain, as_read=False)


def _encode(value: Any, version: Version, ieee754_compatible: bool, always_annotate: bool, plain: bool,
            as_read: bool) -> Any:
    """``encode``; ``as_read``: a lazy value decode has not typed yet, and may be written as it was
    read, is given as its raw JSON (only ``encode_json`` asks: the raw JSON never leaves it)."""
    if version not in ("4.0", "4.01"):
        raise ValueError(f"version is '4.0' or '4.01', not {version!r}")
    style = _Style(version, ieee754_compatible, always_annotate, plain)
    if isinstance(value, JsonPayload):
        return _json_payload(value, style)
    with _jsontext.paused_gc():
        return _Encoder(style, as_read and style == _AS_READ).value(typed(value), "$", 0)


#: The style in which ``encode_json`` may write an untyped value as it was read.
_AS_READ = _Style("4.0", False, False, False)


def _json_payload(value: JsonPayload, style: _Style) -> Any:
    """A payload already in JSON form (``odatakit.evaluate``'s response): written as it is, its
    annotations kept; only a request for another form (4.01, IEEE754Compatible, every type
    annotated) reads it as typed values first."""
    faults = [Fault(where, problem, "not-json") for where, problem in _jsontext.not_json(value)]
    if faults:
        raise PayloadError(faults)
    if style == _Style("4.0", False, False):
        return dict(value)
    from .decode import decode

    return _Encoder(style).value(decode(dict(value), infer="odatalib"), "$", 0)


def encode_json(
    value: Any,
    *,
    indent: int | None = None,
    version: Version = "4.0",
    ieee754_compatible: bool = False,
    always_annotate: bool = False,
    plain: bool = False,
) -> str:
    """``encode`` and write JSON text, Decimals digit for digit.

    An object or array that ``decode`` read from JSON text and nobody has read since is written as
    it arrived (4.0, the default style, when its annotations and numbers are already as 4.0 writes
    them): its values are not typed, so one ``decode`` found no fault in is not checked again;
    ``decode(..., check=True)`` or ``validate`` checks every value.
    """
    if version == "4.0" and not (ieee754_compatible or always_annotate or plain):
        source = pending(value)
        written = None if source is None else source.as_4_0()
        if written is not None:  # a whole document nobody read: no walk through typed values
            return _jsontext.write(written, indent=indent)
    return _jsontext.write(_encode(value, version, ieee754_compatible, always_annotate, plain, as_read=True),
                           indent=indent)


class _Encoder:
    def __init__(self, style: _Style, as_read: bool = False) -> None:
        self.style = style
        self.as_read = as_read
        self.control_key = functools.lru_cache(maxsize=None)(style.control)
        self.type_key = style.control("type")

    def value(self, value: Value, path: Path, depth: int) -> Any:
        if depth > _jsontext.DEFAULT_MAX_DEPTH:
            raise PayloadError([Fault(_render(path), f"nested deeper than {_jsontext.DEFAULT_MAX_DEPTH} levels; decode would "
                                            "refuse it", "too-deep")])
        if value is None:
            return None
        kind = type(value)
        if kind is Primitive:  # most values: no lookup
            return self.primitive(value, path)  # type: ignore[arg-type]
        if self.as_read:
            source = pending(value)
            if source is not None:
                written = source.as_4_0()
                if written is not None:
                    return written
        for cls, write in _WRITERS:
            if isinstance(value, cls):
                return write(self, value, path, depth)
        raise PayloadError([Fault(_render(path), f"{type(value).__name__} is not a typed value", "not-typed")])

    def primitive(self, value: Primitive, path: Path) -> Any:
        kind = edm.PRIMITIVES.get(value.type)
        if kind is None or value.value is None:
            return value.value
        v = value.value
        if kind.json == "boolean":
            return v
        if kind.json == "string":
            return kind.format(v)
        if kind.name in edm.INT_RANGES:
            return str(v) if self.style.ieee754_compatible and kind.name == "Int64" else v
        if kind.name == "Decimal":
            if not v.is_finite():
                return kind.format(v)
            if self.style.ieee754_compatible:
                return kind.format(v)
            if self.style.plain:
                return _plain_number(v, path)
            return _positional(v, path) if self.style.version == "4.0" else v
        if not math.isfinite(v):
            return kind.format(v)
        if v.is_integer() and abs(v) < _TWO_POW_53 and not (v == 0 and math.copysign(1.0, v) < 0):
            return int(v)  # the same number, written as JSON writes integers
        return v

    def collection(self, value: Collection, path: Path, depth: int) -> list[Any]:
        items = []
        for index, item in enumerate(value.items):
            here = (path, index)
            if isinstance(item, Collection):
                raise PayloadError([Fault(_render(here), "a collection cannot hold collections", "nested-collection")])
            if value.item_type is None and isinstance(item, Primitive):
                if infer_type(self.primitive(item, here)) != item.type:
                    raise PayloadError([Fault(_render(here), f"an untyped collection cannot carry the type {item.type} of "
                                                    "this item; give the collection its item type", "untyped-item")])
            items.append(self.value(item, here, depth + 1))
        return items

    def annotation_needed(self, value: Value, json_value: Any) -> bool:
        source = pending(value) if self.as_read else None
        if source is not None:  # an array written as read: its type without typing it
            declared = collection_type(source.declared) if type(source.raw) is list else None
            if declared is None:
                return False  # unannotated: its type is the one its JSON infers
        else:
            declared = value.type if isinstance(value, (Primitive, Collection)) else None
        if declared is None:
            return False
        if self.style.always_annotate:
            return True
        inferred = _SCALAR_TYPES.get(type(json_value), "")
        return (inferred if inferred != "" else infer_type(json_value)) != declared

    def structured(self, value: Structured, path: Path, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        control = value.control
        key = self.control_key
        if control:
            rest = dict(control)
            for name in _LEADING_CONTROL:
                if name == "type" and value.type is not None:
                    out[key("type")] = self.style.type_name(value.type)
                elif name in rest:
                    out[key(name)] = self.control(name, rest.pop(name), path)
            for name, raw in rest.items():
                out[key(name)] = self.control(name, raw, path)
        elif value.type is not None:
            out[key("type")] = self.style.type_name(value.type)
        for term, raw in value.annotations.items():
            out[f"@{term}"] = self.raw(raw, (path, f"@{term}"))
        annotated = value.property_control or value.property_annotations
        type_key = self.type_key
        for prop, item in value.properties.items():
            if annotated:
                self.property_annotations(value, prop, out, path)
            json_value = self.value(item, (path, prop), depth + 1)
            if item is not None and self.annotation_needed(item, json_value):
                out[prop + type_key] = self.style.type_name(item.type)  # type: ignore[union-attr, arg-type]  # annotation_needed is false for None
            out[prop] = json_value
        if annotated:
            for prop in {**value.property_control, **value.property_annotations}:
                if prop not in value.properties:
                    self.property_annotations(value, prop, out, path)
        return out

    def property_annotations(self, value: Structured, prop: str, out: dict[str, Any], path: Path) -> None:
        for name, raw in value.property_control.get(prop, {}).items():
            out[f"{prop}{self.control_key(name)}"] = self.control(name, raw, path, prop)
        for term, raw in value.property_annotations.get(prop, {}).items():
            out[f"{prop}@{term}"] = self.raw(raw, (path, f"{prop}@{term}"))

    def control(self, name: str, raw: Any, path: Path, prop: str = "") -> Any:
        if isinstance(raw, ContextRef):
            return raw.text
        if name == "count" and isinstance(raw, int) and self.style.ieee754_compatible:
            return str(raw)
        return self.raw(raw, (path, f"{prop}{self.control_key(name)}"))

    def raw(self, raw: Any, path: Path) -> Any:
        """An annotation's JSON as given; for ``plain``, its Decimals as the floats they equal."""
        if not self.style.plain or isinstance(raw, (str, bool, int, float)) or raw is None:
            return raw
        if isinstance(raw, Decimal):
            return _plain_number(raw, path)
        if isinstance(raw, dict):
            return {k: self.raw(v, (path, k)) for k, v in raw.items()}
        if isinstance(raw, (list, tuple)):
            return [self.raw(v, (path, i)) for i, v in enumerate(raw)]
        return raw


#: The typed value classes and how each is written (a subclass finds its base here).
_WRITERS: tuple[tuple[type, Any], ...] = (
    (Primitive, lambda encoder, value, path, depth: encoder.primitive(value, path)),
    (Collection, lambda encoder, value, path, depth: encoder.collection(value, path, depth)),
    (Structured, lambda encoder, value, path, depth: encoder.structured(value, path, depth)),
)
#: What a JSON scalar reads back as without an annotation (``infer_type`` for the rest).
_SCALAR_TYPES: dict[type, str] = {str: "String", bool: "Boolean", float: "Double", int: "Double",
                                  Decimal: "Double"}

#: A JSON path as the encoder carries it: ``"$"`` or ``(parent, key)``, written out only for a fault.
Path = Union[str, tuple[Any, Any]]


def _render(path: Path) -> str:
    keys = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    for key in reversed(keys):
        path = _jsontext.child(path, key)
    return path


def _plain_number(number: Decimal, path: Path) -> float:
    """The float that is exactly ``number`` (its shortest text reads back as the same value)."""
    if number.is_finite():
        as_float = float(number)
        if math.isfinite(as_float) and Decimal(repr(as_float)) == number:
            return as_float
    raise PayloadError([Fault(_render(path), f"Edm.Decimal {edm.shown(number)} is not a number a float holds "
                                             "exactly, so plain JSON cannot carry it: encode with "
                                             "ieee754_compatible=True (Decimals as strings) or write "
                                             "encode_json(...) bytes", "inexact-number")])


def _positional(number: Decimal, path: Path) -> Decimal:
    """``number`` without an exponent (``1E+2`` → ``100``); 4.0 has no exponent form for
    Edm.Decimal, so a number that would need more than ``_jsontext.MAX_DECIMAL_ZEROS`` is refused."""
    zeros = _jsontext.decimal_zeros(number)
    if zeros > _jsontext.MAX_DECIMAL_ZEROS:
        raise PayloadError([Fault(_render(path), f"Edm.Decimal {edm.shown(number)} would need {zeros} zeros without an "
                                        f"exponent, and 4.0 has no exponent form (more than "
                                        f"{_jsontext.MAX_DECIMAL_ZEROS} are refused); encode with version='4.01'",
                                  "decimal-exponent")])
    if zeros == 0 or number.as_tuple().exponent < 0:  # type: ignore[operator]
        return number  # written positionally already (``_jsontext.decimal_text``)
    return Decimal(format(number, "f"))
