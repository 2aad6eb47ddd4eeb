"""The shipped JSON Schemas, read two ways: by ``jsonschema`` (the specification, and the source of
every schema fault's message) and compiled here into plain predicates that say only *whether* a
value conforms, fast enough to run on every message of a page.

The predicates interpret the same files, keyword by keyword, for the keywords the schemas use
(an unknown keyword is an error at compile time, so a schema edit cannot be silently ignored).
Where a predicate says no, ``jsonschema`` is run on that part to say why: it stays off the common
path, and the two cannot disagree on a fault's path or message.
"""

from __future__ import annotations

import functools
import json
import numbers
import re
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded on first use: a valid payload never needs them
    import jsonschema
    import referencing

from . import _jsontext
from .. import edm
from ..errors import Fault

__all__ = ["SCHEMA_FILES", "documents", "conforms", "schema_faults"]

SCHEMA_FILES = ("control", "extension", "entity", "collection", "error")

Predicate = Callable[[Any], bool]


@functools.cache
def documents() -> dict[str, dict[str, Any]]:
    """Each schema file by its ``$id``."""
    folder = resources.files("odatakit.payload") / "schemas"
    contents = [json.loads((folder / f"{name}.json").read_text("utf-8")) for name in SCHEMA_FILES]
    return {schema["$id"]: schema for schema in contents}


# -- jsonschema: the specification, and every schema fault's message ---------------------------------

