"""The HTML report: sections, escaping, self-containment, doctor section, and how it looks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import itertools
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from browser import Browser, chromium
from pagetext import page_text

from analysis.diary import DiaryEntry, add_entries, connect, edit_entry
from analysis.report import ReportConfig, build_report

SECTIONS = ("summary", "overview", "timeline", "timing", "series", "effects", "nights", "about")
#: Words of statistics a sleeper does not read (the summary says them in plain words).
JARGON = re.compile(r"\b(CI|Holm|poisson|Poisson|negative binomial|model|finding|p-values?)\b")
EVIL = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def report(sim_db, tmp_path_factory):
    path, diary = sim_db
    db = tmp_path_factory.mktemp("rep") / "h.sqlite"
    shutil.copy(path, db)
    night = diary["night"].iloc[2]
    with connect(db) as con:
        edit_entry(con, night, notes=EVIL, medications=("<b>sertraline</b>",))
        out, effects, reasons = build_report(con, db.parent / "out", ReportConfig(true_rr={"stress": 1.1}))
    return out, out.read_text(encoding="utf-8"), effects, reasons, db


def test_sections_and_numbers(report, sim_db):
    _, text, effects, reasons, _ = report
    for s in SECTIONS:
        assert f'id="{s}"' in text
    assert 'id="doctor"' not in text and reasons == []
    diary = sim_db[1]
    assert f"Over {len(diary)} recorded nights, from " in text and "night(s)" not in text
    assert f"{effects.n_nights} of the {len(diary)} recorded nights analysed, with {effects.n_jerks} jerks" in text
    assert "1 night left out: 1 without sleep debt the night before, which needs the diary" in text
    # every figure twice (phone and desktop), as SVG
    assert text.count("<figure>") == 7 and text.count("data:image/svg+xml;base64,") == 14
    assert "not a medical device" in text and "usually harmless" in text
    assert "Spearman" not in text and "verdict" in text
    assert "Black crosses mark the true simulated effects." in text


def test_the_nights_around_onset_say_when_they_show_the_last_nights_only(report, tmp_path):
    """With more nights than the timeline draws (28 by default; 120 in the demo drew 28),
    its caption says which: the last ones, of how many (before: "One row per night")."""
    _, text, *_, db = report
    assert "One row per night: movement" in _section(text, "timeline")
    with connect(db) as con:
        out, *_ = build_report(con, tmp_path / "out", ReportConfig(timeline_nights=3))
    shown = _section(out.read_text(encoding="utf-8"), "timeline")
    n = sum(1 for _ in re.finditer("One row", shown))
    assert n == 1 and "One row per night, the last 3 of the " in shown and " with sleep: movement" in shown


def _section(text: str, name: str) -> str:
    """The text a reader sees in section ``name`` of a report page."""
    start = text.index(f'<section id="{name}"')
    return page_text(text[start:text.index("</section>", start)])


def test_the_summary_says_the_statistics_in_plain_words(report):
    """The summary gives every factor's rate ratio, likely range (the 95% interval) and
    p-values as numbers, in words a sleeper reads: no "95% CI", "Holm", "poisson model"
    or "finding"; the method is named in the effects section's note."""
    _, text, effects, _, _ = report
    summary = _section(text, "summary")
    assert not JARGON.search(summary), JARGON.search(summary)
    k = len(effects.table)
    assert (f"{k} factors looked at together (each with the others held fixed), and adjusted "
            f"for testing {k} factors at once: the more factors tested, the likelier one seems "
            "linked by chance alone.") in summary
    for r in effects.table.itertuples():
        assert (f"likely between {r.rr_low:.2f} and {r.rr_high:.2f} times the rate {r.unit}"
                in summary), r.label
    assert ("Likely range: the rate ratios your nights fit with 95% confidence (1 = no effect). "
            "p: how often chance alone would give a link at least this strong if there were none; "
            "p adjusted: the same, adjusted for testing several factors at once. A link is clear "
            "when its adjusted p is below 0.05 and there are enough nights.") in summary
    effect_words = _section(text, "effects")
    assert (f"For the statistically minded: a {effects.model.replace('poisson', 'Poisson')} "
            "regression of each night's jerk count on all the factors together and on the night's "
            "length (the hours recorded, whose effect is fitted: jerks come with falling asleep, not "
            "with each hour in bed); 95% confidence intervals; p-values adjusted by Holm's method."
            ) in effect_words
    assert "finding" not in effect_words and "no clear link" in effect_words


