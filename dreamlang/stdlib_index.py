"""Which standard-library file defines a block or topology, for 'import it' hints."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from dreamlang.modules import STDLIB_PREFIX, stdlib_root
from dreamlang.reporting import did_you_mean

__all__ = ["import_hint", "stdlib_definitions"]

_DEFINITION = re.compile(r"^\s*(?:block|topology)\s+([A-Za-z_][A-Za-z_0-9]*)", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def stdlib_definitions() -> dict[str, str]:
    """Block and topology name -> the import path of the stdlib file that defines it."""
    root = stdlib_root()
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.dream")):
        text = path.read_text("utf-8")
        for name in _DEFINITION.findall(text):
            found.setdefault(name, STDLIB_PREFIX + path.relative_to(root).as_posix())
    return found


def import_hint(name: str, known: Iterable[str]) -> tuple[str, ...]:
    """'did you mean' among the names in scope, else the stdlib file to import, if any."""
    hint = did_you_mean(name, known)
    if hint:
        return hint
    library = stdlib_definitions()
    if name in library:
        return (f"hint: '{name}' is in the standard library: add import \"{library[name]}\"",)
    close = did_you_mean(name, library)
    if close:
        guess = close[0].split("'")[1]
        return (f'{close[0]} (import "{library[guess]}")',)
    return ()
