"""The text drawing of a circuit layout: box-drawing wires, wrapped into blocks that fit the width."""

from __future__ import annotations

import textwrap
from collections import defaultdict

from dreamlang.draw import GLYPHS, Cell, Layout

__all__ = ["LEGEND", "render"]

# Marker -> meaning; the legend lists the ones a drawing uses.
LEGEND = {
    "»": "»g encoder",
    "?": "g? dropout may remove it (┆ for multi-qubit gates)",
    "{": "{c} noise channel",
    "*": "{c}* noise while training only",
}
WIRE, GAP, SEPARATOR = "─", " ", "┊"
MIN_WIDTH = 30


def render(layout: Layout, width: int = 100) -> str:
    """The drawing, no line longer than ``width`` columns (at least MIN_WIDTH)."""
    width = max(width, MIN_WIDTH)
    prefix = len(f"q{max(layout.num_qubits - 1, 0)}") + 1
    by_column: dict[int, list[Cell]] = defaultdict(list)
    for cell in layout.cells:
        by_column[cell.column].append(cell)
    columns = [
        _column(by_column[j], layout.num_qubits, width - prefix) for j in range(layout.num_columns)
    ]
    units = _units(layout, columns)
    if not units:  # no operations: still show the wires
        units = [(-1, False, _column([], layout.num_qubits, width - prefix))]
    lines = _wrapped(layout.title, width)
    for block in _blocks(units, width - prefix):
        lines.append("")
        lines.extend(_block_lines(block, layout, prefix))
    lines.append("")
    for note in layout.notes:
        lines.extend(_wrapped(note, width))
    used = _markers(layout)
    if used:
        legend = "legend: " + "   ".join(LEGEND[m] for m in LEGEND if m in used)
        lines.extend(_wrapped(legend, width))
    return "\n".join(lines) + "\n"


def _wrapped(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent="  ", break_on_hyphens=False) or [""]


def decorate(cell: Cell, symbol: str) -> str:
    """A label with the text markers of its cell: »encoder, {channel}, {training}*, droppable?."""
    if symbol in GLYPHS:
        return symbol
    if cell.role == "channel":
        return "{" + symbol + "}" + ("*" if cell.training_only else "")
    text = ("»" if cell.role == "encoder" else "") + symbol
    return text + ("?" if cell.droppable else "")


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


def _column(cells: list[Cell], num_qubits: int, room: int) -> list[str]:
    """The rows of one column: wire rows at even positions, the gaps between wires at odd ones."""
    labels = {(id(c), w): _fit(decorate(c, s), room - 2) for c in cells for w, s in c.symbols}
    width = max((len(text) for text in labels.values()), default=1) + 2
    width += 1 - width % 2  # odd, so glyphs and connectors share the middle character
    middle = width // 2
    rows = [list((WIRE if r % 2 == 0 else GAP) * width) for r in range(2 * num_qubits - 1)]
    for cell in cells:
        low, high = cell.span
        for r in range(2 * low + 1, 2 * high):
            rows[r][middle] = ("┆" if cell.droppable else "│") if r % 2 else "┼"
        for wire, _ in cell.symbols:
            text = labels[(id(cell), wire)]
            start = middle - (len(text) - 1) // 2
            rows[2 * wire][start : start + len(text)] = text
    return ["".join(row) for row in rows]


# A unit is one column or separator: (its segment, or -1 for a separator; whether it is the
# segment's first column; its rows).
Unit = tuple[int, bool, list[str]]


def _units(layout: Layout, columns: list[list[str]]) -> list[Unit]:
    """Columns and layer separators in order."""
    units: list[Unit] = []
    rows = 2 * layout.num_qubits - 1
    for k, segment in enumerate(layout.segments):
        if k:
            units.append((-1, False, [SEPARATOR] * rows))
        for j in range(segment.first, segment.stop):
            units.append((k, j == segment.first, columns[j]))
    return units


def _blocks(units: list[Unit], room: int) -> list[list[Unit]]:
    blocks: list[list[Unit]] = [[]]
    used = 0
    for unit in units:
        size = len(unit[2][0])
        if blocks[-1] and used + size > room:
            blocks.append([])
            used = 0
        blocks[-1].append(unit)
        used += size
    return [b for b in blocks if b]


def _block_lines(block: list[Unit], layout: Layout, prefix: int) -> list[str]:
    rows = 2 * layout.num_qubits - 1
    header = _header(block, layout)
    lines = [(" " * prefix + header).rstrip()] if header.strip() else []
    for r in range(rows):
        lead = f"q{r // 2}".ljust(prefix - 1) + " " if r % 2 == 0 else " " * prefix
        lines.append((lead + "".join(unit[2][r] for unit in block)).rstrip())
    return lines


def _header(block: list[Unit], layout: Layout) -> str:
    """'layer N' (or 'LN' where it does not fit) above the first column of each layer, and at
    the start of a block that continues one."""
    widths = [len(unit[2][0]) for unit in block]
    starts = [k for k, u in enumerate(block) if u[1] or (k == 0 and u[0] >= 0)]
    text = [" "] * sum(widths)
    for n, k in enumerate(starts):
        layer = layout.segments[block[k][0]].layer
        if layer is None:
            continue
        begin = sum(widths[:k])
        end = sum(widths[: starts[n + 1]]) - 1 if n + 1 < len(starts) else len(text)
        name = f"layer {layer}" if len(f"layer {layer}") <= end - begin else f"L{layer}"
        name = name[: max(end - begin, 0)]
        text[begin : begin + len(name)] = name
    return "".join(text)


def _markers(layout: Layout) -> set[str]:
    used: set[str] = set()
    for cell in layout.cells:
        if cell.role == "encoder" and any(s not in GLYPHS for _, s in cell.symbols):
            used.add("»")
        if cell.droppable:
            used.add("?")
        if cell.role == "channel":
            used.add("*" if cell.training_only else "{")
    return used
