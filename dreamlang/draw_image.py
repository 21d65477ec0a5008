"""SVG and PNG drawings of a circuit layout with matplotlib (the optional 'plot' extra)."""

from __future__ import annotations

import io
from typing import Any

from dreamlang.draw import CONTROL, GLYPHS, SWAP, TARGET, Cell, Layout

__all__ = ["render"]

# Drawing units are character widths of the label font; wires are WIRE_GAP units apart.
# A unit is the width of an 8-point monospace character (0.6 em); labels use a smaller font so
# that they stay inside their boxes whatever monospace font is found.
CHAR_INCHES = 8 * 0.6 / 72
FONT_SIZE = 7.0
WIRE_GAP = 4.0
BOX_HEIGHT = 2.2
MAX_PIXELS = 30000  # PNG width cap: a very deep circuit gets a lower resolution instead
# role -> (face colour, edge colour)
COLOURS = {
    "gate": ("#ffffff", "#303030"),
    "entangler": ("#ffffff", "#303030"),
    "encoder": ("#d6e6f5", "#1f5f99"),
    "channel": ("#fbe0dc", "#b2182b"),
}
DROPPED = ("#eeeeee", "#b0b0b0")


def render(layout: Layout, format: str) -> str | bytes:
    """The drawing as SVG text or PNG bytes."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "drawing SVG or PNG needs matplotlib: pip install 'dreamlang[plot]'"
        ) from None
    widths = _column_widths(layout)
    xs = _column_starts(layout, widths)
    total = xs[-1] + 2
    bottom = -(layout.num_qubits - 1) * WIRE_GAP - 2.5
    with matplotlib.rc_context({"svg.hashsalt": "dreamlang", "font.family": "monospace"}):
        # One unit is one character on both axes, so labels fit their boxes.
        figure = Figure(figsize=((total + 5) * CHAR_INCHES, (3 - bottom) * CHAR_INCHES))
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(-5, total)
        axes.set_ylim(bottom, 3)
        axes.set_axis_off()
        _wires(axes, layout, total)
        _layers(axes, layout, xs, widths)
        for cell in layout.cells:
            _cell(axes, cell, xs[cell.column] + widths[cell.column] / 2)
        axes.set_title(layout.title, loc="left", fontsize=FONT_SIZE + 1)
        _legend(axes, layout)
        return _save(figure, format, total)


def _save(figure: Any, format: str, total: float) -> str | bytes:
    buffer = io.BytesIO()
    dpi = min(100.0, MAX_PIXELS / (total * CHAR_INCHES + 2))
    # No date in the metadata, so the same model always gives the same file.
    metadata = {"Date": None} if format == "svg" else {"Software": "dreamlang"}
    figure.savefig(buffer, format=format, dpi=dpi, bbox_inches="tight", metadata=metadata)
    data = buffer.getvalue()
    return data.decode("utf-8") if format == "svg" else data


def _column_widths(layout: Layout) -> list[float]:
    widths = [3.0] * layout.num_columns
    for cell in layout.cells:
        for _, symbol in cell.symbols:
            widths[cell.column] = max(widths[cell.column], len(symbol) + 2.0)
    return widths


def _column_starts(layout: Layout, widths: list[float]) -> list[float]:
    """Where each column begins, with one unit of gap before each new layer; then the end."""
    firsts = {s.first for s in layout.segments[1:]}
    xs, x = [], 0.0
    for j, width in enumerate(widths):
        x += 1.0 if j in firsts else 0.0
        xs.append(x)
        x += width
    return [*xs, x]


def _y(wire: int) -> float:
    return -wire * WIRE_GAP


def _wires(axes: Any, layout: Layout, total: float) -> None:
    for wire in range(layout.num_qubits):
        axes.plot([-1, total], [_y(wire)] * 2, color="#606060", linewidth=0.8, zorder=0)
        axes.text(-1.5, _y(wire), f"q{wire}", ha="right", va="center", fontsize=FONT_SIZE)


def _layers(axes: Any, layout: Layout, xs: list[float], widths: list[float]) -> None:
    """A dotted separator before each layer and its number above."""
    bottom = _y(layout.num_qubits - 1) - 1.5
    for k, segment in enumerate(layout.segments):
        left = xs[segment.first]
        if k:
            axes.plot([left - 0.5] * 2, [bottom, 1.5], color="#909090", linestyle=":", lw=0.8)
        if segment.layer is not None:
            axes.text(left, 1.8, f"layer {segment.layer}", fontsize=FONT_SIZE - 1, color="#505050")


def _style(cell: Cell) -> tuple[str, str, str]:
    face, edge = DROPPED if cell.dropped else COLOURS.get(cell.role, COLOURS["gate"])
    # Dashed: dropout may remove it; dotted: noise present while training only.
    return face, edge, "--" if cell.droppable else ":" if cell.training_only else "-"


def _cell(axes: Any, cell: Cell, x: float) -> None:
    _, edge, line = _style(cell)
    low, high = cell.span
    if high > low:
        axes.plot([x, x], [_y(low), _y(high)], color=edge, linestyle=line, lw=1.0, zorder=1)
    for wire, symbol in cell.symbols:
        if symbol in GLYPHS:
            _glyph(axes, symbol, x, _y(wire), edge)
        else:
            _box(axes, cell, symbol, x, _y(wire))


def _box(axes: Any, cell: Cell, label: str, x: float, y: float) -> None:
    from matplotlib.patches import FancyBboxPatch

    face, edge, line = _style(cell)
    width = len(label) + 1.0
    patch = FancyBboxPatch(
        (x - width / 2, y - BOX_HEIGHT / 2),
        width,
        BOX_HEIGHT,
        boxstyle="round,pad=0,rounding_size=0.3",
        facecolor=face,
        edgecolor=edge,
        linestyle=line,
        linewidth=1.0,
        zorder=2,
    )
    axes.add_patch(patch)
    colour = DROPPED[1] if cell.dropped else "#000000"
    axes.text(x, y, label, ha="center", va="center", fontsize=FONT_SIZE, color=colour, zorder=3)


def _glyph(axes: Any, symbol: str, x: float, y: float, colour: str) -> None:
    from matplotlib.patches import Circle

    if symbol == CONTROL:
        axes.add_patch(Circle((x, y), 0.35, color=colour, zorder=2))
    elif symbol == TARGET:
        axes.add_patch(Circle((x, y), 0.7, facecolor="white", edgecolor=colour, zorder=2))
        axes.plot([x - 0.7, x + 0.7], [y, y], color=colour, lw=1.0, zorder=3)
        axes.plot([x, x], [y - 0.7, y + 0.7], color=colour, lw=1.0, zorder=3)
    elif symbol == SWAP:
        for dy in (-0.5, 0.5):
            axes.plot([x - 0.5, x + 0.5], [y - dy, y + dy], color=colour, lw=1.2, zorder=3)


def _legend_entries(layout: Layout) -> list[dict[str, Any]]:
    """The Patch arguments of each kind of mark the drawing uses."""
    roles = {c.role for c in layout.cells}
    encoder, channel = COLOURS["encoder"], COLOURS["channel"]
    entries = [
        ("encoder" in roles, encoder, "-", "encoder"),
        (any(c.droppable for c in layout.cells), COLOURS["gate"], "--", "dropout may remove it"),
        ("channel" in roles, channel, "-", "noise channel"),
        (any(c.training_only for c in layout.cells), channel, ":", "noise while training only"),
        (any(c.dropped for c in layout.cells), DROPPED, "-", "dropped in this sample"),
    ]
    return [
        {"facecolor": face, "edgecolor": edge, "linestyle": line, "label": label}
        for shown, (face, edge), line, label in entries
        if shown
    ]


def _legend(axes: Any, layout: Layout) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(**entry) for entry in _legend_entries(layout)]
    notes = "   ".join(layout.notes)
    if not handles:
        axes.text(0, -(layout.num_qubits - 1) * WIRE_GAP - 2.5, notes, fontsize=FONT_SIZE, va="top")
        return
    axes.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, 0),
        ncol=len(handles),
        frameon=False,
        fontsize=FONT_SIZE,
        title=notes,
        title_fontsize=FONT_SIZE,
        alignment="left",
    )
