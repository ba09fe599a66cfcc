"""The house as docs/architecture.md draws it: layers one way, no import circles, small modules with docstrings."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mfalogscan"
MAX_LINES = 400

_LINT = (
    "from importlinter.cli import lint_imports; "
    "raise SystemExit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def _lint(where: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("importlinter", reason="import-linter is in the test extra: pip install '.[test]'")
    return subprocess.run([sys.executable, "-c", _LINT], cwd=where, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_an_import_against_the_layers_breaks_the_contract(tmp_path):
    # The contract is not a formality: a lower room importing a higher one fails it.
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(PACKAGE, tmp_path / "mfalogscan", ignore=shutil.ignore_patterns("__pycache__"))
    peek = tmp_path / "mfalogscan" / "sources" / "peek.py"
    peek.write_text(peek.read_text() + "\nfrom ..evidence import report  # noqa: E402,F401\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "mfalogscan.sources.peek -> mfalogscan.evidence.report" in done.stdout


def _imports(path: Path, module: str, modules) -> set[str]:
    """The package's modules that `module` imports, wherever the import statement is (functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mfalogscan"))
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if not target.startswith("mfalogscan"):
                continue
            # `from . import native` imports the module native; `from . import Record`, the package's own code.
            found.update(f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names)
    return found


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def test_no_module_imports_itself_through_others():
    modules = _modules()
    graph = {m: {t for t in _imports(p, m, modules) if t in modules and t != m} for m, p in modules.items()}
    circles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(" -> ".join(path + [start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
    assert not circles, circles[:5]


def test_modules_are_small_and_packages_say_what_they_take_and_give():
    for name, path in _modules().items():
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= MAX_LINES, f"{name} has {lines} lines: split it"
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc and len(doc) > 80, f"package {name} has no docstring that says what it takes and gives"


def test_docs_architecture_names_every_room_there_is():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawn = set(re.findall(r"^  ([a-z_]+(?:/|\.py))", text, re.M))
    drawn |= {m + ".py" for m in re.findall(r"^  [a-z_]+\.py ([a-z_]+)\.py", text, re.M)}
    there = {p.name + "/" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    there |= {p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    assert drawn == there


def test_the_public_names_import_from_the_package():
    import mfalogscan

    for name in mfalogscan.__all__:
        assert getattr(mfalogscan, name) is not None
    from mfalogscan import Report, ScanConfig, SourceStatus, Subject, scan, scan_events  # noqa: F401

    assert callable(scan) and callable(scan_events)
    import mfalogscan.scanning.pipeline  # the subpackage must not shadow the function

    assert callable(mfalogscan.scan)
