"""The check-only pass: every fault ``validate`` reports, found in one walk over the exactly-read
JSON without building a typed value.

It applies the decoder's typing rules (``decode._Decoder``: the same leaf checks and fault texts,
with the structural steps redone here so nothing is built), the context-URL and open-extension
rules, and the JSON Schemas through predicates compiled from the schema files (``_schemas``);
``jsonschema`` itself runs only on a part that a predicate refuses, to say why. A differential
test holds the pass to the reference (``validate._reference_faults``: jsonschema + decode).
"""

from __future__ import annotations

import functools
import gc
import re
from decimal import Decimal
from typing import Any

import attrs

from . import _jsontext, _schemas
from .. import edm
from .decode import (_STRING_CONTROL, Infer, Path, _annotation_problem, _classify, _Decoder, _exact, _Options,
                     _render, infer_type)
from ..errors import Fault
from .extensions import DIALECTS, Shape, shape_faults
from .values import split_type, type_problem

__all__ = ["check", "SCHEMAS"]

#: Each kind of payload and the schema (file URI and pointer) that describes it.
SCHEMAS: dict[str, str] = {
    "extension-create": "urn:odatakit:schemas:extension#/$defs/create",
    "extension-patch": "urn:odatakit:schemas:extension#/$defs/patch",
    "extension-response": "urn:odatakit:schemas:extension#/$defs/response",
    "entity": "urn:odatakit:schemas:entity",
    "collection": "urn:odatakit:schemas:collection",
    "error": "urn:odatakit:schemas:error",
}
_EXTENSION_KEYS = frozenset(d.extensions_key for d in DIALECTS.values())
#: Control information the decoder takes as any string without a fault (a context URL is read later).
_FAULTLESS_TEXT = _STRING_CONTROL | {"context"}

# What the walk learns of a value: what the decoder would have made of it (no value is made).
_NONE, _PRIMITIVE, _STRUCTURED, _COLLECTION = 0, 1, 2, 3
#: Stands for a primitive's value where only "a string equal to an extension id" matters: the
#: decoder makes no ``str`` of a non-String primitive.
_OPAQUE = object()


def check(document: Any, kind: str, *, infer: Infer = "spec", ieee754_compatible: bool | None = None,
          strict_names: bool = False, max_depth: int = _jsontext.DEFAULT_MAX_DEPTH) -> list[Fault]:
    """Every fault in already-read ``document`` (``_jsontext.read``) as the payload ``kind``, in
    path order: what ``decode`` would report, unparsable context URLs, open-extension rules, and
    the JSON Schema of ``kind``."""
    options = _options(infer, ieee754_compatible, max_depth)
    request = kind in ("extension-create", "extension-patch")
    enabled = gc.isenabled()  # (``_jsontext.paused_gc``, inline: a small body is read in microseconds)
    gc.disable()
    try:
        # A page goes to the walk, which hands each message to the quick pass (``quick_takes``): a
        # faulty message then costs its own walk, not a second pass over the page.
        page = type(document) is dict and type(document.get("value")) is list
        if not page and _Quick(options, strict_names).accepts(document, kind, request):
            # the common case: the walk would find no fault, so the schema's faults are all there are
            conforms = _KIND_CONFORMS.get(kind) or _kind_conforms(kind)
            return [] if conforms(document) else sorted(_schema_faults(document, kind), key=_path_order)
        walker = _Walker(options, strict_names)
        if kind.startswith("extension") and isinstance(document, dict):
            walker.extension("$", document, None, 0, request=request, top=True)
        else:
            walker.value(document, "$", None, 0)
        if walker.deep is not None:
            deep = _jsontext.too_deep(document, max_depth) or walker.deep
            return [Fault(deep, f"nested deeper than {max_depth} levels; refusing to read further", "too-deep")]
        faults = walker.faults + walker.context_faults + walker.extension_faults
    finally:
        if enabled:
            gc.enable()
    if not any(f.code == "not-json" for f in faults):  # a JSON Schema applies to JSON (string keys) only
        said = {f.path for f in faults}  # (``_said_already``, without a pass over the faults for each)
        faults += [f for f in _schema_faults(document, kind) if f.path not in said and not (
            f.code in _BROAD and any(path[:len(f.path)] == f.path for path in said))]
    return sorted(faults, key=_path_order)


_BROAD = ("schema-anyOf", "schema-oneOf")


def _options(infer: Infer, ieee754_compatible: bool | None, max_depth: int) -> _Options:
    """One ``_Options`` per set of options (a look-up, not a cache call: ``validate`` pays it per payload)."""
    key = (infer, ieee754_compatible, max_depth)
    options = _OPTIONS.get(key)
    if options is None:
        if len(_OPTIONS) >= 64:
            _OPTIONS.clear()
        options = _OPTIONS[key] = _Options(infer, ieee754_compatible, max_depth)
    return options


