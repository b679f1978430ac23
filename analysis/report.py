"""The report: one self-contained static HTML page that reads well on a phone and a desktop.

Sections: plain-language summary, when to see a doctor (only when
:func:`analysis.advice.doctor_reasons` finds a reason), week by week (jerks per night
and a table), nights around sleep onset (movement and jerks), when jerks happen
relative to onset, isolated vs series and body distribution, what goes with more jerks
(forest plot of rate ratios, rate against each factor, table), the nights, and how to
read the report.

Layout: every figure (:mod:`analysis.plots`) is an SVG drawn twice, for a phone
(:data:`analysis.plots.PHONE_IN`) and a desktop, in a ``<picture>`` that picks one by
the screen width and scales it to the width; tables become one card per row on a
phone. Counts come from the stored nightly summaries (:mod:`analysis.nights`). Times
are shown in the sleeper's local time, each night in its own zone (``tz`` of the
nights table) unless :attr:`ReportConfig.tz` names one, and the zone is named. No
script and no request: the page works offline. Every piece of user text (diary notes,
medication names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import plots
from analysis.advice import NOTED_REASONS, SLEEP_REASONS, Reason
from analysis.effects import VERDICT_WORDS, Effects, describe, excluded_text, likely_range, plural
from analysis.nights import (
    AWAKE_OUTSIDE,
    DAYTIME_MIN_H,
    counted_nights,
    jerk_groups,
    night_zones,
    no_sleep_found,
    plm_sentence,
    sleep_counts_shown,
)
from detection.scoring import MEASURED, Measured, weak_placements, weak_placements_text
from sensing.body import DISTRIBUTIONS, ONSET_HALF_WINDOW_S
from sensing.private import write_private
from sensing.timezones import clock, local_zone, zone, zone_name

log = logging.getLogger(__name__)

#: Widest screen, CSS px, that gets the phone layout (figures drawn for a phone, tables
#: as cards).
PHONE_MAX_PX = 700
_NUMBER = re.compile(r"^-?[\d.]*$")  # right-aligned cells (empty ones too)
#: How to read the numbers of an effect, for a sleeper (the summary and the effects section).
READING = ("Likely range: the rate ratios your nights fit with 95% confidence (1 = no effect). "
           "p: how often chance alone would give a link at least this strong if there were none; "
           "p adjusted: the same, adjusted for testing several factors at once. A link is clear "
           "when its adjusted p is below 0.05 and there are enough nights.")


@dataclass(frozen=True)
class ReportConfig:
    """Presentation parameters of the report.

    Attributes
    ----------
    title : str
        Page title.
    timeline_nights : int
        Most recent nights shown in the onset timeline.
    window_min : tuple of float
        Minutes around sleep onset shown in the timeline (before, after).
    true_rr : dict of str to float
        Known rate ratios to mark on the forest plot (simulated data only).
    tz : str or None
        Time zone to show every time in (IANA name); None: each night in its own zone
        (the ``tz`` column of the nights table, else the machine's).
    since, until : date or None
        The first and last night reported (:func:`build_report`; a month before a
        doctor's visit, the nights since a new medication); None: from the first, to the
        last. A night's sleep debt still counts the nights before ``since``, and what the
        sleeper noted on any night (a loss of consciousness, jerks by day) still stands.
    """

    title: str = "hypnic report"
    timeline_nights: int = 28
    window_min: tuple[float, float] = (-60.0, 60.0)
    true_rr: dict[str, float] = field(default_factory=dict)
    tz: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _figure(plot: Callable, *args, alt: str, caption: str = "", desktop_in: float = plots.DESKTOP_IN) -> str:
    """A figure drawn for a phone and for a desktop; the browser shows the one that fits."""

    def uri(width: float) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(plots.draw(plot, *args, width)).decode("ascii")

    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (f'<figure><picture><source media="(max-width: {PHONE_MAX_PX}px)" '
            f'srcset="{uri(plots.PHONE_IN)}"><img src="{uri(desktop_in)}" '
            f'alt="{html.escape(alt)}"></picture>{cap}</figure>')


def _text(value) -> str:
    """A cell's text: empty for a missing value (None, NaN, NaT), never "nan" or "None"."""
    return "" if pd.api.types.is_scalar(value) and pd.isna(value) else str(value)


def _table_html(df: pd.DataFrame, row_label: str) -> str:
    """A table of text cells (the index names the rows; missing values blank); one card
    per row on a phone."""
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in [row_label, *df.columns])
    body = []
    for idx, row in df.iterrows():
        cells = "".join(f'<td data-label="{esc(str(c))}"{"" if _NUMBER.match(_text(v)) else " class=t"}>'
                        f"{esc(_text(v))}</td>" for c, v in row.items())
        body.append(f'<tr><th scope="row">{esc(str(idx))}</th>{cells}</tr>')
    return (f'<div class="wide"><table class="cards"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _fmt(values: pd.Series, spec: str) -> pd.Series:
    """Numbers as text with ``spec``; missing values as empty text."""
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec))


