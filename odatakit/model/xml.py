"""CSDL XML (OData CSDL XML 4.01) ⇄ model elements.

Read with defusedxml (no DTD, no entity expansion, no external references: a ``$metadata``
never needs them), then one function per element kind. Annotation expressions become their CSDL
JSON form (§14.4), so an XML and a JSON document of the same model read into equal elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder
from xml.sax.saxutils import escape, quoteattr

from . import elements as E
from .errors import ModelError

__all__ = ["read_xml", "write_xml", "EDMX", "EDM"]

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
_X = "{" + EDMX + "}"
_E = "{" + EDM + "}"
_LX = len(_X)
_PROPERTY = _E + "Property"
_NAVIGATION = _E + "NavigationProperty"
_ANNOTATION = _E + "Annotation"
_KEY = _E + "Key"
_LE = len(_E)

#: Constant expressions (§14.4.1) whose JSON form is a plain string.
_STRING_CONSTANTS = ("String", "EnumMember", "Date", "DateTimeOffset", "Duration", "Guid", "TimeOfDay", "Binary")
#: Path expressions (§14.4.2): JSON ``{"$Path": …}`` and so on.
_PATHS = ("Path", "PropertyPath", "NavigationPropertyPath", "AnnotationPath", "ModelElementPath")
#: Attributes that hold an annotation's value inline (``String="x"``, ``Path="A/B"``).
_INLINE = frozenset({*_STRING_CONSTANTS, "Bool", "Int", "Decimal", "Float", *_PATHS})
#: Dynamic expressions kept as ``{"$Name": [operands], "$Attr": value}``.
_DYNAMIC = frozenset({
    "Apply", "Cast", "If", "IsOf", "LabeledElement", "LabeledElementReference", "Not", "And", "Or",
    "Eq", "Ne", "Gt", "Ge", "Lt", "Le", "Has", "In", "Add", "Sub", "Neg", "Mul", "Div", "DivBy", "Mod",
    "UrlRef",
})


class _At:
    """Where an element is (``Schema 'ns' / EntityType 'T' / Property 'P'``), formatted only when an
    error names it: a model of 50,000 elements reads without formatting 50,000 paths."""

    __slots__ = ("parent", "kind", "name")

    def __init__(self, parent: Any, kind: str, name: str | None = None) -> None:
        self.parent, self.kind, self.name = parent, kind, name

    def __str__(self) -> str:
        return f"{self.parent} / {self.kind}" + ("" if self.name is None else f" {self.name!r}")


def _local(element: Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag[_LE:] if tag.startswith(_E) else tag


def _children(element: Element, name: str) -> Iterable[Element]:
    tag = _E + name
    return (child for child in element if child.tag == tag)


class _Reader:
    """One document: interns type uses (most properties share a handful) and names elements in errors."""

    def __init__(self) -> None:
        self.typerefs: dict[tuple[Any, ...], E.TypeRef] = {}

    # -- values of attributes -------------------------------------------------------------------
    def boolean(self, element: Element, name: str, default: bool, where: Any) -> bool:
        text = element.get(name)
        if text is None:
            return default
        if text not in ("true", "false"):
            raise ModelError(f"{name}={text!r} is not true or false", where)
        return text == "true"

    def integer(self, text: str | None, name: str, where: Any, words: tuple[str, ...] = ()) -> int | str | None:
        if text is None or text in words:
            return text
        if not text.isdigit():
            raise ModelError(f"{name}={text!r} is not a non-negative integer" +
                             (f" or {' / '.join(words)}" if words else ""), where)
        return int(text)

    def required(self, element: Element, name: str, where: Any, kind: str | None = None) -> str:
        """An attribute that must be there; ``kind`` names the element in the error (``where / kind``)."""
        value = element.get(name)
        if value is None:
            raise ModelError(f"missing the {name} attribute", where if kind is None else _At(where, kind))
        return value

    def typeref(self, element: Element, where: Any, attribute: str = "Type", nullable: bool = True) -> E.TypeRef:
        get = element.get
        raw = get(attribute)
        key = (raw, get("Nullable"), get("MaxLength"), get("Precision"), get("Scale"), get("SRID"),
               get("Unicode"), nullable)
        found = self.typerefs.get(key)
        if found is not None:
            return found
        if raw is None:
            raise ModelError(f"missing the {attribute} attribute", where)
        collection = raw.startswith("Collection(") and raw.endswith(")")
        made = E.TypeRef(
            raw[11:-1] if collection else raw, collection, self.boolean(element, "Nullable", nullable, where),
            self.integer(key[2], "MaxLength", where, ("max",)),
            self.integer(key[3], "Precision", where),  # type: ignore[arg-type]
            self.integer(key[4], "Scale", where, ("variable", "floating")),
            key[5], None if key[6] is None else self.boolean(element, "Unicode", True, where),
        )
        self.typerefs[key] = made
        return made

    # -- annotations ----------------------------------------------------------------------------
    def annotations(self, element: Element, where: Any, qualifier: str | None = None) -> tuple[E.Annotation, ...]:
        if not len(element):
            return ()
        found = []
        for child in element:
            if child.tag == _E + "Annotation":
                found.append(self.annotation(child, where, qualifier))
        return tuple(found)

    def annotation(self, element: Element, where: Any, qualifier: str | None = None) -> E.Annotation:
        term = self.required(element, "Term", where, "Annotation")
        here = _At(where, "Annotation", term)
        return E.Annotation(term, self.value_of(element, here), element.get("Qualifier", qualifier),
                            self.annotations(element, here))

    def value_of(self, element: Element, where: Any, depth: int = 0) -> Any:
        """The expression an Annotation or PropertyValue holds: an attribute or one child element."""
        for name, text in element.attrib.items():
            if name in _INLINE:
                return self.constant(name, text, where)
        for child in element:
            if _local(child) != "Annotation":
                return self.expression(child, where, depth)
        return True  # §14.3: an annotation without an expression is a Boolean true

    def constant(self, name: str, text: str, where: Any) -> Any:
        if name in _STRING_CONSTANTS:
            return text
        if name in _PATHS:
            return {"$" + name: text}
        if name == "Bool":
            if text not in ("true", "false"):
                raise ModelError(f"Bool {text!r} is not true or false", where)
            return text == "true"
        try:
            if name == "Int":
                return int(text)
            number = Decimal(text)
        except (ValueError, InvalidOperation):
            raise ModelError(f"{name} {text!r} is not a number", where) from None
        return int(number) if number == number.to_integral_value() and "." not in text and "e" not in text.lower() else number

    def expression(self, element: Element, where: Any, depth: int = 0) -> Any:
        if depth > E.MAX_VALUE_DEPTH:
            raise ModelError(f"an annotation expression nests deeper than {E.MAX_VALUE_DEPTH} levels", where)
        name = _local(element)
        if name in _STRING_CONSTANTS or name in _PATHS or name in ("Bool", "Int", "Decimal", "Float"):
            return self.constant(name, element.text or "", where)
        if name == "Null":
            return {"$Null": None}
        if name == "Collection":
            return [self.expression(child, where, depth + 1) for child in element if _local(child) != "Annotation"]
        if name == "Record":
            record: dict[str, Any] = {}
            if element.get("Type") is not None:
                record["@type"] = element.get("Type")
            for child in element:
                local = _local(child)
                if local == "PropertyValue":
                    prop = self.required(child, "Property", where, "PropertyValue")
                    here = _At(where, "PropertyValue", prop)
                    record[prop] = self.value_of(child, here, depth + 1)
                    for nested in self.annotations(child, here):
                        _put_annotation(record, prop, nested)
                elif local == "Annotation":
                    _put_annotation(record, "", self.annotation(child, where))
            return record
        if name in _DYNAMIC:
            view: dict[str, Any] = {"$" + name: [self.expression(c, where, depth + 1) for c in element
                                                 if _local(c) != "Annotation"]}
            for attribute, value in element.attrib.items():
                view["$" + attribute] = value
            return view
        raise ModelError(f"<{name}> is not an annotation expression CSDL knows", where)

    # -- structure ------------------------------------------------------------------------------
    def document(self, root: Element) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
        if root.tag != _X + "Edmx":
            raise ModelError(f"the root element is <{root.tag}>, not <edmx:Edmx> in namespace {EDMX}", "document")
        version = root.get("Version")
        if version not in ("4.0", "4.01"):
            raise ModelError(f"Version={version!r}: odatakit reads CSDL 4.0 and 4.01", "edmx:Edmx")
        references = []
        schemas: list[E.Schema] = []
        services = 0
        for child in root:
            if child.tag == _X + "Reference":
                references.append(self.reference(child))
            elif child.tag == _X + "DataServices":
                services += 1
                for schema in child:
                    if schema.tag != _E + "Schema":
                        raise ModelError(f"<{schema.tag}> inside edmx:DataServices is not a Schema", "edmx:DataServices")
                    schemas.append(self.schema(schema))
            elif isinstance(child.tag, str):
                raise ModelError(f"unexpected <{child.tag}>", "edmx:Edmx")
        if services != 1:
            raise ModelError(f"needs exactly one edmx:DataServices, found {services}", "edmx:Edmx")
        return version, tuple(references), tuple(schemas)

    def reference(self, element: Element) -> E.Reference:
        uri = self.required(element, "Uri", "edmx:Reference")
        where = f"edmx:Reference {uri!r}"
        includes, include_annotations = [], []
        for child in element:
            if child.tag == _X + "Include":
                includes.append(E.Include(self.required(child, "Namespace", where), child.get("Alias"),
                                          self.annotations(child, where)))
            elif child.tag == _X + "IncludeAnnotations":
                include_annotations.append(E.IncludeAnnotations(
                    self.required(child, "TermNamespace", where), child.get("Qualifier"), child.get("TargetNamespace")))
        return E.Reference(uri, includes, include_annotations, self.annotations(element, where))

    def schema(self, element: Element) -> E.Schema:
        namespace = self.required(element, "Namespace", "Schema")
        where = f"Schema {namespace!r}"
        kinds: dict[str, list[Any]] = {name: [] for name in _SCHEMA_READERS}
        blocks: dict[str, list[E.Annotation]] = {}
        container = None
        for child in element:
            found = _SCHEMA_TAGS.get(child.tag)  # type: ignore[arg-type]
            if found is not None:
                kinds[found[0]].append(found[1](self, child, where))
                continue
            name = _local(child)
            if name == "EntityContainer":
                if container is not None:
                    raise ModelError("more than one EntityContainer", where)
                container = self.container(child, where)
            elif name == "Annotations":
                target = self.required(child, "Target", where, "Annotations")
                blocks.setdefault(target, []).extend(
                    self.annotations(child, _At(where, "Annotations", target), child.get("Qualifier")))
            elif name != "Annotation" and isinstance(child.tag, str):
                raise ModelError(f"<{name}> is not a schema element", where)
        actions, functions = E.ordered_operations(kinds["Action"], kinds["Function"])
        return E.Schema(
            namespace, element.get("Alias"), kinds["EntityType"], kinds["ComplexType"], kinds["EnumType"],
            kinds["TypeDefinition"], actions, functions, kinds["Term"],
            container, [E.AnnotationsBlock(t, a) for t, a in blocks.items()], self.annotations(element, where),
        )

    def members(self, element: Element, where: Any) -> tuple[list[E.Property], list[E.NavigationProperty],
                                                               list[E.PropertyRef], tuple[E.Annotation, ...]]:
        """One pass over a structured type's children: properties, navigations, key, annotations."""
        properties: list[E.Property] = []
        navigations: list[E.NavigationProperty] = []
        key: list[E.PropertyRef] = []
        notes: list[E.Annotation] = []
        for child in element:
            tag = child.tag
            if tag == _PROPERTY:
                name = self.required(child, "Name", where, "Property")
                here = _At(where, "Property", name)
                properties.append(E.Property(name, self.typeref(child, here), child.get("DefaultValue"),
                                             self.annotations(child, here) if len(child) else ()))
            elif tag == _NAVIGATION:
                navigations.append(self.navigation(child, where))
            elif tag == _ANNOTATION:
                notes.append(self.annotation(child, where))
            elif tag == _KEY:
                key.extend(E.PropertyRef(self.required(ref, "Name", where, "Key"), ref.get("Alias"))
                           for ref in _children(child, "PropertyRef"))
        return properties, navigations, key, tuple(notes)

    def navigation(self, element: Element, where: Any) -> E.NavigationProperty:
        name = self.required(element, "Name", where, "NavigationProperty")
        here = _At(where, "NavigationProperty", name)
        ref = self.typeref(element, here)
        constraints, on_delete = [], None
        for child in element:
            local = _local(child)
            if local == "ReferentialConstraint":
                constraints.append(E.ReferentialConstraint(
                    self.required(child, "Property", here), self.required(child, "ReferencedProperty", here),
                    self.annotations(child, here)))
            elif local == "OnDelete":
                on_delete = self.required(child, "Action", here)
        return E.NavigationProperty(
            name, ref.type, ref.collection, ref.nullable and not ref.collection, element.get("Partner"),
            self.boolean(element, "ContainsTarget", False, here), constraints, on_delete,
            self.annotations(element, here))

    def entity_type(self, element: Element, where: Any) -> E.EntityType:
        name = self.required(element, "Name", where, "EntityType")
        here = _At(where, "EntityType", name)
        properties, navigations, key, notes = self.members(element, here)
        return E.EntityType(
            name, key, element.get("BaseType"), self.boolean(element, "Abstract", False, here),
            self.boolean(element, "OpenType", False, here), self.boolean(element, "HasStream", False, here),
            properties, navigations, notes)

    def complex_type(self, element: Element, where: Any) -> E.ComplexType:
        name = self.required(element, "Name", where, "ComplexType")
        here = _At(where, "ComplexType", name)
        properties, navigations, key, notes = self.members(element, here)
        if key:
            raise ModelError("a complex type has no key", here)
        return E.ComplexType(
            name, element.get("BaseType"), self.boolean(element, "Abstract", False, here),
            self.boolean(element, "OpenType", False, here), properties, navigations, notes)

    def enum_type(self, element: Element, where: Any) -> E.EnumType:
        name = self.required(element, "Name", where, "EnumType")
        here = _At(where, "EnumType", name)
        flags = self.boolean(element, "IsFlags", False, here)
        members = []
        for index, child in enumerate(_children(element, "Member")):
            member = self.required(child, "Name", here)
            text = child.get("Value")
            if text is None:
                if flags:
                    raise ModelError(f"member {member!r} of a flags enumeration needs a Value", here)
                value = index  # §10.3.2: unspecified values count from 0 in document order
            else:
                try:
                    value = int(text)
                except ValueError:
                    raise ModelError(f"member {member!r} has Value={text!r}, not an integer", here) from None
            members.append(E.EnumMember(member, value, self.annotations(child, _At(here, "Member", member)) if len(child) else ()))
        return E.EnumType(name, members, element.get("UnderlyingType", "Edm.Int32"), flags,
                          self.annotations(element, here))

    def type_definition(self, element: Element, where: Any) -> E.TypeDefinition:
        name = self.required(element, "Name", where, "TypeDefinition")
        here = _At(where, "TypeDefinition", name)
        return E.TypeDefinition(name, self.typeref(element, here, "UnderlyingType"), self.annotations(element, here))

    def operation(self, element: Element, where: Any) -> E.Action | E.Function:
        kind = _local(element)
        name = self.required(element, "Name", _At(where, kind))
        here = _At(where, kind, name)
        parameters, returns = [], None
        for child in element:
            local = _local(child)
            if local == "Parameter":
                pname = self.required(child, "Name", here, "Parameter")
                phere = _At(here, "Parameter", pname)
                parameters.append(E.Parameter(pname, self.typeref(child, phere), self.annotations(child, phere)))
            elif local == "ReturnType":
                returns = E.ReturnType(self.typeref(child, _At(here, "ReturnType")), self.annotations(child, here))
        bound = self.boolean(element, "IsBound", False, here)
        if bound and not parameters:
            raise ModelError("a bound operation needs its binding parameter", here)
        if kind == "Function":
            if returns is None:
                raise ModelError("a function needs a ReturnType", here)
            return E.Function(name, parameters, returns, bound, self.boolean(element, "IsComposable", False, here),
                              element.get("EntitySetPath"), self.annotations(element, here))
        return E.Action(name, parameters, returns, bound, element.get("EntitySetPath"), self.annotations(element, here))

    def term(self, element: Element, where: Any) -> E.Term:
        name = self.required(element, "Name", where, "Term")
        here = _At(where, "Term", name)
        applies = element.get("AppliesTo")
        return E.Term(name, self.typeref(element, here), element.get("BaseTerm"),
                      tuple(applies.split()) if applies else (), element.get("DefaultValue"),
                      self.annotations(element, here))

    def container(self, element: Element, where: Any) -> E.EntityContainer:
        name = self.required(element, "Name", where, "EntityContainer")
        here = _At(where, "EntityContainer", name)
        sets, singletons, actions, functions = [], [], [], []
        for child in element:
            local = _local(child)
            if local not in ("EntitySet", "Singleton", "ActionImport", "FunctionImport"):
                continue
            cname = self.required(child, "Name", _At(here, local))
            chere = _At(here, local, cname)
            notes = self.annotations(child, chere)
            if local in ("EntitySet", "Singleton"):
                bindings = [E.NavigationPropertyBinding(self.required(b, "Path", chere), self.required(b, "Target", chere))
                            for b in _children(child, "NavigationPropertyBinding")]
                if local == "EntitySet":
                    sets.append(E.EntitySet(cname, self.required(child, "EntityType", chere), bindings,
                                            self.boolean(child, "IncludeInServiceDocument", True, chere), notes))
                else:
                    singletons.append(E.Singleton(cname, self.required(child, "Type", chere), bindings,
                                                  self.boolean(child, "Nullable", False, chere), notes))
            elif local == "ActionImport":
                actions.append(E.ActionImport(cname, self.required(child, "Action", chere), child.get("EntitySet"), notes))
            else:
                functions.append(E.FunctionImport(
                    cname, self.required(child, "Function", chere), child.get("EntitySet"),
                    self.boolean(child, "IncludeInServiceDocument", False, chere), notes))
        return E.EntityContainer(name, element.get("Extends"), sets, singletons, actions, functions,
                                 self.annotations(element, here))


