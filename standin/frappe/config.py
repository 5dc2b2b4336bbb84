"""The configuration document: `{"sites": [{...}, ...]}` (keys in README.md).

Parsing is strict: an unknown key or a bad value fails at start-up with a
message naming the site and the key, rather than surprising a test later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from standin.frappe import cost
from standin.frappe.flavours import DEPLOYED_TASK_TYPES, FLAVOURS


class ConfigError(ValueError):
    pass


SITE_KEYS = {
    "name",
    "flavour",
    "port",
    "host",
    "time_zone",
    "seed_size",
    "seed",
    "first_task_id",
    "clock",
    "users",
    "admin_password",
    "api_keys",
    "oauth_clients",
    "mobile_oauth_client",
    "webhooks",
    "webhook_retry_delays",
    "late_switch",
    "faults",
    "host_name",
    "domains",
    "task_types",
    "log_limit",
    "access_token_ttl",
    "auth_code_ttl",
    "cost_model",
}
USER_KEYS = {
    "name",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "password",
    "roles",
    "api_key",
    "api_secret",
    "enabled",
}
CLIENT_KEYS = {
    "client_id",
    "client_secret",
    "app_name",
    "redirect_uris",
    "default_redirect_uri",
    "skip_authorization",
    "scopes",
    "allowed_roles",
}
WEBHOOK_KEYS = {
    "name",
    "url",
    "events",
    "structure",
    "template",
    "fields",
    "headers",
    "secret",
    "timeout",
    "enabled",
}
WEBHOOK_EVENTS = {"after_insert", "on_update", "on_change", "on_trash", "after_delete"}
ROLES = {"Administrator", "System Manager", "Sales Manager", "Sales User"}


def _check_keys(where: str, data: dict, allowed: set[str]) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected an object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}")


@dataclass
class SiteConfig:
    name: str
    flavour: str = "deployed"
    port: int = 0
    host: str = "127.0.0.1"
    time_zone: str = "UTC"
    seed_size: int = 0
    seed: int = 1
    first_task_id: int = 1
    clock: dict = field(default_factory=dict)
    users: list[dict] = field(default_factory=list)
    admin_password: str = "admin"  # noqa: S105 - Frappe's well-known default, test sites
    oauth_clients: list[dict] = field(default_factory=list)
    mobile_oauth_client: dict | None = None
    webhooks: list[dict] = field(default_factory=list)
    webhook_retry_delays: list[float] = field(default_factory=lambda: [1.0, 4.0])
    late_switch: dict = field(default_factory=dict)
    faults: list[dict] = field(default_factory=list)
    host_name: str | None = None
    domains: list[str] | None = None
    task_types: list[str] = field(default_factory=lambda: list(DEPLOYED_TASK_TYPES))
    log_limit: int = 10_000
    access_token_ttl: int = 3600
    auth_code_ttl: int = 600
    # What a real site's answers cost (standin/frappe/cost.py): off unless a benchmark asks.
    cost_model: bool | dict = False


def parse_site(data: dict) -> SiteConfig:
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("every site needs a non-empty string `name`")
    where = f"site {name!r}"
    _check_keys(where, data, SITE_KEYS)
    values = dict(data)
    # `api_keys` is a convenience list of {user, api_key, api_secret}: fold it into users.
    api_keys = values.pop("api_keys", [])
    cfg = SiteConfig(**values)
    if cfg.flavour not in FLAVOURS:
        raise ConfigError(f"{where}: flavour must be one of {sorted(FLAVOURS)}")
    try:
        ZoneInfo(cfg.time_zone)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError
        raise ConfigError(f"{where}: unknown time_zone {cfg.time_zone!r}") from exc
    if not 0 <= int(cfg.seed_size) <= 100_000:
        raise ConfigError(f"{where}: seed_size must be between 0 and 100000")
    if int(cfg.first_task_id) < 1:
        raise ConfigError(f"{where}: first_task_id must be at least 1")
    _check_keys(f"{where} clock", cfg.clock, {"mode", "now", "offset_seconds"})
    _check_keys(f"{where} late_switch", cfg.late_switch, {"enabled", "interval_seconds"})
    try:
        cfg.cost_model = cost.check(cfg.cost_model)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    for user in cfg.users:
        _check_keys(f"{where} user", user, USER_KEYS)
        if not user.get("name"):
            raise ConfigError(f"{where}: every user needs a `name` (the user id)")
        bad = sorted(set(user.get("roles", [])) - ROLES)
        if bad:
            raise ConfigError(f"{where}: user {user['name']!r} has unknown roles {bad}")
    by_name = {u["name"]: u for u in cfg.users}
    for key in api_keys:
        _check_keys(f"{where} api_keys", key, {"user", "api_key", "api_secret"})
        if key.get("user") not in by_name and key.get("user") != "Administrator":
            raise ConfigError(f"{where}: api key for unknown user {key.get('user')!r}")
        target = by_name.setdefault(key["user"], {"name": key["user"]})
        if target not in cfg.users:
            cfg.users.append(target)
        target["api_key"], target["api_secret"] = key["api_key"], key["api_secret"]
    for client in cfg.oauth_clients:
        _check_keys(f"{where} oauth client", client, CLIENT_KEYS)
        if not client.get("client_id"):
            raise ConfigError(f"{where}: every OAuth client needs a client_id")
    for hook in cfg.webhooks:
        check_webhook(where, hook)
    return cfg


def check_webhook(where: str, hook: dict) -> None:
    _check_keys(f"{where} webhook", hook, WEBHOOK_KEYS)
    if not hook.get("url"):
        raise ConfigError(f"{where}: every webhook needs a url")
    bad = sorted(set(hook.get("events", ["on_update"])) - WEBHOOK_EVENTS)
    if bad:
        raise ConfigError(f"{where}: unknown webhook events {bad}")
    if hook.get("structure", "json") not in ("json", "form"):
        raise ConfigError(f"{where}: webhook structure must be json or form")


def parse_document(doc: dict) -> tuple[list[SiteConfig], dict]:
    _check_keys("config", doc, {"sites", "admin_port", "host"})
    sites = [parse_site(s) for s in doc.get("sites", [])]
    if not sites:
        raise ConfigError("config: `sites` must list at least one site")
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ConfigError("config: site names must be unique")
    process = {"admin_port": int(doc.get("admin_port", 0)), "host": doc.get("host", "127.0.0.1")}
    return sites, process


def load(path: str | Path) -> tuple[list[SiteConfig], dict]:
    return parse_document(json.loads(Path(path).read_text(encoding="utf-8")))
