"""The stand-in's layout, read from the imports in its source.

- Shared infrastructure (the modules at the top of ``standin/`` and ``standin/replay/``)
  imports nothing from a CRM package (``standin.frappe``, ``standin.djangocrm``,
  ``standin.espocrm``).
- The CRM packages do not import each other.
- Only the public entry points reach into a CRM package from the top: ``python -m
  standin`` (the Frappe sites), ``standin.testing`` (it drives them) and ``python -m
  standin.replay`` (every CRM's harness).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "standin"
CRMS = ("frappe", "djangocrm", "espocrm")
ENTRY_POINTS = {"__main__.py", "testing.py", "replay/__main__.py"}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative imports hide what a module reaches"
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def crm_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "standin" and parts[1] in CRMS else None


def reaches(paths) -> dict[str, set[str]]:
    out = {}
    for path in paths:
        crms = {crm for module in imports_of(path) if (crm := crm_of(module))}
        if crms:
            out[path.relative_to(PACKAGE).as_posix()] = crms
    return out


def modules(root: Path = PACKAGE) -> list[Path]:
    return sorted(root.rglob("*.py"))


def shared(root: Path = PACKAGE) -> list[Path]:
    return [
        p
        for p in modules(root)
        if p.relative_to(root).parts[0] not in CRMS
        and p.relative_to(root).as_posix() not in ENTRY_POINTS
    ]


def test_the_shared_modules_import_no_crm_package():
    assert len(shared()) >= 10  # the scan reads something
    assert reaches(shared()) == {}


def test_the_crm_packages_do_not_import_each_other():
    for crm in CRMS:
        other = {c for c in CRMS if c != crm}
        found = {
            name: crms & other
            for name, crms in reaches(modules(PACKAGE / crm)).items()
            if crms & other
        }
        assert found == {}, crm


def test_every_crm_package_is_a_package():
    for crm in CRMS:
        assert (PACKAGE / crm / "__init__.py").exists()


def test_only_the_entry_points_reach_from_the_top_into_a_crm():
    top = [p for p in modules() if p.relative_to(PACKAGE).parts[0] not in CRMS]
    assert set(reaches(top)) <= ENTRY_POINTS
    for name in ENTRY_POINTS:
        assert (PACKAGE / name).exists(), name


def test_the_replay_entry_point_runs_every_crms_harness():
    assert reaches([PACKAGE / "replay" / "__main__.py"]) == {"replay/__main__.py": set(CRMS)}
    for crm in CRMS:
        harness = PACKAGE / crm / ("replay" if crm == "frappe" else "replay.py")
        assert harness.exists(), crm


def test_the_scan_would_notice_a_shared_module_that_imports_a_crm(tmp_path):
    (tmp_path / "clock.py").write_text("def f():\n    from standin.frappe import errors\n")
    (tmp_path / "faults.py").write_text("from standin import djangocrm\n")
    (tmp_path / "frappe").mkdir()
    (tmp_path / "frappe" / "site.py").write_text("import standin.djangocrm.state\n")
    found = {
        p.relative_to(tmp_path).as_posix(): {c for m in imports_of(p) if (c := crm_of(m))}
        for p in shared(tmp_path) + modules(tmp_path / "frappe")
    }
    assert found == {
        "clock.py": {"frappe"},
        "faults.py": {"djangocrm"},
        "frappe/site.py": {"djangocrm"},
    }
