"""Hypothesis strategies: random valid syntax trees, rendered as messy but valid .dream text."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import strategies as st

from dreamlang import syntax as s
from dreamlang.parser import grammar_text

__all__ = [
    "KEYWORDS",
    "GeneratedProgram",
    "expressions",
    "generated_programs",
    "modules",
    "names",
    "programs",
]

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[Any]], Any]

# Every word the grammar spells out (keywords, noise modes): never used as a generated name.
KEYWORDS = frozenset(re.findall(r'"([a-z]+)"', grammar_text()))

_POOL = ("a", "b", "x", "n", "q", "w", "l", "pi", "theta", "rx", "cnot", "layer_1", "_t", "Z")
_NAMES = st.one_of(
    st.sampled_from(_POOL),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
        lambda n: n not in KEYWORDS
    ),
)


def names() -> st.SearchStrategy[str]:
    """Identifiers that are a NAME token everywhere (no keywords)."""
    return _NAMES


def _opt(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.one_of(st.none(), strategy)


def _tuples(
    strategy: st.SearchStrategy[T], low: int, high: int
) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(strategy, min_size=low, max_size=high).map(tuple)


# ---- expressions (every strategy is built once: Hypothesis validates each new one) ----

_BINARY_OPS = ("+", "-", "*", "/", "//", "%", "**")
_COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">")
_FLOAT_TEXT = st.from_regex(
    r"[0-9]{1,3}\.[0-9]{1,3}([eE][+-]?[0-9]{1,2})?|[0-9]{1,3}[eE][+-]?[0-9]{1,2}", fullmatch=True
)
_ATOMS: st.SearchStrategy[s.Expr] = st.one_of(
    st.integers(0, 10**6).map(s.Int),
    _FLOAT_TEXT.map(lambda text: s.Float(float(text), text)),
    _NAMES.map(s.Name),
)


@functools.cache
def _args(depth: int) -> st.SearchStrategy[tuple[s.Arg, ...]]:
    return _tuples(st.builds(s.Arg, _opt(_NAMES), expressions(depth)), 0, 3)


@functools.cache
def expressions(depth: int = 3) -> st.SearchStrategy[s.Expr]:
    """Any expression the grammar can spell, nested up to ``depth`` (no AllWires)."""
    if depth <= 0:
        return _ATOMS
    sub = expressions(depth - 1)
    some = _tuples(sub, 1, 3)
    compound = st.one_of(
        st.builds(s.Unary, st.sampled_from("-+"), sub),
        st.builds(s.Binary, st.sampled_from(_BINARY_OPS), sub, sub),
        st.builds(s.Compare, st.sampled_from(_COMPARE_OPS), sub, sub),
        st.builds(s.BoolOp, st.sampled_from(("and", "or")), sub, sub),
        st.builds(s.Not, sub),
        st.builds(s.Call, _NAMES.map(s.Name), _args(depth - 1)),
        st.builds(s.Index, sub, some),
        st.builds(s.TupleExpr, some),
        st.builds(s.ListExpr, _tuples(sub, 0, 3)),
        st.builds(s.Range, sub, sub, _opt(sub)),
    )
    return st.one_of(_ATOMS, compound)


# ---- statements ----

_PATH_CHARS = st.characters(
    codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc"), exclude_characters="\n\r"
)
_TEXT = st.text(_PATH_CHARS, max_size=12)
_EXPR = expressions(2)
_WIRES = st.one_of(st.builds(s.AllWires), _EXPR)
_SHAPE = _opt(_tuples(_EXPR, 1, 3))
_GATES = _tuples(_NAMES, 1, 3)
_ASSIGNS = _tuples(st.builds(s.Assign, _NAMES, _EXPR), 0, 2)
_PAULI = _tuples(
    st.builds(s.PauliFactor, st.one_of(st.sampled_from(("Z", "X0", "Y12")), _NAMES), _opt(_EXPR)),
    1,
    3,
)
_CALL_STMTS = st.builds(s.CallStmt, _NAMES, _opt(_args(2)), _opt(_WIRES))
_NOISE = st.one_of(
    st.builds(
        s.NoiseStmt,
        _NAMES,
        _ASSIGNS,
        st.just("layer"),
        st.none(),
        _opt(_WIRES),
        _opt(st.sampled_from(("training", "always"))),
    ),
    st.builds(
        s.NoiseStmt,
        _NAMES,
        _ASSIGNS,
        st.just("gate"),
        _opt(_GATES),
        _opt(_WIRES),
        _opt(st.sampled_from(("training", "always"))),
    ),
)
_MEASURE = st.one_of(
    st.builds(s.Measure, st.sampled_from(("expval", "var")), _PAULI, _opt(_WIRES), st.none()),
    st.builds(s.Measure, st.just("probs"), st.none(), _opt(_WIRES), st.none()),
    st.builds(s.Measure, st.just("sample"), _opt(_PAULI), _opt(_WIRES), _opt(_EXPR)),
)
_TOPOLOGY = st.one_of(
    _NAMES.map(s.Name),
    st.builds(s.Call, _NAMES.map(s.Name), _args(2)),
    st.builds(s.ListExpr, _tuples(_EXPR, 0, 3)),
)
_GROUP_NAMES = st.one_of(_NAMES, st.just("layer"))
_DROPOUT = st.builds(
    s.DropoutStmt,
    st.sampled_from(("rotations", "entangling", "gates", "all")),
    _opt(_GATES),
    _ASSIGNS,
    _opt(_EXPR),
    _opt(_GROUP_NAMES),
    _tuples(_GROUP_NAMES, 0, 2),
)
_HEAD_ITEMS = st.one_of(
    st.builds(s.Dense, _EXPR), _NAMES.filter(lambda n: n != "dense").map(s.Activation)
)
_SIMPLE: st.SearchStrategy[s.Stmt] = st.one_of(
    st.builds(s.Qubits, _EXPR),
    st.builds(s.Ensemble, _EXPR),
    st.builds(s.InputDecl, _NAMES, _SHAPE),
    st.builds(s.ParamDecl, _NAMES, _SHAPE, _opt(st.builds(s.Call, _NAMES.map(s.Name), _args(2)))),
    st.builds(s.ConstStmt, _NAMES, _EXPR),
    st.builds(s.LetStmt, _NAMES, _EXPR),
    _CALL_STMTS,
    st.builds(s.Encode, _CALL_STMTS),
    st.builds(s.Entangle, _TOPOLOGY, _CALL_STMTS),
    st.builds(s.Pair, _EXPR, _EXPR),
    st.builds(s.Require, _EXPR, _TEXT),
    _DROPOUT,
    _NOISE,
    _MEASURE,
    st.builds(s.Head, _tuples(_HEAD_ITEMS, 0, 3)),
)


@functools.cache
def _bodies(depth: int) -> st.SearchStrategy[tuple[s.Stmt, ...]]:
    """Statement lists for a body, with bodies nested up to ``depth`` more levels."""
    if depth <= 0:
        return _tuples(_SIMPLE, 0, 4)
    body = _bodies(depth - 1)
    compound = st.one_of(
        st.builds(s.Repeat, _EXPR, _opt(_NAMES), body),
        st.builds(s.For, _NAMES, _EXPR, body),
        st.builds(s.Layer, body),
        st.builds(s.If, _tuples(st.tuples(_EXPR, body), 1, 3), _opt(body)),
    )
    return _tuples(st.one_of(_SIMPLE, _SIMPLE, compound), 0, 4)


_PARAMS = _tuples(st.builds(s.ParamSpec, _NAMES, _opt(_EXPR)), 0, 3)
_TOP: st.SearchStrategy[s.Stmt] = st.one_of(
    st.builds(s.Import, _TEXT),
    st.builds(s.ConstStmt, _NAMES, _EXPR),
    st.builds(s.BlockDef, _NAMES, _PARAMS, _opt(_NAMES), _bodies(2)),
    st.builds(s.TopologyDef, _NAMES, _PARAMS, _bodies(1)),
    st.builds(s.ModelDef, _NAMES, _bodies(2)),
)
_MODULES = _tuples(_TOP, 0, 4).map(s.Module)


def modules() -> st.SearchStrategy[s.Module]:
    """Random syntax trees of whole files (without spans or comments)."""
    return _MODULES


# ---- rendering: the same tree, written with random layout, parentheses and comments ----

RANGE, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POWER, POSTFIX, ATOM = range(1, 12)
_OP_PREC = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "//": PRODUCT, "%": PRODUCT}
_COMMENT_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=8)
_PERCENT, _TENTHS, _UP_TO_3 = st.integers(0, 99), st.integers(0, 9), st.integers(0, 3)


def _constant(text: str) -> Callable[[], str]:
    return lambda: text


@functools.cache
def _sampled(options: tuple[T, ...]) -> st.SearchStrategy[T]:
    return st.sampled_from(options)


def _prec(e: s.Expr) -> int:
    if isinstance(e, s.Range):
        return RANGE
    if isinstance(e, s.BoolOp):
        return OR if e.op == "or" else AND
    if isinstance(e, s.Not):
        return NOT
    if isinstance(e, s.Compare):
        return COMPARE
    if isinstance(e, s.Binary):
        return POWER if e.op == "**" else _OP_PREC[e.op]
    if isinstance(e, s.Unary):
        return UNARY
    return POSTFIX if isinstance(e, (s.Call, s.Index)) else ATOM


class _Renderer:
    """Writes a tree as text, drawing every layout choice from Hypothesis."""

    def __init__(self, draw: Draw):
        self.draw = draw
        self.comments: list[str] = []

    # -- random bits --

    def pick(self, options: Sequence[T]) -> T:
        return self.draw(_sampled(tuple(options)))  # type: ignore[no-any-return]

    def chance(self, percent: int) -> bool:
        return self.draw(_PERCENT) < percent  # type: ignore[no-any-return]

    def comment(self) -> str:
        text = "#" + str(self.draw(_COMMENT_TEXT))
        self.comments.append(text.rstrip())
        return text

    def ws(self) -> str:
        """Whitespace where a token boundary needs some."""
        return self.pick((" ", " ", " ", "  ", "\t", " \\\n  ", "\f"))

    def opt(self) -> str:
        return "" if self.chance(50) else self.ws()

    def inner(self) -> str:
        """Layout inside brackets, where newlines and comments are free."""
        choice = self.draw(_TENTHS)
        if choice < 6:
            return self.opt()
        if choice < 8:
            return "\n" + self.pick(("", "  ", "\t\t"))
        return "  " + self.comment() + "\n    "

    def seq(self, parts: Sequence[Callable[[], str]], trailing_ok: bool = True) -> str:
        """Comma-separated parts inside brackets, each rendered in text order."""
        out = self.inner()
        for i, part in enumerate(parts):
            out += part() if i == 0 else self.opt() + "," + self.inner() + part()
        if parts and trailing_ok and self.chance(20):
            out += self.opt() + ","
        return out + self.inner()

    # -- expressions --

    def expr(self, e: s.Expr, slot: int = RANGE, parens_ok: bool = True) -> str:
        extra = parens_ok and not isinstance(e, s.AllWires) and self.chance(8)
        if _prec(e) < slot or extra:
            return "(" + self.inner() + self.expr_core(e) + self.inner() + ")"
        return self.expr_core(e)

    def lazy(self, e: s.Expr) -> Callable[[], str]:
        return lambda: self.expr(e)

    def expr_core(self, e: s.Expr) -> str:
        if isinstance(e, s.Int):
            return ("0" * self.pick((0, 0, 0, 2))) + str(e.value)
        if isinstance(e, s.Float):
            return e.text
        if isinstance(e, s.Name):
            return e.id
        if isinstance(e, s.AllWires):
            return "all"
        if isinstance(e, s.Unary):
            return e.op + self.opt() + self.expr(e.operand, UNARY)
        if isinstance(e, (s.Binary, s.Compare, s.BoolOp)):
            return self.binary(e)
        if isinstance(e, s.Not):
            return "not" + self.ws() + self.expr(e.operand, NOT)
        if isinstance(e, s.Range):
            text = self.expr(e.start, OR) + self.opt() + ".." + self.opt() + self.expr(e.stop, OR)
            if e.step is not None:
                text += self.ws() + "by" + self.ws() + self.expr(e.step, OR)
            return text
        return self.postfix(e)

    def binary(self, e: s.Binary | s.Compare | s.BoolOp) -> str:
        prec = _prec(e)
        if isinstance(e, s.Compare):
            left, right = SUM, SUM
        elif prec == POWER:
            left, right = POSTFIX, UNARY
        else:
            left, right = prec, prec + 1
        space = self.ws if isinstance(e, s.BoolOp) else self.opt
        return self.expr(e.left, left) + space() + e.op + space() + self.expr(e.right, right)

    def postfix(self, e: s.Expr) -> str:
        if isinstance(e, s.Call):
            return self.call(e.func.id, e.args)
        if isinstance(e, s.Index):
            target = self.expr(e.target, POSTFIX) + self.opt() + "["
            return target + self.seq([self.lazy(i) for i in e.indices]) + "]"
        if isinstance(e, s.TupleExpr):
            if len(e.items) == 1:
                item = "(" + self.inner() + self.expr(e.items[0])
                return item + self.opt() + "," + self.inner() + ")"
            return "(" + self.seq([self.lazy(i) for i in e.items]) + ")"
        assert isinstance(e, s.ListExpr), e
        return "[" + self.seq([self.lazy(i) for i in e.items]) + "]"

    def call(self, name: str, args: Sequence[s.Arg]) -> str:
        return name + self.opt() + "(" + self.seq([self.lazy_arg(a) for a in args]) + ")"

    def lazy_arg(self, a: s.Arg) -> Callable[[], str]:
        def render() -> str:
            key = a.name + self.opt() + "=" + self.opt() if a.name is not None else ""
            return key + self.expr(a.value)

        return render

    def wires(self, wires: s.Expr | None) -> str:
        return "" if wires is None else self.ws() + "on" + self.ws() + self.expr(wires)

    # -- statements --

    def string(self, value: str) -> str:
        out = []
        for ch in value:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch == "\t" and self.chance(50):
                out.append(ch)
            elif not ch.isprintable() or self.chance(5):
                code = ord(ch)
                out.append(f"\\x{code:02x}" if code < 0x100 else f"\\U{code:08x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def call_stmt(self, c: s.CallStmt) -> str:
        text = c.name if c.args is None else self.call(c.name, c.args)
        return text + self.wires(c.wires)

    def shape(self, shape: tuple[s.Expr, ...] | None) -> str:
        return (
            ""
            if shape is None
            else self.opt() + "[" + self.seq([self.lazy(e) for e in shape]) + "]"
        )

    def assigns(self, assigns: Sequence[s.Assign]) -> str:
        parts = [a.name + self.opt() + "=" + self.opt() + self.expr(a.value) for a in assigns]
        return "".join(
            p if i == 0 else self.opt() + "," + self.opt() + p for i, p in enumerate(parts)
        )

    def gate_list(self, gates: Sequence[str]) -> str:
        return "[" + self.seq([_constant(g) for g in gates]) + "]"

    def keyword_stmt(self, k: s.Stmt) -> str | None:
        w = self.ws
        if isinstance(k, s.Import):
            return "import" + w() + self.string(k.path)
        if isinstance(k, (s.ConstStmt, s.LetStmt)):
            kw = "const" if isinstance(k, s.ConstStmt) else "let"
            return kw + w() + k.name + self.opt() + "=" + self.opt() + self.expr(k.value)
        if isinstance(k, s.Qubits):
            return "qubits" + w() + self.expr(k.count)
        if isinstance(k, s.Ensemble):
            return "ensemble" + w() + self.expr(k.count)
        if isinstance(k, s.InputDecl):
            return "input" + w() + k.name + self.shape(k.shape)
        if isinstance(k, s.Pair):
            return (
                "pair"
                + w()
                + self.expr(k.first)
                + self.opt()
                + ","
                + self.opt()
                + self.expr(k.second)
            )
        if isinstance(k, s.Require):
            return (
                "require"
                + w()
                + self.expr(k.condition)
                + self.opt()
                + ","
                + self.opt()
                + self.string(k.message)
            )
        if isinstance(k, s.Encode):
            return "encode" + w() + self.call_stmt(k.call)
        if isinstance(k, s.Entangle):
            top = k.topology
            text = top.id if isinstance(top, s.Name) else self.expr(top, parens_ok=False)
            return "entangle" + w() + text + w() + "using" + w() + self.call_stmt(k.gate)
        return None

    def param(self, k: s.ParamDecl) -> str:
        text = "param" + self.ws() + k.name + self.shape(k.shape)
        if k.init is not None:
            init = k.init.func.id
            if k.init.args or self.chance(30):
                init = self.call(init, k.init.args)
            text += self.opt() + "~" + self.opt() + init
        return text

    def dropout(self, k: s.DropoutStmt) -> str:
        text = "dropout" + self.ws() + k.target
        if k.gates is not None:
            text += self.opt() + self.gate_list(k.gates)
        if k.assigns:
            text += self.ws() + self.assigns(k.assigns)
        clauses = [f"include{self.ws()}{name}" for name in k.include]
        if k.layers is not None:
            clauses.append("in" + self.ws() + "layers" + self.ws() + self.expr(k.layers))
        if k.group is not None:
            clauses.append("group" + self.ws() + k.group)
        order = self.draw(st.permutations(clauses))
        # Includes keep their relative order; the others may go anywhere.
        includes = iter(c for c in clauses if c.startswith("include"))
        order = [next(includes) if c.startswith("include") else c for c in order]
        return text + "".join(self.ws() + c for c in order)

    def noise(self, k: s.NoiseStmt) -> str:
        text = "noise" + self.ws() + k.channel
        if k.assigns:
            text += self.ws() + self.assigns(k.assigns)
        # 'after each gate' is the default, so the tree is the same with or without it.
        if k.placement == "layer":
            text += self.ws() + "after each layer".replace(" ", self.ws())
        elif k.gates is not None or self.chance(50):
            text += self.ws() + "after each gate".replace(" ", self.ws())
            if k.gates is not None:
                text += self.ws() + "of" + self.opt() + self.gate_list(k.gates)
        text += self.wires(k.wires)
        return text + (self.ws() + k.mode if k.mode is not None else "")

    def measure(self, k: s.Measure) -> str:
        text = "measure" + self.ws() + k.kind
        for f in k.word or ():
            text += self.ws() + f.name
            if f.wire is not None:
                text += self.opt() + "[" + self.inner() + self.expr(f.wire) + self.inner() + "]"
        text += self.wires(k.wires)
        if k.shots is not None:
            text += self.ws() + "shots" + self.ws() + self.expr(k.shots)
        return text

    def simple(self, k: s.Stmt, depth: int) -> str:
        text = self.keyword_stmt(k)
        if text is not None:
            return text
        if isinstance(k, s.ParamDecl):
            return self.param(k)
        if isinstance(k, s.CallStmt):
            return self.call_stmt(k)
        if isinstance(k, s.DropoutStmt):
            return self.dropout(k)
        if isinstance(k, s.NoiseStmt):
            return self.noise(k)
        if isinstance(k, s.Measure):
            return self.measure(k)
        assert isinstance(k, s.Head), k
        items = [self.head_item(i) for i in k.items]
        return "head" + self.opt() + self.braces(items, depth)

    def head_item(self, item: s.Dense | s.Activation) -> Callable[[], str]:
        if isinstance(item, s.Activation):
            return lambda: item.name
        return lambda: "dense" + self.ws() + self.expr(item.units)

    def stmt(self, k: s.Stmt, depth: int) -> str:
        o, w = self.opt, self.ws
        if isinstance(k, (s.BlockDef, s.TopologyDef)):
            kw = "block" if isinstance(k, s.BlockDef) else "topology"
            text = (
                kw
                + w()
                + k.name
                + o()
                + "("
                + self.seq([self.lazy_param(p) for p in k.params])
                + ")"
            )
            if isinstance(k, s.BlockDef) and k.wires_name is not None:
                text += w() + "on" + w() + k.wires_name
            return text + o() + self.body(k.body, depth)
        if isinstance(k, s.ModelDef):
            return "model" + w() + k.name + o() + self.body(k.body, depth)
        if isinstance(k, s.Repeat):
            var = w() + "as" + w() + k.var if k.var is not None else ""
            return "repeat" + w() + self.expr(k.count) + var + o() + self.body(k.body, depth)
        if isinstance(k, s.For):
            head = "for" + w() + k.var + w() + "in" + w() + self.expr(k.iterable)
            return head + o() + self.body(k.body, depth)
        if isinstance(k, s.Layer):
            return "layer" + o() + self.body(k.body, depth)
        if isinstance(k, s.If):
            text = ""
            for i, (cond, body) in enumerate(k.branches):
                kw = o() + "elif" if i else "if"
                text += kw + w() + self.expr(cond) + o() + self.body(body, depth)
            if k.orelse is not None:
                text += o() + "else" + o() + self.body(k.orelse, depth)
            return text
        return self.simple(k, depth)

    def lazy_param(self, p: s.ParamSpec) -> Callable[[], str]:
        if p.default is None:
            return lambda: p.name
        default = p.default
        return lambda: p.name + self.opt() + "=" + self.opt() + self.expr(default)

    # -- separators, bodies, files --

    def filler(self, depth: int) -> str:
        """Blank lines and own-line comments after a newline; ends with the next indentation."""
        out = ""
        for _ in range(self.draw(_UP_TO_3)):
            if self.chance(50):
                out += self.pick(("", "   ", "\t")) + "\n"
            else:
                out += self.pick(("    " * depth, "", " ")) + self.comment() + "\n"
        return out + self.pick(("    " * depth, "  ", "", "\t" * depth))

    def newline(self, depth: int) -> str:
        """A line break, maybe after ';' and a trailing comment."""
        text = self.opt() + ";" if self.chance(20) else ""
        if self.chance(30):
            text += "  " + self.comment()
        return text + self.pick(("\n", "\n", "\n\n")) + self.filler(depth)

    def gap(self, depth: int, required: bool) -> str:
        choice = self.draw(_TENTHS)
        if choice < 2 or (choice < 4 and not required):
            return self.opt() + (";" + self.opt() if required or choice < 1 else "")
        return self.newline(depth)

    def braces(self, items: Sequence[Callable[[], str]], depth: int) -> str:
        """``{ ... }`` around items rendered in text order, so comments are recorded in order."""
        text = "{" + self.gap(depth + 1, False)
        for i, item in enumerate(items):
            last = i == len(items) - 1
            text += item()
            text += self.gap(depth, False) if last else self.gap(depth + 1, True)
        return text + "}"

    def body(self, stmts: Sequence[s.Stmt], depth: int) -> str:
        return self.braces([self.later(k, depth + 1) for k in stmts], depth)

    def later(self, k: s.Stmt, depth: int) -> Callable[[], str]:
        return lambda: self.stmt(k, depth)

    def module(self, module: s.Module) -> str:
        text = self.gap(0, False)
        for i, k in enumerate(module.items):
            text += self.stmt(k, 0)
            text += self.gap(0, i < len(module.items) - 1)
        if self.chance(20):
            text += "  " + self.comment() if self.chance(50) else "\n" + self.comment()
        return text.replace("\n", "\r\n") if self.chance(10) else text


@dataclass(frozen=True)
class GeneratedProgram:
    tree: s.Module  # what the text must parse to
    text: str
    comments: tuple[str, ...]  # the comment texts in the text, in order, as the parser keeps them


@st.composite
def generated_programs(draw: Draw) -> GeneratedProgram:
    """A random tree, its text and the comments written into it."""
    tree = draw(modules())
    renderer = _Renderer(draw)
    text = renderer.module(tree)
    return GeneratedProgram(tree, text, tuple(renderer.comments))


def programs() -> st.SearchStrategy[str]:
    """Source texts of random syntactically valid programs."""
    return generated_programs().map(lambda p: p.text)
