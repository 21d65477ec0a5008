"""Simplifies the expressions of every operation: constant subtrees to numbers, x + 0, x * 1, --x."""

from __future__ import annotations

import dataclasses
import math

from dreamlang import ir

from .common import Context, constant, ops_of, with_ops

__all__ = ["rule", "simplify"]


def rule(program: ir.Program, *, context: Context | None = None) -> ir.Program:
    """``program`` with the parameter expressions of its gates and channels, and the dropout
    probabilities of its tags, simplified; epoch schedules and symbols are never evaluated.

    >>> import dreamlang
    >>> from dreamlang.irprint import format_expr
    >>> src = "model m { qubits 1\\n param w[2]\\n rx(w[0] * 1 + 0) on 0\\n rz(-(-w[1]) + 0.5 + 0.25) on 0\\n measure expval Z on 0 }"
    >>> [format_expr(op.params[0]) for op in rule(dreamlang.parse(src)).model.ops]
    ['w[0]', 'w[1] + 0.75']
    """
    return with_ops(program, [_fold_op(op) for op in ops_of(program)])


# Expressions without children: simplify returns them as they are.
_LEAVES = (ir.Num, ir.ParamRef, ir.InputRef, ir.Schedule)


def _fold_op(op: ir.Operation) -> ir.Operation:
    tags, params = op.tags, op.params
    # Most operations have plain numbers or symbols as angles and no dropout tag: nothing to do.
    # No angle or one (the usual cases) without a generator.
    if tags.dropout is None and (
        not params
        or (
            isinstance(params[0], _LEAVES)
            and (len(params) == 1 or all(isinstance(p, _LEAVES) for p in params))
        )
    ):
        return op
    params = tuple(simplify(p) for p in params)
    tag = tags.dropout
    if tag is not None:
        p = simplify(tag.p)
        p_layer = None if tag.p_layer is None else simplify(tag.p_layer)
        if p is not tag.p or p_layer is not tag.p_layer:
            tags = dataclasses.replace(tags, dropout=dataclasses.replace(tag, p=p, p_layer=p_layer))
    if tags is op.tags and all(a is b for a, b in zip(params, op.params)):
        return op
    return dataclasses.replace(op, params=params, tags=tags)


def simplify(expr: ir.Expr) -> ir.Expr:
    """An equal expression, simplified bottom-up (the same object when nothing applies)."""
    if isinstance(expr, ir.Binary):  # the usual node first; leaves need no call
        left, right = expr.left, expr.right
        new_left = left if isinstance(left, _LEAVES) else simplify(left)
        new_right = right if isinstance(right, _LEAVES) else simplify(right)
        if new_left is left and new_right is right:
            return _rewrite(expr)
        return _rewrite(ir.Binary(expr.op, new_left, new_right))
    if isinstance(expr, ir.Neg):
        operand = simplify(expr.operand)
        return _rewrite(expr if operand is expr.operand else ir.Neg(operand))
    if isinstance(expr, ir.Call):
        arg = simplify(expr.arg)
        return _rewrite(expr if arg is expr.arg else ir.Call(expr.func, arg))
    return expr  # a number, a symbol or a schedule


def _rewrite(node: ir.Neg | ir.Call | ir.Binary) -> ir.Expr:
    """One node whose children are simplified already, simplified."""
    if isinstance(node, ir.Binary):
        return _rewrite_binary(node)
    if _numbers_only(node):
        value = constant(node)
        return ir.Num(value) if value is not None and math.isfinite(value) else node
    if isinstance(node, ir.Neg):
        return node.operand.operand if isinstance(node.operand, ir.Neg) else node
    return node


def _rewrite_binary(node: ir.Binary) -> ir.Expr:
    left, right, op = node.left, node.right, node.op
    left_number, right_number = isinstance(left, ir.Num), isinstance(right, ir.Num)
    if left_number and right_number:
        value = constant(node)
        return ir.Num(value) if value is not None and math.isfinite(value) else node
    if op in ("+", "-"):
        return _rewrite_sum(node)
    if op == "*" and (left_number or right_number):  # x * 1, 1 * x, x * 0, 0 * x
        for one, other in ((left, right), (right, left)):
            if _is(one, 1.0):
                return other
            if _is(one, 0.0):
                return ir.Num(0.0)  # the other factor is always finite
    if op == "/" and _is(right, 1.0):
        return left
    return node


def _numbers_only(node: ir.Neg | ir.Call | ir.Binary) -> bool:
    """Whether every child of ``node`` is a number (so that the node evaluates to one)."""
    if isinstance(node, ir.Binary):
        return isinstance(node.left, ir.Num) and isinstance(node.right, ir.Num)
    return isinstance(node.operand if isinstance(node, ir.Neg) else node.arg, ir.Num)


def _rewrite_sum(node: ir.Binary) -> ir.Expr:
    left, right, minus = node.left, node.right, node.op == "-"
    if isinstance(right, ir.Neg):  # x + -y is x - y, x - -y is x + y
        return _rewrite(ir.Binary("+" if minus else "-", left, right.operand))
    if _is(left, 0.0):
        return _rewrite(ir.Neg(right)) if minus else right
    if not isinstance(right, ir.Num):
        return node
    shift = -right.value if minus else right.value
    inner = _offset(left)
    if inner is not None:  # (x + c1) + c2 is x + (c1 + c2)
        return _rewrite(ir.Binary("+", inner[0], ir.Num(inner[1] + shift)))
    if shift == 0.0:
        return left
    if shift < 0.0:
        return _same(node, ir.Binary("-", left, ir.Num(-shift)))
    return _same(node, ir.Binary("+", left, ir.Num(shift)))


def _offset(expr: ir.Expr) -> tuple[ir.Expr, float] | None:
    """(x, c) when ``expr`` is x + c, x - c (as x + -c) or c + x with a number c."""
    if not isinstance(expr, ir.Binary) or expr.op not in ("+", "-"):
        return None
    if isinstance(expr.right, ir.Num):
        return expr.left, -expr.right.value if expr.op == "-" else expr.right.value
    if expr.op == "+" and isinstance(expr.left, ir.Num):
        return expr.right, expr.left.value
    return None


def _same(old: ir.Binary, new: ir.Binary) -> ir.Binary:
    return old if new == old else new


def _is(expr: ir.Expr, value: float) -> bool:
    return isinstance(expr, ir.Num) and expr.value == value
