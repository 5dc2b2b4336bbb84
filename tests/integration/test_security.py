"""Login rate limiting, CSRF, CSP, and a clean `check --deploy` under production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_repeated_failed_logins_lock_the_account_even_with_the_right_password(
    client, django_user_model
):
    django_user_model.objects.create_user("alice", password="right-password-1")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "right-password-1"}
    )
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_a_good_login_works_and_resets_the_count(client, django_user_model):
    django_user_model.objects.create_user("bob", password="right-password-1")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "bob", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "bob", "password": "right-password-1"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_posts_without_a_csrf_token_are_refused(django_user_model):
    django_user_model.objects.create_user("carol", password="right-password-1")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/accounts/login/", {"username": "carol", "password": "right-password-1"}
    )
    assert response.status_code == 403


def test_pages_carry_a_policy_without_inline_scripts(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert b"<script>" not in response.content  # no inline script blocks at all
    assert b"hx-on" not in response.content


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their live server: not production.
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        },
        "PORTAL_ENV": "production",
        "PORTAL_DATA_DIR": str(tmp_path),
        "SECRET_KEY": Fernet.generate_key().decode() * 2,
        "ALLOWED_HOSTS": "portal.example.com",
        "PORTAL_BASE_URL": "https://portal.example.com",
        "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
