"""Settings are read in a fresh interpreter per case, as a deployment would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.DEBUG)"
)


def run(code_or_args, **env):
    unset = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    base["DJANGO_SETTINGS_MODULE"] = "orientacion.settings"
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    return subprocess.run(
        args, cwd=PROJECT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_without_database_url_it_uses_sqlite_in_the_project_folder():
    result = run(SHOW, DEBUG="1")
    assert result.returncode == 0, result.stderr
    engine, name, _ = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == str(PROJECT / "db.sqlite3")


def test_sqlite_takes_the_write_lock_at_transaction_start():
    result = run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['OPTIONS']['transaction_mode'])",
        DEBUG="1",
    )
    assert result.stdout.strip() == "IMMEDIATE"


def test_a_postgres_database_url_selects_postgresql():
    result = run(SHOW, DEBUG="1", DATABASE_URL="postgres://someone@db.example:5433/orientacion")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "orientacion"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "0"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x@y/z"}, "must be a postgres://"),
        ({"DEBUG": "1", "DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        (
            {"DEBUG": "1", "CONN_MAX_AGE": "soon", "DATABASE_URL": "postgres://a@b/c"},
            "CONN_MAX_AGE",
        ),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(env, message):
    result = run(SHOW, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_is_off_unless_asked_for():
    result = run(SHOW, SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "False"


def test_production_settings_pass_the_deployment_checklist():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY="k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 3,
        ALLOWED_HOSTS="orientacion.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