_SCHEMA_READERS: dict[str, Callable[[_Reader, Element, str], Any]] = {
    "EntityType": _Reader.entity_type,
    "ComplexType": _Reader.complex_type,
    "EnumType": _Reader.enum_type,
    "TypeDefinition": _Reader.type_definition,
    "Action": _Reader.operation,
    "Function": _Reader.operation,
    "Term": _Reader.term,
}


_SCHEMA_TAGS = {_E + name: (name, read) for name, read in _SCHEMA_READERS.items()}


def _put_annotation(record: dict[str, Any], prefix: str, annotation: E.Annotation) -> None:
    """An annotation inside a record, as CSDL JSON writes it: ``Prop@Term#Q`` (or ``@Term#Q``)."""
    key = f"{prefix}@{annotation.term}" + (f"#{annotation.qualifier}" if annotation.qualifier else "")
    record[key] = annotation.value
    for nested in annotation.annotations:
        _put_annotation(record, key, nested)


def read_xml(data: bytes) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
    """Parse a CSDL XML document (hardened) into its version, references and schemas."""
    import defusedxml.ElementTree as DET
    from defusedxml.common import DefusedXmlException

    try:
        # defusedxml's parser (its expat handlers refuse DTDs, entities and external references)
        # feeding the C tree builder: elements are built in C, not by the pure-Python builder.
        parser = DET.DefusedXMLParser(target=TreeBuilder(), forbid_dtd=True, forbid_entities=True,
                                      forbid_external=True)
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise ModelError(f"refused: {type(error).__name__} ({error}); a CSDL document needs no DTD or entities",
                         "XML document") from None
    except DET.ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise ModelError(f"not well-formed XML at line {line}, column {column + 1}: {error}", "XML document") from None
    try:
        return _Reader().document(root)
    except RecursionError:
        raise ModelError("elements nest too deeply to read", "XML document") from None


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _attrs(pairs: Iterable[tuple[str, Any]]) -> str:
    return "".join(f" {name}={quoteattr(_text(value))}" for name, value in pairs if value is not None)


