"""Rendered pages are cached under the release that rendered them: a deployment with new
templates never serves a page rendered by the old ones."""

import shutil

from orientacion import settings as project_settings


def test_a_template_edit_makes_a_new_release(tmp_path, monkeypatch):
    for folder in ("templates", "locale", "static", "assessments"):
        shutil.copytree(project_settings.BASE_DIR / folder, tmp_path / folder)
    monkeypatch.setattr(project_settings, "BASE_DIR", tmp_path)
    monkeypatch.delenv("RELEASE", raising=False)
    before = project_settings._release()
    assert project_settings._release() == before  # the same files, the same release
    report = tmp_path / "templates" / "assessments" / "_report_head.html"
    report.write_text(report.read_text().replace("<h1", "<h1 data-edited", 1))
    assert project_settings._release() != before


def test_a_named_release_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("RELEASE", "4f2c9e1")
    assert project_settings._release() == "4f2c9e1"


def test_cached_pages_are_keyed_by_release(settings):
    assert settings.RELEASE in settings.CACHES["pages"]["KEY_PREFIX"]
