"""Checked compile-time arithmetic: each failure becomes a (code, message) instead of an exception."""

from __future__ import annotations

import math

__all__ = ["fold_binary", "fold_call", "power_overflows"]

_LIMIT = 2**63
_MATH = {
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
    return _checked(result)


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
        return a**b
    return math.pow(a, b)


def _checked(result: int | float) -> Result:
    if isinstance(result, int) and not isinstance(result, bool) and abs(result) >= _LIMIT:
        return 0, "integer-overflow", "integer result outside the 64-bit range"
    if isinstance(result, float) and not math.isfinite(result):
        return 0, "non-finite", "the result is not a finite number"
    return result, "", ""


def fold_call(name: str, x: float) -> Result:
    try:
        return _checked(_MATH[name](x))
    except ValueError:
        return 0, "math-domain", f"{name}({_show(x)}) is outside the function's domain"
    except OverflowError:
        return 0, "non-finite", f"{name}({_show(x)}) overflows"


def _show(x: int | float) -> str:
    return repr(x)
