"""A backup made as the README says (pg_dump) and restored into a fresh database (pg_restore)
holds the demo whole: every report and CSV byte for byte, and its pages working on the
production start. PostgreSQL is what production runs; SQLite's backup is a file copy."""

import filecmp
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from scripts import live

PROJECT = Path(__file__).parent.parent
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the README's backup is pg_dump, of PostgreSQL: run with DATABASE_URL=postgres://…",
)


def _server_url(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{user}@{host}/{name}"


def _manage(url: str, cache: Path, *args) -> str:
    environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "CACHE_DIR": str(cache)}
    environment.pop("REDIS_URL", None)  # no shared cache: each run reads its own database
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _psql(*args) -> None:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", str(settings["PORT"] or 5432)
    user = settings["USER"] or "postgres"
    subprocess.run([*args, "-h", host, "-p", port, "-U", user], check=True, capture_output=True)


@pytest.fixture
def two_databases():
    names = [f"orientacion_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("live", "restored")]
    yield names
    for name in names:
        _psql("dropdb", "--if-exists", "--force", name)


def test_a_dump_restored_into_a_fresh_database_reads_the_same(two_databases, tmp_path):
    live_db, restored_db = two_databases
    _psql("createdb", live_db)
    source = _server_url(live_db)
    _manage(source, tmp_path / "cache-live", "migrate", "--no-input")
    _manage(source, tmp_path / "cache-live", "seed_demo")
    _manage(source, tmp_path / "cache-live", "report_snapshot", str(tmp_path / "before"))

    # The README's commands.
    dump = tmp_path / "orientacion.dump"
    subprocess.run(
        [shutil.which("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
        capture_output=True,
    )
    _psql("createdb", restored_db)
    restored = _server_url(restored_db)
    subprocess.run(
        [shutil.which("pg_restore"), "--no-owner", f"--dbname={restored}", str(dump)],
        check=True,
        capture_output=True,
    )
    assert "No planned migration" in _manage(
        restored, tmp_path / "cache-restored", "migrate", "--plan"
    )
    _manage(restored, tmp_path / "cache-restored", "report_snapshot", str(tmp_path / "after"))

    before = sorted(p.name for p in (tmp_path / "before").iterdir())
    assert len(before) > 100  # every submitted report of the demo, as HTML and CSV, 2 languages
    match, mismatch, errors = filecmp.cmpfiles(
        tmp_path / "before", tmp_path / "after", before, shallow=False
    )
    assert (mismatch, errors) == ([], [])

    # The restored database serves the demo's pages on the production start.
    environment = live.production_environment(
        DATABASE_URL=restored,
        STATIC_ROOT=live.collected_static(),
        CACHE_DIR=str(tmp_path / "cache-server"),
        SECOND_FACTOR_REQUIRED_FOR="none",  # carmen's pages, without her phone
    )
    environment.pop("REDIS_URL", None)
    with live.gunicorn(environment, workers=1) as url:
        board = live.Browser().request(url + "/s/demo-hotel-board-link-not-for-production/")
        assert board.status == 200 and "Hotel Brisa del Mar" in board.text
        for username in ("ana", "marta", "jordi", "carmen"):
            browser = live.Browser()
            assert browser.sign_in(url, username, "orientacion-demo").status == 302
            home = browser.request(url + "/")
            assert home.status == 200
            # Each page the home page links to, and each of those pages' reports.
            pages = set(
                re.findall(r'href="(/(?:organisations|assessments|portfolio)[^"]*)"', home.text)
            )
            assert pages, username
            for page in sorted(pages):
                answer = browser.request(url + page.replace("&amp;", "&"))
                assert answer.status == 200, (username, page, answer.status)
