"""The dreamc command line, run in-process through main() and once as ``python -m dreamlang``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import dreamlang
from dreamlang import cli_commands
from dreamlang.cli import main
from dreamlang.errorcodes import CODES

REPO = Path(__file__).resolve().parent.parent

TINY = """\
model tiny {
    qubits 2
    input x[2]
    param theta[2] ~ uniform(0, 1)
    ry(x[0]) on 0
    ry(x[1]) on 1
    ry(theta[0]) on 0
    ry(theta[1]) on 1
    cnot on [0, 1]
    measure expval Z[0]
}
"""
UGLY = TINY.replace("    qubits 2", "  qubits   2").replace("on [0, 1]", "on [0,1]")
BROKEN = "model broken {\n    qubits 2\n    ry( on 0\n}\n"
LIBRARY = "const depth = 3\n"
UNUSED = TINY.replace("    ry(x[0]) on 0\n", "    param spare[3]\n    ry(x[0]) on 0\n")


Result = tuple[int, str, str]
Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*argv: str) -> Result:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name, text in [
        ("tiny.dream", TINY),
        ("ugly.dream", UGLY),
        ("broken.dream", BROKEN),
        ("lib.dream", LIBRARY),
        ("unused.dream", UNUSED),
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


# ---- usage ----


def test_version_and_help(run: Run) -> None:
    code, out, _ = run("--version")
    assert (code, out) == (0, f"dreamc {dreamlang.__version__}\n")
    code, out, _ = run("--help")
    assert code == 0 and "examples:" in out and "compile" in out
    for command in ("check", "fmt", "ir", "stats", "compile"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "FILE" in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate", "x.dream"],
        ["check"],
        ["compile", "tiny.dream"],
        ["check", "tiny.dream", "--max-qubits", "0"],
        ["check", "tiny.dream", "--error-format", "xml"],
        ["fmt", "tiny.dream", "--check", "--write"],
    ],
)
def test_usage_errors_exit_2(run: Run, files: Path, argv: list[str]) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert "usage:" in err and "Traceback" not in err


# ---- check ----


def test_check_ok(run: Run, files: Path) -> None:
    assert run("check", "tiny.dream") == (0, "tiny.dream: ok (model tiny: 2 qubits, 5 ops)\n", "")


def test_check_library(run: Run, files: Path) -> None:
    code, out, _ = run("check", "lib.dream")
    assert (code, out) == (0, "lib.dream: ok (library, no model)\n")


def test_check_error_text(run: Run, files: Path) -> None:
    code, out, err = run("check", "broken.dream")
    assert code == 1 and out == ""
    assert err.startswith("broken.dream:3:") and "error[" in err and "^" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_check_error_json(run: Run, files: Path, where: str) -> None:
    option = ["--error-format", "json"]
    argv = (
        [*option, "check", "broken.dream"]
        if where == "before"
        else ["check", "broken.dream", *option]
    )
    code, _, err = run(*argv)
    assert code == 1
    (diag,) = json.loads(err)
    assert diag["severity"] == "error"
    assert diag["line"] == 3 and isinstance(diag["column"], int)
    assert diag["code"] in CODES


def test_warnings_only_exit_0(run: Run, files: Path) -> None:
    code, out, err = run("check", "unused.dream")
    assert code == 0
    assert "warning[unused-param]" in err and "1 warning" in out
    code, _, err = run("--error-format", "json", "check", "unused.dream")
    assert code == 0 and json.loads(err)[0]["code"] == "unused-param"


def test_missing_and_unreadable_files(run: Run, files: Path) -> None:
    message = "dreamc: error: cannot read 'nope.dream': No such file or directory\n"
    for command in (["check"], ["fmt"], ["ir"], ["stats"], ["compile", "--target", "ir"]):
        assert run(*command, "nope.dream") == (1, "", message)
    code, _, err = run("check", ".")
    assert code == 1 and err.startswith("dreamc: error: cannot read '.'")
    (files / "bad.dream").write_bytes(b"model \xff {}\n")
    code, _, err = run("check", "bad.dream")
    assert code == 1 and "not UTF-8" in err


def test_stdin(run: Run, files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(TINY))
    assert run("check", "-")[:2] == (0, "<stdin>: ok (model tiny: 2 qubits, 5 ops)\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(BROKEN))
    code, _, err = run("check", "-")
    assert code == 1 and err.startswith("<stdin>:3:")


def test_limits_flags(run: Run, files: Path) -> None:
    code, _, err = run("check", "tiny.dream", "--max-qubits", "1")
    assert code == 1 and "too-many-qubits" in err
    code, _, err = run("--max-source-bytes", "10", "check", "tiny.dream")
    assert code == 1 and "source-too-large" in err
    code, _, err = run("check", "tiny.dream", "--max-ops", "2")
    assert code == 1 and "too-many-ops" in err
    assert run("check", "tiny.dream", "--max-nesting", "50", "--max-int-digits", "5")[0] == 0


# ---- fmt ----


def test_fmt_prints_check_and_write(run: Run, files: Path) -> None:
    assert run("fmt", "ugly.dream") == (0, TINY, "")
    assert run("fmt", "--check", "tiny.dream") == (0, "", "")
    assert run("fmt", "--check", "ugly.dream") == (1, "", "would reformat ugly.dream\n")
    assert (files / "ugly.dream").read_text() == UGLY
    assert run("fmt", "--write", "ugly.dream") == (0, "", "reformatted ugly.dream\n")
    assert (files / "ugly.dream").read_text() == TINY
    assert sorted(p.name for p in files.iterdir()) == sorted(
        ["tiny.dream", "ugly.dream", "broken.dream", "lib.dream", "unused.dream"]
    )


def test_fmt_write_leaves_formatted_files_alone(run: Run, files: Path) -> None:
    path = files / "tiny.dream"
    os.utime(path, (1_000_000, 1_000_000))
    before = os.stat(path)
    assert run("fmt", "--write", "tiny.dream") == (0, "", "")
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime) == (before.st_ino, before.st_mtime)


def test_fmt_errors(run: Run, files: Path) -> None:
    code, _, err = run("fmt", "--write", "broken.dream")
    assert code == 1 and "error[" in err
    assert (files / "broken.dream").read_text() == BROKEN
    code, _, err = run("fmt", "--write", "-")
    assert code == 2 and "--write needs a file" in err


def test_fmt_stdin(run: Run, files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(UGLY))
    assert run("fmt", "--check", "-") == (1, "", "would reformat <stdin>\n")


# ---- ir, stats ----


def test_ir_listing(run: Run, files: Path) -> None:
    code, out, _ = run("ir", "tiny.dream")
    assert code == 0
    assert out.startswith("model tiny\n  qubits 2\n")
    assert "ops (5):" in out and "theta[1]" in out and "measure expval Z0" in out
    assert run("ir", "tiny.dream")[1] == out


def test_stats_text_and_json(run: Run, files: Path) -> None:
    code, out, _ = run("stats", "tiny.dream")
    assert code == 0 and "qubits" in out and "cnot 1, ry 4" in out
    code, out, _ = run("stats", "--json", "tiny.dream")
    figures = json.loads(out)
    assert (figures["ops"], figures["two_qubit"], figures["num_params"]) == (5, 1, 2)
    assert out == json.dumps(figures, sort_keys=True, indent=2) + "\n"


@pytest.mark.parametrize("command", [["ir"], ["stats"]])
def test_commands_that_need_a_model(run: Run, files: Path, command: list[str]) -> None:
    code, _, err = run(*command, "lib.dream")
    assert code == 1 and "no-model" in err


# ---- compile ----


def test_compile_ir_to_stdout_and_file(run: Run, files: Path) -> None:
    code, out, _ = run("compile", "tiny.dream", "--target", "ir")
    assert code == 0
    from dreamlang.backends.ir import loads

    assert loads(out) == dreamlang.optimize(dreamlang.load(files / "tiny.dream"))  # -O1
    code, raw, _ = run("compile", "tiny.dream", "--target", "ir", "-O0")
    assert code == 0 and loads(raw) == dreamlang.load(files / "tiny.dream")
    assert run("compile", "tiny.dream", "-t", "ir", "-o", "out.json") == (0, "", "")
    assert (files / "out.json").read_text() == out  # byte-identical, however it is written
    assert run("compile", "tiny.dream", "-t", "ir", "-o", "out.json") == (0, "", "")
    assert (files / "out.json").read_text() == out
    assert not [p for p in files.iterdir() if p.name.startswith(".")]
    assert run("compile", "lib.dream", "-t", "ir")[0] == 0  # the ir target takes libraries


def test_compile_refuses_to_overwrite_its_input(run: Run, files: Path) -> None:
    (files / "link.dream").symlink_to(files / "tiny.dream")
    for output in ("tiny.dream", "./tiny.dream", str(files / "tiny.dream"), "link.dream"):
        code, _, err = run("compile", "tiny.dream", "-t", "ir", "-o", output)
        assert code == 1 and "refusing to overwrite the input" in err
    assert (files / "tiny.dream").read_text() == TINY


def test_compile_errors(run: Run, files: Path) -> None:
    code, _, err = run("compile", "tiny.dream", "--target", "irr")
    assert code == 1 and "unknown-target" in err and "did you mean 'ir'?" in err
    code, _, err = run("compile", "tiny.dream", "-t", "ir", "-o", "no/such/dir/out.json")
    assert code == 1 and err.startswith("dreamc: error: cannot write")
    code, _, err = run("compile", "broken.dream", "-t", "ir", "-o", "out.json")
    assert code == 1 and not (files / "out.json").exists()


# ---- internal errors ----


def test_internal_error_exit_3(run: Run, files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_commands.irprint, "dump", boom)
    code, _, err = run("ir", "tiny.dream")
    assert code == 3
    assert err == (
        "dreamc: internal error: RuntimeError: boom "
        "(run with --debug for the traceback, and please report it)\n"
    )
    code, _, err = run("--debug", "ir", "tiny.dream")
    assert code == 3 and "Traceback" in err and "RuntimeError: boom" in err


def test_broken_pipe_is_quiet(files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["ir", "tiny.dream"]) == 1
    assert err.getvalue() == ""


# ---- as a real process ----


def _dreamc(*argv: str, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "dreamlang", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_python_dash_m(files: Path) -> None:
    done = _dreamc("check", "tiny.dream", cwd=files)
    assert (done.returncode, done.stdout) == (0, "tiny.dream: ok (model tiny: 2 qubits, 5 ops)\n")
    done = _dreamc("check", "-", stdin=BROKEN, cwd=files)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    done = _dreamc("compile", "tiny.dream", "--target", "ir", cwd=files)
    assert done.returncode == 0 and json.loads(done.stdout)["model"]["name"] == "tiny"
    done = _dreamc("check", "missing.dream", cwd=files)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert _dreamc("--bogus", cwd=files).returncode == 2