_OPTIONS: dict[tuple[Any, ...], _Options] = {}


def _path_order(fault: Fault) -> list[tuple[int, Any]]:
    """Sort key: paths in order, array indexes compared as numbers (``[2]`` before ``[10]``)."""
    return [(0, part) if type(part) is int else (1, part) if type(part) is str else (2, repr(part))
            for part in fault.path]


def _said_already(schema_fault: Fault, faults: list[Fault]) -> bool:
    """A schema fault that repeats another: same path, or an any-of over a path that has one."""
    broad = schema_fault.code in _BROAD
    path, size = schema_fault.path, len(schema_fault.path)
    return any(f.path == path or broad and f.path[:size] == path for f in faults)


# -- JSON Schemas: predicates on the common path, jsonschema where one says no -------------------------

@functools.cache
def _conforms(uri: str) -> _schemas.Predicate:
    return _schemas.conforms(uri)


def _kind_conforms(kind: str) -> _schemas.Predicate:
    """Whether a payload of ``kind`` conforms to its schema (``_KIND_CONFORMS``, filled on first use)."""
    result = _KIND_CONFORMS[kind] = _conforms(SCHEMAS[kind])
    return result


_KIND_CONFORMS: dict[str, _schemas.Predicate] = {}


@functools.cache
def _item_schema() -> str:
    """The schema of each item of a collection response's ``value`` (collection.json says which)."""
    return str(_schemas.documents()[SCHEMAS["collection"]]["properties"]["value"]["items"]["$ref"])


def _schema_faults(document: Any, kind: str) -> list[Fault]:
    """The schema faults of ``document``. A page is checked message by message, so a refused message
    costs one ``jsonschema`` run over that message, not over the page."""
    uri = SCHEMAS[kind]
    if kind == "collection" and isinstance(document, dict) and isinstance(document.get("value"), list):
        items = document["value"]
        faults = []
        # the page's own members (items are checked one by one below): no message says "value"'s items
        shell = {**document, "value": []}
        if not _conforms(uri)(shell):
            faults += _schemas.schema_faults(shell, uri)
        item_uri = _item_schema()
        item_conforms = _conforms(item_uri)
        for index, item in enumerate(items):
            if not item_conforms(item):
                faults += _schemas.schema_faults(item, item_uri, ("value", index))
        return faults
    return [] if _conforms(uri)(document) else _schemas.schema_faults(document, uri)


# -- context URLs -------------------------------------------------------------------------------------

#: The characters of a plain key (RFC 3986 unreserved, and base64's '='): whether a context URL
#: parses does not depend on which of them a key holds. A key may also hold percent-escapes; such
#: a key is kept as written.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~=-"
_ESCAPED_KEY = re.compile(r"(?:[A-Za-z0-9._~=-]|%[0-9A-Fa-f]{2})+")
#: Keys with percent-escapes already found well formed.
_ESCAPED_KEYS: dict[str, None] = {}


def _context_shape(text: str) -> str | None:
    """``text`` with the characters of each plain key blanked (its length kept), when every quote
    in the fragment belongs to such a key, alone in its parentheses or between commas; None when
    the text must be parsed on its own.

    A page names each message in its ``extensions@odata.context``: one parse per shape serves them
    all. (String methods, not a regular expression: a page calls this once per message.)"""
    hash_at = text.find("#")
    if hash_at < 0 or "'" not in text:
        return None
    fragment = text[hash_at:]
    if '"' in fragment or "%" in fragment and ("%27" in fragment or "%22" in fragment):  # (escaped quotes)
        return None
    parts = fragment.split("'")
    if len(parts) % 2 == 0:  # an odd number of quotes
        return None
    for index in range(1, len(parts), 2):
        key = parts[index]
        if not key or parts[index - 1][-1:] not in ("(", ",") or parts[index + 1][:1] not in (")", ","):
            return None
        if "%" not in key:
            if key.strip(_UNRESERVED):
                return None
            parts[index] = "a" * len(key)
        elif key not in _ESCAPED_KEYS:
            if _ESCAPED_KEY.fullmatch(key) is None:
                return None
            if len(_ESCAPED_KEYS) >= 1024:
                _ESCAPED_KEYS.clear()
            _ESCAPED_KEYS[key] = None  # (a page names one user in every message's context URL)
    return text[:hash_at] + "'".join(parts)


# -- the walk -----------------------------------------------------------------------------------------