def test_no_report_prints_a_missing_value_and_acceleration_is_in_milli_g(report, one_night):
    """Blank, never nan/NaN/None, anywhere in a report (page and figures); the unit of
    acceleration is written out: "mg" reads as milligrams."""
    for text in (report[1], one_night[1]):
        seen = page_text(text)
        assert not re.search(r"\b(nan|NaN|None)\b", seen), re.search(r".{60}\b(nan|NaN|None)\b.{20}", seen)
        assert not re.search(r"\bmg\b", seen)
        assert "movement above the night's resting level, milli-g (thousandths of gravity)" in seen


@pytest.fixture(scope="module")
def one_night(tmp_path_factory):
    """A report of one night recorded in Paris, with an empty diary."""
    from simtruth import truth_stored

    from analysis.nights import store_night
    from simulation import NightConfig, simulate_night

    sim = simulate_night(NightConfig(fs=25.0, locations=("wrist-left",), hours_in_bed=2.0, n_jerks=5,
                                     start="2026-01-05T22:10:00Z", gaps_per_night=0), seed=2)
    night = dataclasses.replace(truth_stored(sim, dt.date(2026, 1, 5)), tz="Europe/Paris")
    folder = tmp_path_factory.mktemp("one")
    with connect(folder / "h.sqlite") as con:
        store_night(con, night)
        out, effects, _ = build_report(con, folder / "out")
    return out, out.read_text(encoding="utf-8"), night


def test_one_night_with_an_empty_diary_reads_right(one_night):
    _, text, night = one_night
    n = int(night.summary["n_jerks"])
    assert f"Over 1 recorded night, on Mon 5 Jan 2026, hypnic counted {n} jerks." in text
    assert "No diary entries for the 1 recorded night yet" in text and "night(s)" not in text
    assert "complete diary" not in text
    # times in the night's own zone, named
    assert "Times are shown in Europe/Paris time." in text
    onset = night.sleep.onset.tz_convert("Europe/Paris")
    assert re.search(f'<td data-label="fell asleep"[^>]*>{onset:%H:%M}</td>', text)
    assert 'id="effects"' in text and text.count("<figure>") == 5  # no factor plots without a diary


def test_a_diary_entry_without_factors_is_not_called_no_entry(one_night, tmp_path):
    """An entry that only says a loss of consciousness was noticed is an entry: the report
    says it gives no factor to test (and shows the doctor section built from it), not that
    the diary has no entry for the night."""
    from analysis.nights import store_night

    night = one_night[2]
    with connect(tmp_path / "h.sqlite") as con:
        store_night(con, night)
        add_entries(con, [DiaryEntry(night=night.night, lost_consciousness=True)])
        out, effects, reasons = build_report(con, tmp_path / "out")
    text = out.read_text(encoding="utf-8")
    assert [r.key for r in reasons] == ["consciousness"] and 'id="doctor"' in text
    message = ("The diary entry of the 1 recorded night has no factor to test yet (hours slept, "
               "stress, tiredness, caffeine, alcohol, exercise or medications): add them (hypnic "
               "diary edit) to see what goes with more jerks.")
    assert effects.message == message
    assert message in _section(text, "summary") and "No diary entries" not in text


