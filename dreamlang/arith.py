"""Checked compile-time arithmetic: each failure becomes a (code, message) instead of an exception."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

from dreamlang import ir
from dreamlang.values import ListValue, Sym, TupleValue

__all__ = ["MATH", "ValueSizes", "checked", "fold_binary", "fold_call", "power_overflows"]

_LIMIT = 2**63
MATH: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "arcsin": math.asin,
    "arccos": math.acos,
    "arctan": math.atan,
}

Result = tuple[int | float, str, str]


def power_overflows(base: float, exponent: float) -> bool:
    """True when an integer power would leave 64 bits; checked before computing 2**100000."""
    if not (isinstance(base, int) and isinstance(exponent, int)) or exponent < 0:
        return False
    return abs(base) > 1 and exponent * math.log2(abs(base)) >= 63


def fold_binary(op: str, a: int | float, b: int | float) -> Result:
    try:
        result = _apply(op, a, b)
    except ZeroDivisionError:
        return 0, "division-by-zero", f"division by zero in '{_show(a)} {op} {_show(b)}'"
    except OverflowError:
        return 0, "non-finite", f"'{_show(a)} {op} {_show(b)}' overflows"
    except ValueError:
        return 0, "math-domain", f"'{_show(a)} {op} {_show(b)}' is not a real number"
    return checked(result)


def _apply(op: str, a: int | float, b: int | float) -> int | float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "//":
        return a // b
    if op == "%":
        return a % b
    if isinstance(a, int) and isinstance(b, int) and b >= 0:
        power: int = a**b
        return power
    return math.pow(a, b)


def checked(result: int | float) -> Result:
    """The result, or the code and message when it is not a finite 64-bit number."""
    if isinstance(result, int) and not isinstance(result, bool) and abs(result) >= _LIMIT:
        return 0, "integer-overflow", "integer result outside the 64-bit range"
    if isinstance(result, float) and not math.isfinite(result):
        return 0, "non-finite", "the result is not a finite number"
    return result, "", ""


def fold_call(name: str, x: float) -> Result:
    try:
        return checked(MATH[name](x))
    except ValueError:
        return 0, "math-domain", f"{name}({_show(x)}) is outside the function's domain"
    except OverflowError:
        return 0, "non-finite", f"{name}({_show(x)}) overflows"


def _show(x: int | float) -> str:
    return repr(x)


# ---- sizes of built values ----

_SMALL = 32  # values of up to this many parts are measured again rather than remembered
_REMEMBERED = 4096  # how many bigger values are remembered at a time
Size = tuple[int, int]  # (depth, number of parts counted as a tree)
_NESTED = (ListValue, TupleValue, Sym)


def _node(value: object) -> object:
    return value.expr if isinstance(value, Sym) else value


def _parts(node: object) -> tuple[object, ...]:
    if isinstance(node, ListValue | TupleValue):
        return tuple(_node(item) for item in node.items)
    if isinstance(node, ir.Binary):
        return (node.left, node.right)
    if isinstance(node, ir.Neg):
        return (node.operand,)
    if isinstance(node, ir.Call):
        return (node.arg,)
    return ()


class ValueSizes:
    """Depth and tree size of lists, tuples and run-time expressions, measured as they are built.

    Names let a program reuse a value twice in the next one (let b = a + a), so sizes can grow
    exponentially while memory does not; what consumes the value later (hashing, printing,
    checking probabilities) would take that long or recurse that deep. Values are built from
    measured parts, so only new nodes are walked: big ones are remembered by identity (holding
    a reference, so the id stays theirs) and small ones walked again.
    """

    def __init__(self) -> None:
        self._known: OrderedDict[int, tuple[object, int, int]] = OrderedDict()

    def measure(self, value: object) -> Size:
        """Depth and size of ``value``, iteratively (nothing here may recurse deeply)."""
        root = _node(value)
        if isinstance(root, ListValue | TupleValue) and not any(
            isinstance(item, _NESTED) for item in root.items
        ):
            return (2, 1 + len(root.items)) if root.items else (1, 1)  # the common flat list
        done: dict[int, Size] = {}
        stack = [root]
        while stack:
            node = stack[-1]
            if id(node) in done or self._recall(node, done):
                stack.pop()
                continue
            parts = _parts(node)
            todo = [p for p in parts if id(p) not in done]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            done[id(node)] = self._remember(node, [done[id(p)] for p in parts])
        return done[id(root)]

    def _recall(self, node: object, done: dict[int, Size]) -> bool:
        if not _parts(node):
            done[id(node)] = (1, 1)
            return True
        known = self._known.get(id(node))
        if known is None or known[0] is not node:
            return False
        self._known.move_to_end(id(node))
        done[id(node)] = known[1], known[2]
        return True

    def _remember(self, node: object, parts: list[Size]) -> Size:
        depth = 1 + max(d for d, _ in parts)
        size = min(1 + sum(n for _, n in parts), 2**63)
        if size > _SMALL:
            self._known[id(node)] = (node, depth, size)
            if len(self._known) > _REMEMBERED:
                self._known.popitem(last=False)
        return depth, size
