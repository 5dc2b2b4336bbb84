"""The state file a demo site keeps across restarts (standin/demo_state.py)."""

from __future__ import annotations

import json

from standin.demo_state import StateFile


def test_it_writes_the_state_only_when_it_changed_and_reads_it_back(tmp_path):
    state = {"tasks": [{"id": 1, "status": "Open"}]}
    kept = StateFile(tmp_path / "site.json", dump=lambda: state)
    assert kept.load() is None  # a first start
    assert kept.keep() is True
    assert kept.keep() is False  # nothing changed
    state["tasks"][0]["status"] = "Done"
    assert kept.keep() is True
    assert StateFile(tmp_path / "site.json", dump=dict).load() == state
    assert not (tmp_path / "site.json.tmp").exists()
    assert (tmp_path / "site.json").stat().st_mode & 0o077 == 0  # its owner's only


def test_an_unreadable_file_is_kept_aside_and_the_site_starts_afresh(tmp_path, capsys):
    path = tmp_path / "site.json"
    path.write_text('{"tasks": [')
    assert StateFile(path, dump=dict).load() is None
    assert (tmp_path / "site.json.bad").read_text() == '{"tasks": ['
    assert not path.exists()
    assert "starting afresh" in capsys.readouterr().err


def test_a_demo_site_s_state_survives_a_round_trip_through_the_file(tmp_path):
    from standin.espocrm.demo import demo_restore, demo_site, demo_state

    first = demo_site()
    StateFile(tmp_path / "espo.json", dump=lambda: demo_state(first)).keep()
    again = demo_site()  # fresh ids, as after a restart
    assert set(again.tasks) != set(first.tasks)
    demo_restore(again, StateFile(tmp_path / "espo.json", dump=dict).load())
    assert again.tasks == first.tasks
    assert json.dumps(demo_state(again), sort_keys=True) == json.dumps(
        demo_state(first), sort_keys=True
    )


def test_with_a_version_it_builds_the_state_only_after_a_change(tmp_path):
    built = []
    version = [1]

    def dump():
        built.append(version[0])
        return {"v": version[0]}

    kept = StateFile(tmp_path / "site.json", dump=dump, version=lambda: version[0])
    assert kept.keep() is True and kept.keep() is False and built == [1]
    version[0] = 2
    assert kept.keep() is True and built == [1, 2]


def test_a_frappe_demo_site_s_version_moves_with_every_write_to_its_tasks():
    from standin.frappe.config import parse_document
    from standin.frappe.demo import demo_document, demo_restore, demo_state, demo_version
    from standin.frappe.site import Site

    configs, _process = parse_document(demo_document())
    sites = {config.name: Site(config) for config in configs}
    before, state = demo_version(sites), demo_state(sites)
    riyadh = sites["Riyadh Sales"]
    first = state["Riyadh Sales"]["tasks"][0]["name"]
    riyadh.store.update(first, {"status": "Done"})
    assert demo_version(sites) != before
    demo_restore(sites, state)
    assert riyadh.store.get(first)["status"] == state["Riyadh Sales"]["tasks"][0]["status"]
    assert demo_state(sites) == state
