"""The HTML report: sections, escaping, self-containment, doctor section, and how it looks."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import numpy as np
import pytest

from analysis.diary import DiaryEntry, add_entries, connect, edit_entry
from analysis.report import ReportConfig, build_report

SECTIONS = ("summary", "overview", "timeline", "timing", "series", "effects", "nights", "about")
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
    assert f"Over {len(diary)} recorded night(s)" in text
    assert f"{effects.n_nights} nights and {effects.n_jerks} jerks analysed" in text
    assert text.count("data:image/png;base64,") >= 7
    assert "not a medical device" in text and "usually harmless" in text
    assert "true (simulated)" not in text or "Black crosses" in text


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


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize(("width", "height"), [(1280, 2400), (390, 2400)])
def test_screenshot_in_headless_chromium(report, tmp_path, width, height):
    from PIL import Image

    out = report[0]
    png = tmp_path / f"report-{width}.png"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--hide-scrollbars", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           f"--window-size={width},{height}", f"--screenshot={png}", out.resolve().as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    img = np.asarray(Image.open(png).convert("L"), float)
    assert img.shape == (height, width)
    # the page is drawn: text and plots give dark pixels in the top part, cards are lighter
    top = img[: height // 2]
    assert (top < 100).mean() > 0.005 and top.std() > 20
    # nothing overflows sideways: the right-most 10 px column is background
    assert img[:, -10:].std() < 25
