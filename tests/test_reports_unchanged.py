"""Reports submitted before rounds of several respondents existed read, byte for byte, as
they did then.

`tests/data/demo-before-rounds.sqlite3.gz` is the demo database made by `seed_demo` at the
last commit before the migration that added rounds, and `reports-before-rounds.tar.xz`
holds what `report_snapshot` wrote from it then (every submitted report's body and CSV,
in Spanish and English). Here a copy of that database is migrated to today's schema and
snapshotted again, in a separate process, exactly as a deployment would do it.

Two things have changed since, both in how the page is shown rather than what it says:
its row of download buttons left it for the page (it offers the PDF and Excel files too),
and each chart's image sits in a <picture> that offers a phone the chart's narrow drawing.
Only that exact button block is taken out of the old files, and only that exact wrapper
out of the new ones; every other byte must still match.
"""

import gzip
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

DATA = Path(__file__).parent / "data"
OLD_DOWNLOAD_BUTTONS = re.compile(
    rb'  <div class="d-flex gap-2 d-print-none">\n    <button type="button" '
    rb'class="btn btn-outline-primary" data-print>[^<]+</button>\n    <a class="btn '
    rb'btn-outline-primary" href="/assessments/[0-9]+/report\.csv">[^<]+</a>\n  </div>\n'
)
NEW_CHART_PICTURE = re.compile(
    rb'<picture><source media="\(max-width: 575\.98px\)" srcset="(/assessments/[0-9]+/charts/'
    rb'[a-z]+/[0-9a-f]+\.svg)\?layout=narrow">(<img src="\1" [^>]+>)</picture>'
)
PROJECT = Path(__file__).parent.parent


def _manage(database: Path, *args) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "TIME_ZONE": "Europe/Madrid",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True, capture_output=True
    )


def test_reports_submitted_before_rounds_are_byte_identical_after_the_migration(tmp_path):
    database = tmp_path / "demo.sqlite3"
    with gzip.open(DATA / "demo-before-rounds.sqlite3.gz") as source, database.open("wb") as copy:
        shutil.copyfileobj(source, copy)
    before = tmp_path / "before"
    with tarfile.open(DATA / "reports-before-rounds.tar.xz") as archive:
        archive.extractall(before, filter="data")

    _manage(database, "migrate", "--no-input")
    after = tmp_path / "after"
    _manage(database, "report_snapshot", str(after))

    names = sorted(p.name for p in before.iterdir())
    assert len(names) == 44  # 11 submitted demo reports × (HTML, CSV) × (es, en)
    assert sorted(p.name for p in after.iterdir()) == names
    removed = unwrapped = 0
    changed = []
    for name in names:
        old, count = OLD_DOWNLOAD_BUTTONS.subn(b"", (before / name).read_bytes())
        removed += count
        new, pictures = NEW_CHART_PICTURE.subn(rb"\2", (after / name).read_bytes())
        unwrapped += pictures
        if old != new:
            changed.append(name)
    assert changed == []
    assert removed == 22  # the buttons were in every HTML file, and only there
    assert unwrapped == 22 * 3  # a report's three charts, in every HTML file
