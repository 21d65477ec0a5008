"""The ``%%dream`` cell magic in a real IPython shell: a valid cell, an invalid one, options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("IPython")

REPO = Path(__file__).resolve().parent.parent
VALID = """\
import "std/ansatz.dream"
model tiny {
    qubits 2
    input x[2]
    param theta[2] ~ uniform(0, 1)
    ry(x[0]) on 0
    ry(x[1]) on 1
    ry(theta[0]) on 0
    cnot on [0, 1]
    measure expval Z0
}
"""
INVALID = "model broken {\n    qubits 2\n    ry( on 0\n}\n"


@pytest.fixture(scope="module")
def shell() -> Any:
    from IPython.testing.globalipapp import get_ipython

    ip = get_ipython()
    ip.run_line_magic("load_ext", "dreamlang")
    return ip


def _shown(capsys: pytest.CaptureFixture[str]) -> str:
    # The test shell's display hook prints text/plain output to stdout.
    return capsys.readouterr().out


def test_valid_cell_shows_drawing_and_stats(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_cell_magic("dream", "model", VALID)
    out = _shown(capsys)
    assert "model tiny: 2 qubits" in out
    assert "q0 " in out and "ry(x[1])" in out and "⊕" in out
    assert "depth" in out and "num_params" in out
    program = shell.user_ns["model"]
    assert program.model is not None and program.model.name == "tiny"


def test_invalid_cell_shows_diagnostics(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = shell.run_cell("%%dream\n" + INVALID)
    out = _shown(capsys)
    assert result.error_in_exec is None  # shown, not raised
    assert "<cell>:3:" in out and "error[" in out and "^" in out
    assert "Traceback" not in out


def test_bad_options_show_usage(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_cell_magic("dream", "--bogus", VALID)
    out = _shown(capsys)
    assert "unrecognized arguments" in out and "usage: %%dream" in out


def test_options_and_library_cells(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_cell_magic("dream", "-O0 --width 40", VALID)
    out = _shown(capsys)
    assert max(len(line) for line in out.splitlines() if line.startswith("q")) <= 40
    shell.run_cell_magic("dream", "", "const depth = 3\n")
    assert "library, no model" in _shown(capsys)


def test_svg_cell(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    from dreamlang.magic import dream_cell

    program = dream_cell("--format svg", VALID, shell)
    assert program is not None and "num_params" in _shown(capsys)


def test_importing_dreamlang_stays_light() -> None:
    code = (
        "import sys, dreamlang\n"
        "heavy = [m for m in ('IPython', 'matplotlib', 'pygments', 'lark') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert callable(dreamlang.load_ipython_extension)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
