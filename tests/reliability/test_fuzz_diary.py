"""Property-based: diary import (CSV) with out-of-range values, junk and injection attempts.

Import is all-or-nothing: a file is either stored exactly (text fields verbatim, even
when they hold SQL or HTML) or refused with a :class:`~analysis.diary.DiaryError`
(a :class:`~sensing.errors.HypnicError`), leaving the diary as it was.
"""

from __future__ import annotations

import csv
import io

import pytest
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
