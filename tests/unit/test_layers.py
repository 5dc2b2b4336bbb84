"""The portal's layers, read from the imports in its source.

- Apps: ``sites`` imports no other portal app; ``live`` (task change events) only ``sites``;
  ``notifications`` imports ``sites`` and ``live`` only;
  ``tasks_ui`` and ``reports`` sit above both; nothing imports ``tasks_ui`` but ``api``, the
  top, which reads tasks_ui's selectors, services and forms (never its views); nothing
  imports ``api``.
- Backends: a backend's package (``portal.sites.backends.<kind>``) is imported only inside
  ``portal/sites/backends/``; the rest of the portal speaks the interface (``backends.base``,
  ``types``, ``errors``) and builds backends through the registry.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PORTAL = REPO / "portal"
BACKENDS = PORTAL / "sites" / "backends"
APPS = ("sites", "live", "notifications", "tasks_ui", "reports", "api")
MAY_IMPORT = {
    "sites": set(),
    "live": {"sites"},
    "notifications": {"sites", "live"},
    "reports": {"sites", "notifications", "live"},
    "tasks_ui": {"sites", "notifications", "live"},
    "api": {"sites", "notifications", "reports", "tasks_ui", "live"},
}
# What the API may use of the pages' app: the logic, not the pages.
TASKS_UI_FOR_API = ("selectors", "services", "forms", "fanout", "errors", "labels", "models")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def sources(root: Path = PORTAL):
    for path in sorted(root.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def layer_breaches(root: Path = PORTAL) -> list[str]:
    found = []
    for path in sources(root):
        relative = path.relative_to(root)
        app = relative.parts[0] if len(relative.parts) > 1 else None
        if app not in APPS:
            continue
        above = set()
        for module in imports_of(path):
            parts = module.split(".")
            if len(parts) > 1 and parts[0] == "portal" and parts[1] in APPS:
                if parts[1] != app and parts[1] not in MAY_IMPORT[app]:
                    above.add(parts[1])
        found += [f"{relative.as_posix()} imports {other}" for other in sorted(above)]
    return found


def backend_leaks(root: Path = PORTAL) -> list[str]:
    found = []
    backends = root / "sites" / "backends"
    kinds = {p.name for p in backends.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    for path in sources(root):
        if backends in path.parents:
            continue
        relative = path.relative_to(root).as_posix()
        for module in imports_of(path):
            parts = module.split(".")
            if (
                parts[:3] == ["portal", "sites", "backends"]
                and len(parts) > 3
                and parts[3] in kinds
            ):
                found.append(relative)
                break
    return sorted(found)


def view_imports(root: Path = PORTAL) -> list[str]:
    found = []
    for path in sources(root / "api"):
        for module in imports_of(path):
            parts = module.split(".")
            if parts[:2] == ["portal", "tasks_ui"] and len(parts) > 2:
                if parts[2] not in TASKS_UI_FOR_API:
                    found.append(f"{path.relative_to(root).as_posix()} imports {module}")
    return sorted(found)


def test_each_app_imports_only_the_layers_below_it():
    assert layer_breaches() == []


def test_no_backend_package_is_imported_outside_the_backends():
    assert backend_leaks() == [], "use the interface (backends.base) and the registry"


def test_the_api_uses_the_task_pages_logic_never_their_views():
    assert view_imports() == []


def test_the_checks_would_notice(tmp_path):
    app = tmp_path / "sites"
    app.mkdir()
    (app / "views.py").write_text("from portal.tasks_ui.selectors import inbox\n")
    kinds = tmp_path / "sites" / "backends" / "frappe"
    kinds.mkdir(parents=True)
    (kinds / "__init__.py").write_text("")
    notifications = tmp_path / "notifications"
    notifications.mkdir()
    (notifications / "scan.py").write_text("from portal.sites.backends.frappe import Task\n")
    api = tmp_path / "api"
    api.mkdir()
    (api / "views.py").write_text("from portal.tasks_ui.views.common import next_url\n")
    (notifications / "api.py").write_text("import portal.api.tokens\n")
    assert layer_breaches(tmp_path) == [
        "notifications/api.py imports api",
        "sites/views.py imports tasks_ui",
    ]
    assert backend_leaks(tmp_path) == ["notifications/scan.py"]
    assert view_imports(tmp_path) == [
        "api/views.py imports portal.tasks_ui.views.common",
        "api/views.py imports portal.tasks_ui.views.common.next_url",
    ]
