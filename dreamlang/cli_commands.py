"""The dreamc subcommands, and the file handling they share (reading inputs, atomic writes)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import dreamlang
from dreamlang import ir, irprint, stats
from dreamlang.diagnostics import Diagnostic, DreamError, Severity, render, render_json
from dreamlang.limits import Limits

if TYPE_CHECKING:
    from backends import Backend
    from dreamlang.optimizer import PassStat

__all__ = ["COMMANDS", "CLIError", "atomic_write", "import_backends"]

STDIN = "-"


class CLIError(Exception):
    """A problem the user can fix that is not about the program text: exit ``status``."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


# ---- inputs ----


def limits_from(args: argparse.Namespace) -> Limits:
    given = {name: getattr(args, name) for name in Limits.field_names()}
    return Limits(**{name: value for name, value in given.items() if value is not None})


def _display(args: argparse.Namespace) -> str:
    return "<stdin>" if args.file == STDIN else str(args.file)


def read_text(args: argparse.Namespace) -> str:
    """The input's text, from FILE or stdin; a clean CLIError if it cannot be read or decoded."""
    try:
        if args.file == STDIN:
            return sys.stdin.read()
        return Path(args.file).read_bytes().decode("utf-8")
    except OSError as exc:
        raise CLIError(f"cannot read '{args.file}': {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CLIError(f"cannot read '{_display(args)}': not UTF-8 text ({exc.reason})") from None


def load_program(args: argparse.Namespace) -> ir.Program:
    """Parse, check and unroll the input, then report its warnings on stderr."""
    limits = limits_from(args)
    roots = [Path(r) for r in args.root] if args.root else None
    program: ir.Program  # the API's lazy module __getattr__ hides the return types
    if args.file == STDIN:
        text = read_text(args)
        program = dreamlang.parse(
            text, "<stdin>", limits=limits, roots=roots, stdlib_only=args.stdlib_only
        )
    else:
        path = Path(args.file)
        read_text(args)  # a missing or unreadable file is a clean one-line error, not a traceback
        program = dreamlang.load(path, limits=limits, roots=roots, stdlib_only=args.stdlib_only)
    report(program.warnings, args)
    return program


def report(diagnostics: Sequence[Diagnostic], args: argparse.Namespace) -> None:
    if not diagnostics:
        return
    if args.error_format == "json":
        print(render_json(diagnostics), file=sys.stderr)
    else:
        print(render(diagnostics), file=sys.stderr)


def require_model(program: ir.Program, command: str) -> ir.Model:
    if program.model is None:
        message = f"'dreamc {command}' needs a model, and {program.filename} defines none"
        hint = "hint: this looks like a library file; run the command on a file with a model"
        raise DreamError([Diagnostic(Severity.ERROR, "no-model", message, None, (hint,))])
    return program.model


# ---- outputs ----


def write_output(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def atomic_write(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (or bytes) all at once: temp file in the same folder,
    fsync, rename.

    Readers see the old or the new file, never half of one; nothing is left behind on failure.
    """
    path = Path(os.path.realpath(path))  # write through symlinks rather than replacing them
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise CLIError(f"cannot write '{path}': {exc.strerror or exc}") from None
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise CLIError(f"cannot write '{path}': {exc.strerror or exc}") from None
        raise
    _fsync_dir(path.parent)


def _mode_for(path: Path) -> int:
    # mkstemp creates 0600; keep an existing file's mode, else the usual umask-based one.
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_dir(directory: Path) -> None:
    # Makes the rename durable on POSIX; not possible (nor needed) everywhere, so best effort.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


# ---- commands ----


def cmd_check(args: argparse.Namespace) -> int:
    program = load_program(args)
    model = program.model
    if model is None:
        summary = "library, no model"
    else:
        summary = f"model {model.name}: {model.num_qubits} qubits, {len(model.ops)} ops"
    count = len(program.warnings)
    if count:
        summary += f", {count} warning{'s' if count != 1 else ''}"
    print(f"{_display(args)}: ok ({summary})")
    return 0


def cmd_fmt(args: argparse.Namespace) -> int:
    if args.write and args.file == STDIN:
        raise CLIError("--write needs a file; standard input cannot be rewritten", status=2)
    from dreamlang.formatter import format_source

    text = read_text(args)
    formatted = format_source(text, _display(args), limits=limits_from(args))
    if args.check:
        if formatted != text:
            print(f"would reformat {_display(args)}", file=sys.stderr)
            return 1
        return 0
    if args.write:
        if formatted != text:
            atomic_write(Path(args.file), formatted)
            print(f"reformatted {_display(args)}", file=sys.stderr)
        return 0
    sys.stdout.write(formatted)
    return 0


def cmd_ir(args: argparse.Namespace) -> int:
    from dreamlang.optimizer import optimize

    program = load_program(args)
    require_model(program, "ir")
    level = args.optimize if args.optimize is not None else (1 if args.passes else 0)
    stats: list[PassStat] = []
    program = optimize(program, level, stats=stats)
    if args.passes:
        write_output(_pass_table(stats, level))
    write_output(irprint.dump(program))
    return 0


def _pass_table(stats: Sequence[PassStat], level: int) -> str:
    """One line per rule and round: operations before and after, and how many changed."""
    lines = [f"optimizer -O{level}: {len(stats)} rule runs"]
    width = max((len(s.rule) for s in stats), default=4)
    for s in stats:
        removed = s.ops_before - s.ops_after
        lines.append(
            f"  round {s.round}  {s.rule.ljust(width)}  {s.ops_before} -> {s.ops_after} ops"
            f"  ({removed} removed, {s.changed} new or changed)"
        )
    return "\n".join(lines) + "\n"


def cmd_stats(args: argparse.Namespace) -> int:
    model = require_model(load_program(args), "stats")
    figures = stats.model_stats(model)
    if args.json:
        write_output(json.dumps(figures, sort_keys=True, indent=2))
        return 0
    width = max(map(len, figures))
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        print(f"{key.ljust(width)}  {value}")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    registry = import_backends()
    try:
        backend: Backend = registry.get_backend(args.target)
    except registry.BackendUnavailable as exc:
        raise CLIError(str(exc)) from None
    out = Path(args.output) if args.output not in (None, STDIN) else None
    if out is not None and args.file != STDIN and same_file(out, Path(args.file)):
        raise CLIError(f"refusing to overwrite the input file '{args.file}' with the output")
    program = load_program(args)
    if backend.capabilities.needs_model:
        require_model(program, f"compile --target {args.target}")
    if args.optimize:
        from dreamlang.optimizer import optimize

        program = optimize(program, args.optimize)
    text = _emit(backend, program, args)
    if out is None:
        write_output(text)
    else:
        atomic_write(out, text)
    return 0


def _emit(backend: Backend, program: ir.Program, args: argparse.Namespace) -> str:
    options = (args.bind, args.epoch, args.seed, args.step, args.mode)
    if all(option is None for option in options):
        return backend.emit(program)
    if getattr(backend, "runner", None) is not None and getattr(backend, "emit_qasm", None) is None:
        return _emit_python(backend, program, args)
    emit_qasm = getattr(backend, "emit_qasm", None)
    if emit_qasm is None:
        message = (
            f"--bind, --epoch, --seed, --step and --mode do not apply to --target {args.target}"
        )
        raise CLIError(message, status=2)
    if args.mode == "exact" and args.seed is not None:
        message = "--mode exact keeps dropout as annotations; --seed writes one sampled circuit"
        raise CLIError(message, status=2)
    if args.step is not None and args.seed is None and args.mode != "sampled":
        raise CLIError("--step needs --seed (a sampled circuit)", status=2)
    from dreamlang.cli_run import read_values

    bind = read_values(args.bind) if args.bind is not None else None
    seed = 0 if args.mode == "sampled" and args.seed is None else args.seed
    sample = None if seed is None else (seed, args.step or 0)
    try:
        text: str = emit_qasm(program, bind=bind, epoch=args.epoch or 0, sample=sample)
    except ValueError as exc:  # values missing from, or misshapen in, the --bind file
        raise CLIError(str(exc)) from None
    return text


def _emit_python(backend: Backend, program: ir.Program, args: argparse.Namespace) -> str:
    """A Python module whose expectations()/forward() default to --mode, --epoch and --seed."""
    if args.bind is not None or args.step is not None:
        message = f"--bind and --step apply to --target qasm3, not {args.target}"
        raise CLIError(message, status=2)
    import_backends()
    defaults_type = importlib.import_module("dreamlang.backends.pymodule").Defaults
    defaults = defaults_type(mode=args.mode or "sampled", epoch=args.epoch or 0, seed=args.seed)
    text: str = backend.emit(program, defaults)  # type: ignore[call-arg]
    return text


def import_backends() -> ModuleType:
    """dreamlang.backends; from a source checkout that was never installed, load backends/.

    The package-dir mapping only exists once installed (wheel or editable); the parser
    falls back the same way for the grammar.
    """
    import importlib.util

    try:
        return importlib.import_module("dreamlang.backends")
    except ModuleNotFoundError as exc:
        if exc.name != "dreamlang.backends":
            raise
    folder = Path(__file__).resolve().parent.parent / "backends"
    spec = importlib.util.spec_from_file_location(
        "dreamlang.backends", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dreamlang.backends"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["dreamlang.backends"]
        raise
    return module


COMMANDS = {
    "check": cmd_check,
    "fmt": cmd_fmt,
    "ir": cmd_ir,
    "stats": cmd_stats,
    "compile": cmd_compile,
}
