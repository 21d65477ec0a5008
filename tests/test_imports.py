"""Imports: found or not (with a did-you-mean), cycles, and the roots they may not leave."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import dreamlang
from dreamlang.diagnostics import Diagnostic, DreamError
from dreamlang.modules import stdlib_root

MODEL = "model m {\n    qubits 1\n    h on 0\n}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def load_errors(path: Path, **options: object) -> list[Diagnostic]:
    with pytest.raises(DreamError) as info:
        dreamlang.load(path, **options)  # type: ignore[arg-type]
    return [d for d in info.value.diagnostics if d.is_error]


def only_error(path: Path, **options: object) -> Diagnostic:
    errors = load_errors(path, **options)
    assert len(errors) == 1, [f"{d.code} {d.span}" for d in errors]
    assert errors[0].span is not None
    return errors[0]


def where(diag: Diagnostic) -> tuple[str, str, int, int]:
    assert diag.span is not None
    return diag.code, Path(diag.span.filename).name, diag.span.line, diag.span.column


# ---- found and not found ----


def test_relative_imports_from_the_file_folder(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "gates.dream", "block hh() on w {\n    h on w\n}\n")
    main = write(tmp_path / "main.dream", 'import "lib/gates.dream"\n' + MODEL)
    assert dreamlang.load(main).model is not None


def test_not_found_suggests_a_close_name(tmp_path: Path) -> None:
    write(tmp_path / "helper.dream", "const H = 1\n")
    main = write(tmp_path / "main.dream", 'const A = 1\nimport "helpers.dream"\n' + MODEL)
    diag = only_error(main)
    assert where(diag) == ("import-not-found", "main.dream", 2, 1)
    assert diag.notes == ("hint: did you mean 'helper.dream'?",)


def test_not_found_in_the_standard_library_suggests_a_close_name(tmp_path: Path) -> None:
    main = write(tmp_path / "main.dream", 'import "std/topology.dream"\n' + MODEL)
    diag = only_error(main)
    assert where(diag) == ("import-not-found", "main.dream", 1, 1)
    assert diag.notes == ("hint: did you mean 'topologies.dream'?",)


def test_not_found_without_anything_close(tmp_path: Path) -> None:
    main = write(tmp_path / "main.dream", 'import "zzzz/qqqq.dream"\n' + MODEL)
    diag = only_error(main)
    assert where(diag) == ("import-not-found", "main.dream", 1, 1)
    assert diag.notes == ()


@pytest.mark.parametrize("path", [".", "", "std", "std/", "sub"])
def test_a_folder_is_not_a_file(tmp_path: Path, path: str) -> None:
    (tmp_path / "sub").mkdir()
    main = write(tmp_path / "main.dream", f'import "{path}"\n' + MODEL)
    assert where(only_error(main)) == ("import-not-found", "main.dream", 1, 1)


def test_errors_in_an_imported_file_point_into_it(tmp_path: Path) -> None:
    write(tmp_path / "lib.dream", "const A = 1\nconst B = A / 0\n")
    main = write(tmp_path / "main.dream", 'import "lib.dream"\n' + MODEL)
    assert where(only_error(main)) == ("division-by-zero", "lib.dream", 2, 11)


def test_syntax_errors_in_an_imported_file_point_into_it(tmp_path: Path) -> None:
    write(tmp_path / "lib.dream", "const A = 1\nconst B = 1 +* 2\n")
    main = write(tmp_path / "main.dream", 'import "lib.dream"\n' + MODEL)
    assert where(only_error(main)) == ("unexpected-token", "lib.dream", 2, 14)


def test_a_file_imported_twice_is_loaded_once(tmp_path: Path) -> None:
    write(tmp_path / "d.dream", "const D = 1\n")
    write(tmp_path / "b.dream", 'import "d.dream"\n')
    write(tmp_path / "c.dream", 'import "./d.dream"\n')
    main = write(tmp_path / "a.dream", 'import "b.dream"\nimport "c.dream"\nimport "d.dream"\n')
    assert dreamlang.load(main).model is None


def test_text_imports_resolve_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "lib.dream", "const N = 1\n")
    monkeypatch.chdir(tmp_path)
    assert dreamlang.parse('import "lib.dream"\nmodel m {\n    qubits N\n}\n').model is not None


# ---- cycles ----


def test_a_cycle_of_two_files(tmp_path: Path) -> None:
    write(tmp_path / "b.dream", 'const B = 1\nimport "a.dream"\n')
    a = write(tmp_path / "a.dream", 'import "b.dream"\n' + MODEL)
    diag = only_error(a)
    assert where(diag) == ("import-cycle", "b.dream", 2, 1)
    assert "a.dream -> b.dream -> a.dream" in diag.message


def test_a_cycle_of_three_files_reached_from_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a.dream", 'import "b.dream"\n')
    write(tmp_path / "b.dream", 'import "c.dream"\n')
    write(tmp_path / "c.dream", 'import "a.dream"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DreamError) as info:
        dreamlang.parse('import "a.dream"\n' + MODEL)
    (diag,) = info.value.diagnostics
    assert where(diag) == ("import-cycle", "c.dream", 1, 1)
    assert "a.dream -> b.dream -> c.dream -> a.dream" in diag.message


def test_a_file_importing_itself(tmp_path: Path) -> None:
    a = write(tmp_path / "a.dream", MODEL + 'import "a.dream"\n')
    assert where(only_error(a)) == ("import-cycle", "a.dream", 5, 1)


# ---- outside the allowed roots ----


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tmp/project/ holds main.dream's folder; tmp/outside.dream is outside of it."""
    write(tmp_path / "outside.dream", "const OUT = 1\n")
    write(tmp_path / "project" / "inside.dream", "const IN = 1\n")
    return tmp_path / "project"


