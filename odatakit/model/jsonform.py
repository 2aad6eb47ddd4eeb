"""CSDL JSON (OData CSDL JSON 4.01) ⇄ model elements.

Defaults follow the JSON form (§ "$Nullable" absent means false, "$Type" absent means
Edm.String, "$Kind" absent means a property), so a JSON document and its XML twin read equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import elements as E
from .errors import ModelError

__all__ = ["read_json", "write_json", "annotations_from"]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ModelError(f"the member {key!r} appears twice in one JSON object", "JSON document")
        result[key] = value
    return result


def _split_annotation(key: str) -> tuple[str, str | None, list[str]]:
    """``Term#Q@Nested`` → (term, qualifier, rest)."""
    head, *rest = key.split("@")
    term, _, qualifier = head.partition("#")
    return term, qualifier or None, rest


def annotations_from(obj: dict[str, Any], prefix: str) -> tuple[E.Annotation, ...]:
    """The annotations ``obj`` holds for ``prefix`` (``""`` for the object itself): keys
    ``prefix@Term#Q``, with ``prefix@Term#Q@Nested`` as annotations of that annotation."""
    start = prefix + "@"
    top: dict[str, tuple[str, str | None, Any]] = {}
    nested: dict[str, list[tuple[str, Any]]] = {}
    for key, value in obj.items():
        if not key.startswith(start) or (prefix == "" and key == "@type"):
            continue
        rest = key[len(start):]
        if "@" in rest:
            owner, _, inner = rest.partition("@")
            nested.setdefault(owner, []).append((inner, value))
        else:
            head, _, qualifier = rest.partition("#")
            top[rest] = (head, qualifier or None, value)
    found = []
    for key, (term, qual, value) in top.items():
        if E.value_depth(value) > E.MAX_VALUE_DEPTH:
            raise ModelError(f"the value of @{term} nests deeper than {E.MAX_VALUE_DEPTH} levels", "JSON document")
        inner_obj = {"@" + k: v for k, v in nested.get(key, [])}
        found.append(E.Annotation(term, value, qual, annotations_from(inner_obj, "")))
    return tuple(found)