class _Walker(_Decoder):
    """The decoder's walk with nothing built: each step returns what the decoder would have made
    (``_NONE``, ``_PRIMITIVE``, ``_STRUCTURED``, ``_COLLECTION``). ``value`` and the leaf checks
    (``read_primitive``, ``instance_type``, ``annotated_type``, ``control``, ``raw_json``) are the
    decoder's own; the fault texts below are the decoder's, held equal by the differential test."""

    def __init__(self, options: _Options, strict_names: bool) -> None:
        super().__init__(options)
        self.strict_names = strict_names
        self.context_faults: list[Fault] = []
        self.extension_faults: list[Fault] = []
        self.extension_array = False  # the array being walked is a property named Extensions / extensions
        self.inside = 0  # how many extension objects the walk is in (their extension arrays are not checked)
        self.read: set[tuple[str, str]] = set()  # (type, text) pairs already read without a fault
        self.quick: _Quick | None = None

    def skipped(self, json_value: Any, path: Path, depth: int) -> None:
        """A container the decoder refuses without reading into: still no deeper than allowed."""
        if self.deep is None and isinstance(json_value, (dict, list)):
            deep = _jsontext.too_deep(json_value, self.options.max_depth - depth)
            if deep is not None:
                self.deep = _render(path) + deep[1:]

    def value(self, json_value: Any, path: Path, declared: str | None, depth: int) -> Any:
        result = super().value(json_value, path, declared, depth)
        if not result and declared is not None and self.deep is None and isinstance(json_value, (dict, list)):
            self.skipped(json_value, path, depth)  # refused for its type (an object annotated #Int32, …)
        return result

    def unannotated(self, json_value: Any, path: Path) -> Any:
        if json_value is None:
            return _NONE
        kind = type(json_value)
        if kind is str and json_value.isascii() or kind is bool:
            return _PRIMITIVE
        name = infer_type(json_value, self.options.infer)
        if name is None:
            self.not_a_json_value(path, json_value)
            return _NONE
        if name == "Double":
            try:
                _exact_double(json_value)
            except ValueError as error:
                self.inexact_double(path, error)
                return _NONE
            return _PRIMITIVE
        return self.primitive(json_value, path, name)

    def primitive(self, json_value: Any, path: Path, name: str) -> Any:
        kind = edm.PRIMITIVES.get(name)
        if kind is None:
            return _NONE if self.unknown_type_faulted(json_value, path, name) else _PRIMITIVE
        if json_value is None:
            return _PRIMITIVE
        text = type(json_value) is str
        if text and (name, json_value) in self.read:
            return _PRIMITIVE
        try:
            self.read_primitive(json_value, kind)
        except ValueError as error:
            self.fault(path, str(error), "invalid-value")
            return _NONE
        if text:
            self.read.add((name, json_value))
        return _PRIMITIVE

    def collection(self, items: list[Any], path: Path, item_type: str | None, depth: int) -> Any:
        rules = self.extension_array and not self.inside and item_type not in edm.PRIMITIVES
        self.extension_array = False
        child = depth + 1
        if child > self.options.max_depth:
            rules = False  # (``value`` finds the first item too deep)
        # what the decoder takes as it is, without a call: plain items, strings read before as this type
        plain = child <= self.options.max_depth and item_type is None
        read = self.read if child <= self.options.max_depth and item_type in edm.PRIMITIVES else None
        for index, item in enumerate(items):
            kind = type(item)
            if plain and (kind is str and item.isascii() or kind is bool or item is None):
                continue
            if read is not None and (item is None or kind is str and (item_type, item) in read):
                continue
            if kind is list or isinstance(item, list):
                here = (path, index)
                self.nested_array(here)
                self.skipped(item, here, child)
            elif rules and isinstance(item, dict):
                self.extension((path, index), item, item_type, child)
            elif plain and kind is dict:
                # a page's messages: the quick pass takes each that has no fault, the walk the others
                if not self.quick_takes(item, child):
                    self.structured(item, (path, index), None, child)
            elif item_type is None or item is not None:
                self.value(item, (path, index), item_type, child)
        return _COLLECTION

    def quick_takes(self, obj: dict[Any, Any], depth: int) -> bool:
        """Whether the quick pass finds nothing to say of an unannotated object at ``depth``."""
        if self.quick is None:
            self.quick = _Quick(self.options, self.strict_names)
        self.quick.inside = self.inside
        try:
            self.quick.structured(obj, None, depth)  # type: ignore[call-arg]
        except _Unsure:
            return False
        return True

    def extension(self, path: Path, obj: dict[Any, Any], declared: str | None, depth: int, *,
                  request: bool = False, top: bool = False) -> None:
        """An object the extension rules apply to (an item of ``Extensions``, or the payload): walked
        as any object, its properties' shapes kept for the rules. Extension arrays inside it are
        walked as plain arrays, as ``validate`` has always read them."""
        if depth > self.options.max_depth:
            if self.deep is None:
                self.deep = _render(path)
            return
        shapes: dict[str, Shape] = {}
        self.inside += not top
        try:
            type_name = self.structured(obj, path, declared, depth, shapes)
        finally:
            self.inside -= not top
        # Whether the rules find a fault does not depend on where the object is: a page's extensions
        # repeat their shapes (values the rules compare, and the types of the others).
        key: tuple[Any, ...] | None = (type_name, request, self.strict_names, *shapes.items())
        try:
            fine = key in _FINE_EXTENSIONS
        except TypeError:  # a value that has no hash (a signalling NaN given as a Python Decimal)
            fine, key = False, None
        if not fine:
            faults = shape_faults(type_name, shapes, _render(path), request=request, strict_names=self.strict_names)
            if faults:
                # the payload's own rules come before those of the extensions it holds (found while
                # walking it), as the reference reads them: same-path faults keep that order
                self.extension_faults[len(self.extension_faults) if not top else 0:0] = faults
            elif key is not None:
                if len(_FINE_EXTENSIONS) >= 4096:
                    _FINE_EXTENSIONS.clear()
                _FINE_EXTENSIONS[key] = None

    def structured(self, obj: dict[Any, Any], path: Path, declared: str | None, depth: int,
                   shapes: dict[str, Shape] | None = None) -> Any:
        """Check one object; with ``shapes``, also fill it with each property's ``Shape`` (for the
        extension rules), and return the object's type as the decoder would read it.

        The objects of a page repeat their keys: what the keys alone decide (which are properties,
        annotations, control information; which property each type annotation names) is worked out
        once per set of keys (``_Plan``). An object whose keys or annotations would give a fault is
        read key by key instead (``generic``), in the decoder's order."""
        keys = tuple(obj)
        plan = _PLANS.get(keys)
        if plan is None:
            if len(_PLANS) >= 4096:
                _PLANS.clear()
            plan = _PLANS[keys] = _Plan.of(obj)
        if plan.generic or type(obj) is not dict:
            return self.generic(obj, path, declared, depth, shapes)
        type_name = declared
        types = _TYPES
        declared_types = None
        if plan.annotated:
            declared_types = {}
            for key, prop in plan.annotated:
                raw = obj[key]
                known = types[raw] if type(raw) is str else None
                if known is None or (not prop and known is _NOT_AN_INSTANCE_TYPE):
                    return self.generic(obj, path, declared, depth, shapes)
                if prop:
                    declared_types[prop] = raw
                else:
                    type_name = known
        contexts = None
        for key, prop, name in plan.control:
            raw = obj[key]
            if type(raw) is not str or name not in _FAULTLESS_TEXT or not raw.isascii():
                return self.generic(obj, path, declared, depth, shapes)
            if name == "context":
                if contexts is None:
                    contexts = {}
                contexts[prop] = raw
        child = depth + 1
        if child > self.options.max_depth:  # (a scalar past the limit is too deep as well)
            return self.generic(obj, path, declared, depth, shapes)
        for key in plan.properties:
            raw = obj[key]
            declared_type = declared_types.get(key) if declared_types else None
            kind = type(raw)
            if declared_type is None:
                if kind is str and raw.isascii() or kind is bool or raw is None:
                    if shapes is not None:
                        shapes[key] = None if raw is None else ("primitive", "String" if kind is str else "Boolean", raw)
                    continue
                if kind is dict:
                    self.structured(raw, (path, key), None, child)
                    result: Any = _STRUCTURED
                elif kind is list:
                    self.extension_array = key in _EXTENSION_KEYS
                    result = self.collection(raw, (path, key), None, child)
                    self.extension_array = False
                else:
                    result = self.unannotated(raw, (path, key))
            elif kind is not dict and kind is not list and not _annotation_problem(declared_type)[0][1]:
                result = self.primitive(raw, (path, key), _annotation_problem(declared_type)[0][0])
            else:
                self.extension_array = key in _EXTENSION_KEYS
                result = self.value(raw, (path, key), declared_type, child)
                self.extension_array = False
            if shapes is not None:
                shapes[key] = _shape(result, raw, declared_type)
        if contexts is not None:
            for prop, raw in contexts.items():
                self.context(raw, path, prop)
        return type_name if shapes is not None else _STRUCTURED

    def generic(self, obj: dict[Any, Any], path: Path, declared: str | None, depth: int,
                shapes: dict[str, Shape] | None = None) -> Any:
        """``structured`` key by key, as the decoder reads an object."""
        self.duplicate_keys(path, obj)
        property_types: dict[str, tuple[str, Path]] = {}
        properties: list[Any] = []
        contexts: dict[str, Any] = {}
        type_name = declared
        for key, raw in obj.items():
            if not isinstance(key, str):
                here = (path, key)
                self.key_not_a_string(here, key)
                self.skipped(raw, here, depth + 1)
                continue
            prop, term, name, problem = _classify(key)
            if term is None:
                if problem is None:
                    properties.append(key)
                    properties.append(raw)
                else:
                    self.fault((path, key), problem, "bad-name")
                    self.skipped(raw, (path, key), depth + 1)
                continue
            here = (path, key)
            if name == "type":
                type_name = self.type_member(raw, here, prop, property_types, type_name)
                if not isinstance(raw, str):
                    self.skipped(raw, here, depth + 1)  # the decoder reads no further: faults inside it
            elif problem is not None:
                self.not_an_annotation(here, key, problem)
                self.skipped(raw, here, depth + 1)
            else:
                if type(raw) is str:
                    if not raw.isascii() and (text := edm.text_problem(raw)) is not None:
                        self.fault(here, text, "not-json")
                else:
                    self.raw_json(raw, here, depth + 1)
                if name is not None:
                    if type(raw) is not str or name not in _FAULTLESS_TEXT:
                        self.control(name, raw, here)
                    if name == "context":
                        contexts[prop] = raw
        plain = depth + 1 <= self.options.max_depth  # (a scalar past the limit is too deep as well)
        for i in range(0, len(properties), 2):
            key, raw = properties[i], properties[i + 1]
            typed = property_types.get(key) if property_types else None
            kind = type(raw)
            if typed is None and plain and (kind is str and raw.isascii() or kind is bool or raw is None):
                # what the decoder takes as it is: nothing to check
                if shapes is not None:
                    shapes[key] = None if raw is None else ("primitive", "String" if kind is str else "Boolean", raw)
                continue
            declared_type = None if typed is None else typed[0]
            self.extension_array = key in _EXTENSION_KEYS
            result = self.value(raw, (path, key), declared_type, depth + 1)
            self.extension_array = False
            if shapes is not None:
                shapes[key] = _shape(result, raw, declared_type)
        for prop, (_, type_path) in property_types.items():
            if prop not in obj or _classify(prop)[3] is not None:
                self.type_of_nothing(type_path, prop)
        for prop, raw in contexts.items():
            if type(raw) is str:
                self.context(raw, path, prop)
        return type_name if shapes is not None else _STRUCTURED

    def context(self, raw: str, path: Path, prop: str) -> None:
        """A context URL that does not parse is a fault (``_context_problem``)."""
        problem = _context_problem(raw)
        if problem is None:
            return
        where = _render(path)
        key = f"{prop}@odata.context"
        self.context_faults.append(Fault(_jsontext.child(where, key) if prop else f"{where}['@odata.context']",
                                         f"not a context URL: {problem}", "bad-control"))


