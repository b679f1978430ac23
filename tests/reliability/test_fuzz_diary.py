"""Property-based: diary import (CSV) with out-of-range values, junk and injection attempts.

Import is all-or-nothing: a file is either stored exactly (text fields verbatim, even
when they hold SQL or HTML) or refused with a :class:`~analysis.diary.DiaryError`
(a :class:`~sensing.errors.HypnicError`), leaving the diary as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from cli_run import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_figures import tally

from analysis.diary import FIELDS, RANGES, connect, import_csv, list_entries, read_csv
from sensing.errors import HypnicError

BUDGET = 120
FUZZ = settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
INJECTIONS = ["'); DROP TABLE diary;--", "\"; DELETE FROM diary; --", "<script>alert(1)</script>",
              "1' OR '1'='1", "Robert'); DROP TABLE events;--", "\u202eevil", "=cmd|' /C calc'!A0",
              "x\ny", "\x00", "; ; ;", "' || (SELECT value FROM meta) || '"]
VALUES = st.one_of(
    st.sampled_from(["", "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "5", "10", "11", "24",
                     "24.5", "30", "31", "2.5", "1e2", "0x1f", "yes", "no", "maybe", "23:59",
                     "24:00", "7:5", "2026-02-30", "2026-01-05", "99999-01-01", *INJECTIONS]),
    st.text(max_size=20))


def row_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def import_checked(db, text: str, kind: str):
    """Import ``text`` into a new diary ``db``; count it; only DiaryError may come out, and a
    refused import leaves the diary empty."""
    tally("diary-import", "csv", **{"inputs": 1, kind: 1})
    try:
        with connect(db) as con:
            import_csv(con, text, replace_existing=True)
    except HypnicError:
        tally("diary-import", "csv", rejected=1)
        with connect(db) as con:
            assert list_entries(con) == []  # all or nothing
        return None
    except Exception:
        tally("diary-import", "csv", failures=1)
        raise
    tally("diary-import", "csv", imported=1)
    with connect(db) as con:
        return list_entries(con)


@FUZZ
@given(fields=st.lists(st.sampled_from([f for f in FIELDS if f != "night"]), min_size=1,
                       max_size=6, unique=True),
       cells=st.lists(st.lists(VALUES, min_size=7, max_size=7), min_size=1, max_size=4))
def test_random_rows(tmp_path_factory, fields, cells):
    header = ["night", *fields]
    rows = [[f"2026-01-{i + 1:02d}", *c[:len(fields)]] for i, c in enumerate(cells)]
    db = tmp_path_factory.mktemp("diary") / "d.sqlite"
    got = import_checked(db, row_text(header, rows), "random_rows")
    if got is not None:
        assert len(got) == len(rows)
        for e in got:
            for name, (lo, hi, _) in RANGES.items():
                v = getattr(e, name)
                assert v is None or lo <= v <= hi


@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(tmp_path_factory, text):
    db = tmp_path_factory.mktemp("diary") / "d.sqlite"
    import_checked(db, text, "random_text")


@pytest.mark.parametrize("name, value", [(n, v) for n in RANGES
                                          for v in ("nan", "inf", "-inf", "1e309", "-0.5")])
def test_out_of_range_numbers_are_refused(tmp_path, name, value):
    text = row_text(["night", name], [["2026-01-05", value]])
    with pytest.raises(HypnicError):
        with connect(tmp_path / "d.sqlite") as con:
            import_csv(con, text)
    with connect(tmp_path / "d.sqlite") as con:
        assert list_entries(con) == []


@pytest.mark.parametrize("text", ["\r0", "night\n2026-01-05\rx\n"])
def test_malformed_csv_quoting_is_a_diary_error(text):
    with pytest.raises(HypnicError):
        read_csv(text)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_text_fields_is_stored_verbatim(tmp_path, payload):
    """SQL and HTML in notes and medication names are data: stored as typed, tables intact."""
    db = tmp_path / "d.sqlite"
    meds = payload.replace(";", ",") or "x"
    text = row_text(["night", "notes", "medications", "stress"],
                    [["2026-01-05", payload, meds, "3"], ["2026-01-06", "fine", "", "4"]])
    got = import_checked(db, text, "injection")
    if payload == "\x00" or not meds.strip():
        return
    assert got is not None and len(got) == 2
    assert got[0].notes == payload.strip() and got[0].medications == (meds.strip(),)
    with connect(db) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"diary", "events", "meta", "nights"} <= tables
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_read_csv_lists_every_bad_line():
    text = row_text(["night", "stress", "hours_slept"],
                    [["2026-01-05", "11", "7"], ["2026-01-06", "3", "25"], ["2026-01-07", "3", "7"]])
    with pytest.raises(HypnicError, match=r"2 bad row\(s\).*line 2: stress.*line 3: hours_slept"):
        read_csv(text)


# -- nights out of range, deleting an entry, notes on the terminal -----------------------

@pytest.mark.parametrize("night", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_a_night_out_of_range_is_refused(tmp_path, night):
    """9999-12-31 used to be stored, then broke ``report`` and ``nights`` for good
    (OverflowError computing the previous night's sleep debt)."""
    db = tmp_path / "d.sqlite"
    code, _, err = run_main(["diary", "add", night, "--slept", "6", "--db", db])
    assert code == 1 and err.count("\n") == 1 and "from 2000-01-01 to 2099-12-31" in err, err
    with pytest.raises(HypnicError, match="2099-12-31"):
        read_csv(f"night,stress\n{night},3\n")
    code, _, err = run_main(["diary", "add", "2099-12-31", "--slept", "6", "--db", db])
    assert code == 0, err


def test_a_stored_night_out_of_range_breaks_nothing_and_can_be_deleted(tmp_path, caplog):
    """A diary written by an older hypnic may hold 9999-12-31: report and nights work
    (the entry is left out with a warning saying how to delete it), and
    ``hypnic diary delete`` removes it."""
    import sqlite3

    db = tmp_path / "d.sqlite"
    assert run_main(["diary", "add", "2026-01-05", "--slept", "6", "--stress", "4", "--db", db])[0] == 0
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO diary (night, hours_slept) VALUES ('9999-12-31', 5)")
    con.close()
    for argv in (["report", "--out", tmp_path / "rep"], ["nights"], ["diary", "list"]):
        caplog.clear()
        code, _, err = run_main([*argv, "--db", db])
        assert code == 0, (argv, err)
        assert "(remove it: hypnic diary delete 9999-12-31)" in caplog.text  # a warning line
    assert "No recorded nights yet" in (tmp_path / "rep" / "index.html").read_text()
    code, out, err = run_main(["diary", "delete", "9999-12-31", "--db", db])
    assert (code, out, err) == (0, "deleted the diary entry of night 9999-12-31\n", "")
    code, out, err = run_main(["diary", "export", "-", "--db", db])
    assert code == 0 and err == "" and out.count("\n") == 2 and "2026-01-05" in out
    code, _, err = run_main(["diary", "delete", "2026-01-06", "--db", db])
    assert code == 1 and err == "hypnic: error: night 2026-01-06 is not in the diary\n"


@pytest.mark.parametrize("note", ["\x1b[2J\x1b[31mred", "\x1b]0;title\x07", "\x9b31m", "\x00\x08\x7f"])
def test_diary_export_to_the_terminal_never_prints_control_codes(tmp_path, note):
    db = tmp_path / "d.sqlite"
    assert run_main(["diary", "add", "2026-01-05", "--notes", f"a{note}b", "--db", db])[0] == 0
    code, out, _ = run_main(["diary", "export", "-", "--db", db])
    assert code == 0 and "a" in out
    assert not any(c in out for c in "\x00\x07\x08\x1b\x7f\x9b"), repr(out)
    assert note.encode("unicode_escape").decode() in out
    assert run_main(["diary", "export", tmp_path / "d.csv", "--db", db])[0] == 0  # a file keeps them
    assert read_csv((tmp_path / "d.csv").read_text())[0].notes == f"a{note}b"


# -- campaign: structured entries (every field over its whole type) ----------------------

ENTRY_BUDGET = 1500
ENTRY_FUZZ = settings(max_examples=ENTRY_BUDGET, derandomize=True, deadline=None, database=None)
NIGHTS = st.one_of(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), st.dates())
TIMES = st.one_of(st.none(), st.sampled_from(["00:00", "23:59", "24:00", "7:05", "12:60", "", "x"]),
                  st.times().map(lambda t: t.strftime("%H:%M")))
