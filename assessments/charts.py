"""Charts as SVG bytes, drawn with matplotlib's object API.

Each chart is described by a plain, JSON-serialisable spec; `spec_key` hashes it so
that a cache can keep one drawing per distinct spec. pyplot is never used: it keeps
global figure state that leaks in a long-running server.
"""

import base64
import hashlib
import json
import textwrap
from dataclasses import dataclass
from io import BytesIO

import matplotlib
from django.core.cache import cache
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from assessments.formatting import half_up

matplotlib.rcParams.update(
    {
        # Labels come from users and admins: "$5 vs $10" must be drawn as typed.
        "text.parse_math": False,
        "svg.fonttype": "none",
        # Fixed ids and no date make the same spec produce the same bytes.
        "svg.hashsalt": "orientacion",
        "font.family": "DejaVu Sans",
        "font.size": 9,
    }
)

PALETTE = {
    "primary": "#0d6efd",
    "secondary": "#6c757d",
    "yes": "#198754",
    "partly": "#e0a800",
    "no": "#dc3545",
}
SERIES_COLOURS = ["#0d6efd", "#6c757d", "#d63384", "#20c997", "#fd7e14", "#6610f2"]


# Part of every key: raise it when the drawing code changes, so cached drawings made by
# the old code are not served for the same data.
STYLE_VERSION = 2


def spec_key(spec: dict) -> str:
    payload = json.dumps(
        [STYLE_VERSION, spec], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ChartView:
    """A chart as a page shows it: the spec it is drawn from (and the hash that names the
    drawing), a one-sentence summary, and the same data as a table for people who cannot
    see it. An empty table means the page's own table holds the data."""

    kind: str
    key: str
    spec: dict
    summary: str
    table_headers: list
    table_rows: list

    @property
    def data_url(self) -> str:
        """The drawing inline, for a document that fetches nothing (the PDF report)."""
        svg = cached_svg(self.key, self.spec)
        return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def cached_svg(key: str, spec: dict) -> bytes:
    """The drawing of `spec`, made once and kept in the shared cache under its hash."""
    svg = cache.get(f"chart:{key}")
    if svg is None:
        svg = draw(spec)
        cache.set(f"chart:{key}", svg)
    return svg


def chart_view(kind: str, spec: dict, summary: str, headers=(), rows=()) -> ChartView:
    """The one way a page builds a chart; `kind` names it in its URL ("priorities"),
    `spec["kind"]` says how it is drawn ("horizontal_bars")."""
    return ChartView(
        kind=kind,
        key=spec_key(spec),
        spec=spec,
        summary=summary,
        table_headers=list(headers),
        table_rows=[list(row) for row in rows],
    )


def draw(spec: dict) -> bytes:
    return _DRAWERS[spec["kind"]](spec)


def _wrap(label: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _svg(figure: Figure) -> bytes:
    buffer = BytesIO()
    # Margins are fixed per chart kind: automatic layouts (constrained, bbox "tight")
    # measure every label by drawing, which doubles the time a chart takes.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _radar(spec: dict) -> bytes:
    labels = spec["labels"]
    count = len(labels)
    angles = [2 * 3.141592653589793 * i / count for i in range(count)]
    figure = Figure(figsize=(6.4, 5.4))
    figure.subplots_adjust(left=0.17, right=0.83, top=0.82, bottom=0.1)
    axes = figure.add_subplot(projection="polar")
    axes.set_theta_offset(3.141592653589793 / 2)
    axes.set_theta_direction(-1)
    for index, series in enumerate(spec["series"]):
        values = list(series["values"])
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        style = "--" if series.get("dashed") else "-"
        axes.plot(
            angles + angles[:1],
            values + values[:1],
            style,
            color=colour,
            linewidth=2,
            label=series["name"],
        )
        if not series.get("dashed"):
            axes.fill(angles + angles[:1], values + values[:1], color=colour, alpha=0.15)
    axes.set_xticks(angles, [_wrap(label) for label in labels])
    axes.set_ylim(0, 100)
    axes.set_yticks([20, 40, 60, 80, 100], ["20", "40", "60", "80", "100"], color="#555")
    axes.set_title(spec["title"], pad=24, fontsize=11)
    if len(spec["series"]) > 1:
        axes.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), frameon=False)
    return _svg(figure)


