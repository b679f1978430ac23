"""Nights: each night's detected jerks and sleep window, summarised and stored.

A night counts jerks as *groups*: the detector gives one row per sensor-level
candidate, and a jerk seen by the wrist and the ankle together is one group
(``group_id``) and counts once. Only rows with ``kind == "jerk"`` count.

Nightly summary columns (:data:`SUMMARY_COLUMNS`):

=============================  ==========================================================
column                         meaning (unit)
=============================  ==========================================================
``hours_recorded``             time with samples from at least one sensor worn, h (the
                               exposure)
``hours_asleep``               sleep onset to final wake minus awakenings, h
``n_jerks``                    jerks (multi-sensor groups count once)
``rate_per_h_sleep``           n_jerks / hours_asleep, 1/h
``n_onset_30min``              jerks within 15 min either side of sleep onset
``sleep_onset_latency_min``    lights out to sleep onset, min (NaN when no movement
                               marked lights out)
``n_isolated``                 jerks not part of a series
``n_in_series``                jerks in a series
``n_series``                   series (2 or more jerks close together)
``n_focal`` ... ``n_generalized``  jerks by body distribution
``n_plm``                      periodic leg movements in sleep (onset to final wake,
                               outside awakenings; movements of both legs, or the two ends
                               of one, less than 5 s apart count once); blank without a
                               leg sensor
``plm_per_h_sleep``            n_plm / hours_asleep (the PLMS index), 1/h
``n_awakenings``               brief awakenings after sleep onset
``waso_min``                   wake after sleep onset (sum of awakenings), min
``hours_day``                  time with data outside every sleep period (awake), h
``n_day_bursts``               jerk-shaped bursts while awake there (everyday movement,
                               never counted as jerks; shown apart), count
``hours_still``                time a sensor wrote nothing because it lay still (an
                               ActiGraph's idle sleep mode: its jerks are mostly lost), h
``hours_off``                  time no sensor was worn (lying motionless off the body,
                               left out of the sleep analysis and of ``hours_recorded``), h
``n_marks``                    the sleeper's felt-it marks (taps, keys, ``hypnic mark``)
``n_marks_detected``           marks with a detected jerk within 15 s (NaN: no marks)
``n_marks_missed``             marks with no detected jerk near them
``n_jerks_unmarked``           detected jerks with no mark near them
=============================  ==========================================================

See :mod:`analysis.agreement` for the comparison with marks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.agreement import MARK_COLUMNS, compare_marks
from analysis.diary import parse_field
from sensing.body import DISTRIBUTIONS, LOCATIONS, ONSET_HALF_WINDOW_S, REFERENCE_SLEEP_H
from sensing.errors import HypnicError, wrong_type

if TYPE_CHECKING:
    from detection import SleepWindow

log = logging.getLogger(__name__)


SUMMARY_COLUMNS: dict[str, str] = {
    "hours_recorded": "time with samples from at least one sensor worn, h",
    "hours_asleep": "sleep onset to final wake minus awakenings, h",
    "n_jerks": "jerks (a multi-sensor group counts once)",
    "rate_per_h_sleep": "jerks per hour asleep, 1/h",
    "n_onset_30min": "jerks within 15 min either side of sleep onset",
    "sleep_onset_latency_min": "lights out to sleep onset, min (blank when no movement marked lights out)",
    "n_isolated": "jerks not in a series",
    "n_in_series": "jerks in a series",
    "n_series": "series of jerks",
    **{f"n_{d}": f"{d} jerks" for d in DISTRIBUTIONS},
    "n_plm": "periodic leg movements in sleep (blank without a leg sensor)",
    "plm_per_h_sleep": "periodic leg movements per hour asleep, 1/h",
    "n_awakenings": "brief awakenings after sleep onset",
    "waso_min": "wake after sleep onset, min",
    "hours_day": "time recorded awake outside every sleep period (the day, the evening, after the final wake), h",
    "n_day_bursts": "jerk-shaped bursts while awake outside every sleep period (not counted as jerks)",
    "hours_still": "time a sensor wrote nothing because it lay still (idle sleep mode), h",
    "hours_off": "time no sensor was worn (lying motionless off the body), h",
    **MARK_COLUMNS,
}

#: What the time awake outside every sleep period (``hours_day``) is, in the CLI's and
#: the report's words: a day-and-night file's day, and a night file's evening before bed
#: or its hours awake after the final wake (a sleep-lab night of ICHI14, p017, held 3 h
#: of PSG wake after its sleep ended, which "daytime" would misname).
AWAKE_OUTSIDE = "the day, the evening before bed, or awake after the final wake"
#: A recording with at least this much time awake outside sleep (``hours_day``) says
#: so in the CLI and the report, h. A night recording started a while before bed or
#: stopped a while after getting up holds less: the demo's 28 nights a median 0.3 h
#: (0.25 until the fourteenth session, which called most night recordings "daytime").
DAYTIME_MIN_H = 1.0
#: Periodic leg movements per hour asleep that sleep clinics look at in adults (the
#: PLMS index of periodic limb movement disorder, ICSD-3: over 15), 1/h. Common without
#: complaints: 18 % of 100 healthy sleepers had more (Frauscher et al. 2014,
#: ``shared/research/science-and-peers.md``), so hypnic names it and advises nothing.
PLM_CLINIC_PER_H = 15.0


def plm_sentence(n_plm: float, per_h: float, nights: int = 1) -> str:
    """What hypnic tells a person of the periodic leg movements in sleep it counted
    (``n_plm`` in all, ``per_h`` an hour asleep, over ``nights`` nights with a leg
    sensor): the figure, the 15 an hour clinics look at when it is reached, and that they
    are not jerks. A figure and no advice (see :data:`PLM_CLINIC_PER_H`)."""
    n = int(n_plm)
    over = "" if nights == 1 else f" over {nights} nights with a leg sensor"
    clinic = ("; sleep clinics look at 15 or more an hour, which many people without complaints "
              "have" if per_h >= PLM_CLINIC_PER_H else "")
    return (f"{n} periodic leg movement{'' if n == 1 else 's'} in sleep{over} ({per_h:.0f} an "
            f"hour asleep{clinic}). They are not jerks; where a series was not seen whole, a few "
            "of their brisk starts can be counted as jerks.")

EVENT_COLUMNS = ("start", "duration_s", "peak_g", "location", "kind", "series_id", "group_id",
                 "distribution", "rel_onset_s", "phase")


def sleep_dict(sleep: Any) -> dict[str, Any]:
    """A sleep window (detection's ``SleepWindow`` or a dict) as a plain dict.

    Keys ``lights_out``, ``onset``, ``wake`` (UTC Timestamps or None),
    ``awakenings`` (list of (start, end) Timestamps) and ``lights_out_seen`` (bool; True
    when not given).
    """
    get = sleep.get if isinstance(sleep, dict) else (lambda k, d=None: getattr(sleep, k, d))
    out = {k: (pd.Timestamp(get(k)) if get(k) is not None else None)
           for k in ("lights_out", "onset", "wake")}
    out["awakenings"] = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in (get("awakenings") or [])]
    out["lights_out_seen"] = bool(get("lights_out_seen", True))
    return out


def jerk_groups(events: pd.DataFrame, kind: str = "jerk") -> pd.DataFrame:
    """One row per jerk: the rows of one kind (the counted ``jerk``) grouped by ``group_id``.

    Parameters
    ----------
    events : DataFrame
        Detection's event table (one row per sensor-level candidate).
    kind : str
        The kind to group (default the counted jerks; e.g. ``"wake-burst"`` for the
        jerk-shaped bursts while awake).

    Returns
    -------
    DataFrame
        ``start`` (earliest over the group, UTC), ``rel_onset_s`` (s from sleep onset),
        ``phase``, ``series_id`` (-1 isolated), ``distribution``, ``peak_g`` (largest),
        ``locations`` (";"-joined), sorted by start. Empty with these columns when
        there are no jerks.
    """
    cols = ["start", "rel_onset_s", "phase", "series_id", "distribution", "peak_g", "locations"]
    jerks = events[events["kind"] == kind] if len(events) else events
    if not len(jerks):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    jerks = jerks.sort_values("start")
    g = jerks.groupby("group_id", sort=False)
    out = g.agg(start=("start", "first"), rel_onset_s=("rel_onset_s", "first"),
                phase=("phase", "first"), series_id=("series_id", "first"),
                distribution=("distribution", "first"), peak_g=("peak_g", "max"))
    out["locations"] = g["location"].agg(lambda s: ";".join(sorted(set(s))))
    return out.sort_values("start").reset_index(drop=True)[cols]


def summarise_night(events: pd.DataFrame, sleep: Any, hours_recorded: float,
                    marks: pd.DataFrame | None = None,
                    hours_day: float = float("nan"), hours_still: float = 0.0,
                    hours_off: float = 0.0) -> dict[str, float]:
    """The nightly summary (see :data:`SUMMARY_COLUMNS` for names and units).

    Parameters
    ----------
    events : DataFrame
        Detection's event table for the night.
    sleep : SleepWindow or dict
        The night's sleep window (``lights_out``, ``onset``, ``wake``, ``awakenings``).
    hours_recorded : float
        Time covered by samples of a sensor worn, h.
    marks : DataFrame, optional
        The sleeper's felt-it marks of the night (``start``, UTC).
    hours_day : float, optional
        Time with data outside every sleep period, h (``NightResult.day_s / 3600``;
        NaN when not known).
    hours_still : float, optional
        Time a sensor wrote nothing because it lay still, h (:func:`hours_still`).
    hours_off : float, optional
        Time no sensor was worn, h (``NightResult.off_body_s / 3600``).
    """
    s = sleep_dict(sleep)
    j = jerk_groups(events)
    n = len(j)
    waso_s = sum((b - a).total_seconds() for a, b in s["awakenings"])
    if s["onset"] is not None and s["wake"] is not None:
        asleep_h = max(0.0, ((s["wake"] - s["onset"]).total_seconds() - waso_s) / 3600)
    else:
        asleep_h = float("nan")
    latency = ((s["onset"] - s["lights_out"]).total_seconds() / 60
               if s["onset"] is not None and s["lights_out"] is not None and s["lights_out_seen"]
               else float("nan"))
    rel = j["rel_onset_s"].to_numpy(float)
    series = j["series_id"].to_numpy(int)
    dist = j["distribution"].astype(str).to_numpy()
    plm = plm_in_sleep(events, s)
    out = {
        "hours_recorded": float(hours_recorded),
        "hours_asleep": asleep_h,
        "n_jerks": n,
        "rate_per_h_sleep": n / asleep_h if asleep_h > 0 else float("nan"),
        "n_onset_30min": int((np.abs(rel) <= ONSET_HALF_WINDOW_S).sum()),
        "sleep_onset_latency_min": latency,
        "n_isolated": int((series < 0).sum()),
        "n_in_series": int((series >= 0).sum()),
        "n_series": len(np.unique(series[series >= 0])),
        **{f"n_{d}": int((dist == d).sum()) for d in DISTRIBUTIONS},
        "n_plm": plm,
        "plm_per_h_sleep": plm / asleep_h if asleep_h > 0 else float("nan"),
        "n_awakenings": len(s["awakenings"]),
        "waso_min": waso_s / 60,
        "hours_day": float(hours_day),
        "n_day_bursts": int((jerk_groups(events, "wake-burst")["phase"] == "day").sum()),
        "hours_still": float(hours_still),
        "hours_off": float(hours_off),
        **compare_marks(j, marks if marks is not None else pd.DataFrame({"start": []})),
    }
    return out


def plm_in_sleep(events: pd.DataFrame, sleep: dict[str, Any]) -> float:
    """Periodic leg movements in sleep: the ``plm`` events from sleep onset to the final
    wake, outside the awakenings, those whose onsets lie less than a PLM series' shortest
    interval apart (``DetectionConfig.plm_interval_s``, 5 s: both legs, or the out and
    back of one movement) counted once, as the AASM counts a leg movement; NaN when no
    leg sensor was worn (no event on a leg) or no sleep was found.

    Parameters
    ----------
    events : DataFrame
        Detection's event table (``start``, ``kind``, ``location``).
    sleep : dict
        :func:`sleep_dict` of the night.
    """
    from detection.config import DetectionConfig

    on_leg = events["location"].astype(str).map(lambda x: LOCATIONS.get(x, "").startswith("leg"))
    if not on_leg.any() or sleep["onset"] is None or sleep["wake"] is None:
        return float("nan")
    t = events.loc[events["kind"] == "plm", "start"]
    asleep = (t >= sleep["onset"]) & (t <= sleep["wake"])
    for a, b in sleep["awakenings"]:
        asleep &= ~((t >= a) & (t <= b))
    ns = np.sort(t[asleep].astype("int64").to_numpy())
    gap = DetectionConfig().plm_interval_s[0] * 1e9
    return float(1 + np.count_nonzero(np.diff(ns) >= gap)) if len(ns) else 0.0


def counted_nights(table: pd.DataFrame) -> pd.Series:
    """Which rows of a nights table the statistics count: recorded (a jerk count, and
    time with data) and with sleep found (``hours_asleep`` above 0); the last two where
    the table has them. A recording with no sleep period holds no sleep start, so its
    count of 0 is no night's count: it stays listed but is left out of the figures.

    Raises
    ------
    HypnicError
        If the table is not a DataFrame or has no ``n_jerks`` column (not a nights table).
    """
    if not isinstance(table, pd.DataFrame):
        raise wrong_type("a nights table", "a DataFrame (hypnic.nights_table)", table)
    if "n_jerks" not in table:
        raise HypnicError("a nights table needs an n_jerks column (jerks of each night); got "
                          f"{', '.join(map(str, table.columns[:8])) or 'no columns'}")
    ok = table["n_jerks"].notna()
    for col in ("hours_recorded", "hours_asleep"):
        if col in table:
            ok &= table[col] > 0
    return ok


def no_sleep_found(table: pd.DataFrame) -> pd.Series:
    """Which rows of a nights table are recordings in which no sleep was found: listed,
    but not counted (:func:`counted_nights`)."""
    return table["n_jerks"].notna() & ~counted_nights(table)


#: Columns of a nights table that count within a sleep period: on a recording in which
#: no sleep was found they are no count at all, and read 0 (:func:`sleep_counts_shown`).
SLEEP_COUNTS = ("n_onset_30min", "n_awakenings", "waso_min", "n_isolated", "n_in_series",
                "n_series", *(f"n_{d}" for d in DISTRIBUTIONS), "n_plm")


def sleep_counts_shown(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as shown to a person: the counts within a sleep period
    (:data:`SLEEP_COUNTS`) missing, not 0, on the rows of recordings in which no sleep was
    found (:func:`no_sleep_found`); ``n_jerks`` stays, as the mark of a recorded night."""
    out = table.copy()
    cols = [c for c in SLEEP_COUNTS if c in out]
    out.loc[no_sleep_found(out), cols] = np.nan
    return out


def hours_recorded(recordings: Any) -> float:
    """Hours covered by samples of at least one sensor (gaps removed, but for those the
    device said it lay still in: :attr:`sensing.recording.Recording.still_spans`), h.

    Parameters
    ----------
    recordings : iterable of Recording
    """
    spans = []
    for r in recordings:
        t0, t1 = int(r.time_ns[0]), int(r.time_ns[-1])
        cuts = [t0, *np.asarray(r.gaps, np.int64).ravel().tolist(), t1]
        spans += list(zip(cuts[0::2], cuts[1::2], strict=True)) + [tuple(x) for x in r.still_spans.tolist()]
    return _union_h(spans)


def hours_still(recordings: Any) -> float:
    """Hours in which a sensor wrote nothing because it lay still (an ActiGraph's idle
    sleep mode, :attr:`sensing.recording.Recording.still_spans`), h: a jerk out of stillness is
    over before such a sensor writes again."""
    return _union_h([tuple(s) for r in recordings for s in r.still_spans.tolist()])


def _union_h(spans: list[tuple[int, int]]) -> float:
    """Length of the union of ``[a, b]`` spans in ns, h."""
    total, end = 0, None
    for a, b in sorted(spans):  # a handful per sensor
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total / 3.6e12


# -- storage ------------------------------------------------------------------------------

def empty_marks() -> pd.DataFrame:
    """A table of felt-it marks with no rows: ``start`` (UTC) and ``source``."""
    return pd.DataFrame({"start": pd.Series(dtype="datetime64[ns, UTC]"),
                         "source": pd.Series(dtype=object)})


@dataclass(frozen=True)
class StoredNight:
    """One processed night: its date, summary, sleep window, events and activity.

    Attributes
    ----------
    night : date
        The night, named by the local date its evening started.
    summary : dict of str to float
        The nightly summary (:data:`SUMMARY_COLUMNS`).
    sleep : detection.SleepWindow
        The sleep window.
    events : DataFrame
        Detection's events table (every kind; :func:`store_night` keeps the jerks).
    activity : DataFrame
        1-minute ``start``, ``location``, ``activity``, ``asleep`` and ``worn`` (False: a
        minute off the body, activity NaN; a table without it was worn throughout).
    recordings : tuple of str
        Names of the files the night came from.
    markers : DataFrame
        The sleeper's felt-it marks: ``start`` (UTC), ``source`` (``tap``, ``key``,
        ``file``).
    tz : str
        The sleeper's time zone that night (:func:`sensing.timezones.zone_name`), to show
        its times in; '' when unknown (shown in the machine's zone).
    off_body : DataFrame
        The spans no sensor was worn in, ``start`` and ``end`` (UTC; the detector's
        ``NightResult.off_body``). The store keeps them as activity rows (``worn`` False).
    """

    night: dt.date
    summary: dict[str, float]
    sleep: SleepWindow
    events: pd.DataFrame
    activity: pd.DataFrame
    recordings: tuple[str, ...] = ()
    markers: pd.DataFrame = field(default_factory=empty_marks)
    tz: str = ""
    off_body: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"start": pd.Series(dtype="datetime64[ns, UTC]"), "end": pd.Series(dtype="datetime64[ns, UTC]")}))


