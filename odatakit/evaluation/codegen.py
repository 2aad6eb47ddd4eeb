"""The everyday filter — ``and``/``or`` of property-versus-literal comparisons, null tests and
``contains``/``startswith``/``endswith`` with a literal — as one generated Python function.

Each term reads its property inline and answers natively when the value has the literal's class
and carries no type annotation; anything else (another class, an annotation, null where a
function needs a value, an object that is not a dict) goes to the term's compiled closure, so
the semantics are the closures' (``filter.py``) and this file only removes calls. A tree outside
the subset is not generated at all.
"""

from __future__ import annotations

import math
from typing import Any

from ..query import tree

__all__ = ["generate"]

_COMPARISONS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FAST = (int, str, float)
_STRING_TESTS = {"contains": "{k} in {v}", "startswith": "{v}.startswith({k})", "endswith": "{v}.endswith({k})"}


def _property(node: Any) -> str | None:
    if isinstance(node, tree.Path) and len(node.segments) == 1 and isinstance(node.segments[0], tree.Property):
        return node.segments[0].name  # a lambda variable is a LambdaVariable, never a Property
    return None


class _Writer:
    def __init__(self, compile_node: Any, declared: Any) -> None:
        self.compile_node = compile_node  # node -> closure (the slow path of a term)
        self.declared = declared          # property name -> declared type or None
        self.names: dict[str, Any] = {}
        self.count = 0

    def constant(self, value: Any) -> str:
        key = f"k{len(self.names)}"
        self.names[key] = value
        return key

    def term(self, node: Any) -> str | None:
        """A Python expression for one term (True/False, or None where the closure says so)."""
        if isinstance(node, tree.BinaryOp) and node.op in _COMPARISONS and isinstance(node.right, tree.Literal):
            name = _property(node.left)
            value = node.right.value
            if name is None or self.declared(name) is not None:
                return None
            if node.right.type == "Null" and node.op in ("eq", "ne"):
                return f"(cur.get({self.constant(name)}) is {'' if node.op == 'eq' else 'not '}None)"
            if value.__class__ not in _FAST or node.right.type == "Decimal" or \
                    (isinstance(value, float) and math.isnan(value)):
                return None
            v, slow, klass = f"v{self.count}", self.constant(self.compile_node(node)), self.constant(value.__class__)
            self.count += 1
            return (f"(({v} {_COMPARISONS[node.op]} {self.constant(value)}) "
                    f"if ({v} := cur.get({self.constant(name)})).__class__ is {klass} else {slow}(cur, scope))")
        if isinstance(node, tree.Call) and node.function in _STRING_TESTS and len(node.args) == 2:
            name = _property(node.args[0])
            literal = node.args[1]
            if name is None or self.declared(name) is not None or not isinstance(literal, tree.Literal) \
                    or literal.type != "String":
                return None
            v, slow = f"v{self.count}", self.constant(self.compile_node(node))
            self.count += 1
            test = _STRING_TESTS[node.function].format(k=self.constant(literal.value), v=v)
            plain = f"{self.constant(name + '@odata.type')} not in cur and {self.constant(name + '@type')} not in cur"
            return (f"({test} if ({v} := cur.get({self.constant(name)})).__class__ is str and {plain} "
                    f"else {slow}(cur, scope))")
        return None


def generate(node: Any, compile_node: Any, declared: Any, whole: Any) -> Any:
    """A generated ``(cur, scope) -> value`` for ``node``, or None when it is outside the subset.
    ``whole`` is the compiled closure of the entire expression: it serves an object that is not
    a dict."""
    writer = _Writer(compile_node, declared)
    terms = node.operands if isinstance(node, (tree.And, tree.Or)) else (node,)
    written = [writer.term(t) for t in terms]
    if any(w is None for w in written) or len(written) > 16:
        return None
    lines = ["def generated(cur, scope):", f"    if cur.__class__ is not dict: return {writer.constant(whole)}(cur, scope)"]
    if len(written) == 1:
        lines.append(f"    return {written[0]}")
    else:
        decisive, other = ("False", "True") if isinstance(node, tree.And) else ("True", "False")
        for index, expression in enumerate(written):
            lines.append(f"    t{index} = {expression}")
            lines.append(f"    if t{index} is {decisive}: return {decisive}")
        # no term decided: all are the other value, or some are null (three-valued: null wins)
        every = " and ".join(f"t{i} is {other}" for i in range(len(written)))
        lines.append(f"    if {every}: return {other}")
        lines.append(f"    return {writer.constant(whole)}(cur, scope)")
    namespace = dict(writer.names)
    exec(compile("\n".join(lines), "<odatakit filter>", "exec"), namespace)  # noqa: S102 - our own text
    return namespace["generated"]
