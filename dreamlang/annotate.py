"""Applies dropout and noise statements to the unrolled ops: tags, inserted channels, range checks."""

from __future__ import annotations

import math

from dreamlang import gates, ir
from dreamlang import syntax as s
from dreamlang.context import Registration, UnrollState
from dreamlang.diagnostics import Span
from dreamlang.kraus import kraus_params
from dreamlang.reporting import Abort, did_you_mean
from dreamlang.schedules import evaluate, horizon, resolve_depth
from dreamlang.values import Sym, Value, describe, is_number

__all__ = ["DROPOUT_TARGETS", "apply_annotations"]

DROPOUT_TARGETS = ("rotations", "entangling", "gates", "all")
_DROPOUT_OPTIONS = ("p", "p_layer")
_GROUPS_BUILTIN = ("layer", "wire")


def apply_annotations(st: UnrollState) -> list[ir.Operation]:
    """Insert noise channels, then tag droppable ops; each statement's errors are reported once."""
    ops = list(st.ops)
    checker = _ProbabilityChecker(st)
    inserts: dict[int, list[ir.Operation]] = {}
    for reg in st.registrations:
        if isinstance(reg.stmt, s.NoiseStmt):
            try:
                _noise(st, reg, ops, inserts, checker)
            except Abort:
                continue
    for reg in st.registrations:
        if isinstance(reg.stmt, s.DropoutStmt):
            try:
                _dropout(st, reg, ops, checker)
            except Abort:
                continue
    out: list[ir.Operation] = []
    for index, op in enumerate(ops):
        if op.tags.role == "channel":
            checker.channel(op)
        out.append(op)
        for channel in inserts.get(index, ()):
            checker.channel(channel)
            out.append(channel)
    return out


def _probability_value(st: UnrollState, value: Value, span: Span) -> ir.Expr | Sym:
    if is_number(value) and not isinstance(value, bool):
        return ir.Num(float(value))  # type: ignore[arg-type]
    if isinstance(value, Sym) and not value.has_symbols:
        return value
    message = f"a probability must be a number or a schedule, not {describe(value)}"
    raise st.rep.error("type-error", message, span)


def _at_layer(value: ir.Expr | Sym, layer: int | None) -> ir.Expr:
    if isinstance(value, Sym):
        return resolve_depth(value.expr, layer) if value.has_schedule else value.expr
    return value


# ---- noise ----


def _noise(
    st: UnrollState,
    reg: Registration,
    ops: list[ir.Operation],
    inserts: dict[int, list[ir.Operation]],
    checker: _ProbabilityChecker,
) -> None:
    stmt = reg.stmt
    assert isinstance(stmt, s.NoiseStmt)
    spec = gates.CHANNELS.get(stmt.channel)
    if spec is None:
        hint = did_you_mean(stmt.channel, gates.CHANNELS)
        raise st.rep.error(
            "unknown-gate", f"unknown noise channel '{stmt.channel}'", stmt.span, *hint
        )
    for name in reg.values:
        if name not in spec.params:
            hint = did_you_mean(name, spec.params) or (
                f"hint: '{spec.name}' takes " + ", ".join(spec.params),
            )
            raise st.rep.error(
                "unknown-option", f"'{spec.name}' has no parameter '{name}'", stmt.span, *hint
            )
    missing = [p for p in spec.params if p not in reg.values]
    if missing:
        raise st.rep.error(
            "wrong-arity",
            f"'{spec.name}' needs {', '.join(missing)}",
            stmt.span,
            f"hint: e.g. noise {spec.name} {_example(spec)}",
        )
    values = _channel_values(st, spec, reg)
    gate_names = _gate_filter(st, stmt.gates, stmt.span)
    tag = ir.NoiseTag(stmt.placement, stmt.mode or "always", reg.index)
    wires = set(reg.wires)
    places = _placements(st, reg, ops, gate_names)
    # Inserted channels count against the op limit, checked before any of them is built.
    added = sum(1 for _, wires_hit, _ in places for w in wires_hit if w in wires)
    total = len(ops) + sum(len(channels) for channels in inserts.values()) + added
    if total > st.limits.max_ops:
        message = f"the model would have {total} operations with its noise channels, over the limit of {st.limits.max_ops}"
        st.rep.error("too-many-ops", message, stmt.span, "hint: raise the limit with --max-ops")
        st.rep.raise_if_errors()
    for index, wires_hit, layer in places:
        tags = ir.Tags(layer, ops[index].tags.origin, None, "channel", None, tag)
        params = tuple(_at_layer(v, layer) for v in values)
        channels = [
            ir.Operation(spec.name, (w,), params, tags, stmt.span) for w in wires_hit if w in wires
        ]
        inserts.setdefault(index, []).extend(channels)


