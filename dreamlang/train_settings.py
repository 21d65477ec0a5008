"""Checks a model's ``train`` section and fills in its defaults, giving the IR's TrainSpec."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import fields

from dreamlang import ir
from dreamlang import syntax as s
from dreamlang.diagnostics import Span
from dreamlang.evaluate import Evaluator, Scope
from dreamlang.irprint import format_number
from dreamlang.reporting import Abort, Reporter, did_you_mean
from dreamlang.values import describe, is_number

__all__ = ["LOSSES", "OPTIMIZERS", "SCALINGS", "SETTINGS", "train_spec"]

# The name written in a train section -> the TrainSpec field it sets.
SETTINGS: dict[str, str] = {
    "optimizer": "optimizer",
    "lr": "lr",
    "loss": "loss",
    "epochs": "epochs",
    "batch": "batch_size",
    "seed": "seed",
    "momentum": "momentum",
    "split": "split",
    "scale": "scale",
    "label": "label",
}
OPTIMIZERS = ("adam", "rmsprop", "sgd")
LOSSES = ("cross_entropy", "mse", "hinge")
# name -> the values a bare name stands for; a call gives as many values as these.
SCALINGS: dict[str, tuple[float, ...]] = {"none": (), "standard": (), "minmax": (0.0, 1.0)}
# Names other tools use for a setting, so the did-you-mean hint can point at ours.
_ALIASES = {
    "learning_rate": "lr",
    "learningrate": "lr",
    "learnrate": "lr",
    "rate": "lr",
    "batch_size": "batch",
    "optim": "optimizer",
    "scaling": "scale",
    "test_split": "split",
    "test_size": "split",
    "target": "label",
    "random_seed": "seed",
}
_FIELD_ORDER = tuple(f.name for f in fields(ir.TrainSpec))


def train_spec(
    model: s.ModelDef, ev: Evaluator, rep: Reporter, scope: Scope
) -> ir.TrainSpec | None:
    """The model's checked train section, or None without one; errors go to ``rep``."""
    spec: ir.TrainSpec | None = None
    first: s.Train | None = None
    for stmt in model.body:
        if not isinstance(stmt, s.Train):
            continue
        if first is not None:
            rep.error(
                "duplicate-definition",
                "the model has two train sections",
                _prefix(stmt.span, len("train")),
                f"note: the first is at line {first.span.line}",
                "hint: put every setting in one train section",
            )
            continue
        first = stmt
        spec = _Checker(ev, rep, scope).section(stmt)
    return spec


def _prefix(span: Span, length: int) -> Span:
    """The first ``length`` columns of ``span``: the caret goes under a keyword or a name."""
    return Span(span.source, span.line, span.column, span.line, span.column + length)


