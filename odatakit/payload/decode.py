"""Payload → typed values: read ``@odata.type`` / ``@type`` (4.0 and 4.01 forms), infer the type
of unannotated values as the JSON format says, keep control information, and report every fault
with its JSON path instead of guessing.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from decimal import Decimal
from collections.abc import Callable
from typing import Any, Literal, Union, cast

import attrs

from . import _jsontext
from .. import edm
from ..errors import Fault, PayloadError
from .values import (
    ContextRef,
    Primitive,
    Structured,
    Value,
    collection_type,
    lazy_collection,
    lazy_structured,
    name_problem,
    split_type,
    trusted_collection,
    trusted_primitive,
    trusted_structured,
    type_problem,
)

__all__ = ["decode", "decode_with_faults", "infer_type", "control_name", "Infer", "FloatDecimals", "PayloadWarning"]

Infer = Literal["spec", "odatalib"]
#: What an Edm.Decimal that arrives as a Python float (``decode(response.json())``) is: a fault,
#: or a warning and the float's shortest text. The float is already rounded: pass the bytes.
FloatDecimals = Literal["fault", "warn"]


class PayloadWarning(UserWarning):
    """A payload read with a value that may not be what the sender wrote (see ``float_decimals``)."""

_NUMBER = (int, Decimal, float)
_NON_FINITE = ("NaN", "INF", "-INF")
#: Control information that is a URL or an opaque string; ``id`` may also be null (4.0 transient).
_STRING_CONTROL = frozenset({
    "id", "etag", "editLink", "readLink", "nextLink", "deltaLink", "navigationLink", "associationLink",
    "mediaEditLink", "mediaReadLink", "mediaContentType", "mediaEtag", "metadataEtag",
})


@attrs.frozen
class _Options:
    infer: Infer
    ieee754_compatible: bool | None
    max_depth: int
    float_decimals: FloatDecimals = "fault"
    #: (structured type or None, property name) → the type a model declares for it, or None
    declared_types: Callable[[str | None, str], str | None] | None = None


def decode(
    payload: Any,
    *,
    infer: Infer = "spec",
    ieee754_compatible: bool | None = None,
    max_depth: int = _jsontext.DEFAULT_MAX_DEPTH,
    float_decimals: FloatDecimals = "fault",
    check: bool = False,
) -> Value:
    """Decode a payload (JSON text, bytes, or already-parsed JSON) into typed values.

    ``infer="spec"`` reads an unannotated number as Edm.Double (JSON format §4.5.3);
    ``"odatalib"`` as Microsoft services do (Int32 when it fits, else Decimal).
    ``ieee754_compatible``: True wants Int64/Decimal as strings, False as numbers, None takes both.
    ``float_decimals``: an Edm.Decimal given as a Python float (already rounded by a JSON reader)
    is a fault, or with ``"warn"`` a ``PayloadWarning``. Pass ``response.content``, not ``response.json()``.
    Raises ``PayloadError`` carrying every fault. Context URLs are kept as text (``ContextRef``)
    and parsed when asked; ``validate`` checks them.

    JSON text (or bytes) is typed lazily: the structure is checked now (JSON, depth, names,
    annotations, control information, the JSON kind each annotation needs), each object's values
    when it is first read (a ``PayloadError`` then, with their paths), and ``encode_json`` writes
    an object never read as it arrived. ``check=True`` types everything now and raises every fault
    at once, as an already-parsed payload always is.
    """
    if not check and isinstance(payload, (str, bytes)):
        return _decode_lazily(payload, _Options(infer, ieee754_compatible, max_depth, float_decimals))
    value, faults = decode_with_faults(payload, infer=infer, ieee754_compatible=ieee754_compatible,
                                       max_depth=max_depth, float_decimals=float_decimals)
    if faults:
        raise PayloadError(faults)
    return value


def decode_with_faults(
    payload: Any,
    *,
    infer: Infer = "spec",
    ieee754_compatible: bool | None = None,
    max_depth: int = _jsontext.DEFAULT_MAX_DEPTH,
    float_decimals: FloatDecimals = "fault",
    type: str | None = None,
    declared_types: Callable[[str | None, str], str | None] | None = None,
) -> tuple[Value, list[Fault]]:
    """``decode`` without raising: the typed value (best effort) and every fault found.

    ``type`` and ``declared_types`` let a service model (``odatakit.csdl``) type what the payload
    does not annotate: the payload's own type, and each property's declared type."""
    if float_decimals not in ("fault", "warn"):
        raise ValueError(f"float_decimals is 'fault' or 'warn', not {float_decimals!r}")
    if isinstance(payload, (str, bytes)):
        payload, faults = _jsontext.read(payload)
        if faults:
            return None, faults
    decoder = _Decoder(_Options(infer, ieee754_compatible, max_depth, float_decimals, declared_types))
    with _jsontext.paused_gc():
        value = decoder.value(payload, "$", type, 0)
    if decoder.deep is not None:
        return None, [Fault(decoder.deep, f"nested deeper than {max_depth} levels; refusing to read further",
                            "too-deep")]
    return value, decoder.faults


def infer_type(json_value: Any, infer: Infer = "spec") -> str | None:
    """The type an unannotated JSON value has (JSON format §4.5.3); None for null, objects,
    arrays of arrays, and collections whose items do not agree."""
    if isinstance(json_value, bool):
        return "Boolean"
    if isinstance(json_value, str):
        return "String"
    if isinstance(json_value, _NUMBER):
        if infer == "spec":
            return "Double"
        if _is_integer(json_value) and edm.INT_RANGES["Int32"][0] <= json_value <= edm.INT_RANGES["Int32"][1]:
            return "Int32"
        return "Decimal" if isinstance(json_value, (int, Decimal)) else "Double"
    if isinstance(json_value, list):
        kinds = {infer_type(item, infer) for item in json_value if item is not None}
        kind = kinds.pop() if len(kinds) == 1 else None
        # one item type, and not itself a collection: OData has no collection of collections
        if kind is not None and not split_type(kind)[1]:
            return collection_type(kind)
    return None


def control_name(name: str) -> str | None:
    """``odata.context`` / ``context`` → ``context``; None for a custom annotation (``Core.Messages``)."""
    if name.startswith("odata."):
        return name[len("odata."):]
    return None if "." in name else name


def _is_integer(number: Any) -> bool:
    """Whether a JSON number's value is a whole number, however it is spelled: ``1``, ``1e0``,
    ``1E2`` and ``1.0`` alike (the reader gives int, Decimal or, already parsed, float)."""
    if isinstance(number, bool):
        return False
    if isinstance(number, int):
        return True
    if isinstance(number, Decimal):
        # Compare before converting anything: 1e99999999 is whole, and huge; the range check refuses it.
        return number.is_finite() and (number.as_tuple().exponent >= 0  # type: ignore[operator]
                                       or number == number.to_integral_value())
    return isinstance(number, float) and number.is_integer()


#: A JSON path as the decoder carries it: ``"$"`` or ``(parent, key)``, written out only for a fault.
Path = Union[str, tuple[Any, Any]]


def _render(path: Path) -> str:
    keys = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(key)
    for key in reversed(keys):
        path = _jsontext.child(path, key)
    return path


@functools.lru_cache(maxsize=4096)
def _classify(key: str) -> tuple[str, str | None, str | None, str | None]:
    """A key of an object as ``(property, term, control name, problem)``: ``term`` None for a
    property, ``control name`` None for a custom annotation. Keys repeat in every item of a page,
    so each distinct key is split and checked once."""
    prop, at, term = key.partition("@")
    if not at:
        return prop, None, None, name_problem(prop, "property")
    name = control_name(term)
    return prop, term, name, name_problem(term if name is None else name, "annotation" if name is None else "control")


@functools.lru_cache(maxsize=1024)
def _annotation_problem(raw: str) -> tuple[tuple[str, bool], str | None]:
    split = split_type(raw)
    return split, type_problem(split[0])


_SHARED_LENGTH = 64
_TRUE = trusted_primitive("Boolean", True)
_FALSE = trusted_primitive("Boolean", False)


def _wrong(kind: edm.EdmType, json_value: Any) -> ValueError:
    return ValueError(f"Edm.{kind.name} is written as a JSON {kind.json}, not as {_kind(json_value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, _NUMBER):
        return f"the number {edm.shown(value)}"
    if isinstance(value, str):
        return f"the string {edm.clipped(value, 40)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a Python {type(value).__name__} (not JSON)"


class _Decoder:
    """One walk over a document; collects faults rather than stopping at the first."""

    def __init__(self, options: _Options) -> None:
        self.options = options
        self.faults: list[Fault] = []
        self.deep: str | None = None  # the first path nested past max_depth: then nothing else counts
        # Equal short strings (and what they parse to) share one frozen Primitive per document:
        # a page repeats its "normal"s and dates, and one value each is less memory than JSON's.
        self.shared: dict[tuple[str, str], Primitive] = {}

    def fault(self, path: Path, message: str, code: str) -> None:
        self.faults.append(Fault(_render(path), message, code))

    # The structural faults, worded here for the decoder and the check-only pass (``check._Walker``).
    def not_a_json_value(self, path: Path, json_value: Any) -> None:
        self.fault(path, f"{_kind(json_value)} is not a JSON value", "not-json")

    def nested_array(self, path: Path) -> None:
        self.fault(path, "an array inside an array: an OData collection holds single values or objects, "
                         "never collections", "type-mismatch")

    def duplicate_keys(self, path: Path, obj: dict[Any, Any]) -> None:
        if isinstance(obj, _jsontext.DuplicateKeys):
            for key in obj.duplicates:
                self.fault((path, key), f"the key {key!r} appears more than once in this object; "
                                        "only the last value would be kept", "duplicate-key")

    def key_not_a_string(self, path: Path, key: Any) -> None:
        self.fault(path, f"a JSON object's keys are strings, not {type(key).__name__} {key!r}", "not-json")

    def type_not_a_string(self, path: Path, raw: Any) -> None:
        self.fault(path, f"a type annotation is a string, not {_kind(raw)}", "bad-annotation")

    def annotated_twice(self, path: Path, prop: str, first: str, raw: str) -> None:
        self.fault(path, f"{prop!r} is annotated twice with different types ({first!r} and {raw!r})",
                   "bad-annotation")

    def not_an_annotation(self, path: Path, key: str, problem: str) -> None:
        self.fault(path, f"{key!r} is not an annotation: {problem}", "bad-annotation")

    def type_of_nothing(self, path: Path, prop: str) -> None:
        self.fault(path, f"a type annotation for {prop!r}, but there is no such property here", "bad-annotation")

    def value(self, json_value: Any, path: Path, declared: str | None, depth: int) -> Value:
        if depth > self.options.max_depth:
            if self.deep is None:
                self.deep = _render(path)
            return None
        if declared is None:
            if isinstance(json_value, dict):
                return self.structured(json_value, path, None, depth)
            if isinstance(json_value, list):
                return self.collection(json_value, path, None, depth)
            return self.unannotated(json_value, path)
        name, is_collection = _annotation_problem(declared)[0]
        if is_collection:
            if not isinstance(json_value, list):
                if json_value is not None:
                    self.fault(path, f"annotated {declared!r} but the value is {_kind(json_value)}, not an array",
                               "type-mismatch")
                return None
            return self.collection(json_value, path, name, depth)
        if isinstance(json_value, dict):
            if name in edm.PRIMITIVES:
                self.fault(path, f"annotated Edm.{name} but the value is an object", "type-mismatch")
                return None
            return self.structured(json_value, path, name, depth)
        if isinstance(json_value, list):
            self.fault(path, f"annotated {declared!r}, a single value, but the value is an array; "
                             f"annotate it '#Collection({name})'", "type-mismatch")
            return None
        return self.primitive(json_value, path, name)

    def unannotated(self, json_value: Any, path: Path) -> Value:
        if json_value is None:
            return None
        kind = type(json_value)
        if kind is str and json_value.isascii():  # the common case: nothing to check
            if len(json_value) > _SHARED_LENGTH:
                return trusted_primitive("String", json_value)
            key = ("String", json_value)
            shared = self.shared.get(key)
            if shared is None:
                shared = self.shared[key] = trusted_primitive("String", json_value)
            return shared
        if kind is bool:
            return _TRUE if json_value else _FALSE
        name = infer_type(json_value, self.options.infer)
        if name is None:
            self.not_a_json_value(path, json_value)
            return None
        if name == "Double":
            try:
                return trusted_primitive("Double", edm.exact_float(_exact(json_value)))
            except ValueError as error:
                self.inexact_double(path, error)
                return None
        return self.primitive(json_value, path, name)

    def type_member(self, raw: Any, here: Path, prop: str, property_types: dict[str, tuple[str, Path]],
                    type_name: str | None) -> str | None:
        """One ``@odata.type`` member of an object (the decoder's and the check pass's reading):
        the object's type name, new when the member annotates the object itself; a property's
        type is noted in ``property_types``. Its faults are said here."""
        if not isinstance(raw, str):
            self.type_not_a_string(here, raw)
        elif not prop:
            return self.instance_type(raw, here)
        elif not self.annotated_type(raw, here):
            pass
        elif prop in property_types and split_type(property_types[prop][0]) != split_type(raw):
            self.annotated_twice(here, prop, property_types[prop][0], raw)
        else:
            property_types[prop] = (raw, here)
        return type_name

    def inexact_double(self, path: Path, error: ValueError) -> None:
        """The fault of an unannotated number that no double holds exactly."""
        self.fault(path, f"{error}. An unannotated number is an Edm.Double: annotate the exact type "
                         "(e.g. '@odata.type': '#Int64')", "inexact-number")

    def unknown_type_faulted(self, json_value: Any, path: Path, name: str) -> bool:
        """For a type odatakit does not know (an enumeration or type definition from a model we
        do not have, kept as written): whether ``json_value`` cannot be one, with the fault said."""
        if isinstance(json_value, (dict, list)):
            self.fault(path, f"{_kind(json_value)} cannot be of type {name}", "type-mismatch")
            return True
        if isinstance(json_value, str) and (problem := edm.text_problem(json_value)) is not None:
            self.fault(path, problem, "invalid-value")
            return True
        return False

    def primitive(self, json_value: Any, path: Path, name: str) -> Value:
        kind = edm.PRIMITIVES.get(name)
        if kind is None:
            return None if self.unknown_type_faulted(json_value, path, name) else Primitive(name, json_value)
        if json_value is None:
            return trusted_primitive(name, None)
        if type(json_value) is str and len(json_value) <= _SHARED_LENGTH:
            shared = self.shared.get((name, json_value))
            if shared is not None:
                return shared
        try:
            value = trusted_primitive(name, self.read_primitive(json_value, kind))
        except ValueError as error:
            self.fault(path, str(error), "invalid-value")
            return None
        if type(json_value) is str and len(json_value) <= _SHARED_LENGTH:
            self.shared[name, json_value] = value
        return value

    def read_primitive(self, json_value: Any, kind: edm.EdmType) -> Any:
        """The exact value of ``json_value`` as ``kind``; ``ValueError`` says what is wrong."""
        name, ieee = kind.name, self.options.ieee754_compatible
        if kind.json == "boolean":
            if not isinstance(json_value, bool):
                raise _wrong(kind, json_value)
            return json_value
        if kind.json == "string":
            if not isinstance(json_value, str):
                raise _wrong(kind, json_value)
            return kind.parse(json_value)
        if isinstance(json_value, str):
            if json_value in _NON_FINITE and kind.special_numbers:
                return kind.parse(json_value)
            if name in ("Int64", "Decimal") and ieee is not False:
                return kind.parse(json_value)
            if name in ("Int64", "Decimal"):
                raise ValueError(f"Edm.{name} as the string {edm.clipped(json_value)} needs IEEE754Compatible=true")
            raise _wrong(kind, json_value)
        if not isinstance(json_value, _NUMBER) or isinstance(json_value, bool):
            raise _wrong(kind, json_value)
        if ieee and name in ("Int64", "Decimal"):
            raise ValueError(f"with IEEE754Compatible=true, Edm.{name} is written as a string, not a number")
        if name in edm.INT_RANGES:
            if not _is_integer(json_value):
                raise ValueError(f"{edm.shown(json_value)} is not an integer, so not an Edm.{name}")
            edm.check_int_range(name, cast("int | Decimal", json_value))  # before int(): converting a huge Decimal is quadratic
            return int(json_value)
        if name == "Decimal":
            if isinstance(json_value, float):
                self.float_decimal(json_value)
            return _exact(json_value)
        return edm.exact_float(_exact(json_value), name)

    def float_decimal(self, number: float) -> None:
        """An Edm.Decimal that a JSON reader already rounded to a float: a fault, or a warning."""
        message = (f"Edm.Decimal {number!r} arrived as a Python float, already rounded by a JSON reader; "
                   "decode the response bytes (response.content), not response.json()")
        if self.options.float_decimals == "fault":
            raise ValueError(message)
        warnings.warn(message, PayloadWarning, stacklevel=5)

    def collection(self, items: list[Any], path: Path, item_type: str | None, depth: int) -> Value:
        values: list[Value] = []
        for index, item in enumerate(items):
            here = (path, index)
            if isinstance(item, list):
                self.nested_array(here)
                values.append(None)
            elif item_type is None:
                values.append(self.value(item, here, None, depth + 1))
            elif item is None:
                values.append(None)
            else:
                values.append(self.value(item, here, item_type, depth + 1))
        if item_type is None:
            inferred = infer_type(items, self.options.infer)
            item_type = split_type(inferred)[0] if inferred else None
        return trusted_collection(item_type, tuple(values))

    def structured(self, obj: dict[Any, Any], path: Path, declared: str | None, depth: int) -> Structured:
        self.duplicate_keys(path, obj)
        control: dict[str, Any] = {}
        annotations: dict[str, Any] = {}
        property_control: dict[str, dict[str, Any]] = {}
        property_annotations: dict[str, dict[str, Any]] = {}
        property_types: dict[str, tuple[str, Path]] = {}
        raw_properties: dict[str, Any] = {}
        type_name = declared
        for key, raw in obj.items():
            if not isinstance(key, str):
                self.key_not_a_string((path, key), key)
                continue
            prop, term, name, problem = _classify(key)
            if term is None:
                if problem is None:
                    raw_properties[key] = raw
                else:
                    self.fault((path, key), problem, "bad-name")
                continue
            here = (path, key)
            if name == "type":
                type_name = self.type_member(raw, here, prop, property_types, type_name)
            elif problem is not None:
                self.not_an_annotation(here, key, problem)
            else:
                self.raw_json(raw, here, depth + 1)
                if name is not None:
                    typed_control = self.control(name, raw, here)
                    (property_control.setdefault(prop, {}) if prop else control)[name] = typed_control
                else:
                    (property_annotations.setdefault(prop, {}) if prop else annotations)[term] = raw
        properties: dict[str, Value] = {}
        for key, raw in raw_properties.items():
            declared_type = property_types.get(key, (None, ""))[0]
            if declared_type is None and self.options.declared_types is not None:
                declared_type = self.options.declared_types(type_name, key)
            properties[key] = self.value(raw, (path, key), declared_type, depth + 1)
        for prop, (_, type_path) in property_types.items():
            if prop not in properties:
                self.type_of_nothing(type_path, prop)
        return trusted_structured(type_name, properties, control, annotations, property_control, property_annotations)

    def annotated_type(self, raw: str, path: Path) -> bool:
        """Whether ``raw`` names a type (``#Int64``, ``#Collection(Ns.T)``); a fault when it does not."""
        problem = _annotation_problem(raw)[1]
        if problem is not None:
            self.fault(path, f"{edm.clipped(raw)} is not a type: {problem}", "bad-annotation")
        return problem is None

    def instance_type(self, raw: str, path: Path) -> str | None:
        name, is_collection = split_type(raw)
        if is_collection:
            self.fault(path, f"{edm.clipped(raw)} is not the type of an object", "type-mismatch")
            return None
        problem = type_problem(name, structured=True)
        if problem is not None:
            code = "type-mismatch" if name in edm.PRIMITIVES else "bad-annotation"
            self.fault(path, f"{edm.clipped(raw)} is not the type of an object: {problem}", code)
            return None
        return name

    def raw_json(self, value: Any, path: Path, depth: int) -> None:
        """Faults for what is not JSON inside a value kept as given (annotations, unknown control)."""
        if type(value) is str:
            problem = edm.text_problem(value)
            if problem is not None:
                self.fault(path, problem, "not-json")
            return
        if isinstance(value, (dict, list)):
            deep = _jsontext.too_deep(value, self.options.max_depth - depth)
            if deep is not None and self.deep is None:
                self.deep = _render(path) + deep[1:]
        for where, problem in _jsontext.not_json(value, _render(path)):
            self.fault(where, problem, "not-json")

    def control(self, name: str, raw: Any, path: Path) -> Any:
        if name == "context":
            if isinstance(raw, str):
                return ContextRef(raw)  # parsed when asked (ContextRef.parts); validate checks it
        elif name == "count":
            try:
                return self.read_primitive(raw, edm.PRIMITIVES["Int64"])
            except ValueError as error:
                self.fault(path, f"the count must be an integer: {error}", "bad-control")
                return raw
        elif name in _STRING_CONTROL:
            if isinstance(raw, str) or (raw is None and name == "id"):
                return raw
        else:
            return raw  # control information we do not know: kept as JSON (JSON format §4.5)
        self.fault(path, f"@odata.{name} is a string, not {_kind(raw)}", "bad-control")
        return raw


def _exact(number: Any) -> Decimal:
    """A JSON number as an exact Decimal; a float (already-parsed JSON) by its shortest repr."""
    if isinstance(number, float):
        if not math.isfinite(number):
            raise ValueError(f"{number} is not a JSON number; write it as the string 'NaN', 'INF' or '-INF'")
        return Decimal(repr(number))
    if isinstance(number, int) and number.bit_length() > _jsontext.MAX_INT_BITS:
        # Decimal(int) is quadratic in the digits; JSON text this long is read as a Decimal already.
        raise ValueError(f"{edm.shown(number)} has more digits than odatakit reads from a Python int "
                         f"({_jsontext.MAX_INT_DIGITS}); pass the JSON text, or a Decimal")
    return Decimal(number)


# -- lazy typing: JSON text read exactly, its structure checked now, each object typed when read ----
#: A ``\uD8xx``–``\uDFxx`` escape in JSON text: maybe a lone surrogate, so the document is typed at
#: once and the fault raised at its path (paired escapes, astral characters, pay that too: rare).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _may_hold_surrogates(text: str | bytes) -> bool:
    """Whether JSON text may hold a lone surrogate (an escape, or in a str the character itself);
    UTF-8 bytes cannot hold the character."""
    if isinstance(text, bytes):
        return b"\\u" in text and _SURROGATE_ESCAPE_BYTES.search(text) is not None
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None:
        return True
    return not text.isascii() and _SURROGATE.search(text) is not None


_CONTAINERS = (dict, list)
_NUMBER_KINDS = frozenset({int, Decimal, type(None)})
_INTEGER_KINDS = frozenset({int, type(None)})
_DECIMAL = edm.PRIMITIVES["Decimal"]


class _Document:
    """What the lazy values of one decoded document share: the options, and (by ``id`` of the raw
    JSON) which containers ``encode_json`` cannot write as read (``dirty``: respelled or typed) and
    which it must type to write (``typing``: a number 4.0 writes otherwise). See ``_Scan``."""

    __slots__ = ("options", "dirty", "typing", "writable", "shared")

    def __init__(self, options: _Options, dirty: set[int], typing: set[int]) -> None:
        self.options = options
        self.dirty = dirty
        self.typing = typing
        #: the decoders' ``shared`` values, one table for the document as when typed at once
        self.shared: dict[tuple[str, str], Primitive] = {}
        # Unannotated numbers are Doubles only under the spec's inference: with "odatalib" they are
        # Int32/Decimal, and writing them back unannotated would change their type.
        self.writable = options.infer == "spec"


class _Pending:
    """The raw JSON of one lazy value, where it sits, and how to type it (``typed_fields``)."""

    __slots__ = ("document", "raw", "path", "declared", "depth")

    def __init__(self, document: _Document, raw: Any, path: Path, declared: str | None, depth: int) -> None:
        self.document = document
        self.raw = raw
        self.path = path
        self.declared = declared
        self.depth = depth

    def as_4_0(self) -> Any:
        """``raw`` as ``encode_json`` writes it in 4.0 without typing it (control information and
        type annotations respelled: ``@type`` → ``@odata.type``, ``Ns.T`` → ``#Ns.T``), or None
        when some value in it must be typed to be written (or it is nested too deeply to copy)."""
        document = self.document
        if not document.writable or id(self.raw) in document.typing:
            return None
        if id(self.raw) not in document.dirty:
            return self.raw
        try:
            return _respelled(self.raw, document.dirty)
        except RecursionError:
            return None

    def typed_fields(self) -> tuple[Any, ...]:
        decoder = _LazyDecoder(self.document)
        if type(self.raw) is dict:
            value: Any = _Decoder.structured(decoder, self.raw, self.path, self.declared, self.depth)
            fields: tuple[Any, ...] = (value.type, value.properties, value.control, value.annotations,
                                       value.property_control, value.property_annotations)
        else:
            value = _Decoder.collection(decoder, self.raw, self.path, self.declared, self.depth)
            fields = (value.item_type, value.items)
        if decoder.deep is not None:  # ``_Scan`` refused deeper documents: kept as the eager decoder's guard
            raise PayloadError([Fault(decoder.deep, f"nested deeper than {self.document.options.max_depth} "
                                                    "levels; refusing to read further", "too-deep")])
        if decoder.faults:
            raise PayloadError(decoder.faults)
        return fields


def _respelled(node: Any, dirty: set[int]) -> Any:
    """A copy of the containers in ``dirty`` with 4.0's spelling of annotations; the rest shared."""
    if id(node) not in dirty:
        return node
    if type(node) is list:
        return [_respelled(item, dirty) if type(item) in _CONTAINERS else item for item in node]
    plan = _plan(tuple(node))
    spelling = plan.spelling if plan is not None else {}
    out = {}
    for key, value in node.items():
        respelled = spelling.get(key)
        if respelled is None:
            out[key] = _respelled(value, dirty) if type(value) in _CONTAINERS else value
        elif respelled[1]:  # a type annotation: its name as 4.0 writes it
            name, is_collection, _ = _written_type(value)
            out[respelled[0]] = ("#Collection(%s)" if is_collection else "#%s") % name
        else:
            out[respelled[0]] = value
    return out


class _LazyDecoder(_Decoder):
    """The decoder for one object of a lazily decoded document: its objects and arrays below are
    lazy values in turn (their structure was checked by ``_Scan``; their values wait)."""

    def __init__(self, document: _Document) -> None:
        super().__init__(document.options)
        self.document = document
        self.shared = document.shared

    def structured(self, obj: dict[Any, Any], path: Path, declared: str | None, depth: int) -> Structured:
        return lazy_structured(_Pending(self.document, obj, path, declared, depth))

    def collection(self, items: list[Any], path: Path, item_type: str | None, depth: int) -> Value:
        return lazy_collection(_Pending(self.document, items, path, item_type, depth))


class _Plan:
    """What the keys of an object are, worked out once per distinct key tuple (a page's items
    share one): properties, type annotations, control information, custom annotations."""

    __slots__ = ("properties", "instance_type", "types", "control", "raw", "written_as_read", "spelling")

    def __init__(self) -> None:
        self.properties: frozenset[str] = frozenset()
        self.instance_type: str | None = None          # the key of the object's own type annotation
        self.types: list[tuple[str, str]] = []         # (property, key of its type annotation)
        self.control: list[tuple[str, str]] = []       # (control name, key)
        self.raw: list[str] = []                       # keys whose values are kept as JSON
        self.written_as_read = True                    # every key spelled as 4.0 writes it
        #: key → (the key as 4.0 writes it, whether it is a type annotation): the type annotations
        #: and control information
        self.spelling: dict[str, tuple[str, bool]] = {}


def _plan(keys: tuple[str, ...]) -> _Plan | None:
    """The plan for an object with these keys; None when a key is at fault (the eager decoder
    then reports it, with every other fault of the document). Plans of objects with few keys are
    kept (they repeat); a huge object's would keep its keys alive in the cache."""
    return _plan_kept(keys) if len(keys) <= _KEPT_KEYS else _new_plan(keys)


_KEPT_KEYS = 128


def _new_plan(keys: tuple[str, ...]) -> _Plan | None:
    plan = _Plan()
    properties = set()
    typed: set[str] = set()
    for key in keys:
        prop, term, name, problem = _classify(key)
        if problem is not None and name != "type":  # 'type' is a problem only as control information
            return None
        if term is None:
            properties.add(key)
        elif name == "type":
            if not prop:
                plan.instance_type = key
            elif prop in typed:
                return None  # annotated twice: the eager decoder says whether the types differ
            else:
                typed.add(prop)
                plan.types.append((prop, key))
            plan.written_as_read &= term == "odata.type"
            plan.spelling[key] = (f"{prop}@odata.type", True)
        elif name is not None:
            plan.control.append((name, key))
            plan.written_as_read &= term == "odata." + name
            plan.spelling[key] = (f"{prop}@odata.{name}", False)
        else:
            plan.raw.append(key)
    if not typed <= properties:
        return None  # a type annotation for a property that is not here
    plan.properties = frozenset(properties)
    return plan


_plan_kept = functools.lru_cache(maxsize=1024)(_new_plan)


@functools.lru_cache(maxsize=1024)
def _written_type(raw: str) -> tuple[str | None, bool, bool]:
    """A type annotation's ``(name, is_collection, spelled as 4.0 writes it)``; name None when it
    names no type."""
    (name, is_collection), problem = _annotation_problem(raw)
    if problem is not None:
        return None, is_collection, False
    return name, is_collection, raw == ("#Collection(%s)" if is_collection else "#%s") % name


def _numbers_as_read(kind: edm.EdmType | None, kinds: set[type] | frozenset[type]) -> bool:
    """Whether values of these Python kinds are written back as read for ``kind``: 4.0 writes
    Int64 and Decimal (and every number) as JSON numbers, integers without a fraction."""
    if kind is None or kind.json != "number":
        return True
    return kinds <= (_INTEGER_KINDS if kind.name in edm.INT_RANGES else _NUMBER_KINDS)


class _Scan:
    """One pass over an exactly-read document that checks its structure, builds nothing, and
    marks the containers (with their ancestors) that ``encode_json`` cannot write as read.

    ``run`` is False when something is at fault, or unusual enough that the eager decoder
    should look (it then reports every fault, as ``decode`` always did)."""

    def __init__(self, options: _Options) -> None:
        self.limit = options.max_depth
        self.dirty: set[int] = set()   # not written as read: respelled, or typed
        self.typing: set[int] = set()  # typed to be written (a number 4.0 writes otherwise)

    def run(self, document: Any) -> bool:
        nodes: list[Any] = [document]
        parents: list[int] = [-1]
        index = 0
        limit = self.limit
        depth_of: list[int] = [0]
        while index < len(nodes):
            node = nodes[index]
            depth = depth_of[index]
            if depth >= limit:
                return False  # the eager decoder words the too-deep fault and its path
            if type(node) is list:
                kinds = set(map(type, node))
                if list in kinds or _jsontext.DuplicateKeys in kinds:
                    return False  # an array inside an array; an object with a key twice
                if dict in kinds:
                    for item in node:
                        if type(item) is dict:
                            nodes.append(item)
                            parents.append(index)
                            depth_of.append(depth + 1)
            else:
                if type(node) is not dict:
                    return False  # duplicate keys (``_jsontext.DuplicateKeys``)
                plan = _plan(tuple(node))
                if plan is None:
                    return False
                clean, spelled = True, plan.written_as_read
                if plan.instance_type is not None:
                    raw = node[plan.instance_type]
                    if type(raw) is not str:
                        return False
                    name, is_collection, as_written = _written_type(raw)
                    if name is None or is_collection or name in edm.PRIMITIVES:
                        return False
                    spelled = spelled and as_written
                for prop, key in plan.types:
                    raw = node[key]
                    if type(raw) is not str:
                        return False
                    name, is_collection, as_written = _written_type(raw)
                    if name is None:
                        return False
                    spelled = spelled and as_written
                    value = node[prop]
                    kind = edm.PRIMITIVES.get(name)
                    if is_collection:
                        if value is None:
                            continue
                        if type(value) is not list:
                            return False
                        kinds = set(map(type, value))
                        if kind is not None and dict in kinds:
                            return False  # an object in a collection of primitives
                        if not _numbers_as_read(kind, kinds) or (
                                kind is _DECIMAL and Decimal in kinds
                                and any(_jsontext.decimal_zeros(item) > _jsontext.MAX_DECIMAL_ZEROS
                                        for item in value if type(item) is Decimal)):
                            self.dirty.add(id(value))  # its type is the annotation's: typed to be written
                            self.typing.add(id(value))
                            clean = False
                    elif type(value) is list:
                        return False  # a single type annotated on an array
                    elif kind is not None:
                        if type(value) is dict:
                            return False  # a primitive type annotated on an object
                        clean = clean and _numbers_as_read(kind, {type(value)})
                        if type(value) is Decimal and kind is _DECIMAL:
                            clean = clean and _jsontext.decimal_zeros(value) <= _jsontext.MAX_DECIMAL_ZEROS
                for name, key in plan.control:
                    raw = node[key]
                    if name == "context":
                        if type(raw) is not str:
                            return False
                    elif name == "count":
                        if type(raw) is not int or not edm.INT_RANGES["Int64"][0] <= raw <= edm.INT_RANGES["Int64"][1]:
                            return False
                    elif name in _STRING_CONTROL:
                        if type(raw) is not str and not (raw is None and name == "id"):
                            return False
                    elif type(raw) in _CONTAINERS and _jsontext.too_deep(raw, limit - depth - 1) is not None:
                        return False
                for key in plan.raw:
                    raw = node[key]
                    if type(raw) in _CONTAINERS and _jsontext.too_deep(raw, limit - depth - 1) is not None:
                        return False
                properties = plan.properties
                for key, value in node.items():
                    kind_of = type(value)
                    if (kind_of is dict or kind_of is list) and key in properties:
                        nodes.append(value)
                        parents.append(index)
                        depth_of.append(depth + 1)
                    elif kind_of is _jsontext.DuplicateKeys:
                        return False
                if not clean:
                    self.mark(self.typing, nodes, parents, index)
                if not (clean and spelled):
                    self.mark(self.dirty, nodes, parents, index)
            index += 1
        return True

    @staticmethod
    def mark(marks: set[int], nodes: list[Any], parents: list[int], index: int) -> None:
        """Mark a container and its ancestors (each at most once)."""
        while index >= 0 and id(nodes[index]) not in marks:
            marks.add(id(nodes[index]))
            index = parents[index]


def _decode_lazily(text: str | bytes, options: _Options) -> Value:
    """``decode`` for JSON text: read exactly, check the structure, type each object when read."""
    if options.float_decimals not in ("fault", "warn"):
        raise ValueError(f"float_decimals is 'fault' or 'warn', not {options.float_decimals!r}")
    document, faults = _jsontext.read(text)
    if faults:
        raise PayloadError(faults)
    if type(document) in _CONTAINERS:
        suspicious = _may_hold_surrogates(text)
        scan = _Scan(options)
        with _jsontext.paused_gc():  # the scan's sets and lists would set off passes over the document
            sound = not suspicious and scan.run(document)
        if sound:
            pending = _Pending(_Document(options, scan.dirty, scan.typing), document, "$", None, 0)
            return lazy_structured(pending) if type(document) is dict else lazy_collection(pending)
    decoder = _Decoder(options)
    with _jsontext.paused_gc():
        value = decoder.value(document, "$", None, 0)
    if decoder.deep is not None:
        raise PayloadError([Fault(decoder.deep, f"nested deeper than {options.max_depth} levels; refusing to "
                                                "read further", "too-deep")])
    if decoder.faults:
        raise PayloadError(decoder.faults)
    return value
