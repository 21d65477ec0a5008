"""The built-in gates and noise channels: wire counts, angle names and the kinds dropout selects."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALIASES", "CHANNELS", "GATES", "OpSpec", "canonical_name", "lookup"]


@dataclass(frozen=True, slots=True)
class OpSpec:
    name: str
    num_wires: int
    params: tuple[str, ...]
    kind: str = "gate"  # gate | channel
    probabilities: tuple[str, ...] = ()  # channel parameters that must lie in [0, 1]
    # A channel whose one value is a constant tensor that becomes a variable number of IR
    # values (kraus: 8 per operator); its parameters are not checked one by one.
    variadic: bool = False

    @property
    def is_rotation(self) -> bool:
        """A single-qubit gate with angles: what rotation dropout may remove."""
        return self.kind == "gate" and self.num_wires == 1 and bool(self.params)

    @property
    def is_entangling(self) -> bool:
        return self.kind == "gate" and self.num_wires > 1


def _gates() -> dict[str, OpSpec]:
    table: list[tuple[str, int, tuple[str, ...]]] = [
        *(
            (name, 1, ())
            for name in ("i", "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg")
        ),
        *((name, 1, ("theta",)) for name in ("rx", "ry", "rz")),
        ("phase", 1, ("phi",)),
        ("rot", 1, ("phi", "theta", "omega")),
        ("u3", 1, ("theta", "phi", "lam")),
        *((name, 2, ()) for name in ("cnot", "cz", "cy", "ch", "swap", "iswap")),
        *((name, 2, ("theta",)) for name in ("crx", "cry", "crz", "rxx", "ryy", "rzz")),
        ("cphase", 2, ("phi",)),
        ("ccx", 3, ()),
        ("cswap", 3, ()),
    ]
    return {name: OpSpec(name, wires, params) for name, wires, params in table}


def _channels() -> dict[str, OpSpec]:
    def channel(name: str, params: tuple[str, ...], probs: tuple[str, ...]) -> OpSpec:
        return OpSpec(name, 1, params, "channel", probs)

    specs = [
        channel("depolarizing", ("p",), ("p",)),
        channel("bit_flip", ("p",), ("p",)),
        channel("phase_flip", ("p",), ("p",)),
        channel("pauli_channel", ("px", "py", "pz"), ("px", "py", "pz")),
        channel("amplitude_damping", ("gamma",), ("gamma",)),
        channel("phase_damping", ("gamma",), ("gamma",)),
        channel("generalized_amplitude_damping", ("gamma", "p"), ("gamma", "p")),
        channel("thermal_relaxation", ("t1", "t2", "time"), ()),
        # The general channel: operators given as a [k, 2, 2] (real) or [k, 2, 2, 2] (real,
        # imaginary) tensor; in the IR 8 * k numbers, each entry's real then imaginary part.
        OpSpec("kraus", 1, ("ops",), "channel", (), variadic=True),
    ]
    return {spec.name: spec for spec in specs}


GATES: dict[str, OpSpec] = _gates()
CHANNELS: dict[str, OpSpec] = _channels()
ALIASES: dict[str, str] = {
    "id": "i",
    "identity": "i",
    "cx": "cnot",
    "p": "phase",
    "cp": "cphase",
    "u": "u3",
    "toffoli": "ccx",
    "fredkin": "cswap",
}


def canonical_name(name: str) -> str:
    return ALIASES.get(name, name)


def lookup(name: str) -> OpSpec | None:
    """The spec of a built-in gate or channel, by name or alias."""
    name = canonical_name(name)
    return GATES.get(name) or CHANNELS.get(name)