#: Shapes (``_context_shape``) of context URLs that parse; bounded, like the caches of ``re``.
_PARSED_SHAPES: dict[str, None] = {}


def _context_problem(text: str) -> str | None:
    """Why ``text`` is not a context URL, or None. A service's context URLs come in a few shapes
    (``…#Me/Messages('…')/Extensions/$entity``, one key per message): each shape is parsed once.

    A page's URLs differ in their last key alone: a text around it seen in a URL that parsed
    (``_PARSED_ENDS``) spares working out the shape (the same shape, when the key is as plain)."""
    end = text.rfind("'")
    start = text.rfind("'", 0, end) if end > 0 else -1
    if start >= 0:
        key = text[start + 1:end]
        ends = (text[:start], text[end + 1:], len(key))
        if ends in _PARSED_ENDS and not key.strip(_UNRESERVED):
            return None
    shape = _context_shape(text)
    if shape is None:
        return _parse_problem(text)
    if shape in _PARSED_SHAPES:
        problem = None
    else:
        problem = _parse_problem(text)
        if problem is None:
            if len(_PARSED_SHAPES) >= 1024:
                _PARSED_SHAPES.clear()
            _PARSED_SHAPES[shape] = None
    if problem is None and start >= 0 and key and not key.strip(_UNRESERVED) and -1 < text.find("#") < start:
        # (the shape blanks this key, which is in the fragment: every plain key of its length gives this shape)
        if len(_PARSED_ENDS) >= 1024:
            _PARSED_ENDS.clear()
        _PARSED_ENDS[ends] = None
    return problem


