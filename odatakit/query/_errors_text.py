"""Turns what the LALR parser could have accepted into OData words, and spots the common
mistakes (an unterminated string, a missing operand, a trailing comma) to say them plainly."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["describe_expected", "hint_for", "wrong_entry_point", "V3_FUNCTIONS"]

_OPERATORS = {
    "EQ": "eq", "NE": "ne", "GT": "gt", "GE": "ge", "LT": "lt", "LE": "le", "_AND": "and", "_OR": "or",
    "ADD": "add", "SUB": "sub", "MUL": "mul", "DIV": "div", "DIVBY": "divby", "MOD": "mod",
    "_HAS": "has", "IN": "in",
}
_EXPRESSION_STARTS = {
    "NULL", "TRUE", "FALSE", "NAN_INF", "GUID", "DATE_TIME_OFFSET", "DATE", "TIME_OF_DAY", "DOUBLE",
    "DECIMAL", "INTEGER", "STRING", "DURATION", "BINARY", "GEO", "ENUM", "NAME", "QUALIFIED_NAME",
    "AT_NAME", "IT", "THIS", "ROOT", "THESE", "_LPAR", "NOT", "NEG", "CASE", "CAST", "ISOF", "_LBRACKET",
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
    "THESE": "'$these'", "_WITH": "'with'", "_FROM": "'from'", "KEEP_START": "'keep start'",
    "TRAVERSE_ORDER": "'preorder' or 'postorder'", "T_IDENTITY": "'identity'",
    "T_RANKING": "'topcount(' (or toppercent, topsum, bottomcount, bottompercent, bottomsum)",
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
            "compute_value": ["an expression"], "apply_value": ["a transformation"],
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
        elif name.startswith("T_"):  # a $apply transformation: "aggregate(" …
            words.append(f"'{name[2:].lower()}('")
        else:
            words.append(name.lower().replace("_", " "))
    return words


_OPERATOR_AT_END = re.compile(
    r"(?:[ \t\r\n]|%20|%09)+(and|or|eq|ne|gt|ge|lt|le|add|sub|mul|div|divby|mod|has|in|not)(?:[ \t\r\n]|%20|%09)*$",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"'|%27")


_SPACES = " \t\r\n"
#: OData v2/v3 literal prefixes → how v4 writes the value (URL Conventions 4.01 §5.1.1.6.1).
_V3_PREFIXES = re.compile(r"(datetimeoffset|datetime|guid|time)$", re.IGNORECASE)
_V3_LONGEST = len("datetimeoffset")
_V3_PREFIX_ADVICE = {
    "datetime": "write the date-time bare with a time zone: 2024-01-01T10:00:00Z",
    "datetimeoffset": "write the date-time bare: 2024-01-01T10:00:00Z",
    "guid": "write the GUID bare: 01234567-89ab-cdef-0123-456789abcdef",
    "time": "write a duration as duration'PT10H' (or a time of day bare: 10:00:00)",
}
_V3_NUMBER = re.compile(r"(?:[+-]|%2[Bb])?[0-9]+(?:\.[0-9]+)?([LlMmDdFf])(?![\w.])")
#: OData v2/v3 functions → their v4 form.
V3_FUNCTIONS = {
    "substringof": "substringof(s,Name) is OData v2/v3; in v4 write contains(Name,s) (the arguments swap)",
}
_DATE_TIME_WITHOUT_ZONE = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}(?::|%3[Aa])[0-9]{2}(?:(?::|%3[Aa])[0-9]{2}(?:\.[0-9]+)?)?(?![0-9Zz+]|%2[Bb])")
_OPTION_PREFIX = re.compile(r"(?:\$|%24)?([A-Za-z]+)=")
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_ENTRY_POINTS = {
    "filter": "parse_filter", "orderby": "parse_orderby", "expand": "parse_expand", "select": "parse_select",
    "search": "parse_search", "compute": "parse_compute", "apply": "parse_apply",
}


def wrong_entry_point(text: str, start: str) -> str | None:
    """A whole URL, or ``$filter=…``, handed to an entry point that takes one option's value."""
    if _URL_START.match(text):
        return "this is a whole URL: use parse_url for it (or parse_query for the part after '?')"
    option = _OPTION_PREFIX.match(text)
    if option is not None and (text.startswith(("$", "%24")) or start not in ("filter_value", "expr_value")):
        name = option.group(1).lower()
        if name in _ENTRY_POINTS:
            return (f"this is a query option, not its value: pass what follows '${name}=' to "
                    f"{_ENTRY_POINTS[name]}, or the whole query string to parse_query")
    return None


def hint_for(text: str, offset: int, expected: set[str]) -> tuple[str, int, list[str] | None] | None:
    """A plain sentence for the common mistakes at ``offset``: (reason, offset, what was
    expected instead of the parser's list, or None to keep it); None when nothing fits."""
    rest = text[offset:]
    if rest and not rest.strip(_SPACES) and offset:
        return "a trailing space after the value: remove it", offset, None
    if text[:1] and text[0] in _SPACES and offset <= len(text) - len(text.lstrip(_SPACES)):
        return "a leading space before the value: remove it", 0, None
    if rest.startswith("&") and "_SEMI" in expected:
        return "nested options inside (…) are separated by ';', not '&' ('&' separates query options)", offset, [";"]
    # a match ends at ``offset`` (or one before, ahead of a newline): the window holds every
    # start, so the error costs no scan of a long text
    prefix = _V3_PREFIXES.search(text, max(0, offset - _V3_LONGEST - 1), offset)
    if prefix is not None and rest.startswith(("'", "%27")):
        word = prefix.group(1).lower()
        return f"{word}'…' is OData v2/v3 syntax; in v4 {_V3_PREFIX_ADVICE[word]}", prefix.start(), None
    suffix = _V3_NUMBER.match(rest)
    if suffix is not None:
        return (f"the '{suffix.group(1)}' suffix of a number is OData v2/v3 syntax; in v4 write the number "
                f"without it ({suffix.group()[:-1]})", offset + len(suffix.group()) - 1, None)
    zoneless = _zoneless_date_time(text, offset)
    if zoneless is not None:
        return ("a DateTimeOffset needs a time zone: add Z or an offset (e.g. "
                f"{percent_free(zoneless.group())}Z)"), zoneless.end(), None
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


def _zoneless_date_time(text: str, offset: int) -> re.Match[str] | None:
    """A date-time without Z or an offset that starts at or shortly before ``offset`` (the
    lexer read its year as a number and stopped at the first '-')."""
    for start in range(offset, max(-1, offset - 12), -1):
        if start == 0 or not (text[start - 1].isascii() and (text[start - 1].isdigit() or text[start - 1] == "-")):
            match = _DATE_TIME_WITHOUT_ZONE.match(text, start)
            if match is not None and match.end() >= offset:
                return match
    return None


def percent_free(text: str) -> str:
    return re.sub("%3[Aa]", ":", text)
