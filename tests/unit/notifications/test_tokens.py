"""Signed Done/Snooze and unsubscribe links: tamper-proof, bound to their purpose, expiring by the
portal clock."""

from datetime import UTC, datetime, timedelta

import pytest

from portal import clock
from portal.notifications import tokens

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen(settings, tmp_path):
    path = tmp_path / "clock.json"
    settings.PORTAL_CLOCK_FILE = str(path)
    settings.NOTIFY_ACTION_LINK_HOURS = 24
    settings.NOTIFY_UNSUBSCRIBE_LINK_DAYS = 30

    def at(when):
        clock.set_clock(path, frozen=when)

    at(NOW)
    return at


def make(**overrides):
    fields = {"action": "done", "site_id": 3, "task_id": "1042", "recipient": "a@x.test",
              "delivery_id": 7, **overrides}  # fmt: skip
    return tokens.action_token(**fields)


def test_an_action_link_round_trips(frozen):
    link = tokens.action_from_token(make(action="snooze"))
    assert link == tokens.ActionLink("snooze", 3, "1042", "a@x.test", 7)


def test_a_changed_character_is_refused(frozen):
    token = make()
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(tokens.LinkInvalid):
        tokens.action_from_token(tampered)


def test_an_unsubscribe_token_is_no_action_token_and_the_reverse(frozen):
    with pytest.raises(tokens.LinkInvalid):
        tokens.action_from_token(tokens.unsubscribe_token(address="a@x.test"))
    with pytest.raises(tokens.LinkInvalid):
        tokens.address_from_unsubscribe_token(make())


def test_action_links_expire_by_the_portal_clock(frozen):
    token = make()
    frozen(NOW + timedelta(hours=23, minutes=59))
    assert tokens.action_from_token(token).task_id == "1042"
    frozen(NOW + timedelta(hours=24, minutes=1))
    with pytest.raises(tokens.LinkExpired):
        tokens.action_from_token(token)


def test_unsubscribe_links_last_longer(frozen):
    token = tokens.unsubscribe_token(address="Someone@X.test")
    frozen(NOW + timedelta(days=29))
    assert tokens.address_from_unsubscribe_token(token) == "someone@x.test"
    frozen(NOW + timedelta(days=31))
    with pytest.raises(tokens.LinkExpired):
        tokens.address_from_unsubscribe_token(token)


def test_unknown_actions_are_not_signed(frozen):
    with pytest.raises(ValueError):
        make(action="delete")
