"""Dependencies point down: views → services → selectors → models. A lower layer that
must hear of a change is told by a signal connected in apps.py, never by importing up."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).parent.parent / "assessments"
ABOVE = {
    "models": {"selectors", "services", "views", "forms", "admin"},
    "selectors": {"services", "views", "forms", "admin"},
    "services": {"views", "forms", "admin"},
}


def modules_imported(path: Path) -> set[str]:
    """Every assessments.* module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "assessments":
                names.update(f"assessments.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name.split(".")[1] for name in names if name.startswith("assessments.")}


def files_of(layer: str) -> list[Path]:
    package = APP / layer
    return sorted(package.glob("*.py")) if package.is_dir() else [APP / f"{layer}.py"]


@pytest.mark.parametrize("layer", sorted(ABOVE))
def test_a_layer_imports_nothing_above_it(layer):
    upward = {
        f"{path.relative_to(APP)} imports {sorted(modules_imported(path) & ABOVE[layer])}"
        for path in files_of(layer)
        if modules_imported(path) & ABOVE[layer]
    }
    assert upward == set()


def test_services_and_selectors_are_split_by_the_views_domains():
    for layer in ("services", "selectors"):
        for path in files_of(layer):
            assert ast.get_docstring(ast.parse(path.read_text())), f"{path} says what it holds"
    assert {p.stem for p in files_of("services")} >= {"answering", "rounds", "invitations"}
    assert {p.stem for p in files_of("selectors")} >= {"answering", "rounds", "book", "plan"}
