import subprocess
import sys
from pathlib import Path

import pytest

from assessments import charts

RADAR = {
    "kind": "radar",
    "title": "Puntuación por área",
    "labels": ["$5 vs $10", "Liderazgo", "Medición"],
    "series": [{"name": "Acme", "values": [10.0, 55.5, 100.0]}],
}
BARS = {
    "kind": "horizontal_bars",
    "title": "Prioridad",
    "labels": ["Liderazgo", "Medición"],
    "values": [75.0, 41.67],
    "xmax": 150,
    "xlabel": "Prioridad",
}
STACKED = {
    "kind": "stacked_bars",
    "title": "Respuestas",
    "labels": ["Liderazgo", "Medición"],
    "series": [
        {"name": "Sí", "tone": "yes", "values": [1, 0]},
        {"name": "Parcialmente", "tone": "partly", "values": [1, 2]},
        {"name": "No", "tone": "no", "values": [1, 1]},
    ],
    "xlabel": "Preguntas",
}


@pytest.mark.parametrize("spec", [RADAR, BARS, STACKED], ids=lambda s: s["kind"])
def test_each_chart_is_an_svg_with_its_title(spec):
    svg = charts.draw(spec).decode()
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert spec["title"] in svg


def test_dollar_signs_are_drawn_literally_not_as_math():
    assert "$5 vs $10" in charts.draw(RADAR).decode()


def test_the_same_spec_gives_the_same_bytes_and_key():
    assert charts.draw(BARS) == charts.draw(BARS)
    assert charts.spec_key(BARS) == charts.spec_key(dict(reversed(list(BARS.items()))))


def test_any_change_in_the_data_changes_the_key():
    changed = {**BARS, "values": [75.0, 41.68]}
    assert charts.spec_key(changed) != charts.spec_key(BARS)


def test_charts_never_load_pyplot():
    code = (
        "import sys; from assessments import charts; "
        f"charts.draw({RADAR!r}); print('matplotlib.pyplot' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "False", result.stderr
