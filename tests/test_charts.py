import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

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


HEATMAP = {
    "kind": "heatmap",
    "title": "Puntuación por área",
    "rows": ["Hotel Brisa del Mar", "Media de la cartera"],
    "columns": ["Liderazgo y cultura", "Medición y mejora"],
    "values": [[30.0, None], [50.0, 66.67]],
}
LINES = {
    "kind": "lines",
    "title": "Evolución",
    "labels": ["12/10/2024", "01/11/2026"],
    "ylabel": "Puntuación",
    "series": [{"name": "Global", "values": [20.0, 70.0], "bold": True}],
}
SIX_AREAS = [
    "Liderazgo y cultura",
    "Conocimiento del cliente",
    "Procesos y experiencia",
    "Personas y autonomía",
    "Medición y mejora",
    "Respuesta y recuperación",
]


@pytest.mark.parametrize("spec", [RADAR, BARS, STACKED, HEATMAP, LINES], ids=lambda s: s["kind"])
def test_a_phone_s_drawing_shows_its_text_at_11_css_px_or_more(spec):
    """A narrow drawing is at most NARROW_WIDTH inches wide, so a 375 px phone shows it at
    its own size or larger (a 343 px column), and no text in it is under 9.5 pt: 9.5 × 96 /
    72 = 12.7 CSS px at its own size, 11 px even at 87 % of it."""
    svg = charts.draw(charts.narrow(spec)).decode()
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    assert width <= charts.NARROW_WIDTH * 72 + 0.01
    sizes = [float(size) for size in re.findall(r"font-size: ([0-9.]+)px", svg)]
    assert sizes and min(sizes) >= 9.5
    # Its title is the page's heading above it, not a second copy that could run off it.
    wide = charts.draw(spec).decode()
    assert svg.count(f">{spec['title']}<") == wide.count(f">{spec['title']}<") - 1
    # The desktop drawing is another, wider one.
    assert float(re.search(r'viewBox="0 0 ([0-9.]+) ', wide).group(1)) > width


# The areas of the question bank the demo and a new installation load: the longest words
# and labels a radar draws.
DEMO_BANK_AREAS = [
    "Liderazgo y dirección",
    "Medición y feedback del cliente",
    "Valores y marca",
    "Conocimiento del cliente en toda la plantilla",
    "Selección y reconocimiento de las personas",
    "Proveedores y resultados",
]


@pytest.mark.parametrize("layout", ["wide", "narrow"])
@pytest.mark.parametrize(
    ("labels", "series"),
    [(SIX_AREAS, 1), (DEMO_BANK_AREAS, 1), (DEMO_BANK_AREAS, 2)],
    ids=["short", "demo bank", "demo bank, today and what-if"],
)
def test_the_radar_s_labels_stay_outside_its_ring(layout, labels, series):
    today = {"name": "Hoy", "values": [50.0] * 6}
    what_if = {"name": "Simulación", "values": [80.0] * 6, "dashed": True}
    spec = {**RADAR, "labels": labels, "series": [today, what_if][:series]}
    if layout == "narrow":
        spec = charts.narrow(spec)
    figure = charts.radar_figure(spec)
    renderer = FigureCanvasAgg(figure).get_renderer()
    axes = figure.axes[0]
    ring = axes.get_window_extent(renderer)
    centre_x, centre_y, radius = ring.x0 + ring.width / 2, ring.y0 + ring.height / 2, ring.width / 2
    for label in axes.get_xticklabels():
        box = label.get_window_extent(renderer)
        # The point of the label's box nearest the centre is outside the ring.
        nearest_x = min(max(centre_x, box.x0), box.x1)
        nearest_y = min(max(centre_y, box.y0), box.y1)
        assert math.hypot(nearest_x - centre_x, nearest_y - centre_y) > radius, label.get_text()
        # And the label is whole inside the figure.
        assert box.x0 >= 0 and box.x1 <= figure.bbox.width, label.get_text()
        assert box.y0 >= 0 and box.y1 <= figure.bbox.height, label.get_text()