def _example(spec: gates.OpSpec) -> str:
    if spec.variadic:
        return "ops = K (a const [k, 2, 2] tensor)"
    return ", ".join(f"{p} = 0.01" for p in spec.params)


def _channel_values(st: UnrollState, spec: gates.OpSpec, reg: Registration) -> list[ir.Expr | Sym]:
    """The values of a noise statement's channel; a kraus tensor becomes its 8 * k numbers."""
    stmt = reg.stmt
    assert isinstance(stmt, s.NoiseStmt)
    if spec.variadic:
        (name,) = spec.params
        span = next(a.value.span for a in stmt.assigns if a.name == name)
        return list(kraus_params(st.rep, reg.values[name], span))
    return [_probability_value(st, reg.values[p], stmt.span) for p in spec.params]


def _placements(
    st: UnrollState, reg: Registration, ops: list[ir.Operation], gate_names: set[str] | None
) -> list[tuple[int, tuple[int, ...], int | None]]:
    """(op index to insert after, wires, layer) for each place the noise statement applies."""
    stmt = reg.stmt
    assert isinstance(stmt, s.NoiseStmt)
    if stmt.placement == "layer":
        all_wires = tuple(range(st.num_qubits or 0))
        # Only the layers of the statement's own body (not one that merely holds the body).
        return [
            (end - 1, all_wires, index)
            for index, start, end in st.layers
            if index in reg.own_layers and end > start
        ]
    places = []
    for index in range(reg.start, reg.end):
        op = ops[index]
        if op.tags.role == "channel" or (gate_names is not None and op.name not in gate_names):
            continue
        places.append((index, op.wires, op.tags.layer))
    return places


def _gate_filter(st: UnrollState, names: tuple[str, ...] | None, span: Span) -> set[str] | None:
    if names is None:
        return None
    out = set()
    for name in names:
        spec = gates.lookup(name)
        if spec is None or spec.kind != "gate":
            hint = did_you_mean(name, [*gates.GATES, *gates.ALIASES])
            raise st.rep.error("unknown-gate", f"unknown gate '{name}'", span, *hint)
        out.add(spec.name)
    return out


# ---- dropout ----


def _dropout(
    st: UnrollState, reg: Registration, ops: list[ir.Operation], checker: _ProbabilityChecker
) -> None:
    stmt = reg.stmt
    assert isinstance(stmt, s.DropoutStmt)
    _check_dropout_statement(st, stmt, reg)
    p = _probability_value(st, reg.values["p"], stmt.span)
    p_layer = (
        _probability_value(st, reg.values["p_layer"], stmt.span)
        if "p_layer" in reg.values
        else None
    )
    names = _gate_filter(st, stmt.gates, stmt.span)
    for index in range(reg.start, reg.end):
        op = ops[index]
        if op.tags.dropout is not None or not _selected(stmt, op, names, reg.layers):
            continue
        layer = op.tags.layer
        tag = ir.DropoutTag(
            stmt.target,
            _at_layer(p, layer),
            _at_layer(p_layer, layer) if p_layer is not None else None,
            _group(stmt, reg, op),
            reg.index,
        )
        checker.check(tag.p, stmt.span, "p")
        if tag.p_layer is not None:
            checker.check(tag.p_layer, stmt.span, "p_layer")
        ops[index] = ir.Operation(
            op.name, op.wires, op.params, _with_dropout(op.tags, tag), op.span
        )


def _check_dropout_statement(st: UnrollState, stmt: s.DropoutStmt, reg: Registration) -> None:
    """The statement's own mistakes: target, gate list, options, include."""
    if stmt.target not in DROPOUT_TARGETS:
        hint = did_you_mean(stmt.target, DROPOUT_TARGETS) or (
            "hint: dropout targets are " + ", ".join(DROPOUT_TARGETS),
        )
        raise st.rep.error(
            "unknown-option", f"unknown dropout target '{stmt.target}'", stmt.span, *hint
        )
    if (stmt.target == "gates") != (stmt.gates is not None):
        raise st.rep.error(
            "type-error",
            "a gate list goes with 'dropout gates [...]' and only there",
            stmt.span,
            "hint: dropout gates [rx, ry] p = 0.1",
        )
    for name in reg.values:
        if name not in _DROPOUT_OPTIONS:
            raise st.rep.error(
                "unknown-option",
                f"dropout has no option '{name}'",
                stmt.span,
                *did_you_mean(name, _DROPOUT_OPTIONS),
            )
    if "p" not in reg.values:
        raise st.rep.error("wrong-arity", "dropout needs its probability: p = ...", stmt.span)
    for item in stmt.include:
        if item != "encoders":
            raise st.rep.error(
                "unknown-option", f"cannot include '{item}'", stmt.span, "hint: include encoders"
            )


