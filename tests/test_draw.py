"""Circuit drawings: golden text drawings of every example, SVG/PNG validity, and ``dreamc draw``.

The golden drawings in tests/fixtures/draw/ are of the unoptimized IR (-O0), so that they
change with the drawing code and the front end, not with the optimizer. Set
DREAMLANG_UPDATE_GOLDEN=1 to (re)write them, then review the diff."""

from __future__ import annotations

import os
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

import dreamlang
from dreamlang.cli import main
from dreamlang.draw import draw, layout, sampled_mask

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.dream"))
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "draw"
IDS = [path.stem for path in EXAMPLES]
Run = Callable[..., tuple[int, str, str]]

TINY = """\
import "std/encoders.dream"

model tiny {
    qubits 3
    input x[2]
    param theta[2, 3] ~ uniform(0, 1)
    encode angle_embedding(x, rotation=Y) on [0, 1]
    layer {
        rot(theta[0, 0], theta[0, 1], theta[0, 2]) on 0
        crx(theta[1, 0]) on [2, 0]
        cnot on [0, 2]
    }
    dropout rotations p = 0.5
    noise depolarizing p = 0.05 after each layer on [1] always
    noise bit_flip p = 0.01 after each gate of [cnot] training
    measure expval Z0 Z2
}
"""


def _program(path: Path, level: int = 0) -> dreamlang.ir.Program:
    program = dreamlang.load(path)
    return dreamlang.optimize(program, level) if level else program


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_golden_text(path: Path) -> None:
    text = draw(_program(path), "text")
    expected = GOLDEN / f"{path.stem}.txt"
    if os.environ.get("DREAMLANG_UPDATE_GOLDEN"):
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(text, "utf-8")
    assert expected.exists(), f"missing {expected.name}: run with DREAMLANG_UPDATE_GOLDEN=1"
    assert text == expected.read_text("utf-8")


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_text_fits_the_width(path: Path, level: int) -> None:
    program = _program(path, level)
    for width in (100, 60):
        lines = str(draw(program, "text", width=width)).splitlines()
        assert max(map(len, lines)) <= width
    assert program.model is not None
    # Every operation is drawn: one placed cell each.
    assert len(layout(program.model).cells) == len(program.model.ops)


def test_markers_and_legend() -> None:
    text = str(draw(dreamlang.parse(TINY), "text"))
    assert "»ry(x[0])" in text  # encoder
    assert "rot(theta[0, 0..3])?" in text  # droppable, with a run of one tensor merged
    assert "{depol(0.05)}" in text and "{bit_flip(0.01)}*" in text  # always and training noise
    assert "layer 0" in text and "┊" in text
    assert "rx(theta[1, 0])" in text and "●" in text and "⊕" in text
    assert "measure: expval Z0 Z2" in text
    legend = text[text.index("legend:") :]
    for meaning in ("encoder", "dropout may remove it", "noise channel", "training only"):
        assert meaning in legend


def test_wires_and_connectors() -> None:
    lines = str(draw(dreamlang.parse(TINY), "text")).splitlines()
    wires = [line for line in lines if line.startswith(("q0 ", "q1 ", "q2 "))]
    assert len(wires) == 3
    # The crx from wire 2 to wire 0 crosses wire 1, drawn with a connector through it.
    assert "┼" in wires[1]
    assert any("│" in line for line in lines)


def test_sampled_mask_matches_the_runtime() -> None:
    program = dreamlang.parse(TINY)
    assert program.model is not None
    masks = {sampled_mask(program.model, 0, seed) for seed in range(20)}
    assert frozenset() in masks and frozenset({2}) in masks  # p = 0.5 on the one rot
    compiled = dreamlang.compile(program, "pennylane", optimize=0)
    from dreamlang.gradients import GradientModel

    # The gradient engine draws its masks through the plan's dropout rows too.
    dropped = getattr(GradientModel(program, "pennylane"), "_dropped", None)
    for seed in range(5 if dropped is not None else 0):
        when = (0, True, seed, 0, "sampled")
        assert dropped(when) == sampled_mask(program.model, 0, seed)
    assert compiled.draw() == draw(compiled.program)