def _weekly(rec: pd.DataFrame) -> pd.DataFrame:
    """Counted nights (``rec``, indexed by night) week by week, Monday to Sunday: the
    nights, their jerks, jerks per night and per hour asleep (the week's jerks over its
    hours asleep, 1/h: a short night's rate weighs as its hours do, not as a whole night)."""
    week = [n - dt.timedelta(days=n.weekday()) for n in rec.index]
    g = rec.assign(week=week).groupby("week")
    jerks = g["n_jerks"].sum()
    out = pd.DataFrame({"nights": _fmt(g["n_jerks"].size(), "d"),
                        "jerks": _fmt(jerks, ".0f"),
                        "per night": _fmt(g["n_jerks"].mean(), ".1f"),
                        "per hour asleep": _fmt(jerks / g["hours_asleep"].sum(), ".2f")})
    if "bothersome" in rec and rec["bothersome"].notna().any():
        out["bothersome (0-10)"] = _fmt(g["bothersome"].mean(), ".1f")
    out.index = [plots.night_label(w) for w in out.index]
    return out


#: The nights table's column of periodic leg movements per hour asleep (its note says so).
PLM_COLUMN = "PLM/h"


def _nights_html(table: pd.DataFrame, zones: dict[dt.date, dt.tzinfo]) -> str:
    recorded = table["n_jerks"].notna()
    cols = {
        "fell asleep": pd.Series([clock(table.at[n, "onset"], zones[n]) for n in table.index],
                                 index=table.index),
        "jerks": _fmt(table["n_jerks"], ".0f").where(recorded, "not recorded").where(
            ~no_sleep_found(table), "no sleep found"),
        "hours asleep": _fmt(table["hours_asleep"], ".1f"),
        "per hour asleep": _fmt(table["rate_per_h_sleep"], ".2f"),
        "near onset": _fmt(sleep_counts_shown(table)["n_onset_30min"], ".0f"),
        "minutes to fall asleep": _fmt(table["sleep_onset_latency_min"], ".0f"),
    }
    if "plm_per_h_sleep" in table and table["plm_per_h_sleep"].notna().any():  # a leg sensor worn
        cols[PLM_COLUMN] = _fmt(table["plm_per_h_sleep"], ".0f")
    # the zones of recorded nights (a night only in the diary has no times, and no zone)
    if len({zone_name(zones[n]) for n in table.index[recorded]}) > 1:
        cols["time zone"] = pd.Series([zone_name(zones[n]) if recorded[n] else "" for n in table.index],
                                      index=table.index)
    diary = {"hours_slept": ("hours slept (diary)", ".1f"), "stress": ("stress", ".0f"),
             "caffeine_drinks": ("caffeine", ".0f"), "bothersome": ("bothersome", ".0f"),
             "medications": ("medications", ""), "notes": ("notes", "")}
    for c, (name, spec) in diary.items():
        if c in table and table[c].map(lambda v: pd.notna(v) and v != "").any():
            cols[name] = _fmt(table[c], spec) if spec else table[c].fillna("").astype(str)
    nt = pd.DataFrame(cols, index=table.index)
    nt.index = [f"{plots.night_label(n)} {n.year}" for n in nt.index]
    return _table_html(nt, "night")