#: Characters XML 1.0 cannot carry at all (§2.2 Char), not even as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise ModelError(f"{text[:40]!r} holds the character U+{ord(bad.group()):04X}, which XML 1.0 cannot carry; "
                         "write this model as CSDL JSON", "XML writer")
    return text


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def element(self, depth: int, tag: str, pairs: Iterable[tuple[str, Any]], body: Callable[[int], object] | None = None,
                annotations: tuple[E.Annotation, ...] = ()) -> None:
        # Inside edmx: elements the default namespace is not edm's: annotations there declare it.
        edmx = tag.startswith("edmx:")
        pad = "  " * depth
        start = f"{pad}<{tag}{_attrs(pairs)}"
        mark = len(self.lines)
        if body is not None:
            body(depth + 1)
        for annotation in annotations:
            self.annotation(depth + 1, annotation, edmx)
        if len(self.lines) == mark:
            self.lines.append(start + " />")
        else:
            self.lines.insert(mark, start + ">")
            self.lines.append(f"{pad}</{tag}>")

    def annotation(self, depth: int, annotation: E.Annotation, declare: bool = False) -> None:
        pairs: list[tuple[str, Any]] = [("Term", annotation.term), ("Qualifier", annotation.qualifier)]
        if declare:
            pairs.append(("xmlns", EDM))
        inline = _inline(annotation.value)
        if inline is not None:
            pairs.append(inline)
            self.element(depth, "Annotation", pairs, None, annotation.annotations)
        else:
            self.element(depth, "Annotation", pairs, lambda d: self.expression(d, annotation.value),
                         annotation.annotations)

    def expression(self, depth: int, value: Any) -> None:
        pad = "  " * depth
        inline = _inline(value)
        if inline is not None:
            self.lines.append(f"{pad}<{inline[0]}>{escape(_text(inline[1]), {chr(13): '&#13;'})}</{inline[0]}>")
        elif isinstance(value, list):
            self.element(depth, "Collection", (), self.each(self.expression, value))
        elif isinstance(value, dict) and "$Null" in value:
            self.lines.append(f"{pad}<Null />")
        elif isinstance(value, dict) and any(key[1:] in _DYNAMIC for key in value if key.startswith("$")):
            name = next(key[1:] for key in value if key[1:] in _DYNAMIC)
            pairs = [(key[1:], item) for key, item in value.items() if key != "$" + name]
            operands = value["$" + name]
            self.element(depth, name, pairs, self.each(self.expression, operands))
        elif isinstance(value, dict):
            self.element(depth, "Record", [("Type", value.get("@type"))], lambda d: self.record(d, value))
        else:
            raise ModelError(f"cannot write {value!r} as an annotation expression", "annotation")

    def each(self, write: Callable[[int, Any], None], items: Iterable[Any]) -> Callable[[int], None]:
        """A body that writes each item one level deeper."""
        def body(depth: int) -> None:
            for item in items:
                write(depth, item)
        return body

    def member(self, depth: int, member: E.EnumMember) -> None:
        self.element(depth, "Member", [("Name", member.name), ("Value", member.value)], None, member.annotations)

    def property_ref(self, depth: int, ref: E.PropertyRef) -> None:
        self.element(depth, "PropertyRef", [("Name", ref.name), ("Alias", ref.alias)])

    def record(self, depth: int, record: dict[str, Any]) -> None:
        for key, value in record.items():
            if key == "@type" or "@" in key:
                continue
            notes = _annotations_in(record, key)
            inline = _inline(value)
            if inline is not None:
                self.element(depth, "PropertyValue", [("Property", key), inline], None, notes)
            else:
                self.element(depth, "PropertyValue", [("Property", key)], lambda d: self.expression(d, value), notes)
        for annotation in _annotations_in(record, ""):
            self.annotation(depth, annotation)

    # -- structure ------------------------------------------------------------------------------
    def document(self, version: str, references: tuple[E.Reference, ...], schemas: tuple[E.Schema, ...]) -> str:
        self.lines.append('<?xml version="1.0" encoding="utf-8"?>')
        self.lines.append(f'<edmx:Edmx Version="{version}" xmlns:edmx="{EDMX}">')
        for reference in references:
            self.element(1, "edmx:Reference", [("Uri", reference.uri)], lambda d: self.reference(d, reference),
                         reference.annotations)
        self.lines.append("  <edmx:DataServices>")
        for schema in schemas:
            self.element(2, "Schema", [("Namespace", schema.namespace), ("Alias", schema.alias), ("xmlns", EDM)],
                         lambda d: self.schema(d, schema), schema.annotations)
        self.lines.append("  </edmx:DataServices>")
        self.lines.append("</edmx:Edmx>")
        return "\n".join(self.lines) + "\n"

    def reference(self, depth: int, reference: E.Reference) -> None:
        for include in reference.includes:
            self.element(depth, "edmx:Include", [("Namespace", include.namespace), ("Alias", include.alias)],
                         None, include.annotations)
        for ia in reference.include_annotations:
            self.element(depth, "edmx:IncludeAnnotations", [
                ("TermNamespace", ia.term_namespace), ("Qualifier", ia.qualifier), ("TargetNamespace", ia.target_namespace)])

    def schema(self, depth: int, schema: E.Schema) -> None:
        for enum in schema.enum_types:
            self.element(depth, "EnumType", [("Name", enum.name), ("UnderlyingType", _unless(enum.underlying_type, "Edm.Int32")),
                                             ("IsFlags", enum.is_flags or None)],
                         self.each(self.member, enum.members), enum.annotations)
        for definition in schema.type_definitions:
            self.element(depth, "TypeDefinition", [("Name", definition.name), *_facets(definition.underlying, "UnderlyingType")],
                         None, definition.annotations)
        for complex_type in schema.complex_types:
            self.element(depth, "ComplexType", [
                ("Name", complex_type.name), ("BaseType", complex_type.base_type), ("Abstract", complex_type.abstract or None),
                ("OpenType", complex_type.open_type or None)], lambda d: self.members(d, complex_type),
                complex_type.annotations)
        for entity in schema.entity_types:
            self.element(depth, "EntityType", [
                ("Name", entity.name), ("BaseType", entity.base_type), ("Abstract", entity.abstract or None),
                ("OpenType", entity.open_type or None), ("HasStream", entity.has_stream or None)],
                lambda d: self.entity_body(d, entity), entity.annotations)
        for operation in schema.operations:
            self.operation(depth, operation)
        for term in schema.terms:
            self.element(depth, "Term", [("Name", term.name), *_facets(term.type), ("BaseTerm", term.base_term),
                                         ("AppliesTo", " ".join(term.applies_to) or None), ("DefaultValue", term.default)],
                         None, term.annotations)
        if schema.entity_container is not None:
            self.container(depth, schema.entity_container)
        for block in schema.annotation_blocks:
            self.element(depth, "Annotations", [("Target", block.target)],
                         self.each(self.annotation, block.annotations))

    def entity_body(self, depth: int, entity: E.EntityType) -> None:
        if entity.key:
            self.element(depth, "Key", (), self.each(self.property_ref, entity.key))
        self.members(depth, entity)

    def members(self, depth: int, owner: E.EntityType | E.ComplexType) -> None:
        for prop in owner.properties:
            self.element(depth, "Property", [("Name", prop.name), *_facets(prop.type), ("DefaultValue", prop.default)],
                         None, prop.annotations)
        for nav in owner.navigation_properties:
            def body(d: int, n: E.NavigationProperty = nav) -> None:
                for rc in n.referential_constraints:
                    self.element(d, "ReferentialConstraint", [("Property", rc.property),
                                                              ("ReferencedProperty", rc.referenced_property)],
                                 None, rc.annotations)
                if n.on_delete:
                    self.element(d, "OnDelete", [("Action", n.on_delete)])
            self.element(depth, "NavigationProperty", [
                ("Name", nav.name), ("Type", f"Collection({nav.target})" if nav.collection else nav.target),
                ("Nullable", None if nav.nullable else False), ("Partner", nav.partner),
                ("ContainsTarget", nav.contains_target or None)], body, nav.annotations)

    def operation(self, depth: int, operation: E.Action | E.Function) -> None:
        pairs: list[tuple[str, Any]] = [("Name", operation.name), ("IsBound", operation.is_bound or None),
                                        ("EntitySetPath", operation.entity_set_path)]
        if isinstance(operation, E.Function):
            pairs.append(("IsComposable", operation.is_composable or None))

        def body(d: int) -> None:
            for parameter in operation.parameters:
                self.element(d, "Parameter", [("Name", parameter.name), *_facets(parameter.type)], None, parameter.annotations)
            if operation.return_type is not None:
                self.element(d, "ReturnType", _facets(operation.return_type.type), None, operation.return_type.annotations)

        self.element(depth, operation.kind, pairs, body, operation.annotations)

    def container(self, depth: int, container: E.EntityContainer) -> None:
        def bindings(d: int, items: tuple[E.NavigationPropertyBinding, ...]) -> None:
            for b in items:
                self.element(d, "NavigationPropertyBinding", [("Path", b.path), ("Target", b.target)])

        def body(d: int) -> None:
            for s in container.entity_sets:
                self.element(d, "EntitySet", [("Name", s.name), ("EntityType", s.entity_type),
                                              ("IncludeInServiceDocument", None if s.include_in_service_document else False)],
                             lambda dd: bindings(dd, s.navigation_bindings), s.annotations)
            for g in container.singletons:
                self.element(d, "Singleton", [("Name", g.name), ("Type", g.type), ("Nullable", g.nullable or None)],
                             lambda dd: bindings(dd, g.navigation_bindings), g.annotations)
            for a in container.action_imports:
                self.element(d, "ActionImport", [("Name", a.name), ("Action", a.action), ("EntitySet", a.entity_set)],
                             None, a.annotations)
            for f in container.function_imports:
                self.element(d, "FunctionImport", [("Name", f.name), ("Function", f.function), ("EntitySet", f.entity_set),
                                                   ("IncludeInServiceDocument", f.include_in_service_document or None)],
                             None, f.annotations)

        self.element(depth, "EntityContainer", [("Name", container.name), ("Extends", container.extends)], body,
                     container.annotations)


