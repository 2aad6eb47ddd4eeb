"""A fast path for everyday expressions: precedence climbing over the grammar's own terminals.

Why: a Graph-style ``$filter`` is a dozen tokens, and a table-driven LALR parse of it spends most
of its time on unit reductions (``?expr: or_expr``, ten levels deep). This parser handles the
common subset — comparisons, ``and``/``or``/``not``, arithmetic, literals, member paths,
``any``/``all`` lambdas, canonical function calls, ``in`` lists — and builds every node with the
parser's own callbacks from tokens matched by the grammar's own terminal patterns, so
``grammars/query.lark`` stays the specification. Anything else, and every error, raises
``Fallback``: the caller parses the text again with the grammar, which gives the same tree (a
differential test holds the two to that) or the usual error.
"""

from __future__ import annotations

import re
from typing import Any

from . import _tables
from ._grammar import Fallback
from .syntax import MAX_DEPTH

__all__ = ["FastExpressions"]

#: Terminals that may start an operand in this subset (literals, not, -, a name, "(").
_OPERAND = frozenset({"DATE_TIME_OFFSET", "GUID", "TIME_OF_DAY", "NOT", "DATE", "DOUBLE", "DECIMAL", "INTEGER",
                      "FALSE", "NAN_INF", "NULL", "TRUE", "STRING", "NEG", "NAME", "_LPAR"})
_LITERALS = _OPERAND - {"NOT", "NEG", "NAME", "_LPAR"}
#: Terminals after an operand: operators (RWS folded in), then closers and the path slash.
_AFTER = frozenset({"_OR", "_AND", "EQ", "NE", "GT", "GE", "LT", "LE", "ADD", "SUB", "MUL", "DIVBY", "DIV", "MOD",
                    "IN", "_HAS", "ASC", "DESC", "_RPAR", "_COMMA", "_COLON", "_SLASH"})
#: Binary operator levels, loosest first (URL Conventions §5.1.1.17, as query.lark writes them).
_LEVELS = tuple(operators for _rule, operators in _tables.LEVELS)
_OPENERS = ("(", "%28")  # what _LPAR starts with: the regex is tried only after one of them
_LEVEL_OF = {kind: level for level, kinds in enumerate(_LEVELS) for kind in kinds}
#: Names that open a construct of their own before "(" where an operand or a segment starts
#: (cast, isof, case, any, all): left to the grammar.
_SPECIAL_CALLS = frozenset(
    word.lower() for terminal, (word, _any_case) in _tables.KEYWORD_CALLS.items()
    if terminal in _tables.ACCEPTS["expression"] | _tables.ACCEPTS["segment"] and not terminal.startswith("T_")
)


