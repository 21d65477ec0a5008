"""Benchmark runner: runs every bench/bench_*.py module's run() and prints one table."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

Row = dict[str, Any]


def discover(only: str | None = None) -> list[Path]:
    """bench_*.py files in this folder, sorted; ``only`` matches 'frontend' or 'bench_frontend'."""
    paths = sorted(HERE.glob("bench_*.py"))
    if only is not None:
        wanted = only.removeprefix("bench_").removesuffix(".py")
        paths = [p for p in paths if p.stem.removeprefix("bench_") == wanted]
    return paths


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "PASS" if value else "FAIL"
    if isinstance(value, float):
        if 0 < abs(value) < 0.01:
            return f"{value:.2e}"
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[Row]) -> str:
    """A plain-text table; columns in order of first appearance across the rows."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", metavar="NAME", help="run one benchmark module, e.g. frontend")
    args = parser.parse_args(argv)
    # Benchmarks import dreamlang; make a source checkout work without installing it.
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    paths = discover(args.only)
    if not paths:
        print(f"no benchmark matches {args.only!r}", file=sys.stderr)
        return 2
    rows: list[Row] = []
    for path in paths:
        print(f"running {path.stem} ...", file=sys.stderr, flush=True)
        rows.extend(load(path).run())
    print(table(rows))
    # A row may carry "ok": False when it misses its goal; that fails the run.
    return 1 if any(row.get("ok") is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
