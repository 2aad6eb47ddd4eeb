"""Texts a Lark grammar derives, drawn by Hypothesis with a bounded derivation.

``hypothesis.extra.lark.from_lark`` expands rules recursively without a bound: on the query
grammar's expression ladder (about twenty rules deep) most of its draws overran Hypothesis's
buffer and were thrown away, so 4-10 examples of ``$filter`` cost 25 s. Here every draw ends in a
text: each rule has a *rank*, the round of the fixpoint in which it first derives terminals
alone; up to ``max_depth`` levels any expansion is drawn whose own rank still fits, and past that
depth (or past ``max_rules`` expansions) only expansions whose rules all rank lower, so the
derivation finishes. Expansions are ordered by rank, so a failure shrinks to the shallowest text.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import lark
from hypothesis import strategies as st

__all__ = ["grammar_texts"]


def grammar_texts(grammar: lark.Lark, start: str, explicit: dict[str, st.SearchStrategy[str]] | None = None, *,
                  max_depth: int = 30, max_rules: int = 30) -> st.SearchStrategy[str]:
    """Texts derived from ``start``; terminals come from ``explicit`` (by terminal name) or from
    their regular expression, drawn whole as Lark's lexer would read them."""
    terminals, rules, ignore_names = grammar.grammar.compile([start], set())
    explicit = dict(explicit or {})
    drawn_terminals = {t.name: explicit.pop(t.name) if t.name in explicit else _regex_texts(t.pattern.to_regexp())
                       for t in terminals}
    if explicit:
        raise ValueError(f"no terminals {sorted(explicit)} in the grammar")

    expansions: dict[str, list[tuple[Any, ...]]] = {}
    for rule in rules:
        expansions.setdefault(rule.origin.name, []).append(tuple(rule.expansion))
    rank = _ranks(expansions)
    if start not in rank:
        raise ValueError(f"rule {start!r} derives no finite text")

    def height(expansion: tuple[Any, ...]) -> int:
        return 1 + max((rank[s.name] for s in expansion if not s.is_term), default=0)

    # each rule's finite expansions, lowest first; a draw takes an index into a prefix of them
    options = {name: sorted((e for e in es if all(s.is_term or s.name in rank for s in e)), key=lambda e: (height(e), len(e)))
               for name, es in expansions.items() if name in rank}
    heights = {name: [height(e) for e in es] for name, es in options.items()}  # ascending, as options are
    # the index of an expansion among the first k (k >= 1: a rule's lowest expansion always fits)
    indices = [st.nothing(), *(st.integers(0, k - 1) for k in range(1, max(map(len, options.values())) + 1))]
    ignored = [name for name in ignore_names if name in drawn_terminals]

    @st.composite
    def derive(draw: Any) -> str:
        out: list[str] = []
        stack: list[tuple[Any, int]] = [(lark.grammar.NonTerminal(start), 0)]
        expanded = 0
        while stack:
            symbol, depth = stack.pop()
            if symbol.is_term:
                out.append(draw(drawn_terminals[symbol.name]))
                if ignored and draw(st.integers(0, 3)) == 0:
                    out.append(draw(drawn_terminals[draw(st.sampled_from(ignored))]))
                continue
            name = symbol.name
            limit = rank[name] if expanded >= max_rules else max(rank[name], max_depth - depth)
            expansion = options[name][draw(indices[bisect.bisect_right(heights[name], limit)])]
            expanded += 1
            stack.extend((child, depth + 1) for child in reversed(expansion))
        return "".join(out)

    return derive()


def _ranks(expansions: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    """Round of the fixpoint in which each rule first derives a string of terminals (1 for a rule
    with an expansion of terminals alone); rules that never do are left out."""
    rank: dict[str, int] = {}
    round_ = 0
    while True:
        round_ += 1
        new = {name for name, es in expansions.items() if name not in rank
               and any(all(s.is_term or s.name in rank for s in e) for e in es)}
        if not new:
            return rank
        rank.update(dict.fromkeys(new, round_))


#: A lookahead that ends a pattern (``filter(?=\(|%28)``: a keyword only before its parenthesis),
#: also inside a flag group (``(?i:any(?=\(|%28))``): no text matches it whole, and the rule that
#: uses the terminal puts the parenthesis after it.
_TRAILING_LOOKAHEAD = re.compile(r"\(\?=(?:\\.|[^\\()])*\)(?=\)*$)")


def _regex_texts(pattern: str) -> st.SearchStrategy[str]:
    """Texts the terminal's pattern (less a trailing lookahead) matches whole, and that Lark's
    (unanchored, possibly lazy) match reads whole too."""
    compiled = re.compile(_TRAILING_LOOKAHEAD.sub("", pattern))
    generated = _bounded_repeats(compiled.pattern, _MAX_REPEAT)

    def read_whole(text: str) -> bool:
        match = compiled.match(text)
        return match is not None and match.end() == len(text)

    return st.from_regex(re.compile(generated, compiled.flags), fullmatch=True,
                         alphabet=st.characters(codec="utf-8")).filter(read_whole)


#: Repeats drawn past their minimum: unbounded ``*`` and ``+`` in the terminals (whitespace runs,
#: name characters) made most texts a kilobyte of blanks and letters, and most draws overran.
_MAX_REPEAT = 3
_OPEN_REPEAT = re.compile(r"\{(\d*),\}")
_BOUNDED_REPEAT = re.compile(r"\{(?:\d+(?:,\d+)?|,\d+)\}")


def _bounded_repeats(pattern: str, extra: int) -> str:
    """``pattern`` with every unbounded quantifier bounded (``*`` → ``{0,3}``, ``+`` → ``{1,4}``,
    ``{2,}`` → ``{2,5}``); escapes and character classes are copied as they are. Inside a
    negative lookahead or an atomic group a bound can widen what matches, so a drawn text is kept
    only when the original pattern reads it whole (``_regex_texts``)."""
    out: list[str] = []
    i, after_atom = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i, after_atom = i + 2, True
            continue
        if char == "[":  # a class: up to its closing bracket (a ] first in it is literal)
            end = i + 1 + (pattern[i + 1:i + 2] == "^")
            end += pattern[end:end + 1] == "]"
            while end < len(pattern) and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            out.append(pattern[i:end + 1])  # unclosed (in a comment): the rest, as it is
            i, after_atom = end + 1, True
            continue
        open_repeat = _OPEN_REPEAT.match(pattern, i)
        if after_atom and (char in "*+" or open_repeat):
            low = int(open_repeat.group(1) or 0) if open_repeat else int(char == "+")
            out.append(f"{{{low},{low + extra}}}")
            i = open_repeat.end() if open_repeat else i + 1
            after_atom = False  # a + or ? right after is possessive or lazy: copied as it is
            continue
        bounded = _BOUNDED_REPEAT.match(pattern, i)
        if after_atom and (char == "?" or bounded):  # already bounded: copied, and so is a + or ? after it
            end = bounded.end() if bounded else i + 1
            out.append(pattern[i:end])
            i, after_atom = end, False
            continue
        out.append(char)
        i += 1
        after_atom = char not in "(|" and not (char == "?" and out[-2:-1] == ["("])
    return "".join(out)
