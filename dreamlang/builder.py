"""Tree builder: turns Lark's parse tree into the dreamlang syntax tree, without recursion."""

from __future__ import annotations

import ast as _pyast
import re
from typing import Any

from lark import Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import VisitError

from dreamlang import syntax as s
from dreamlang.diagnostics import Diagnostic, DreamError, Severity, Source, Span
from dreamlang.limits import Limits

__all__ = ["build_module"]


# The escapes a string may use (Python's): anything else after a backslash is an error.
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = frozenset("\\'\"abfnrtv01234567xuUN")
# Python refuses str -> int conversions of more digits than this; longer literals are split.
_INT_CHUNK = 4000


def build_module(
    tree: Tree[Token], source: Source, comments: list[Token], limits: Limits
) -> s.Module:
    try:
        module = _Builder(source, limits).transform(tree)
    except VisitError as exc:  # Lark wraps what the rule methods raise
        if isinstance(exc.orig_exc, DreamError):
            raise exc.orig_exc from None
        raise
    assert isinstance(module, s.Module)
    kept = tuple(s.Comment(str(c).rstrip(), _token_span(source, c)) for c in comments)
    return s.Module(module.items, kept, module.span)


def _error(code: str, message: str, span: Span, *notes: str) -> DreamError:
    return DreamError([Diagnostic(Severity.ERROR, code, message, span, notes)])


def _string_value(source: Source, token: Token) -> str:
    """The text of a string literal, escapes decoded; a bad escape is a syntax error."""
    text = str(token)
    value = None
    if all(m[1] in _ESCAPES for m in _ESCAPE.finditer(text)):
        try:
            value = _pyast.literal_eval(text)
            value.encode("utf-8")  # a lone surrogate is not text
        except (SyntaxError, ValueError):  # a truncated escape, an unknown name, a NUL
            value = None
    if not isinstance(value, str):
        hint = 'hint: escapes are \\\\ \\" \\n \\t \\xHH \\uHHHH \\UHHHHHHHH \\N{NAME}'
        span = _token_span(source, token)
        raise _error("syntax-error", "invalid string: a bad escape or character", span, hint)
    return value


def _int_value(text: str) -> int:
    """int(text) for any number of digits, in O(n log n) by halves (Python caps int(str))."""
    if len(text) <= _INT_CHUNK:
        return int(text)
    half = len(text) // 2
    scale: int = 10**half
    return _int_value(text[:-half]) * scale + _int_value(text[-half:])


def _token_span(source: Source, token: Token) -> Span:
    line, column = token.line or 1, token.column or 1
    end_line = token.end_line or line
    end_column = token.end_column or column + len(str(token))
    return Span(source, line, column, end_line, end_column)