def test_the_report_says_when_a_recording_held_time_awake_outside_sleep(one_night, tmp_path):
    """An hour or more awake outside sleep is said, as the day, the evening or the hours
    awake after the final wake (not "daytime": a sleep-lab night's 3 h awake at its end
    are none); the minutes before bed of a night recording are not (the demo's nights
    hold a median 0.3 h)."""
    from analysis.nights import DAYTIME_MIN_H, store_night

    night = one_night[2]

    def summary(hours_day: float) -> str:
        stored = dataclasses.replace(night, summary={**night.summary, "hours_day": hours_day,
                                                     "n_day_bursts": 2})
        with connect(tmp_path / f"{hours_day}.sqlite") as con:
            store_night(con, stored)
            out, _, _ = build_report(con, tmp_path / f"out{hours_day}")
        text = out.read_text(encoding="utf-8")
        return text[text.index('id="summary"'):text.index('id="overview"')]

    assert DAYTIME_MIN_H == 1.0 and "awake outside sleep" not in summary(0.4)
    assert ("1 recording also held time awake outside sleep (1.5 h in all: the day, the evening "
            "before bed, or awake after the final wake): only sleep starts are counted, so 2 "
            "jerk-shaped bursts while awake") in summary(1.5)


def _summary_section(night, tmp_path, **columns: float | None) -> str:
    """The report's summary section of one stored ``night`` whose nightly summary has
    ``columns`` set (None: left out, as in a night stored before the column existed)."""
    from analysis.nights import store_night

    values = {**night.summary, **columns}
    stored = dataclasses.replace(night, summary={k: v for k, v in values.items() if v is not None})
    name = "-".join(f"{k}{v}" for k, v in columns.items())
    with connect(tmp_path / f"{name}.sqlite") as con:
        store_night(con, stored)
        out, _, _ = build_report(con, tmp_path / f"out-{name}")
    text = out.read_text(encoding="utf-8")
    return text[text.index('id="summary"'):text.index('id="overview"')]


def test_the_report_says_when_a_sensor_was_in_idle_sleep_mode(one_night, tmp_path):
    """A night whose sensor wrote nothing while still (``hours_still``) misses most sleep
    starts; one stored before the column existed says nothing."""
    night = one_night[2]
    assert ("On 1 night a sensor was in idle sleep mode (it writes nothing while it lies still "
            "and looks for movement once a second): a jerk out of stillness is over before it "
            "writes again, so its count misses most sleep starts."
            ) in _summary_section(night, tmp_path, hours_still=5.5)
    assert "idle sleep" not in _summary_section(night, tmp_path, hours_still=0.0)
    assert "idle sleep" not in _summary_section(night, tmp_path, hours_still=None)


def test_the_report_says_when_no_sensor_was_worn(one_night, tmp_path):
    """Time off the body (``hours_off``) is said; a night stored before the column
    existed says nothing."""
    night = one_night[2]
    assert ("On 1 night no sensor was worn for part of the recording (2.5 h in all, lying "
            "motionless off the body): that time is left out of sleep and of the hours "
            "recorded.") in _summary_section(night, tmp_path, hours_off=2.5)
    assert "no sensor was worn" not in _summary_section(night, tmp_path, hours_off=0.0)
    assert "no sensor was worn" not in _summary_section(night, tmp_path, hours_off=None)


def test_the_report_says_how_many_periodic_leg_movements_in_sleep_with_a_leg_sensor(one_night, tmp_path):
    """With a leg sensor (``plm_per_h_sleep`` measured) the summary gives the periodic leg
    movements in sleep, an hour asleep, and names the 15 an hour clinics look at only
    when it is reached; the nights table lists them. Without one (NaN, or a night stored
    before the column existed) neither says anything of them."""
    night = one_night[2]
    hours = night.summary["hours_asleep"]
    many = _summary_section(night, tmp_path, n_plm=round(20 * hours), plm_per_h_sleep=20.0)
    assert (f"{round(20 * hours)} periodic leg movements in sleep (20 an hour asleep; sleep "
            "clinics look at 15 or more an hour, which many people without complaints have). "
            "They are not jerks") in many
    few = _summary_section(night, tmp_path, n_plm=round(4 * hours), plm_per_h_sleep=4.0)
    assert f"{round(4 * hours)} periodic leg movements in sleep (4 an hour asleep). They are not jerks" in few
    assert "periodic leg" not in _summary_section(night, tmp_path, n_plm=float("nan"),
                                                  plm_per_h_sleep=float("nan"))
    assert "periodic leg" not in _summary_section(night, tmp_path, n_plm=None, plm_per_h_sleep=None)
    assert "PLM/h" not in one_night[1]
    text = next((tmp_path / f"out-n_plm{round(20 * hours)}-plm_per_h_sleep20.0").glob("*.html"))
    text = text.read_text(encoding="utf-8")
    assert re.search(r'<td data-label="PLM/h"[^>]*>20</td>', text)
    assert "PLM/h: periodic leg movements per hour asleep (with a leg sensor)." in text


