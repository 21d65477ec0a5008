"""Every .dream example in the documentation compiles (or fails) the way the text says.

Fenced blocks are recognized by their info string (see docs/language.md, "How to read the
examples"):

- ``dream``: a complete file; it must load without errors.
- ``dream-stmt``: statements; wrapped in a model with 4 qubits, ``input x[4]`` and
  ``param theta[4, 4, 3]`` (plus ``import "std/ansatz.dream"``), it must load without errors.
- ``dream-error``: a complete file whose first line is ``# error: CODE``; loading it must fail
  with CODE among the reported errors.
- ``dream-file NAME``: a library file saved as NAME next to the examples, for them to import.

Each example is written to a temporary folder and loaded with ``dreamlang.load``, so relative
imports resolve against the other examples' files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import dreamlang
from dreamlang import gates
from dreamlang.errorcodes import CODES

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    ROOT / "docs" / "language.md",
    ROOT / "docs" / "stdlib.md",
    ROOT / "docs" / "dropout.md",
    ROOT / "README.md",
]
TAGS = ("dream", "dream-stmt", "dream-error", "dream-file")

STMT_PRELUDE = """import "std/ansatz.dream"

model doc {
    qubits 4
    input x[4]
    param theta[4, 4, 3]
"""
STMT_EPILOGUE = "}\n"

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$")
_ERROR_LINE = re.compile(r"^#\s*error:\s*([a-z][a-z0-9-]*)\s*$")


@dataclass(frozen=True)
class Example:
    doc: Path
    line: int  # 1-based line of the opening fence
    tag: str
    arg: str  # the rest of the info string (the file name of a dream-file block)
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc.name}:{self.line}"


def extract(path: Path) -> list[Example]:
    """The fenced blocks of a Markdown file whose tag is one of TAGS (nested fences included)."""
    if not path.is_file():
        return []
    lines = path.read_text("utf-8").splitlines()
    out: list[Example] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence, tag, arg = match.groups()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = lines[j].strip()
            if closing.startswith(fence[0] * len(fence)) and set(closing) == {fence[0]}:
                break
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        if tag in TAGS:
            out.append(Example(path, i + 1, tag, arg.strip(), "\n".join(body) + "\n"))
        i = j + 1
    return out


EXAMPLES = [e for doc in DOCS for e in extract(doc)]
CHECKED = [e for e in EXAMPLES if e.tag != "dream-file"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every dream-file block, under its name."""
    folder = tmp_path_factory.mktemp("doc_examples") / "examples"
    folder.mkdir()
    for example in EXAMPLES:
        if example.tag == "dream-file":
            target = folder / example.arg
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(example.text, "utf-8")
    return folder


def source_of(example: Example) -> str:
    if example.tag == "dream-stmt":
        body = "".join(f"    {line}\n" for line in example.text.splitlines())
        return STMT_PRELUDE + body + STMT_EPILOGUE
    return example.text


def load(example: Example, folder: Path) -> dreamlang.ir.Program:
    path = folder / f"example_{example.doc.stem}_{example.line}.dream"
    path.write_text(source_of(example), "utf-8")
    return dreamlang.load(path)


def test_the_reference_has_examples_of_every_kind() -> None:
    found = {e.tag for e in EXAMPLES if e.doc.name == "language.md"}
    assert found == set(TAGS)
    assert len(CHECKED) >= 60


def test_dream_file_blocks_are_named_and_unique() -> None:
    names = [e.arg for e in EXAMPLES if e.tag == "dream-file"]
    assert all(n.endswith(".dream") for n in names), names
    assert len(names) == len(set(names))


@pytest.mark.parametrize("example", CHECKED, ids=[e.id for e in CHECKED])
def test_example(example: Example, workdir: Path) -> None:
    if example.tag == "dream-error":
        first = example.text.splitlines()[0] if example.text.strip() else ""
        match = _ERROR_LINE.match(first.strip())
        assert match, f"{example.id}: a dream-error block starts with '# error: CODE'"
        code = match.group(1)
        assert code in CODES, f"{example.id}: '{code}' is not a diagnostic code"
        with pytest.raises(dreamlang.DreamError) as info:
            load(example, workdir)
        assert code in info.value.codes, info.value.render()
        return
    try:
        program = load(example, workdir)
    except dreamlang.DreamError as exc:
        pytest.fail(f"{example.id} does not compile:\n{exc.render()}")
    if example.tag == "dream":
        assert program.model is not None, f"{example.id}: a dream block is a file with a model"


def test_every_error_code_is_documented() -> None:
    text = (ROOT / "docs" / "language.md").read_text("utf-8")
    missing = [code for code in CODES if f"`{code}`" not in text]
    assert not missing


def test_every_gate_channel_and_alias_is_documented() -> None:
    text = (ROOT / "docs" / "language.md").read_text("utf-8")
    names = [*gates.GATES, *gates.CHANNELS, *gates.ALIASES]
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing


def test_the_extractor() -> None:
    sample = ROOT / "docs" / "language.md"
    examples = extract(sample)
    first = examples[0]
    assert sample.read_text("utf-8").splitlines()[first.line - 1].lstrip().startswith("```dream")
    assert extract(ROOT / "no-such-file.md") == []


def test_dropout_guide_python_examples_run() -> None:
    """The worked example of docs/dropout.md asserts its own numbers on all three targets."""
    text = (ROOT / "docs" / "dropout.md").read_text("utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/dropout.md", "exec"), {"__name__": "dropout_doc"})
