"""Resource limits: each passes at exactly its value and fails at value + 1 with its own code.

Every limit is tested at its default and at a small custom value through the API, and each
through its dreamc flag. The unrolled-op limit is checked on an estimate taken before
unrolling, so a loop of a billion iterations must be refused in well under a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import dreamlang
from dreamlang import Limits
from dreamlang.cli import main
from dreamlang.diagnostics import DreamError
from tests.helpers import time_limit

DEFAULTS = Limits()
TINY = "model m {\n    qubits 1\n    h on 0\n}\n"


def first_error(text: str, **options: Any) -> tuple[str, int, int]:
    """The code and position of the first error that parsing ``text`` reports."""
    with pytest.raises(DreamError) as info:
        dreamlang.parse(text, **options)
    diag = next(d for d in info.value.diagnostics if d.is_error)
    assert diag.span is not None, diag
    return diag.code, diag.span.line, diag.span.column


def warm_clock() -> float:
    """The time now, after a first parse has built the cached parser (not part of a timing)."""
    dreamlang.parse(TINY)
    return time.perf_counter()


def ops(text: str, **options: Any) -> int:
    program = dreamlang.parse(text, **options)
    assert program.model is not None
    return len(program.model.ops)


def test_the_defaults() -> None:
    assert Limits() == Limits(
        max_source_bytes=1_000_000,
        max_qubits=64,
        max_ops=1_000_000,
        max_nesting=256,
        max_import_depth=16,
        max_int_digits=100,
    )


# ---- source size ----


def padded(size: int) -> str:
    """A valid program of exactly ``size`` bytes (a comment fills it up)."""
    text = TINY + "# "
    return text + "x" * (size - len(text))


@pytest.mark.parametrize("limit", [DEFAULTS.max_source_bytes, 100])
def test_source_size(limit: int) -> None:
    limits = Limits(max_source_bytes=limit)
    assert ops(padded(limit), limits=limits) == 1
    assert first_error(padded(limit + 1), limits=limits) == ("source-too-large", 1, 1)


def test_source_size_counts_bytes_not_characters() -> None:
    text = padded(99) + "é"  # 100 characters, 101 bytes
    assert first_error(text, limits=Limits(max_source_bytes=100))[0] == "source-too-large"


def test_source_size_of_a_loaded_file(tmp_path: Path) -> None:
    path = tmp_path / "big.dream"
    path.write_text(padded(101), "utf-8")
    with pytest.raises(DreamError) as info:
        dreamlang.load(path, limits=Limits(max_source_bytes=100))
    assert info.value.codes == ["source-too-large"]
    path.write_text(padded(100), "utf-8")
    assert dreamlang.load(path, limits=Limits(max_source_bytes=100)).model is not None


def test_source_size_of_an_imported_file(tmp_path: Path) -> None:
    (tmp_path / "lib.dream").write_text("const A = 1\n# " + "x" * 200, "utf-8")
    main_file = tmp_path / "main.dream"
    main_file.write_text('const B = 2\nimport "lib.dream"\n' + TINY, "utf-8")
    with pytest.raises(DreamError) as info:
        dreamlang.load(main_file, limits=Limits(max_source_bytes=150))
    (diag,) = info.value.diagnostics
    assert diag.code == "source-too-large"
    assert diag.span is not None and (diag.span.line, diag.span.column) == (2, 1)


# ---- qubits ----


@pytest.mark.parametrize("limit", [DEFAULTS.max_qubits, 3])
def test_qubits(limit: int) -> None:
    limits = Limits(max_qubits=limit)
    assert ops(f"model m {{\n    qubits {limit}\n    h on all\n}}\n", limits=limits) == limit
    text = f"model m {{\n    qubits {limit + 1}\n    h on all\n}}\n"
    assert first_error(text, limits=limits) == ("too-many-qubits", 2, 12)


# ---- unrolled operations ----


def repeat(count: int, body: str = "h on 0") -> str:
    return f"model m {{\n    qubits 2\n    repeat {count} {{ {body} }}\n}}\n"


@pytest.mark.parametrize(
    ("make", "step"),
    [
        pytest.param(lambda n: repeat(n), 1, id="repeat"),
        pytest.param(lambda n: repeat(n // 2, "h on [0, 1]"), 2, id="repeat-broadcast"),
        pytest.param(lambda n: repeat(n // 10, "repeat 10 { x on 1 }"), 10, id="nested-repeat"),
        pytest.param(lambda n: repeat(n // 2, "for i in 0..2 { h on i }"), 2, id="repeat-for"),
        pytest.param(
            lambda n: "block b() on w {\n    h on w\n    x on w\n}\n" + repeat(n // 2, "b() on 0"),
            2,
            id="repeat-block",
        ),
        pytest.param(
            lambda n: "model m {\n    qubits 2\n" + "    h on 0\n" * n + "}\n",
            1,
            id="straight-line",
        ),
    ],
)
@pytest.mark.parametrize("limit", [10, 1000])
def test_ops_at_the_limit(make: Callable[[int], str], step: int, limit: int) -> None:
    """``limit`` operations pass; the next program of the family (``step`` more) fails."""
    limits = Limits(max_ops=limit)
    assert ops(make(limit), limits=limits) == limit
    assert first_error(make(limit + step), limits=limits)[0] == "too-many-ops"


def test_ops_one_over_the_limit() -> None:
    limits = Limits(max_ops=10)
    text = "model m {\n    qubits 2\n    repeat 10 { h on 0 }\n    x on 1\n}\n"
    assert first_error(text, limits=limits) == ("too-many-ops", 4, 5)


@pytest.mark.slow  # unrolls a million operations
def test_ops_at_the_default_limit() -> None:
    count = DEFAULTS.max_ops // 2
    assert ops(repeat(count, "h on [0, 1]")) == DEFAULTS.max_ops


def test_ops_over_the_default_limit_fail_before_unrolling() -> None:
    started = warm_clock()
    assert first_error(repeat(DEFAULTS.max_ops + 1)) == ("too-many-ops", 3, 5)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("body", "position"),
    [
        pytest.param(repeat(1_000_000_000), (3, 5), id="repeat"),
        pytest.param(repeat(10**18, "repeat 10**18 { h on 0 }"), (3, 5), id="nested"),
        pytest.param(repeat(1_000_000_000, ""), (3, 5), id="empty-body"),
        pytest.param(repeat(1_000_000_000, "if 1 == 0 { h on 0 }"), (3, 5), id="if-false"),
        pytest.param(
            "model m {\n    qubits 1\n    for i in 0..10**15 by 3 { h on 0 }\n}\n", (3, 5), id="for"
        ),
        pytest.param(
            "block b() on w {\n    repeat 100000 { h on w }\n}\n" + repeat(100000, "b() on 0"),
            (6, 5),
            id="block",
        ),
    ],
)
def test_a_huge_loop_fails_fast(body: str, position: tuple[int, int]) -> None:
    started = warm_clock()
    with time_limit(10):
        assert first_error(body) == ("too-many-ops", *position)
    assert time.perf_counter() - started < 0.5


def doubling_blocks(levels: int, leaf: str) -> str:
    """Block i calls block i + 1 twice: 2**levels calls of the last block, and no loop."""
    calls = "".join(
        f"block b{i}() on w {{\n    b{i + 1}() on w\n    b{i + 1}() on w\n}}\n"
        for i in range(levels)
    )
    return calls + f"block b{levels}() on w {{\n    {leaf}\n}}\n"


@pytest.mark.parametrize("leaf", ["h on w", "let unused = 1"], ids=["gate", "empty"])
def test_a_tree_of_block_calls_fails_fast(leaf: str) -> None:
    text = doubling_blocks(40, leaf) + "model m {\n    qubits 1\n    b0() on 0\n}\n"
    started = warm_clock()
    with time_limit(5), pytest.raises(DreamError) as info:
        dreamlang.parse(text)
    assert info.value.codes[0] == "too-many-ops"
    assert time.perf_counter() - started < 2


def test_a_tree_of_block_calls_in_a_loop_fails_fast() -> None:
    text = doubling_blocks(40, "h on w") + repeat(2, "b0() on 0")
    started = warm_clock()
    with time_limit(5):
        assert first_error(text)[0] == "too-many-ops"
    assert time.perf_counter() - started < 2


def test_dropout_layers_over_a_huge_range_are_not_enumerated() -> None:
    text = (
        "model m {\n    qubits 1\n    param w\n    layer { rx(w) on 0 }\n"
        "    dropout rotations p = 0.1 in layers 0..10**18\n}\n"
    )
    started = warm_clock()
    with time_limit(10):
        program = dreamlang.parse(text)
    assert time.perf_counter() - started < 2
    assert program.model is not None and program.model.ops[0].tags.dropout is not None


# ---- nesting ----


def brackets(depth: int) -> str:
    return "const A = " + "(" * depth + "1" + ")" * depth + "\n"


def minuses(depth: int) -> str:
    return "const A = " + "-" * depth + "1\n"


def ifs(depth: int) -> str:
    """A model whose body holds depth - 1 nested ifs: depth levels of blocks."""
    return "model m {\n    qubits 1\n" + "if 1 {\n" * (depth - 1) + "}\n" * (depth - 1) + "}\n"


def lets(depth: int) -> str:
    """A run-time value built ``depth`` levels deep through names."""
    chain = "".join(f"    let a{i + 1} = -a{i}\n" for i in range(depth - 1))
    return f"model m {{\n    qubits 1\n    input x\n    let a0 = x\n{chain}    rx(a{depth - 1}) on 0\n}}\n"


@pytest.mark.parametrize("limit", [DEFAULTS.max_nesting, 3])
@pytest.mark.parametrize(
    ("make", "position"),
    [
        pytest.param(brackets, lambda n: (1, 11 + n), id="brackets"),
        pytest.param(minuses, lambda n: (1, 11 + n), id="unary-minus"),
        pytest.param(ifs, lambda n: (2 + n, 6), id="blocks"),
        pytest.param(lets, lambda n: (4 + n, 13 + len(str(n))), id="values-through-names"),
    ],
)
def test_nesting(
    make: Callable[[int], str], position: Callable[[int], tuple[int, int]], limit: int
) -> None:
    limits = Limits(max_nesting=limit)
    dreamlang.parse(make(limit), limits=limits)
    assert first_error(make(limit + 1), limits=limits) == ("nesting-too-deep", *position(limit))


def nested_calls(depth: int) -> str:
    """depth blocks, each calling the next: depth nested block calls from the model."""
    calls = "".join(f"block b{i}() on w {{\n    b{i + 1}() on w\n}}\n" for i in range(depth - 1))
    last = f"block b{depth - 1}() on w {{\n    h on w\n}}\n"
    return calls + last + "model m {\n    qubits 1\n    b0() on 0\n}\n"


@pytest.mark.parametrize("limit", [DEFAULTS.max_nesting, 3])
def test_nested_block_calls(limit: int) -> None:
    limits = Limits(max_nesting=limit)
    assert ops(nested_calls(limit), limits=limits) == 1
    # the call of b{limit}, one level too deep, is in b{limit - 1}: line 3 * (limit - 1) + 2
    position = (3 * limit - 1, 5)
    assert first_error(nested_calls(limit + 1), limits=limits) == ("nesting-too-deep", *position)


# ---- import depth ----


def import_chain(folder: Path, length: int) -> Path:
    """f0.dream imports f1.dream ... imports f{length}.dream: ``length`` imports deep."""
    folder.mkdir(exist_ok=True)
    for i in range(length):
        (folder / f"f{i}.dream").write_text(f'const C{i} = {i}\nimport "f{i + 1}.dream"\n')
    (folder / f"f{length}.dream").write_text(f"const C{length} = {length}\n")
    return folder / "f0.dream"


@pytest.mark.parametrize("limit", [DEFAULTS.max_import_depth, 2])
def test_import_depth(tmp_path: Path, limit: int) -> None:
    limits = Limits(max_import_depth=limit)
    assert dreamlang.load(import_chain(tmp_path / "ok", limit), limits=limits) is not None
    with pytest.raises(DreamError) as info:
        dreamlang.load(import_chain(tmp_path / "deep", limit + 1), limits=limits)
    (diag,) = info.value.diagnostics
    assert diag.code == "import-too-deep"
    assert diag.span is not None and (diag.span.line, diag.span.column) == (2, 1)
    assert Path(diag.span.filename).name == f"f{limit}.dream"


def test_import_depth_is_the_same_from_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """parse() counts the text itself as depth 0, like the file given to load()."""
    import_chain(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    limits = Limits(max_import_depth=2)
    dreamlang.parse('import "f1.dream"\n', limits=limits)  # text -> f1 -> f2
    (tmp_path / "f2.dream").write_text('const C2 = 2\nimport "f3.dream"\n')
    (tmp_path / "f3.dream").write_text("const C3 = 3\n")
    with pytest.raises(DreamError) as info:
        dreamlang.parse('import "f1.dream"\n', limits=limits)
    assert info.value.codes == ["import-too-deep"]


# ---- integer literal digits ----


@pytest.mark.parametrize("limit", [DEFAULTS.max_int_digits, 3])
def test_integer_digits(limit: int) -> None:
    limits = Limits(max_int_digits=limit)
    dreamlang.parse("const A = " + "0" * (limit - 1) + "7\n", limits=limits)
    text = "const A = " + "0" * limit + "7\n"
    assert first_error(text, limits=limits) == ("number-too-long", 1, 11)


# ---- the same limits from the command line ----

_AT_LIMIT: dict[str, tuple[int, str, str]] = {
    # flag: (limit, a program at the limit, the same one over it) for the files below
    "max-source-bytes": (100, padded(100), padded(101)),
    "max-qubits": (3, TINY.replace("qubits 1", "qubits 3"), TINY.replace("qubits 1", "qubits 4")),
    "max-ops": (10, repeat(10), repeat(11)),
    "max-nesting": (3, TINY + brackets(3), TINY + brackets(4)),
    "max-import-depth": (1, 'import "lib.dream"\n' + TINY, 'import "lib2.dream"\n' + TINY),
    "max-int-digits": (3, TINY + "const A = 123\n", TINY + "const A = 1234\n"),
}
_CODES = {
    "max-source-bytes": "source-too-large",
    "max-qubits": "too-many-qubits",
    "max-ops": "too-many-ops",
    "max-nesting": "nesting-too-deep",
    "max-import-depth": "import-too-deep",
    "max-int-digits": "number-too-long",
}


def test_every_limit_has_a_flag() -> None:
    assert sorted(_AT_LIMIT) == sorted(n.replace("_", "-") for n in Limits.field_names())


@pytest.mark.parametrize("flag", sorted(_AT_LIMIT))
def test_cli_limit_flags(
    flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.dream").write_text("const L = 1\n")
    (tmp_path / "lib2.dream").write_text('import "lib.dream"\n')
    limit, ok, over = _AT_LIMIT[flag]
    Path("ok.dream").write_text(ok, "utf-8")
    Path("over.dream").write_text(over, "utf-8")
    options = [f"--{flag}", str(limit), "--error-format", "json"]
    assert main(["check", "ok.dream", *options]) == 0
    capsys.readouterr()
    assert main(["check", "over.dream", *options]) == 1
    reported = json.loads(capsys.readouterr().err)
    assert [d["code"] for d in reported if d["severity"] == "error"] == [_CODES[flag]]
