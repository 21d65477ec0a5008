"""Dropout study: one overfitting-prone model trained without dropout, with sampled and with exact-mode rotation dropout.

Run from the repository root (needs dreamlang with a backend, and matplotlib for the plot):

    python examples/dropout_study.py [--target qiskit] [--epochs 30] [--out-dir examples/results]

The model (examples/dropout_study.dream) has 36 trainable angles for 3 features, and it learns from
only 24 noisy samples of the two-moons data, so it can fit noise; the held-out 56 samples show how
well each variant generalizes. The script writes ``dropout_study.md`` (a table) and
``dropout_study.png`` (train and test accuracy per epoch) into ``--out-dir``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import dreamlang
from dreamlang.training import moons

HERE = Path(__file__).resolve().parent
MODEL = HERE / "dropout_study.dream"
# (label, dropout statement, mode)
VARIANTS = (
    ("no dropout", "", "sampled"),
    ("rotation dropout p=0.1, sampled masks", "dropout rotations p = 0.1", "sampled"),
    ("rotation dropout p=0.1, exact mixture", "dropout rotations p = 0.1", "exact"),
)


def write_data(path: Path, samples: int, noise: float, seed: int) -> None:
    x, y = moons(samples, noise, seed=seed)
    features = np.column_stack([x, x[:, 0] * x[:, 1]])  # a third, redundant feature
    rows = "".join(f"{a:.6f},{b:.6f},{c:.6f},{label}\n" for (a, b, c), label in zip(features, y))
    path.write_text("x0,x1,x0x1,label\n" + rows, "utf-8")


def source(dropout: str) -> str:
    return MODEL.read_text("utf-8").replace(
        "    # DROPOUT\n", f"    {dropout}\n" if dropout else ""
    )


def run(target: str, epochs: int, out_dir: Path) -> list[tuple[str, object]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / "dropout_study.csv"
    write_data(data, samples=80, noise=0.25, seed=3)
    results = []
    for label, dropout, mode in VARIANTS:
        print(f"training: {label}", file=sys.stderr, flush=True)
        program = dreamlang.parse(source(dropout), str(MODEL))
        result = dreamlang.train(program, data, target=target, mode=mode, epochs=epochs)
        results.append((label, result))
    return results


def table(results: list[tuple[str, object]]) -> str:
    lines = [
        "| variant | train accuracy | test accuracy | gap | test loss |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, result in results:
        last = result.history[-1]  # type: ignore[attr-defined]
        gap = last.train_accuracy - last.test_accuracy
        lines.append(
            f"| {label} | {last.train_accuracy:.3f} | {last.test_accuracy:.3f} | "
            f"{gap:+.3f} | {last.test_loss:.3f} |"
        )
    return "\n".join(lines) + "\n"


def plot(results: list[tuple[str, object]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    for index, (label, result) in enumerate(results):
        history = result.history  # type: ignore[attr-defined]
        epochs = [r.epoch for r in history]
        color = f"C{index}"
        axes.plot(epochs, [r.test_accuracy for r in history], color=color, label=f"{label} (test)")
        axes.plot(epochs, [r.train_accuracy for r in history], color=color, linestyle="--")
    axes.set_xlabel("epoch")
    axes.set_ylabel("accuracy (dashed: train)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="pennylane", help="pennylane (default), qiskit or cirq")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = parser.parse_args()
    results = run(args.target, args.epochs, args.out_dir)
    text = table(results)
    (args.out_dir / "dropout_study.md").write_text(text, "utf-8")
    plot(results, args.out_dir / "dropout_study.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
