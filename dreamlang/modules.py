"""Import resolution: stdlib and relative files, confined to allowed roots, with cycle and depth checks."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dreamlang import syntax as s
from dreamlang.diagnostics import DreamError, Source
from dreamlang.limits import Limits
from dreamlang.parser import parse_module
from dreamlang.reporting import Reporter, did_you_mean

__all__ = ["STDLIB_PREFIX", "LoadedFile", "ModuleLoader", "stdlib_root"]

STDLIB_PREFIX = "std/"


@functools.lru_cache(maxsize=64)
def _parse_cached(name: str, text: str, limits: Limits) -> s.Module:
    # Syntax trees are immutable and depend only on these arguments, so files imported again
    # and again (the standard library above all) are parsed once. Errors are not cached.
    return parse_module(Source(name, text), limits)


def stdlib_root() -> Path:
    """The folder of the .dream standard library (stdlib/ in the source tree)."""
    try:
        root = Path(str(resources.files("dreamlang.stdlib")))
    except ModuleNotFoundError:
        root = Path(__file__).resolve().parent.parent / "stdlib"
    return root.resolve()


@dataclass(frozen=True, slots=True)
class LoadedFile:
    path: Path | None
    module: s.Module


class ModuleLoader:
    """Loads a root file and everything it imports, each file once, dependencies first."""

    def __init__(
        self,
        rep: Reporter,
        limits: Limits,
        roots: Sequence[Path] | None = None,
        stdlib_only: bool = False,
    ):
        self.rep = rep
        self.limits = limits
        self.stdlib = stdlib_root()
        self._explicit_roots = [Path(r).resolve() for r in roots] if roots is not None else None
        self._stdlib_only = stdlib_only
        self._roots: list[Path] = []
        self._loaded: dict[Path, LoadedFile] = {}
        self._order: list[LoadedFile] = []

    def load(self, source: Source, path: Path | None) -> list[LoadedFile]:
        """Parse ``source`` (read from ``path``, if any) and its imports; dependencies come first."""
        base = path.resolve().parent if path is not None else Path.cwd().resolve()
        if self._stdlib_only:
            self._roots = [self.stdlib]
        elif self._explicit_roots is not None:
            self._roots = [*self._explicit_roots, self.stdlib]
        else:
            self._roots = [base, self.stdlib]
        module = self._parse(source)
        if module is None:
            return []
        root = LoadedFile(path.resolve() if path is not None else None, module)
        stack = [path.resolve()] if path is not None else []
        self._visit(root, base, stack)
        return self._order

    def _parse(self, source: Source) -> s.Module | None:
        try:
            return _parse_cached(source.name, source.text, self.limits)
        except DreamError as exc:
            self.rep.extend(exc.diagnostics)
            return None

    def _visit(self, loaded: LoadedFile, base: Path, stack: list[Path], depth: int = 0) -> None:
        """Load the imports of ``loaded``, which is ``depth`` imports away from the root file."""
        for item in loaded.module.items:
            if isinstance(item, s.Import):
                self._import(item, base, stack, depth + 1)
        self._order.append(loaded)

    def _import(self, item: s.Import, base: Path, stack: list[Path], depth: int) -> None:
        target = self._resolve(item, base)
        if target is None:
            return
        if target in stack:
            chain = " -> ".join(p.name for p in [*stack[stack.index(target) :], target])
            self.rep.error("import-cycle", f"import cycle: {chain}", item.span)
            return
        if target in self._loaded:
            return
        if depth > self.limits.max_import_depth:
            message = f"imports nested deeper than the limit of {self.limits.max_import_depth}"
            self.rep.error("import-too-deep", message, item.span, "hint: raise --max-import-depth")
            return
        text = self._read(item, target)
        if text is None:
            return
        module = self._parse(Source(self._display(target), text))
        if module is None:
            return
        loaded = LoadedFile(target, module)
        self._loaded[target] = loaded
        self._visit(loaded, target.parent, [*stack, target], depth)

    def _resolve(self, item: s.Import, base: Path) -> Path | None:
        try:
            return self._find(item, base)
        except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the file system
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.rep.error("import-not-found", f"cannot open '{item.path}': {reason}", item.span)
            return None

    def _find(self, item: s.Import, base: Path) -> Path | None:
        if item.path.startswith(STDLIB_PREFIX):
            folder, relative = self.stdlib, item.path[len(STDLIB_PREFIX) :]
        else:
            folder, relative = base, item.path
        candidate = (folder / relative).resolve()
        if not any(candidate.is_relative_to(root) for root in self._roots):
            roots = ", ".join(str(r) for r in self._roots)
            message = f"import '{item.path}' is outside the allowed roots"
            self.rep.error(
                "import-outside-root", message, item.span, f"note: allowed roots: {roots}"
            )
            return None
        if not candidate.is_file():
            siblings = (
                [p.name for p in candidate.parent.glob("*.dream")]
                if candidate.parent.is_dir()
                else []
            )
            hint = did_you_mean(candidate.name, siblings)
            self.rep.error("import-not-found", f"cannot find '{item.path}'", item.span, *hint)
            return None
        return candidate

    def _read(self, item: s.Import, target: Path) -> str | None:
        try:
            size = target.stat().st_size
            if size > self.limits.max_source_bytes:
                message = f"'{item.path}' is {size} bytes, over the limit of {self.limits.max_source_bytes}"
                self.rep.error("source-too-large", message, item.span)
                return None
            return target.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.rep.error("import-not-found", f"cannot read '{item.path}': {exc}", item.span)
            return None

    def _display(self, target: Path) -> str:
        if target.is_relative_to(self.stdlib):
            return STDLIB_PREFIX + target.relative_to(self.stdlib).as_posix()
        try:
            return str(target.relative_to(Path.cwd()))
        except ValueError:
            return str(target)