#: (text before the last quoted key, text after it, the key's length) of context URLs that parse.
_PARSED_ENDS: dict[tuple[str, str, int], None] = {}


@functools.lru_cache(maxsize=256)
def _parse_problem(text: str) -> str | None:
    from .values import ContextRef

    return ContextRef(text).problem()


def _exact_double(number: Any) -> None:
    """An unannotated number is an Edm.Double: ``ValueError`` when no double holds it exactly."""
    if type(number) is int and -_EXACT_INT <= number <= _EXACT_INT:
        return  # (every integer up to 2**53 is a double exactly)
    if type(number) is Decimal and number.is_snan():  # a signalling NaN cannot be hashed: no cache
        edm.exact_float(_exact(number))
    if number in _DOUBLES:
        return
    edm.exact_float(_exact(number))
    if type(number) is Decimal:
        if len(_DOUBLES) >= 4096:
            _DOUBLES.clear()
        _DOUBLES[number] = None


class _Unsure(Exception):
    """The quick pass met something it leaves to the walk (that may be a fault)."""


class _Quick(_Decoder):
    """The common case first: whether the walk would find no fault at all, by the decoder's leaf
    checks over what an object's keys decide once (``_Plan``), with no path, no fault text and no
    reading key by key. Anything it does not take as plainly right (a fault, a duplicate key, a
    custom annotation, a number no double holds…) ends it (``_Unsure``), and the walk, which says
    why, runs instead: it is held to the walk by the differential tests, through ``validate``."""

    def __init__(self, options: _Options, strict_names: bool) -> None:  # (no faults, no shared values)
        self.options = options
        self.strict_names = strict_names
        self.inside = 0  # how many extension objects the pass is in (their extension arrays are plain)

    def accepts(self, document: Any, kind: str, request: bool) -> bool:
        try:
            if kind.startswith("extension") and isinstance(document, dict):
                self.extension(document, None, 0, request, top=True)
            else:
                self.value(document, None, 0, False)
        except _Unsure:
            return False
        return True

    def value(self, json_value: Any, declared: str | None, depth: int, extensions: bool) -> Any:  # type: ignore[override]
        if depth > self.options.max_depth:
            raise _Unsure
        kind = type(json_value)
        if declared is None:
            if kind is dict:
                self.structured(json_value, None, depth)  # type: ignore[call-arg]
                return _STRUCTURED
            if kind is list:
                return self.collection(json_value, None, depth, extensions)  # type: ignore[call-arg]
            return self.unannotated(json_value)  # type: ignore[call-arg]
        name, is_collection = _SPLITS[declared]
        if is_collection:
            if kind is list:
                return self.collection(json_value, name, depth, extensions)  # type: ignore[call-arg]
            if json_value is None:
                return None
            raise _Unsure
        if kind is dict and name not in edm.PRIMITIVES:
            self.structured(json_value, name, depth)  # type: ignore[call-arg]
            return _STRUCTURED
        if isinstance(json_value, (dict, list)):
            raise _Unsure
        return self.primitive(json_value, name)  # type: ignore[call-arg]

    def unannotated(self, json_value: Any) -> Any:  # type: ignore[override]
        kind = type(json_value)
        if json_value is None:
            return _NONE
        if kind is str and json_value.isascii() or kind is bool:
            return _PRIMITIVE
        if self.options.infer != "spec" or kind not in _NUMBER_TYPES:
            raise _Unsure
        try:
            _exact_double(json_value)
        except (ValueError, TypeError):  # (TypeError: a signalling NaN has no hash)
            raise _Unsure from None
        return _PRIMITIVE

    def primitive(self, json_value: Any, name: str) -> Any:  # type: ignore[override]
        kind = edm.PRIMITIVES.get(name)
        text = type(json_value) is str
        if kind is None:  # a type from a model odatakit does not have: anything but an object or array
            if text and json_value.isascii() or json_value is None or type(json_value) in _NUMBER_TYPES \
                    or type(json_value) is bool:
                return _PRIMITIVE
            raise _Unsure
        if json_value is None:
            return _PRIMITIVE
        key = (self.options.ieee754_compatible, name, type(json_value), json_value)
        try:
            if key in _READ:
                return _PRIMITIVE
        except TypeError:  # (a signalling NaN has no hash)
            raise _Unsure from None
        try:
            self.read_primitive(json_value, kind)
        except ValueError:
            raise _Unsure from None
        if len(_READ) >= 4096:
            _READ.clear()
        _READ[key] = None
        return _PRIMITIVE

    def collection(self, items: list[Any], item_type: str | None, depth: int,  # type: ignore[override]
                   extensions: bool) -> Any:
        child = depth + 1
        if items and child > self.options.max_depth:
            raise _Unsure
        rules = extensions and not self.inside and item_type not in edm.PRIMITIVES
        plain = item_type is None
        if item_type in edm.PRIMITIVES:  # (its items: primitive values or nulls)
            for item in items:
                if isinstance(item, (dict, list)):
                    raise _Unsure
                if item is not None:
                    self.primitive(item, item_type)  # type: ignore[call-arg, arg-type]
            return _COLLECTION
        for item in items:
            kind = type(item)
            if plain and (kind is str and item.isascii() or kind is bool or item is None):
                continue
            if isinstance(item, list):
                raise _Unsure  # an array inside an array
            if rules and isinstance(item, dict):
                self.extension(item, item_type, child, False)
            elif plain and kind is dict:
                self.structured(item, None, child)  # type: ignore[call-arg]
            elif item_type is None or item is not None:
                self.value(item, item_type, child, False)
        return _COLLECTION

    def extension(self, obj: dict[Any, Any], declared: str | None, depth: int,  # type: ignore[override]
                  request: bool, top: bool = False) -> None:
        if depth > self.options.max_depth:
            raise _Unsure
        shapes: dict[str, Shape] = {}
        self.inside += not top
        type_name = self.structured(obj, declared, depth, shapes)  # type: ignore[call-arg]
        self.inside -= not top
        if not _fine_extension(type_name, shapes, request, self.strict_names):
            raise _Unsure

    def structured(self, obj: dict[Any, Any], declared: str | None, depth: int,  # type: ignore[override]
                   shapes: dict[str, Shape] | None = None) -> Any:
        """One object, by its keys' plan; with ``shapes``, each property's ``Shape`` filled in and
        the object's type returned (for the extension rules)."""
        if type(obj) is not dict:  # (``DuplicateKeys``: the walk says which)
            raise _Unsure
        keys = tuple(obj)
        plan = _PLANS.get(keys)
        if plan is None:
            if len(_PLANS) >= 4096:
                _PLANS.clear()
            plan = _PLANS[keys] = _Plan.of(obj)
        if plan.generic:
            raise _Unsure
        type_name = declared
        for key, prop in plan.annotated:
            raw = obj[key]
            known = _TYPES[raw] if type(raw) is str else None
            if known is None or (not prop and known is _NOT_AN_INSTANCE_TYPE):
                raise _Unsure
            if not prop:
                type_name = known
        contexts = None
        for key, _, name in plan.control:
            raw = obj[key]
            if type(raw) is not str or name not in _FAULTLESS_TEXT or not raw.isascii():
                raise _Unsure
            if name == "context":
                contexts = [raw] if contexts is None else [*contexts, raw]
        child = depth + 1
        if child > self.options.max_depth:  # (a scalar past the limit is too deep as well)
            raise _Unsure
        for key, annotation in plan.typed:
            raw = obj[key]
            kind = type(raw)
            if annotation is None:
                if kind is str and raw.isascii() or kind is bool or raw is None:
                    if shapes is not None:
                        shapes[key] = None if raw is None else ("primitive", "String" if kind is str else "Boolean", raw)
                    continue
                if kind is dict:
                    self.structured(raw, None, child)  # type: ignore[call-arg]
                    result: Any = _STRUCTURED
                elif kind is list:
                    result = self.collection(raw, None, child, key in _EXTENSION_KEYS)  # type: ignore[call-arg]
                else:
                    result = self.unannotated(raw)  # type: ignore[call-arg]
                declared_type = None
            elif kind is not dict and kind is not list and not (split := _SPLITS[declared_type := obj[annotation]])[1]:
                result = self.primitive(raw, split[0])  # type: ignore[call-arg]
                if shapes is not None:
                    shapes[key] = _primitive_shape(split[0], raw, True)
                continue
            else:
                declared_type = obj[annotation]
                result = self.value(raw, declared_type, child, key in _EXTENSION_KEYS)
            if shapes is not None:
                shapes[key] = _shape(result, raw, declared_type)
        if contexts is not None:
            for raw in contexts:
                if _context_problem(raw) is not None:
                    raise _Unsure
        return type_name


