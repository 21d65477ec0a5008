"""Training on other engines: PennyLane devices and diff methods, Qiskit Estimator primitives,
and the density-matrix size limit."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import dreamlang
from dreamlang.cli import main
from tests.test_trainer import write_files

# Noise-free, so that state-vector engines (lightning, Estimators) can run it.
PURE = """\
model pure {
    qubits 2
    input x[2]
    param w[2, 2] ~ uniform(0, 2 * pi)
    ry(x[0]) on 0
    ry(x[1]) on 1
    repeat 2 as l {
        layer {
            ry(w[l, 0]) on 0
            crz(w[l, 1]) on [0, 1]
            cnot on [0, 1]
        }
    }
    dropout rotations p = 0.2
    measure expval Z on all
    measure expval X0 X1
    head { dense 2; softmax }
    train {
        lr 0.1
        epochs 2
        batch 4
        split 0.25
        scale minmax(0, pi)
    }
}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_files(tmp_path_factory.mktemp("engines"), PURE, seed=2)


@pytest.fixture(scope="module")
def reference(files: tuple[Path, Path]) -> dreamlang.trainer.TrainResult:
    model, data = files
    return dreamlang.train(model, data, target="qiskit")


def assert_same_run(result: dreamlang.trainer.TrainResult, reference: object) -> None:
    for got, want in zip(result.history, reference.history, strict=True):  # type: ignore[attr-defined]
        assert got.loss == pytest.approx(want.loss, abs=1e-8)
        assert got.test_loss == pytest.approx(want.test_loss, abs=1e-8)


@pytest.mark.parametrize(
    ("device", "diff_method"),
    [("lightning.qubit", "adjoint"), ("default.qubit", "backprop"), ("lightning.qubit", "best")],
)
def test_pennylane_devices_and_methods_give_the_same_run(
    files: tuple[Path, Path], reference: object, device: str, diff_method: str
) -> None:
    model, data = files
    result = dreamlang.train(
        model, data, target="pennylane", device=device, diff_method=diff_method
    )
    assert result.diff_method == diff_method
    assert_same_run(result, reference)


@pytest.mark.parametrize("spec", ["statevector", "aer"])
def test_qiskit_estimators_give_the_same_run(
    files: tuple[Path, Path], reference: object, spec: str
) -> None:
    model, data = files
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(
            ["train", str(model), "--data", str(data), "-t", "qiskit", "--estimator", spec]
        )
    assert status == 0, err.getvalue()
    history = json.loads(out.getvalue())["history"]
    for got, want in zip(history, reference.history, strict=True):  # type: ignore[attr-defined]
        assert got["loss"] == pytest.approx(want.loss, abs=1e-8)


def test_engine_mistakes_are_clear(files: tuple[Path, Path]) -> None:
    model, data = files
    with pytest.raises(ValueError, match="PennyLane device"):
        dreamlang.train(model, data, target="cirq", device="default.qubit")
    with pytest.raises(ValueError, match="Qiskit Estimator"):
        dreamlang.train(model, data, target="pennylane", estimator=object())
    with pytest.raises(ValueError, match="not parameter-shift"):
        dreamlang.train(model, data, target="pennylane", device="x", diff_method="parameter-shift")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["train", str(model), "--data", str(data), "--estimator", "nope"])
    assert status == 2 and "MODULE:NAME" in err.getvalue()


def test_density_matrix_training_past_the_limit_is_refused(files: tuple[Path, Path]) -> None:
    model, data = files
    noisy = PURE.replace(
        "    dropout rotations p = 0.2\n", "    noise depolarizing p = 0.01 after each layer\n"
    )
    path = model.with_name("noisy.dream")
    path.write_text(noisy, "utf-8")
    with pytest.raises(ValueError, match=r"2-qubit density matrices .* past the limit of 1 qubits"):
        dreamlang.train(path, data, target="qiskit", max_density_qubits=1)
    with pytest.raises(ValueError, match="past the limit"):
        dreamlang.train(model, data, target="cirq", mode="exact", max_density_qubits=1)
    assert len(dreamlang.train(model, data, target="cirq", max_density_qubits=1).history) == 2
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["train", str(path), "--data", str(data), "--max-density-qubits", "1"])
    assert status == 1 and "--max-density-qubits" in err.getvalue()
    assert "Traceback" not in err.getvalue()