CSS = """
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f6f7f9;-webkit-text-size-adjust:100%}
main{max-width:960px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.6em;line-height:1.2;margin:.4em 0}h2{font-size:1.25em;margin:.3em 0}
figure{margin:12px 0}figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption,.note{color:#555;font-size:.875em}
.pair{display:flex;flex-wrap:wrap;gap:8px 16px}.pair figure{flex:1 1 300px;min-width:0}
table{border-collapse:collapse;font-size:.875em;width:100%}
.wide{overflow-x:auto}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:right;vertical-align:top;
overflow-wrap:break-word}
thead th{vertical-align:bottom}th:first-child,td.t{text-align:left}tbody th{white-space:nowrap}
.doctor{border-left:6px solid #d62728}
""" + f"@media (max-width:{PHONE_MAX_PX}px){{" + """
main{padding:8px}section{padding:10px 12px;margin:8px 0}h1{font-size:1.4em}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards th,table.cards td{display:block}
table.cards tr{display:grid;grid-template-columns:1fr 1fr;gap:0 12px;padding:6px 0;
border-bottom:1px solid #d5d5d5}
table.cards th,table.cards td{border:0;padding:1px 0;text-align:left}
table.cards th{grid-column:1/-1}
table.cards td::before{content:attr(data-label) ": ";color:#666}
table.cards td:empty{display:none}
}
"""


def _marks_section(table: pd.DataFrame) -> str:
    """Your own marks and morning self-report against the detections, night by night."""
    from analysis.agreement import agreement

    agree = agreement(table)
    cols = {"n_marks": "marks", "n_jerks": "detected", "n_marks_detected": "marks with a jerk",
            "n_marks_missed": "marks, no jerk", "n_jerks_unmarked": "jerks, no mark",
            "felt_jerks": "felt (diary)", "woke_by_jerk": "woke by one"}
    have = [c for c in cols if c in table.columns]
    shown = table[have]
    keep = shown.get("n_marks", pd.Series(0, index=shown.index)).fillna(0) > 0
    if "felt_jerks" in shown:
        keep |= shown["felt_jerks"].fillna("") != ""
    rows = shown[keep].rename(columns=cols)
    text = pd.DataFrame({c: _fmt(rows[c], ".0f") if rows[c].dtype.kind in "fiu" else rows[c].fillna("")
                         for c in rows.columns}, index=rows.index)
    if "woke by one" in rows:
        text["woke by one"] = rows["woke by one"].map({1.0: "yes", 0.0: "no"}).fillna("")
    text.index = [f"{plots.night_label(n)} {n.year}" for n in text.index]  # as the nights table
    body = _table_html(text, "night") if len(rows) else ""
    return ('<section id="marks"><h2>Your own marks</h2>'
            f"<p>{html.escape(agree.message)}</p>{body}"
            '<p class="note">Marks: two firm taps on the sensor, Enter in hypnic record, or '
            "hypnic mark. A mark and a detected jerk within 15 s of each other agree.</p>"
            "</section>")


