"""CSDL XML (OData CSDL XML 4.01) ⇄ model elements.

Read straight from the events of defusedxml's hardened expat parser (no DTD, no entity
expansion, no external references: a ``$metadata`` never needs them), with no element tree in
between: each element becomes its model element when it ends, its children already built.
Annotation expressions become their CSDL JSON form (§14.4), so an XML and a JSON document of
the same model read into equal elements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..query._nodes import unchecked
from . import elements as E
from .errors import ModelError

__all__ = ["read_xml", "write_xml", "EDMX", "EDM", "MAX_DEPTH"]

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
#: How expat (namespace separator "}") spells a tag of each namespace: ``…/edm}Property``.
_XP = EDMX + "}"
_EP = EDM + "}"

#: Annotations (the one element that may hold itself) and skipped elements nest at most this deep, an
#: annotation expression at most ``E.MAX_VALUE_DEPTH``: deeper is refused as it is read, so nothing that
#: reads, writes or compares the model recurses without bound.
MAX_DEPTH = 256

#: Constant expressions (§14.4.1) whose JSON form is a plain string.
_STRING_CONSTANTS = frozenset({"String", "EnumMember", "Date", "DateTimeOffset", "Duration", "Guid", "TimeOfDay", "Binary"})
#: Path expressions (§14.4.2): JSON ``{"$Path": …}`` and so on.
_PATHS = frozenset({"Path", "PropertyPath", "NavigationPropertyPath", "AnnotationPath", "ModelElementPath"})
#: Attributes that hold an annotation's value inline (``String="x"``, ``Path="A/B"``).
_INLINE = frozenset({*_STRING_CONSTANTS, "Bool", "Int", "Decimal", "Float", *_PATHS})
#: Dynamic expressions kept as ``{"$Name": [operands], "$Attr": value}``.
_DYNAMIC = frozenset({
    "Apply", "Cast", "If", "IsOf", "LabeledElement", "LabeledElementReference", "Not", "And", "Or",
    "Eq", "Ne", "Gt", "Ge", "Lt", "Le", "Has", "In", "Add", "Sub", "Neg", "Mul", "Div", "DivBy", "Mod",
    "UrlRef",
})


def _shown(tag: str) -> str:
    """A tag as messages show it: ``Property`` in the edm namespace, else ElementTree's ``{ns}name``."""
    if tag.startswith(_EP):
        return tag[len(_EP):]
    return "{" + tag if "}" in tag else tag


# ---------------------------------------------------------------------------------------------
# Reading: one _Kind per element kind, a stack of open elements, a model element per end event
# ---------------------------------------------------------------------------------------------

#: A frame of the stack of open elements: (kind, attributes, built children, expression depth).
Frame = tuple[Any, ...]
#: What ``build`` returns for an element whose content is ignored: nothing reaches the parent.
_NOTHING = object()


class _Kind:
    """How one kind of element reads: the children it takes (expat tag → kind, anything else goes to
    ``other``), the attribute it cannot do without, how it is named in errors, what it builds."""

    __slots__ = ("local", "label", "name_attribute", "root", "children", "other", "build")

    def __init__(self, local: str, build: Callable[[_Reader, dict[str, str], list[Any]], Any], *,
                 label: str | None = None, name: str | None = None, root: bool = False,
                 other: Callable[[_Reader, Frame, str, dict[str, str]], None] | None = None) -> None:
        self.local = local  # the element's name (``Property``, ``String``)
        self.label = label  # how errors name it; None: errors inside name the enclosing element
        self.name_attribute = name
        self.root = root  # the error path starts here (``Schema 'ns'``, ``edmx:Reference 'uri'``)
        self.children: dict[str, _Kind] = {}
        self.other = other if other is not None else _Reader.skip
        self.build = build


