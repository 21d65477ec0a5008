"""Resource limits that keep huge or hostile inputs from eating the machine."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Each limit has its own diagnostic code; every field can be set from the API and the CLI."""

    max_source_bytes: int = 1_000_000  # source-too-large
    max_qubits: int = 64  # too-many-qubits
    max_ops: int = 1_000_000  # too-many-ops (estimated before unrolling, enforced while unrolling)
    max_nesting: int = 256  # nesting-too-deep (brackets, blocks, operator chains, block calls)
    max_import_depth: int = 16  # import-too-deep
    max_int_digits: int = 100  # number-too-long

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(cls.__dataclass_fields__)
