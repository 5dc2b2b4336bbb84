"""Settings are parsed strictly: a malformed value names its variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import Env


def test_it_reads_booleans_in_common_spellings():
    env = Env({"A": "yes", "B": "0", "C": "TRUE", "D": " off "})
    assert [env.bool(k, default=None) for k in "ABCD"] == [True, False, True, False]


def test_it_uses_the_default_for_unset_or_blank_values():
    env = Env({"BLANK": "  "})
    assert env.bool("BLANK", default=True) is True
    assert env.int("MISSING", 7) == 7
    assert env.list("MISSING", ["a"]) == ["a"]


@pytest.mark.parametrize(
    ("reader", "value", "expected"),
    [
        (lambda e: e.bool("X", default=False), "maybe", "X: expected true or false, got 'maybe'"),
        (lambda e: e.int("X", 1), "3.5", "X: expected a whole number, got '3.5'"),
        (lambda e: e.int("X", 1, minimum=1), "0", "X: expected a whole number of at least 1"),
        (lambda e: e.float("X", 1.0), "nan", "X: expected a number of at least 0.0"),
        (lambda e: e.choice("X", ("a", "b"), "a"), "c", "X: expected one of a, b, got 'c'"),
        (lambda e: e.url("X", ("redis",)), "http://h", "X: expected a URL starting with redis"),
    ],
)
def test_it_refuses_malformed_values_naming_the_variable(reader, value, expected):
    with pytest.raises(ImproperlyConfigured) as error:
        reader(Env({"X": value}))
    assert expected in str(error.value)


def test_it_never_echoes_secrets_or_url_passwords():
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"SECRET_KEY_X": "hunter2"}).int("SECRET_KEY_X", 1)
    assert "hunter2" not in str(error.value)
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"DB_URL": "mysql://u:hunter2@db/x"}).url("DB_URL", ("postgres",))
    assert "hunter2" not in str(error.value)
    assert "db/x" in str(error.value)


def test_a_secret_is_optional_but_never_short_and_never_echoed():
    assert Env({}).secret("X_TOKEN", min_length=16) is None
    assert Env({"X_TOKEN": " " + "s" * 16 + " "}).secret("X_TOKEN", min_length=16) == "s" * 16
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"X_TOKEN": "hunter2"}).secret("X_TOKEN", min_length=16)
    assert "X_TOKEN: expected at least 16 characters, got 7" in str(error.value)
    assert "hunter2" not in str(error.value)
    with pytest.raises(ImproperlyConfigured) as error:
        Env({"X_TOKEN": "hunter2"}).int("X_TOKEN", 1)
    assert "hunter2" not in str(error.value)


def test_it_remembers_every_variable_it_read():
    env = Env({})
    env.int("ONE", 1)
    env.str("TWO")
    assert env.read == {"ONE", "TWO"}


def test_it_reads_networks_and_none():
    import ipaddress

    env = Env({"NETS": "10.0.0.0/8, 192.168.1.7 ,::1", "OFF": "none"})
    assert env.networks("NETS", []) == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.1.7/32"),
        ipaddress.ip_network("::1/128"),
    ]
    assert env.networks("OFF", ["127.0.0.1"]) == []
    assert env.networks("UNSET", ["127.0.0.1"]) == [ipaddress.ip_network("127.0.0.1/32")]
    with pytest.raises(ImproperlyConfigured, match="NETS: expected IP addresses or networks"):
        Env({"NETS": "10.0.0.0/8,intranet"}).networks("NETS", [])
