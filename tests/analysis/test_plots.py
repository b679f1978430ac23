"""The report's figures: zero and unrecorded nights, whole-number count axes, a date axis
of whole nights, explicit earlier/later bins, legends clear of the data, labelled axes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis import plots
from analysis.effects import fit_effects

D = dt.date(2026, 1, 5)  # a Monday


def drawn(plot, *args):
    with plots._style():
        fig = plot(*args)
        fig.draw_without_rendering()
    return fig


def labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def whole(ticks) -> bool:
    return bool(np.all(np.asarray(ticks) == np.round(ticks)))


def above(legend, ax) -> bool:
    """The legend sits above the axes, off the data."""
    return legend.get_window_extent().y0 >= ax.get_window_extent().y1 - 1


@pytest.fixture(scope="module")
def effects_and_table():
    import hypnic
    from analysis.diary import entries_from_simulation
    from analysis.nights import add_sleep_debt

    diary = hypnic.simulate_diary(40, seed=1, antidepressant_prob=1.0)
    table = add_sleep_debt(hypnic.diary_frame(entries_from_simulation(diary)).assign(
        n_jerks=diary["n_jerks"].to_numpy(), hours_recorded=diary["hours_in_bed"].to_numpy()))
    return fit_effects(table), table


def test_nights_show_zero_and_unrecorded_nights_with_whole_counts():
    table = pd.DataFrame({"n_jerks": [3.0, 0.0, np.nan, 2.0, 0.0, 1.0],
                          "hours_asleep": [6.0, 7.0, np.nan, 6.5, np.nan, 7.5]},
                         index=[D + dt.timedelta(k) for k in (0, 1, 2, 4, 5, 6)])
    fig = drawn(plots.nights_bars, table, plots.DESKTOP_IN)
    ax = fig.axes[0]
    bars = [p for c in ax.containers for p in c]
    assert [b.get_height() for b in bars] == [3, 0, 2, 1]  # the recorded nights with sleep
    assert [t.get_position()[0] for t in ax.texts if t.get_text() == "0"] == [1]
    hatched = [p.get_x() + p.get_width() / 2 for p in ax.patches if p.get_hatch()]
    # the diary-only night, the missing calendar night and the recording with no sleep found
    assert hatched == pytest.approx([2, 3, 5])
    assert ax.get_legend().get_texts()[0].get_text() == "not recorded, or no sleep" and above(ax.get_legend(), ax)
    assert whole(ax.get_yticks())
    assert labels(ax.xaxis)[0] == "Mon 5 Jan"


def test_a_single_night_gets_its_own_date_and_whole_ticks():
    fig = drawn(plots.nights_bars, pd.DataFrame({"n_jerks": [5.0]}, index=[D]), plots.PHONE_IN)
    ax = fig.axes[0]
    assert labels(ax.xaxis) == ["5 Jan"]
    assert whole(ax.get_yticks()) and ax.get_legend() is None


def test_onset_histogram_has_earlier_and_later_bins():
    rel = np.array([-3 * 3600, -120, 0, 60, 600, 5 * 3600, 9 * 3600], float)
    fig = drawn(plots.onset_histogram, rel, plots.PHONE_IN)
    ax = fig.axes[0]
    heights = {round(p.get_x()): p.get_height() for c in ax.containers for p in c}
    assert heights[int(plots.ONSET_BINS_MIN[0] - 20)] == 1 and heights[int(plots.ONSET_BINS_MIN[-1] + 15)] == 2
    assert sum(heights.values()) == len(rel)  # nothing piled into the edge bins
    assert labels(ax.xaxis)[0] == "earlier" and labels(ax.xaxis)[-1] == "later"
    assert whole(ax.get_yticks()) and above(ax.get_legend(), ax)


def test_count_bars_have_whole_ticks():
    fig = drawn(plots.count_bars, {"isolated": 2, "in a series": 3}, plots.BLUE, plots.PHONE_IN)
    assert whole(fig.axes[0].get_xticks())
    assert [t.get_text() for t in fig.axes[0].texts] == ["2", "3"]


def data_boxes(ax) -> list:
    """Display boxes of what an axes draws as data: each line, each segment of a line
    collection (intervals, reference lines) and each scatter marker, with its width."""
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.transforms import Bbox

    px = ax.figure.dpi / 72  # pixels per point
    boxes = [line.get_window_extent() for line in ax.lines]
    for c in ax.collections:
        if isinstance(c, LineCollection):
            pad = c.get_linewidth()[0] * px / 2
            for seg in c.get_segments():
                (x0, y0), (x1, y1) = ax.transData.transform(seg)
                boxes.append(Bbox.from_extents(min(x0, x1) - pad, min(y0, y1) - pad,
                                               max(x0, x1) + pad, max(y0, y1) + pad))
        elif isinstance(c, PathCollection):
            r = np.sqrt(c.get_sizes()[0]) * px / 2
            for x, y in ax.transData.transform(c.get_offsets()):
                if np.isfinite(x) and np.isfinite(y):
                    boxes.append(Bbox.from_extents(x - r, y - r, x + r, y + r))
    return boxes


@pytest.mark.parametrize("width", [plots.PHONE_IN, plots.DESKTOP_IN])
def test_forest_keeps_legend_and_names_off_the_data(effects_and_table, width):
    """Each factor's name has its own line: on a phone as on a desktop it crosses neither
    the "1" reference line nor any interval or marker; the legend sits above and names
    the verdicts in plain words."""
    effects, _ = effects_and_table
    fig = drawn(plots.forest, effects, {"antidepressant": 1.8}, width)
    ax = fig.axes[0]
    assert above(ax.get_legend(), ax)
    # (this diary has all three verdicts since the robust standard errors of fit_effects)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["clear link", "not confirmed",
                                                                   "no clear link", "true (simulated)"]
    lo, hi = ax.get_xlim()
    t = effects.table
    assert lo <= t["rr_low"].min() and hi >= t["rr_high"].max()  # every interval shown
    names = ax.texts
    assert [a.get_text() for a in names] == [f"{r.label}, {r.unit}" for r in t.itertuples()]
    assert names[3].get_text() == "tiredness, per point (0-10)"
    boxes = data_boxes(ax)
    assert len(boxes) == 3 * len(t) + 1  # each factor's reference line, interval and estimate; one truth
    for name in names:
        box = name.get_window_extent()
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, name.get_text()
        assert not [b for b in boxes if box.overlaps(b)], name.get_text()


def test_factor_panels_label_axes_and_draw_yes_no_as_off_on(effects_and_table):
    effects, table = effects_and_table
    fig = drawn(plots.factor_panels, table, effects, plots.PHONE_IN)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(effects.table)
    assert all(ax.get_xlabel() for ax in shown)
    binary = shown[list(effects.table["factor"]).index("antidepressant")]
    assert labels(binary.xaxis) == ["off", "on"]
    # a steep line of no clear link was drawn red, the forest plot's colour of a clear link
    from matplotlib.colors import to_hex

    from analysis.effects import VERDICT_WORDS
    for ax, r in zip(shown, effects.table.itertuples(), strict=True):
        assert ax.get_title(loc="left").endswith(f"\n{VERDICT_WORDS[r.verdict]}")
        assert to_hex(ax.lines[0].get_color()) == plots.VERDICT_COLORS[r.verdict]
    assert len(set(effects.table["verdict"])) == 3  # (each colour is drawn)


@pytest.mark.parametrize("width", [plots.PHONE_IN, plots.DESKTOP_IN])
def test_factor_panels_titles_cross_no_other_panel(effects_and_table, width):
    effects, table = effects_and_table
    fig = drawn(plots.factor_panels, table, effects, width)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax._left_title for ax in shown]  # (set with loc="left"; no public getter of the Text)
    boxes = [t.get_window_extent() for t in titles]
    for i, box in enumerate(boxes):
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1
        others = [ax.get_window_extent() for j, ax in enumerate(shown) if j != i]
        assert not [b for b in [*boxes[:i], *boxes[i + 1:], *others] if box.overlaps(b)], titles[i].get_text()


def test_heatmap_colour_bar_has_a_unit_and_the_legend_sits_above():
    onset = pd.Timestamp("2026-01-05T23:00:00Z")
    start = onset + pd.to_timedelta(np.arange(-30, 30), unit="min")
    activity = pd.DataFrame({"night": D, "start": start, "activity": np.linspace(0, 50, 60)})
    events = pd.DataFrame({"night": [D], "start": [onset], "group_id": [1], "rel_onset_s": [0.0]})
    fig = drawn(plots.onset_heatmap, [D], [onset], events, activity, (-60.0, 60.0), plots.PHONE_IN)
    ax, bar = fig.axes
    assert bar.get_xlabel() == "movement above the night's resting level,\nmilli-g (thousandths of gravity)"
    assert above(ax.get_legend(), ax)
    assert labels(ax.yaxis) == ["5 Jan"]


@pytest.mark.parametrize("width", [plots.PHONE_IN, plots.DESKTOP_IN])
def test_heatmap_draws_minutes_off_the_body_apart_from_no_data(width):
    """A sensor put on 20 min before sleep onset: those minutes are "not worn", the
    minutes before the recording began "no data"; the legend stays above the axes."""
    onset = pd.Timestamp("2026-01-05T23:00:00Z")
    start = onset + pd.to_timedelta(np.arange(-50, 30), unit="min")
    worn = np.arange(-50, 30) >= -20
    activity = pd.DataFrame({"night": D, "start": start, "activity": np.where(worn, 20.0, np.nan),
                             "worn": worn})
    events = pd.DataFrame({"night": [D], "start": [onset], "group_id": [1], "rel_onset_s": [0.0]})
    fig = drawn(plots.onset_heatmap, [D], [onset], events, activity, (-60.0, 60.0), width)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][-2:] == ["no data", "not worn"]
    assert above(legend, ax) and legend.get_window_extent().y1 <= fig.bbox.y1 + 1
    off = ax.get_images()[1].get_array()
    cols = np.flatnonzero(~np.ma.getmaskarray(off)[0] & np.isfinite(np.ma.filled(off, np.nan)[0]))
    assert cols.min() == 10 and cols.max() == 39  # minutes -50 .. -21 of the -60 .. 60 grid
    stored_before = activity[worn].drop(columns="worn")  # a night stored before the column
    fig = drawn(plots.onset_heatmap, [D], [onset], events, stored_before, (-60.0, 60.0), width)
    assert len(fig.axes[0].get_images()) == 1 and "not worn" not in str(fig.axes[0].get_legend().get_texts())