def render_report(table: pd.DataFrame, events: pd.DataFrame, activity: pd.DataFrame,
                  effects: Effects, reasons: list[Reason], config: ReportConfig | None = None,
                  left_out: int = 0) -> str:
    """The report as one HTML string.

    Parameters
    ----------
    table : DataFrame
        Nights joined with the diary (:func:`analysis.nights.nights_table`).
    events : DataFrame
        Stored jerk rows (:func:`analysis.nights.load_events`).
    activity : DataFrame
        Stored activity epochs (:func:`analysis.nights.load_activity`).
    effects : Effects
        Fitted factor effects (:func:`analysis.effects.fit_effects`).
    reasons : list of Reason
        Reasons to see a doctor (:func:`analysis.advice.doctor_reasons`).
    config : ReportConfig, optional
    left_out : int
        Nights of the database outside ``config.since`` .. ``config.until`` (said).
    """
    cfg = config or ReportConfig()
    esc = html.escape
    rec = table[counted_nights(table)]
    sleepless = int(no_sleep_found(table).sum())
    zones = night_zones(table, cfg.tz)
    names = sorted({zone_name(zones[n]) for n in (rec.index if len(rec) else table.index)})
    here = zone(cfg.tz) if cfg.tz else (zones[rec.index[-1]] if len(rec) else local_zone())
    now = dt.datetime.now(here)
    if len(names) > 1:
        where = f"Times are each night's local time ({', '.join(names)})."
    else:
        where = f"Times are shown in {names[0] if names else zone_name(here)} time."
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8>"
             f'<meta name="viewport" content="width=device-width,initial-scale=1">'
             f"<title>{esc(cfg.title)}</title><style>{CSS}</style></head><body><main>"
             f"<h1>{esc(cfg.title)}</h1>"
             f'<p class="note">Made by hypnic on {plots.night_label(now.date())} {now.year} at '
             f"{now:%H:%M}. {esc(where)}{esc(_range_note(cfg, left_out))} hypnic is not a "
             "medical device and does not diagnose.</p>"]

    # summary
    n_nights = len(rec)
    n_jerks = int(rec["n_jerks"].sum()) if n_nights else 0
    summary: list[str] = []  # the count and when
    caveats: list[str] = []  # what the count leaves out or misses
    if n_nights:
        per = rec["n_jerks"]
        first, last = rec.index.min(), rec.index.max()
        span = (f"on {plots.night_label(first)} {first.year}" if n_nights == 1 else
                f"from {plots.night_label(first)} to {plots.night_label(last)} {last.year}")
        summary.append(f"Over {plural(n_nights, 'recorded night')}, {span}, hypnic counted "
                       f"{plural(n_jerks, 'jerk')}"
                       + (f": {per.mean():.1f} per night on average (from {per.min():.0f} to "
                          f"{per.max():.0f})." if n_nights > 1 else "."))
        if n_jerks:
            near = int(rec["n_onset_30min"].sum())
            summary.append(f"{100 * near / n_jerks:.0f}% of them came within "
                           f"{ONSET_HALF_WINDOW_S / 60:.0f} minutes of falling asleep, the "
                           "typical time for sleep starts.")
        day_h = rec["hours_day"].fillna(0) if "hours_day" in rec else pd.Series(0.0, rec.index)
        with_day = day_h >= DAYTIME_MIN_H
        if with_day.any():
            bursts = int(rec.loc[with_day, "n_day_bursts"].fillna(0).sum())
            caveats.append(
                f"{plural(int(with_day.sum()), 'recording')} also held time awake outside "
                f"sleep ({day_h[with_day].sum():.1f} h in all: {AWAKE_OUTSIDE}): only sleep "
                f"starts are counted, so {plural(bursts, 'jerk-shaped burst')} while awake "
                "(everyday movement) stayed out of these counts.")
        legs = rec["plm_per_h_sleep"].notna() if "plm_per_h_sleep" in rec else pd.Series(False, rec.index)
        if legs.any():  # a leg sensor worn
            caveats.append(plm_sentence(rec.loc[legs, "n_plm"].sum(),
                                        rec.loc[legs, "n_plm"].sum() / rec.loc[legs, "hours_asleep"].sum(),
                                        int(legs.sum())))
        still = rec["hours_still"].fillna(0) > 0 if "hours_still" in rec else pd.Series(False, rec.index)
        if still.any():
            one = int(still.sum()) == 1
            caveats.append(
                f"On {plural(int(still.sum()), 'night')} a sensor was in idle sleep mode (it "
                "writes nothing while it lies still and looks for movement once a second): a "
                "jerk out of stillness is over before it writes again, so "
                f"{'its count misses' if one else 'the counts of those nights miss'} most sleep "
                "starts. Turn idle sleep mode off to record jerks.")
        off = rec["hours_off"].fillna(0) if "hours_off" in rec else pd.Series(0.0, rec.index)
        if (off > 0).any():
            caveats.append(
                f"On {plural(int((off > 0).sum()), 'night')} no sensor was worn for part of the "
                f"recording ({off.sum():.1f} h in all, lying motionless off the body): that "
                "time is left out of sleep and of the hours recorded.")
        placed = activity[activity["night"].isin(rec.index)].groupby("night")["location"].unique()
        weak = {n: w for n, w in ((n, weak_placements(list(locs))) for n, locs in placed.items()) if w}
        if weak:
            caveats.append(
                f"On {plural(len(weak), 'night')} every sensor was on "
                f"{weak_placements_text(sorted({p for w in weak.values() for p in w}))}: the "
                "counts of those nights are a lower bound (a wrist or an ankle shows far more).")
    if sleepless:
        caveats.append(f"{plural(sleepless, 'recording')} held no sleep period (awake "
                       "throughout, or too short): listed with the nights, but no night's count "
                       "('hypnic nights --delete NIGHT' removes one filed by mistake).")
    items = "".join(f"<li>{esc(s)}</li>" for s in describe(effects)) if not effects.table.empty else ""
    paragraphs = (summary, caveats, [effects.message])  # the message: also when no nights yet
    parts.append('<section id="summary"><h2>Summary</h2>'
                 + "".join(f"<p>{esc(' '.join(p))}</p>" for p in paragraphs if p)
                 + f"{'<ul>' + items + '</ul><p>' + esc(READING) + '</p>' if items else ''}"
                 "<p>Sleep starts (hypnic jerks) are very common: most people have them at least "
                 "sometimes, and they are usually harmless.</p></section>")
    if reasons:
        lis = "".join(f"<li>{esc(r.text)}</li>" for r in reasons)
        about_jerks = {r.key for r in reasons} - SLEEP_REASONS
        parts.append(
            '<section id="doctor" class="doctor"><h2>When to see a doctor</h2>'
            f"<p>Something in these nights is worth talking over with a doctor:</p><ul>{lis}</ul>"
            "<p>Jerks when falling asleep are common and usually harmless. "
            + ("Jerks that are very frequent or bothersome, that also happen in the daytime, or "
               "that come with a loss of consciousness can have other causes, such as epilepsy, "
               "another sleep disorder or a side effect of a medication. " if about_jerks else
               "Long times to fall asleep and broken sleep are worth a check when you notice "
               "them yourself. ")
            + "hypnic does not diagnose anything: take this report to your doctor.</p></section>")

    if n_nights:
        parts.append(
            '<section id="overview"><h2>Week by week</h2>'
            + _figure(plots.nights_bars, table, alt="jerks per night",
                      caption="Jerks per night; the shade changes with each week (Monday to "
                              "Sunday). A night with no jerk shows 0; hatched grey: a night "
                              "without a recording.")
            + _table_html(_weekly(rec), "week from") + "</section>")
        all_onset = [n for n in rec.index if pd.notna(rec.at[n, "onset"])]
        with_onset = all_onset[-cfg.timeline_nights:]
        rows = ("One row per night" if len(with_onset) == len(all_onset) else
                f"One row per night, the last {len(with_onset)} of the {len(all_onset)} with sleep")
        if with_onset:
            parts.append(
                '<section id="timeline"><h2>Nights around sleep onset</h2>'
                + _figure(plots.onset_heatmap, with_onset, [rec.at[n, "onset"] for n in with_onset],
                          events, activity, cfg.window_min,
                          alt="movement and jerks around sleep onset, one row per night",
                          caption=f"{rows}: movement (darker = more) and jerks (red) "
                                  f"from {-cfg.window_min[0]:.0f} minutes before to "
                                  f"{cfg.window_min[1]:.0f} minutes after falling asleep.")
                + "</section>")
    groups = (events.groupby("night", group_keys=False).apply(jerk_groups, include_groups=False)
              if len(events) else jerk_groups(events))
    rel = groups["rel_onset_s"].to_numpy(float) if len(groups) else np.zeros(0)
    rel = rel[np.isfinite(rel)]  # NaN: no sleep onset was found that night
    if n_jerks:
        hist = (_figure(plots.onset_histogram, rel, alt="histogram of jerk times relative to sleep onset",
                        caption="Jerks in 5-minute steps from sleep onset (dashed line). "
                                "'earlier': more than an hour before; 'later': more than 4 "
                                "hours after.")
                if rel.size else
                '<p class="note">No sleep onset was found, so jerk times relative to it are unknown.</p>')
        parts.append(f'<section id="timing"><h2>When jerks happen</h2>{hist}</section>')
        n_series = int(rec["n_series"].sum())
        iso = {"isolated": int(rec["n_isolated"].sum()), "in a series": int(rec["n_in_series"].sum())}
        dist = {d: int(rec[f"n_{d}"].sum()) for d in DISTRIBUTIONS}
        parts.append(
            '<section id="series"><h2>Isolated jerks, series, and where in the body</h2><div class="pair">'
            + _figure(plots.count_bars, iso, plots.BLUE, alt="isolated jerks and jerks in a series",
                      caption=f"Isolated jerks and jerks in a series ({n_series} series).",
                      desktop_in=plots.HALF_IN)
            + _figure(plots.count_bars, dist, plots.GREEN, alt="jerks by body distribution",
                      caption="Jerks by body distribution.", desktop_in=plots.HALF_IN)
            + '</div><p class="note">Focal: one body part; segmental: two neighbouring parts; '
            "multifocal: separate parts at slightly different times; generalized: the whole "
            "body at once. What can be seen depends on where sensors are worn.</p></section>")

    parts.append(_marks_section(table))

    eff = f'<section id="effects"><h2>What goes with more jerks</h2><p>{esc(effects.message)}</p>'
    if not effects.table.empty:
        true_note = " Black crosses mark the true simulated effects." if cfg.true_rr else ""
        eff += _figure(plots.forest, effects, cfg.true_rr, alt="rate ratio of each factor",
                       caption="Rate ratio: how many times the jerk rate changes per unit of the "
                               "factor, the other factors held fixed; the bar is its likely range. "
                               "Red: a clear link, holding up after adjusting for testing several "
                               "factors at once; orange: the likely range leaves out 1 (no "
                               f"effect) but that is not confirmed; blue: no clear link.{true_note}")
        eff += _figure(plots.factor_panels, table, effects, alt="jerk rate against each factor",
                       caption="Dots: nights; line: the fitted effect with the other factors at "
                               "their average, coloured as above (a steep line can still be no "
                               "clear link).")
        t = effects.table
        et = pd.DataFrame({
            "unit": t["unit"].to_numpy(),
            "rate ratio": _fmt(t["rr"], ".2f").to_numpy(),
            "likely range": [likely_range(a, b) for a, b in zip(t["rr_low"], t["rr_high"], strict=True)],
            "p": _fmt(t["p"], ".3f").to_numpy(),
            "p adjusted": _fmt(t["p_holm"], ".3f").to_numpy(),
            "verdict": t["verdict"].map(VERDICT_WORDS).to_numpy()}, index=t["label"].to_numpy())
        eff += _table_html(et, "factor")
        model = effects.model.replace("poisson", "Poisson")
        eff += (f'<p class="note">{esc(READING)} For the statistically minded: a {model} regression of '
                "each night's jerk count on all the factors together and on the night's length (the "
                + ("hours recorded, whose effect is fitted: jerks come with falling asleep, not with "
                   "each hour in bed" if effects.hours_fitted else
                   "hours recorded, the count taken to grow in proportion to them")
                + "); 95% confidence intervals; p-values adjusted by Holm's method.</p>")
    if effects.excluded:
        eff += f"<p class='note'>Not tested: {esc(excluded_text(effects.excluded))}.</p>"
    parts.append(eff + "</section>")

    if len(table):
        parts.append(f'<section id="nights"><h2>Nights</h2>{_nights_html(table, zones)}'
                     f'<p class="note">Near onset: jerks within {ONSET_HALF_WINDOW_S / 60:.0f} '
                     "minutes of falling asleep. Stress and bothersome: 0-10 from the diary."
                     + (f" {PLM_COLUMN}: periodic leg movements per hour asleep (with a leg sensor)."
                        if "plm_per_h_sleep" in table and table["plm_per_h_sleep"].notna().any() else "")
                     + "</p>"
                     "</section>")
    parts.append(
        '<section id="about"><h2>About this report</h2><p class="note">Jerks are detected from '
        "accelerometers on the wrist and/or ankle; a jerk seen by several sensors counts once. "
        f"{esc(how_sure())} "
        "Effects are associations in your own nights, not proof of cause. hypnic is not a "
        "medical device and does not diagnose; if you are worried, see a doctor.</p></section>"
        "</main></body></html>")
    return "".join(parts)


