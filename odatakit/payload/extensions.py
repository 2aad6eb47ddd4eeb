"""Open type extensions (custom data on messages, events, contacts, users…) in both dialects:
Outlook REST v2.0 (``Microsoft.OutlookServices.OpenTypeExtension``, PascalCase, PATCH merges) and
Microsoft Graph (``microsoft.graph.openTypeExtension``, camelCase; PATCH and the id the service
returns depend on the resource: ``odatakit.services`` holds those facts with their sources).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection as Collection_, Mapping
from typing import Any, Union

import attrs

from . import _jsontext
from .. import edm
from .decode import decode, infer_type
from .encode import encode
from ..errors import Fault, PayloadError
from ..services import DIALECTS, GRAPH, OUTLOOK, Dialect
from .values import Collection, Primitive, Structured, Value, name_problem, split_type, typed

__all__ = [
    "Dialect",
    "OUTLOOK",
    "GRAPH",
    "DIALECTS",
    "OpenTypeExtension",
    "merge",
    "with_extensions",
    "dialect_of",
    "name_faults",
    "extension_faults",
]


_REVERSE_DNS = re.compile(r"[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+")
_RESERVED_DOMAINS = ("com.microsoft", "com.onmicrosoft")


def dialect_of(value: Structured | Mapping[str, Any]) -> Dialect | None:
    """The dialect an extension object is written in, from its type or its name key; None if neither."""
    if type(value) is dict:  # (read JSON, the common case: without the abstract-class checks below)
        raw = value.get("@odata.type", value.get("@type"))
        return _dialect_named(split_type(raw)[0] if isinstance(raw, str) else None, value)
    type_name = value.type if isinstance(value, Structured) else None
    keys = value.properties if isinstance(value, Structured) else value
    if type_name is None and isinstance(value, Mapping):
        raw = value.get("@odata.type", value.get("@type"))
        type_name = split_type(raw)[0] if isinstance(raw, str) else None
    return _dialect_named(type_name, keys)


def _dialect_named(type_name: str | None, keys: Collection_[str]) -> Dialect | None:
    dialect = _BY_TYPE.get(type_name)
    if dialect is not None:
        return dialect
    for name_key, dialect in _BY_NAME_KEY:
        if name_key in keys:
            return dialect
    return None


#: Each dialect by its extension type, and by its name key (in ``DIALECTS`` order): ``validate``
#: asks of every payload which dialect it is in.
_BY_TYPE: dict[str | None, Dialect] = {d.type: d for d in reversed(DIALECTS.values())}
_BY_NAME_KEY = tuple((d.name_key, d) for d in DIALECTS.values())


def name_faults(name: Any, path: str = "$", *, strict: bool = False) -> list[Fault]:
    """Faults in an extension name: required, not in a Microsoft domain; with ``strict``, reverse-DNS."""
    if not isinstance(name, str) or not name:
        return [Fault(path, "an extension needs a non-empty name (e.g. 'Com.Contoso.Referral')", "extension-name")]
    lowered = name.lower()
    if any(lowered == d or lowered.startswith(d + ".") for d in _RESERVED_DOMAINS):
        return [Fault(path, f"extension name {name!r} uses a Microsoft domain; use your own reverse-DNS name "
                            "(e.g. 'Com.Contoso.Referral')", "extension-name")]
    if strict and not _REVERSE_DNS.fullmatch(name):
        return [Fault(path, f"extension name {name!r} is not a reverse-DNS name like 'Com.Contoso.Referral'",
                      "extension-name")]
    return []


#: What the extension rules read of one property's value, typed or still JSON (the check-only pass
#: in ``validate`` has no typed values): ``None`` for no value, ``("primitive", type, value)``,
#: ``("structured",)``, or ``("collection", indexes of the items that are objects or collections)``.
Shape = Union[tuple[Any, ...], None]


def _shape(value: Value) -> Shape:
    if isinstance(value, Primitive):
        return ("primitive", value.type, value.value)
    if isinstance(value, Structured):
        return ("structured",)
    if isinstance(value, Collection):
        return ("collection", tuple(i for i, item in enumerate(value.items) if isinstance(item, (Structured, Collection))))
    return None


def _custom_value_faults(value: Value, path: str) -> list[Fault]:
    return _custom_shape_faults(_shape(value), path)


def _custom_shape_faults(shape: Shape, path: str) -> list[Fault]:
    if shape is None or shape[0] == "primitive":
        return []
    if shape[0] == "structured":
        return [Fault(path, "an open extension holds only primitive values and collections of primitives, "
                            "not an object", "extension-value")]
    return [Fault(_jsontext.child(path, i), "an open extension's collection holds only primitive values, "
                                            "not objects or collections", "extension-value")
            for i in shape[1]]


def extension_faults(value: Structured, path: str = "$", *, request: bool = False,
                     strict_names: bool = False) -> list[Fault]:
    """What the service would refuse in an extension object (beyond its JSON Schema)."""
    return shape_faults(value.type, {k: _shape(v) for k, v in value.properties.items()}, path, request=request,
                        strict_names=strict_names)


def shape_faults(type_name: str | None, properties: Mapping[str, Shape], path: str = "$", *,
                 request: bool = False, strict_names: bool = False) -> list[Fault]:
    """``extension_faults`` from what the rules read: the object's type and each property's ``Shape``."""
    dialect = _dialect_named(type_name, properties)
    if dialect is None:
        return [Fault(path, f"not an open extension: no @odata.type {OUTLOOK.type!r} or {GRAPH.type!r} "
                            f"and no {OUTLOOK.name_key!r}", "extension-type")]
    faults = []
    if type_name is None:
        faults.append(Fault(path, f"an open extension needs '@odata.type': '#{dialect.type}'", "extension-type"))
    other = GRAPH if dialect is OUTLOOK else OUTLOOK
    for key in (other.name_key, other.id_key):
        if key in properties and key not in (dialect.name_key, dialect.id_key):
            faults.append(Fault(_jsontext.child(path, key), f"{key!r} is the {other.name.capitalize()} spelling; a {dialect.name.capitalize()} "
                                                            f"extension has {dialect.name_key!r} and {dialect.id_key!r}",
                                "extension-dialect"))
    name_shape = properties.get(dialect.name_key)
    name = name_shape[2] if name_shape is not None and name_shape[0] == "primitive" and name_shape[1] == "String" \
        else None
    faults += name_faults(name, _jsontext.child(path, dialect.name_key), strict=strict_names)
    id_shape = properties.get(dialect.id_key)
    if id_shape is not None:
        id_path = _jsontext.child(path, dialect.id_key)
        if request:
            faults.append(Fault(id_path, f"{dialect.id_key!r} is assigned by the service; leave it out of a request",
                                "extension-id"))
        elif name and (id_shape[0] != "primitive" or id_shape[2] not in _qualified_ids(name, dialect)):
            forms = " or ".join(repr(i) for i in sorted(_qualified_ids(name, dialect)))
            faults.append(Fault(id_path, f"the id should be {forms} (the name, alone or after the extension "
                                         "type, as the service gives it for the resource)", "extension-id"))
    for key, shape in properties.items():
        if key not in (dialect.name_key, dialect.id_key):
            faults += _custom_shape_faults(shape, _jsontext.child(path, key))
    return faults


@functools.lru_cache(maxsize=256)
def _qualified_ids(name: str, dialect: Dialect) -> frozenset[str]:
    """The ids a service may give extension ``name``: Graph returns the plain name on directory
    objects and the Outlook form on mailbox items (``odatakit.services.EXTENSION_ID_FORMS``)."""
    from ..services import EXTENSION_ID_FORMS

    return frozenset({form.prefix + name for form in EXTENSION_ID_FORMS if form.dialect == dialect.name}
                     | {f"{d.type}.{name}" for d in DIALECTS.values()})


def _custom_properties(value: Mapping[str, Any]) -> dict[str, Value]:
    if not isinstance(value, Mapping):
        raise TypeError(f"an extension's properties are a mapping of names to values, not {type(value).__name__} "
                        f"{value!r}")
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"an extension's property names are strings, not {type(key).__name__} {key!r}")
    named = [Fault(_jsontext.child("$", k), problem, "bad-name") for k in value
             if (problem := name_problem(k, "property")) is not None]
    if named:
        raise PayloadError(named)
    properties = {k: typed(v) for k, v in value.items()}
    faults = [f for k, v in properties.items() for f in _custom_value_faults(v, _jsontext.child("$", k))]
    if faults:
        raise PayloadError(faults)
    return properties


def _dialect(value: Dialect | str) -> Dialect:
    """A ``Dialect``, or its name (``"outlook"``, ``"graph"``)."""
    if isinstance(value, Dialect):
        return value
    if isinstance(value, str):
        if value not in DIALECTS:
            raise ValueError(f"unknown dialect {value!r}; expected one of {', '.join(map(repr, DIALECTS))}")
        return DIALECTS[value]
    raise TypeError(f"a dialect is a Dialect or one of {', '.join(map(repr, DIALECTS))}, not {type(value).__name__}")


def _optional_id(instance: Any, attribute: Any, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"an extension's id is a string or None, not {type(value).__name__} {value!r}")


def _control(value: Mapping[str, Any]) -> dict[str, Any]:
    """Control information by short name; checked here, where it is given, not when a body is written."""
    return dict(Structured(control=value).control)


@attrs.frozen
class OpenTypeExtension:
    """An open extension: its name, custom properties (primitives or collections of primitives),
    dialect, and what the service added (its id, control information such as ``@odata.id``)."""

    name: str
    properties: Mapping[str, Value] = attrs.field(factory=dict, converter=_custom_properties)
    dialect: Dialect = attrs.field(default=OUTLOOK, converter=_dialect)
    id: str | None = attrs.field(default=None, validator=_optional_id)
    control: Mapping[str, Any] = attrs.field(factory=dict, converter=_control)

    def __attrs_post_init__(self) -> None:
        faults = name_faults(self.name, f"$.{self.dialect.name_key}")
        clash = {self.dialect.name_key, self.dialect.id_key} & set(self.properties)
        faults += [Fault(f"$.{k}", f"{k!r} is declared by the extension type, not a custom property",
                         "extension-value") for k in clash]
        if faults:
            raise PayloadError(faults)

    @property
    def qualified_id(self) -> str:
        """``Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral``: the service's id, or the one it would give."""
        return self.id or f"{self.dialect.type}.{self.name}"

    @classmethod
    def from_payload(cls, payload: Any, **decode_options: Any) -> OpenTypeExtension:
        """Read an extension from a create, patch or response body (JSON text or parsed)."""
        value = decode(payload, **decode_options)
        if not isinstance(value, Structured):
            raise PayloadError([Fault("$", "an open extension is a JSON object", "extension-type")])
        return cls.from_structured(value)

    @classmethod
    def from_structured(cls, value: Structured, path: str = "$") -> OpenTypeExtension:
        faults = extension_faults(value, path)
        if faults:
            raise PayloadError(faults)
        dialect = dialect_of(value) or OUTLOOK
        id_value = value.properties.get(dialect.id_key)
        custom = {k: v for k, v in value.properties.items() if k not in (dialect.name_key, dialect.id_key)}
        return cls(value.properties[dialect.name_key].value, custom, dialect,  # type: ignore[union-attr]
                   id_value.value if isinstance(id_value, Primitive) else None, value.control)

    def to_structured(self, *, response: bool = False) -> Structured:
        """As typed values; ``response`` adds the id and control information a service returns."""
        declared: dict[str, Value] = {self.dialect.name_key: Primitive("String", self.name)}
        if response:
            declared[self.dialect.id_key] = Primitive("String", self.qualified_id)
        return Structured(self.dialect.type, {**declared, **self.properties}, self.control if response else {})

    def create_body(self, **encode_options: Any) -> dict[str, Any]:
        """The POST body that creates this extension on an existing item (201 Created)."""
        result: dict[str, Any] = encode(self.to_structured(), **encode_options)
        return result

    def patch_body(self, **encode_options: Any) -> dict[str, Any]:
        """The PATCH body that sets these properties; what happens to the others depends on the
        resource (``update_request`` and ``merge(resource=…)`` follow its rule)."""
        return self.create_body(**encode_options)

    def response_body(self, **encode_options: Any) -> dict[str, Any]:
        result: dict[str, Any] = encode(self.to_structured(response=True), **encode_options)
        return result

    def id_for(self, resource: str) -> str:
        """The id the service gives this extension on ``resource`` (``user`` → the plain name,
        ``message`` → ``Microsoft.OutlookServices.OpenTypeExtension.{name}``)."""
        from ..services import extension_id_form

        return extension_id_form(self.dialect.name, resource).prefix + self.name

    def create_request(self, item: Any, **encode_options: Any) -> Any:
        """The POST that creates this extension on ``item`` (a ``Url`` or URL text): an ``ExtensionRequest``."""
        from .extension_requests import create_request

        return create_request(self, item, **encode_options)

    def get_request(self, item: Any) -> Any:
        """The GET that reads this extension back from ``item``."""
        from .extension_requests import get_request

        return get_request(self, item)

    def update_request(self, item: Any, **encode_options: Any) -> Any:
        """The PATCH that sets these properties on ``item``, by the rule for its resource kind."""
        from .extension_requests import update_request

        return update_request(self, item, **encode_options)

    def delete_request(self, item: Any) -> Any:
        """The DELETE that removes this extension from ``item``."""
        from .extension_requests import delete_request

        return delete_request(self, item)

    def to_dialect(self, dialect: Dialect | str) -> OpenTypeExtension:
        """The same extension in the other service's dialect; custom property names keep their case.

        The id is kept as the service gave it (Graph returns Outlook ids for Outlook-backed items).
        """
        return attrs.evolve(self, dialect=_dialect(dialect))