def test_sampled_drawing_leaves_out_dropped_gates() -> None:
    program = dreamlang.parse(TINY)
    assert program.model is not None
    seed = next(s for s in range(50) if sampled_mask(program.model, 0, s))
    text = str(draw(program, "text", seed=seed))
    assert "rot(" not in text
    assert f"seed {seed}, epoch 0, step 0: 1 of 1 droppable gates dropped" in text


def test_epoch_evaluates_schedules() -> None:
    source = TINY.replace("p = 0.05", "p = linear(0.1, 0.0, epochs=10)")
    assert "{depol(linear(0.1, 0; 10ep))}" in str(draw(dreamlang.parse(source), "text"))
    assert "{depol(0.05)}" in str(draw(dreamlang.parse(source), "text", epoch=5))


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_svg_is_valid(path: Path) -> None:
    pytest.importorskip("matplotlib")
    svg = draw(_program(path, 1), "svg", seed=0)
    assert isinstance(svg, str)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    width, height = (float(root.attrib[k].removesuffix("pt")) for k in ("width", "height"))
    assert 200 < width < 20000 and 50 < height < 2000


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_png_is_valid(path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = draw(_program(path, 1), "png")
    assert isinstance(png, bytes)
    width, height = _png_size(png)
    assert 200 < width <= 30000 and 50 < height < 2000


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk, whose CRC must hold."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    body, crc = data[16:29], struct.unpack(">I", data[29:33])[0]
    assert zlib.crc32(b"IHDR" + body) == crc
    assert data.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", body[:8])
    return width, height


# ---- dreamc draw ----


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_cli_text_is_the_optimized_drawing(run: Run, tmp_path: Path) -> None:
    path = REPO / "examples" / "iris.dream"
    code, out, err = run("draw", str(path))
    assert (code, err) == (0, "")
    assert out == draw(_program(path, 1), "text")
    code, out, _ = run("draw", str(path), "-O0", "--width", "60", "--seed", "3", "--epoch", "2")
    assert code == 0 and out == draw(_program(path), "text", width=60, seed=3, epoch=2)
    target = tmp_path / "iris.txt"
    assert run("draw", str(path), "-o", str(target))[:2] == (0, "")
    assert target.read_text("utf-8") == draw(_program(path, 1), "text")


def test_cli_images(run: Run, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = str(REPO / "examples" / "dropout.dream")
    assert run("draw", path, "-o", str(tmp_path / "d.svg"))[0] == 0  # format from the suffix
    ET.parse(tmp_path / "d.svg")
    out = tmp_path / "d.img"
    assert run("draw", path, "--format", "png", "-o", str(out), "--mode", "sampled")[0] == 0
    assert _png_size(out.read_bytes())[0] > 200
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "argv",
    [
        ["draw"],
        ["draw", "x.dream", "--format", "gif"],
        ["draw", "x.dream", "--format", "png"],  # binary output needs -o
        ["draw", "x.dream", "--width", "10"],
        ["draw", "x.dream", "--mode", "exact"],
    ],
)
def test_cli_usage_errors(run: Run, argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2 and "Traceback" not in err


def test_cli_bad_input(run: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.dream"
    broken.write_text("model broken {\n    qubits 2\n    ry( on 0\n}\n", "utf-8")
    library = tmp_path / "lib.dream"
    library.write_text("const depth = 3\n", "utf-8")
    for path in (broken, library, tmp_path / "missing.dream"):
        code, out, err = run("draw", str(path))
        assert code == 1 and out == "" and "Traceback" not in err and err
    code, _, err = run("draw", str(broken), "-o", str(broken))
    assert code == 1 and "refusing" in err
