"""A Hypothesis strategy for semantically valid .dream models, written with irregular layout."""

from __future__ import annotations

from hypothesis import strategies as st

GATES_1 = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "i"]
ROT_1 = ["rx", "ry", "rz", "phase"]
GATES_2 = ["cnot", "cz", "cy", "swap", "iswap"]
ROT_2 = ["crx", "cry", "crz", "cphase", "rxx", "ryy", "rzz"]
TOPOLOGIES = ["full", "linear", "reverse_linear", "pairwise", "circular", "ring", "brick"]


@st.composite
def angle(draw: st.DrawFn, n: int) -> str:
    """A parameter expression over x (n features), theta (n x 3), loop-free constants."""
    q = draw(st.integers(0, n - 1))
    k = draw(st.integers(0, 2))
    leaves = [
        f"x[{q}]",
        f"theta[{q}, {k}]",
        "pi",
        draw(st.sampled_from(["0.5", "2", "1e-3", "3.25"])),
    ]
    left = draw(st.sampled_from(leaves))
    right = draw(st.sampled_from(leaves))
    op = draw(st.sampled_from(["+", "-", "*", "/"]))
    fn = draw(st.sampled_from(["", "sin", "cos", "-"]))  # exp of a constant may overflow
    inner = f"{left} {op} {right}" if right not in ("0", "0.0") or op != "/" else left
    if fn == "-":
        return f"-({inner})"
    return f"{fn}({inner})" if fn else inner


@st.composite
def statement(draw: st.DrawFn, n: int) -> str:
    kind = draw(st.sampled_from(["g1", "r1", "g2", "r2", "bcast", "for", "entangle", "rot"]))
    w1 = draw(st.integers(0, n - 1))
    w2 = draw(st.integers(0, n - 1).filter(lambda w: w != w1))
    if kind == "g1":
        return f"{draw(st.sampled_from(GATES_1))} on {w1}"
    if kind == "r1":
        return f"{draw(st.sampled_from(ROT_1))}({draw(angle(n))}) on {w1}"
    if kind == "g2":
        return f"{draw(st.sampled_from(GATES_2))} on [{w1}, {w2}]"
    if kind == "r2":
        return f"{draw(st.sampled_from(ROT_2))}({draw(angle(n))}) on ({w1}, {w2})"
    if kind == "bcast":
        return f"{draw(st.sampled_from(GATES_1))} on all"
    if kind == "rot":
        return f"rot(theta[{w1}, 0], theta[{w1}, 1], {draw(angle(n))}) on {w1}"
    if kind == "entangle":
        return (
            f"entangle {draw(st.sampled_from(TOPOLOGIES))} using {draw(st.sampled_from(GATES_2))}"
        )
    return f"for q in 0..{n} {{ ry(theta[q, 1] * x[q]) on q }}"


def _layout(draw: st.DrawFn, lines: list[str]) -> str:
    """Join lines with random blank lines, comments, semicolons and indentation."""
    out = []
    for line in lines:
        indent = " " * draw(st.integers(0, 6))
        comment = draw(st.sampled_from(["", "  # note", "# x"]))
        out.append(indent + line + comment)
        if draw(st.booleans()):
            out.append("")
    return "\n".join(out)


@st.composite
def valid_models(draw: st.DrawFn) -> str:
    n = draw(st.integers(2, 5))
    layers = draw(st.integers(0, 3))
    body = draw(st.lists(statement(n), min_size=1, max_size=6))
    layer_body = draw(st.lists(statement(n), min_size=1, max_size=4))
    lines = [
        'import "std/ansatz.dream"',
        f"const L = {layers}",
        "model generated {",
        f"qubits {n}",
        f"input x[{n}]",
        f"param theta[{n}, 3] ~ normal(0, 0.1)",
        "encode angle_embedding(x, rotation=Y) on all",
        *body,
        "repeat L as l {",
        "layer {",
        *layer_body,
        "}",
        "}",
    ]
    if draw(st.booleans()):
        lines.append("dropout rotations p = linear(0.2, 0.0, epochs=10)")
    if draw(st.booleans()):
        lines.append("noise depolarizing p = 0.01 after each layer")
    lines += ["measure expval Z on all", "head { dense 2; softmax }", "}"]
    return _layout(draw, lines) + "\n"