def how_sure(m: Measured = MEASURED) -> str:
    """What detection's measured accuracy means for a reader, naming the data it holds on:
    the figures over all those nights and on the hardest kind of night among them."""
    def false(per_night: float) -> str:
        if not per_night:
            return "no false one"
        if per_night >= 1:
            return f"about {per_night:.1f} false ones a night"
        if 1 / per_night < 1.5:  # under one a night, but more than one in two
            return f"about {round(10 * per_night)} false ones in 10 nights"
        return f"a false one about once in {1 / per_night:.0f} nights"

    def named(figure: str, data: str) -> str:
        return f"{figure} ({data})" if data else figure

    return (f"Detection is imperfect. The time of falling asleep is estimated from movement: on "
            f"{m.onset_nights} {m.onset_data} it was a median {m.onset_error_min:.0f} minutes off, "
            "and lying still while awake looks like sleep to the sensor. On "
            f"{m.jerk_nights} {m.jerk_data}, hypnic counted {100 * m.recall:.0f}% of the jerks "
            f"at falling asleep, and {false(m.false_per_night)}; on the hardest "
            f"kind{'s' if m.worst_recall_data or m.worst_false_data else ''} of night among them, "
            f"{named(f'{100 * m.worst_recall:.0f}%', m.worst_recall_data)} and "
            f"{named(false(m.worst_false_per_night), m.worst_false_data)}. With "
            f"such jerks put into the {m.onset_nights} real nights where the sleep recording "
            f"showed the sleeper falling asleep, it counted {100 * m.put_in_onset_recall:.0f}% "
            f"of those at the first falling asleep of the night and {100 * m.put_in_return_recall:.0f}% of "
            "those when falling asleep again after waking in the night; the sensor often misses "
            "such a waking. No real "
            "recording with its jerks marked by an expert was available to check this on.")


