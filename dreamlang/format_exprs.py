"""Canonical printing of expressions and one-line statements, with minimal parentheses."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from dreamlang import syntax as s

__all__ = [
    "format_args",
    "format_expr",
    "format_string",
    "format_wires",
    "head_item_text",
    "int_text",
    "precedence",
    "simple_stmt_text",
    "train_setting_text",
]

# Binding strength, loosest first, as in grammar/dream.lark.
RANGE, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POWER, POSTFIX, ATOM = range(1, 12)

_BINARY = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "//": PRODUCT, "%": PRODUCT}
_ALL_FIRST = re.compile(r"all(?![A-Za-z0-9_])")
_SMALL_INT = 10**4000


def precedence(expr: s.Expr) -> int:
    """How tightly ``expr`` binds; a child looser than its slot needs parentheses."""
    if isinstance(expr, s.Range):
        return RANGE
    if isinstance(expr, s.BoolOp):
        return OR if expr.op == "or" else AND
    if isinstance(expr, s.Not):
        return NOT
    if isinstance(expr, s.Compare):
        return COMPARE
    if isinstance(expr, s.Binary):
        return POWER if expr.op == "**" else _BINARY[expr.op]
    if isinstance(expr, s.Unary):
        return UNARY
    if isinstance(expr, (s.Call, s.Index)):
        return POSTFIX
    return ATOM


def _children(expr: s.Expr) -> tuple[s.Expr, ...]:
    if isinstance(expr, (s.Binary, s.Compare, s.BoolOp)):
        return (expr.left, expr.right)
    if isinstance(expr, (s.Unary, s.Not)):
        return (expr.operand,)
    if isinstance(expr, s.Range):
        return (expr.start, expr.stop) + ((expr.step,) if expr.step is not None else ())
    if isinstance(expr, s.Call):
        return tuple(arg.value for arg in expr.args)
    if isinstance(expr, s.Index):
        return (expr.target, *expr.indices)
    if isinstance(expr, (s.TupleExpr, s.ListExpr)):
        return expr.items
    if isinstance(expr, s.Comprehension):
        rest = (expr.condition,) if expr.condition is not None else ()
        return (expr.item, expr.iterable, *rest)
    return ()


def format_expr(expr: s.Expr) -> str:
    """Print an expression canonically; iterative, so deep trees cannot overflow the stack."""
    done: dict[int, str] = {}
    stack: list[tuple[s.Expr, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        if ready:
            done[id(node)] = _render(node, lambda child, slot: _wrap(done[id(child)], child, slot))
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return done[id(expr)]


def int_text(value: int) -> str:
    """str(value) for any number of digits (Python refuses str() of more than 4300 digits)."""
    if value < 0:
        return "-" + int_text(-value)
    if value < _SMALL_INT:
        return str(value)
    half = int(value.bit_length() * 0.30103) // 2  # about half the decimal digits
    high, low = divmod(value, 10**half)
    return int_text(high) + int_text(low).rjust(half, "0")


def _wrap(text: str, child: s.Expr, slot: int) -> str:
    return f"({text})" if precedence(child) < slot else text


Sub = Callable[[s.Expr, int], str]


def _render(node: s.Expr, sub: Sub) -> str:
    if isinstance(node, s.Int):
        return int_text(node.value)
    if isinstance(node, s.Float):
        return node.text or repr(node.value)
    if isinstance(node, s.Name):
        return node.id
    if isinstance(node, s.AllWires):
        return "all"
    if isinstance(node, (s.Binary, s.Compare, s.BoolOp)):
        return _render_binary(node, sub)
    if isinstance(node, s.Unary):
        return node.op + sub(node.operand, UNARY)
    if isinstance(node, s.Not):
        return "not " + sub(node.operand, NOT)
    if isinstance(node, s.Range):
        text = f"{sub(node.start, OR)}..{sub(node.stop, OR)}"
        return text if node.step is None else f"{text} by {sub(node.step, OR)}"
    return _render_postfix(node, sub)


def _render_binary(node: s.Binary | s.Compare | s.BoolOp, sub: Sub) -> str:
    prec = precedence(node)
    if isinstance(node, s.Compare):
        left, right = SUM, SUM
    elif prec == POWER:
        left, right = POSTFIX, UNARY
    else:  # left-associative: the right operand must bind tighter
        left, right = prec, prec + 1
    return f"{sub(node.left, left)} {node.op} {sub(node.right, right)}"


def _render_postfix(node: s.Expr, sub: Sub) -> str:
    if isinstance(node, s.Call):
        return f"{node.func.id}({_args(node.args, sub)})"
    if isinstance(node, s.Index):
        indices = ", ".join(sub(i, RANGE) for i in node.indices)
        return f"{sub(node.target, POSTFIX)}[{indices}]"
    if isinstance(node, s.TupleExpr):
        items = [sub(i, RANGE) for i in node.items]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(node, s.ListExpr):
        return "[" + ", ".join(sub(i, RANGE) for i in node.items) + "]"
    if isinstance(node, s.Comprehension):
        condition = "" if node.condition is None else f" if {sub(node.condition, RANGE)}"
        return (
            f"[{sub(node.item, RANGE)} for {node.name} in {sub(node.iterable, RANGE)}{condition}]"
        )
    raise TypeError(f"not an expression: {node!r}")


def _args(args: Sequence[s.Arg], sub: Sub) -> str:
    parts = [(f"{a.name}=" if a.name is not None else "") + sub(a.value, RANGE) for a in args]
    return ", ".join(parts)


def format_args(args: Sequence[s.Arg]) -> str:
    """Call arguments without the parentheses: ``a, key=v``."""
    return ", ".join((f"{a.name}=" if a.name else "") + format_expr(a.value) for a in args)


def format_wires(wires: s.Expr) -> str:
    """A wire list after ``on``; a name spelled ``all`` there needs parentheses to stay a name."""
    text = format_expr(wires)
    if not isinstance(wires, s.AllWires) and _ALL_FIRST.match(text):
        return f"({text})"
    return text


def format_string(value: str) -> str:
    """A double-quoted string literal that the grammar accepts and ast.literal_eval reads back."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return '"' + "".join(out) + '"'


