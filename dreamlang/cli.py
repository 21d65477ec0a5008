"""The dreamc command line: argument parsing, exit codes and error reporting."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

import dreamlang
from dreamlang.cli_commands import COMMANDS, CLIError, report
from dreamlang.cli_draw import cmd_draw, draw_options
from dreamlang.cli_run import cmd_run, run_options
from dreamlang.cli_train import cmd_train, train_options
from dreamlang.diagnostics import DreamError
from dreamlang.limits import Limits

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "EXIT_USER", "build_parser", "main"]

EXIT_OK, EXIT_USER, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

_EPILOG = """\
examples:
  dreamc check examples/iris.dream
  dreamc fmt --check examples/*.dream        (exit 1 names each unformatted file)
  dreamc fmt --write model.dream
  dreamc ir examples/iris.dream
  dreamc stats --json examples/iris.dream
  dreamc compile examples/iris.dream --target ir -o iris.ir.json
  dreamc compile examples/iris.dream --target qiskit -o iris_qiskit.py
  dreamc compile examples/zz_kernel.dream --target qasm3 --bind weights.npz
  dreamc run examples/iris.dream --target cirq --inputs '{"x": [0.1, 0.2, 0.3, 0.4]}'
  dreamc draw examples/iris.dream            (or --format svg|png -o iris.svg)
  cat model.dream | dreamc check -

exit codes: 0 ok (warnings allowed), 1 errors in the input, 2 bad usage, 3 internal error
"""

_LIMIT_HELP = {
    "max_source_bytes": "largest source file, in bytes",
    "max_qubits": "most qubits a model may declare",
    "max_ops": "most operations a model may unroll to",
    "max_nesting": "deepest nesting of brackets, expressions and blocks",
    "max_import_depth": "longest chain of imports",
    "max_int_digits": "most digits in an integer literal",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _add_global_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """Options accepted before and after the subcommand.

    A subcommand's parser would overwrite values given before the subcommand with its own
    defaults, so there the defaults are SUPPRESS and only options actually given are stored.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if nested else value

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--error-format",
        choices=("text", "json"),
        default=default("text"),
        help="how diagnostics are printed on stderr (default: text)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="print the traceback of internal errors",
    )
    group.add_argument(
        "--root",
        action="append",
        metavar="DIR",
        default=default(None),
        help="allow imports from DIR (repeatable; default: the file's folder)",
    )
    group.add_argument(
        "--stdlib-only",
        action="store_true",
        default=default(False),
        help="allow imports from the standard library only",
    )
    defaults = Limits()
    for name in Limits.field_names():
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=_positive_int,
            metavar="N",
            default=default(None),
            help=f"{_LIMIT_HELP.get(name, name)} (default: {getattr(defaults, name)})",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dreamc",
        description="Check, format, inspect and compile .dream hybrid quantum-classical models.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dreamc {dreamlang.__version__}")
    _add_global_options(parser, nested=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text, extra in _SUBCOMMANDS:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("file", metavar="FILE", help="a .dream file, or '-' for stdin")
        extra(sub)
        _add_global_options(sub, nested=True)
    return parser


def _fmt_options(sub: argparse.ArgumentParser) -> None:
    mode = sub.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="exit 1 and name the file if it is not formatted; change nothing",
    )
    mode.add_argument(
        "--write",
        action="store_true",
        help="rewrite the file in place (atomically, only if it changes)",
    )


def _stats_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--json", action="store_true", help="print the figures as JSON")


def optimize_option(sub: argparse.ArgumentParser, default: int | None) -> None:
    """-O0, -O1, -O2: the optimizer pipeline (docs/optimizer.md)."""
    shown = "" if default is None else f" (default {default})"
    sub.add_argument(
        "-O",
        dest="optimize",
        type=int,
        choices=(0, 1, 2),
        default=default,
        metavar="N",
        help=f"optimizer pipeline: -O0 none, -O1 cheap exact rules, -O2 all rules{shown}",
    )


def _ir_options(sub: argparse.ArgumentParser) -> None:
    optimize_option(sub, None)
    sub.add_argument(
        "--passes",
        action="store_true",
        help="before the listing, show what each optimizer rule removed or changed "
        "(at -O1 unless -O is given)",
    )


def _compile_options(sub: argparse.ArgumentParser) -> None:
    optimize_option(sub, 1)
    sub.add_argument(
        "--target",
        "-t",
        required=True,
        metavar="T",
        help="the target: " + ", ".join(_target_names()),
    )
    sub.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write to OUT atomically instead of stdout ('-' for stdout)",
    )
    sub.add_argument(
        "--bind",
        metavar="FILE",
        help="qasm3 only: replace inputs and parameters by the values in FILE (.npz or .json)",
    )
    sub.add_argument(
        "--mode",
        choices=("sampled", "exact"),
        default=None,
        help="dropout mode: Python targets make it the module's default (MODE); qasm3 'sampled' "
        "writes one sampled training circuit, 'exact' keeps dropout as annotations",
    )
    sub.add_argument(
        "--epoch",
        type=int,
        default=None,
        help="Python targets: the module's default epoch (EPOCH); qasm3: the epoch at which "
        "schedules in noise/dropout annotations are evaluated",
    )
    sub.add_argument(
        "--seed",
        type=int,
        default=None,
        help="Python targets: the module's default dropout seed (SEED); qasm3: write one sampled "
        "training circuit, leaving out the gates that dropout drops at (seed, epoch, step)",
    )
    sub.add_argument(
        "--step", type=int, default=None, help="qasm3 only, with --seed: the training step"
    )


def _target_names() -> tuple[str, ...]:
    from dreamlang.cli_commands import import_backends

    names: tuple[str, ...] = import_backends().available()
    return names


def _no_options(sub: argparse.ArgumentParser) -> None:
    pass


_SUBCOMMANDS = (
    ("check", "parse and check a file; report errors and warnings", _no_options),
    ("fmt", "print the file in canonical format (or --check / --write it)", _fmt_options),
    ("ir", "print the unrolled operations of the model, one per line", _ir_options),
    ("stats", "print the model's size: qubits, gate counts, depth, parameters", _stats_options),
    ("compile", "compile the model for a target framework", _compile_options),
    ("run", "compile in memory and print forward() of the model as JSON", run_options),
    ("train", "train the model on a CSV file and print a JSON summary", train_options),
    ("draw", "draw the model's circuit after optimization (text, svg or png)", draw_options),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run dreamc; returns the exit status (argparse's own exits are turned into returns)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:  # a broken installation (e.g. a backend module fails to import)
        return _internal_error(exc, "--debug" in argv)
    try:
        command = {**COMMANDS, "run": cmd_run, "train": cmd_train, "draw": cmd_draw}[args.command]
        return command(args)
    except DreamError as exc:
        report(exc.diagnostics, args)
        return EXIT_USER
    except CLIError as exc:
        print(f"dreamc: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("dreamc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (dreamc ir big.dream | head); stop quietly, like other tools.
        _silence_stdout()
        return EXIT_USER
    except Exception as exc:
        return _internal_error(exc, args.debug)


def _internal_error(exc: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc(file=sys.stderr)
        print(
            f"dreamc: internal error: {type(exc).__name__}: {exc} (please report it)",
            file=sys.stderr,
        )
    else:
        print(
            f"dreamc: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
    return EXIT_INTERNAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (tests capture it): nothing will flush into a pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
