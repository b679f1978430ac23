"""The report's figures, drawn for a given width: a phone's or a desktop's.

Each function takes its data and a width in inches and returns a matplotlib Figure
whose size is exactly that (constrained layout, no cropping). Text is :data:`FONT_PT`
points, so a figure shown at its natural size (96 CSS px per inch) has text of at
least 12 px; the report draws every figure at :data:`PHONE_IN` and at a desktop width
and lets the browser pick (:func:`analysis.report.render_report`). Counts get whole
ticks, nights a date axis of whole nights, legends sit outside the data.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.effects import VERDICT_WORDS, Effects, factor_info
from analysis.nights import counted_nights
from sensing.body import ONSET_HALF_WINDOW_S

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Size of every text in a figure, pt (9.5 pt = 12.7 CSS px at natural size).
FONT_PT = 9.5
#: Width of the phone variant of a figure, in (346 CSS px: a 390 px screen less margins).
PHONE_IN = 3.6
#: Width of the desktop variant of a full-width figure, in (864 CSS px).
DESKTOP_IN = 9.0
#: Width of the desktop variant of a figure shown beside another, in (413 CSS px).
HALF_IN = 4.3

BLUE, LIGHT_BLUE, RED, ORANGE, GREEN, GREY = "#3a6ea5", "#7fa7d1", "#d62728", "#e08a1e", "#6a994e", "#9a9a9a"
NO_DATA = "#dce6f2"
#: An effect's colour by its verdict (:data:`analysis.effects.VERDICT_WORDS`), in every plot
VERDICT_COLORS = {"finding": RED, "unconfirmed": ORANGE, "no clear link": BLUE}
NOT_WORN = "#f1e2c6"

#: Half the height of a forest plot row's band around its interval, rows (the "1" line is
#: drawn there only; the factor's name sits between the bands, 0.5 rows above).
FOREST_BAND = 0.22

#: Bins of the "when jerks happen" histogram, minutes from sleep onset; times outside
#: go to an explicit "earlier" or "later" bin.
ONSET_BINS_MIN = np.arange(-60, 241, 5)


@contextmanager
def _style():
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({
            "font.size": FONT_PT, "axes.titlesize": FONT_PT, "axes.labelsize": FONT_PT,
            "xtick.labelsize": FONT_PT, "ytick.labelsize": FONT_PT, "legend.fontsize": FONT_PT,
            "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
            "svg.hashsalt": "hypnic", "svg.fonttype": "none", "legend.frameon": False}):
        yield


def _figure(width: float, height: float, **kw) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(**kw)


def svg(fig: Figure) -> bytes:
    """The figure as SVG, at its own size (no cropping), without a date (reproducible)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def draw(plot, *args, **kw) -> bytes:
    """SVG of ``plot(*args, **kw)`` in the report's style."""
    with _style():
        return svg(plot(*args, **kw))


def _whole_ticks(axis, width: float) -> None:
    """Whole-number ticks (counts), about one per 0.6 in of a figure ``width`` in wide."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=max(3, int(width / 0.6)), integer=True, min_n_ticks=1))


def night_label(day: dt.date, short: bool = False) -> str:
    """A night's date as a person reads it: ``Mon 5 Jan`` (``5 Jan`` when ``short``)."""
    return f"{day.day} {day:%b}" if short else f"{day:%a} {day.day} {day:%b}"


