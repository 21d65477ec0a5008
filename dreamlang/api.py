"""The Python API: parse, load and check .dream programs into the IR, or raise DreamError."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from dreamlang import gates, ir
from dreamlang import syntax as s
from dreamlang.context import Definitions, UnrollState
from dreamlang.diagnostics import Diagnostic, DreamError, Severity, Source
from dreamlang.elaborate import Unroller
from dreamlang.evaluate import Evaluator, Scope
from dreamlang.limits import Limits
from dreamlang.modules import LoadedFile, ModuleLoader
from dreamlang.reporting import Abort, Reporter
from dreamlang.values import ArrayRef, Sym, describe

__all__ = ["check", "load", "parse"]

Roots = Sequence[str | os.PathLike[str]] | None


def parse(
    text: str,
    filename: str = "<string>",
    *,
    limits: Limits | None = None,
    roots: Roots = None,
    stdlib_only: bool = False,
) -> ir.Program:
    """Parse and check source text.

    Relative imports resolve against the folder of ``filename`` when it names a file (as if the
    text had been read from there), and against the current directory for ``<string>``-style
    names such as ``<stdin>``.
    """
    path = None if filename.startswith("<") else Path(filename)
    return _compile(Source(filename, text), path, limits, roots, stdlib_only)


def load(
    path: str | os.PathLike[str],
    *,
    limits: Limits | None = None,
    roots: Roots = None,
    stdlib_only: bool = False,
) -> ir.Program:
    """Read, parse and check a .dream file; its imports resolve relative to its folder."""
    file = Path(path)
    limits = limits or Limits()
    try:
        size = file.stat().st_size
        if size > limits.max_source_bytes:
            text = file.read_bytes()[: limits.max_source_bytes + 1].decode("utf-8", "replace")
        else:
            text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DreamError(
            [Diagnostic(Severity.ERROR, "import-not-found", f"cannot read '{path}': {exc}", None)]
        ) from None
    return _compile(Source(str(path), text), file, limits, roots, stdlib_only)


def check(
    source: str | os.PathLike[str],
    *,
    limits: Limits | None = None,
    roots: Roots = None,
    stdlib_only: bool = False,
) -> ir.Program:
    """Like parse() for source text (a str) or load() for a path (a Path or other PathLike)."""
    if isinstance(source, str):
        return parse(source, limits=limits, roots=roots, stdlib_only=stdlib_only)
    return load(source, limits=limits, roots=roots, stdlib_only=stdlib_only)


@contextlib.contextmanager
def _deep_stack() -> Iterator[None]:
    # Nesting is capped by Limits.max_nesting; this leaves room for a few frames per level.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _compile(
    source: Source, path: Path | None, limits: Limits | None, roots: Roots, stdlib_only: bool
) -> ir.Program:
    limits = limits or Limits()
    rep = Reporter()
    try:
        with _deep_stack():
            root_paths = [Path(r) for r in roots] if roots is not None else None
            files = ModuleLoader(rep, limits, root_paths, stdlib_only).load(source, path)
            model = _elaborate(files, rep, limits) if files else None
    except RecursionError:
        # Only reachable when --max-nesting is raised far past its default: say so plainly.
        message = f"the program nests too deeply to compile with max_nesting={limits.max_nesting}"
        hint = "hint: lower --max-nesting (the default, 256, is always safe)"
        diagnostic = Diagnostic(Severity.ERROR, "nesting-too-deep", message, None, (hint,))
        raise DreamError([diagnostic]) from None
    rep.raise_if_errors()
    warnings = tuple(d for d in rep.diagnostics if d.severity is not Severity.ERROR)
    return ir.Program(model, source.name, warnings)


def _elaborate(files: list[LoadedFile], rep: Reporter, limits: Limits) -> ir.Model | None:
    defs = Definitions(Scope())
    ev = Evaluator(rep, defs.blocks, defs.topologies, limits)
    for loaded in files:
        _collect(loaded.module, defs, ev, rep)
    models = [item for item in files[-1].module.items if isinstance(item, s.ModelDef)]
    for extra in models[1:]:
        rep.error(
            "multiple-models",
            f"a file describes one model; '{extra.name}' is a second one",
            extra.span,
            "hint: move it to its own file and import the shared blocks",
        )
    if not models:
        return None
    st = UnrollState(rep, limits, defs, ev)
    model = Unroller(st).run(models[0])
    if not rep.error_count:  # after an error, a param's only use may be what failed
        _warn_unused(model, rep)
    return model


def _collect(module: s.Module, defs: Definitions, ev: Evaluator, rep: Reporter) -> None:
    for item in module.items:
        try:
            if isinstance(item, s.ConstStmt):
                _global_const(item, defs, ev, rep)
            elif isinstance(item, s.BlockDef | s.TopologyDef):
                _define_callable(item, defs, rep)
        except Abort:
            continue


def _global_const(item: s.ConstStmt, defs: Definitions, ev: Evaluator, rep: Reporter) -> None:
    if item.name in defs.globals.vars:
        raise rep.error(
            "duplicate-definition", f"const '{item.name}' is already defined", item.span
        )
    value = ev.eval(item.value, defs.globals)
    if isinstance(value, Sym | ArrayRef):
        raise rep.error(
            "type-error",
            f"a const must be known at compile time, not {describe(value)}",
            item.value.span,
        )
    defs.globals.vars[item.name] = value


def _define_callable(item: s.BlockDef | s.TopologyDef, defs: Definitions, rep: Reporter) -> None:
    if gates.lookup(item.name) is not None:
        raise rep.error(
            "duplicate-definition",
            f"'{item.name}' is a built-in gate or channel",
            item.span,
            "hint: choose another name",
        )
    if item.name in defs.blocks or item.name in defs.topologies:
        raise rep.error("duplicate-definition", f"'{item.name}' is already defined", item.span)
    seen: set[str] = set()
    for param in item.params:
        if param.name in seen:
            raise rep.error(
                "duplicate-definition", f"parameter '{param.name}' appears twice", param.span
            )
        seen.add(param.name)
    if isinstance(item, s.BlockDef):
        defs.blocks[item.name] = item
    else:
        defs.topologies[item.name] = item


def _warn_unused(model: ir.Model, rep: Reporter) -> None:
    used = {
        n.name
        for op in model.ops
        for p in op.params
        for n in ir.walk(p)
        if isinstance(n, ir.ParamRef)
    }
    for param in model.params:
        if param.name not in used:
            rep.warning(
                "unused-param",
                f"parameter '{param.name}' is never used",
                param.span,
                "hint: remove it, or use it in a gate",
            )
