"""Charts as SVG bytes, drawn with matplotlib's object API.

Each chart is described by a plain, JSON-serialisable spec; `spec_key` hashes it so
that a cache can keep one drawing per distinct spec. pyplot is never used: it keeps
global figure state that leaks in a long-running server.
"""

import base64
import hashlib
import json
import math
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


# Part of every key, and so of every chart's address in a report's page. Frozen: a
# submitted report's page is kept byte for byte, chart addresses included.
STYLE_VERSION = 2
# Part of the cache's key alone: raise it when the drawing code changes, so drawings made
# by the old code are not served for the same data.
DRAWING_VERSION = 3


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


# How long a drawing is kept: less than the 30 days a deleted organisation waits before
# its purge, so that no drawing naming it outlives it (services/deletion.py).
CHART_LIFETIME = 29 * 24 * 3600


def drawing_key(key: str) -> str:
    return f"chart:{DRAWING_VERSION}:{key}"


def cached_svg(key: str, spec: dict) -> bytes:
    """The drawing of `spec`, made once and kept in the shared cache under its hash."""
    svg = cache.get(drawing_key(key))
    if svg is None:
        svg = draw(spec)
        cache.set(drawing_key(key), svg, timeout=CHART_LIFETIME)
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


# A phone's variant is drawn this wide, in inches (96 CSS px each): about the width a
# 375 px screen leaves a chart, so it is shown near its own size and its text, never
# smaller than NARROW_TEXT points, reads at 11 CSS px or more.
NARROW_WIDTH = 3.3
NARROW_TEXT = 9.5


def narrow(spec: dict) -> dict:
    """The spec of the same chart drawn for a narrow screen: narrower, with larger text,
    shorter lines of labels and the legend under the plot. It has no title of its own: the
    page shows the chart's title as the heading just above it, and in 3.3 inches a longer
    title (an organisation's name in it, say) would run off the drawing's edges."""
    return {**spec, "layout": "narrow", "title": ""}


def _is_narrow(spec: dict) -> bool:
    return spec.get("layout") == "narrow"


def _text_size(spec: dict, wide: float = 9) -> float:
    return NARROW_TEXT if _is_narrow(spec) else wide


def _wrap(label: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=False)) or label


def _svg(figure: Figure) -> bytes:
    buffer = BytesIO()
    # Margins are fixed per chart kind: automatic layouts (constrained, bbox "tight")
    # measure every label by drawing, which doubles the time a chart takes.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _radar(spec: dict) -> bytes:
    return _svg(radar_figure(spec))


def radar_figure(spec: dict) -> Figure:
    labels = spec["labels"]
    count = len(labels)
    angles = [2 * math.pi * i / count for i in range(count)]
    thin = _is_narrow(spec)
    size = _text_size(spec)
    several = len(spec["series"]) > 1
    if thin:
        # The ring is as wide as the labels beside it leave (their longest word,
        # "reconocimiento", at NARROW_TEXT); above and below it, room for labels of up to
        # four lines, and under those the legend of a chart with several series.
        ring, beside, legend = NARROW_WIDTH * 0.3, 0.9, 0.5 if several else 0
        height = ring + 2 * beside + legend
        figure = Figure(figsize=(NARROW_WIDTH, height))
        figure.subplots_adjust(
            left=0.35, right=0.65, top=1 - beside / height, bottom=(beside + legend) / height
        )
    else:
        figure = Figure(figsize=(6.4, 5.6))
        figure.subplots_adjust(left=0.19, right=0.81, top=0.8, bottom=0.13)
    axes = figure.add_subplot(projection="polar")
    axes.set_theta_offset(math.pi / 2)
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
    axes.set_xticks(angles, [_wrap(label, 11 if thin else 18) for label in labels])
    # Each label starts outside the ring and runs away from it: left of the ring on the
    # left, right of it on the right, above it at the top and below it at the foot.
    axes.tick_params(axis="x", pad=4, labelsize=size)
    for angle, label in zip(angles, axes.get_xticklabels(), strict=True):
        across = math.sin(angle)  # clockwise from the top
        label.set_horizontalalignment(
            "left" if across > 0.1 else "right" if across < -0.1 else "center"
        )
        down = math.cos(angle)
        label.set_verticalalignment("bottom" if down > 0.1 else "top" if down < -0.1 else "center")
    axes.set_ylim(0, 100)
    rings = [50, 100] if thin else [20, 40, 60, 80, 100]
    axes.set_yticks(rings, [str(r) for r in rings], color="#555")
    axes.tick_params(axis="y", labelsize=size - 1 if not thin else size)
    axes.set_title(spec["title"], pad=28 if thin else 24, fontsize=size + 1.5)
    if several and thin:
        figure.legend(loc="lower center", ncol=1, frameon=False, fontsize=size)
    elif several:
        axes.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), frameon=False)
    return figure