def _unless(value: Any, default: Any) -> Any:
    return None if value == default else value


def _facets(ref: E.TypeRef, attribute: str = "Type") -> list[tuple[str, Any]]:
    return [(attribute, f"Collection({ref.type})" if ref.collection else ref.type),
            ("Nullable", None if ref.nullable else False), ("MaxLength", ref.max_length),
            ("Precision", ref.precision), ("Scale", ref.scale), ("SRID", ref.srid), ("Unicode", ref.unicode)]


def _inline(value: Any) -> tuple[str, Any] | None:
    """The attribute form (``String="x"``, ``Path="A/B"``) of a constant or path value, else None."""
    if isinstance(value, bool):
        return ("Bool", value)
    if isinstance(value, int):
        return ("Int", value)
    if isinstance(value, (Decimal, float)):
        return ("Decimal", value)
    if isinstance(value, str):
        return ("String", value)
    if isinstance(value, dict) and len(value) == 1:
        (key, item), = value.items()
        if key[1:] in _PATHS and isinstance(item, str):
            return (key[1:], item)
    return None


def _annotations_in(record: dict[str, Any], prefix: str) -> tuple[E.Annotation, ...]:
    """The annotations a record holds for ``prefix`` (a property name, or "" for the record)."""
    from .jsonform import annotations_from

    return annotations_from(record, prefix)


def write_xml(version: str, references: tuple[E.Reference, ...], schemas: tuple[E.Schema, ...]) -> str:
    """A CSDL XML document for the model (annotation values in their XML expression form)."""
    return _Writer().document(version, references, schemas)
