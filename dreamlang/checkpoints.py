"""Training checkpoints: the weights and a resumable checkpoint, written atomically each epoch."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CHECKPOINT_VERSION", "Paths", "load_checkpoint", "save"]

Arrays = dict[str, np.ndarray]
CHECKPOINT_VERSION = 1


@dataclasses.dataclass(frozen=True, slots=True)
class Paths:
    weights: Path

    @property
    def checkpoint(self) -> Path:
        return self.weights.with_name(self.weights.name + ".checkpoint.npz")


def save(paths: Paths, params: Arrays, state: Arrays, history: list[Any], fingerprint: str) -> None:
    _atomic_npz(paths.weights, params)
    meta = {"version": CHECKPOINT_VERSION, "fingerprint": fingerprint}
    meta["history"] = [dataclasses.asdict(r) for r in history]
    payload = {f"param/{k}": v for k, v in params.items()}
    payload.update({f"optimizer/{k}": v for k, v in state.items()})
    payload["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    _atomic_npz(paths.checkpoint, payload)


def _atomic_npz(path: Path, arrays: Arrays) -> None:
    """Write ``arrays`` as .npz all at once: a temp file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        named: dict[str, Any] = dict(arrays)  # numpy's stub would take a key for allow_pickle
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **named)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(
    path: Path, fingerprint: str, optimizer: Any
) -> tuple[Arrays, list[dict[str, Any]]]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot resume: no readable checkpoint '{path}' ({exc})") from None
    meta = json.loads(bytes(arrays.pop("meta")).decode())
    if meta.get("version") != CHECKPOINT_VERSION or meta.get("fingerprint") != fingerprint:
        raise ValueError(
            f"cannot resume from '{path}': it was written for another model, data set, target "
            "or settings"
        )
    params = {k.removeprefix("param/"): v for k, v in arrays.items() if k.startswith("param/")}
    state = {
        k.removeprefix("optimizer/"): v for k, v in arrays.items() if k.startswith("optimizer/")
    }
    optimizer.load_state_dict(state)
    return params, list(meta["history"])
