"""The lock files pin what pyproject.toml asks for: every dependency there is locked at a
version its range allows, and nothing is locked as a direct dependency that pyproject.toml
no longer names. When this fails, refresh the locks as the README says."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = Path(__file__).parent.parent
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)
DIRECT = "orientacion (pyproject.toml)"


def requirements(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(name) for name in names]


def locked(lock: str) -> tuple[dict[str, str], set[str]]:
    """Package → pinned version, and the packages the lock says pyproject.toml asks for."""
    text = (PROJECT / "requirements" / lock).read_text()
    versions = {canonicalize_name(name): version for name, version in PINNED.findall(text)}
    direct = set()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PINNED.match(block)
        if match and DIRECT in block:
            direct.add(canonicalize_name(match.group(1)))
    return versions, direct


@pytest.mark.parametrize("lock, extra", [("app.txt", None), ("dev.txt", "dev")])
def test_every_dependency_is_locked_within_its_range_and_with_hashes(lock, extra):
    versions, direct = locked(lock)
    wanted = {canonicalize_name(r.name): r for r in requirements(extra)}
    outside = [
        f"{name} {versions.get(name, 'not locked')} (pyproject.toml: {requirement.specifier})"
        for name, requirement in wanted.items()
        if versions.get(name) is None or versions[name] not in requirement.specifier
    ]
    assert outside == []
    assert direct == set(wanted), "locked as direct but no longer in pyproject.toml"
    text = (PROJECT / "requirements" / lock).read_text()
    unhashed = [
        block.split(" ", 1)[0]
        for block in re.split(r"\n(?=[A-Za-z0-9])", text)
        if PINNED.match(block) and "--hash=sha256:" not in block
    ]
    assert unhashed == []


def test_the_serving_lock_is_the_test_lock_without_the_test_tools():
    app, _direct = locked("app.txt")
    dev, _direct = locked("dev.txt")
    assert {name: dev.get(name) for name in app} == app