def write_report(out_dir: str | Path, html_text: str) -> Path:
    """Write ``index.html`` into ``out_dir`` (created 0700 if missing), owner-only (0600:
    it names medications); returns its path."""
    path = write_private(Path(out_dir) / "index.html", html_text)
    log.info("report written to %s", path)
    return path


def _span(since: str, until: str) -> str:
    """'from since to until', 'from since on' or 'up to until' (an empty text: no bound)."""
    return (f"from {since} to {until}" if since and until else f"from {since} on" if since
            else f"up to {until}")


def _range_note(cfg: ReportConfig, left_out: int) -> str:
    """The sentence saying which nights a report of ``since`` .. ``until`` holds."""
    since, until = (f"{plots.night_label(d)} {d.year}" if d else "" for d in (cfg.since, cfg.until))
    if not since and not until:
        return ""
    return (f" Only the nights {_span(since, until)}"
            + (f" ({plural(left_out, 'other night')} left out)." if left_out else "."))


def select_nights(table: pd.DataFrame, since: dt.date | None, until: dt.date | None
                  ) -> tuple[pd.DataFrame, int]:
    """The rows of a nights table from ``since`` to ``until`` (dates, inclusive; None: no
    bound), and how many were left out.

    Raises
    ------
    HypnicError
        If ``since`` is after ``until``, or the table has nights but none in the range
        (saying which nights it holds).
    """
    from sensing.errors import HypnicError

    if since and until and since > until:
        raise HypnicError(f"the first night asked for, {since}, is after the last, {until}")
    keep = pd.Series(True, table.index)
    if since:
        keep &= table.index >= since
    if until:
        keep &= table.index <= until
    if len(table) and not keep.any():
        raise HypnicError(f"no recorded night or diary entry {_span(str(since or ''), str(until or ''))}: "
                          "the database holds "
                          f"{table.index.min()} to {table.index.max()}")
    return table[keep], int((~keep).sum())