def _horizontal_bars(spec: dict) -> bytes:
    thin = _is_narrow(spec)
    size = _text_size(spec)
    labels = [_wrap(label, 16 if thin else 28) for label in spec["labels"]]
    values = spec["values"]
    lines = max(label.count("\n") + 1 for label in labels) if labels else 1
    per_bar = max(0.55, 0.17 * lines + 0.1) if thin else 0.55
    height = per_bar * len(labels) + 1.2
    width = NARROW_WIDTH if thin else 6.5
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=0.45 if thin else 0.33,
        right=0.92 if thin else 0.95,
        top=1 - 0.45 / height,
        bottom=0.6 / height,
    )
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]  # first item on top
    bars = axes.barh(positions, values, color=PALETTE["primary"])
    axes.bar_label(bars, labels=[str(half_up(v)) for v in values], padding=3, fontsize=size)
    axes.set_yticks(positions, labels)
    axes.tick_params(labelsize=size)
    axes.set_xlim(0, max([spec.get("xmax", 100), *values]) * (1.2 if thin else 1.08))
    if thin:
        axes.xaxis.set_major_locator(MaxNLocator(nbins=3))
    axes.set_xlabel(spec["xlabel"], fontsize=size)
    axes.set_title(spec["title"], fontsize=size + 1.5, loc="left" if thin else "center")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _stacked_bars(spec: dict) -> bytes:
    thin = _is_narrow(spec)
    size = _text_size(spec)
    labels = [_wrap(label, 16 if thin else 28) for label in spec["labels"]]
    lines = max(label.count("\n") + 1 for label in labels) if labels else 1
    per_bar = max(0.55, 0.17 * lines + 0.1) if thin else 0.55
    height = per_bar * len(labels) + (2.0 if thin else 1.6)
    figure = Figure(figsize=(NARROW_WIDTH if thin else 6.5, height))
    figure.subplots_adjust(
        left=0.45 if thin else 0.33,
        right=0.95,
        top=1 - 0.45 / height,
        bottom=(1.4 if thin else 1.0) / height,
    )
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
            fontsize=size,
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, labels)
    axes.tick_params(labelsize=size)
    axes.set_xlabel(spec["xlabel"], fontsize=size)
    axes.set_title(spec["title"], fontsize=size + 1.5, loc="left" if thin else "center")
    if spec.get("counts_people") or thin:
        # Counts of people: whole-number ticks. The chart is tall (a bar per question), so
        # the legend goes at the figure's foot rather than a fraction of the axes below it.
        if spec.get("counts_people"):
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.legend(loc="lower center", ncol=len(spec["series"]), frameon=False, fontsize=size)
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
    thin = _is_narrow(spec)
    size = _text_size(spec, wide=8)
    rows, columns, values = spec["rows"], spec["columns"], spec["values"]
    row_labels = [_wrap(r, 14 if thin else 32) for r in rows]
    lines = max((label.count("\n") + 1 for label in row_labels), default=1)
    per_row = max(0.42, 0.17 * lines + 0.08) if thin else 0.42
    top = 2.2 if thin else 1.6
    height = per_row * len(rows) + top + 0.6
    figure = Figure(figsize=(NARROW_WIDTH if thin else 7.5, height))
    figure.subplots_adjust(
        left=0.36 if thin else 0.3, right=0.98, top=1 - top / height, bottom=0.25 / height
    )
    axes = figure.add_subplot()
    grid = [[float("nan") if v is None else v for v in row] for row in values]
    axes.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    for y, row in enumerate(values):
        for x, value in enumerate(row):
            text = "–" if value is None else str(half_up(value))
            # The colour map is darkest at both ends: white text there, dark elsewhere.
            dark_cell = value is not None and (value < 15 or value > 85)
            colour = "white" if dark_cell else "#212529"
            axes.text(x, y, text, ha="center", va="center", fontsize=size, color=colour)
    # On a phone the columns' names stand upright over narrow columns.
    axes.set_xticks(
        range(len(columns)),
        [_wrap(c, 14) for c in columns],
        fontsize=size,
        rotation=90 if thin else 0,
    )
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(rows)), row_labels, fontsize=size)
    axes.set_title(
        spec["title"],
        fontsize=size + 2.5 if thin else 11,
        pad=6 if thin else 34,
        y=1 + (top - 0.35) / (height * (1 - top / height)) if thin else 1,
    )
    axes.tick_params(length=0)
    return _svg(figure)