def _ns(t: Any) -> int:
    return int(pd.Timestamp(t).value)


def store_night(con: sqlite3.Connection, night: StoredNight) -> None:
    """Write (or replace) a processed night: summary, sleep window, jerk rows and activity.

    Only ``kind == "jerk"`` event rows are stored. Activity is the detector's epoch
    table: ``start``, ``location``, ``activity`` (its activity measure), ``asleep`` and
    ``worn`` (True when absent).
    """
    key = night.night.isoformat()
    sleep_json = json.dumps(night.sleep.to_dict())
    _clear(con, key)
    con.executemany("INSERT INTO markers VALUES (?, ?, ?)",
                    [(key, _ns(r.start), str(r.source)) for r in night.markers.itertuples()])
    con.execute("INSERT OR REPLACE INTO nights (night, summary, sleep, recordings, processed_at, tz) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, json.dumps(night.summary), sleep_json, json.dumps(list(night.recordings)),
                 dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), night.tz))
    ev = night.events[night.events["kind"] == "jerk"] if len(night.events) else night.events
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(key, _ns(r.start), float(r.duration_s), float(r.peak_g), str(r.location), str(r.kind),
          int(r.series_id), int(r.group_id), str(r.distribution), float(r.rel_onset_s), str(r.phase))
         for r in ev.itertuples()])
    a = night.activity
    if len(a):
        con.executemany(
            "INSERT INTO activity VALUES (?, ?, ?, ?, ?, ?)",
            zip([key] * len(a), pd.to_datetime(a["start"], utc=True).astype("int64").tolist(),
                a["location"].astype(str).tolist(), a["activity"].astype(float).tolist(),
                a["asleep"].astype(int).tolist(),
                (a["worn"] if "worn" in a else pd.Series(True, a.index)).astype(int).tolist(),
                strict=True))