@v_args(meta=True)
class _Builder(Transformer_NonRecursive[Token, Any]):
    """One method per grammar rule; each returns a syntax node with its span."""

    def __init__(self, source: Source, limits: Limits):
        super().__init__()
        self.source = source
        self.limits = limits

    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 1, 1, 1, 1)
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return _token_span(self.source, token)

    # ---- module and definitions ----
    def start(self, meta: Any, items: list[Any]) -> s.Module:
        return s.Module(tuple(items), (), self._span(meta))

    def import_stmt(self, meta: Any, c: list[Any]) -> s.Import:
        return s.Import(_string_value(self.source, c[0]), self._span(meta))

    def const_stmt(self, meta: Any, c: list[Any]) -> s.ConstStmt:
        return s.ConstStmt(str(c[0]), c[1], self._span(meta))

    def let_stmt(self, meta: Any, c: list[Any]) -> s.LetStmt:
        return s.LetStmt(str(c[0]), c[1], self._span(meta))

    def block_def(self, meta: Any, c: list[Any]) -> s.BlockDef:
        wires = str(c[2]) if c[2] is not None else None
        return s.BlockDef(str(c[0]), c[1] or (), wires, c[3], self._span(meta))

    def topology_def(self, meta: Any, c: list[Any]) -> s.TopologyDef:
        return s.TopologyDef(str(c[0]), c[1] or (), c[2], self._span(meta))

    def model_def(self, meta: Any, c: list[Any]) -> s.ModelDef:
        return s.ModelDef(str(c[0]), c[1], self._span(meta))

    def params(self, meta: Any, c: list[Any]) -> tuple[s.ParamSpec, ...]:
        return tuple(c)

    def param_spec(self, meta: Any, c: list[Any]) -> s.ParamSpec:
        return s.ParamSpec(str(c[0]), c[1], self._span(meta))

    def body(self, meta: Any, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    # ---- declarations ----
    def qubits_stmt(self, meta: Any, c: list[Any]) -> s.Qubits:
        return s.Qubits(c[0], self._span(meta))

    def ensemble_stmt(self, meta: Any, c: list[Any]) -> s.Ensemble:
        return s.Ensemble(c[0], self._span(meta))

    def input_stmt(self, meta: Any, c: list[Any]) -> s.InputDecl:
        return s.InputDecl(str(c[0]), c[1], self._span(meta))

    def param_stmt(self, meta: Any, c: list[Any]) -> s.ParamDecl:
        return s.ParamDecl(str(c[0]), c[1], c[2], self._span(meta))

    def shape(self, meta: Any, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def initializer(self, meta: Any, c: list[Any]) -> s.Call:
        name = s.Name(str(c[0]), self._tspan(c[0]))
        return s.Call(name, c[1] or (), self._span(meta))

    # ---- operations ----
    def call_stmt(self, meta: Any, c: list[Any]) -> s.CallStmt:
        return s.CallStmt(str(c[0]), c[1], c[2], self._span(meta))

    def call_args(self, meta: Any, c: list[Any]) -> tuple[s.Arg, ...]:
        return c[0] or ()

    def encode_stmt(self, meta: Any, c: list[Any]) -> s.Encode:
        span = self._span(meta)
        call_start = self._tspan(c[0])
        return s.Encode(s.CallStmt(str(c[0]), c[1], c[2], call_start.to(span)), span)

    def entangle_stmt(self, meta: Any, c: list[Any]) -> s.Entangle:
        span = self._span(meta)
        gate = s.CallStmt(str(c[1]), c[2], c[3], self._tspan(c[1]).to(span))
        return s.Entangle(c[0], gate, span)

    def named_topology(self, meta: Any, c: list[Any]) -> s.Name | s.Call:
        name = s.Name(str(c[0]), self._tspan(c[0]))
        return name if c[1] is None else s.Call(name, c[1], self._span(meta))

    def explicit_topology(self, meta: Any, c: list[Any]) -> s.ListExpr:
        assert isinstance(c[0], s.ListExpr)
        return c[0]

    def all_wires(self, meta: Any, c: list[Any]) -> s.AllWires:
        return s.AllWires(self._span(meta))

    def wires(self, meta: Any, c: list[Any]) -> Any:
        return c[0]

    # ---- control flow ----
    def repeat_stmt(self, meta: Any, c: list[Any]) -> s.Repeat:
        var = str(c[1]) if c[1] is not None else None
        return s.Repeat(c[0], var, c[2], self._span(meta))

    def for_stmt(self, meta: Any, c: list[Any]) -> s.For:
        return s.For(str(c[0]), c[1], c[2], self._span(meta))

    def layer_stmt(self, meta: Any, c: list[Any]) -> s.Layer:
        return s.Layer(c[0], self._span(meta))

    def if_stmt(self, meta: Any, c: list[Any]) -> s.If:
        branches = [(c[0], c[1])] + [tuple(e) for e in c[2:-1]]
        return s.If(tuple(branches), c[-1], self._span(meta))

    def elif_clause(self, meta: Any, c: list[Any]) -> tuple[Any, Any]:
        return (c[0], c[1])

    def else_clause(self, meta: Any, c: list[Any]) -> Any:
        return c[0]

    def pair_stmt(self, meta: Any, c: list[Any]) -> s.Pair:
        return s.Pair(c[0], c[1], self._span(meta))

    def require_stmt(self, meta: Any, c: list[Any]) -> s.Require:
        message = _string_value(self.source, c[1])
        return s.Require(c[0], message, self._span(meta), tuple(c[2:]))

    # ---- dropout and noise ----
    def dropout_stmt(self, meta: Any, c: list[Any]) -> s.DropoutStmt:
        layers, group, include = None, None, []
        for kind, value in c[3:]:
            if kind == "layers":
                layers = value
            elif kind == "group":
                group = value
            else:
                include.append(value)
        return s.DropoutStmt(
            str(c[0]), c[1], c[2] or (), layers, group, tuple(include), self._span(meta)
        )

    def gate_list(self, meta: Any, c: list[Any]) -> tuple[str, ...]:
        return tuple(str(t) for t in c)

    def assigns(self, meta: Any, c: list[Any]) -> tuple[s.Assign, ...]:
        return tuple(c)

    def assign(self, meta: Any, c: list[Any]) -> s.Assign:
        return s.Assign(str(c[0]), c[1], self._span(meta))

    def dropout_layers(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("layers", c[0])

    def dropout_group(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("group", str(c[0]))

    def dropout_include(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("include", str(c[0]))

    def noise_stmt(self, meta: Any, c: list[Any]) -> s.NoiseStmt:
        placement, gates = c[2] if c[2] is not None else ("gate", None)
        mode = str(c[4]) if c[4] is not None else None
        return s.NoiseStmt(str(c[0]), c[1] or (), placement, gates, c[3], mode, self._span(meta))

    def after_layer(self, meta: Any, c: list[Any]) -> tuple[str, None]:
        return ("layer", None)

    def after_gate(self, meta: Any, c: list[Any]) -> tuple[str, Any]:
        return ("gate", c[0])

    # ---- measurement and head ----
    def _measure(self, kind: str, meta: Any, word: Any, wires: Any, shots: Any = None) -> s.Measure:
        return s.Measure(kind, word, wires, shots, self._span(meta))

    def measure_expval(self, meta: Any, c: list[Any]) -> s.Measure:
        return self._measure("expval", meta, c[0], c[1])

    def measure_var(self, meta: Any, c: list[Any]) -> s.Measure:
        return self._measure("var", meta, c[0], c[1])

    def measure_probs(self, meta: Any, c: list[Any]) -> s.Measure:
        return self._measure("probs", meta, None, c[0])

    def measure_sample(self, meta: Any, c: list[Any]) -> s.Measure:
        return self._measure("sample", meta, c[0], c[1], c[2])

    def pauli_word(self, meta: Any, c: list[Any]) -> tuple[s.PauliFactor, ...]:
        return tuple(c)

    def pauli_factor(self, meta: Any, c: list[Any]) -> s.PauliFactor:
        return s.PauliFactor(str(c[0]), c[1], self._span(meta))

    def head_stmt(self, meta: Any, c: list[Any]) -> s.Head:
        return s.Head(tuple(c), self._span(meta))

    def train_stmt(self, meta: Any, c: list[Any]) -> s.Train:
        return s.Train(tuple(c), self._span(meta))

    def train_setting(self, meta: Any, c: list[Any]) -> s.TrainSetting:
        value = c[1]
        if isinstance(value, Token):  # only a STRING reaches here as a raw token
            value = _string_value(self.source, value)
        return s.TrainSetting(str(c[0]), value, self._span(meta))

    def dense(self, meta: Any, c: list[Any]) -> s.Dense:
        return s.Dense(c[0], self._span(meta))

    def activation(self, meta: Any, c: list[Any]) -> s.Activation:
        return s.Activation(str(c[0]), self._span(meta))

    # ---- expressions ----
    def range(self, meta: Any, c: list[Any]) -> s.Range:
        return s.Range(c[0], c[1], c[2], self._span(meta))

    def or_op(self, meta: Any, c: list[Any]) -> s.BoolOp:
        return s.BoolOp("or", c[0], c[1], self._span(meta))

    def and_op(self, meta: Any, c: list[Any]) -> s.BoolOp:
        return s.BoolOp("and", c[0], c[1], self._span(meta))

    def not_op(self, meta: Any, c: list[Any]) -> s.Not:
        return s.Not(c[0], self._span(meta))

    def compare(self, meta: Any, c: list[Any]) -> s.Compare:
        return s.Compare(str(c[1]), c[0], c[2], self._span(meta))

    def binary(self, meta: Any, c: list[Any]) -> s.Binary:
        return s.Binary(str(c[1]), c[0], c[2], self._span(meta))

    def unary(self, meta: Any, c: list[Any]) -> s.Unary:
        return s.Unary(str(c[0]), c[1], self._span(meta))

    def index(self, meta: Any, c: list[Any]) -> s.Index:
        return s.Index(c[0], tuple(c[1:]), self._span(meta))

    def call(self, meta: Any, c: list[Any]) -> s.Call:
        return s.Call(s.Name(str(c[0]), self._tspan(c[0])), c[1] or (), self._span(meta))

    def args(self, meta: Any, c: list[Any]) -> tuple[s.Arg, ...]:
        return tuple(a if isinstance(a, s.Arg) else s.Arg(None, a, a.span) for a in c)

    def keyword(self, meta: Any, c: list[Any]) -> s.Arg:
        return s.Arg(str(c[0]), c[1], self._span(meta))

    def name(self, meta: Any, c: list[Any]) -> s.Name:
        return s.Name(str(c[0]), self._tspan(c[0]))

    def float_lit(self, meta: Any, c: list[Any]) -> s.Float:
        text = str(c[0])
        return s.Float(float(text), text, self._tspan(c[0]))

    def int_lit(self, meta: Any, c: list[Any]) -> s.Int:
        text = str(c[0])
        if len(text) > self.limits.max_int_digits:
            message = f"integer literal has {len(text)} digits, over the limit of {self.limits.max_int_digits}"
            hint = "hint: raise the limit with --max-int-digits"
            raise _error("number-too-long", message, self._tspan(c[0]), hint)
        return s.Int(_int_value(text), self._tspan(c[0]))

    # Last: below these, 'tuple' and 'list' in annotations would name the methods.
    def tuple(self, meta: Any, c: list[Any]) -> s.TupleExpr:
        return s.TupleExpr(tuple(x for x in c if x is not None), self._span(meta))

    def comprehension(self, meta: Any, c: list[Any]) -> s.Comprehension:
        return s.Comprehension(c[0], str(c[1]), c[2], c[3], self._span(meta))

    def list(self, meta: Any, c: list[Any]) -> s.ListExpr:
        return s.ListExpr(tuple(x for x in c if x is not None), self._span(meta))