@functools.cache
def _registry() -> referencing.Registry:
    import referencing
    from referencing.jsonschema import DRAFT202012

    # Every file is draft 2020-12; without its "$schema" a $ref keeps _validator_class() (and its integer
    # check) instead of switching to the stock validator that "$schema" names.
    return referencing.Registry().with_resources(
        (uri, DRAFT202012.create_resource({k: v for k, v in schema.items() if k != "$schema"}))
        for uri, schema in documents().items()
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
def _validator(uri: str) -> jsonschema.protocols.Validator:
    result: jsonschema.protocols.Validator = _validator_class()({"$ref": uri}, registry=_registry())
    return result


def schema_faults(document: Any, uri: str, at: tuple[str | int, ...] = ()) -> list[Fault]:
    """Every fault ``jsonschema`` finds in ``document`` against the schema at ``uri``; ``at`` is
    where ``document`` sits in the whole payload (the faults' paths start there)."""
    faults: dict[Fault, None] = {}  # the same fault can come from two schemas ($ref): keep one
    try:
        errors = list(_validator(uri).iter_errors(document))
    except ValueError:  # jsonschema writes repr() of an int too long for the interpreter to print
        errors = list(_validator(uri).iter_errors(_printable(document)))
    for error in errors:
        faults[Fault((*at, *error.absolute_path), _message(error), f"schema-{error.validator}")] = None
    return list(faults)


def _printable(document: Any) -> Any:
    """``document`` with each int longer than odatakit reads (``_jsontext.MAX_INT_BITS``; the
    decoder faults it) as a Decimal of its sign and length, which a schema types alike."""
    def copy(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _jsontext.MAX_INT_BITS:
            return Decimal(f"{'-' if value < 0 else ''}1E{_jsontext.MAX_INT_DIGITS}")
        return value

    result: Any = copy(document)
    stack = [document]
    copies = {id(document): result} if isinstance(document, (dict, list)) else {}
    if copies:
        result = copies[id(document)] = type(document)() if isinstance(document, dict) else []
    while stack:
        node = stack.pop()
        target = copies[id(node)]
        for key, item in (node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(item, (dict, list)):
                copies[id(item)] = {} if isinstance(item, dict) else []
                stack.append(item)
            value = copies[id(item)] if isinstance(item, (dict, list)) else copy(item)
            if isinstance(target, dict):
                target[key] = value
            else:
                target.append(value)
    return result


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


# -- the same schemas compiled to predicates ----------------------------------------------------------

def conforms(uri: str) -> Predicate:
    """Whether a (parsed, exactly read) value conforms to the schema at ``uri``: no message, no path."""
    return _Compiler().reference(uri)


def _number(value: Any) -> bool:
    kind = type(value)
    if kind in _NUMBERS:
        return True
    if kind in _NOT_NUMBERS:
        return False
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


_NUMBERS = frozenset({int, Decimal, float})
_NOT_NUMBERS = frozenset({str, bool, list, dict, type(None)})


def _integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


#: JSON Schema's types that are one Python type each (``bool`` is never an ``int`` here: no number
#: type is among them); ``number`` and ``integer`` as jsonschema's draft 2020-12 checker reads them.
_PYTHON_TYPES: dict[str, type] = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
_NUMBER_TYPES: dict[str, Predicate] = {"number": _number, "integer": _integer}


def _type_check(names: list[str]) -> Predicate:
    plain = tuple(_PYTHON_TYPES[name] for name in names if name in _PYTHON_TYPES)
    numeric = [_NUMBER_TYPES[name] for name in names if name in _NUMBER_TYPES]
    if not numeric:
        return lambda v: isinstance(v, plain)
    number = _integer if numeric == [_integer] else _number
    return lambda v: isinstance(v, plain) or number(v)


def _all(checks: list[Predicate]) -> Predicate:
    """One predicate for several that must all hold, without a generator per call."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    head, rest = checks[0], _all(checks[1:])
    return lambda v: head(v) and rest(v)


def _any(checks: list[Predicate]) -> Predicate:
    if len(checks) == 1:
        return checks[0]
    head, rest = checks[0], _any(checks[1:])
    return lambda v: head(v) or rest(v)


#: The schemas answered once per signature of an object (``_Compiler.by_signature``): an open
#: extension, of which a page holds one or more a message.
_BY_SIGNATURE = frozenset(f"urn:odatakit:schemas:extension#/$defs/{name}" for name in ("any", "create", "patch", "response"))
#: Keywords that describe and never constrain.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})
_OBJECT_KEYWORDS = frozenset({"properties", "patternProperties", "additionalProperties"})


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


class _Compiler:
    """Schema → predicate, one closure per schema object; ``$ref`` targets compiled once each."""

    def __init__(self) -> None:
        self.compiled: dict[str, Predicate] = {}

    def reference(self, uri: str, base: str = "") -> Predicate:
        if uri.startswith("#"):
            uri = base + uri
        if uri not in self.compiled:
            schema, resource = self.resolve(uri, base)
            cell: list[Predicate] = []  # a $ref back to this schema, met while it is compiled, reads the cell
            self.compiled[uri] = lambda value: cell[0](value)
            cell.append(self.schema(schema, resource))
            if uri in _BY_SIGNATURE:
                cell[0] = self.by_signature(cell[0], schema, resource)
            self.compiled[uri] = cell[0]
        return self.compiled[uri]

    def by_signature(self, predicate: Predicate, schema: Any, base: str) -> Predicate:
        """``predicate`` answered once per signature of an object: its keys, the values of the members
        some schema reads beyond their JSON type, and the types of the others (an array's: of its
        items). A page's extensions differ in such values as a deal's amount, which no schema reads."""
        groups = self.object_groups(schema, base, set())
        plans: dict[tuple[Any, ...], tuple[bool, ...]] = {}
        verdicts: dict[tuple[Any, ...], bool] = {}

        def plan(keys: tuple[Any, ...]) -> tuple[bool, ...]:
            if len(plans) >= 4096:
                plans.clear()
            result = plans[keys] = tuple(not self.typed_only(key, groups) for key in keys)
            return result

        def check(value: Any) -> bool:
            if type(value) is not dict:
                return predicate(value)
            keys = tuple(value)
            read = plans.get(keys) or plan(keys)
            tags: list[Any] = [keys]
            for raw, by_value in zip(value.values(), read):
                kind = type(raw)
                if by_value:
                    if kind is dict or kind is list:
                        return predicate(value)
                    tags.append((kind, raw))
                elif kind is list:
                    tags.append(tuple(map(type, raw)))
                else:
                    tags.append(kind)
            signature = tuple(tags)
            try:
                verdict = verdicts.get(signature)
            except TypeError:  # (a signalling NaN has no hash)
                return predicate(value)
            if verdict is None:
                if len(verdicts) >= 4096:
                    verdicts.clear()
                verdict = verdicts[signature] = predicate(value)
            return verdict

        return check

    def object_groups(self, schema: Any, base: str, seen: set[str]) -> list[tuple[dict[str, Any], str]]:
        """The schemas whose ``properties``, ``patternProperties``, ``additionalProperties`` apply to
        an object that ``schema`` checks (through ``$ref``, ``anyOf``, ``if``/``then``/``else``)."""
        if not isinstance(schema, dict):
            return []
        base = schema.get("$id", base)
        groups = [(schema, base)] if _OBJECT_KEYWORDS & set(schema) else []
        if "$ref" in schema:
            uri = schema["$ref"] if not schema["$ref"].startswith("#") else base + schema["$ref"]
            if uri not in seen:
                seen.add(uri)
                target, target_base = self.resolve(uri, base)
                groups += self.object_groups(target, target_base, seen)
        for branch in [*schema.get("anyOf", ()), *(schema[k] for k in ("if", "then", "else") if k in schema)]:
            groups += self.object_groups(branch, base, seen)
        return groups

    def typed_only(self, key: Any, groups: list[tuple[dict[str, Any], str]]) -> bool:
        """Whether every schema that applies to the member ``key`` reads no more than its JSON type
        (and its items' types)."""
        if not isinstance(key, str):
            return False
        for schema, base in groups:
            named = schema.get("properties", {})
            matched = [sub for pattern, sub in schema.get("patternProperties", {}).items() if re.search(pattern, key)]
            applying = ([named[key]] if key in named else []) + matched
            if key not in named and not matched and "additionalProperties" in schema:
                applying.append(schema["additionalProperties"])
            if not all(self.type_only(sub, base, set()) for sub in applying):
                return False
        return True

    def type_only(self, schema: Any, base: str, seen: set[str]) -> bool:
        """Whether ``schema`` reads a value's JSON type alone (an array's: its items' types). Not
        ``integer``: a number's value decides it."""
        if isinstance(schema, bool):
            return True
        base = schema.get("$id", base)
        if set(schema) - _ANNOTATIONS - {"type", "anyOf", "$ref", "items"}:
            return False
        types = schema.get("type", [])
        if "integer" in (types if isinstance(types, list) else [types]):
            return False
        if "items" in schema and not self.type_only(schema["items"], base, seen):
            return False
        if not all(self.type_only(branch, base, seen) for branch in schema.get("anyOf", ())):
            return False
        if "$ref" in schema:
            uri = schema["$ref"] if not schema["$ref"].startswith("#") else base + schema["$ref"]
            if uri in seen:
                return False
            target, target_base = self.resolve(uri, base)
            return self.type_only(target, target_base, seen | {uri})
        return True

    def schema(self, schema: Any, base: str) -> Predicate:
        if schema is True:
            return _always
        if schema is False:
            return _never
        base = schema.get("$id", base)
        checks: list[Predicate] = []
        unknown = set(schema) - _ANNOTATIONS - _OBJECT_KEYWORDS - {
            "$ref", "type", "required", "items", "anyOf", "if", "then", "else", "pattern", "minLength"}
        if unknown:
            raise NotImplementedError(f"schema keywords the fast check does not read: {sorted(unknown)}")
        if "type" in schema:
            checks.append(_type_check(schema["type"] if isinstance(schema["type"], list) else [schema["type"]]))
        groups = [(schema, base)] if _OBJECT_KEYWORDS & set(schema) else []
        if "$ref" in schema:
            target, target_base = self.resolve(schema["$ref"], base)
            if isinstance(target, dict) and set(target) - _ANNOTATIONS <= _OBJECT_KEYWORDS | {"type"} \
                    and target.get("type", "object") == "object":
                # (control.json: an object's members only) read in the same pass over the keys as this
                # schema's own members; its "type": "object" is checked below or by the members' pass
                groups.append((target, target.get("$id", target_base)))
                if "type" in target and schema.get("type") != "object":
                    checks.append(_type_check(["object"]))
            else:
                checks.append(self.reference(schema["$ref"], base))
        if "required" in schema:
            required = tuple(schema["required"])
            if len(required) == 1:
                only = required[0]
                checks.append(lambda v: only in v if isinstance(v, dict) else True)
            else:
                checks.append(lambda v: not isinstance(v, dict) or all(key in v for key in required))
        if groups:
            checks.append(self.members(groups))
        if "items" in schema:
            item = self.schema(schema["items"], base)
            checks.append(lambda v: not isinstance(v, list) or all(map(item, v)))
        if "anyOf" in schema:
            checks.append(_any([self.schema(branch, base) for branch in schema["anyOf"]]))
        if "if" in schema:
            condition = self.schema(schema["if"], base)
            then = self.schema(schema.get("then", True), base)
            otherwise = self.schema(schema.get("else", True), base)
            checks.append(lambda v: then(v) if condition(v) else otherwise(v))
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
        if "minLength" in schema:
            least = schema["minLength"]
            checks.append(lambda v: not isinstance(v, str) or len(v) >= least)
        return _all(checks)

    def resolve(self, uri: str, base: str) -> tuple[Any, str]:
        """The schema object a ``$ref`` names, and the resource it is in."""
        if uri.startswith("#"):
            uri = base + uri
        resource, _, pointer = uri.partition("#")
        schema: Any = documents()[resource]
        for part in filter(None, pointer.split("/")):
            schema = schema[part.replace("~1", "/").replace("~0", "~")]
        return schema, resource

    @staticmethod
    def named_members(named: list[tuple[str, Predicate]]) -> Predicate:
        """``properties`` alone: each named member that is present holds its schema."""
        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for key, predicate in named:
                if key in value and not predicate(value[key]):
                    return False
            return True

        return check

    def members(self, groups: list[tuple[dict[str, Any], str]]) -> Predicate:
        """``properties``, ``patternProperties`` and ``additionalProperties`` of one or more schemas
        that apply to the same object (each ``additionalProperties`` sees only its own schema's
        names and patterns). Which predicates apply to a member depends on its key alone, and a
        page repeats its keys, so each key's predicates are worked out once."""
        readers = []
        for schema, base in groups:
            named = {key: self.schema(sub, base) for key, sub in schema.get("properties", {}).items()}
            patterns = [(re.compile(pattern).search, self.schema(sub, base))
                        for pattern, sub in schema.get("patternProperties", {}).items()]
            additional = schema.get("additionalProperties", True)
            readers.append((named, patterns, None if additional is True else self.schema(additional, base)))
        if all(not patterns and extra is None for _, patterns, extra in readers):
            # only named members (extension.json's "graphIf": one property): look those up
            return self.named_members([(key, check) for named, _, _ in readers for key, check in named.items()
                                       if check is not _always])
        by_key: dict[str, tuple[Predicate, ...]] = {}

        def applying(key: Any) -> tuple[Predicate, ...]:
            if not isinstance(key, str):
                return ()
            found = []
            for named, patterns, extra in readers:
                matched = [check for search, check in patterns if search(key)]
                found += ([named[key]] if key in named else []) + matched
                if extra is not None and key not in named and not matched:
                    found.append(extra)
            if len(by_key) > 4096:
                by_key.clear()
            result = by_key[key] = tuple(check for check in found if check is not _always)
            return result

        by_keys: dict[tuple[Any, ...], tuple[tuple[Any, tuple[Predicate, ...]], ...]] = {}

        def plan(keys: tuple[Any, ...]) -> tuple[tuple[Any, tuple[Predicate, ...]], ...]:
            """The members that have something to check, for an object with these keys."""
            if len(by_keys) > 4096:
                by_keys.clear()
            result = by_keys[keys] = tuple((key, found) for key in keys
                                           if (found := by_key[key] if key in by_key else applying(key)))
            return result

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            keys = tuple(value)
            checks = by_keys.get(keys)
            if checks is None:
                checks = plan(keys)
            for key, predicates in checks:
                item = value[key]
                for predicate in predicates:
                    if not predicate(item):
                        return False
            return True

        return check