def test_the_report_says_when_every_sensor_of_a_night_was_where_few_jerks_show(one_night, tmp_path):
    """A night whose sensors were all on the thigh or upper arm: its count is a lower
    bound (``detection.scoring.PLACEMENT_RECALL``); a wrist among them is enough."""
    from analysis.nights import store_night

    night = one_night[2]

    def summary(places: dict[str, str]) -> str:
        activity = night.activity.assign(location=night.activity["location"].map(places))
        name = "-".join(sorted(set(places.values())))
        with connect(tmp_path / f"{name}.sqlite") as con:
            store_night(con, dataclasses.replace(night, activity=activity))
            out, _, _ = build_report(con, tmp_path / f"out-{name}")
        text = out.read_text(encoding="utf-8")
        return text[text.index('id="summary"'):text.index('id="overview"')]

    assert list(night.activity["location"].unique()) == ["wrist-left"]
    assert ("On 1 night every sensor was on the thigh, where hypnic counted 1% of the sleep starts "
            "of simulated nights from one sensor, against 77% from a wrist: the counts of those "
            "nights are a lower bound") in summary({"wrist-left": "thigh-left"})
    assert "every sensor was on" not in summary({"wrist-left": "head"})
    assert "every sensor was on" not in summary({"wrist-left": "wrist-left"})


def test_the_report_says_how_sure_it_is_and_on_which_data(one_night):
    from analysis.report import how_sure
    from detection.scoring import Measured

    text = one_night[1]
    about = text[text.index('id="about"'):]
    assert "46 real sleep-lab nights" in about and "a median 11 minutes off" in about
    assert "780 simulated nights" in about and "counted 77% of the jerks" in about
    assert "whose wrists make the movements real wrists made in a sleep lab" in about
    assert "and about 8 false ones in 10 nights;" in about and "not a medical device" in about
    assert ("on the hardest kinds of night among them, 17% (a sleeper with restless legs) and about 2.2 "
            "false ones a night (jerks coming in clusters).") in about
    assert ("put into the 46 real nights where the sleep recording showed the sleeper falling "
            "asleep, it counted 90% of those at the first falling asleep of the night and 62% of those when "
            "falling asleep again after waking in the night") in about
    other = how_sure(Measured(4.2, 10, "real nights", 0.5, 0.25, 0.3, 0.5, 8, "simulated nights",
                              25.0, 12.5, 0.4, 0.9, 0.55))
    assert "on 10 real nights it was a median 4 minutes off" in other
    assert "On 8 simulated nights, hypnic counted 50% of the jerks" in other
    assert "and a false one about once in 4 nights; on the hardest kind of night among them, 30% " \
        "and a false one about once in 2 nights." in other
    assert "put into the 10 real nights" in other and "counted 90% of those at the first falling " \
        "asleep of the night and 55% of those when falling asleep again" in other
    none = how_sure(Measured(4.2, 10, "real nights", 0.5, 0.0, 0.4, 0.0, 8, "simulated nights",
                             25.0, 12.5, 0.4, 0.9, 0.55))
    assert "and no false one; on the hardest kind of night among them, 40% and no false one." in none
    most = how_sure(Measured(4.2, 10, "real nights", 0.5, 0.7, 0.4, 0.55, 8, "simulated nights",
                             25.0, 12.5, 0.4, 0.9, 0.55))
    assert ("and about 7 false ones in 10 nights; on the hardest kind of night among them, 40% "
            "and a false one about once in 2 nights.") in most  # not "once in 1 nights"