_NUMBER_TYPES = frozenset({int, Decimal, float})
#: Primitive values read without a fault: (IEEE754Compatible, type, JSON type, value). The JSON
#: type is part of the key, as ``True == 1`` and ``Decimal("1.5") == 1.5`` would otherwise meet.
_READ: dict[tuple[Any, ...], None] = {}


def _fine_extension(type_name: str | None, shapes: dict[str, Shape], request: bool, strict_names: bool) -> bool:
    """Whether the extension rules find no fault in an object of this type and these shapes.
    A page's extensions repeat their shapes (values the rules compare, and the types of the others)."""
    key: tuple[Any, ...] = (type_name, request, strict_names, *shapes.items())
    try:
        if key in _FINE_EXTENSIONS:
            return True
    except TypeError:  # a value that has no hash (a signalling NaN given as a Python Decimal)
        return not shape_faults(type_name, shapes, request=request, strict_names=strict_names)
    if shape_faults(type_name, shapes, request=request, strict_names=strict_names):
        return False
    if len(_FINE_EXTENSIONS) >= 4096:
        _FINE_EXTENSIONS.clear()
    _FINE_EXTENSIONS[key] = None
    return True


_NOT_AN_INSTANCE_TYPE = object()


class _TypeCache(dict):  # type: ignore[type-arg]
    """Type annotation text → the instance type it gives (``_NOT_AN_INSTANCE_TYPE`` when it names a
    type only a property may have), for texts that are types without a fault; None for the others."""

    def __missing__(self, raw: str) -> Any:
        if _annotation_problem(raw)[1] is not None:
            return None  # not kept: the fault is reported where it is found, by ``generic``
        if len(self) >= 4096:
            self.clear()
        name, is_collection = split_type(raw)
        result = self[raw] = name if not is_collection and type_problem(name, structured=True) is None \
            else _NOT_AN_INSTANCE_TYPE
        return result