def _horizontal_bars(spec: dict) -> bytes:
    labels = [_wrap(label, 28) for label in spec["labels"]]
    values = spec["values"]
    height = 0.55 * len(labels) + 1.2
    figure = Figure(figsize=(6.5, height))
    figure.subplots_adjust(left=0.33, right=0.95, top=1 - 0.45 / height, bottom=0.6 / height)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]  # first item on top
    bars = axes.barh(positions, values, color=PALETTE["primary"])
    axes.bar_label(bars, labels=[str(half_up(v)) for v in values], padding=3)
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, max([spec.get("xmax", 100), *values]) * 1.08)
    axes.set_xlabel(spec["xlabel"])
    axes.set_title(spec["title"], fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _stacked_bars(spec: dict) -> bytes:
    labels = [_wrap(label, 28) for label in spec["labels"]]
    height = 0.55 * len(labels) + 1.6
    figure = Figure(figsize=(6.5, height))
    figure.subplots_adjust(left=0.33, right=0.95, top=1 - 0.45 / height, bottom=1.0 / height)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for series in spec["series"]:
        values = series["values"]
        bars = axes.barh(
            positions,
            values,
            left=left,
            label=series["name"],
            color=PALETTE.get(series.get("tone", ""), PALETTE["secondary"]),
        )
        axes.bar_label(
            bars,
            labels=[f"{v:g}" if v else "" for v in values],
            label_type="center",
            # Dark text on the yellow "parcialmente" bars, white on the others, for contrast.
            color="#212529" if series.get("tone") == "partly" else "white",
            fontweight="bold",
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, labels)
    axes.set_xlabel(spec["xlabel"])
    axes.set_title(spec["title"], fontsize=11)
    if spec.get("counts_people"):
        # Counts of people: whole-number ticks. The chart is tall (a bar per question), so
        # the legend goes at the figure's foot rather than a fraction of the axes below it.
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.legend(loc="lower center", ncol=len(spec["series"]), frameon=False)
    else:
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.18),
            ncol=len(spec["series"]),
            frameon=False,
        )
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _heatmap(spec: dict) -> bytes:
    """Rows × columns of 0–100 scores, each cell labelled with its value."""
    rows, columns, values = spec["rows"], spec["columns"], spec["values"]
    height = 0.42 * len(rows) + 2.2
    figure = Figure(figsize=(7.5, height))
    figure.subplots_adjust(left=0.3, right=0.98, top=1 - 1.6 / height, bottom=0.25 / height)
    axes = figure.add_subplot()
    grid = [[float("nan") if v is None else v for v in row] for row in values]
    axes.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    for y, row in enumerate(values):
        for x, value in enumerate(row):
            text = "–" if value is None else str(half_up(value))
            # The colour map is darkest at both ends: white text there, dark elsewhere.
            dark_cell = value is not None and (value < 15 or value > 85)
            colour = "white" if dark_cell else "#212529"
            axes.text(x, y, text, ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(len(columns)), [_wrap(c, 14) for c in columns], fontsize=8)
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(rows)), [_wrap(r, 32) for r in rows], fontsize=8)
    axes.set_title(spec["title"], fontsize=11, pad=34)
    axes.tick_params(length=0)
    return _svg(figure)


def _lines(spec: dict) -> bytes:
    """One line per series over ordered points (dates as labels)."""
    labels = spec["labels"]
    figure = Figure(figsize=(8, 4.6))
    figure.subplots_adjust(left=0.08, right=0.62, top=0.9, bottom=0.14)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    for index, series in enumerate(spec["series"]):
        axes.plot(
            positions,
            [float("nan") if v is None else v for v in series["values"]],
            marker="o",
            linewidth=3 if series.get("bold") else 1.5,
            color="#212529" if series.get("bold") else SERIES_COLOURS[index % 6],
            label=_wrap(series["name"], 30),
        )
    axes.set_xticks(positions, labels)
    axes.set_ylim(0, 100)
    axes.set_ylabel(spec["ylabel"])
    axes.set_title(spec["title"], fontsize=11)
    axes.grid(axis="y", color="#dee2e6")
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


_DRAWERS = {
    "heatmap": _heatmap,
    "lines": _lines,
    "radar": _radar,
    "horizontal_bars": _horizontal_bars,
    "stacked_bars": _stacked_bars,
}