class _Checker:
    """One train section: each setting checked on its own, so one run reports all mistakes."""

    def __init__(self, ev: Evaluator, rep: Reporter, scope: Scope):
        self.ev, self.rep, self.scope = ev, rep, scope
        self._checks: dict[str, Callable[[s.TrainSetting], object]] = {
            "optimizer": lambda t: self.choice(t, OPTIMIZERS, "unknown-optimizer", "optimizer"),
            "lr": lambda t: self.real(t, "the learning rate", lambda v: v > 0, "above 0", "lr > 0"),
            "loss": lambda t: self.choice(t, LOSSES, "unknown-loss", "loss"),
            "epochs": lambda t: self.count(t, "the number of epochs", 1),
            "batch": lambda t: self.count(t, "the batch size", 1),
            "seed": lambda t: self.count(t, "the seed", 0),
            "momentum": lambda t: self.real(
                t,
                "the momentum",
                lambda v: 0 <= v < 1,
                "at least 0 and below 1",
                "0 <= momentum < 1",
            ),
            "split": lambda t: self.real(
                t,
                "the test split",
                lambda v: 0 < v < 1,
                "strictly between 0 and 1",
                "0 < split < 1",
            ),
            "scale": self.scale,
            "label": self.label,
        }

    def section(self, stmt: s.Train) -> ir.TrainSpec:
        values: dict[str, object] = {}
        seen: dict[str, s.TrainSetting] = {}
        for setting in stmt.settings:
            try:
                self.known(setting, seen)
                values[SETTINGS[setting.name]] = self._checks[setting.name](setting)
            except Abort:
                continue
        written = tuple(name for name in _FIELD_ORDER if name in values)
        return ir.TrainSpec(**values, settings=written, span=stmt.span)  # type: ignore[arg-type]

    def known(self, setting: s.TrainSetting, seen: dict[str, s.TrainSetting]) -> None:
        """Refuse a setting name that does not exist, or one written twice."""
        where = _prefix(setting.span, len(setting.name))
        if setting.name not in SETTINGS:
            alias = _ALIASES.get(setting.name.lower())
            hints: tuple[str, ...] = (f"hint: did you mean '{alias}'?",) if alias else ()
            hints = hints or did_you_mean(setting.name, SETTINGS)
            hints = hints or ("hint: the settings are " + ", ".join(SETTINGS),)
            message = f"unknown train setting '{setting.name}'"
            raise self.rep.error("unknown-setting", message, where, *hints)
        first = seen.setdefault(setting.name, setting)
        if first is not setting:
            raise self.rep.error(
                "duplicate-setting",
                f"'{setting.name}' is set twice in the train section",
                where,
                f"note: first set at line {first.span.line}",
                "hint: keep one of the two lines",
            )

    def expr(self, setting: s.TrainSetting) -> s.Expr:
        """The setting's value as an expression; only 'label' takes a string."""
        if isinstance(setting.value, str):
            raise self.rep.error(
                "type-error",
                f"'{setting.name}' takes a value, not a string",
                setting.span,
                "hint: only 'label' is a string; drop the quotes",
            )
        return setting.value

    def choice(self, setting: s.TrainSetting, names: Sequence[str], code: str, what: str) -> str:
        expr = self.expr(setting)
        allowed = ", ".join(names)
        if not isinstance(expr, s.Name):
            message = f"the {what} is a name ({allowed}), not an expression"
            raise self.rep.error(
                "type-error", message, expr.span, f"hint: e.g. '{what} {names[0]}'"
            )
        if expr.id not in names:
            hint = did_you_mean(expr.id, names) or (f"hint: the {what}s are {allowed}",)
            raise self.rep.error(code, f"unknown {what} '{expr.id}'", expr.span, *hint)
        return expr.id

    def number(self, expr: s.Expr, what: str) -> float:
        value = self.ev.eval(expr, self.scope)
        if not is_number(value) or isinstance(value, bool):
            hint = "hint: train settings are known at compile time: numbers, consts, pi"
            message = f"{what} must be a number, not {describe(value)}"
            raise self.rep.error("type-error", message, expr.span, hint)
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            raise self.rep.error("non-finite", f"{what} is not finite ({number})", expr.span)
        return number

    def real(
        self,
        setting: s.TrainSetting,
        what: str,
        ok: Callable[[float], bool],
        rule: str,
        allowed: str,
    ) -> float:
        expr = self.expr(setting)
        value = self.number(expr, what)
        if not ok(value):
            message = f"{what} must be {rule}, not {format_number(value)}"
            hint = f"hint: the allowed range is {allowed}"
            raise self.rep.error("invalid-value", message, expr.span, hint)
        return value

    def count(self, setting: s.TrainSetting, what: str, least: int) -> int:
        expr = self.expr(setting)
        value = self.ev.integer(expr, self.scope, what)
        if value < least:
            message = f"{what} must be at least {least}, not {value}"
            hint = f"hint: the allowed range is {setting.name} >= {least}, an integer"
            raise self.rep.error("invalid-value", message, expr.span, hint)
        return value

    def scale(self, setting: s.TrainSetting) -> tuple[str, tuple[float, ...]]:
        expr = self.expr(setting)
        call = expr if isinstance(expr, s.Call) else None
        name = call.func if call is not None else expr
        if not isinstance(name, s.Name):
            message = "the scaling is none, standard or minmax(lo, hi), not an expression"
            raise self.rep.error("type-error", message, expr.span)
        if name.id not in SCALINGS:
            hints = did_you_mean(name.id, SCALINGS) or (
                "hint: the scalings are none, standard and minmax(lo, hi)",
            )
            raise self.rep.error(
                "unknown-scaling", f"unknown scaling '{name.id}'", name.span, *hints
            )
        if call is None:
            return name.id, SCALINGS[name.id]
        wanted = len(SCALINGS[name.id])
        if len(call.args) != wanted or any(a.name is not None for a in call.args):
            usage = "minmax(lo, hi)" if wanted else name.id
            message = f"'{name.id}' takes {wanted} positional value(s): write '{usage}'"
            hint = "hint: none and standard take no values; minmax(lo, hi) maps onto [lo, hi]"
            raise self.rep.error("wrong-argument-count", message, expr.span, hint)
        values = tuple(self.number(a.value, f"the {name.id} bound") for a in call.args)
        if wanted and values[0] >= values[1]:
            lo, hi = (format_number(v) for v in values)
            message = f"minmax needs lo < hi, not lo = {lo} and hi = {hi}"
            hint = "hint: features are mapped onto [lo, hi], e.g. minmax(0, pi)"
            raise self.rep.error("invalid-value", message, expr.span, hint)
        return name.id, values

    def label(self, setting: s.TrainSetting) -> str:
        if not isinstance(setting.value, str):
            message = "the label is a CSV column name in quotes"
            hint = 'hint: e.g. label "species"'
            raise self.rep.error("type-error", message, setting.value.span, hint)
        if not setting.value.strip():
            message = "the label column name is empty"
            hint = "hint: leave 'label' out to use the last CSV column"
            raise self.rep.error("invalid-value", message, setting.span, hint)
        return setting.value
