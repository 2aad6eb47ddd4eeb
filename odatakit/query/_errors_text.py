"""Turns what the LALR parser could have accepted into OData words, and spots the common
mistakes (an unterminated string, a missing operand, a trailing comma) to say them plainly."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["describe_expected", "hint_for"]

_OPERATORS = {
    "EQ": "eq", "NE": "ne", "GT": "gt", "GE": "ge", "LT": "lt", "LE": "le", "_AND": "and", "_OR": "or",
    "ADD": "add", "SUB": "sub", "MUL": "mul", "DIV": "div", "DIVBY": "divby", "MOD": "mod",
    "_HAS": "has", "IN": "in",
}
_EXPRESSION_STARTS = {
    "NULL", "TRUE", "FALSE", "NAN_INF", "GUID", "DATE_TIME_OFFSET", "DATE", "TIME_OF_DAY", "DOUBLE",
    "DECIMAL", "INTEGER", "STRING", "DURATION", "BINARY", "GEO", "ENUM", "NAME", "QUALIFIED_NAME",
    "AT_NAME", "IT", "THIS", "ROOT", "_LPAR", "NOT", "NEG", "CASE", "CAST", "ISOF", "_LBRACKET",
    "_LBRACE",
}
_WORDS = {
    "_RPAR": "')'", "_LPAR": "'('", "_LBRACKET": "'['", "_LBRACE": "'{'", "_COMMA": "','", "_COLON": "':'", "_SLASH": "'/'", "_SEMI": "';'", "STAR": "'*'",
    "_RBRACKET": "']'", "_RBRACE": "'}'", "$END": "the end of the text", "ASC": "'asc'",
    "DESC": "'desc'", "AS": "'as'", "REF_SUFFIX": "'/$ref'", "COUNT_SUFFIX": "'/$count'",
    "COUNT_SEGMENT": "'$count'", "ANY": "'any('", "ALL": "'all('", "FILTER_SEGMENT": "'$filter('",
    "JSON_STRING": "a JSON string", "PARAM_NAME": "a parameter name and '='", "LEVELS_MAX": "'max'",
    "QUALIFIED_STAR": "a namespace and '.*'", "VALUE_SEGMENT": "'$value'", "COLLECTION": "'Collection('",
    "SEARCH_WORD": "a search word", "SEARCH_PHRASE": "a quoted search phrase", "S_NOT": "'NOT'",
    "S_AND": "'AND'", "S_OR": "'OR'", "S_SPACE": "a space", "SEARCH_INCOMPLETE": "a quoted search term",
    "ALIAS_DEF": "an alias definition '@name='", "ALIAS": "an @alias",
}
_LITERAL_WORDS = {
    "INTEGER": "a number", "STRING": "a string in single quotes", "TRUE": "true", "FALSE": "false",
    "NULL": "null", "NAME": "a property name", "QUALIFIED_NAME": "a qualified name (Namespace.Name)",
    "AT_NAME": "an @alias or @annotation", "GUID": "a GUID", "DATE": "a date",
    "DATE_TIME_OFFSET": "a date-time with offset", "TIME_OF_DAY": "a time of day",
}


def describe_expected(start: str, terminals: Iterable[str]) -> list[str]:
    """What could have come, in OData words: collapses the many ways an expression or an
    operator can start into one phrase each."""
    names = {name for name in terminals if not name.startswith("__")}
    if not names:
        return {
            "filter_value": ["an expression"], "expr_value": ["an expression"],
            "expand_value": ["a navigation property"], "select_value": ["a property"],
            "orderby_value": ["an expression"], "search_value": ["a search term"],
            "compute_value": ["an expression"],
        }.get(start, [])
    words: list[str] = []
    expression_starts = names & _EXPRESSION_STARTS
    if len(expression_starts) > 4:
        words.append("an expression")
    else:
        words.extend(_LITERAL_WORDS.get(name, _WORDS.get(name, name.lower())) for name in expression_starts)
    operators = sorted(_OPERATORS[name] for name in names & _OPERATORS.keys())
    if len(operators) > 4:
        words.append("an operator (" + ", ".join(operators[:6]) + ", …)")
    else:
        words.extend(f"'{op}'" for op in operators)
    for name in sorted(names - _EXPRESSION_STARTS - _OPERATORS.keys()):
        if name.startswith("OPT_"):
            words.append(f"${name[4:].lower()}=")
        elif name in _WORDS:
            words.append(_WORDS[name])
        elif name in _LITERAL_WORDS:
            words.append(_LITERAL_WORDS[name])
        else:
            words.append(name.lower().replace("_", " "))
    return words


_OPERATOR_AT_END = re.compile(
    r"(?:[ \t\r\n]|%20|%09)+(and|or|eq|ne|gt|ge|lt|le|add|sub|mul|div|divby|mod|has|in|not)(?:[ \t\r\n]|%20|%09)*$",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"'|%27")


def hint_for(text: str, offset: int, expected: set[str]) -> tuple[str, int, list[str] | None] | None:
    """A plain sentence for the common mistakes at ``offset``: (reason, offset, what was
    expected instead of the parser's list, or None to keep it); None when nothing fits."""
    rest = text[offset:]
    if rest.startswith(("'", "%27")):
        quotes = len(_QUOTE.findall(rest))
        if quotes % 2 == 1:
            return (
                "unterminated string literal: the quote opened here is never closed "
                "(a quote inside a string is written twice: 'O''Neil')", offset, ["a closing '"],
            )
    if rest.startswith('"') and "STRING" in expected and "JSON_STRING" not in expected:
        return "strings are written in single quotes in OData: 'text'", offset, None
    if offset and text[offset - 1] == "'" and rest[:1].isalnum() and "STRING" not in expected:
        return "a quote inside a string is written twice: 'O''Neil'", offset, None
    operator = _OPERATOR_AT_END.match(rest)
    if operator:
        word = operator.group(1).lower()
        return f"missing operand: '{word}' needs an expression after it", len(text), ["an expression"]
    before = text[:offset].rstrip()
    if rest.lstrip().startswith((")", "%29")) and before.endswith((",", "%2C", "%2c")):
        return "nothing follows the last ','; remove the trailing comma", offset, None
    stripped = rest.lstrip(" \t")
    if stripped and stripped[0] in "=<>!&|" and expected & set(_OPERATORS):
        at = offset + len(rest) - len(stripped)
        return f"'{stripped[0]}' is not an OData operator; use eq, ne, gt, ge, lt, le, and, or, not", at, None
    return None