class _Reader:
    def __init__(self) -> None:
        self.typerefs: dict[tuple[Any, ...], E.TypeRef] = {}

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ModelError(f"expected a JSON object, found {type(value).__name__}", where)
        return value

    def flag(self, obj: dict[str, Any], name: str, where: str, default: bool = False) -> bool:
        value = obj.get(name, default)
        if not isinstance(value, bool):
            raise ModelError(f"{name} is {value!r}, not true or false", where)
        return value

    def string(self, obj: dict[str, Any], name: str, where: str, default: str | None = None) -> str | None:
        value = obj.get(name, default)
        if value is not None and not isinstance(value, str):
            raise ModelError(f"{name} is {value!r}, not a string", where)
        return value

    def typeref(self, obj: dict[str, Any], where: str, attribute: str = "$Type") -> E.TypeRef:
        get = obj.get
        key = (get(attribute, "Edm.String"), get("$Collection", False), get("$Nullable", False), get("$MaxLength"),
               get("$Precision"), get("$Scale"), get("$SRID"), get("$Unicode"))
        found = self.typerefs.get(key)
        if found is not None:
            return found
        name = self.string(obj, attribute, where, "Edm.String")
        for facet, words in (("$MaxLength", ("max",)), ("$Precision", ()), ("$Scale", ("variable", "floating"))):
            value = get(facet)
            if value is not None and value not in words and not (isinstance(value, int) and not isinstance(value, bool)
                                                                 and value >= 0):
                raise ModelError(f"{facet} is {value!r}, not a non-negative integer", where)
        srid = get("$SRID")
        made = E.TypeRef(name or "Edm.String", self.flag(obj, "$Collection", where), self.flag(obj, "$Nullable", where),
                         key[3], key[4], key[5], None if srid is None else str(srid),
                         None if key[7] is None else self.flag(obj, "$Unicode", where))
        self.typerefs[key] = made
        return made

    def default(self, obj: dict[str, Any]) -> str | None:
        value = obj.get("$DefaultValue")
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def document(self, doc: Any) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
        doc = self.obj(doc, "JSON document")
        version = doc.get("$Version")
        if version not in ("4.0", "4.01"):
            raise ModelError(f"$Version={version!r}: odatakit reads CSDL JSON 4.0 and 4.01", "JSON document")
        container_name = self.string(doc, "$EntityContainer", "JSON document")
        references = []
        for uri, raw in self.obj(doc.get("$Reference", {}), "$Reference").items():
            where = f"$Reference {uri!r}"
            ref = self.obj(raw, where)
            includes = [E.Include(self.string(self.obj(i, where), "$Namespace", where) or "", i.get("$Alias"),
                                  annotations_from(i, "")) for i in ref.get("$Include", [])]
            include_annotations = [E.IncludeAnnotations(self.string(self.obj(i, where), "$TermNamespace", where) or "",
                                                        i.get("$Qualifier"), i.get("$TargetNamespace"))
                                   for i in ref.get("$IncludeAnnotations", [])]
            references.append(E.Reference(uri, includes, include_annotations, annotations_from(ref, "")))
        schemas = []
        for namespace, raw in doc.items():
            if namespace.startswith("$") or namespace.startswith("@"):
                continue
            schemas.append(self.schema(namespace, self.obj(raw, f"Schema {namespace!r}"), container_name))
        return version, tuple(references), tuple(schemas)

    def schema(self, namespace: str, obj: dict[str, Any], container_name: str | None) -> E.Schema:
        where = f"Schema {namespace!r}"
        kinds: dict[str, list[Any]] = {name: [] for name in _KINDS}
        container = None
        for name, raw in obj.items():
            if name.startswith("$") or name.startswith("@"):
                continue
            if isinstance(raw, list):  # overloads of an action or function
                for overload in raw:
                    overload = self.obj(overload, f"{where} / {name!r}")
                    kind = overload.get("$Kind")
                    if kind not in ("Action", "Function"):
                        raise ModelError(f"an array member must hold actions or functions, not $Kind={kind!r}",
                                         f"{where} / {name!r}")
                    kinds[kind].append(self.operation(name, kind, overload, where))
                continue
            element = self.obj(raw, f"{where} / {name!r}")
            kind = element.get("$Kind")
            if kind == "EntityContainer":
                container = self.container(name, element, where)
                continue
            read = _KINDS.get(str(kind)) if kind not in ("Action", "Function") else None
            if read is None:
                raise ModelError(f"$Kind={kind!r} is not a schema element kind", f"{where} / {name!r}")
            kinds[str(kind)].append(read(self, name, element, where))
        blocks = [E.AnnotationsBlock(target, annotations_from(self.obj(value, f"{where} / $Annotations"), ""))
                  for target, value in self.obj(obj.get("$Annotations", {}), where).items()]
        if container is not None and container_name is not None and container_name.rpartition(".")[2] != container.name:
            raise ModelError(f"$EntityContainer names {container_name!r}, but the container here is {container.name!r}", where)
        actions, functions = E.ordered_operations(kinds["Action"], kinds["Function"])
        return E.Schema(namespace, self.string(obj, "$Alias", where), kinds["EntityType"], kinds["ComplexType"],
                        kinds["EnumType"], kinds["TypeDefinition"], actions, functions, kinds["Term"],
                        container, blocks, annotations_from(obj, ""))

    def members(self, obj: dict[str, Any], where: str) -> tuple[list[E.Property], list[E.NavigationProperty]]:
        properties, navigations = [], []
        for name, raw in obj.items():
            if name.startswith("$") or "@" in name:
                continue
            here = f"{where} / {name!r}"
            member = self.obj(raw, here)
            kind = member.get("$Kind", "Property")
            if kind == "Property":
                properties.append(E.Property(name, self.typeref(member, here), self.default(member),
                                             annotations_from(member, "")))
            elif kind == "NavigationProperty":
                ref = self.typeref(member, here)
                constraints = self.obj(member.get("$ReferentialConstraint", {}), here)
                navigations.append(E.NavigationProperty(
                    name, ref.type, ref.collection, ref.nullable and not ref.collection,
                    self.string(member, "$Partner", here),
                    self.flag(member, "$ContainsTarget", here),
                    [E.ReferentialConstraint(p, r, annotations_from(constraints, p))
                     for p, r in constraints.items() if "@" not in p],
                    self.string(self.obj(member.get("$OnDelete", {}), here), "$Action", here) if "$OnDelete" in member
                    else None, annotations_from(member, "")))
            else:
                raise ModelError(f"$Kind={kind!r} is not a property or navigation property", here)
        return properties, navigations

    def entity_type(self, name: str, obj: dict[str, Any], where: str) -> E.EntityType:
        here = f"{where} / EntityType {name!r}"
        key = []
        for part in obj.get("$Key", []):
            if isinstance(part, str):
                key.append(E.PropertyRef(part))
            else:
                (alias, path), = self.obj(part, here).items()
                key.append(E.PropertyRef(path, alias))
        properties, navigations = self.members(obj, here)
        return E.EntityType(name, key, self.string(obj, "$BaseType", here), self.flag(obj, "$Abstract", here),
                            self.flag(obj, "$OpenType", here), self.flag(obj, "$HasStream", here), properties,
                            navigations, annotations_from(obj, ""))

    def complex_type(self, name: str, obj: dict[str, Any], where: str) -> E.ComplexType:
        here = f"{where} / ComplexType {name!r}"
        properties, navigations = self.members(obj, here)
        return E.ComplexType(name, self.string(obj, "$BaseType", here), self.flag(obj, "$Abstract", here),
                             self.flag(obj, "$OpenType", here), properties, navigations, annotations_from(obj, ""))

    def enum_type(self, name: str, obj: dict[str, Any], where: str) -> E.EnumType:
        here = f"{where} / EnumType {name!r}"
        members = []
        for member, value in obj.items():
            if member.startswith("$") or "@" in member:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise ModelError(f"member {member!r} has the value {value!r}, not an integer", here)
            members.append(E.EnumMember(member, value, annotations_from(obj, member)))
        return E.EnumType(name, members, self.string(obj, "$UnderlyingType", here, "Edm.Int32") or "Edm.Int32",
                          self.flag(obj, "$IsFlags", here), annotations_from(obj, ""))

    def type_definition(self, name: str, obj: dict[str, Any], where: str) -> E.TypeDefinition:
        here = f"{where} / TypeDefinition {name!r}"
        if "$UnderlyingType" not in obj:
            raise ModelError("missing $UnderlyingType", here)
        return E.TypeDefinition(name, self.typeref({**obj, "$Nullable": True}, here, "$UnderlyingType"),
                                annotations_from(obj, ""))

    def operation(self, name: str, kind: str, obj: dict[str, Any], where: str) -> E.Action | E.Function:
        here = f"{where} / {kind} {name!r}"
        parameters = []
        for raw in obj.get("$Parameter", []):
            parameter = self.obj(raw, here)
            pname = self.string(parameter, "$Name", here)
            if pname is None:
                raise ModelError("a parameter without $Name", here)
            parameters.append(E.Parameter(pname, self.typeref(parameter, f"{here} / Parameter {pname!r}"),
                                          annotations_from(parameter, "")))
        returns = None
        if "$ReturnType" in obj:
            raw = self.obj(obj["$ReturnType"], here)
            returns = E.ReturnType(self.typeref(raw, f"{here} / $ReturnType"), annotations_from(raw, ""))
        bound = self.flag(obj, "$IsBound", here)
        if bound and not parameters:
            raise ModelError("a bound operation needs its binding parameter", here)
        if kind == "Function":
            if returns is None:
                raise ModelError("a function needs a $ReturnType", here)
            return E.Function(name, parameters, returns, bound, self.flag(obj, "$IsComposable", here),
                              self.string(obj, "$EntitySetPath", here), annotations_from(obj, ""))
        return E.Action(name, parameters, returns, bound, self.string(obj, "$EntitySetPath", here), annotations_from(obj, ""))

    def term(self, name: str, obj: dict[str, Any], where: str) -> E.Term:
        here = f"{where} / Term {name!r}"
        return E.Term(name, self.typeref(obj, here), self.string(obj, "$BaseTerm", here), obj.get("$AppliesTo", ()),
                      self.default(obj), annotations_from(obj, ""))

    def container(self, name: str, obj: dict[str, Any], where: str) -> E.EntityContainer:
        here = f"{where} / EntityContainer {name!r}"
        sets, singletons, actions, functions = [], [], [], []
        for cname, raw in obj.items():
            if cname.startswith("$") or "@" in cname:
                continue
            chere = f"{here} / {cname!r}"
            item = self.obj(raw, chere)
            notes = annotations_from(item, "")
            bindings = [E.NavigationPropertyBinding(p, t)
                        for p, t in self.obj(item.get("$NavigationPropertyBinding", {}), chere).items()]
            if item.get("$Collection") is True:
                sets.append(E.EntitySet(cname, self.string(item, "$Type", chere) or "", bindings,
                                        self.flag(item, "$IncludeInServiceDocument", chere, True), notes))
            elif "$Action" in item:
                actions.append(E.ActionImport(cname, self.string(item, "$Action", chere) or "",
                                              self.string(item, "$EntitySet", chere), notes))
            elif "$Function" in item:
                functions.append(E.FunctionImport(cname, self.string(item, "$Function", chere) or "",
                                                  self.string(item, "$EntitySet", chere),
                                                  self.flag(item, "$IncludeInServiceDocument", chere), notes))
            else:
                if "$Type" not in item:
                    raise ModelError("a singleton needs $Type", chere)
                singletons.append(E.Singleton(cname, self.string(item, "$Type", chere) or "", bindings,
                                              self.flag(item, "$Nullable", chere), notes))
        return E.EntityContainer(name, self.string(obj, "$Extends", here), sets, singletons, actions, functions,
                                 annotations_from(obj, ""))