# ---- one-line statements ----


def _call_text(call: s.CallStmt) -> str:
    text = call.name if call.args is None else f"{call.name}({format_args(call.args)})"
    return text if call.wires is None else f"{text} on {format_wires(call.wires)}"


def _shape(shape: tuple[s.Expr, ...] | None) -> str:
    return "" if shape is None else "[" + ", ".join(format_expr(e) for e in shape) + "]"


def _assigns(assigns: Sequence[s.Assign]) -> str:
    return ", ".join(f"{a.name} = {format_expr(a.value)}" for a in assigns)


def _param(stmt: s.ParamDecl) -> str:
    text = f"param {stmt.name}{_shape(stmt.shape)}"
    if stmt.init is None:
        return text
    init = stmt.init.func.id
    return (
        f"{text} ~ {init}({format_args(stmt.init.args)})" if stmt.init.args else f"{text} ~ {init}"
    )


def _entangle(stmt: s.Entangle) -> str:
    return f"entangle {format_expr(stmt.topology)} using {_call_text(stmt.gate)}"


def _dropout(stmt: s.DropoutStmt) -> str:
    parts = ["dropout", stmt.target]
    if stmt.gates:
        parts.append("[" + ", ".join(stmt.gates) + "]")
    if stmt.assigns:
        parts.append(_assigns(stmt.assigns))
    if stmt.layers is not None:
        parts.append(f"in layers {format_expr(stmt.layers)}")
    if stmt.group is not None:
        parts.append(f"group {stmt.group}")
    parts.extend(f"include {name}" for name in stmt.include)
    return " ".join(parts)