def build_report(con, out_dir: str | Path, config: ReportConfig | None = None,
                 effects_config=None, advice_config=None) -> tuple[Path, Effects, list[Reason]]:
    """Load nights, diary, events and activity from the database and write the report.

    Parameters
    ----------
    con : sqlite3.Connection
        The hypnic database (:func:`analysis.diary.connect`).
    out_dir : path
        Folder of the report (created).
    config : ReportConfig, optional
    effects_config : EffectsConfig, optional
    advice_config : AdviceConfig, optional

    Returns
    -------
    path : Path
        The written ``index.html``.
    effects : Effects
    reasons : list of Reason

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import hypnic
    >>> with tempfile.TemporaryDirectory() as tmp, hypnic.connect(pathlib.Path(tmp) / "db.sqlite") as con:
    ...     path, effects, reasons = build_report(con, pathlib.Path(tmp) / "report")
    ...     html = path.read_text()
    >>> "No recorded nights yet" in html, effects.enough, reasons
    (True, False, [])
    """
    from analysis.advice import doctor_reasons
    from analysis.effects import fit_effects
    from analysis.nights import load_activity, load_events, nights_table

    cfg = config or ReportConfig()
    every = nights_table(con)
    table, left_out = select_nights(every, cfg.since, cfg.until)
    effects = fit_effects(table, effects_config)
    reasons = doctor_reasons(table, advice_config)
    if left_out:  # what the sleeper noted on a night left out still calls for a doctor
        reasons = [*(r for r in doctor_reasons(every, advice_config) if r.key in NOTED_REASONS),
                   *(r for r in reasons if r.key not in NOTED_REASONS)]
    events, activity = load_events(con), load_activity(con)
    events, activity = (f[f["night"].isin(table.index)] for f in (events, activity))
    text = render_report(table, events, activity, effects, reasons, cfg, left_out)
    return write_report(out_dir, text), effects, reasons