def _selected(
    stmt: s.DropoutStmt, op: ir.Operation, names: set[str] | None, layers: set[int] | range | None
) -> bool:
    spec = gates.lookup(op.name)
    if spec is None or spec.kind != "gate":
        return False
    if op.tags.role == "encoder" and "encoders" not in stmt.include:
        return False
    if layers is not None and (op.tags.layer is None or op.tags.layer not in layers):
        return False
    if stmt.target == "rotations":
        return spec.is_rotation and any(
            isinstance(n, ir.ParamRef) for p in op.params for n in ir.walk(p)
        )
    if stmt.target == "entangling":
        return spec.is_entangling
    if stmt.target == "gates":
        return names is not None and op.name in names
    return True


def _group(stmt: s.DropoutStmt, reg: Registration, op: ir.Operation) -> str | None:
    if stmt.group is None:
        return None
    if stmt.group == "layer":
        return f"d{reg.index}:layer{op.tags.layer}"
    if stmt.group == "wire":
        return f"d{reg.index}:wire{op.wires[0]}"
    return stmt.group


def _with_dropout(tags: ir.Tags, tag: ir.DropoutTag) -> ir.Tags:
    return ir.Tags(tags.layer, tags.origin, tags.template, tags.role, tag, tags.noise)


# ---- probability checks ----


class _ProbabilityChecker:
    """Checks that probabilities stay in [0, 1] at every epoch; each distinct expression once."""

    def __init__(self, st: UnrollState):
        self.st = st
        self._done: dict[ir.Expr, str] = {}
        self._thermal_done: dict[tuple[ir.Expr, ...], str] = {}

    def channel(self, op: ir.Operation) -> None:
        spec = gates.CHANNELS[op.name]
        if spec.variadic:
            return  # kraus: checked when its operators were read (dreamlang.kraus)
        values = dict(zip(spec.params, op.params, strict=True))
        span = op.span
        try:
            for name in spec.probabilities:
                self.check(values[name], span, name)
            if spec.name == "pauli_channel":
                total = ir.Binary("+", ir.Binary("+", values["px"], values["py"]), values["pz"])
                self.check(total, span, "px + py + pz")
            if spec.name == "thermal_relaxation":
                self._thermal(values, span)
        except Abort:
            return

    def _thermal(self, values: dict[str, ir.Expr], span: Span | None) -> None:
        exprs = tuple(values[k] for k in ("t1", "t2", "time"))
        if exprs not in self._thermal_done:
            self._thermal_done[exprs] = self._thermal_problem(exprs)
        if self._thermal_done[exprs]:
            raise self.st.rep.error("invalid-value", self._thermal_done[exprs], span)

    def _thermal_problem(self, exprs: tuple[ir.Expr, ...]) -> str:
        end = max(horizon(e) for e in exprs)
        for epoch in _sample_epochs(end):
            try:
                t1, t2, time = (evaluate(e, epoch=epoch) for e in exprs)
            except (OverflowError, ValueError, ZeroDivisionError):
                t1 = t2 = time = math.inf
            if not (math.isfinite(t1 + t2 + time) and t1 > 0 and 0 < t2 <= 2 * t1 and time >= 0):
                where = f" at epoch {epoch}" if end else ""
                return f"thermal relaxation needs t1 > 0, 0 < t2 <= 2*t1 and time >= 0 (got t1={t1:g}, t2={t2:g}, time={time:g}{where})"
        return ""

    def check(self, expr: ir.Expr, span: Span | None, name: str) -> None:
        # An epoch schedule out of range is reported where it is written.
        written = [n.span for n in ir.walk(expr) if isinstance(n, ir.Schedule) and n.span]
        span = written[0] if written else span
        if expr in self._done:
            if self._done[expr]:
                raise self.st.rep.error("probability-out-of-range", self._done[expr], span)
            return
        problem = self._problem(expr, name)
        self._done[expr] = problem
        if problem:
            raise self.st.rep.error(
                "probability-out-of-range",
                problem,
                span,
                "note: probabilities must stay within [0, 1] at every epoch and depth",
            )

    def _problem(self, expr: ir.Expr, name: str) -> str:
        end = horizon(expr)
        for epoch in _sample_epochs(end):
            try:
                value = evaluate(expr, epoch=epoch)
            except (OverflowError, ValueError, ZeroDivisionError):
                value = math.inf
            if not (math.isfinite(value) and -1e-12 <= value <= 1 + 1e-12):
                where = f" at epoch {epoch}" if end else ""
                return f"{name} = {value:g}{where} is outside [0, 1]"
        return ""


def _sample_epochs(end: int) -> list[int]:
    """The epochs at which values are checked: up to 2000 steps over the horizon, and beyond it."""
    count = min(end, 2000)
    return sorted(
        {0, end, end + 1, 10**6, *(round(end * i / max(1, count)) for i in range(count + 1))}
    )