def merge(ext: OpenTypeExtension, patch: OpenTypeExtension | Mapping[str, Any] | str, *,
          resource: str | None = None) -> OpenTypeExtension:
    """What the service holds after PATCHing ``ext`` with ``patch`` on a ``resource`` kind
    (``"user"``, ``"message"``…: ``odatakit.services.PATCH_RULES`` says how each acts).

    Merge (Outlook v2.0; Graph mailbox items): matching properties are updated, the others added,
    and a value sent without its own annotation keeps the stored type when it reads as one
    (``"500100"`` into an Int64 stays Int64); Graph refuses ``null`` there (PayloadError).
    Replace (Graph directory objects): properties left out are deleted and ``null`` clears one.
    Without ``resource`` the dialect's default applies (Graph: replace).
    """
    update = patch if isinstance(patch, OpenTypeExtension) else OpenTypeExtension.from_payload(patch)
    if update.name != ext.name:
        raise PayloadError([Fault(f"$.{ext.dialect.name_key}", f"the patch names extension {update.name!r}, "
                                                               f"not {ext.name!r}", "extension-name")])
    replaces = ext.dialect.patch_replaces
    if resource is not None:
        from ..services import patch_rule

        rule = patch_rule(ext.dialect.name, resource)
        replaces = rule.semantics == "replace"
        nulls = [Fault(_jsontext.child("$", k), f"{resource} extensions refuse null in a PATCH ({rule.source.url})",
                       "extension-null") for k, v in update.properties.items() if v is None]
        if nulls and not rule.null_allowed:
            raise PayloadError(nulls)
        if replaces:
            return attrs.evolve(ext, properties={k: v for k, v in update.properties.items() if v is not None})
    if replaces:
        return attrs.evolve(ext, properties=update.properties)
    merged = dict(ext.properties)
    for key, value in update.properties.items():
        merged[key] = _keep_type(merged.get(key), value)
    return attrs.evolve(ext, properties=merged)


def _keep_type(old: Value, new: Value) -> Value:
    """``new`` read as ``old``'s type when ``new`` carries only an inferred type and its text reads as it."""
    if not isinstance(old, Primitive) or not isinstance(new, Primitive) or new.value is None \
            or old.type == new.type or old.type not in edm.PRIMITIVES:
        return new
    json_value = encode(new)
    if infer_type(json_value) != new.type:
        return new  # the patch said its type: that wins
    text = json_value if isinstance(json_value, str) else _jsontext.write(json_value)
    try:
        return Primitive(old.type, edm.PRIMITIVES[old.type].parse(text))
    except ValueError:
        return new


def with_extensions(item: Mapping[str, Any], *extensions: OpenTypeExtension, **encode_options: Any) -> dict[str, Any]:
    """The create body of a new message, event or contact that carries ``extensions`` (one POST)."""
    if not extensions:
        return dict(item)
    key = extensions[0].dialect.extensions_key
    return {**item, key: [ext.create_body(**encode_options) for ext in extensions]}