def test_self_contained_and_user_text_escaped(report):
    _, text, *_ = report
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "<script" not in text and "onerror=alert(1)>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in text
    assert "&lt;b&gt;sertraline&lt;/b&gt;" in text


def test_doctor_section_only_when_warranted(report, tmp_path):
    _, _, _, _, db = report
    db2 = tmp_path / "h.sqlite"
    shutil.copy(db, db2)
    with connect(db2) as con:
        first = min(e.night for e in __import__("analysis.diary").diary.list_entries(con))
        edit_entry(con, first, lost_consciousness=True)
        add_entries(con, [DiaryEntry(night=dt.date(2030, 1, 1), daytime_jerks=True)])
        out, _, reasons = build_report(con, tmp_path / "out")
    text = out.read_text()
    assert [r.key for r in reasons] == ["consciousness", "daytime"]
    assert 'id="doctor"' in text and "does not diagnose" in text and "epilepsy" in text


def test_advice_on_sleep_alone_names_no_disease(report, tmp_path):
    """Long times to fall asleep (a movement estimate) are worth a check when the sleeper
    notices them too; the box then does not list epilepsy among the causes of jerks."""
    from analysis.advice import AdviceConfig

    _, _, _, _, db = report
    with connect(db) as con:
        out, _, reasons = build_report(con, tmp_path / "out",
                                       advice_config=AdviceConfig(long_latency_min=-1.0, min_nights=1))
    text = out.read_text()
    assert [r.key for r in reasons] == ["latency"]
    assert "the sensor puts a median of" in text and "if you too find that you lie awake long" in text
    assert "on 45 real sleep-lab nights it was a median 19 min off the sleep recording" in page_text(text)
    assert "epilepsy" not in text and "does not diagnose" in text


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_fits_a_phone_and_a_desktop_in_chromium(report, one_night, tmp_path):
    """The report in a real browser: on a phone (390 px, 3x) and a desktop (1280 px) no
    element is wider than the screen, every figure is shown whole at its natural size
    (the phone variant on the phone: text >= 12 px), all text is >= 12 px, and no word
    of a table is split over two lines."""
    from PIL import Image

    from analysis.plots import DESKTOP_IN, FONT_PT, HALF_IN, PHONE_IN

    pages = [(report[0], 7), (one_night[0], 5)]
    with Browser(tmp_path / "profile") as browser:
        for (path, n_figures), (width, height, mobile) in itertools.product(
                pages, ((390, 844, True), (1280, 800, False))):
            page, png = browser.look(path, width, height, mobile)
            (tmp_path / f"report-{n_figures}-{width}.png").write_bytes(png)
            assert page["vw"] == width and page["page"] == width, page["page"]
            assert page["wide"] == [] and page["small"] == []
            assert page["broken"] == []  # no table word split over two lines
            assert len(page["figures"]) == n_figures
            for fig in page["figures"]:
                assert fig["complete"] and fig["shown"] and fig["height"] > 100, fig
                assert 0 <= fig["left"] and fig["right"] <= width, fig
                assert fig["width"] == pytest.approx(fig["natural"], abs=1), fig  # not shrunk
                if mobile:
                    assert fig["natural"] == round(PHONE_IN * 96), fig
                    assert FONT_PT * 96 / 72 * fig["width"] / fig["natural"] >= 12
                else:
                    assert fig["natural"] in (round(DESKTOP_IN * 96), round(HALF_IN * 96)), fig
            img = np.asarray(Image.open(tmp_path / f"report-{n_figures}-{width}.png").convert("L"), float)
            assert img.shape[1] == width and img.shape[0] > 2 * height  # the whole page
            assert (img < 100).mean() > 0.005 and img.std() > 20  # text and figures drawn


