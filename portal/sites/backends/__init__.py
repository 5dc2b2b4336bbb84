"""The CRMs the portal talks to, each a backend of its own (a folder here), behind one interface
(``base.TaskBackend``). The registry maps the kind stored on a ``Site`` to its backend class;
classes load on first use, so a backend's package is imported only where it is needed."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import TaskBackend

# kind -> (module, class). The kind is stored on each Site: never rename one.
BACKENDS: dict[str, tuple[str, str]] = {
    "frappe": ("portal.sites.backends.frappe.backend", "FrappeBackend"),
    "djangocrm": ("portal.sites.backends.djangocrm.backend", "DjangoCrmBackend"),
    "espocrm": ("portal.sites.backends.espocrm.backend", "EspoBackend"),
}


def backend_class(kind: str) -> type[TaskBackend]:
    try:
        module, name = BACKENDS[kind or "frappe"]
    except KeyError:
        raise LookupError(f"No backend of kind {kind[:40]!r}.") from None
    return getattr(import_module(module), name)