@attrs.frozen
class _Plan:
    """What an object's keys alone say: its properties, its type annotations (key, property or ""),
    its control information (key, property or "", name); ``generic`` when a key gives a fault or
    needs a reading this plan does not cover (custom annotations, a property annotated twice, an
    annotation of an absent property)."""

    generic: bool
    properties: tuple[str, ...] = ()
    annotated: tuple[tuple[str, str], ...] = ()
    control: tuple[tuple[str, str, Any], ...] = ()
    #: Each property and the key of its type annotation (None when it has none).
    typed: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def of(cls, obj: dict[Any, Any]) -> _Plan:
        if isinstance(obj, _jsontext.DuplicateKeys):
            return cls(True)
        properties: list[str] = []
        annotated: list[tuple[str, str]] = []
        control: list[tuple[str, str, Any]] = []
        for key in obj:
            if not isinstance(key, str):
                return cls(True)
            prop, term, name, problem = _classify(key)
            if term is not None and name == "type":  # (its "problem" is that of a control name "type")
                annotated.append((key, prop))
            elif problem is not None or (term is not None and name is None):
                return cls(True)
            elif term is None:
                properties.append(key)
            else:
                control.append((key, prop, name))
        named = [prop for _, prop in annotated]
        if len(set(named)) != len(named) or not set(named) - {""} <= set(properties):
            return cls(True)
        annotation_of = {prop: key for key, prop in annotated}
        return cls(False, tuple(properties), tuple(annotated), tuple(control),
                   tuple((key, annotation_of.get(key)) for key in properties))