def test_a_recording_with_no_sleep_found_is_listed_but_no_nights_count(tmp_path):
    """A real recording of someone up and about (impactr's hip file) holds no sleep start:
    its 0 would pull every night's average down, so the summary leaves it out and says
    why, and the nights table lists it as such."""
    from pathlib import Path

    from analysis.nights import store_night
    from hypnic.workflows.night import process_files

    awake = process_files([Path(__file__).resolve().parents[1] / "data" / "real" / "impactr" / "hip-raw.csv"])
    assert awake.sleep.onset is None
    with connect(tmp_path / "a.sqlite") as con:
        store_night(con, awake)
        out, effects, _ = build_report(con, tmp_path / "out")
    text = html.unescape(" ".join(out.read_text(encoding="utf-8").split()))
    assert ("1 recording held no sleep period (awake throughout, or too short): listed with the "
            "nights, but no night's count ('hypnic nights --delete NIGHT' removes one filed by "
            "mistake).</p><p>No night with sleep found yet") in text
    assert "Over 1 recorded night" not in text and ">no sleep found<" in text
    # no jerk near an onset there was none of (it read 0)
    assert '<td data-label="near onset"></td><td data-label="minutes to fall asleep"></td>' in text
    assert effects.n_nights == 0


def test_the_week_table_s_rate_is_the_week_s_jerks_over_its_hours_asleep():
    """Two nights of one week: 2 jerks in 1 h asleep (a short night) and none in 7 h. The
    week's rate is 2 jerks over 8 h, 0.25 an hour, not the mean of the nights' rates (1.0:
    the short night weighed as much as the long one)."""
    from analysis.report import _weekly

    nights = [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    rec = pd.DataFrame({"n_jerks": [2.0, 0.0], "hours_asleep": [1.0, 7.0], "rate_per_h_sleep": [2.0, 0.0]},
                       index=nights)
    week = _weekly(rec)
    assert week.to_dict("records") == [{"nights": "2", "jerks": "2", "per night": "1.0", "per hour asleep": "0.25"}]


def test_a_diary_only_night_adds_no_time_zone(sim_db, tmp_path):
    """Nights recorded in Berlin and a night only in the diary (no recording, no times):
    the nights table had a time zone column reading 'UTC' (the machine's) for that night
    beside 'Europe/Berlin'. Only recorded nights' zones count; a second one shows the column."""
    import sqlite3

    db = tmp_path / "z.sqlite"
    shutil.copy(sim_db[0], db)
    last = sim_db[1]["night"].iloc[-1]
    with sqlite3.connect(db) as con:
        con.execute("UPDATE nights SET tz = 'Europe/Berlin'")
    with connect(db) as con:
        add_entries(con, [DiaryEntry(night=last + dt.timedelta(days=1), stress=3)])
        text = build_report(con, tmp_path / "a")[0].read_text(encoding="utf-8")
    assert 'data-label="time zone"' not in text
    with sqlite3.connect(db) as con:
        con.execute("UPDATE nights SET tz = 'America/New_York' WHERE night = ?", (str(last),))
    with connect(db) as con:
        text = build_report(con, tmp_path / "b")[0].read_text(encoding="utf-8")
    cells = re.findall(r'<td data-label="time zone"[^>]*>([^<]*)</td>', text)
    assert cells.count("America/New_York") == 1 and cells[-1] == "" and "UTC" not in cells


def test_the_method_note_says_the_count_is_taken_as_proportional_when_the_length_is_not_fitted(sim_db, tmp_path):
    """The effects note names the night's length as fitted only when it was a term: with
    ``EffectsConfig(fit_hours=False)`` it said "whose effect is fitted" all the same."""
    from analysis.effects import EffectsConfig

    path, _ = sim_db
    db = tmp_path / "h.sqlite"
    shutil.copy(path, db)
    with connect(db) as con:
        out, effects, _ = build_report(con, tmp_path / "out", effects_config=EffectsConfig(fit_hours=False))
    words = _section(out.read_text(encoding="utf-8"), "effects")
    assert "whose effect is fitted" not in words
    assert ("on the night's length (the hours recorded, the count taken to grow in proportion to "
            "them); 95% confidence intervals") in words
    assert not effects.hours_fitted