_KINDS: dict[str, Callable[..., Any]] = {
    "EntityType": _Reader.entity_type,
    "ComplexType": _Reader.complex_type,
    "EnumType": _Reader.enum_type,
    "TypeDefinition": _Reader.type_definition,
    "Action": _Reader.operation,
    "Function": _Reader.operation,
    "Term": _Reader.term,
}


def read_json(data: bytes | str) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
    """Parse a CSDL JSON document into its version, references and schemas."""
    try:
        doc = json.loads(data, object_pairs_hook=_no_duplicates, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ModelError(f"not JSON at line {error.lineno}, column {error.colno}: {error.msg}", "JSON document") from None
    except RecursionError:
        raise ModelError("nested too deeply to read", "JSON document") from None
    try:
        return _Reader().document(doc)
    except RecursionError:
        raise ModelError("annotations nest too deeply to read", "JSON document") from None


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _put(obj: dict[str, Any], annotations: tuple[E.Annotation, ...], prefix: str = "") -> None:
    for annotation in annotations:
        key = f"{prefix}@{annotation.term}" + (f"#{annotation.qualifier}" if annotation.qualifier else "")
        obj[key] = annotation.value
        _put(obj, annotation.annotations, key)


def _typeref(ref: E.TypeRef, attribute: str = "$Type", nullable_default: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ref.collection:
        out["$Collection"] = True
    if ref.type != "Edm.String" or attribute != "$Type":
        out[attribute] = ref.type
    if ref.nullable != nullable_default:
        out["$Nullable"] = ref.nullable
    for key, value in (("$MaxLength", ref.max_length), ("$Precision", ref.precision), ("$Scale", ref.scale),
                       ("$Unicode", ref.unicode)):
        if value is not None:
            out[key] = value
    if ref.srid is not None:
        out["$SRID"] = int(ref.srid) if ref.srid.isdigit() else ref.srid
    return out


def _members(out: dict[str, Any], owner: E.EntityType | E.ComplexType) -> None:
    for prop in owner.properties:
        item = _typeref(prop.type)
        if prop.default is not None:
            item["$DefaultValue"] = prop.default
        _put(item, prop.annotations)
        out[prop.name] = item
    for nav in owner.navigation_properties:
        item = {"$Kind": "NavigationProperty", "$Type": nav.target}
        if nav.collection:
            item["$Collection"] = True
        if nav.nullable and not nav.collection:
            item["$Nullable"] = True
        if nav.partner:
            item["$Partner"] = nav.partner
        if nav.contains_target:
            item["$ContainsTarget"] = True
        if nav.referential_constraints:
            constraints: dict[str, Any] = {}
            for rc in nav.referential_constraints:
                constraints[rc.property] = rc.referenced_property
                _put(constraints, rc.annotations, rc.property)
            item["$ReferentialConstraint"] = constraints
        if nav.on_delete:
            item["$OnDelete"] = {"$Action": nav.on_delete}
        _put(item, nav.annotations)
        out[nav.name] = item


def _operation(operation: E.Action | E.Function) -> dict[str, Any]:
    out: dict[str, Any] = {"$Kind": operation.kind}
    if operation.is_bound:
        out["$IsBound"] = True
    if isinstance(operation, E.Function) and operation.is_composable:
        out["$IsComposable"] = True
    if operation.entity_set_path:
        out["$EntitySetPath"] = operation.entity_set_path
    if operation.parameters:
        params = []
        for parameter in operation.parameters:
            item = {"$Name": parameter.name, **_typeref(parameter.type)}
            _put(item, parameter.annotations)
            params.append(item)
        out["$Parameter"] = params
    if operation.return_type is not None:
        item = _typeref(operation.return_type.type)
        _put(item, operation.return_type.annotations)
        out["$ReturnType"] = item
    _put(out, operation.annotations)
    return out


def _container(container: E.EntityContainer) -> dict[str, Any]:
    out: dict[str, Any] = {"$Kind": "EntityContainer"}
    if container.extends:
        out["$Extends"] = container.extends
    for s in container.entity_sets:
        item: dict[str, Any] = {"$Collection": True, "$Type": s.entity_type}
        if not s.include_in_service_document:
            item["$IncludeInServiceDocument"] = False
        if s.navigation_bindings:
            item["$NavigationPropertyBinding"] = {b.path: b.target for b in s.navigation_bindings}
        _put(item, s.annotations)
        out[s.name] = item
    for g in container.singletons:
        item = {"$Type": g.type}
        if g.nullable:
            item["$Nullable"] = True
        if g.navigation_bindings:
            item["$NavigationPropertyBinding"] = {b.path: b.target for b in g.navigation_bindings}
        _put(item, g.annotations)
        out[g.name] = item
    for a in container.action_imports:
        item = {"$Action": a.action}
        if a.entity_set:
            item["$EntitySet"] = a.entity_set
        _put(item, a.annotations)
        out[a.name] = item
    for f in container.function_imports:
        item = {"$Function": f.function}
        if f.entity_set:
            item["$EntitySet"] = f.entity_set
        if f.include_in_service_document:
            item["$IncludeInServiceDocument"] = True
        _put(item, f.annotations)
        out[f.name] = item
    _put(out, container.annotations)
    return out


def _schema(schema: E.Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if schema.alias:
        out["$Alias"] = schema.alias
    _put(out, schema.annotations)
    for enum in schema.enum_types:
        item: dict[str, Any] = {"$Kind": "EnumType"}
        if enum.underlying_type != "Edm.Int32":
            item["$UnderlyingType"] = enum.underlying_type
        if enum.is_flags:
            item["$IsFlags"] = True
        for member in enum.members:
            item[member.name] = member.value
            _put(item, member.annotations, member.name)
        _put(item, enum.annotations)
        out[enum.name] = item
    for definition in schema.type_definitions:
        item = {"$Kind": "TypeDefinition", **_typeref(definition.underlying, "$UnderlyingType", True)}
        _put(item, definition.annotations)
        out[definition.name] = item
    for complex_type in schema.complex_types:
        item = {"$Kind": "ComplexType"}
        for key, value in (("$BaseType", complex_type.base_type), ("$Abstract", complex_type.abstract or None),
                           ("$OpenType", complex_type.open_type or None)):
            if value is not None:
                item[key] = value
        _members(item, complex_type)
        _put(item, complex_type.annotations)
        out[complex_type.name] = item
    for entity in schema.entity_types:
        item = {"$Kind": "EntityType"}
        for key, value in (("$BaseType", entity.base_type), ("$Abstract", entity.abstract or None),
                           ("$OpenType", entity.open_type or None), ("$HasStream", entity.has_stream or None)):
            if value is not None:
                item[key] = value
        if entity.key:
            item["$Key"] = [ref.name if ref.alias is None else {ref.alias: ref.name} for ref in entity.key]
        _members(item, entity)
        _put(item, entity.annotations)
        out[entity.name] = item
    for operation in schema.operations:
        overloads = out.setdefault(operation.name, [])
        if not isinstance(overloads, list):
            raise ModelError(f"{operation.name!r} is both a {overloads.get('$Kind')} and an {operation.kind}; a CSDL JSON "
                             "schema holds one member per name (CSDL §5.1 forbids the clash)",
                             f"Schema {schema.namespace!r}")
        overloads.append(_operation(operation))
    for term in schema.terms:
        item = {"$Kind": "Term", **_typeref(term.type)}
        if term.base_term:
            item["$BaseTerm"] = term.base_term
        if term.applies_to:
            item["$AppliesTo"] = list(term.applies_to)
        if term.default is not None:
            item["$DefaultValue"] = term.default
        _put(item, term.annotations)
        out[term.name] = item
    if schema.entity_container is not None:
        out[schema.entity_container.name] = _container(schema.entity_container)
    if schema.annotation_blocks:
        blocks: dict[str, Any] = {}
        for block in schema.annotation_blocks:
            _put(blocks.setdefault(block.target, {}), block.annotations)
        out["$Annotations"] = blocks
    return out


def to_document(version: str, references: tuple[E.Reference, ...], schemas: tuple[E.Schema, ...]) -> dict[str, Any]:
    """The CSDL JSON document as Python data (exact numbers as Decimal)."""
    doc: dict[str, Any] = {"$Version": version}
    for schema in schemas:
        if schema.entity_container is not None:
            doc["$EntityContainer"] = f"{schema.namespace}.{schema.entity_container.name}"
    if references:
        refs: dict[str, Any] = {}
        for reference in references:
            item: dict[str, Any] = {}
            if reference.includes:
                includes = []
                for include in reference.includes:
                    entry = {"$Namespace": include.namespace}
                    if include.alias:
                        entry["$Alias"] = include.alias
                    _put(entry, include.annotations)
                    includes.append(entry)
                item["$Include"] = includes
            if reference.include_annotations:
                item["$IncludeAnnotations"] = [
                    {k: v for k, v in (("$TermNamespace", ia.term_namespace), ("$Qualifier", ia.qualifier),
                                       ("$TargetNamespace", ia.target_namespace)) if v is not None}
                    for ia in reference.include_annotations]
            _put(item, reference.annotations)
            refs[reference.uri] = item
        doc["$Reference"] = refs
    for schema in schemas:
        doc[schema.namespace] = _schema(schema)
    return doc


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return float(o)  # only reached through json.dumps fallbacks; write_json formats Decimals itself
        return super().default(o)


def write_json(version: str, references: tuple[E.Reference, ...], schemas: tuple[E.Schema, ...], indent: int | None = 2) -> str:
    """A CSDL JSON document; Decimal numbers are written with their exact digits."""
    return _dumps(to_document(version, references, schemas), indent)


def _dumps(value: Any, indent: int | None) -> str:
    # json cannot write a Decimal exactly; wrap each as a marker string and splice its digits back in.
    marks: list[str] = []

    def swap(item: Any) -> Any:
        if isinstance(item, Decimal):
            marks.append(str(item))
            return f"\x00decimal{len(marks) - 1}\x00"
        if isinstance(item, dict):
            return {k: swap(v) for k, v in item.items()}
        if isinstance(item, list):
            return [swap(v) for v in item]
        return item

    text = json.dumps(swap(value), indent=indent, ensure_ascii=False)
    for index, digits in enumerate(marks):
        text = text.replace(f'"\\u0000decimal{index}\\u0000"', digits, 1)
    return text
