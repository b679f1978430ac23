"""The report: one self-contained static HTML page (plots embedded as PNG, no requests).

Sections: plain-language summary, when to see a doctor (only when
:func:`analysis.advice.doctor_reasons` finds a reason), week-by-week overview, nights
around sleep onset (activity and jerks), timing relative to onset, isolated vs series,
body distribution, factor effects (rate against each factor with the fitted effect,
forest plot of rate ratios, table), the nights table, and how to read the report.
Every piece of user text (diary notes, medication names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.advice import Reason
from analysis.effects import FACTORS, Effects, describe
from sensing.body import DISTRIBUTIONS, ONSET_HALF_WINDOW_S

log = logging.getLogger(__name__)


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
    dpi : int
        Resolution of the embedded plots, dots per inch.
    """

    title: str = "hypnic report"
    timeline_nights: int = 28
    window_min: tuple[float, float] = (-60.0, 60.0)
    true_rr: dict[str, float] = field(default_factory=dict)
    dpi: int = 100


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig, alt: str, wide: bool = False) -> str:
    """An embedded PNG; ``wide`` plots scroll sideways on phones instead of shrinking."""
    img = f'<img src="data:image/png;base64,{_png(fig)}" alt="{html.escape(alt)}">'
    return f'<div class="scroll wide">{img}</div>' if wide else img


def _fig(w: float, h: float, dpi: int, **kw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(w, h), dpi=dpi, **kw)


def _weekly(table: pd.DataFrame) -> pd.DataFrame:
    rec = table[table["n_jerks"].notna()]
    if rec.empty:
        return pd.DataFrame()
    week = pd.to_datetime(pd.Series(rec.index, index=rec.index)).dt.to_period("W-SUN").dt.start_time.dt.date
    g = rec.assign(week=week.to_numpy()).groupby("week")
    cols = {"nights": g["n_jerks"].size(), "jerks": g["n_jerks"].sum(),
            "per night": g["n_jerks"].mean(), "per h asleep": g["rate_per_h_sleep"].mean()}
    if "bothersome" in rec and rec["bothersome"].notna().any():
        cols["bothersome (0-10)"] = g["bothersome"].mean()
    return pd.DataFrame(cols)


