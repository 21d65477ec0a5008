"""dreamlang.train and dreamc train: the same losses on every target, resuming, checkpoints, errors."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pytest

import dreamlang
from dreamlang.cli import main
from dreamlang.training import moons

TARGETS = ("pennylane", "qiskit", "cirq")

TINY = """\
import "std/encoders.dream"

model tiny {
    qubits 2
    input x[2]
    param w[2, 2] ~ uniform(0, 2 * pi)

    encode angle_embedding(x, rotation=Y) on all
    repeat 2 as l {
        layer {
            ry(w[l, 0]) on 0
            crz(w[l, 1]) on [0, 1]
            cnot on [0, 1]
        }
    }
    dropout rotations p = linear(0.3, 0.1, epochs=3)
    noise depolarizing p = 0.02 after each layer

    measure expval Z on all
    head { dense 2; softmax }
    train {
        optimizer adam
        lr 0.1
        epochs 3
        batch 4
        split 0.25
        scale minmax(0, pi)
    }
}
"""


def write_files(folder: Path, source: str, seed: int) -> tuple[Path, Path]:
    """``model.dream`` with ``source`` and a 16-row two-moons CSV beside it."""
    model = folder / "model.dream"
    model.write_text(source, "utf-8")
    x, y = moons(16, 0.1, seed=seed)
    rows = "".join(f"{a:.6f},{b:.6f},{label}\n" for (a, b), label in zip(x, y, strict=True))
    data = folder / "moons.csv"
    data.write_text("a,b,label\n" + rows, "utf-8")
    return model, data


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_files(tmp_path_factory.mktemp("train"), TINY, seed=1)


@pytest.fixture(scope="module")
def histories(files: tuple[Path, Path]) -> dict[str, dreamlang.trainer.TrainResult]:
    model, data = files
    runs = {target: dreamlang.train(model, data, target=target) for target in TARGETS}
    # 'best' is PennyLane's backprop on pennylane; the shift rules must give the same run.
    runs["pennylane/shift"] = dreamlang.train(
        model, data, target="pennylane", diff_method="parameter-shift"
    )
    return runs


def test_every_target_gives_the_same_loss_after_every_epoch(histories: dict) -> None:
    reference = histories["cirq"]
    assert len(reference.history) == 3
    assert histories["pennylane"].diff_method == "best"  # PennyLane's: backprop here
    assert histories["pennylane/shift"].diff_method == "parameter-shift"
    assert histories["qiskit"].summary()["diff_method"] == "parameter-shift"
    for target in histories:
        result = histories[target]
        for got, want in zip(result.history, reference.history, strict=True):
            assert got.loss == pytest.approx(want.loss, abs=1e-8), target
            assert got.test_loss == pytest.approx(want.test_loss, abs=1e-8), target
            assert got.test_accuracy == want.test_accuracy
        for name, value in result.params.items():
            np.testing.assert_allclose(value, reference.params[name], atol=1e-8)


def test_training_lowers_the_loss(histories: dict) -> None:
    losses = [record.loss for record in histories["cirq"].history]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("target", ["qiskit", "pennylane"])
def test_resume_reproduces_the_uninterrupted_run(
    files: tuple[Path, Path], tmp_path: Path, target: str
) -> None:
    model, data = files
    out = tmp_path / "weights.npz"
    whole = dreamlang.train(model, data, target=target)
    first = dreamlang.train(model, data, target=target, out=out, stop_after=1)
    assert len(first.history) == 1 and out.exists()
    resumed = dreamlang.train(model, data, target=target, out=out, resume=True)
    assert resumed.history == tuple(
        dataclass_replace_seconds(r, s) for r, s in zip(whole.history, resumed.history, strict=True)
    )
    for name, value in whole.params.items():
        np.testing.assert_array_equal(resumed.params[name], value)
    with np.load(out) as saved:
        np.testing.assert_array_equal(saved["w"], whole.params["w"])


def dataclass_replace_seconds(record: object, like: object) -> object:
    """``record`` with the timing of ``like`` (wall time is the one figure that may differ)."""
    import dataclasses

    return dataclasses.replace(record, seconds=like.seconds)  # type: ignore[type-var]


def test_resume_refuses_a_checkpoint_of_other_settings(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    model, data = files
    out = tmp_path / "weights.npz"
    dreamlang.train(model, data, target="cirq", out=out, stop_after=1)
    with pytest.raises(ValueError, match="another model, data set, target or settings"):
        dreamlang.train(model, data, target="cirq", out=out, resume=True, lr=0.2)
    with pytest.raises(ValueError, match="no readable checkpoint"):
        dreamlang.train(model, data, target="cirq", out=tmp_path / "none.npz", resume=True)


def test_overrides_and_data_mistakes_are_clear(files: tuple[Path, Path], tmp_path: Path) -> None:
    model, data = files
    result = dreamlang.train(model, data, target="cirq", epochs=1, optimizer="sgd", lr=0.05)
    assert result.settings.optimizer == "sgd" and len(result.history) == 1
    wide = tmp_path / "wide.csv"
    wide.write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n1,2,3,0\n4,5,6,1\n", "utf-8")
    with pytest.raises(ValueError, match="3 feature column"):
        dreamlang.train(model, wide, target="cirq")
    with pytest.raises(ValueError, match="backprop needs the pennylane target"):
        dreamlang.train(model, data, target="cirq", diff_method="backprop")
    with pytest.raises(ValueError, match="diff_method must be one of"):
        dreamlang.train(model, data, target="pennylane", diff_method="finite-diff")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def test_dreamc_train_prints_progress_and_a_summary_and_run_takes_the_weights(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    model, data = files
    out = tmp_path / "w.npz"
    status, stdout, stderr = _cli(
        "train", str(model), "--data", str(data), "-t", "cirq", "--epochs", "2", "--out", str(out)
    )
    assert status == 0, stderr
    assert stderr.count("epoch ") == 2 and "test acc" in stderr
    summary = json.loads(stdout)
    assert summary["epochs_run"] == 2 and summary["settings"]["epochs"] == 2
    status, stdout, stderr = _cli(
        "run", str(model), "-t", "cirq", "--params", str(out), "--inputs", '{"x": [0.1, 0.2]}'
    )
    assert status == 0, stderr
    assert sum(json.loads(stdout)) == pytest.approx(1.0)


def test_dreamc_train_user_errors_have_no_traceback(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    model, data = files
    status, _, stderr = _cli("train", str(model), "--data", str(tmp_path / "missing.csv"))
    assert status == 1 and "Traceback" not in stderr and "missing.csv" in stderr
    status, _, stderr = _cli("train", str(model), "--data", str(data), "--resume")
    assert status == 2 and "--resume needs --out" in stderr


def test_dreamc_train_writes_the_summary_and_the_training_curve(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    model, data = files
    summary, plot = tmp_path / "summary.json", tmp_path / "curve.png"
    status, stdout, stderr = _cli(
        "train", str(model), "--data", str(data), "-t", "qiskit", "--epochs", "1",
        "--summary", str(summary), "--plot", str(plot), "--scale", "standard",
    )  # fmt: skip
    assert status == 0, stderr
    assert json.loads(summary.read_text("utf-8")) == json.loads(stdout)
    assert json.loads(stdout)["settings"]["scale"] == ["standard", []]
    header = plot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert width > 300 and height > 150


def test_resume_after_a_kill_reproduces_the_uninterrupted_run(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    """dreamc train killed with SIGKILL once its first checkpoint is on disk (mid-run, at any
    point of an epoch), then --resume: the same history and weights as a run never killed."""
    import os
    import signal
    import subprocess
    import sys
    import time

    model, data = files
    out = tmp_path / "killed.npz"
    checkpoint = out.with_name(out.name + ".checkpoint.npz")
    command = [sys.executable, "-m", "dreamlang.cli", "train", str(model), "--data", str(data)]
    command += ["-t", "qiskit", "--epochs", "8", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    with np.load(checkpoint) as saved:  # a whole checkpoint, never half of one
        assert "meta" in saved.files
    status, stdout, stderr = _cli(
        "train", str(model), "--data", str(data), "-t", "qiskit", "--epochs", "8",
        "--out", str(out), "--resume",
    )  # fmt: skip
    assert status == 0, stderr
    resumed = json.loads(stdout)["history"]
    whole = dreamlang.train(model, data, target="qiskit", epochs=8)
    assert len(resumed) == len(whole.history) == 8
    for got, want in zip(resumed, whole.history, strict=True):
        assert {**got, "seconds": 0} == {**dataclasses.asdict(want), "seconds": 0}
    with np.load(out) as saved:
        np.testing.assert_array_equal(saved["w"], whole.params["w"])