def _pattern(names: frozenset[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of the grammar's terminals ``names``, in the order Lark's lexer tries them."""
    return re.compile("|".join(f"(?P<{name}>{_tables.TERMINALS[name]})" for name in _tables.LEXER_ORDER if name in names))


class FastExpressions:
    """Parses an expression's text into the tree the grammar gives, or raises ``Fallback``."""

    def __init__(self, build: Any) -> None:
        self._operand = _pattern(_OPERAND)
        self._after = _pattern(_AFTER)
        self._segment = _pattern(("ANY", "ALL", "NAME"))
        self._lpar = _pattern(("_LPAR",))
        self._rpar = _pattern(("_RPAR",))
        self._colon_name = _pattern(("NAME",))
        self._build = build
        folds = tuple(getattr(build, rule) for rule, _operators in _tables.LEVELS)
        self._levels = tuple(zip((frozenset(kinds) for kinds in _LEVELS), folds))

    def parse(self, text: str) -> Any:
        state = _State(self, text)
        result = state.expression(0)
        if state.kind != "$END":
            raise Fallback
        return result

    def parse_orderby(self, text: str) -> Any:
        """``$orderby``: expressions, each with an optional ``asc``/``desc``, split at commas."""
        state = _State(self, text)
        build = self._build
        items = []
        while True:
            expr = state.expression(0)
            direction = None
            if state.kind in ("ASC", "DESC"):
                direction = state.take()
                state.look()
            items.append(build.orderby_item([expr, direction]))
            if state.kind == "$END":
                return build.orderby(items)
            if state.kind != "_COMMA":
                raise Fallback
            state.position = state.match.end()


class _State:
    """One parse: the text, the position, and the terminal after the last operand (lookahead)."""

    __slots__ = ("fast", "text", "length", "after", "position", "kind", "match", "depth")

    def __init__(self, fast: FastExpressions, text: str) -> None:
        self.fast = fast
        self.text = text
        self.length = len(text)
        self.after = fast._after.match
        self.position = 0
        self.kind: str | None = None
        self.match: Any = None
        self.depth = 0

    def look(self) -> None:
        """Match the terminal that follows an operand (``$END`` at the end, ``None`` if none)."""
        if self.position >= self.length:
            self.kind = "$END"
            return
        match = self.match = self.after(self.text, self.position)
        self.kind = match.lastgroup if match is not None else None

    def take(self) -> Token:
        """The lookahead as a token; the position moves past it."""
        match = self.match
        end = match.end()
        self.position = end
        return _token(match.lastgroup, match.group(), match.start(), end)

    def expression(self, lowest: int) -> Any:
        """Precedence climbing: operators of level ``lowest`` or tighter, each level's operands
        gathered into one list for its callback, as the grammar's ``a (op a)*`` rules do."""
        left = self.unary()
        levels = self.fast._levels
        while True:
            level = _LEVEL_OF.get(self.kind)  # type: ignore[arg-type]
            if level is None or level < lowest:
                return left
            kinds, fold = levels[level]
            operands = [left]
            while self.kind in kinds:
                if level >= 2:  # or/and: the callback takes the operands alone
                    operands.append(self.take())
                else:
                    self.position = self.match.end()
                operands.append(self.expression(level + 1))
            left = fold(operands)

    def unary(self) -> Any:
        """An operand; nesting deeper than the tree may be is the grammar's to report."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Fallback
        value = self._unary()
        self.depth -= 1
        return value

    def _unary(self) -> Any:
        fast, text = self.fast, self.text
        match = fast._operand.match(text, self.position)
        if match is None:
            raise Fallback
        kind = match.lastgroup
        end = match.end()
        build = fast._build
        if kind in _LITERALS:
            self.position = end
            value = build.literal([_token(kind, match.group(), match.start(), end)])
            if end >= self.length:
                self.kind = "$END"
            else:
                after = self.match = self.after(text, end)
                self.kind = after.lastgroup if after is not None else None
        elif kind == "NAME":
            value = self.name(match)
        elif kind == "_LPAR":
            self.position = end
            value = self.expression(0)
            self.close()
        else:  # NOT or NEG: an operator on the unary that follows
            operator = _token(kind, match.group(), match.start(), end)  # type: ignore[arg-type]  # a named group matched
            self.position = end
            operand = self.unary()
            return (build.not_expr if kind == "NOT" else build.negate_expr)([operator, operand])
        while self.kind == "IN":
            operator = self.take()
            value = build.in_expr([value, operator, self.in_list()])
        return value

    def close(self) -> None:
        """Expect ``)`` after an expression and look past it."""
        if self.kind != "_RPAR":
            raise Fallback
        self.position = self.match.end()
        self.look()

    def arguments(self) -> list[Any]:
        """After ``(``: expressions split at commas, up to ``)``; the lookahead follows it."""
        rpar = self.fast._rpar.match(self.text, self.position)
        if rpar is not None:
            self.position = rpar.end()
            self.look()
            return []
        items = [self.expression(0)]
        while self.kind == "_COMMA":
            self.position = self.match.end()
            items.append(self.expression(0))
        self.close()
        return items

    def in_list(self) -> Any:
        lpar = self.fast._lpar.match(self.text, self.position)
        if lpar is None:
            raise Fallback
        self.position = lpar.end()
        return self.fast._build.in_list(self.arguments() or [None])

    def name(self, match: re.Match[str]) -> Any:
        """A name at an operand's start: a canonical function call or a member path."""
        fast, build = self.fast, self.fast._build
        token = match.group()  # a name's callbacks read its text only (an offset only for a fault)
        self.position = end = match.end()
        lpar = fast._lpar.match(self.text, end) if self.text.startswith(_OPENERS, end) else None
        if lpar is not None:
            if token.lower() in _SPECIAL_CALLS:
                raise Fallback
            self.position = lpar.end()
            arguments = self.arguments()
            return build.canonical_call([token, build.positional_args(arguments) if arguments else None])
        segments = [build.property([token])]
        self.look()
        while self.kind == "_SLASH":
            self.position = self.match.end()
            segments.append(self.segment())
        return build.path(segments)

    def segment(self) -> Any:
        fast, build = self.fast, self.fast._build
        match = fast._segment.match(self.text, self.position)
        if match is None:
            raise Fallback
        kind, end = match.lastgroup, match.end()
        token = _token(kind, match.group(), match.start(), end)  # type: ignore[arg-type]  # a named group matched
        self.position = end
        if kind == "NAME":
            if self.text.startswith(_OPENERS, end) and fast._lpar.match(self.text, end) is not None:
                raise Fallback  # a key or a function in the default namespace
            self.look()
            return build.property([token])
        lpar = fast._lpar.match(self.text, end)
        if lpar is None:
            raise Fallback
        self.position = lpar.end()
        rpar = fast._rpar.match(self.text, self.position)
        if rpar is not None:
            self.position = rpar.end()
            self.look()
            return build.lambda_([token, None, None])
        variable_match = fast._colon_name.match(self.text, self.position)
        if variable_match is None:
            raise Fallback
        variable = variable_match.group()
        self.position = variable_match.end()
        self.look()
        if self.kind != "_COLON":
            raise Fallback
        self.position = self.match.end()
        predicate = self.expression(0)
        self.close()
        return build.lambda_([token, variable, predicate])


class Token(str):
    """A matched terminal as the parser's callbacks read it (``type``, ``value``, ``start_pos``,
    ``end_pos``): the part of Lark's ``Token`` they use, without importing Lark."""

    type: str
    value: str
    start_pos: int
    end_pos: int


def _token(kind: str, text: str, start: int, end: int) -> Token:
    token = str.__new__(Token, text)
    token.type = kind
    token.value = text
    token.start_pos = start
    token.end_pos = end
    return token
