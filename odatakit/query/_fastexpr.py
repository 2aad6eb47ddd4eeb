"""The hand-written parser for everyday query option values: one scanner, precedence climbing.

Why: a Graph-style query string is a few dozen tokens, and a table-driven LALR parse spends most
of its time on unit reductions and per-token objects. This parser reads ``$filter``, ``$orderby``,
``$select`` and ``$expand`` (nested options, recursively), ``$search``, ``$compute`` and ``$levels``
in one pass over the text, dispatching on the first character of each token; it matches literals
and names with the grammar's own terminal patterns (``grammars/*.lark`` stays the specification),
converts the common literal kinds through fast paths, builds tree nodes directly (no per-node
validation: every value it builds is one the validators accept), and counts the tree's height as
it builds, so a tree deeper than ``MAX_DEPTH`` is reported the moment it is crossed. Anything
outside its subset, and every error, raises ``Fallback``: the caller parses the text with the
grammar, which gives the same tree (a differential test holds the two to that) or the usual error.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from .. import edm
from . import tree
from . import _nodes, _tables
from ._grammar import Fallback
from .syntax import MAX_DEPTH, canonical_function_name

__all__ = ["FastExpressions", "TooDeep", "filler"]

#: Binary operator levels, loosest first (URL Conventions §5.1.1.17, as query.lark writes them;
#: read from the grammar's tables, which _tablegen generates from its rules).
_LEVELS = tuple(operators for _rule, operators in _tables.LEVELS)
#: Operator word (any case, lower-cased) → its level; ``in`` and ``has`` bind tighter (postfix).
_LEVEL_OF = {kind.strip("_").lower(): level for level, kinds in enumerate(_LEVELS) for kind in kinds}
#: Names that open a construct of their own before "(": left to the grammar.
_SPECIAL_CALLS = frozenset({"cast", "isof", "case", "any", "all", "collection"})
_TYPE_CALLS = frozenset({"cast", "isof"})
#: Operand nesting the recursive descent takes on (Python's stack); deeper goes to the grammar.
_NESTING = MAX_DEPTH // 2
_SPACES = frozenset(" \t\r\n")
_DIGITS = frozenset("0123456789")
_HEX_LETTERS = frozenset("abcdefABCDEF")
_PREFIXED = {"duration": "DURATION", "binary": "BINARY", "geography": "GEO", "geometry": "GEO"}
#: Terminals whose patterns the parser matches, by the grammar's names.
TERMINALS = ("NAME", "GUID", "DATE_TIME_OFFSET", "DATE", "TIME_OF_DAY", "DOUBLE", "DECIMAL", "INTEGER",
             "NAN_INF", "STRING", "DURATION", "BINARY", "GEO", "ENUM", "SEARCH_WORD", "SEARCH_PHRASE")
#: Literal terminals that may start with a digit or a sign, in the lexer's order (priority first).
_NUMERIC = ("DATE_TIME_OFFSET", "GUID", "DATE", "TIME_OF_DAY", "DOUBLE", "DECIMAL", "INTEGER", "NAN_INF")

#: After an operand, past whitespace: an operator word with the whitespace after it, or a
#: closer (``)`` ``,`` ``:``, which take whitespace before them: BWS).
_AFTER_SPACE = re.compile(r"[ \t\r\n]+(?:([A-Za-z]+)(?:([ \t\r\n]+)|(?![\w.]))|([,):]))")
_BWS = re.compile(r"[ \t\r\n]*")
#: A nested option's name (``$`` optional, any case, URL Conventions §5.1.2 in 4.01).
_OPTION = re.compile(r"\$?([A-Za-z]+)=")
_NESTED = {"filter", "search", "select", "orderby", "top", "skip", "count", "compute"}
_NESTED_EXPAND = _NESTED | {"expand", "levels"}
#: A strict DateTimeOffset (ASCII, no encoding, a 4-digit year): the common case, converted
#: through ``datetime``'s C checks; anything else takes the exact slow path.
_DTO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,12}))?)?"
                  r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))")


class TooDeep(Exception):
    """The tree being built is deeper than ``MAX_DEPTH`` (raised the moment that is crossed)."""


def _maker(cls: type, given: int | None = None, home: _nodes.Home | None = None) -> Callable[..., Any]:
    """A constructor for a frozen slotted attrs class that sets the slots directly: no converter,
    no validator. The first ``given`` fields are passed positionally; the rest get their defaults.
    Only for values the parser has already checked (a differential test compares the trees).
    ``home``: the module global holding it, which a large class's compiled constructor replaces."""
    return _nodes.unchecked(cls, given, home=home)


def filler(cls: type, home: _nodes.Home | None = None) -> Callable[[dict[str, Any]], Any]:
    """A constructor for a frozen slotted attrs class from a dict of some of its fields (the rest
    get their defaults), setting the slots directly: for values already checked and converted;
    ``home`` as for ``_maker``."""
    return _nodes.unchecked_from(cls, home=home)


