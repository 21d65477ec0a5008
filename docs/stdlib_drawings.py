"""Draws the small instances of docs/stdlib.md: each ```dream block, with Qiskit's text drawer."""

# Usage (from the repository root):
#   python docs/stdlib_drawings.py           print every drawing
#   python docs/stdlib_drawings.py --write   put them into stdlib.md, in the ```text block that
#                                            follows each ```dream block
#   python docs/stdlib_drawings.py --check   exit 1 when a drawing in stdlib.md is out of date
# The .dream blocks of stdlib.md are the sources, so a usage example and its drawing cannot drift
# apart; tests/test_stdlib_docs.py runs the check.

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "stdlib.md"
FOLD = 100  # columns: the drawings stay readable in a terminal and on GitHub
LONG = 30  # angle expressions longer than this are drawn as a name (α0, α1, ...) with a legend

_MODEL = re.compile(r"^model\s+(\w+)", re.M)


@dataclass(frozen=True)
class Snippet:
    """A ```dream block of the document and the ```text block after it (end == start if none)."""

    line: int  # 0-based index of the ```dream fence
    source: str
    start: int  # 0-based line range of the drawing block, fences included
    end: int

    @property
    def name(self) -> str:
        match = _MODEL.search(self.source)
        return match.group(1) if match else f"line {self.line + 1}"


def snippets(lines: list[str]) -> list[Snippet]:
    """The ```dream blocks of a Markdown document, with the ```text block that follows each."""
    found = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```dream":
            i += 1
            continue
        close = lines.index("```", i + 1)
        source = "\n".join(lines[i + 1 : close]) + "\n"
        after = close + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if after < len(lines) and lines[after].strip() == "```text":
            found.append(Snippet(i, source, after, lines.index("```", after + 1) + 1))
        else:
            found.append(Snippet(i, source, close + 1, close + 1))
        i = close + 1
    return found


def _dreamlang() -> Any:
    # The checkout need not be installed: make its root importable, as running from it would.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import dreamlang

    return dreamlang


def _relabel(circuit: Any, shapes: dict[str, tuple[int, ...]]) -> tuple[Any, list[str]]:
    """The circuit with tensor elements named by their indices (w[1,0,2], not Qiskit's flat
    w[5]) and long angle expressions replaced by α0, α1, ...; and the legend of those names."""
    import numpy as np
    from qiskit.circuit import Parameter, ParameterExpression, QuantumCircuit
    from qiskit.circuit.tools.pi_check import pi_check

    def element_name(p: Any) -> str:
        shape = shapes.get(p.vector.name, ())
        if len(shape) < 2:
            return str(p.name)
        return f"{p.vector.name}[{','.join(map(str, np.unravel_index(p.index, shape)))}]"

    names = {p: Parameter(element_name(p)) for p in circuit.parameters}
    short: dict[str, Any] = {}
    legend: list[str] = []
    out = QuantumCircuit(*circuit.qregs)
    for inst in circuit.data:
        op = inst.operation.to_mutable()
        params = []
        for value in op.params:
            if isinstance(value, ParameterExpression):
                value = value.subs({p: names[p] for p in value.parameters})
                text = pi_check(value, output="text")  # as the drawer writes it: π, not 3.14...
                if len(text) > LONG:
                    if text not in short:
                        short[text] = Parameter(f"α{len(short)}")
                        used = ", ".join(sorted(str(p) for p in value.parameters))
                        legend.append(f"{short[text].name}: an expression of {used}")
                    value = short[text]
            params.append(value)
        op.params = params
        out.append(op, inst.qubits, inst.clbits)
    return out, legend


def drawing(source: str) -> str:
    """The text drawing of a .dream model compiled for Qiskit, trailing spaces removed."""
    dreamlang = _dreamlang()
    model = dreamlang.compile(source, target="qiskit")
    shapes = {**model.inputs, **model.params}
    circuit, legend = _relabel(model.circuit, shapes)
    text = str(circuit.draw("text", fold=FOLD))
    lines = [line.rstrip() for line in text.splitlines()]
    ops = model.program.model.ops
    if ops and all(len(op.wires) == 2 for op in ops):
        lines.append("pairs: " + " ".join(f"({op.wires[0]},{op.wires[1]})" for op in ops))
    return "\n".join([*lines, *legend]) + "\n"


def updated(text: str) -> tuple[str, list[str]]:
    """The document with every drawing regenerated, and the names of the snippets that changed."""
    lines = text.splitlines()
    changed = []
    for snippet in reversed(snippets(lines)):
        block = ["```text", *drawing(snippet.source).splitlines(), "```"]
        old = lines[snippet.start : snippet.end]
        if old != block:
            changed.append(snippet.name)
            lines[snippet.start : snippet.end] = block if old else ["", *block]
    return "\n".join(lines) + "\n", changed[::-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update docs/stdlib.md in place")
    action.add_argument("--check", action="store_true", help="exit 1 if a drawing is stale")
    args = parser.parse_args(argv)
    text = DOC.read_text("utf-8")
    if args.write or args.check:
        new, changed = updated(text)
        if args.write and changed:
            DOC.write_text(new, "utf-8")
        for name in changed:
            print(f"{'updated' if args.write else 'stale'}: {name}")
        return 1 if args.check and changed else 0
    for snippet in snippets(text.splitlines()):
        print(f"== {snippet.name} (stdlib.md line {snippet.line + 1})")
        print(drawing(snippet.source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
