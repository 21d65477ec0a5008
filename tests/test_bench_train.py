"""bench/bench_train.py compares dreamlang with the same model written by hand: check that it is.

For one batch of the iris model, dreamlang's dropout mask for that step and the initial
parameters, the hand-written PennyLane and Qiskit models must give dreamlang's batch loss (and
gradients, against dreamlang on PennyLane) on their real simulators.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("pennylane")
pytest.importorskip("qiskit_aer")

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_train", BENCH / "bench_train.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


@pytest.mark.parametrize("reference", ["PennyLaneIris", "QiskitIris"])
def test_handwritten_loss_and_gradients_match_dreamlang(bench: ModuleType, reference: str) -> None:
    # Against dreamlang on PennyLane: the cheapest of dreamlang's gradients on this machine.
    err = bench.check("pennylane", getattr(bench.hw, reference))
    assert err < bench.CHECK_TOL


def test_handwritten_qiskit_loss_matches_dreamlang_qiskit(bench: ModuleType) -> None:
    assert bench.check("qiskit", bench.hw.QiskitIris, grads=False) < bench.CHECK_TOL


def test_masks_drop_rotations(bench: ModuleType) -> None:
    """Dropout is on at the checked epoch: some step's mask drops a rot (else no check)."""
    import dreamlang

    setup = bench.Setup.load()
    model = dreamlang.compile(setup.program, "pennylane", optimize=0)
    masks = [bench.dreamlang_keep(model, setup.spec.seed, bench.CHECK_EPOCH, s) for s in range(7)]
    assert not all(mask.all() for mask in masks)
    assert not masks[bench.CHECK_STEP].all()
