"""docs/stdlib.md documents every public block and topology of the standard library, exactly."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

import tests.test_docs as docs_tests
from dreamlang import syntax as s
from dreamlang.diagnostics import Source
from dreamlang.parser import parse_module

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "stdlib.md"
STDLIB = sorted((ROOT / "stdlib").glob("*.dream"))
FILE_HEADING = re.compile(r"^## `std/([\w.]+)`\s*$")
NAME_HEADING = re.compile(r"^### `(\w+)`\s*$")


def public_definitions(path: Path) -> list[tuple[str, str]]:
    """(name, signature) of each block and topology not starting with '_', in file order; the
    signature is the source text from 'block' or 'topology' up to the body's brace."""
    text = path.read_text("utf-8")
    module = parse_module(Source(str(path), text))
    starts = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]
    found = []
    for item in module.items:
        if isinstance(item, s.BlockDef | s.TopologyDef) and not item.name.startswith("_"):
            start = starts[item.span.line - 1] + item.span.column - 1
            signature = " ".join(text[start : text.index("{", start)].split())
            found.append((item.name, signature))
    return found


DEFINITIONS = {path.name: public_definitions(path) for path in STDLIB}
ENTRIES = [(file, name, sig) for file, defs in DEFINITIONS.items() for name, sig in defs]


def sections() -> dict[str, dict[str, list[str]]]:
    """The lines of each '### `name`' section of the document, under its '## `std/FILE`'."""
    found: dict[str, dict[str, list[str]]] = {}
    file = None
    current: list[str] | None = None
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("## "):
            match = FILE_HEADING.match(line)
            file = match.group(1) if match else None
            found.setdefault(file or "", {})
            current = None
        elif line.startswith("### "):
            match = NAME_HEADING.match(line)
            current = [] if match and file else None
            if match and file and current is not None:
                found[file][match.group(1)] = current
        elif current is not None:
            current.append(line)
    return found


SECTIONS = sections()


def test_every_stdlib_file_has_public_definitions_and_a_section() -> None:
    assert {"encoders.dream", "feature_maps.dream", "topologies.dream", "ansatz.dream"} <= set(
        DEFINITIONS
    )
    for file, defs in DEFINITIONS.items():
        assert defs, file
        assert file in SECTIONS, f"docs/stdlib.md has no section '## `std/{file}`'"


@pytest.mark.parametrize(("file", "name", "signature"), ENTRIES, ids=[e[1] for e in ENTRIES])
def test_definition_is_documented_with_its_signature(file: str, name: str, signature: str) -> None:
    section = SECTIONS.get(file, {}).get(name)
    assert section is not None, f"docs/stdlib.md has no '### `{name}`' under `std/{file}`"
    body = "\n".join(section)
    assert f"```text\n{signature}\n```" in body, f"the signature of {name} is not\n{signature}"
    assert "```dream\n" in body, f"{name} has no usage example"
    examples = body.split("```dream\n")[1:]
    assert any(re.search(rf"\b{name}\b", e.split("```")[0]) for e in examples), name
    assert body.count("```text\n") >= 2, f"{name} has no drawing"


def test_no_section_documents_a_missing_definition() -> None:
    for file, names in SECTIONS.items():
        if file:
            defined = {name for name, _ in DEFINITIONS.get(file, [])}
            assert set(names) <= defined, (file, set(names) - defined)


EXAMPLES = [e for e in docs_tests.extract(DOC) if e.tag != "dream-file"]


def test_the_document_has_examples() -> None:
    # Each one is compiled by tests/test_docs.py, which reads docs/stdlib.md too.
    assert DOC in docs_tests.DOCS
    assert len(EXAMPLES) >= len(ENTRIES)


@functools.cache
def _drawings_script() -> ModuleType:
    # Registered before it runs: its dataclass looks its own module up in sys.modules.
    spec = importlib.util.spec_from_file_location(
        "stdlib_drawings", ROOT / "docs" / "stdlib_drawings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_drawings_are_current() -> None:
    pytest.importorskip("qiskit")
    script = _drawings_script()
    _, stale = script.updated(DOC.read_text("utf-8"))
    assert not stale, f"run: python docs/stdlib_drawings.py --write  (stale: {', '.join(stale)})"


def test_drawing_script_finds_every_example() -> None:
    script = _drawings_script()
    lines = DOC.read_text("utf-8").splitlines()
    found = script.snippets(lines)
    assert len(found) == len([e for e in EXAMPLES if e.tag == "dream"])
    assert all(snippet.end > snippet.start for snippet in found), "an example without a drawing"
