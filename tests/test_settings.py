"""Settings are read in a fresh interpreter per case, as a deployment would."""

import os
import re
import shlex
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
    unset = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "EMAIL_HOST"}
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
    result = run(SHOW, SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org", EMAIL_HOST="smtp.x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "False"


def readme_production_environment() -> dict[str, str]:
    """The variables the README's production start exports, with each "…" (a value the
    reader supplies) filled in with a stand-in."""
    readme = (PROJECT / "README.md").read_text()
    block = readme.split("## Production start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    words = shlex.split(block.replace("\\\n", " ").splitlines()[0])
    assert words[0] == "export"
    environment = dict(word.split("=", 1) for word in words[1:])
    stand_ins = {"SECRET_KEY": "k3y-" + "a1b2c3d4e5f6g7h8i9j0" * 3}
    return {
        name: stand_ins.get(name, value.replace("…", "stand-in")) if "…" in value else value
        for name, value in environment.items()
    }


def test_the_readme_s_production_start_passes_the_deployment_checklist():
    environment = readme_production_environment()
    assert environment["DEBUG"] == "0" and "EMAIL_HOST" in environment
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **environment,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_outgoing_mail():
    environment = readme_production_environment()
    del environment["EMAIL_HOST"]
    result = run(SHOW, **environment)
    assert result.returncode != 0
    assert "Outgoing mail is not configured" in result.stderr
    on_purpose = run(
        SHOW, **environment, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
    )
    assert on_purpose.returncode == 0, on_purpose.stderr


def test_every_variable_the_settings_read_is_in_the_readme():
    """The README's settings table names every environment variable the settings and the
    gunicorn config read, so an operator never has to read the code to deploy."""
    code = "".join(
        (PROJECT / name).read_text() for name in ("orientacion/settings.py", "gunicorn.conf.py")
    )
    read = set(re.findall(r'(?:environ\.get|environ\[|env_\w+)\(?\s*"([A-Z_]+)"', code))
    table = (PROJECT / "README.md").read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z_]+)`", table))
    assert read > {"DEBUG", "SECRET_KEY", "REDIS_URL", "WEB_CONCURRENCY"}
    assert read - documented == set()