def _overview_plot(table: pd.DataFrame, dpi: int) -> str:
    rec = table[table["n_jerks"].notna()]
    fig, ax = _fig(6.5, 2.6, dpi)
    x = pd.to_datetime(pd.Series(rec.index))
    weeks = x.dt.to_period("W-SUN").astype(str).to_numpy()
    colors = np.where(pd.factorize(weeks)[0] % 2 == 0, "#3a6ea5", "#7fa7d1")
    ax.bar(x, rec["n_jerks"].to_numpy(float), color=colors, width=0.8)
    ax.set_ylabel("jerks per night")
    ax.set_title("Jerks per night (shading alternates by week)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return _img(fig, "jerks per night, week by week")


def _timeline_plot(table: pd.DataFrame, events: pd.DataFrame, activity: pd.DataFrame,
                   cfg: ReportConfig) -> str | None:
    nights = [n for n in table.index if pd.notna(table.at[n, "onset"])][-cfg.timeline_nights:]
    if not nights:
        return None
    lo, hi = cfg.window_min
    edges = np.arange(lo, hi + 1, 1.0)
    grid = np.full((len(nights), len(edges) - 1), np.nan)
    for i, n in enumerate(nights):
        a = activity[activity["night"] == n]
        if a.empty:
            continue
        rel = (a["start"] - pd.Timestamp(table.at[n, "onset"])).dt.total_seconds().to_numpy() / 60
        k = np.digitize(rel, edges) - 1
        ok = (k >= 0) & (k < len(edges) - 1)
        sums = np.bincount(k[ok], a["activity"].to_numpy(float)[ok], len(edges) - 1)
        counts = np.bincount(k[ok], minlength=len(edges) - 1)
        grid[i] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    # movement above each night's resting level (sensor offsets differ between nights)
    with np.errstate(all="ignore"):
        rest = np.nanpercentile(np.where(np.isfinite(grid), grid, np.nan), 10, axis=1)
    grid = np.clip(grid - np.nan_to_num(rest)[:, None], 0, None)
    fig, ax = _fig(9, 0.9 + 0.22 * len(nights), cfg.dpi)
    from matplotlib.colors import PowerNorm

    top = float(np.nanpercentile(grid, 95)) if np.isfinite(grid).any() else 1.0
    ax.set_facecolor("#dce6f2")  # no data
    im = ax.imshow(grid, aspect="auto", cmap="Greys", norm=PowerNorm(0.5, vmin=0, vmax=max(top, 1e-9)),
                   extent=(lo, hi, len(nights) - 0.5, -0.5), interpolation="nearest")
    ev = events[events["night"].isin(nights)]
    if len(ev):
        first = ev.sort_values("start").groupby(["night", "group_id"]).first().reset_index()
        row = first["night"].map({n: i for i, n in enumerate(nights)}).to_numpy()
        ax.scatter(first["rel_onset_s"].to_numpy() / 60, row, marker="|", s=140, color="#d62728",
                   linewidths=2, label="jerk", zorder=3)
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    ax.axvline(0, color="#1f77b4", lw=1, ls="--")
    ax.set_yticks(range(len(nights)), [str(n) for n in nights], fontsize=7)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("minutes from sleep onset (dashed line)")
    ax.set_title("Movement (darker = more; blue = no data) and jerks (red) around sleep onset")
    fig.colorbar(im, ax=ax, pad=0.01, fraction=0.03).set_label("activity above resting level",
                                                               fontsize=8)
    return _img(fig, "activity and jerks around sleep onset, one row per night", wide=True)


def _onset_hist(groups: pd.DataFrame, dpi: int) -> str:
    rel = groups["rel_onset_s"].to_numpy(float)
    rel = rel[np.isfinite(rel)]  # NaN: no sleep onset was found that night
    if rel.size == 0:
        return '<p class="note">No sleep onset was found, so jerk times relative to it are unknown.</p>'
    fig, ax = _fig(6.5, 2.6, dpi)
    m = np.clip(rel / 60, -60, 240)
    ax.hist(m, bins=np.arange(-60, 245, 5), color="#3a6ea5")
    ax.axvspan(-15, 15, color="#f2c14e", alpha=0.3, label="30 min around onset")
    ax.axvline(0, color="k", lw=1, ls="--")
    ax.set_xlabel("minutes from sleep onset (earlier/later values shown at the edges)")
    ax.set_ylabel("jerks")
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _img(fig, "histogram of jerk times relative to sleep onset")


def _bars(counts: dict[str, int], title: str, dpi: int, color: str) -> str:
    fig, ax = _fig(4.4, 0.9 + 0.35 * len(counts), dpi)
    ax.barh(list(counts), list(counts.values()), color=color, height=0.6)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("jerks")
    ax.spines[["top", "right"]].set_visible(False)
    return _img(fig, title)


def _factor_plots(table: pd.DataFrame, effects: Effects, dpi: int) -> str | None:
    t = effects.table
    if t.empty:
        return None
    k = len(t)
    ncol = 3 if k > 4 else 2
    nrow = int(np.ceil(k / ncol))
    fig, axes = _fig(9, 2.4 * nrow, dpi, nrows=nrow, ncols=ncol, squeeze=False)
    data = table[table["n_jerks"].notna() & (table["hours_recorded"] > 0)]
    rate = data["n_jerks"] / data["hours_recorded"]
    for ax, r in zip(axes.ravel(), t.itertuples(), strict=False):
        x = data[r.factor].to_numpy(float)
        ok = np.isfinite(x)
        jitter = 0.08 * (np.ptp(x[ok]) if ok.any() else 1) * (np.arange(ok.sum()) % 5 - 2) / 4
        ax.scatter(x[ok] + jitter, rate[ok], s=12, color="#3a6ea5", alpha=0.7)
        xs = np.linspace(np.nanmin(x), np.nanmax(x), 50) if ok.any() else np.zeros(0)
        other = sum(effects.coef[f] * m for f, m in effects.means.items() if f != r.factor)
        ax.plot(xs, np.exp(effects.coef["const"] + other + effects.coef[r.factor] * xs),
                color="#d62728", lw=2)
        ax.set_title(f"{r.label}: RR {r.rr:.2f} {r.unit}", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("jerks per hour", fontsize=8)
    fig.tight_layout()
    return _img(fig, "jerk rate against each factor with the fitted effect", wide=True)


def _forest(effects: Effects, true_rr: dict[str, float], dpi: int) -> str | None:
    t = effects.table
    if t.empty:
        return None
    fig, ax = _fig(9, 0.8 + 0.42 * len(t), dpi)
    y = np.arange(len(t))
    colors = np.where(t["finding"], "#d62728", "#3a6ea5")
    ax.hlines(y, t["rr_low"], t["rr_high"], colors=list(colors), lw=2)
    ax.scatter(t["rr"], y, color=colors, zorder=3, label="estimate with 95% CI")
    truth = [true_rr.get(f, np.nan) for f in t["factor"]]
    if true_rr:
        ax.scatter(truth, y, marker="x", color="k", s=50, zorder=4, label="true (simulated)")
    ax.axvline(1, color="grey", lw=1)
    ax.set_xscale("log")
    lo = min(0.25, float(t["rr_low"].min()) * 0.9)
    hi = max(4.0, float(t["rr_high"].max()) * 1.1)
    ax.set_xlim(max(lo, 0.05), min(hi, 20))
    ticks = [v for v in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20) if ax.get_xlim()[0] <= v <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
    ax.minorticks_off()
    ax.set_yticks(y, [f"{r.label} ({r.unit})" for r in t.itertuples()], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("rate ratio (log scale; 1 = no effect, >1 = more jerks)")
    ax.legend(fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _img(fig, "forest plot of rate ratios", wide=True)


def _table_html(df: pd.DataFrame, fmt: dict[str, str] | None = None) -> str:
    fmt = fmt or {}
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [df.index.name or "", *df.columns])
    body = []
    for idx, row in df.iterrows():
        cells = [f"<th>{html.escape(str(idx))}</th>"]
        for c, v in row.items():
            if isinstance(v, float) and np.isnan(v):
                s = ""
            elif isinstance(v, float | np.floating):
                s = format(v, fmt.get(str(c), ".1f"))
            else:
                s = str(v)
            cells.append(f"<td>{html.escape(s)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(body)}</table></div>'


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f6f7f9;line-height:1.5}
main{max-width:960px;margin:0 auto;padding:16px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.2em;margin:.3em 0}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85em;white-space:nowrap}
td,th{border-bottom:1px solid #e3e3e3;padding:3px 8px;text-align:right}
th:first-child,td.text{text-align:left}
.doctor{border-left:6px solid #d62728}.note{color:#555;font-size:.9em}
.wide img{min-width:600px}
.pair{display:flex;flex-wrap:wrap;gap:8px}.pair img{flex:1 1 300px;min-width:0;max-width:100%}
"""


def render_report(table: pd.DataFrame, events: pd.DataFrame, activity: pd.DataFrame,
                  effects: Effects, reasons: list[Reason], config: ReportConfig | None = None) -> str:
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
    """
    from analysis.nights import jerk_groups

    cfg = config or ReportConfig()
    esc = html.escape
    rec = table[table["n_jerks"].notna()]
    groups = (events.groupby("night", group_keys=False).apply(jerk_groups, include_groups=False)
              if len(events) else jerk_groups(events))
    n_nights, n_jerks = len(rec), int(rec["n_jerks"].sum()) if len(rec) else 0
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8>"
             f'<meta name="viewport" content="width=device-width,initial-scale=1">'
             f"<title>{esc(cfg.title)}</title><style>{CSS}</style></head><body><main>"
             f"<h1>{esc(cfg.title)}</h1>"
             f'<p class="note">Made by hypnic on {dt.date.today().isoformat()}. '
             "hypnic is not a medical device and does not diagnose.</p>"]

    # summary
    summary = []
    if n_nights:
        per = rec["n_jerks"]
        near = int((np.abs(groups["rel_onset_s"].to_numpy(float)) <= ONSET_HALF_WINDOW_S).sum()) if len(groups) else 0
        summary.append(
            f"Over {n_nights} recorded night(s) from {rec.index.min()} to {rec.index.max()}, hypnic "
            f"counted {n_jerks} jerks: {per.mean():.1f} per night on average (from {per.min():.0f} "
            f"to {per.max():.0f}).")
        if n_jerks:
            summary.append(f"{100 * near / n_jerks:.0f}% of them came within 15 minutes of falling "
                           f"asleep, the typical time for sleep starts.")
    else:
        summary.append("No recorded nights yet: record a night, then run the report again.")
    summary.append(effects.message)
    items = "".join(f"<li>{esc(s)}</li>" for s in describe(effects)) if not effects.table.empty else ""
    parts.append(f'<section id="summary"><h2>Summary</h2><p>{esc(" ".join(summary))}</p>'
                 f"{'<ul>' + items + '</ul>' if items else ''}"
                 "<p>Sleep starts (hypnic jerks) are very common: most people have them at least "
                 "sometimes, and they are usually harmless.</p></section>")
    if reasons:
        lis = "".join(f"<li>{esc(r.text)}</li>" for r in reasons)
        parts.append(
            '<section id="doctor" class="doctor"><h2>When to see a doctor</h2>'
            f"<p>Something in these nights is worth talking over with a doctor:</p><ul>{lis}</ul>"
            "<p>Jerks when falling asleep are common and usually harmless. Jerks that are very "
            "frequent, that also happen in the daytime, or that come with a loss of "
            "consciousness can have other causes, such as epilepsy, another sleep disorder or "
            "a side effect of a medication. Long times to fall asleep and broken sleep are "
            "worth a check too. hypnic does not diagnose anything: take this report to your "
            "doctor.</p></section>")

    if n_nights:
        weekly = _weekly(table)
        weekly.index.name = "week from"
        parts.append(f'<section id="overview"><h2>Week by week</h2>{_overview_plot(table, cfg.dpi)}'
                     f"{_table_html(weekly, {'jerks': '.0f', 'nights': '.0f', 'per h asleep': '.2f'})}"
                     "</section>")
        tl = _timeline_plot(table, events, activity, cfg)
        if tl:
            parts.append(f'<section id="timeline"><h2>Nights around sleep onset</h2>{tl}</section>')
    if len(groups):
        parts.append(f'<section id="timing"><h2>When jerks happen</h2>{_onset_hist(groups, cfg.dpi)}'
                     "</section>")
        iso = {"isolated": int((groups["series_id"] < 0).sum()),
               "in a series": int((groups["series_id"] >= 0).sum())}
        dist = {d: int((groups["distribution"] == d).sum()) for d in DISTRIBUTIONS}
        n_series = int(rec["n_series"].sum()) if "n_series" in rec else 0
        parts.append(
            '<section id="series"><h2>Isolated jerks, series, and where in the body</h2>'
            f'<div class="pair">{_bars(iso, f"Isolated vs in a series ({n_series} series)", cfg.dpi, "#3a6ea5")}'
            f'{_bars(dist, "Body distribution", cfg.dpi, "#6a994e")}</div>'
            '<p class="note">Focal: one body part; segmental: two neighbouring parts; '
            "multifocal: separate parts at slightly different times; generalized: the whole "
            "body at once. What can be seen depends on where sensors are worn.</p></section>")

    fp = _factor_plots(table, effects, cfg.dpi)
    fo = _forest(effects, cfg.true_rr, cfg.dpi)
    eff = '<section id="effects"><h2>What goes with more jerks</h2>'
    eff += f"<p>{esc(effects.message)}</p>"
    if fo:
        true_note = " Black crosses mark the true simulated effects." if cfg.true_rr else ""
        eff += (f"{fo}<p class='note'>Rate ratio: how many times the jerk rate changes per unit of "
                f"the factor, with the other factors held fixed; the bar is the 95% confidence "
                f"interval. Red: holds up after adjusting for testing several factors.{true_note}</p>")
    if fp:
        eff += f"{fp}<p class='note'>Dots: nights; line: fitted effect with other factors at their average.</p>"
    if not effects.table.empty:
        t = effects.table.set_index("label")[["unit", "rr", "rr_low", "rr_high", "p", "p_holm", "rho"]]
        t.columns = ["unit", "rate ratio", "95% CI low", "95% CI high", "p", "p (Holm)", "Spearman rho"]
        t.index.name = "factor"
        eff += _table_html(t, {c: ".2f" for c in t.columns} | {"p": ".3f", "p (Holm)": ".3f"})
    if effects.excluded:
        ex = "; ".join(f"{FACTORS.get(f, (f,))[0]}: {why}" for f, why in effects.excluded.items())
        eff += f"<p class='note'>Not tested: {esc(ex)}.</p>"
    parts.append(eff + "</section>")

    if len(table):
        cols = {"n_jerks": "jerks", "hours_asleep": "h asleep", "rate_per_h_sleep": "per h",
                "n_onset_30min": "near onset", "sleep_onset_latency_min": "latency min",
                "hours_slept": "h slept (diary)", "stress": "stress", "caffeine_drinks": "caffeine",
                "bothersome": "bothersome", "medications": "medications", "notes": "notes"}
        nt = table[[c for c in cols if c in table.columns]].dropna(axis=1, how="all")
        nt = nt.loc[:, [(nt[c] != "").any() for c in nt.columns]].rename(columns=cols)
        parts.append(f'<section id="nights"><h2>Nights</h2>'
                     f"{_table_html(nt, {'per h': '.2f', 'jerks': '.0f', 'near onset': '.0f', 'stress': '.0f', 'caffeine': '.0f', 'bothersome': '.0f'})}</section>")
    parts.append(
        '<section id="about"><h2>About this report</h2><p class="note">Jerks are detected from '
        "accelerometers on the wrist and/or ankle; a jerk seen by several sensors counts once. "
        "Detection is imperfect: some jerks are missed and some other brief movements are counted. "
        "Effects are associations in your own nights, not proof of cause. hypnic is not a "
        "medical device and does not diagnose; if you are worried, see a doctor.</p></section>"
        "</main></body></html>")
    return "".join(parts)


def write_report(out_dir: str | Path, html_text: str) -> Path:
    """Write ``index.html`` into ``out_dir`` (created if missing); returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(html_text, encoding="utf-8")
    log.info("report written to %s", path)
    return path


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

    table = nights_table(con)
    effects = fit_effects(table, effects_config)
    reasons = doctor_reasons(table, advice_config)
    text = render_report(table, load_events(con), load_activity(con), effects, reasons, config)
    return write_report(out_dir, text), effects, reasons
