"""A lean driver for a Lark LALR parser: the same tables, lexer patterns and callbacks, less work.

Why: Lark's general loop spends most of a short filter's parse on bookkeeping (a full ``Token``
per terminal, a callback per unit reduction such as ``?expr: or_expr``, hashing ``Rule`` objects).
This driver runs the grammar Lark compiled, so the grammar stays the one specification and the
tree comes from the very same callbacks. It accepts only what it can finish: on any mismatch it
raises ``Fallback`` and the caller re-parses with Lark, which then reports the error as always.

An error is worded from the driver's own parse (``Stop``: Lark's offset and expected terminals).
After the hand-written parser read part of a text, ``resume`` recognises the states up to the last
separator there without building anything and parses only the rest, so an error near the end of
a long list costs a state-only pass, not a second parse.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from lark import Lark, Token  # this module is imported only once a text falls back to the grammar

try:  # Lark internals: if a release moves them, the driver is off and Lark parses everything
    from lark.parse_tree_builder import ChildFilterLALR, ChildFilterLALR_NoPlaceholders, ExpandSingleChild
    from lark.parsers.lalr_analysis import Shift
except ImportError:  # pragma: no cover - depends on the Lark release
    INTERNALS = False
else:
    INTERNALS = True

from ._fastoptions import PLAIN_ORDERBY, PLAIN_SELECT
from ._grammar import Fallback, Stop  # defined without Lark, so the fast paths need none

__all__ = ["Fallback", "Stop", "Driver", "Crossed"]


class Crossed(Exception):
    """A parse resumed at a checkpoint reduced a rule that reaches back before it: the values
    there were not built, so the caller parses the whole text instead."""


#: Stands for a value below a checkpoint, which a resumed parse never built.
_HOLE = object()


class _Patterns(dict):  # type: ignore[type-arg]
    """State → the contextual lexer's compiled pattern for it, built on first use as Lark does
    (compiling all ~500 at once would cost a cold start 50 ms)."""

    def __init__(self, lexers: dict[int, Any]) -> None:
        super().__init__()
        self._lexers = lexers

    def __missing__(self, state: int) -> Any:
        try:
            lexer = self._lexers[state]
            patterns = lexer.scanner._mres  # builds the scanner, and with it lexer.callback
            special = lexer.callback or lexer.ignore_types
        except (AttributeError, KeyError) as error:  # a Lark release laid its lexer out anew
            raise Fallback from error
        if special:
            raise Fallback  # lexer callbacks or %ignore: not this driver's job, Lark's
        # one compiled alternation, as Lark 1.x builds it for a grammar this size; any other
        # shape (split scanners, a new layout) is left to Lark
        pattern = patterns[0] if len(patterns) == 1 and isinstance(patterns[0], re.Pattern) else None
        self[state] = pattern
        return pattern


#: Nested options whose value may be a plain list (``N($select=a,b;$orderby=c desc,d)``): the
#: recognition pass reads its first item and skips the rest (see ``_plain_run``).
_PLAIN_RUNS: dict[str, re.Pattern[str]] = {"OPT_SELECT": PLAIN_SELECT, "OPT_ORDERBY": PLAIN_ORDERBY}


def _plain_run(run: re.Pattern[str], text: str, at: int, reached: int) -> tuple[int, int]:
    """Where the recognition pass may jump from (the first comma of a plain list starting at
    ``at``) and to (the ``;`` or ``)`` that ends it, before ``reached``); (-1, -1) if nowhere.

    Why it is exact: the list and its first item alone are both whole values of the option's
    rule (``item (_COMMA item)*``), so once the same lookahead (``;``/``)``) reduces either, the
    stack is the same; the fast path read the whole list, so each item, the first too, is valid."""
    match = run.match(text, at)
    if match is None:
        return -1, -1
    stop = match.end()
    if stop >= reached or text[stop] not in ";)":
        return -1, -1
    comma = text.find(",", at, stop)
    return (comma, stop) if comma > at else (-1, -1)


class Driver:
    """Parses with the tables of a Lark LALR parser that uses the contextual lexer.

    Each state maps a terminal to ``(True, next_state)`` for a shift or ``(False, reduction)``;
    a reduction is ``(size, callback or None, goto table of the rule's origin)``, where ``None``
    marks a unit rule (``?rule: child``) whose value passes through without a call.
    """

    def __init__(self, lark: Lark, faults: tuple[type[Exception], ...] = ()) -> None:
        if not INTERNALS:
            raise Fallback("this Lark release lacks the internals the driver reads")
        self._faults = faults
        frontend = lark.parser
        parser = frontend.parser.parser
        table = parser.parse_table
        callbacks = parser.callbacks
        self._start_states: dict[str, int] = dict(table.start_states)
        self._end_states: dict[str, int] = dict(table.end_states)
        reductions: dict[Any, tuple[int, Callable[[list[Any]], Any] | None, str]] = {}
        self._actions: dict[int, dict[str, tuple[bool, Any]]] = {}
        for state, row in table.states.items():
            actions: dict[str, tuple[bool, Any]] = {}
            for symbol, (action, argument) in row.items():
                if action is Shift:
                    actions[symbol] = (True, argument)
                else:
                    if argument not in reductions:
                        reductions[argument] = (len(argument.expansion), _callback(argument, callbacks), argument.origin.name)
                    actions[symbol] = (False, reductions[argument])
            self._actions[state] = actions
        self._units: dict[tuple[int, int, str], int] = {}
        self._ends = frozenset(self._end_states.values())
        # one compiled pattern per parser state (the contextual lexer's), compiled when first used
        self._patterns = _Patterns(frontend.lexer.lexers)
        # terminals some rule keeps as a child get a Token; the rest stay plain text
        self._kept: frozenset[str] = frozenset(
            symbol.name for rule in parser.callbacks for symbol in rule.expansion
            if symbol.is_term and not (symbol.filter_out and not rule.options.keep_all_tokens)
        )
        # the separators of the grammar's repetitions (``(_COMMA x)*`` → ``__x_star_0``): a parse
        # resumes right after one (see ``resume``)
        self._separators: frozenset[str] = frozenset(
            symbol.name for rule in parser.callbacks if rule.origin.name.startswith("__")
            for symbol in rule.expansion if symbol.is_term and symbol.name.startswith("_")
        )

    def parse(self, text: str, start: str, _resume: tuple[int, list[int]] | None = None) -> Any:
        """The value of start rule ``start`` for ``text``.

        Raises ``Stop`` where the text leaves the language (what Lark would report, without
        parsing again), a fault of a callback as it is, and ``Fallback`` where the driver cannot
        follow Lark's own machinery (split scanners, an unforeseen callback shape). ``_resume``
        (``resume``'s): start at this offset with these states, and raise ``Crossed`` rather than
        reduce a value that was never built.
        """
        actions = self._actions
        patterns = self._patterns
        kept = self._kept
        units = self._units
        faults = self._faults
        new_token = str.__new__
        end_state = self._end_states[start]
        if _resume is None:
            position, states = 0, [self._start_states[start]]
        else:  # from a checkpoint: the states below it as Lark had them, their values never built
            position, states = _resume[0], list(_resume[1])
        state = states[-1]
        values: list[Any] = [_HOLE] * (len(states) - 1)
        floor = len(values)  # 0 for a whole parse: no reduction can reach below it
        length = len(text)
        token_start = position
        while True:
            if position < length:
                pattern = patterns[state]
                if pattern is None:
                    raise Fallback  # no terminal here, or a scanner of another shape: Lark's case
                match = pattern.match(text, position)
                if match is None:
                    raise self._stop(states, None, position, text)
                kind = match.lastgroup
                word = match.group()
                end = match.end()
                if kind in kept:
                    # str.__new__ and four fields: a third of Token()'s cost; a callback that
                    # reads an unset field (line, column) raises, and Lark takes over
                    token = new_token(Token, word)
                    token.type = kind
                    token.value = word
                    token.start_pos = position
                    token.end_pos = end
                else:
                    token = word  # filtered out of every rule's children: no Token needed
                token_start = position
                position = end
            else:
                kind = "$END"
                token = None
                token_start = length
            while True:
                entry = actions[state].get(kind)  # type: ignore[arg-type]
                if entry is None:
                    raise self._stop(states, kind, token_start, text)
                shift, argument = entry
                if shift:
                    state = argument
                    states.append(state)
                    values.append(token)
                    break
                size, callback, origin = argument
                if callback is None:  # unit rules: the value stays, only the state moves
                    key = (states[-2], state, kind)
                    chained = units.get(key)
                    if chained is None:
                        chained = self._unit_chain(key)
                        if chained is None:
                            raise self._stop(states, kind, token_start, text)
                    state = chained
                    states[-1] = state
                else:
                    if size > len(values) - floor:
                        raise Crossed  # the rule holds values before the checkpoint
                    if size:
                        children = values[-size:]
                        del values[-size:]
                        del states[-size:]
                    else:
                        children = []
                    try:
                        values.append(callback(children))
                    except faults:
                        raise  # a value the language refuses: the same fault Lark would raise
                    except (AttributeError, TypeError, KeyError, IndexError) as error:
                        raise Fallback from error  # a callback shape this driver did not foresee
                    state = actions[states[-1]][origin][1]
                    states.append(state)
                if token is None and state == end_state:
                    if floor:
                        raise Crossed  # the text parsed: its value holds what was never built
                    return values[-1]

    def resume(self, text: str, start: str, reached: int) -> Any:
        """``parse``, for a text whose first ``reached`` characters another parser (the fast path)
        read and built without a fault: the states up to the last separator (``,``, `` or ``, ``;``…)
        ending there are recognised without callbacks or tokens, and the parse with callbacks
        starts after it. Raises ``Crossed`` where it cannot finish that way (most often: the text
        is valid, and the whole value is needed); ``Stop`` and faults as ``parse`` does.

        Why it is exact: a prefix's states depend on the tables alone, and every rule Lark
        reduces before that separator has only children before it, which the fast path built.
        """
        checkpoint = self._checkpoint(text, start, reached)
        if checkpoint is None:
            raise Crossed
        return self.parse(text, start, checkpoint)

    def _checkpoint(self, text: str, start: str, reached: int) -> tuple[int, list[int]] | None:
        """The end of the last separator that ends at or before ``reached``, and the state stack
        there (None if none does): the LALR loop with no values, tokens or callbacks."""
        actions = self._actions
        patterns = self._patterns
        separators = self._separators
        units = self._units
        runs = _PLAIN_RUNS
        state = self._start_states[start]
        states = [state]
        position = 0
        found: tuple[int, list[int]] | None = None
        skip_from = skip_to = -1
        while position < reached:
            if position == skip_from:
                position = skip_to
            pattern = patterns[state]
            if pattern is None:
                raise Fallback
            match = pattern.match(text, position)
            if match is None:
                return found  # an error before it: the parse from the checkpoint meets it
            kind = match.lastgroup
            end = match.end()
            while True:
                entry = actions[state].get(kind)  # type: ignore[arg-type]
                if entry is None:
                    return found
                shift, argument = entry
                if shift:
                    state = argument
                    states.append(state)
                    break
                size, callback, origin = argument
                if callback is None:
                    key = (states[-2], state, kind)
                    chained = units.get(key)
                    if chained is None:
                        chained = self._unit_chain(key)  # type: ignore[arg-type]
                        if chained is None:
                            return found
                    state = chained
                    states[-1] = state
                else:
                    if size:
                        del states[-size:]
                    state = actions[states[-1]][origin][1]
                    states.append(state)
            position = end
            if kind in separators and end <= reached:
                found = (end, states[:])
            elif kind in runs:
                skip_from, skip_to = _plain_run(runs[kind], text, end, reached)
        return found

    def _stop(self, states: list[int], kind: str | None, offset: int, text: str) -> Stop:
        """The error Lark raises here: its state after the reductions the lookahead ``kind``
        triggers (``None``: no terminal matched), and the terminals that state accepts."""
        actions = self._actions
        if kind is not None:
            while True:  # Lark reduces one rule at a time until the lookahead fails
                entry = actions[states[-1]].get(kind)
                if entry is None or entry[0]:
                    break
                size, _, origin = entry[1]
                if size:
                    del states[-size:]
                states.append(actions[states[-1]][origin][1])
        terminals = [name for name in actions[states[-1]] if name.isupper()]
        accepted = frozenset(name for name in terminals if self._would_shift(states, name))
        if kind is None:  # Lark's UnexpectedCharacters: the accepted set, even when empty
            return Stop(offset, accepted)
        return Stop(len(text) if kind == "$END" else offset, accepted or frozenset(terminals))

    def _would_shift(self, states: list[int], kind: str) -> bool:
        """Whether ``kind`` next would be shifted after the reductions it triggers (Lark's
        ``InteractiveParser.accepts``), without copying the stack: pops move a pointer."""
        actions = self._actions
        depth = len(states)
        pushed: list[int] = []
        while True:
            entry = actions[pushed[-1] if pushed else states[depth - 1]].get(kind)
            if entry is None:
                return False
            if entry[0]:
                return True
            size, _, origin = entry[1]
            from_pushed = min(size, len(pushed))
            if from_pushed:
                del pushed[-from_pushed:]
            depth -= size - from_pushed
            goto = actions[pushed[-1] if pushed else states[depth - 1]].get(origin)
            if goto is None:
                return False
            if kind == "$END" and goto[1] in self._ends:
                return True  # Lark feeds "$END" as the end: reaching the end state accepts it
            pushed.append(goto[1])

    def _unit_chain(self, key: tuple[int, int, str]) -> int | None:
        """The state after every unit reduction that ``key`` (state below, state, lookahead) starts,
        or None where the lookahead is refused on the way (a syntax error).

        The state below a unit rule's one symbol does not change while such rules reduce, so the
        chain depends on nothing else; it stops where a shift, a real reduction or the end is next.
        """
        below, state, kind = key
        actions = self._actions
        while True:
            entry = actions[state].get(kind)
            if entry is None:
                return None
            shift, argument = entry
            if shift or argument[1] is not None or (kind == "$END" and state in self._ends):
                break
            state = actions[below][argument[2]][1]
            if kind == "$END" and state in self._ends:
                break
        self._units[key] = state
        return state


def _callback(rule: Any, callbacks: dict[Any, Callable[[list[Any]], Any]]) -> Callable[[list[Any]], Any] | None:
    """The rule's callback, unwrapped where that is safe; ``None`` for a unit rule (one child,
    passed through unchanged)."""
    options = rule.options
    if (
        len(rule.expansion) == 1
        and options.expand1
        and not rule.alias
        and not options.empty_indices
        and not rule.expansion[0].name.startswith("_")
    ):
        return None
    return _lean(callbacks[rule], rule)


class _Inlined:
    """The children of a helper rule (``__x_star_0``, ``_rule``) that its parent splices in."""

    __slots__ = ("children",)

    def __init__(self, children: list[Any]) -> None:
        self.children = children


def _lean(callback: Any, rule: Any) -> Callable[[list[Any]], Any]:
    """Lark's wrapper chain (child filter → single-child expansion → transformer method) folded
    into one closure; a chain of any other shape is kept as Lark built it."""
    function = callback
    include: list[tuple[int, bool, int]] | None = None
    append_none = 0
    if isinstance(function, ChildFilterLALR_NoPlaceholders):
        include = [(index, expand, 0) for index, expand in function.to_include]
        function = function.node_builder
    elif type(function) is ChildFilterLALR:
        include, append_none = list(function.to_include), function.append_none
        function = function.node_builder
    expand_single = isinstance(function, ExpandSingleChild)
    if expand_single:
        function = function.node_builder
    if isinstance(function, functools.partial):  # no transformer method: Lark builds a Tree
        if not rule.origin.name.startswith("_"):
            return callback  # a Tree in the result: leave it to Lark's own code
        function = _Inlined
    elif not inspect.ismethod(function):
        return callback
    if include is None:
        include = [(index, False, 0) for index in range(len(rule.expansion))]
    size = len(rule.expansion)
    plain = not append_none and not any(expand or nones for _, expand, nones in include)
    if plain and [index for index, _, _ in include] == list(range(size)):
        if expand_single:
            return lambda children: children[0] if len(children) == 1 else function(children)
        return function
    if plain:
        indices = [index for index, _, _ in include]
        if expand_single:
            def pick(children: list[Any]) -> Any:
                kept = [children[index] for index in indices]
                return kept[0] if len(kept) == 1 else function(kept)
            return pick
        return lambda children: function([children[index] for index in indices])

    def splice(children: list[Any]) -> Any:
        kept: list[Any] = []
        for index, expand, nones in include:
            if nones:
                kept += [None] * nones
            if expand:
                if kept:
                    kept += children[index].children
                else:  # a left-recursive list (``__x_star: __x_star _COMMA x``) grows in place:
                    kept = children[index].children  # copying it per item made lists quadratic
            else:
                kept.append(children[index])
        if append_none:
            kept += [None] * append_none
        if expand_single and len(kept) == 1:
            return kept[0]
        return function(kept)

    return splice