def _clear(con: sqlite3.Connection, key: str) -> None:
    """Remove what a recorded night stored row by row: events, activity and marks."""
    for table in ("events", "activity", "markers"):
        con.execute(f"DELETE FROM {table} WHERE night = ?", (key,))


def delete_night(con: sqlite3.Connection, night: str | dt.date) -> dict[str, float]:
    """Remove a recorded night (its summary, sleep window, events, activity and marks);
    its diary entry, if any, is kept. Returns the summary it had.

    Raises
    ------
    HypnicError
        If no night of that date is recorded (a DiaryError if ``night`` is no date).
    """
    key = night.isoformat() if isinstance(night, dt.date) else str(night).strip()
    row = con.execute("SELECT summary FROM nights WHERE night = ?", (key,)).fetchone()
    if row is None:
        parse_field("night", key)
        raise HypnicError(f"night {key} is not among the recorded nights ('hypnic nights' lists them)")
    _clear(con, key)
    con.execute("DELETE FROM nights WHERE night = ?", (key,))
    return json.loads(row[0])


def load_nights(con: sqlite3.Connection) -> pd.DataFrame:
    """Stored nightly summaries, indexed by night (date), oldest first; with ``onset``
    (UTC Timestamp or NaT), ``recordings`` (";"-joined file names) and ``tz`` (the
    sleeper's time zone that night, '' when unknown)."""
    rows = con.execute("SELECT night, summary, sleep, recordings, tz FROM nights "
                       "ORDER BY night").fetchall()
    recs = []
    for night, summary, sleep, files, tz in rows:
        d = {"night": dt.date.fromisoformat(night), **json.loads(summary)}
        d["onset"] = pd.Timestamp(json.loads(sleep)["onset"]) if json.loads(sleep)["onset"] else pd.NaT
        d["recordings"] = ";".join(json.loads(files))
        d["tz"] = tz
        recs.append(d)
    cols = ["night", *SUMMARY_COLUMNS, "onset", "recordings", "tz"]
    return pd.DataFrame(recs, columns=cols).set_index("night")