def _noise(stmt: s.NoiseStmt) -> str:
    parts = ["noise", stmt.channel]
    if stmt.assigns:
        parts.append(_assigns(stmt.assigns))
    # The placement is always written out: the tree cannot tell 'after each gate' from nothing.
    parts.append("after each layer" if stmt.placement == "layer" else "after each gate")
    if stmt.placement != "layer" and stmt.gates:
        parts.append("of [" + ", ".join(stmt.gates) + "]")
    if stmt.wires is not None:
        parts.append(f"on {format_wires(stmt.wires)}")
    if stmt.mode is not None:
        parts.append(stmt.mode)
    return " ".join(parts)


def _pauli(word: tuple[s.PauliFactor, ...]) -> str:
    return " ".join(f.name if f.wire is None else f"{f.name}[{format_expr(f.wire)}]" for f in word)


def _measure(stmt: s.Measure) -> str:
    parts = ["measure", stmt.kind]
    if stmt.word:
        parts.append(_pauli(stmt.word))
    if stmt.wires is not None:
        parts.append(f"on {format_wires(stmt.wires)}")
    if stmt.shots is not None:
        parts.append(f"shots {format_expr(stmt.shots)}")
    return " ".join(parts)


def head_item_text(item: s.Dense | s.Activation) -> str:
    return f"dense {format_expr(item.units)}" if isinstance(item, s.Dense) else item.name


def train_setting_text(setting: s.TrainSetting) -> str:
    value = setting.value
    text = format_string(value) if isinstance(value, str) else format_expr(value)
    return f"{setting.name} {text}"


def simple_stmt_text(stmt: s.Stmt) -> str:
    """The one line of a statement that has no body (``head`` is printed on one line)."""
    if isinstance(stmt, s.Import):
        return f"import {format_string(stmt.path)}"
    if isinstance(stmt, (s.ConstStmt, s.LetStmt)):
        keyword = "const" if isinstance(stmt, s.ConstStmt) else "let"
        return f"{keyword} {stmt.name} = {format_expr(stmt.value)}"
    if isinstance(stmt, s.Qubits):
        return f"qubits {format_expr(stmt.count)}"
    if isinstance(stmt, s.Ensemble):
        return f"ensemble {format_expr(stmt.count)}"
    if isinstance(stmt, s.InputDecl):
        return f"input {stmt.name}{_shape(stmt.shape)}"
    if isinstance(stmt, s.Pair):
        return f"pair {format_expr(stmt.first)}, {format_expr(stmt.second)}"
    if isinstance(stmt, s.Require):
        values = "".join(f", {format_expr(v)}" for v in stmt.values)
        return f"require {format_expr(stmt.condition)}, {format_string(stmt.message)}{values}"
    if isinstance(stmt, s.Head):
        items = "; ".join(head_item_text(item) for item in stmt.items)
        return f"head {{ {items} }}" if items else "head {}"
    if isinstance(stmt, s.Train):
        settings = "; ".join(train_setting_text(setting) for setting in stmt.settings)
        return f"train {{ {settings} }}" if settings else "train {}"
    return _operation_text(stmt)


def _operation_text(stmt: s.Stmt) -> str:
    if isinstance(stmt, s.ParamDecl):
        return _param(stmt)
    if isinstance(stmt, s.CallStmt):
        return _call_text(stmt)
    if isinstance(stmt, s.Encode):
        return "encode " + _call_text(stmt.call)
    if isinstance(stmt, s.Entangle):
        return _entangle(stmt)
    if isinstance(stmt, s.DropoutStmt):
        return _dropout(stmt)
    if isinstance(stmt, s.NoiseStmt):
        return _noise(stmt)
    if isinstance(stmt, s.Measure):
        return _measure(stmt)
    raise TypeError(f"not a one-line statement: {type(stmt).__name__}")
