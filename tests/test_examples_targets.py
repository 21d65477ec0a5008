"""Every example, compiled by dreamc to each Python target, written to disk and run in a fresh
interpreter: the three modules agree, pass ruff, and need neither dreamlang nor each other."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from dreamlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.dream"))
PYTHON_TARGETS = ("pennylane", "qiskit", "cirq")

# Imports each generated module from its file and prints, per module, forward() in eval mode and
# expectations() in training mode (dropout masks and samples from a fixed seed; and exact-mode
# dropout), as JSON.
RUNNER = textwrap.dedent(
    """
    import importlib.util, json, sys
    import numpy as np
    results = {}
    for path in sys.argv[1:]:
        spec = importlib.util.spec_from_file_location("generated_" + str(len(results)), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rng = np.random.default_rng(5)
        inputs = {k: rng.uniform(-1, 1, size=s) for k, s in module.INPUTS.items()}
        params = module.init_params(11)
        results[path] = {
            "forward": module.forward(inputs, params).tolist(),
            "training": module.expectations(
                inputs, params, epoch=3, training=True, seed=7).tolist(),
            "exact": module.expectations(
                inputs, params, epoch=3, training=True, mode="exact").tolist(),
            "circuit": type(module.build_circuit()).__name__,
        }
    assert not any(m == "dreamlang" or m.startswith("dreamlang.") for m in sys.modules)
    print(json.dumps(results))
    """
)


def _dreamc(*args: str) -> subprocess.CompletedProcess[str]:
    """dreamc in this process (the generated modules themselves run in fresh interpreters)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), redirect_stdout(stdout), redirect_stderr(stderr):
        status = main(list(args))
    return subprocess.CompletedProcess(args, status, stdout.getvalue(), stderr.getvalue())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    out = tmp_path_factory.mktemp("generated")
    files: dict[str, dict[str, Path]] = {}
    for example in EXAMPLES:
        for target in PYTHON_TARGETS:
            path = out / f"{example.stem}_{target}.py"
            done = _dreamc("compile", str(example), "--target", target, "-o", str(path))
            assert done.returncode == 0, done.stderr
            files.setdefault(example.stem, {})[target] = path
    return files


@pytest.fixture(scope="module")
def results(generated: dict[str, dict[str, Path]]) -> dict[str, dict[str, dict[str, object]]]:
    by_target: dict[str, dict[str, dict[str, object]]] = {}
    for target in PYTHON_TARGETS:
        paths = [str(files[target]) for files in generated.values()]
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, *paths], capture_output=True, text=True, cwd="/"
        )
        assert done.returncode == 0, done.stderr
        output = json.loads(done.stdout)
        for stem, files in generated.items():
            by_target.setdefault(stem, {})[target] = output[str(files[target])]
    return by_target


@pytest.mark.parametrize("example", [e.stem for e in EXAMPLES])
def test_forward_agrees_across_targets(
    example: str, results: dict[str, dict[str, dict[str, object]]]
) -> None:
    runs = results[example]
    reference = runs["qiskit"]
    for target in PYTHON_TARGETS:
        for key in ("forward", "training", "exact"):
            got = np.asarray(runs[target][key])
            want = np.asarray(reference[key])
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, atol=1e-9, rtol=0, err_msg=f"{target} {key}")
    assert runs["qiskit"]["circuit"] == "QuantumCircuit"
    assert runs["cirq"]["circuit"] == "Circuit"
    assert runs["pennylane"]["circuit"] == "QNode"


def test_generated_files_pass_ruff(generated: dict[str, dict[str, Path]]) -> None:
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    paths = [str(p) for files in generated.values() for p in files.values()]
    for config in (["--isolated"], ["--config", str(ROOT / "pyproject.toml")]):
        done = subprocess.run([*command, "check", *config, *paths], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_output_is_byte_identical(generated: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    example = EXAMPLES[0]
    for target in PYTHON_TARGETS:
        again = tmp_path / f"again_{target}.py"
        assert _dreamc("compile", str(example), "-t", target, "-o", str(again)).returncode == 0
        assert again.read_bytes() == generated[example.stem][target].read_bytes()


def test_dreamc_run_prints_forward() -> None:
    outputs = []
    for target in PYTHON_TARGETS:
        done = _dreamc(
            "run", "examples/iris.dream", "-t", target, "--inputs", '{"x": [0.1, 0.2, 0.3, 0.4]}'
        )
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert len(outputs[0]) == 3 and sum(outputs[0]) == pytest.approx(1.0)
    for other in outputs[1:]:
        np.testing.assert_allclose(other, outputs[0], atol=1e-9)


def test_run_reports_bad_inputs_without_traceback() -> None:
    done = _dreamc("run", "examples/iris.dream", "-t", "qiskit", "--inputs", '{"x": [1, 2]}')
    assert done.returncode == 1
    assert "shape" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(("target", "library"), [("cirq", "cirq"), ("pennylane", "pennylane")])
def test_missing_library_names_the_extra(target: str, library: str) -> None:
    # A real interpreter in which the library cannot be imported (an import hook refuses it).
    script = textwrap.dedent(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == {library!r} or name.startswith({library!r} + "."):
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        sys.meta_path.insert(0, Block())
        from dreamlang.cli import main
        sys.exit(main(["compile", "examples/iris.dream", "--target", {target!r}]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert f"pip install 'dreamlang[{target}]'" in done.stderr
    assert "Traceback" not in done.stderr
