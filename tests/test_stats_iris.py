"""`dreamc stats examples/iris.dream --json` against a count made by hand from the source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dreamlang
from dreamlang.cli import main
from dreamlang.stats import model_stats

IRIS = Path(__file__).resolve().parent.parent / "examples" / "iris.dream"

# examples/iris.dream, counted by hand:
#   qubits 4; input x[4]; param theta[LAYERS=3, 4, 3]
#   encode angle_embedding(x, rotation=Y) on all -> 4 ry (one per feature/wire)
#   repeat 3 { layer { 4 rot (one per wire); entangle circular using cnot } }
#       circular on 4 wires = (3,0) (0,1) (1,2) (2,3) -> 4 cnot per layer
#       -> 3 * 4 = 12 rot, 3 * 4 = 12 cnot
#   dropout rotations ...            -> tags only, no operations
#   noise depolarizing ... after each layer (on all 4 wires) -> 3 * 4 = 12 channels
#   ops = 4 + 12 + 12 + 12 = 40; gates (channels excluded) = 28
#   two-qubit gates = the 12 cnot; no gate on more than two wires
#   depth (gates only, ASAP): the encoder ry are step 1 on every wire. Each layer then adds
#       1 step for the rot on every wire, and the cnot chain (3,0) (0,1) (1,2) (2,3) is
#       sequential: the wire levels before a layer are, at worst, w2 = w3 = d; rot makes them
#       d + 1; (3,0) -> d + 2; (0,1) -> d + 3; (1,2) -> d + 4; (2,3) -> d + 5.
#       Layer 0 starts from d = 1 (all wires at 1) and ends with w2 = w3 = 6 (w0 = 4, w1 = 5);
#       each later layer starts from max level 6, 11 on w2/w3 and adds 5: 1 + 3 * 5 = 16.
#   num_params = 3 * 4 * 3 = 36; num_inputs = 4; layers = 3
#   measurements: measure expval Z on all -> 4 (one per wire)
HAND_COUNT = {
    "model": "iris",
    "qubits": 4,
    "ops": 40,
    "gates": {"cnot": 12, "rot": 12, "ry": 4},
    "channels": 12,
    "two_qubit": 12,
    "multi_qubit": 0,
    "depth": 16,
    "num_params": 36,
    "num_inputs": 4,
    "layers": 3,
    "measurements": 4,
}


def test_dreamc_stats_json_matches_the_hand_count(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["stats", str(IRIS), "--json"])
    out = capsys.readouterr().out
    assert status == 0
    assert json.loads(out) == HAND_COUNT


def test_model_stats_matches_the_hand_count() -> None:
    model = dreamlang.load(IRIS).model
    assert model is not None
    assert model_stats(model) == HAND_COUNT


def test_the_hand_count_by_operation() -> None:
    model = dreamlang.load(IRIS).model
    assert model is not None
    names = [op.name for op in model.ops]
    encoder = ["ry"] * 4
    layer = ["rot"] * 4 + ["cnot"] * 4 + ["depolarizing"] * 4
    assert names == encoder + layer * 3
    circular = [(3, 0), (0, 1), (1, 2), (2, 3)]
    assert [op.wires for op in model.ops if op.name == "cnot"] == circular * 3