def _night_axis(ax, days: Sequence[dt.date], width: float) -> None:
    """Whole nights on the x axis (positions 0..n-1), labelled with their dates."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    short = width < 5
    ax.xaxis.set_major_locator(MaxNLocator(nbins=max(2, int(width * (1.1 if short else 0.9))),
                                           integer=True, min_n_ticks=1))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: night_label(days[int(v)], short) if 0 <= v < len(days) and v == int(v) else ""))
    ax.set_xlim(-0.7, len(days) - 0.3)


def nights_bars(table: pd.DataFrame, width: float) -> Figure:
    """Jerks per night, every calendar night from the first recorded one to the last.

    Recorded nights with no jerk show a "0"; nights without a recording, or whose
    recording held no sleep (:func:`analysis.nights.counted_nights`), are grey bands.
    Bar colours alternate by week (Monday to Sunday).
    """
    counts = table["n_jerks"].where(counted_nights(table)).dropna()
    first, last = min(counts.index), max(counts.index)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    n = counts.reindex(days).to_numpy(float)
    fig, ax = _figure(width, 2.5 if width < 5 else 2.6)
    x = np.arange(len(days))
    rec = np.isfinite(n)
    week = (x + first.weekday()) // 7 % 2  # weeks from Monday to Sunday, alternating
    ax.bar(x[rec], n[rec], width=0.8, color=np.where(week[rec] == 0, BLUE, LIGHT_BLUE))
    top = max(float(np.nanmax(n)) if rec.any() else 0.0, 1.0)
    for i in np.flatnonzero(rec & (n == 0)):
        ax.text(i, top * 0.02, "0", ha="center", va="bottom", color=BLUE)
    for i in np.flatnonzero(~rec):
        ax.axvspan(i - 0.45, i + 0.45, color="#ececec", hatch="///", ec="#c8c8c8", lw=0,
                   label="not recorded, or no sleep" if i == np.flatnonzero(~rec)[0] else None)
    ax.set_ylim(0, top * 1.12)
    _whole_ticks(ax.yaxis, 2.5)
    ax.set_ylabel("jerks")
    _night_axis(ax, days, width)
    if (~rec).any():
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), borderaxespad=0.2)
    return fig


def onset_heatmap(nights: Sequence[dt.date], onsets: Sequence[pd.Timestamp], events: pd.DataFrame,
                  activity: pd.DataFrame, window_min: tuple[float, float], width: float) -> Figure:
    """Movement and jerks around sleep onset, one row per night.

    Parameters
    ----------
    nights, onsets : sequence
        The nights (dates) and their sleep onsets (UTC).
    events : DataFrame
        Jerk rows with ``night``, ``start``, ``group_id`` and ``rel_onset_s`` (s).
    activity : DataFrame
        Epochs with ``night``, ``start`` and ``activity`` (ENMO, mg); rows with ``worn``
        False are minutes no sensor was worn (drawn apart from minutes with no data).
    window_min : (float, float)
        Minutes before and after onset shown.
    width : float
        Figure width, in.
    """
    from matplotlib.colors import ListedColormap, PowerNorm
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lo, hi = window_min
    edges = np.arange(lo, hi + 1, 1.0)
    grid = np.full((len(nights), len(edges) - 1), np.nan)
    off = np.zeros(grid.shape, bool)  # not worn: no data but minutes off the body
    for i, (night, onset) in enumerate(zip(nights, onsets, strict=True)):
        a = activity[activity["night"] == night]
        if a.empty:
            continue
        worn = a["worn"].to_numpy(bool) if "worn" in a else np.ones(len(a), bool)
        rel = (a["start"] - onset).dt.total_seconds().to_numpy() / 60
        k = np.digitize(rel, edges) - 1
        ok = (k >= 0) & (k < len(edges) - 1)
        sums = np.bincount(k[ok & worn], a["activity"].to_numpy(float)[ok & worn], len(edges) - 1)
        counts = np.bincount(k[ok & worn], minlength=len(edges) - 1)
        grid[i] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        off[i] = (counts == 0) & (np.bincount(k[ok & ~worn], minlength=len(edges) - 1) > 0)
    # movement above each night's resting level (sensor offsets differ between nights)
    with np.errstate(all="ignore"):
        rest = np.nanpercentile(grid, 10, axis=1) if np.isfinite(grid).any() else np.zeros(len(grid))
    grid = np.clip(grid - np.nan_to_num(rest)[:, None], 0, None)
    short = width < 5
    fig, ax = _figure(width, 1.55 + 0.19 * len(nights))
    ax.set_facecolor(NO_DATA)
    top = float(np.nanpercentile(grid, 95)) if np.isfinite(grid).any() else 1.0
    im = ax.imshow(grid, aspect="auto", cmap="Greys", interpolation="none",
                   norm=PowerNorm(0.5, vmin=0, vmax=max(top, 1e-9)),  # shows small movements
                   extent=(lo, hi, len(nights) - 0.5, -0.5))
    if off.any():
        ax.imshow(np.where(off, 1.0, np.nan), aspect="auto", interpolation="none",
                  cmap=ListedColormap([NOT_WORN]), extent=(lo, hi, len(nights) - 0.5, -0.5))
    row = {n: i for i, n in enumerate(nights)}
    ev = events[events["night"].isin(row)]
    if len(ev):
        first = ev.sort_values("start").groupby(["night", "group_id"]).first().reset_index()
        ax.scatter(first["rel_onset_s"].to_numpy(float) / 60, first["night"].map(row).to_numpy(),
                   marker="|", s=90, color=RED, linewidths=2, zorder=3)
    ax.axvline(0, color=BLUE, lw=1.2, ls="--")
    ax.set_yticks(range(len(nights)), [night_label(n, short) for n in nights])
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("minutes from sleep onset")
    ax.legend(handles=[Line2D([], [], color=RED, marker="|", ls="", markersize=9, mew=2, label="jerk"),
                       Line2D([], [], color=BLUE, ls="--", label="sleep onset"),
                       Patch(color=NO_DATA, label="no data"),
                       *([Patch(color=NOT_WORN, label="not worn")] if off.any() else [])],
              loc="lower left", bbox_to_anchor=(0, 1), ncol=4 if off.any() and not short else 3,
              borderaxespad=0.2,
              handlelength=1.2, columnspacing=1.0)
    bar = fig.colorbar(im, ax=ax, orientation="horizontal", fraction=0.05 if len(nights) > 8 else 0.12,
                       aspect=40)
    vmax = max(top, 1e-9)
    bar.set_ticks([0, float(f"{vmax / 4:.2g}"), float(f"{vmax:.2g}")])  # evenly spaced on the scale
    bar.ax.xaxis.set_major_formatter("{x:g}")
    bar.set_label("movement above the night's resting level," + ("\n" if short else " ")
                  + "milli-g (thousandths of gravity)")
    return fig


def onset_histogram(rel_s: np.ndarray, width: float) -> Figure:
    """Jerk times relative to sleep onset in 5-minute bins, with "earlier" and "later" bins
    for times outside 1 h before to 4 h after onset.

    Parameters
    ----------
    rel_s : ndarray
        Each jerk's time from sleep onset, s (finite).
    width : float
        Figure width, in.
    """
    m = np.asarray(rel_s, float) / 60
    edges = ONSET_BINS_MIN
    inside = (m >= edges[0]) & (m <= edges[-1])
    counts, _ = np.histogram(m[inside], bins=edges)
    early, late = int((m < edges[0]).sum()), int((m > edges[-1]).sum())
    fig, ax = _figure(width, 2.5)
    half = ONSET_HALF_WINDOW_S / 60
    ax.axvspan(-half, half, color="#f2c14e", alpha=0.35, lw=0,
               label=f"within {half:.0f} min of sleep onset")
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=BLUE)
    step = float(np.diff(edges)[0])
    ax.bar([edges[0] - 4 * step, edges[-1] + 3 * step], [early, late], width=step * 1.5,
           align="edge", color=GREY)
    ax.axvline(0, color="k", lw=1, ls="--")
    ticks = [edges[0] - 3.25 * step, *range(0, int(edges[-1]), 60), edges[-1] + 3.75 * step]
    ax.set_xticks(ticks, ["earlier", *map(str, range(0, int(edges[-1]), 60)), "later"])
    ax.set_xlim(edges[0] - 5 * step, edges[-1] + 5 * step)
    ax.set_xlabel("minutes from sleep onset")
    ax.set_ylabel("jerks")
    _whole_ticks(ax.yaxis, 2.0)
    ax.set_ylim(0, max(int(counts.max(initial=0)), early, late, 1) * 1.12)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), borderaxespad=0.2)
    return fig


def count_bars(counts: dict[str, int], color: str, width: float) -> Figure:
    """Horizontal bars of counts, each labelled with its number."""
    fig, ax = _figure(width, 0.75 + 0.36 * len(counts))
    values = list(counts.values())
    ax.barh(list(counts), values, color=color, height=0.6)
    ax.invert_yaxis()
    top = max(max(values, default=0), 1)
    for i, v in enumerate(values):
        ax.text(v + top * 0.02, i, str(v), va="center")
    ax.set_xlim(0, top * 1.15)
    _whole_ticks(ax.xaxis, width)
    ax.set_xlabel("jerks")
    return fig


def factor_panels(table: pd.DataFrame, effects: Effects, width: float) -> Figure:
    """Jerk rate against each tested factor (dots: nights) with the fitted effect (line,
    the other factors at their average, coloured by its verdict as in :func:`forest`, the
    verdict also in the panel's title: a steep line may be no clear link). Yes/no factors
    are drawn as off and on.

    Parameters
    ----------
    table : DataFrame
        The nights table (``n_jerks``, ``hours_recorded`` and the factor columns).
    effects : Effects
        The fitted effects (:func:`analysis.effects.fit_effects`).
    width : float
        Figure width, in; one column of panels below 5 in, else two or three.
    """
    t = effects.table
    k = len(t)
    ncol = 1 if width < 5 else (3 if k > 4 else 2)
    nrow = int(np.ceil(k / ncol))
    fig, axes = _figure(width, 2.35 * nrow, nrows=nrow, ncols=ncol, squeeze=False)
    data = table[counted_nights(table)]
    rate = (data["n_jerks"] / data["hours_recorded"]).to_numpy(float)
    for ax, r in zip(axes.ravel(), t.itertuples(), strict=False):
        info = factor_info(r.factor)
        x = data[r.factor].to_numpy(float)
        ok = np.isfinite(x)
        # log rate at the other factors' averages, and the factor's slope
        at_mean = effects.coef["const"] + sum(effects.coef[f] * m for f, m in effects.means.items()
                                              if f != r.factor)
        slope = effects.coef[r.factor]
        line = VERDICT_COLORS[r.verdict]
        if info.binary:
            jitter = 0.12 * ((np.arange(ok.sum()) % 5) - 2) / 2
            ax.scatter(x[ok] + jitter, rate[ok], s=14, color=GREY, alpha=0.8)
            ax.plot([0, 1], np.exp(at_mean + slope * np.array([0.0, 1.0])), color=line, lw=2, marker="o")
            ax.set_xticks([0, 1], ["off", "on"])
            ax.set_xlim(-0.5, 1.5)
        else:
            span = float(np.ptp(x[ok])) if ok.any() else 1.0
            jitter = 0.03 * span * ((np.arange(ok.sum()) % 5) - 2) / 2
            ax.scatter(x[ok] + jitter, rate[ok], s=14, color=GREY, alpha=0.8)
            xs = np.linspace(np.nanmin(x), np.nanmax(x), 50) if ok.any() else np.zeros(0)
            ax.plot(xs, np.exp(at_mean + slope * xs), color=line, lw=2)
        ax.set_xlabel(info.axis)
        ax.set_title(f"{info.label}\nrate ratio {r.rr:.2f} {info.unit}\n{VERDICT_WORDS[r.verdict]}", loc="left")
        # the nights set the scale: a loose fit's line may leave it, not squash the dots
        top = float(np.nanmax(rate[ok])) if ok.any() else 0.0
        ax.set_ylim(0, 1.3 * top if top > 0 else None)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("jerks per hour")
    return fig


def forest(effects: Effects, true_rr: dict[str, float], width: float) -> Figure:
    """Rate ratio of each factor with its 95 % interval on a log axis; each factor's name
    has a line of its own above its interval, so that the data keep the full width and
    no name crosses the data: the "1" (no effect) reference line is drawn only beside the
    intervals (:data:`FOREST_BAND` of a row), not through the lines of the names.
    Colour: the effect's verdict (clear link red, not confirmed orange, no clear link
    blue; :data:`analysis.effects.VERDICT_WORDS`)."""
    from matplotlib.lines import Line2D

    t = effects.table
    fig, ax = _figure(width, 1.15 + 0.55 * len(t))
    y = np.arange(len(t))
    colors = t["verdict"].map(VERDICT_COLORS).tolist()
    lo = min(0.5, float(t["rr_low"].min()) / 1.15)
    hi = max(2.0, float(t["rr_high"].max()) * 1.15)
    lo, hi = max(lo, 0.05), min(hi, 20.0)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.vlines(np.ones(len(t)), y - FOREST_BAND, y + FOREST_BAND, color=GREY, lw=1)
    ax.hlines(y, t["rr_low"].clip(lo, hi), t["rr_high"].clip(lo, hi), colors=colors, lw=2.5)
    ax.scatter(t["rr"].clip(lo, hi), y, color=colors, zorder=3, s=28)
    handles = [Line2D([], [], color=c, marker="o", lw=2.5, label=VERDICT_WORDS[v])
               for v, c in VERDICT_COLORS.items() if v in set(t["verdict"])]
    if true_rr:
        truth = [true_rr.get(f, np.nan) for f in t["factor"]]
        ax.scatter(truth, y, marker="x", color="k", s=45, zorder=4)
        handles.append(Line2D([], [], color="k", marker="x", ls="", label="true (simulated)"))
    for i, r in enumerate(t.itertuples()):
        ax.text(0, i - 0.5, f"{r.label}, {r.unit}", transform=ax.get_yaxis_transform(),
                va="center", ha="left")
    ticks = [v for v in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if lo <= v <= hi]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_ylim(len(t) - 0.6, -0.8)
    ax.set_xlabel("rate ratio (1 = no effect, above 1 = more jerks)")
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1), ncol=2 if width < 5 else 4,
              borderaxespad=0.2, handlelength=1.6, columnspacing=1.0)
    return fig
