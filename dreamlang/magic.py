"""The ``%%dream`` cell magic: compile a cell, then show its diagnostics, or its drawing and stats."""

from __future__ import annotations

import argparse
import importlib
import shlex
from typing import Any, NoReturn

import dreamlang
from dreamlang import ir, stats
from dreamlang.diagnostics import DreamError, render

__all__ = ["CELL_NAME", "dream_cell", "load_ipython_extension"]

CELL_NAME = "<cell>"  # a '<...>' name: imports resolve against the notebook's current folder


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%dream [NAME] [-O N] [--width N] [--format text|svg]``."""

    def dream(line: str, cell: str) -> None:
        dream_cell(line, cell, ipython)

    dream.__doc__ = _parser().format_help()
    ipython.register_magic_function(dream, magic_kind="cell", magic_name="dream")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would print and exit; in a notebook the message belongs in the cell's output.
        raise ValueError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="%%dream",
        description="Check and optimize the .dream source in the cell; show the diagnostics, "
        "or the circuit drawing and the model's stats.",
        add_help=False,
    )
    parser.add_argument("name", nargs="?", help="store the checked Program in this variable")
    parser.add_argument("-O", dest="optimize", type=int, choices=(0, 1, 2), default=1)
    parser.add_argument("--width", type=int, default=100, help="wrap the text drawing (100)")
    parser.add_argument("--format", choices=("text", "svg"), default="text")
    return parser


def dream_cell(line: str, cell: str, ipython: Any = None) -> ir.Program | None:
    """What ``%%dream`` runs: returns the optimized Program, or None when the cell has errors."""
    try:
        args = _parser().parse_args(shlex.split(line))
    except ValueError as exc:
        _show(f"%%dream: {exc}\n{_parser().format_usage()}")
        return None
    try:
        program: ir.Program = dreamlang.parse(cell, CELL_NAME)
    except DreamError as exc:
        _show(render(exc.diagnostics))
        return None
    if program.warnings:
        _show(render(program.warnings))
    if args.optimize:
        program = dreamlang.optimize(program, args.optimize)
    if args.name and ipython is not None:
        ipython.user_ns[args.name] = program
    if program.model is None:
        _show(f"{CELL_NAME}: ok (library, no model)")
        return program
    from dreamlang.draw import draw

    if args.format == "svg":
        display = _ipython_display()
        display.display(display.SVG(draw(program, "svg")))
    else:
        _show(str(draw(program, "text", width=args.width)))
    _show(stats_text(program.model))
    return program


def stats_text(model: ir.Model) -> str:
    """The figures of ``dreamc stats``, one per line."""
    figures = stats.model_stats(model)
    width = max(map(len, figures))
    lines = []
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        lines.append(f"{key.ljust(width)}  {value}")
    return "\n".join(lines)


def _show(text: str) -> None:
    # Plain text keeps the box-drawing columns aligned in notebooks and terminals alike.
    _ipython_display().display({"text/plain": text.rstrip("\n")}, raw=True)


def _ipython_display() -> Any:
    # Imported when a cell runs, so that importing dreamlang never loads IPython.
    return importlib.import_module("IPython.display")
