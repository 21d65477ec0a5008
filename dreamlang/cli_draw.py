"""``dreamc draw``: the model's circuit after optimization, as text, SVG or PNG."""

from __future__ import annotations

import argparse
from pathlib import Path

from dreamlang.cli_commands import (
    STDIN,
    CLIError,
    atomic_write,
    load_program,
    require_model,
    same_file,
    write_output,
)

__all__ = ["cmd_draw", "draw_options"]

FORMATS = ("text", "svg", "png")


def draw_options(sub: argparse.ArgumentParser) -> None:
    from dreamlang.cli import optimize_option

    optimize_option(sub, 1)
    sub.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        default=None,
        help="text (default, no extra dependency), svg or png (need matplotlib); "
        "guessed from OUT's suffix when not given",
    )
    sub.add_argument("-o", "--output", metavar="OUT", help="write to OUT atomically")
    sub.add_argument(
        "--width", type=int, default=100, metavar="N", help="text: wrap at N columns (100)"
    )
    sub.add_argument(
        "--epoch", type=int, default=None, help="evaluate schedules at this training epoch"
    )
    sub.add_argument(
        "--mode",
        choices=("sampled",),
        default=None,
        help="sampled: draw the circuit of one sampled dropout mask (seed 0 unless --seed)",
    )
    sub.add_argument("--seed", type=int, default=None, help="the dropout seed (implies sampled)")
    sub.add_argument("--step", type=int, default=0, help="the training step of the mask (0)")


def cmd_draw(args: argparse.Namespace) -> int:
    fmt = _format(args)
    out = Path(args.output) if args.output not in (None, STDIN) else None
    if fmt == "png" and out is None:
        raise CLIError("--format png writes binary data: give the file with -o OUT", status=2)
    if args.width < 30:
        raise CLIError(f"--width must be at least 30, got {args.width}", status=2)
    if out is not None and args.file != STDIN and same_file(out, Path(args.file)):
        raise CLIError(f"refusing to overwrite the input file '{args.file}' with the drawing")
    program = load_program(args)
    require_model(program, "draw")
    from dreamlang import optimize
    from dreamlang.draw import draw

    if args.optimize:
        program = optimize(program, args.optimize)
    seed = args.seed if args.seed is not None else (0 if args.mode == "sampled" else None)
    try:
        drawing = draw(program, fmt, width=args.width, epoch=args.epoch, seed=seed, step=args.step)
    except ImportError as exc:  # matplotlib missing: the message says what to install
        raise CLIError(str(exc)) from None
    if out is None:
        assert isinstance(drawing, str)  # PNG needs -o, checked above
        write_output(drawing)
    else:
        atomic_write(out, drawing)
    return 0


def _format(args: argparse.Namespace) -> str:
    if args.format is not None:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    return suffix if suffix in ("svg", "png") else "text"