def load_events(con: sqlite3.Connection) -> pd.DataFrame:
    """Stored jerk rows of every night, with a ``night`` (date) column."""
    df = pd.read_sql_query("SELECT * FROM events ORDER BY night, start_ns", con)
    df["night"] = pd.to_datetime(df["night"]).dt.date
    df.insert(1, "start", pd.to_datetime(df.pop("start_ns"), utc=True))
    return df


def load_markers(con: sqlite3.Connection) -> pd.DataFrame:
    """Stored felt-it marks of every night, with a ``night`` (date) column."""
    df = pd.read_sql_query("SELECT * FROM markers ORDER BY night, start_ns", con)
    df["night"] = pd.to_datetime(df["night"]).dt.date
    df.insert(1, "start", pd.to_datetime(df.pop("start_ns"), utc=True))
    return df


def load_activity(con: sqlite3.Connection) -> pd.DataFrame:
    """Stored activity epochs of every night, with a ``night`` (date) column; ``worn``
    False marks a minute no sensor was worn."""
    df = pd.read_sql_query("SELECT * FROM activity ORDER BY night, start_ns", con)
    df["night"] = pd.to_datetime(df["night"]).dt.date
    df.insert(1, "start", pd.to_datetime(df.pop("start_ns"), utc=True))
    df["asleep"] = df["asleep"].astype(bool)
    df["worn"] = df["worn"].astype(bool)
    return df