NUMBERS = st.one_of(st.none(), st.integers(0, 10), st.floats(0, 24), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True))


@ENTRY_FUZZ
@given(nights=st.lists(NIGHTS, min_size=1, max_size=4, unique=True),
       values=st.fixed_dictionaries({name: NUMBERS for name in RANGES}),
       times=st.fixed_dictionaries({"bedtime": TIMES, "wake_time": TIMES, "caffeine_last": TIMES}),
       meds=st.lists(st.text(max_size=8), max_size=3), notes=st.text(max_size=30),
       flags=st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3))
def test_structured_entries_are_valid_or_refused_and_round_trip(nights, values, times, meds,
                                                               notes, flags):
    """Every field over its whole type (any date, any number, any text): an entry is a
    DiaryError or valid; valid entries give a nights table (sleep debt of the night
    before included) and come back from a CSV export as they were."""
    from analysis.diary import DiaryEntry, diary_frame, write_csv
    from analysis.nights import add_sleep_debt

    tally("diary-import", "structured-entries", inputs=1)
    try:
        entries = [DiaryEntry(night=n, **values, **times, medications=tuple(meds), notes=notes,
                              antidepressant=flags[0], lost_consciousness=bool(flags[1]),
                              daytime_jerks=bool(flags[2])) for n in nights]
    except HypnicError:
        tally("diary-import", "structured-entries", rejected=1)
        return
    except Exception:
        tally("diary-import", "structured-entries", failures=1)
        raise
    tally("diary-import", "structured-entries", imported=1)
    table = add_sleep_debt(diary_frame(entries))
    assert len(table) == len(nights) and (table["sleep_debt_h"].dropna() >= 0).all()
    assert read_csv(write_csv(entries)) == entries