def _later(name: str, home: str) -> Callable[..., Any]:
    """The unchecked constructor of tree class ``name``, looked up at its first call: the $search
    and $compute classes are created on first use (tree._LAZY), not when the parser loads. It
    then takes the stand-in's place as this module's global ``home``."""
    def make(*values: Any) -> Any:
        constructor = globals()[home] = getattr(_nodes, name)
        return constructor(*values)
    return make


_literal = _maker(tree.Literal)
_property = _maker(tree.Property)
_lambda_variable = _maker(tree.LambdaVariable)
_path = _maker(tree.Path)
_binary = _maker(tree.BinaryOp)
_and = _maker(tree.And)
_or = _maker(tree.Or)
_unary = _maker(tree.UnaryOp)
_in = _maker(tree.In)
_list = _maker(tree.ListExpr)
_call = _maker(tree.Call)
_lambda = _maker(tree.Lambda)
_alias = _maker(tree.Alias)
_variable = _maker(tree.Variable)
_type_cast = _maker(tree.TypeCast)
_select_item = _maker(tree.SelectItem, 1, (globals(), "_select_item"))
_expand_item = _maker(tree.ExpandItem, 1, (globals(), "_expand_item"))
_select_filler = filler(tree.SelectItem, (globals(), "_select_filler"))
_expand_filler = filler(tree.ExpandItem, (globals(), "_expand_filler"))
_select = _maker(tree.Select)
_expand = _maker(tree.Expand)
_orderby = _maker(tree.OrderBy)
_compute = _later('Compute', '_compute')
_compute_item = _later('ComputeItem', '_compute_item')
_search = _later('Search', '_search')
_search_word = _later('SearchWord', '_search_word')
_search_phrase = _later('SearchPhrase', '_search_phrase')
_search_and = _later('SearchAnd', '_search_and')
_search_or = _later('SearchOr', '_search_or')
_search_not = _later('SearchNot', '_search_not')
_orderby_item = _maker(tree.OrderByItem)
_date = _maker(edm.Date)
_time = _maker(edm.TimeOfDay)
_dto = _maker(edm.DateTimeOffset)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_TRUE = tree.Literal("Boolean", True)
_FALSE = tree.Literal("Boolean", False)
_NULL = tree.Literal("Null", None)
_WORDS = {"null": _NULL, "NaN": tree.Literal("Double", float("nan")), "INF": tree.Literal("Double", float("inf"))}
_STAR = tree.Star()
_COUNT = tree.Count()
_LISTABLE = tree.LISTABLE


def _date_of(y: str, m: str, d: str) -> edm.Date:
    year, month, day = int(y), int(m), int(d)
    _dt.date(year, month, day)  # ValueError for month 13, 30 February, year 0
    return _date(year, month, day)  # type: ignore[no-any-return]


