"""Turns what the LALR parser could have accepted into OData words, and spots the common
mistakes (an unterminated string, a missing operand, a trailing comma) to say them plainly."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["describe_expected", "hint_for"]

_OPERATORS = {
    "EQ": "eq", "NE": "ne", "GT": "gt", "GE": "ge", "LT": "lt", "LE": "le", "_AND": "and", "_OR": "or",
    "ADD": "add", "SUB": "sub", "MUL": "mul", "DIV": "div", "DIVBY": "divby", "MOD": "mod",
    "_HAS": "has", "_IN": "in",
}
_EXPRESSION_STARTS = {
    "NULL", "TRUE", "FALSE", "NAN_INF", "GUID", "DATE_TIME_OFFSET", "DATE", "TIME_OF_DAY", "DOUBLE",
    "DECIMAL", "INTEGER", "STRING", "DURATION", "BINARY", "GEO", "ENUM", "NAME", "QUALIFIED_NAME",
    "AT_NAME", "IT", "THIS", "ROOT", "_LPAR", "NOT", "NEG", "CASE", "CAST", "ISOF", "_LBRACKET",
    "_LBRACE",
}
_WORDS = {
    "_RPAR": "')'", "_COMMA": "','", "_COLON": "':'", "_SLASH": "'/'", "_SEMI": "';'", "STAR": "'*'",
    "_RBRACKET": "']'", "_RBRACE": "'}'", "$END": "the end of the text", "ASC": "'asc'",
    "DESC": "'desc'", "AS": "'as'", "REF_SUFFIX": "'/$ref'", "COUNT_SUFFIX": "'/$count'",
    "COUNT_SEGMENT": "'$count'", "ANY": "'any('", "ALL": "'all('", "FILTER_SEGMENT": "'$filter('",
    "JSON_STRING": "a JSON string", "PARAM_NAME": "a parameter name and '='", "LEVELS_MAX": "'max'",
    "QUALIFIED_STAR": "a namespace and '.*'", "VALUE_SEGMENT": "'$value'", "COLLECTION": "'Collection('",
    "SEARCH_WORD": "a search word", "SEARCH_PHRASE": "a quoted search phrase", "S_NOT": "'NOT'",
    "S_AND": "'AND'", "S_OR": "'OR'", "S_SPACE": "a space", "SEARCH_INCOMPLETE": "a quoted search term",
    "ALIAS_DEF": "an alias definition '@name='",
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


def hint_for(text: str, offset: int, expected: set[str]) -> str | None:
    """A plain sentence for the common mistakes at ``offset``, or None."""
    rest = text[offset:]
    if rest.startswith(("'", "%27")) and "STRING" in expected | {"STRING"}:
        quotes = len(_QUOTE.findall(rest))
        if quotes % 2 == 1:
            return "unterminated string literal: the quote opened here is never closed (write '' for a quote inside a string)"
    if rest.startswith('"') and "JSON_STRING" not in expected:
        return "strings are written in single quotes in OData: 'text'"
    operator = _OPERATOR_AT_END.match(rest)
    if operator:
        return f"missing operand after '{operator.group(1).lower()}'"
    if offset >= len(text) and expected & _EXPRESSION_STARTS:
        return "the text ends where an expression should follow"
    if rest.lstrip().startswith((")", "%29")) and text[:offset].rstrip().endswith((",", "%2C")):
        return "nothing follows the last ','; remove the trailing comma"
    if offset >= len(text):
        return None
    if rest[0] in "=<>!&|" and expected & set(_OPERATORS):
        return f"'{rest[0]}' is not an OData operator; use eq, ne, gt, ge, lt, le, and, or"
    return None