def _lines(spec: dict) -> bytes:
    """One line per series over ordered points (dates as labels)."""
    thin = _is_narrow(spec)
    size = _text_size(spec, wide=8)
    labels = spec["labels"]
    series_count = len(spec["series"])
    if thin:
        legend_height = 0.22 * series_count + 0.3
        height = 3.2 + legend_height
        figure = Figure(figsize=(NARROW_WIDTH, height))
        figure.subplots_adjust(
            left=0.17, right=0.95, top=1 - 0.45 / height, bottom=(legend_height + 0.75) / height
        )
    else:
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
    axes.set_xticks(positions, labels, rotation=45 if thin else 0, ha="right" if thin else "center")
    axes.tick_params(labelsize=size if thin else 9)
    axes.set_ylim(0, 100)
    axes.set_ylabel(spec["ylabel"], fontsize=size if thin else 9)
    axes.set_title(
        spec["title"], fontsize=size + 1.5 if thin else 11, loc="left" if thin else "center"
    )
    axes.grid(axis="y", color="#dee2e6")
    if thin:
        figure.legend(
            loc="lower left", bbox_to_anchor=(0.02, 0.0), frameon=False, fontsize=size, ncol=1
        )
    else:
        axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


# Where a scatter's plot sits in its drawing, as fractions of it (left, bottom, right, top),
# in both layouts: the page's script finds the point under the pointer from these.
SCATTER_BOX = (0.14, 0.16, 0.96, 0.9)


def _scatter(spec: dict) -> bytes:
    """Each organisation a point: a score across, a measure up."""
    thin = _is_narrow(spec)
    size = _text_size(spec, wide=9)
    figure = Figure(figsize=(NARROW_WIDTH, 3.2) if thin else (6.4, 4.4))
    left, bottom, right, top = SCATTER_BOX
    figure.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    axes = figure.add_subplot()
    points = spec["points"]
    axes.scatter(
        [x for x, _y in points],
        [y for _x, y in points],
        s=14 if thin else 18,
        color=PALETTE["primary"],
        alpha=0.6,
        linewidths=0,
    )
    axes.set_xlim(*spec["xlim"])
    axes.set_ylim(*spec["ylim"])
    axes.set_xlabel(_wrap(spec["xlabel"], 40), fontsize=size)
    axes.set_ylabel(_wrap(spec["ylabel"], 28), fontsize=size)
    axes.tick_params(labelsize=size)
    if spec["title"]:
        axes.set_title(_wrap(spec["title"], 70), fontsize=11)
    axes.grid(color="#dee2e6")
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _timeline(spec: dict) -> bytes:
    """Small multiples: one panel per series, stacked, sharing one time axis, each with
    its own scale (never two scales on one panel)."""
    thin = _is_narrow(spec)
    size = _text_size(spec, wide=8)
    panels = spec["panels"]
    panel_height = 1.35 if thin else 1.25
    title_room = 0.1 if thin else 0.45
    height = panel_height * len(panels) + title_room + 0.55
    figure = Figure(figsize=(NARROW_WIDTH if thin else 8, height))
    figure.subplots_adjust(
        left=0.16 if thin else 0.09,
        right=0.96,
        top=1 - title_room / height,
        bottom=0.55 / height,
        hspace=0.55,
    )
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for axes, panel in zip(axes_list, panels, strict=True):
        xs = [x for x, _y in panel["points"]]
        ys = [y for _x, y in panel["points"]]
        axes.plot(
            xs,
            ys,
            marker="o",
            markersize=4,
            linewidth=2.5 if panel.get("bold") else 1.5,
            color="#212529" if panel.get("bold") else PALETTE["primary"],
        )
        axes.set_ylim(*panel["ylim"])
        axes.yaxis.set_major_locator(MaxNLocator(3))
        axes.set_title(_wrap(panel["title"], 45), fontsize=size, loc="left")
        axes.tick_params(labelsize=size)
        axes.grid(axis="y", color="#dee2e6")
        axes.spines[["top", "right"]].set_visible(False)
    last = axes_list[-1]
    last.set_xlim(spec["start"], spec["end"])
    ticks = spec["ticks"]
    if thin and len(ticks) > 4:
        ticks = ticks[:: math.ceil(len(ticks) / 4)]
    last.set_xticks([x for x, _label in ticks], [label for _x, label in ticks])
    if spec["title"]:
        figure.suptitle(spec["title"], fontsize=11)
    return _svg(figure)


_DRAWERS = {
    "scatter": _scatter,
    "timeline": _timeline,
    "heatmap": _heatmap,
    "lines": _lines,
    "radar": _radar,
    "horizontal_bars": _horizontal_bars,
    "stacked_bars": _stacked_bars,
}
