"""Consultants read their book as they did before firms existed.

`tests/data/demo-before-firms.sqlite3.gz` is the demo database made by `seed_demo` at the
last commit before firms (7d24c99), and `book-before-firms.tar.xz` holds what
`book_snapshot` wrote from it then, run with that commit's code: every consultant's
portfolio rows page by page, both exports, and where each current result stands on its
report. Here a copy of that database is migrated to today's schema (each consultant gets
a firm of their own) and snapshotted again, in a separate process, as a deployment would.
"""

import gzip
import shutil
import tarfile

from tests.test_reports_unchanged import DATA, _manage


def test_every_consultants_book_reads_the_same_after_the_firms_migration(tmp_path):
    database = tmp_path / "demo.sqlite3"
    with gzip.open(DATA / "demo-before-firms.sqlite3.gz") as source, database.open("wb") as copy:
        shutil.copyfileobj(source, copy)
    before = tmp_path / "before"
    with tarfile.open(DATA / "book-before-firms.tar.xz") as archive:
        archive.extractall(before, filter="data")

    _manage(database, "migrate", "--no-input")
    after = tmp_path / "after"
    _manage(database, "book_snapshot", str(after))

    names = sorted(p.name for p in before.iterdir())
    assert len(names) == 66  # carmen's and victor's pages, exports and standings
    assert sorted(p.name for p in after.iterdir()) == names
    changed = [
        name for name in names if (before / name).read_bytes() != (after / name).read_bytes()
    ]
    assert changed == []
    # Not empty comparisons: the rows, the exports and the percentiles are there.
    assert "Cliente de muestra" in (after / "carmen-portfolio-1.html").read_text()
    assert "Cliente de muestra 48" in (after / "carmen-portfolio_csv.csv").read_text()
    assert "data-standing-overall" in (after / "carmen-standing-1.html").read_text()