def nights_table(con: sqlite3.Connection) -> pd.DataFrame:
    """Nightly summaries joined with the diary (outer join on night; diary columns added).

    Sleep debt columns are added by :func:`add_sleep_debt`.

    Parameters
    ----------
    con : sqlite3.Connection
        The hypnic database (:func:`analysis.diary.connect`).

    Returns
    -------
    DataFrame
        Indexed by night (date), oldest first: :data:`SUMMARY_COLUMNS`, ``onset``,
        ``recordings``, ``tz``, the diary fields, ``sleep_debt_h`` and ``prev_sleep_debt_h``.

    Examples
    --------
    >>> import datetime as dt, tempfile, pathlib
    >>> import hypnic
    >>> with tempfile.TemporaryDirectory() as tmp, hypnic.connect(pathlib.Path(tmp) / "db.sqlite") as con:
    ...     _ = hypnic.add_entries(con, [hypnic.DiaryEntry(night=dt.date(2026, 1, 5), hours_slept=6.5, stress=7)])
    ...     table = nights_table(con)
    >>> table.loc[dt.date(2026, 1, 5), ["stress", "sleep_debt_h"]].tolist()
    [7.0, 1.5]
    """
    from analysis.diary import diary_frame, list_entries

    nights = load_nights(con)
    entries = list_entries(con)
    every = nights.reindex(nights.index.union(pd.Index([e.night for e in entries])))
    diary = diary_frame(entries, night_zones(every))  # hours from bedtime to wake in the night's zone
    table = nights.join(diary, how="outer")
    table.index.name = "night"
    return add_sleep_debt(table)