class _SplitCache(dict):  # type: ignore[type-arg]
    """Type annotation text → ``split_type`` of it (``_annotation_problem``'s, by a look-up)."""

    def __missing__(self, raw: str) -> tuple[str, bool]:
        if len(self) >= 4096:
            self.clear()
        result = self[raw] = _annotation_problem(raw)[0]
        return result


#: What is worked out once per process: a plan per set of keys, what each type annotation gives.
_PLANS: dict[tuple[Any, ...], _Plan] = {}
_TYPES = _TypeCache()
_SPLITS = _SplitCache()
_EXACT_INT = 2**53
#: Numbers already read as exact Edm.Double values.
_DOUBLES: dict[Decimal, None] = {}
#: Extension shapes (type, request, strict names, each property's ``Shape``) the rules find no fault in.
_FINE_EXTENSIONS: dict[tuple[Any, ...], None] = {}


def _shape(result: Any, raw: Any, declared: str | None) -> Shape:
    """What the extension rules read of a property the decoder made ``result`` of."""
    if result == _NONE or result is None:
        return None
    if result == _STRUCTURED:
        return ("structured",)
    if result == _COLLECTION:
        item_type = None if declared is None else _annotation_problem(declared)[0][0]
        if item_type in edm.PRIMITIVES:
            return ("collection", ())
        return ("collection", tuple(i for i, item in enumerate(raw) if isinstance(item, dict)))
    name = "String" if declared is None and isinstance(raw, str) else \
        _annotation_problem(declared)[0][0] if declared is not None else ""
    return _primitive_shape(name, raw, declared is not None)


def _primitive_shape(name: str, raw: Any, annotated: bool) -> Shape:
    """A primitive's shape: the value where the rules may compare it (a string, a type odatakit
    does not know), else only that it is one (the decoder makes no ``str`` of it)."""
    plain = name == "String" or (annotated and name not in edm.PRIMITIVES)
    return ("primitive", name, raw if plain else _OPAQUE)
