"""Shared test setup: Hypothesis profiles, and dreamlang.backends for an uninstalled checkout."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from dreamlang import ir
from dreamlang.diagnostics import Diagnostic, Severity, Source, Span
from dreamlang.ir import Program

# "ci" is thorough and reproducible (derandomized: a failure on CI fails again locally with
# HYPOTHESIS_PROFILE=ci); "dev" is quick for the edit-test loop.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
# Run once before resolving backend work: HYPOTHESIS_PROFILE=thorough python -m pytest ...
settings.register_profile(
    "thorough",
    max_examples=5000,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


def _ensure_backends() -> None:
    # Installed (wheel or editable), dreamlang.backends is the top-level backends/ folder;
    # running pytest from a bare checkout, load it the same way the CLI does.
    from dreamlang.cli_commands import import_backends

    import_backends()


_ensure_backends()


def make_sample_program() -> Program:
    """A small hand-built program that touches every IR node type (spans on some nodes)."""
    source = Source("sample.dream", "model sample {\n  qubits 3\n  ry(theta[0, 1]) on 0\n}\n")
    span = Span(source, 3, 3, 3, 22)
    theta = ir.ParamRef("theta", (0, 1))
    x0, x1 = ir.InputRef("x", (0,)), ir.InputRef("x", (1,))
    drop = ir.DropoutTag("rotations", ir.Schedule("linear", (0.2, 0.0), 50), ir.Num(0.5), "g", 0)
    ops = (
        ir.Operation("ry", (0,), (x0,), ir.Tags(layer=0, role="encoder", template="angle")),
        ir.Operation(
            "rz",
            (1,),
            (ir.Binary("+", ir.Binary("*", ir.Num(2.0), x1), ir.Num(0.5)),),
            ir.Tags(layer=0, origin=("repeat", "layer"), dropout=drop),
        ),
        ir.Operation("ry", (0,), (theta,), ir.Tags(layer=1), span=span),
        ir.Operation("rx", (2,), (ir.Neg(ir.Call("sin", x1)),), ir.Tags(layer=1)),
        ir.Operation("cnot", (0, 1), (), ir.Tags(layer=1, role="entangler", template="ring")),
        ir.Operation("ccx", (0, 1, 2), (), ir.Tags(layer=1)),
        ir.Operation(
            "depolarizing",
            (2,),
            (ir.Num(0.01),),
            ir.Tags(layer=1, role="channel", noise=ir.NoiseTag("layer", "training", 1)),
        ),
    )
    model = ir.Model(
        name="sample",
        num_qubits=3,
        inputs=(ir.InputDecl("x", (2,)),),
        params=(ir.ParamDecl("theta", (2, 3), ir.Initializer("uniform", (0.0, 6.25))),),
        ops=ops,
        measurements=(
            ir.Measurement("expval", ir.PauliTerm((("Z", 0), ("Z", 1))), (0, 1)),
            ir.Measurement("probs", None, (2,)),
            ir.Measurement("sample", ir.PauliTerm((("X", 2),)), (2,), shots=100),
        ),
        head=(ir.Dense(4), ir.Activation("relu"), ir.Dense(2), ir.Activation("softmax")),
        num_layers=2,
        span=Span(source, 1, 1, 4, 2),
    )
    warning = Diagnostic(Severity.WARNING, "unused-param", "parameter 'w' is never used", span)
    return ir.Program(model, filename="sample.dream", warnings=(warning,))


@pytest.fixture
def sample_program() -> Program:
    return make_sample_program()
