"""Hints that point at the standard library when a template or topology is not imported."""

from __future__ import annotations

import pytest

import dreamlang
from dreamlang.stdlib_index import stdlib_definitions


def _notes(text: str) -> list[str]:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text)
    return [note for d in info.value.diagnostics for note in d.notes]


def test_every_stdlib_block_and_topology_is_indexed():
    index = stdlib_definitions()
    assert index["angle_embedding"] == "std/encoders.dream"
    assert index["circular"] == "std/topologies.dream"
    assert index["basic_entangler_layers"] == "std/ansatz.dream"


def test_a_template_used_without_its_import_names_the_file():
    notes = _notes("model m {\n  qubits 2\n  input x[2]\n  encode angle_embedding(x) on all\n}\n")
    assert notes == [
        "hint: 'angle_embedding' is in the standard library: add import \"std/encoders.dream\""
    ]


def test_a_misspelled_topology_without_its_import_suggests_both():
    notes = _notes("model m {\n  qubits 3\n  entangle circullar using cnot\n}\n")
    assert notes == ["hint: did you mean 'circular'? (import \"std/topologies.dream\")"]


def test_a_name_in_scope_wins_over_the_stdlib():
    text = (
        'import "std/topologies.dream"\nmodel m {\n  qubits 3\n  entangle circullar using cnot\n}\n'
    )
    assert _notes(text) == ["hint: did you mean 'circular'?"]