@pytest.mark.parametrize(
    "path",
    [
        "../outside.dream",
        "sub/../../outside.dream",
        "./../project/../outside.dream",
        "std/../../etc/passwd",
        "std/../../../../../../../../etc/passwd",
        "/etc/passwd",
        "{tmp}/outside.dream",
    ],
)
def test_imports_outside_the_roots(project: Path, path: str) -> None:
    (project / "sub").mkdir()
    path = path.format(tmp=project.parent.as_posix())
    main = write(project / "main.dream", MODEL + f'import "{path}"\n')
    diag = only_error(main)
    assert where(diag) == ("import-outside-root", "main.dream", 5, 1)
    assert path in diag.message


def test_an_absolute_import_inside_the_root_is_allowed(project: Path) -> None:
    main = write(project / "main.dream", f'import "{(project / "inside.dream").as_posix()}"\n')
    assert dreamlang.load(main).model is None


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_symlink_pointing_outside(project: Path) -> None:
    (project / "link.dream").symlink_to(project.parent / "outside.dream")
    (project / "linked").symlink_to(project.parent, target_is_directory=True)
    for target in ("link.dream", "linked/outside.dream"):
        main = write(project / "main.dream", f'import "{target}"\n' + MODEL)
        assert where(only_error(main)) == ("import-outside-root", "main.dream", 1, 1)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_symlink_pointing_inside(project: Path) -> None:
    (project / "alias.dream").symlink_to(project / "inside.dream")
    main = write(project / "main.dream", 'import "alias.dream"\n' + MODEL)
    assert dreamlang.load(main).model is not None


def test_explicit_roots_replace_the_file_folder(project: Path) -> None:
    shared = project.parent / "shared"
    write(shared / "lib.dream", 'const S = 1\nimport "std/encoders.dream"\n')
    main = write(project / "main.dream", 'import "../shared/lib.dream"\n' + MODEL)
    assert dreamlang.load(main, roots=[shared]).model is not None
    local = write(project / "local.dream", 'import "inside.dream"\n' + MODEL)
    assert where(only_error(local, roots=[shared])) == ("import-outside-root", "local.dream", 1, 1)
    assert dreamlang.load(local, roots=[shared, project]).model is not None


def test_text_with_explicit_roots(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert dreamlang.parse('import "inside.dream"\n' + MODEL, roots=[project]).model is not None
    with pytest.raises(DreamError) as info:
        dreamlang.parse('import "inside.dream"\n' + MODEL, roots=[project.parent / "elsewhere"])
    assert info.value.codes == ["import-outside-root"]


def test_stdlib_only(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the standard library's own relative imports (ansatz -> encoders) are inside its root
    ok = write(project / "ok.dream", 'import "std/ansatz.dream"\n' + MODEL)
    assert dreamlang.load(ok, stdlib_only=True).model is not None
    local = write(project / "local.dream", 'import "std/ansatz.dream"\nimport "inside.dream"\n')
    diag = only_error(local, stdlib_only=True)
    assert where(diag) == ("import-outside-root", "local.dream", 2, 1)
    assert str(stdlib_root()) in diag.notes[0]
    monkeypatch.chdir(project)
    with pytest.raises(DreamError) as info:
        dreamlang.parse('import "inside.dream"\n', stdlib_only=True)
    assert info.value.codes == ["import-outside-root"]


def test_stdlib_only_still_refuses_to_leave_the_stdlib(project: Path) -> None:
    main = write(project / "main.dream", 'import "std/../README.md"\n')
    assert where(only_error(main, stdlib_only=True)) == ("import-outside-root", "main.dream", 1, 1)


# ---- odd paths ----


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("a\\x00b.dream", "import-not-found"),
        ("a" * 5000 + ".dream", "import-not-found"),
        ("\\ud800.dream", "syntax-error"),
        ("bad\\qescape.dream", "syntax-error"),
    ],
)
def test_odd_paths_are_reported(tmp_path: Path, path: str, code: str) -> None:
    main = write(tmp_path / "main.dream", f'import "{path}"\n' + MODEL)
    diag = only_error(main)
    assert diag.code == code
    assert diag.span is not None and diag.span.line == 1