def _fast_dto(text: str) -> edm.DateTimeOffset | None:
    """The common DateTimeOffset written plainly, or None (the exact slow path decides)."""
    match = _DTO.fullmatch(text)
    if match is None:
        return None
    y, mo, d, h, mi, s, fraction, sign, oh, om = match.groups()
    hour, minute, second = int(h), int(mi), int(s or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        date = _date_of(y, mo, d)
    except ValueError:
        return None
    offset = 0
    if sign is not None:
        offset_hours, offset_minutes = int(oh), int(om)
        if offset_hours > 23 or offset_minutes > 59:
            return None
        offset = offset_hours * 60 + offset_minutes
        offset = -offset if sign == "-" else offset
    time = _time(hour, minute, second, fraction.rstrip("0") if fraction else "")
    return _dto(date, time, offset)  # type: ignore[no-any-return]


#: Escapes the grammar reads as the character itself wherever that character may stand (SP,
#: SQUOTE, OPEN, CLOSE, COMMA of the ABNF: every terminal that takes one takes both), and whose
#: character, inside a literal, the literal's own decoding gives too: decoding them first
#: changes no tree. What HTTP clients encode most (``a%20eq%20%27x%27``).
_DELIMITER_ESCAPES = (("%20", " "), ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2C", ","), ("%2c", ","))


def _decode_delimiters(text: str) -> str:
    """``text`` with the delimiter escapes decoded; ``Fallback`` if any other ``%`` remains (the
    grammar decodes the rest as it lexes). A ``%`` always starts an escape, so a plain replace
    finds exactly the escapes, and no replacement makes a new one."""
    for escape, character in _DELIMITER_ESCAPES:
        if escape in text:
            text = text.replace(escape, character)
    if "%" in text:
        raise Fallback
    return text


def _pattern(patterns: Mapping[str, str], names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<{name}>{patterns[name]})" for name in names))


class FastExpressions:
    """Parses option values into the tree the grammar gives, or raises ``Fallback``.

    ``patterns`` maps terminal names (``TERMINALS``) to the grammar's regular expressions;
    ``literals`` maps literal terminal names to the parser's exact converters; ``canonical_call``
    is the parser's check of a canonical call (name, arity) that builds the ``Call``.
    """

    def __init__(self, patterns: Mapping[str, str], literals: Mapping[str, Callable[[str], Any]],
                 canonical_call: Callable[[str, list[Any], int], Any], fault: type[Exception]) -> None:
        self.numeric = _pattern(patterns, _NUMERIC)
        name = patterns["NAME"]
        self.name = re.compile(rf"{name}(?:\.{name})*")
        self.guid = re.compile(patterns["GUID"])
        self.string = re.compile(patterns["STRING"])
        self.prefixed = {kind: re.compile(patterns[kind]) for kind in ("DURATION", "BINARY", "GEO", "ENUM")}
        self.search_word = re.compile(patterns["SEARCH_WORD"])
        self.search_phrase = re.compile(patterns["SEARCH_PHRASE"])
        # The everyday lists: plain paths split at bare commas (atomic: read in one pass). A run
        # that ends the value (or its nested options, at ``;``/``)``) is the whole list; else its
        # items before its last comma are whole, and the item loop reads on from that comma.
        path = rf"{name}(?:/{name})*"
        direction = " (?:asc|desc)"
        self.select_run = re.compile(rf"(?>{path}(?:,{path})*)")
        self.orderby_run = re.compile(rf"(?>{path}(?:{direction})?(?:,{path}(?:{direction})?)*)")
        self.literals = literals
        self.canonical_call = canonical_call
        self.fault = fault
        self.state = type("State", (_State,), {
            "__slots__": (), "fast": self, "numeric_match": self.numeric.match, "string_match": self.string.match,
            "name_match": self.name.match, "guid_match": self.guid.match, "phrase_match": self.search_phrase.match,
            "word_match": self.search_word.match, "select_run": self.select_run.match,
            "orderby_run": self.orderby_run.match,
        })

    def parse(self, text: str) -> Any:
        """A common expression (``$filter``, alias values)."""
        return self.parse_value(text, "expr_value")

    def parse_orderby(self, text: str) -> Any:
        return self.parse_value(text, "orderby_value")

    def parse_value(self, text: str, start: str) -> Any:
        """The value of start rule ``start``; ``Fallback`` if outside the subset."""
        method = _STARTS.get(start)
        if method is None:
            raise Fallback
        decoded = "%" in text
        if decoded:
            text = _decode_delimiters(text)
        state = self.state()
        state.text = text
        state.length = len(text)
        state.pos = state.op_end = state.height = state.nesting = 0
        state.op = None
        state.variables = []
        try:
            result = method(state)
            if state.op != "":
                raise Fallback
        except Fallback as error:  # hook for the error path: how far the text was read and built
            error.reached = 0 if decoded else state.pos
            raise
        return result


class _State:
    """One parse: the text, the position, the token after the last operand, the last height."""

    __slots__ = ("text", "length", "pos", "op", "op_end", "height", "nesting", "variables")
    #: Set on the subclass each FastExpressions makes: the matchers, read as class attributes.
    fast: FastExpressions
    numeric_match: Callable[..., Any]
    string_match: Callable[..., Any]
    name_match: Callable[..., Any]
    guid_match: Callable[..., Any]
    phrase_match: Callable[..., Any]
    word_match: Callable[..., Any]
    select_run: Callable[..., Any]
    orderby_run: Callable[..., Any]

    # Filled in by FastExpressions.parse_value (no __init__: the interpreter's call of one costs
    # as much as reading a short value).
    text: str
    length: int
    pos: int
    op: str | None  # "" at the end, an operator word, a punctuation mark, or None
    op_end: int
    height: int
    nesting: int
    variables: list[str]  # the lambda variables in scope, innermost last

    # -- the token after an operand ---------------------------------------------------------
    def scan(self) -> None:
        """Read what follows an operand at ``pos`` into ``op``/``op_end`` (``pos`` stays)."""
        pos, text = self.pos, self.text
        if pos >= self.length:
            self.op = ""
            return
        char = text[pos]
        if char in _SPACES:
            match = _AFTER_SPACE.match(text, pos)
            if match is None:
                self.op = None
                return
            word, spaces, closer = match.groups()
            if closer is not None:
                self.op = closer
                self.op_end = _BWS.match(text, match.end()).end() if closer != ")" else match.end()  # type: ignore[union-attr]
                return
            word = word.lower()
            if spaces is None:  # asc/desc need only a boundary; operators need spaces after
                self.op = word if word in ("asc", "desc") else None
                self.op_end = match.end()
                return
            if word in ("asc", "desc"):
                self.op = word
                self.op_end = match.end(1)
                return
            self.op = word
            self.op_end = match.end()
            return
        if char in ",:":
            self.op = char
            self.op_end = _BWS.match(text, pos + 1).end()  # type: ignore[union-attr]
        elif char in ")/;":
            self.op = char
            self.op_end = pos + 1
        else:
            self.op = None

    def expect(self, op: str) -> None:
        if self.op != op:
            raise Fallback
        self.pos = self.op_end

    def lpar(self) -> None:
        """``(`` and the whitespace after it (OPEN BWS)."""
        pos = self.pos
        if pos >= self.length or self.text[pos] != "(":
            raise Fallback
        self.pos = _BWS.match(self.text, pos + 1).end()  # type: ignore[union-attr]

    def grow(self, height: int) -> int:
        """The height of a node over children of ``height``; past MAX_DEPTH the parse stops."""
        height += 1
        if height > MAX_DEPTH:
            raise TooDeep
        return height

    # -- expressions ------------------------------------------------------------------------
    def expression(self, lowest: int) -> Any:
        """Precedence climbing: operators of level ``lowest`` or tighter, left-associative;
        ``and``/``or`` chains gathered into one n-ary node as the grammar's rules give them."""
        left = self.unary()
        while True:
            op = self.op
            level = _LEVEL_OF.get(op)  # type: ignore[arg-type]
            if level is None or level < lowest:
                return left
            if level <= 1:
                kind = tree.Or if level == 0 else tree.And
                operands: list[Any] = []
                height = 0
                item, item_height = left, self.height
                while True:
                    if type(item) is kind:  # a parenthesized chain of the same operator is spliced in
                        operands.extend(item.operands)
                        item_height -= 1
                    else:
                        operands.append(item)
                    if item_height > height:
                        height = item_height
                    if self.op != op:
                        break
                    self.pos = self.op_end
                    item = self.expression(level + 1)
                    item_height = self.height
                left = (_or if level == 0 else _and)(tuple(operands))
                self.height = self.grow(height)
            else:
                left_height = self.height
                self.pos = self.op_end
                right = self.expression(level + 1)
                left = _binary(op, left, right)
                height = (left_height if left_height > self.height else self.height) + 1
                if height > MAX_DEPTH:
                    raise TooDeep
                self.height = height

    def unary(self) -> Any:
        """``not``/``-`` over a unary, or a primary with its ``in``/``has`` postfixes."""
        self.nesting += 1
        if self.nesting > _NESTING:  # deep parentheses make no height; the grammar reads them
            raise Fallback
        text, pos = self.text, self.pos
        if pos >= self.length:
            raise Fallback
        char = text[pos]
        if char == "n" or char == "N":
            if text[pos:pos + 3].lower() == "not" and pos + 3 < self.length and (text[pos + 3] in _SPACES or text[pos + 3] == "("):
                self.pos = _BWS.match(text, pos + 3).end()  # type: ignore[union-attr]
                node = _unary("not", self.unary())
                self.height = self.grow(self.height)
                self.nesting -= 1
                return node
        elif char == "-" and self.numeric_match(text, pos) is None:
            self.pos = _BWS.match(text, pos + 1).end()  # type: ignore[union-attr]  # NEG = "-" BWS
            node = _unary("-", self.unary())
            self.height = self.grow(self.height)
            self.nesting -= 1
            return node
        node = self.name() if char.isalpha() else self.primary()  # a letter: what primary() would call
        while True:
            op = self.op
            if op == "in":
                left_height = self.height
                self.pos = self.op_end
                right = self.in_list()
                node = _in(node, right)
                self.height = self.grow(max(left_height, self.height))
            elif op == "has":
                left_height = self.height
                self.pos = self.op_end
                flag = self.primary()
                if not (type(flag) is tree.EnumLiteral or type(flag) is tree.Alias
                        or (type(flag) is tree.Literal and flag.type == "String")):
                    raise Fallback
                node = _binary("has", node, flag)
                self.height = self.grow(max(left_height, self.height))
            else:
                self.nesting -= 1
                return node

    def primary(self) -> Any:
        """A literal, a member path, a call, an alias or a parenthesized expression; the token
        after it is scanned."""
        text, pos = self.text, self.pos
        char = text[pos] if pos < self.length else ""
        if char == "'":
            match = self.string_match(text, pos)
            if match is None:
                raise Fallback
            body = text[pos + 1:match.end() - 1]
            node = _literal("String", body.replace("''", "'") if "''" in body else body)
            self.height = 1
            self.pos = match.end()
        elif char in _DIGITS or char == "-" or char == "+":
            node = self.numeric()
        elif char == "(":
            self.lpar()
            node = self.expression(0)
            self.expect(")")
        elif char == "@":
            node = self.alias()
        elif char == "$":
            node = self.variable_path()
            return node
        else:
            return self.name()
        self.scan()
        return node

    def numeric(self) -> Any:
        match = self.numeric_match(self.text, self.pos)
        if match is None:
            raise Fallback
        kind, value = match.lastgroup, match.group()
        self.pos = match.end()
        self.height = 1
        if kind == "INTEGER" and len(value) < 20:
            number = int(value)
            if _INT32[0] <= number <= _INT32[1]:
                return _literal("Int32", number)
            if _INT64[0] <= number <= _INT64[1]:
                return _literal("Int64", number)
            return _literal("Decimal", number)
        if kind == "DECIMAL":
            return _literal("Decimal", Decimal(value))
        if kind == "DATE_TIME_OFFSET":
            fast = _fast_dto(value)
            if fast is not None:
                return _literal("DateTimeOffset", fast)
        elif kind == "DATE" and len(value) == 10:
            try:
                return _literal("Date", _date_of(value[:4], value[5:7], value[8:]))
            except ValueError:
                pass
        elif kind == "GUID":
            return self.guid(value)
        return self.slow_literal(kind, value)  # type: ignore[arg-type]

    def guid(self, value: str) -> Any:
        return _literal("Guid", uuid.UUID(value))

    def slow_literal(self, kind: str, value: str) -> Any:
        """The exact converter of the parser for ``kind``; a faulty value is the grammar's to report."""
        try:
            return self.fast.literals[kind](value)
        except (ValueError, ArithmeticError):  # GeoError is a ValueError
            raise Fallback from None

    def alias(self) -> Any:
        """``@name``: a parameter alias (annotations and qualified terms go to the grammar)."""
        text, pos = self.text, self.pos
        match = self.name_match(text, pos + 1)
        if match is None or "." in match.group() or (match.end() < self.length and text[match.end()] in "/#("):
            raise Fallback
        self.pos = match.end()
        self.height = 1
        return _alias(match.group())

    def variable_path(self) -> Any:
        """``$it`` / ``$this`` with the segments after them."""
        text, pos = self.text, self.pos
        for word in ("$it", "$this"):
            end = pos + len(word)
            if text.startswith(word, pos) and (end >= self.length or not (text[end].isalnum() or text[end] == "_")):
                self.pos = end
                return self.segments([_variable(word)], 1)
        raise Fallback

    def name(self) -> Any:
        """A name at an operand's start: a keyword literal, ``not``, a prefixed or enum literal,
        a GUID, a canonical call, or a member path."""
        text, pos = self.text, self.pos
        match = self.name_match(text, pos)
        if match is None:
            raise Fallback
        word, end = match.group(), match.end()
        after = text[end] if end < self.length else ""
        if after == "(":
            if "." in word:
                if canonical_function_name(word) is not None:
                    return self.call(word, end)
                raise Fallback  # a function of a model
            lower = word.lower()
            if lower in _TYPE_CALLS:
                return self.type_call(lower, end)
            if lower == "case":
                return self.case(end)
            if lower in _SPECIAL_CALLS or canonical_function_name(word) is None:
                raise Fallback
            return self.call(word, end)
        if after == "'":
            if "." in word:
                return self.prefixed_literal("ENUM")
            kind = _PREFIXED.get(word.lower())
            if kind is None:
                raise Fallback
            return self.prefixed_literal(kind)
        if after == "-" and text[pos] in _HEX_LETTERS:
            guid = self.guid_match(text, pos)
            if guid is not None:
                self.pos = guid.end()
                self.height = 1
                node = self.guid(guid.group())
                self.scan()
                return node
        if after == "=" or "." in word:
            raise Fallback  # a named parameter, an option, a cast path: not for this parser
        self.pos = end
        if after != "/" and len(word) > 5:  # the everyday operand: a one-segment path
            self.height = 2
            self.scan()
            return _path((_lambda_variable(word) if word in self.variables else _property(word),))
        if len(word) <= 5:
            constant = _WORDS.get(word)
            if constant is None:
                lower = word.lower()
                if lower == "true" or lower == "false":
                    constant = _TRUE if lower == "true" else _FALSE
            if constant is not None:
                self.height = 1
                self.scan()
                return constant
        if after != "/":
            self.height = 2
            self.scan()
            return _path((self.first_segment(word),))
        return self.segments([self.first_segment(word)], 1)

    def first_segment(self, word: str) -> Any:
        """A path's first name: a use of a lambda variable in scope (§5.1.1.13), else a property."""
        return _lambda_variable(word) if word in self.variables else _property(word)

    def prefixed_literal(self, kind: str) -> Any:
        match = self.fast.prefixed[kind].match(self.text, self.pos)
        if match is None:
            raise Fallback
        self.pos = match.end()
        self.height = 1
        node = self.slow_literal(kind, match.group())
        self.scan()
        return node

    def call(self, name: str, end: int) -> Any:
        """A canonical function call; a path after it goes to the grammar."""
        self.pos = end
        self.lpar()
        args, height = self.arguments()
        if self.pos < self.length and self.text[self.pos] in "/(":
            raise Fallback
        try:
            node = self.fast.canonical_call(name, args, 0)
        except self.fast.fault:  # a wrong name or arity: the grammar's path words the error
            raise Fallback from None
        self.height = self.grow(height)
        self.scan()
        return node

    def type_call(self, kind: str, end: int) -> Any:
        """``cast([expr,]Type)`` / ``isof([expr,]Type)``; ``Collection(…)`` goes to the grammar."""
        self.pos = end
        self.lpar()
        operand = None
        height = 1  # the TypeName
        if self.type_name_ends_here() is None:
            operand = self.expression(0)
            height = max(height, self.height)
            self.expect(",")
        name = self.type_name_ends_here()
        if name is None:
            raise Fallback
        node = (tree.Cast if kind == "cast" else tree.IsOf)(tree.TypeName(name), operand)
        self.height = self.grow(height)
        self.scan()
        return node

    def type_name_ends_here(self) -> str | None:
        """A type name at ``pos`` followed by ``)``: its text (``pos`` moves past the ``)``), else None."""
        text = self.text
        match = self.name_match(text, self.pos)
        if match is None:
            return None
        word = match.group()
        close = _BWS.match(text, match.end()).end()  # type: ignore[union-attr]
        if not text.startswith(")", close):
            return None
        if word in _WORDS or word.lower() in ("true", "false"):
            raise Fallback  # a literal keyword, which the lexer reads before a name
        self.pos = close + 1
        return word

    def case(self, end: int) -> Any:
        """``case(condition:value,…)``."""
        self.pos = end
        self.lpar()
        branches = []
        height = 0
        while True:
            condition = self.expression(0)
            branch_height = self.height
            self.expect(":")
            value = self.expression(0)
            branch_height = self.grow(max(branch_height, self.height))
            branches.append(tree.CaseBranch(condition, value))
            height = max(height, branch_height)
            if self.op != ",":
                break
            self.pos = self.op_end
        self.expect(")")
        self.height = self.grow(height)
        self.scan()
        return tree.Case(branches)

    def arguments(self) -> tuple[list[Any], int]:
        """After ``(``: expressions split at commas, up to ``)``; their greatest height."""
        if self.text[self.pos:self.pos + 1] == ")":
            self.pos += 1
            return [], 0
        items = [self.expression(0)]
        height = self.height
        while self.op == ",":
            self.pos = self.op_end
            items.append(self.expression(0))
            if self.height > height:
                height = self.height
        self.expect(")")
        return items, height

    def in_list(self) -> Any:
        """``in ( … )``: a list of values, or one parenthesized collection expression."""
        self.lpar()
        items, height = self.arguments()
        self.scan()
        if len(items) == 1 and not isinstance(items[0], _LISTABLE):
            self.height = height
            return items[0]
        if not all(isinstance(item, _LISTABLE) for item in items):
            raise Fallback
        self.height = self.grow(height)
        return _list(tuple(items))

    def segments(self, segments: list[Any], height: int) -> Any:
        """``/``-separated segments after the first; the path's node, the token after it scanned."""
        text = self.text
        while True:
            pos = self.pos
            if pos >= self.length or text[pos] != "/":
                break
            match = self.name_match(text, pos + 1)
            if match is None:
                end = pos + 7  # "/$count" (COUNT_SEGMENT: \$count(?!\w)), without options
                if text.startswith("$count", pos + 1) and (end >= self.length or not (text[end].isalnum() or text[end] in "_(")):
                    segments.append(_COUNT)
                    self.pos = end
                    continue
                raise Fallback
            word, end = match.group(), match.end()
            after = text[end] if end < self.length else ""
            if after == "(":
                lower = word.lower()
                if lower != "any" and lower != "all":
                    raise Fallback
                self.pos = end
                segments.append(self.lambda_(lower))
                if self.height > height:
                    height = self.height
                continue
            if after == "=" or after == "'":
                raise Fallback
            segments.append(_type_cast(word) if "." in word else _property(word))
            self.pos = end
        if height >= MAX_DEPTH:
            raise TooDeep
        self.height = height + 1
        self.scan()
        return _path(tuple(segments))

    def lambda_(self, kind: str) -> Any:
        """``any(v:predicate)``, ``all(v:predicate)`` or ``any()``; the height is the segment's."""
        self.lpar()
        text = self.text
        if text[self.pos:self.pos + 1] == ")":
            if kind == "all":
                raise Fallback
            self.pos += 1
            self.height = 1
            return _lambda("any", None, None)
        match = self.name_match(text, self.pos)
        if match is None or "." in match.group():
            raise Fallback
        self.pos = match.end()
        self.scan()
        self.expect(":")
        variable = match.group()
        self.variables.append(variable)
        predicate = self.expression(0)
        self.variables.pop()
        self.height = self.grow(self.height)
        if self.op != ")":
            raise Fallback
        self.pos = self.op_end
        return _lambda(kind, variable, predicate)

    # -- option values ----------------------------------------------------------------------
    def filter_value(self) -> Any:
        return self.expression(0)

    def orderby(self) -> Any:
        """``expr [asc|desc]`` items split at commas."""
        items: list[Any] = []
        height = 0
        text, pos = self.text, self.pos
        match = self.orderby_run(text, pos)
        if match is not None and not self.variables:
            end = match.end()
            if end == self.length or text[end] in ";)":
                plain = plain_orderby_items(match.group())
                if plain is not None:
                    self.pos = end
                    self.scan()
                    self.height = 4  # OrderBy over OrderByItem over Path over Property
                    return _orderby(tuple(plain))
            else:
                comma = text.rfind(",", pos, end)
                plain = plain_orderby_items(text[pos:comma]) if comma > pos else None
                if plain is not None:
                    items, height = plain, 2
                    self.pos = comma + 1
        while True:
            expr = self.expression(0)
            descending = False
            if self.op == "asc" or self.op == "desc":
                descending = self.op == "desc"
                self.pos = self.op_end
                self.scan()
            items.append(_orderby_item(expr, descending))
            if self.height > height:
                height = self.height
            if self.op != ",":
                break
            self.pos = self.op_end
        self.height = self.grow(self.grow(height))
        return _orderby(tuple(items))

    def compute(self) -> Any:
        """``expr as Name`` items split at commas."""
        items = []
        height = 0
        while True:
            expr = self.expression(0)
            if self.op != "as":
                raise Fallback
            if self.height > height:
                height = self.height
            match = self.name_match(self.text, self.op_end)
            if match is None or "." in match.group():
                raise Fallback
            self.pos = match.end()
            self.scan()
            items.append(_compute_item(expr, match.group()))
            if self.op != ",":
                break
            self.pos = self.op_end
        self.height = self.grow(self.grow(height))
        return _compute(tuple(items))

    def select(self) -> Any:
        text, pos = self.text, self.pos
        match = self.select_run(text, pos)
        if match is not None:
            end = match.end()
            if end == self.length or text[end] in ";)":
                self.pos = end
                self.scan()
                self.height = 3  # Select over SelectItem over Property
                return plain_select(match.group())
            comma = text.rfind(",", pos, end)
            if comma > pos:
                self.pos = comma + 1
                return self.items(_select, self.select_item, plain_select_items(text[pos:comma]), 2)
        return self.items(_select, self.select_item)

    def expand(self) -> Any:
        return self.items(_expand, self.expand_item)

    def items(self, kind: Callable[[tuple[Any, ...]], Any], item: Callable[[], Any],
              items: list[Any] | None = None, height: int = 0) -> Any:
        """Comma-separated items of ``$select`` or ``$expand``; ``items``: those read already
        (of greatest height ``height``), up to a comma."""
        if items is None:
            items = [item()]
            height = self.height
        else:
            items.append(item())
            if self.height > height:
                height = self.height
        while self.op == ",":
            self.pos = self.op_end
            items.append(item())
            if self.height > height:
                height = self.height
        self.height = self.grow(height)
        return kind(tuple(items))

    def item_path(self) -> tuple[Any, ...]:
        """A select or expand path: names and type casts split at ``/``, perhaps ending in ``/*``."""
        text = self.text
        segments = []
        while True:
            pos = self.pos
            if text[pos:pos + 1] == "*":
                self.pos = pos + 1
                segments.append(_STAR)
                break
            match = self.name_match(text, pos)
            if match is None:
                raise Fallback
            word = match.group()
            self.pos = match.end()
            segments.append(_type_cast(word) if "." in word else _property(word))
            if text[self.pos:self.pos + 1] != "/":
                break
            self.pos += 1
        return tuple(segments)

    def select_item(self) -> Any:
        path = self.item_path()
        return self.with_options(path, _NESTED, tree.SelectItem)

    def expand_item(self) -> Any:
        path = self.item_path()
        if path[-1] is _STAR and len(path) > 1:
            raise Fallback
        return self.with_options(path, _NESTED_EXPAND, tree.ExpandItem)

    def with_options(self, path: tuple[Any, ...], allowed: set[str], kind: type) -> Any:
        """The item, with its nested options in parentheses if any (``;``-separated)."""
        text = self.text
        if text[self.pos:self.pos + 1] != "(":
            self.scan()
            self.height = 2
            return _select_item(path) if kind is tree.SelectItem else _expand_item(path)
        if path[-1] is _STAR:
            raise Fallback
        self.pos += 1
        options: dict[str, Any] = {}
        height = 1
        while True:
            match = _OPTION.match(text, self.pos)
            if match is None:
                raise Fallback
            name = match.group(1).lower()
            if name not in allowed or name in options:
                raise Fallback
            self.pos = match.end()
            options[name] = _OPTION_VALUES[name](self)
            if self.height > height:
                height = self.height
            if self.op == ";":
                self.pos = self.op_end
                continue
            if self.op != ")":
                raise Fallback
            self.pos = self.op_end
            break
        self.scan()
        self.height = self.grow(height)
        options["path"] = path
        return _select_filler(options) if kind is tree.SelectItem else _expand_filler(options)

    def search(self) -> Any:
        """``$search``: OR of AND (or juxtaposition) of NOT of words, phrases and parentheses."""
        self.pos = _BWS.match(self.text, self.pos).end()  # type: ignore[union-attr]
        expr = self.search_or()
        self.height = self.grow(self.height)
        return _search(expr)

    def search_or(self) -> Any:
        left = self.search_and()
        while self.op == "OR":
            height = self.height
            self.pos = self.op_end
            left = _search_or(left, self.search_and())
            self.height = self.grow(max(height, self.height))
        return left

    def search_and(self) -> Any:
        left = self.search_not()
        while self.op == "AND" or self.op == " ":
            height = self.height
            self.pos = self.op_end
            left = _search_and(left, self.search_not())
            self.height = self.grow(max(height, self.height))
        return left

    def search_not(self) -> Any:
        text, pos = self.text, self.pos
        self.nesting += 1
        if self.nesting > _NESTING:
            raise Fallback
        if text.startswith("NOT", pos) and pos + 3 < self.length and text[pos + 3] in _SPACES:
            self.pos = _BWS.match(text, pos + 3).end()  # type: ignore[union-attr]
            node = _search_not(self.search_not())
            self.height = self.grow(self.height)
        elif text[pos:pos + 1] == "(":
            self.lpar()
            node = self.search_or()
            if self.op != ")":
                raise Fallback
            self.pos = self.op_end
            self.search_scan()
        else:
            node = self.search_primary()
        self.nesting -= 1
        return node

    def search_primary(self) -> Any:
        text, pos = self.text, self.pos
        match = self.phrase_match(text, pos)
        if match is not None:
            node = _search_phrase(match.group()[1:-1])
        else:
            match = self.word_match(text, pos)
            if match is None or match.group() in ("OR", "AND", "NOT"):
                raise Fallback
            node = _search_word(match.group())
        self.pos = match.end()
        self.height = 1
        self.search_scan()
        return node

    def search_scan(self) -> None:
        """After a search term: `` OR ``, `` AND ``, a space (juxtaposition), ``)``, ``;`` or the end."""
        text, pos = self.text, self.pos
        if pos >= self.length:
            self.op = ""
            return
        char = text[pos]
        if char in _SPACES:
            end = _BWS.match(text, pos).end()  # type: ignore[union-attr]
            for word in ("OR", "AND"):
                stop = end + len(word)
                if text.startswith(word, end) and stop < self.length and text[stop] in _SPACES:
                    self.op = word
                    self.op_end = _BWS.match(text, stop).end()  # type: ignore[union-attr]
                    return
            following = text[end] if end < self.length else ""
            if following == ")":
                self.op, self.op_end = ")", end + 1
            elif following and following not in ";&":
                self.op, self.op_end = " ", end
            else:
                self.op = None
        elif char == ")" or char == ";":
            self.op, self.op_end = char, pos + 1
        else:
            self.op = None

    def levels(self) -> Any:
        text, pos = self.text, self.pos
        if text[pos:pos + 3].lower() == "max":
            end = pos + 3
            if end < self.length and (text[end].isalnum() or text[end] == "_"):
                raise Fallback
            value: Any = "max"
        else:
            end = pos
            while end < self.length and text[end] in _DIGITS:
                end += 1
            digits = text[pos:end]
            if not digits or digits.startswith("0") or len(digits) > 18 or (end < self.length and (text[end].isalnum() or text[end] in "_.")):
                raise Fallback
            value = int(digits)
        self.pos = end
        self.scan()
        self.height = 0
        return value

    def non_negative(self) -> int:
        text, pos = self.text, self.pos
        end = pos
        while end < self.length and text[end] in _DIGITS:
            end += 1
        if end == pos or end - pos > 18 or (end < self.length and (text[end].isalnum() or text[end] in "_.")):
            raise Fallback
        self.pos = end
        self.scan()
        self.height = 0
        return int(text[pos:end])

    def boolean(self) -> bool:
        text, pos = self.text, self.pos
        for word, value in (("true", True), ("false", False)):
            end = pos + len(word)
            if text[pos:end].lower() == word and not (end < self.length and (text[end].isalnum() or text[end] == "_")):
                self.pos = end
                self.scan()
                self.height = 0
                return value
        raise Fallback


def plain_select(run: str) -> Any:
    """The ``Select`` of a run of plain paths (``a,b/c``: names split at ``/`` and bare commas)."""
    return _select(tuple(plain_select_items(run)))


def plain_select_items(run: str) -> list[Any]:
    if "/" not in run:
        return [_select_item((_property(name),)) for name in run.split(",")]
    return [_select_item(tuple([_property(name) for name in path.split("/")])) for path in run.split(",")]


#: Words that open something else at an operand's start (``not x``, ``null``, ``true``…): an
#: ``$orderby`` path starting with one, in any case, is left to the item loop.
_NOT_A_PATH = frozenset({"not", "null", "nan", "inf", "true", "false"})


def plain_orderby_items(run: str) -> list[Any] | None:
    """The ``OrderByItem``s of a run of plain paths each perhaps followed by `` asc``/`` desc``,
    or None when a path starts with a keyword the expression reader treats otherwise."""
    items = []
    for item in run.split(","):
        path, _, direction = item.partition(" ")
        if "/" in path:
            names = path.split("/")
            if names[0].lower() in _NOT_A_PATH:
                return None
            expr = _path(tuple([_property(name) for name in names]))
        else:
            if len(path) <= 5 and path.lower() in _NOT_A_PATH:
                return None
            expr = _path((_property(path),))
        items.append(_orderby_item(expr, direction == "desc"))
    return items


_OPTION_VALUES: dict[str, Callable[[_State], Any]] = {
    "filter": _State.filter_value, "search": _State.search, "select": _State.select, "expand": _State.expand,
    "orderby": _State.orderby, "top": _State.non_negative, "skip": _State.non_negative, "count": _State.boolean,
    "compute": _State.compute, "levels": _State.levels,
}
#: Start rule of the grammar → the method that parses its value.
_STARTS: dict[str, Callable[[_State], Any]] = {
    "filter_value": _State.filter_value, "expr_value": _State.filter_value, "orderby_value": _State.orderby,
    "select_value": _State.select, "expand_value": _State.expand, "search_value": _State.search,
    "compute_value": _State.compute, "levels_value": _State.levels,
}