class _Reader:
    """One document: the stack of open elements, interned type uses (most properties share a
    handful), and the error path (``Schema 'ns' / EntityType 'T' / Property 'P'``), formatted
    from the stack only when an error names it."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.stack: list[Frame] = [(_DOCUMENT, {}, [], 0)]
        self.typerefs: dict[tuple[Any, ...], E.TypeRef] = {}
        self.plain: dict[tuple[str | None, str | None], E.TypeRef] = {}  # no facet but Nullable

    def read(self, data: bytes) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
        stack = self.stack
        push = stack.append
        pop = stack.pop
        reader = self
        nothing = _NOTHING

        # The two handlers run once per element: kept to a few lookups. An attribute a builder needs
        # is read as attributes["Name"]; when it is missing, the KeyError becomes the ModelError.
        def start(tag: str, attributes: dict[str, str]) -> None:
            parent = stack[-1]
            kind = parent[0].children.get(tag)
            if kind is None:
                parent[0].other(reader, parent, tag, attributes)
            else:
                push((kind, attributes, [], 0))

        def end(tag: str) -> None:
            frame = stack[-1]
            try:
                built = frame[0].build(reader, frame[1], frame[2])
            except KeyError as error:
                raise reader.missing(frame, error) from None
            pop()
            if built is not nothing:
                stack[-1][2].append(built)

        parser = self.parser
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.Parse(data, True)
        return stack[0][2][0]  # type: ignore[no-any-return]

    # -- where, and the errors that name it -----------------------------------------------------
    def where(self, upto: int | None = None) -> str:
        """The open elements (up to ``upto``) as an error names them."""
        parts: list[str] = []
        for kind, attributes, _, _ in self.stack[:upto]:
            if kind.label is None:
                continue
            name = None if kind.name_attribute is None else attributes.get(kind.name_attribute)
            text = kind.label if name is None else f"{kind.label} {name!r}"
            if kind.root:
                parts = [text]
            else:
                parts.append(text)
        return " / ".join(parts)

    def missing(self, frame: Frame, error: KeyError) -> ModelError:
        """The element ending lacks an attribute its builder read (named by its kind, without a name)."""
        attribute = error.args[0] if error.args else None
        if not isinstance(attribute, str) or attribute in frame[1]:
            raise error  # not a missing attribute: a bug, shown as one
        return ModelError(f"missing the {attribute} attribute", self.where())

    def deep(self) -> None:
        if len(self.stack) > MAX_DEPTH:
            raise ModelError(f"elements nest too deeply to read (more than {MAX_DEPTH} levels)", "XML document")

    # -- pushing elements that are not in the parent's table ------------------------------------
    def skip(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        """An element the parent does not read (another vocabulary's, documentation): its subtree is skipped."""
        self.deep()
        self.stack.append((_SKIP, attributes, [], 0))

    def refuse(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        """Where every child must be known (``Schema``, ``edmx:Edmx``): an unknown one is an error."""
        kind = parent[0]
        if kind is _SCHEMA:
            raise ModelError(f"<{_shown(tag)}> is not a schema element", self.where())
        if kind is _SERVICES:
            raise ModelError(f"<{_shown(tag)}> inside edmx:DataServices is not a Schema",
                             "edmx:DataServices")
        raise ModelError(f"unexpected <{_shown(tag)}>", "edmx:Edmx")

    def root(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        if tag != _XP + "Edmx":
            raise ModelError(f"the root element is <{_shown(tag)}>, not <edmx:Edmx> in namespace {EDMX}", "document")
        version = attributes.get("Version")
        if version not in ("4.0", "4.01"):
            raise ModelError(f"Version={version!r}: odatakit reads CSDL 4.0 and 4.01", "edmx:Edmx")
        self.stack.append((_EDMX, attributes, [], 0))

    def expression(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        """The first expression child of an Annotation or PropertyValue, or an operand: checked for
        depth and kind here, built when it ends."""
        holder = parent[0]
        if holder is _ANNOTATION or holder is _PROPERTY_VALUE:
            # value_of: an inline attribute wins, then the first expression child; the rest is not read
            if any(name in _INLINE for name in parent[1]) or any(type(c) is not E.Annotation for c in parent[2]):
                self.skip(parent, tag, attributes)
                return
            depth = 0 if holder is _ANNOTATION else parent[3] + 1
        else:
            depth = parent[3] + 1
        if depth > E.MAX_VALUE_DEPTH:
            raise ModelError(f"an annotation expression nests deeper than {E.MAX_VALUE_DEPTH} levels", self.where())
        kind = _EXPRESSIONS.get(tag)
        if kind is None:
            raise ModelError(f"<{_shown(tag)}> is not an annotation expression CSDL knows", self.where())
        frame: Frame = (kind, attributes, [], depth)
        self.stack.append(frame)
        if kind.build is _Reader.constant_element:
            self.parser.CharacterDataHandler = frame[2].append  # its text, up to its first child

    def operand(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        """A child of Collection or a dynamic expression: an expression, annotations skipped."""
        if tag == _EP + "Annotation":
            self.skip(parent, tag, attributes)
        else:
            self.expression(parent, tag, attributes)

    def record_member(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        """A child of Record: a PropertyValue (one level deeper) or an annotation of the record."""
        if tag == _EP + "PropertyValue":
            self.stack.append((_PROPERTY_VALUE, attributes, [], parent[3]))
        elif tag == _EP + "Annotation":
            self.stack.append((_ANNOTATION, attributes, [], 0))
        else:
            self.skip(parent, tag, attributes)

    def text_over(self, parent: Frame, tag: str, attributes: dict[str, str]) -> None:
        """A child inside a constant: its text ends here (ElementTree's ``text``), the child is skipped."""
        self.parser.CharacterDataHandler = None
        self.skip(parent, tag, attributes)

    # -- values of attributes -------------------------------------------------------------------
    def boolean(self, attributes: dict[str, str], name: str, default: bool) -> bool:
        text = attributes.get(name)
        if text is None:
            return default
        if text == "true":
            return True
        if text == "false":
            return False
        raise ModelError(f"{name}={text!r} is not true or false", self.where())

    def false(self, attributes: dict[str, str], name: str) -> bool:
        """A Boolean attribute that is false when absent (most are absent)."""
        return name in attributes and self.boolean(attributes, name, False)

    def integer(self, text: str | None, name: str, words: tuple[str, ...] = ()) -> int | str | None:
        if text is None or text in words:
            return text
        if not text.isdigit():
            raise ModelError(f"{name}={text!r} is not a non-negative integer" +
                             (f" or {' / '.join(words)}" if words else ""), self.where())
        return int(text)

    def typeref(self, attributes: dict[str, str], others: int = 1) -> E.TypeRef:
        """The type use of an element with ``others`` attributes besides ``Type`` and its facets (a
        Property's or Parameter's Name). Most carry no facet but Nullable: those take one lookup."""
        size = len(attributes) - others
        if size == 1 or (size == 2 and "Nullable" in attributes):  # no facet but Nullable
            plain = (attributes.get("Type"), attributes.get("Nullable"))
            found = self.plain.get(plain)
            if found is None:
                raw, nullable = plain
                if raw is None:
                    return self.faceted(attributes)  # names the missing attribute
                collection = raw.startswith("Collection(") and raw.endswith(")")
                found = self.plain[plain] = E.TypeRef(
                    raw[11:-1] if collection else raw, collection,
                    nullable is None or self.boolean(attributes, "Nullable", True))
            return found
        return self.faceted(attributes)

    def faceted(self, attributes: dict[str, str], attribute: str = "Type") -> E.TypeRef:
        get = attributes.get
        raw = get(attribute)
        key = (raw, get("Nullable"), get("MaxLength"), get("Precision"), get("Scale"), get("SRID"), get("Unicode"))
        found = self.typerefs.get(key)
        if found is not None:
            return found
        if raw is None:
            raise ModelError(f"missing the {attribute} attribute", self.where())
        collection = raw.startswith("Collection(") and raw.endswith(")")
        made = E.TypeRef(
            raw[11:-1] if collection else raw, collection, self.boolean(attributes, "Nullable", True),
            self.integer(key[2], "MaxLength", ("max",)),
            self.integer(key[3], "Precision"),  # type: ignore[arg-type]
            self.integer(key[4], "Scale", ("variable", "floating")),
            key[5], None if key[6] is None else self.boolean(attributes, "Unicode", True),
        )
        self.typerefs[key] = made
        return made

    # -- annotations and their expressions (§14) ------------------------------------------------
    def value_of(self, attributes: dict[str, str], children: list[Any]) -> Any:
        """What an Annotation or PropertyValue holds: an inline attribute, else its expression child."""
        for name in attributes:
            if name in _INLINE:
                return attributes[name] if name in _STRING_CONSTANTS else self.constant(name, attributes[name])
        for child in children:
            if type(child) is not E.Annotation:
                return child
        return True  # §14.3: an annotation without an expression is a Boolean true

    def annotation(self, attributes: dict[str, str], children: list[Any]) -> E.Annotation:
        if len(self.stack) > MAX_DEPTH:  # the innermost of nested annotations ends first
            self.deep()
        value = self.value_of(attributes, children)
        qualifier = attributes.get("Qualifier")
        if qualifier is None:
            outer = self.stack[-2]
            if outer[0] is _ANNOTATIONS:  # the block's qualifier applies to each annotation in it
                qualifier = outer[1].get("Qualifier")
        return _annotation(attributes["Term"], value, qualifier,
                           tuple([child for child in children if type(child) is E.Annotation]) if children else ())

    def property_value(self, attributes: dict[str, str], children: list[Any]) -> tuple[str, Any, list[E.Annotation]]:
        return (attributes["Property"], self.value_of(attributes, children),
                [child for child in children if type(child) is E.Annotation])

    def constant(self, name: str, text: str) -> Any:
        if name in _STRING_CONSTANTS:
            return text
        if name in _PATHS:
            return {"$" + name: text}
        if name == "Bool":
            if text not in ("true", "false"):
                raise ModelError(f"Bool {text!r} is not true or false", self.where())
            return text == "true"
        try:
            if name == "Int":
                return int(text)
            number = Decimal(text)
        except (ValueError, InvalidOperation):
            raise ModelError(f"{name} {text!r} is not a number", self.where()) from None
        return int(number) if number == number.to_integral_value() and "." not in text and "e" not in text.lower() else number

    def constant_element(self, attributes: dict[str, str], children: list[Any]) -> Any:
        self.parser.CharacterDataHandler = None
        return self.constant(self.stack[-1][0].local, "".join(children))

    def null(self, attributes: dict[str, str], children: list[Any]) -> Any:
        return {"$Null": None}

    def collection(self, attributes: dict[str, str], children: list[Any]) -> Any:
        return children

    def record(self, attributes: dict[str, str], children: list[Any]) -> Any:
        record: dict[str, Any] = {}
        if attributes.get("Type") is not None:
            record["@type"] = attributes["Type"]
        for child in children:
            if type(child) is E.Annotation:
                _put_annotation(record, "", child)
            else:
                prop, value, notes = child
                record[prop] = value
                for nested in notes:
                    _put_annotation(record, prop, nested)
        return record

    def dynamic(self, attributes: dict[str, str], children: list[Any]) -> Any:
        view: dict[str, Any] = {"$" + self.stack[-1][0].local: children}
        for attribute, value in attributes.items():
            view["$" + ("{" + attribute if "}" in attribute else attribute)] = value
        return view

    # -- structure ------------------------------------------------------------------------------
    def edmx(self, attributes: dict[str, str], children: list[Any]) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
        references = [child for child in children if type(child) is E.Reference]
        services = [child for child in children if type(child) is list]
        if len(services) != 1:
            raise ModelError(f"needs exactly one edmx:DataServices, found {len(services)}", "edmx:Edmx")
        return attributes["Version"], tuple(references), tuple(services[0])

    def services(self, attributes: dict[str, str], children: list[Any]) -> list[E.Schema]:
        return children

    def reference(self, attributes: dict[str, str], children: list[Any]) -> E.Reference:
        includes: list[E.Include] = []
        include_annotations: list[E.IncludeAnnotations] = []
        notes: list[E.Annotation] = []
        for child in children:
            kind = type(child)
            (includes if kind is E.Include else include_annotations if kind is E.IncludeAnnotations else notes).append(child)
        return E.Reference(attributes["Uri"], includes, include_annotations, notes)

    def include(self, attributes: dict[str, str], children: list[Any]) -> E.Include:
        return E.Include(attributes["Namespace"], attributes.get("Alias"), children)

    def include_annotations(self, attributes: dict[str, str], children: list[Any]) -> E.IncludeAnnotations:
        return E.IncludeAnnotations(attributes["TermNamespace"], attributes.get("Qualifier"), attributes.get("TargetNamespace"))

    def schema(self, attributes: dict[str, str], children: list[Any]) -> E.Schema:
        found: dict[type, list[Any]] = {kind: [] for kind in _SCHEMA_CHILDREN}
        for child in children:
            found[type(child)].append(child)
        containers = found[E.EntityContainer]
        if len(containers) > 1:
            raise ModelError("more than one EntityContainer", self.where())
        blocks: dict[str, list[E.Annotation]] = {}
        for target, notes in found[tuple]:
            blocks.setdefault(target, []).extend(notes)
        actions, functions = E.ordered_operations(found[E.Action], found[E.Function])
        return E.Schema(
            attributes["Namespace"], attributes.get("Alias"), found[E.EntityType], found[E.ComplexType],
            found[E.EnumType], found[E.TypeDefinition], actions, functions, found[E.Term],
            containers[0] if containers else None, [_block(t, tuple(a)) for t, a in blocks.items()],
            found[E.Annotation])

    def annotations_block(self, attributes: dict[str, str], children: list[Any]) -> tuple[str, list[E.Annotation]]:
        return attributes["Target"], children

    def members(self, children: list[Any]) -> tuple[list[E.Property], list[E.NavigationProperty],
                                                     list[E.PropertyRef], list[E.Annotation]]:
        """A structured type's children sorted: properties, navigations, key parts, annotations."""
        properties: list[E.Property] = []
        navigations: list[E.NavigationProperty] = []
        key: list[E.PropertyRef] = []
        notes: list[E.Annotation] = []
        for child in children:
            kind = type(child)
            if kind is E.Property:
                properties.append(child)
            elif kind is E.NavigationProperty:
                navigations.append(child)
            elif kind is E.Annotation:
                notes.append(child)
            else:
                key.extend(child)
        return properties, navigations, key, notes

    def entity_type(self, attributes: dict[str, str], children: list[Any]) -> E.EntityType:
        properties, navigations, key, notes = self.members(children)
        return E.EntityType(
            attributes["Name"], tuple(key), attributes.get("BaseType"), self.false(attributes, "Abstract"),
            self.false(attributes, "OpenType"), self.false(attributes, "HasStream"),
            tuple(properties), tuple(navigations), tuple(notes))

    def complex_type(self, attributes: dict[str, str], children: list[Any]) -> E.ComplexType:
        properties, navigations, key, notes = self.members(children)
        if key:
            raise ModelError("a complex type has no key", self.where())
        return E.ComplexType(
            attributes["Name"], attributes.get("BaseType"), self.false(attributes, "Abstract"),
            self.false(attributes, "OpenType"), tuple(properties), tuple(navigations), tuple(notes))

    def property(self, attributes: dict[str, str], children: list[Any]) -> E.Property:
        name = attributes["Name"]
        size = len(attributes)
        if size == 2 or (size == 3 and "Nullable" in attributes):  # typeref's fast path, inline: Name, Type, Nullable
            ref = self.plain.get((attributes.get("Type"), attributes.get("Nullable"))) or self.typeref(attributes)
        else:
            ref = self.typeref(attributes)
        return _property(name, ref, attributes.get("DefaultValue"), tuple(children))

    def key(self, attributes: dict[str, str], children: list[Any]) -> list[E.PropertyRef]:
        return children

    def property_ref(self, attributes: dict[str, str], children: list[Any]) -> E.PropertyRef:
        return _property_ref(attributes["Name"], attributes.get("Alias"))

    def navigation(self, attributes: dict[str, str], children: list[Any]) -> E.NavigationProperty:
        ref = self.faceted(attributes)
        constraints, notes, on_delete = [], [], None
        for child in children:
            kind = type(child)
            if kind is E.ReferentialConstraint:
                constraints.append(child)
            elif kind is E.Annotation:
                notes.append(child)
            else:
                on_delete = child
        return E.NavigationProperty(  # a collection is never nullable (NavigationProperty.__attrs_post_init__)
            attributes["Name"], ref.type, ref.collection, ref.nullable and not ref.collection, attributes.get("Partner"),
            self.false(attributes, "ContainsTarget"), tuple(constraints), on_delete, tuple(notes))

    def referential_constraint(self, attributes: dict[str, str], children: list[Any]) -> E.ReferentialConstraint:
        return E.ReferentialConstraint(attributes["Property"], attributes["ReferencedProperty"], children)

    def on_delete(self, attributes: dict[str, str], children: list[Any]) -> str:
        return attributes["Action"]

    def enum_type(self, attributes: dict[str, str], children: list[Any]) -> E.EnumType:
        flags = self.false(attributes, "IsFlags")
        members: list[E.EnumMember] = []
        notes: list[E.Annotation] = []
        for child in children:
            if type(child) is E.Annotation:
                notes.append(child)
                continue
            if type(child) is tuple:  # a member without a Value
                member, member_notes = child
                if flags:
                    raise ModelError(f"member {member!r} of a flags enumeration needs a Value", self.where())
                # §10.3.2: unspecified values count from 0 in document order
                child = _enum_member(member, len(members), tuple(member_notes))
            members.append(child)
        return E.EnumType(attributes["Name"], tuple(members), attributes.get("UnderlyingType", "Edm.Int32"), flags,
                          tuple(notes))

    def member(self, attributes: dict[str, str], children: list[Any]) -> E.EnumMember | tuple[str, list[E.Annotation]]:
        """The member, or (name, annotations) when its value comes from its position in the enumeration."""
        name = attributes["Name"]
        text = attributes.get("Value")
        if text is None:
            return name, children
        try:
            value = int(text)
        except ValueError:
            raise ModelError(f"member {name!r} has Value={text!r}, not an integer", self.where(-1)) from None
        return _enum_member(name, value, tuple(children))

    def type_definition(self, attributes: dict[str, str], children: list[Any]) -> E.TypeDefinition:
        return E.TypeDefinition(attributes["Name"], self.faceted(attributes, "UnderlyingType"), children)

    def operation(self, attributes: dict[str, str], children: list[Any]) -> E.Action | E.Function:
        parameters, notes, returns = [], [], None
        for child in children:
            kind = type(child)
            if kind is E.Parameter:
                parameters.append(child)
            elif kind is E.Annotation:
                notes.append(child)
            else:
                returns = child
        bound = self.false(attributes, "IsBound")
        if bound and not parameters:
            raise ModelError("a bound operation needs its binding parameter", self.where())
        if self.stack[-1][0] is _FUNCTION:
            if returns is None:
                raise ModelError("a function needs a ReturnType", self.where())
            return E.Function(attributes["Name"], tuple(parameters), returns, bound,
                             self.false(attributes, "IsComposable"), attributes.get("EntitySetPath"), tuple(notes))
        return E.Action(attributes["Name"], tuple(parameters), returns, bound, attributes.get("EntitySetPath"), tuple(notes))

    def parameter(self, attributes: dict[str, str], children: list[Any]) -> E.Parameter:
        return _parameter(attributes["Name"], self.typeref(attributes), tuple(children))

    def return_type(self, attributes: dict[str, str], children: list[Any]) -> E.ReturnType:
        return _return_type(self.typeref(attributes, 0), tuple(children))

    def term(self, attributes: dict[str, str], children: list[Any]) -> E.Term:
        applies = attributes.get("AppliesTo")
        return E.Term(attributes["Name"], self.faceted(attributes), attributes.get("BaseTerm"),
                      tuple(applies.split()) if applies else (), attributes.get("DefaultValue"), tuple(children))

    def container(self, attributes: dict[str, str], children: list[Any]) -> E.EntityContainer:
        found: dict[type, list[Any]] = {kind: [] for kind in _CONTAINER_CHILDREN}
        for child in children:
            found[type(child)].append(child)
        return E.EntityContainer(attributes["Name"], attributes.get("Extends"), found[E.EntitySet], found[E.Singleton],
                                 found[E.ActionImport], found[E.FunctionImport], found[E.Annotation])

    def bindings(self, children: list[Any]) -> tuple[list[E.NavigationPropertyBinding], list[E.Annotation]]:
        bindings: list[E.NavigationPropertyBinding] = []
        notes: list[E.Annotation] = []
        for child in children:
            (notes if type(child) is E.Annotation else bindings).append(child)
        return bindings, notes

    def entity_set(self, attributes: dict[str, str], children: list[Any]) -> E.EntitySet:
        bindings, notes = self.bindings(children)
        return E.EntitySet(attributes["Name"], attributes["EntityType"], bindings,
                           self.boolean(attributes, "IncludeInServiceDocument", True), notes)

    def singleton(self, attributes: dict[str, str], children: list[Any]) -> E.Singleton:
        bindings, notes = self.bindings(children)
        return E.Singleton(attributes["Name"], attributes["Type"], bindings,
                           self.boolean(attributes, "Nullable", False), notes)

    def binding(self, attributes: dict[str, str], children: list[Any]) -> E.NavigationPropertyBinding:
        return E.NavigationPropertyBinding(attributes["Path"], attributes["Target"])

    def action_import(self, attributes: dict[str, str], children: list[Any]) -> E.ActionImport:
        return E.ActionImport(attributes["Name"], attributes["Action"], attributes.get("EntitySet"), children)

    def function_import(self, attributes: dict[str, str], children: list[Any]) -> E.FunctionImport:
        return E.FunctionImport(attributes["Name"], attributes["Function"], attributes.get("EntitySet"),
                                self.boolean(attributes, "IncludeInServiceDocument", False), children)

    def nothing(self, attributes: dict[str, str], children: list[Any]) -> Any:
        return _NOTHING


# Unchecked constructors (odatakit.query._nodes) for the small elements a model has by the thousand:
# the same frozen element without attrs' per-field converters (those of more than four fields cost as
# much either way). Every field positionally, tuples as tuples; tests/test_model_csdl.py holds what
# the reader builds to the checked classes.
_property = unchecked(E.Property)
_annotation = unchecked(E.Annotation)
_block = unchecked(E.AnnotationsBlock)
_property_ref = unchecked(E.PropertyRef)
_enum_member = unchecked(E.EnumMember)
_parameter = unchecked(E.Parameter)
_return_type = unchecked(E.ReturnType)

_SCHEMA_CHILDREN = (E.EntityType, E.ComplexType, E.EnumType, E.TypeDefinition, E.Action, E.Function, E.Term,
                    E.EntityContainer, tuple, E.Annotation)
_CONTAINER_CHILDREN = (E.EntitySet, E.Singleton, E.ActionImport, E.FunctionImport, E.Annotation)

R = _Reader
_DOCUMENT = _Kind("", R.nothing, other=R.root)
_SKIP = _Kind("", R.nothing)
_EDMX = _Kind("edmx:Edmx", R.edmx, other=R.refuse)
_SERVICES = _Kind("edmx:DataServices", R.services, other=R.refuse)
_REFERENCE = _Kind("edmx:Reference", R.reference, label="edmx:Reference", name="Uri", root=True)
_INCLUDE = _Kind("edmx:Include", R.include)
_INCLUDE_ANNOTATIONS = _Kind("edmx:IncludeAnnotations", R.include_annotations)
_SCHEMA = _Kind("Schema", R.schema, label="Schema", name="Namespace", root=True, other=R.refuse)
_ANNOTATIONS = _Kind("Annotations", R.annotations_block, label="Annotations", name="Target")
_ANNOTATION = _Kind("Annotation", R.annotation, label="Annotation", name="Term", other=R.expression)
_PROPERTY_VALUE = _Kind("PropertyValue", R.property_value, label="PropertyValue", name="Property", other=R.expression)


def _named(local: str, build: Callable[[_Reader, dict[str, str], list[Any]], Any]) -> _Kind:
    """An element with a ``Name``, which errors inside it name."""
    return _Kind(local, build, label=local, name="Name")


_ENTITY_TYPE = _named("EntityType", R.entity_type)
_COMPLEX_TYPE = _named("ComplexType", R.complex_type)
_PROPERTY = _named("Property", R.property)
_NAVIGATION = _named("NavigationProperty", R.navigation)
_KEY = _Kind("Key", R.key, label="Key")
_PROPERTY_REF = _Kind("PropertyRef", R.property_ref)
_CONSTRAINT = _Kind("ReferentialConstraint", R.referential_constraint)
_ON_DELETE = _Kind("OnDelete", R.on_delete)
_ENUM_TYPE = _named("EnumType", R.enum_type)
_MEMBER = _named("Member", R.member)
_TYPE_DEFINITION = _named("TypeDefinition", R.type_definition)
_ACTION = _named("Action", R.operation)
_FUNCTION = _named("Function", R.operation)
_PARAMETER = _named("Parameter", R.parameter)
_RETURN_TYPE = _Kind("ReturnType", R.return_type, label="ReturnType")
_TERM = _named("Term", R.term)
_CONTAINER = _named("EntityContainer", R.container)
_ENTITY_SET = _named("EntitySet", R.entity_set)
_SINGLETON = _named("Singleton", R.singleton)
_BINDING = _Kind("NavigationPropertyBinding", R.binding)
_ACTION_IMPORT = _named("ActionImport", R.action_import)
_FUNCTION_IMPORT = _named("FunctionImport", R.function_import)

#: Annotation expressions (§14.4) by expat tag; they are transparent in error paths.
_EXPRESSIONS: dict[str, _Kind] = {
    **{_EP + name: _Kind(name, R.constant_element, other=R.text_over)
       for name in (*_STRING_CONSTANTS, *_PATHS, "Bool", "Int", "Decimal", "Float")},
    _EP + "Null": _Kind("Null", R.null),
    _EP + "Collection": _Kind("Collection", R.collection, other=R.operand),
    _EP + "Record": _Kind("Record", R.record, other=R.record_member),
    **{_EP + name: _Kind(name, R.dynamic, other=R.operand) for name in _DYNAMIC},
}

_NOTES = {_EP + "Annotation": _ANNOTATION}
_EDMX.children = {_XP + "Reference": _REFERENCE, _XP + "DataServices": _SERVICES}
_SERVICES.children = {_EP + "Schema": _SCHEMA}
_REFERENCE.children = {_XP + "Include": _INCLUDE, _XP + "IncludeAnnotations": _INCLUDE_ANNOTATIONS, **_NOTES}
_SCHEMA.children = {_EP + kind.local: kind for kind in (
    _ENTITY_TYPE, _COMPLEX_TYPE, _ENUM_TYPE, _TYPE_DEFINITION, _ACTION, _FUNCTION, _TERM, _CONTAINER, _ANNOTATIONS,
    _ANNOTATION)}
for _structured in (_ENTITY_TYPE, _COMPLEX_TYPE):
    _structured.children = {_EP + "Property": _PROPERTY, _EP + "NavigationProperty": _NAVIGATION, _EP + "Key": _KEY,
                            **_NOTES}
_KEY.children = {_EP + "PropertyRef": _PROPERTY_REF}
_NAVIGATION.children = {_EP + "ReferentialConstraint": _CONSTRAINT, _EP + "OnDelete": _ON_DELETE, **_NOTES}
_ENUM_TYPE.children = {_EP + "Member": _MEMBER, **_NOTES}
for _operation in (_ACTION, _FUNCTION):
    _operation.children = {_EP + "Parameter": _PARAMETER, _EP + "ReturnType": _RETURN_TYPE, **_NOTES}
_CONTAINER.children = {_EP + kind.local: kind for kind in (_ENTITY_SET, _SINGLETON, _ACTION_IMPORT, _FUNCTION_IMPORT,
                                                           _ANNOTATION)}
for _root in (_ENTITY_SET, _SINGLETON):
    _root.children = {_EP + "NavigationPropertyBinding": _BINDING, **_NOTES}
for _annotated in (_INCLUDE, _ANNOTATIONS, _ANNOTATION, _PROPERTY_VALUE, _PROPERTY, _CONSTRAINT, _MEMBER, _TYPE_DEFINITION,
                   _PARAMETER, _RETURN_TYPE, _TERM, _ACTION_IMPORT, _FUNCTION_IMPORT):
    _annotated.children = dict(_NOTES)
del R


def _put_annotation(record: dict[str, Any], prefix: str, annotation: E.Annotation) -> None:
    """An annotation inside a record, as CSDL JSON writes it: ``Prop@Term#Q`` (or ``@Term#Q``)."""
    key = f"{prefix}@{annotation.term}" + (f"#{annotation.qualifier}" if annotation.qualifier else "")
    record[key] = annotation.value
    for nested in annotation.annotations:
        _put_annotation(record, key, nested)


def read_xml(data: bytes) -> tuple[str, tuple[E.Reference, ...], tuple[E.Schema, ...]]:
    """Parse a CSDL XML document (hardened) into its version, references and schemas.

    The document is read as it is parsed; when the reader finds a model error, the rest of the
    document is still parsed, so a refused or malformed document says so first (as it would had it
    been parsed whole before being read)."""
    from xml.parsers.expat import ExpatError

    from defusedxml.common import DefusedXmlException

    try:
        return _Reader(_hardened()).read(data)
    except ModelError as error:
        if error.element == "XML document":
            raise
        failed = error
    except (DefusedXmlException, ExpatError) as error:
        raise _xml_error(error) from None
    try:
        _hardened().Parse(data, True)  # no element handlers: expat alone, in C
    except (DefusedXmlException, ExpatError) as error:
        raise _xml_error(error) from None
    raise failed


def _hardened() -> Any:
    """An expat parser with defusedxml's handlers installed (a DTD, an entity declaration or an external
    reference raises) and no other: the reader sets its own element handlers, so no tree is built."""
    import defusedxml.ElementTree as DET

    parser = DET.DefusedXMLParser(target=_NoTarget(), forbid_dtd=True, forbid_entities=True, forbid_external=True).parser
    parser.DefaultHandlerExpand = None  # text and comments are dropped in C; constants take their text
    parser.ordered_attributes = False  # attributes as a dict, built by expat
    return parser


class _NoTarget:
    """A parser target with no methods, so defusedxml's parser installs no element handlers of its own."""


def _xml_error(error: Any) -> ModelError:
    """A refusal (defusedxml) or a well-formedness error (expat) as the ModelError that names it."""
    from xml.parsers.expat import ExpatError

    if isinstance(error, ExpatError):
        return ModelError(f"not well-formed XML at line {error.lineno}, column {error.offset + 1}: {error}",
                          "XML document")
    return ModelError(f"refused: {type(error).__name__} ({error}); a CSDL document needs no DTD or entities",
                      "XML document")


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