def nights_csv(table: pd.DataFrame, zones: dict[dt.date, dt.tzinfo]) -> str:
    """A nights table (:func:`nights_table`) as CSV text: a ``night`` column first, then
    every column, ``onset`` as ISO-8601 in the night's zone with its offset (``zones``,
    :func:`night_zones`), figures to 6 significant digits, a missing value empty.

    Examples
    --------
    >>> import datetime as dt, zoneinfo
    >>> t = pd.DataFrame({"n_jerks": [3.0], "onset": [pd.Timestamp("2026-01-05T22:14Z")],
    ...                   "stress": [float("nan")]}, index=pd.Index([dt.date(2026, 1, 5)], name="night"))
    >>> print(nights_csv(t, {dt.date(2026, 1, 5): zoneinfo.ZoneInfo("Europe/Paris")}), end="")
    night,n_jerks,onset,stress
    2026-01-05,3,2026-01-05T23:14:00+01:00,
    """
    out = table.copy()
    if "onset" in out:
        out["onset"] = [t.astimezone(zones[n]).isoformat() if isinstance(t, pd.Timestamp) and t == t else ""
                        for n, t in out["onset"].items()]
    out.index.name = "night"
    return out.to_csv(float_format="%.6g")


def night_zones(table: pd.DataFrame, tz: str | None = None) -> dict[dt.date, dt.tzinfo]:
    """The zone each night's times are shown in: ``tz`` if given (an IANA name), else the
    night's own (the ``tz`` column), else the machine's.

    Raises
    ------
    HypnicError
        If ``tz`` is not a known zone.
    """
    from sensing.timezones import local_zone, zone

    if tz:
        return dict.fromkeys(table.index, zone(tz))
    names = table["tz"] if "tz" in table else pd.Series("", index=table.index)
    here = local_zone()
    return {n: zone(z) if isinstance(z, str) and z else here for n, z in names.items()}


def add_sleep_debt(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``sleep_debt_h`` and the lagged ``prev_sleep_debt_h`` to a table indexed by night.

    ``sleep_debt_h`` is :data:`sensing.body.REFERENCE_SLEEP_H` minus ``hours_slept`` that night, floored
    at 0, h; ``prev_sleep_debt_h`` is the value of the previous calendar night (NaN when
    that night is not in the table).
    """
    table = table.copy()
    debt = (REFERENCE_SLEEP_H - table["hours_slept"]).clip(lower=0)
    table["sleep_debt_h"] = debt
    prev = pd.Series(debt.to_numpy(), index=[d + dt.timedelta(days=1) for d in table.index])
    table["prev_sleep_debt_h"] = prev.reindex(table.index).to_numpy()
    return table
