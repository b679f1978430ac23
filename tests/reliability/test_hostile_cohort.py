"""Hostile cohorts: one bad participant never stops ``hypnic batch``.

A diary dated 9999-12-31, a diary whose times have no zone, a diary missing a column,
a diary or a folder that cannot be read, a folder name that is not UTF-8: each is a
failure recorded against that participant (named in ``failures.csv``), every other
night is processed, every output is written, and a rerun resumes. Symbolic links inside
the cohort never count a night twice, and an output folder inside the cohort is never
read as a participant. The nights themselves are computed once per module (the parts
are copied), so each case costs only discovery, gathering and the cohort summary.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_figures import tally

from analysis.diary import FIELDS, SIMULATION_COLUMNS
from hypnic.workflows.cohort import BatchConfig, discover, read_diary, run_batch
from sensing.errors import HypnicError

NO_REPORTS = BatchConfig(reports=False)
N_NIGHTS = 8  # of the conftest cohort: p01 and p02 three nights each, p03 two
pytestmark = pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning")


@pytest.fixture(scope="module")
def done(cohort_dir, client, tmp_path_factory):
    """The cohort's output folder after a first complete run (copied by each test)."""
    out = tmp_path_factory.mktemp("done") / "out"
    result = run_batch(cohort_dir, out, NO_REPORTS, client=client)
    assert len(result.nights) == N_NIGHTS and result.failures.empty
    return out


@pytest.fixture
def resumed(done, tmp_path):
    """A copy of the finished output folder: a run on it resumes every known night."""
    out = tmp_path / "out"
    shutil.copytree(done, out)
    return out


def sim_diary(cohort: Path, person: str = "p01") -> pd.DataFrame:
    return pd.read_csv(cohort / person / "diary.csv", dtype=str, keep_default_na=False)


def _unreadable_folder(cohort: Path, monkeypatch) -> None:
    """p02 cannot be listed (PermissionError), as a folder of another user's would be
    (chmod does not stop root, so the listing itself is made to fail)."""
    real = Path.iterdir
    victim = cohort / "p02"

    def iterdir(self):
        if self == victim:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)


def _naive_times(cohort: Path, _) -> None:
    d = sim_diary(cohort)
    d["start"] = d["start"].str.replace("+00:00", "", regex=False)
    d.to_csv(cohort / "p01" / "diary.csv", index=False)


def _missing_column(cohort: Path, _) -> None:
    sim_diary(cohort).drop(columns=["stress"]).to_csv(cohort / "p01" / "diary.csv", index=False)


def _repeated_night(cohort: Path, _) -> None:
    d = sim_diary(cohort)
    d.loc[1, "night"] = d.loc[0, "night"]
    d.to_csv(cohort / "p01" / "diary.csv", index=False)


def _not_utf8_folder(cohort: Path, _) -> None:
    shutil.copytree(cohort / "p03", cohort / os.fsdecode(b"p\xff04"))


HOSTILE = {  # case -> (make it, participant named, words of the recorded error)
    "diary-9999-12-31": (lambda c, _: (c / "p01" / "diary.csv").write_text(
        "night,stress,hours_slept\n9999-12-31,3,6\n2026-01-05,4,7\n"), "p01", "2099-12-31"),
    "diary-naive-times": (_naive_times, "p01", "no time zone"),
    "diary-missing-column": (_missing_column, "p01", "stress"),
    "diary-repeated-night": (_repeated_night, "p01", "line 3: night 2026-01-05 repeats line 2"),
    "diary-not-utf8": (lambda c, _: (c / "p01" / "diary.csv").write_bytes(
        b"night,notes\n2026-01-05,caf\xe9\n"), "p01", "UTF-8"),
    "diary-unreadable": (lambda c, _: ((c / "p01" / "diary.csv").unlink(),
                                       (c / "p01" / "diary.csv").mkdir()), "p01", "directory"),
    "folder-unreadable": (_unreadable_folder, "p02", "Permission denied"),
    "folder-not-utf8": (_not_utf8_folder, "p\\xff04", "not valid UTF-8"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_one_bad_participant_is_a_named_failure_and_the_rest_completes(
        case, cohort_copy, resumed, client, monkeypatch):
    make, person, words = HOSTILE[case]
    make(cohort_copy, monkeypatch)
    result = run_batch(cohort_copy, resumed, NO_REPORTS, client=client)
    tally("cohort", case, inputs=1, nights=len(result.nights),
          failure_named=int(person in set(result.failures["participant"])))
    (row,) = result.failures.itertuples()
    assert row.participant == person and words in row.error, row
    n_lost = 3 if case == "folder-unreadable" else 0  # p02's nights cannot be listed
    assert len(result.nights) == N_NIGHTS - n_lost
    for name in ("events.parquet", "nights.parquet", "failures.csv", "cohort.json"):
        assert (resumed / name).is_file(), name
    assert pd.read_csv(resumed / "failures.csv")["participant"].tolist() == [person]
    again = run_batch(cohort_copy, resumed, NO_REPORTS, client=client)  # a rerun resumes
    assert again.computed == [] and len(again.skipped) == N_NIGHTS - n_lost
    assert again.failures["participant"].tolist() == [person]


def test_a_fixed_diary_is_used_on_the_rerun(cohort_copy, resumed, client):
    good = (cohort_copy / "p01" / "diary.csv").read_bytes()
    _missing_column(cohort_copy, None)
    first = run_batch(cohort_copy, resumed, NO_REPORTS, client=client)
    assert first.nights.set_index("participant").loc["p01", "stress"].isna().all()
    (cohort_copy / "p01" / "diary.csv").write_bytes(good)
    again = run_batch(cohort_copy, resumed, NO_REPORTS, client=client)
    assert again.failures.empty and again.computed == []
    assert again.nights.set_index("participant").loc["p01", "stress"].notna().all()


def test_a_failing_report_is_that_participants_failure(cohort_copy, resumed, client, monkeypatch):
    from hypnic.workflows import cohort as hb

    real = hb.participant_report

    def report(out_dir, person, *args):
        if person == "p02":
            raise ValueError("cannot draw this participant")
        return real(out_dir, person, *args)

    monkeypatch.setattr(hb, "participant_report", report)
    result = run_batch(cohort_copy, resumed, BatchConfig(), client=client)
    assert result.failures[["participant", "night_id"]].values.tolist() == [["p02", "report"]]
    assert (resumed / "reports" / "p01" / "index.html").is_file()
    assert (resumed / "reports" / "p03" / "index.html").is_file()
    assert not (resumed / "reports" / "p02").exists()


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_batch_outputs_are_owner_only(cohort_dir, client, tmp_path, umask):
    """Parts, tables, failures, reports and the cohort summary: files 0600, folders 0700."""
    old = os.umask(umask)
    try:
        out = tmp_path / "out"
        run_batch(cohort_dir, out, BatchConfig(), client=client)
    finally:
        os.umask(old)
    modes = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777)
             for p in [out, *out.rglob("*")]}
    tally("cohort", f"owner-only-umask-{umask:03o}", inputs=1, paths=len(modes))
    assert len(modes) > 30 and "out/reports/p01/index.html" in modes
    assert {k: v for k, v in modes.items()
            if v != ("0o700" if (tmp_path / k).is_dir() else "0o600")} == {}


def test_a_symlink_to_the_cohort_itself_counts_no_night_twice(cohort_copy, resumed, client):
    (cohort_copy / "all").symlink_to(".")
    (cohort_copy / "p03-again").symlink_to(cohort_copy / "p03")
    (cohort_copy / "p01" / "night-01" / "copy.csv").symlink_to(
        cohort_copy / "p01" / "night-01" / "wrist-left.csv")
    tasks, problems = discover(cohort_copy)
    assert problems == [] and len(tasks) == N_NIGHTS
    assert {t.participant for t in tasks} == {"p01", "p02", "p03"}
    files = [f for t in tasks for f in t.files]
    assert len({os.path.realpath(f) for f in files}) == len(files)
    result = run_batch(cohort_copy, resumed, NO_REPORTS, client=client)
    assert len(result.nights) == N_NIGHTS and result.computed == []


def test_a_symlinked_participant_outside_the_cohort_is_read(cohort_dir, tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "p09").symlink_to(cohort_dir / "p03")
    tasks, _ = discover(cohort)
    assert [(t.participant, t.night_id) for t in tasks] == [
        ("p09", "2026-01-05.parquet"), ("p09", "2026-01-06.parquet")]


def test_an_output_folder_inside_the_cohort_is_not_read_as_nights(cohort_copy, done, client):
    out = cohort_copy / "results"
    shutil.copytree(done, out)
    for _ in range(2):  # the second run sees the first run's outputs in the cohort
        result = run_batch(cohort_copy, out, NO_REPORTS, client=client)
        assert len(result.nights) == N_NIGHTS and result.failures.empty
        assert set(result.nights["participant"]) == {"p01", "p02", "p03"}


@pytest.mark.slow
def test_local_cluster_scratch_space_is_private_and_inside_out(tmp_path, monkeypatch):
    """The local cluster never uses the shared $TMPDIR/dask-scratch-space (whose lock
    files another user can replace by symbolic links): its scratch folder is a private
    temporary folder inside --out, gone after the run."""
    import tempfile

    from hypnic.workflows.cohort import dask_client

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setenv("TMPDIR", str(shared))
    monkeypatch.setattr(tempfile, "tempdir", None)
    out = tmp_path / "out"
    with dask_client(BatchConfig(workers=1), out) as client:
        dirs = list(client.run(lambda dask_worker: dask_worker.local_directory).values())
        scratch = [p for p in out.iterdir() if p.name.startswith(".dask-")]
        assert len(scratch) == 1 and oct(scratch[0].stat().st_mode & 0o777) == "0o700"
        assert dirs and all(d.startswith(str(scratch[0])) for d in dirs), dirs
    assert list(shared.iterdir()) == []
    assert [p.name for p in out.iterdir()] == []


# -- campaign: hostile diaries through the cohort's diary reader -------------------------

BUDGET = 400
FUZZ = settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NUMBER = st.floats(0, 24).map(repr)
COUNT = st.integers(0, 10).map(str)
FLAG = st.sampled_from(["0", "1"])
CLOCK = st.times().map(lambda t: t.strftime("%H:%M"))
#: A valid cell of every column of both diary layouts (the simulator's and hypnic's).
VALID = {
    "night": st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 20)).map(str),
    "start": st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 20),
                          timezones=st.just(dt.timezone.utc)).map(lambda t: t.isoformat(" ")),
    "hours_slept": NUMBER, "hours_in_bed": NUMBER, "sleep_debt_h": NUMBER,
    "caffeine_last_h": NUMBER, "exercise_h": NUMBER, "expected_jerks": NUMBER,
    "stress": COUNT, "tiredness": COUNT, "caffeine_drinks": COUNT, "alcohol_drinks": COUNT,
    "bothersome": COUNT, "n_jerks": COUNT, "antidepressant": FLAG, "lost_consciousness": FLAG,
    "daytime_jerks": FLAG, "bedtime": CLOCK, "wake_time": CLOCK, "caffeine_last": CLOCK,
    "medications": st.sampled_from(["", "sertraline", "sertraline; melatonin"]),
    "notes": st.text(max_size=12),
}
JUNK = st.one_of(
    st.sampled_from(["", "nan", "inf", "-1", "31", "1e309", "yes", "True", "9999-12-31",
                     "0001-01-01", "2026-02-30", "2026-01-05 22:22:48", "2026-01-05T22:22:48Z",
                     "9999-12-31 23:00:00+00:00", "1677-09-21 00:00:00+00:00", "24:00",
                     "'); DROP TABLE diary;--", "<script>x</script>", "a;b", "\x1b[31m"]),
    st.text(max_size=12))


@FUZZ
@given(data=st.data(), simulated=st.booleans(),
       columns=st.lists(st.sampled_from(sorted(VALID)), min_size=1, max_size=8, unique=True),
       junk=st.lists(st.sampled_from(sorted(VALID)), max_size=3, unique=True),
       n_rows=st.integers(0, 4))
def test_random_diaries_are_read_or_refused_clearly(tmp_path_factory, data, simulated, columns,
                                                    junk, n_rows):
    """Any diary file (the simulator's layout or hypnic's; valid cells but in the ``junk``
    columns, any text there) gives a diary table with one row per night or a HypnicError,
    never another exception, so one participant cannot stop a cohort."""
    import csv

    if simulated:  # the simulator's layout (recognised by start and hours_in_bed), at most
        # one of its columns left out
        gone = data.draw(st.lists(st.sampled_from(SIMULATION_COLUMNS[3:]), max_size=1), label="gone")
        columns = list(dict.fromkeys([*(c for c in SIMULATION_COLUMNS if c not in gone), *columns]))
    else:  # hypnic's layout: diary fields (headers themselves: test_fuzz_diary.py)
        columns = list(dict.fromkeys(["night", *(c for c in columns if c in FIELDS)]))
    rows = [[data.draw(JUNK if c in junk else VALID[c], label=c) for c in columns]
            for _ in range(n_rows)]
    path = tmp_path_factory.mktemp("diary") / "diary.csv"
    with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as f:
        csv.writer(f).writerows([columns, *rows])
    target = "diary-reader-simulated" if simulated else "diary-reader-hypnic"
    tally("cohort", target, inputs=1)
    try:
        table = read_diary(path)
    except HypnicError:
        tally("cohort", target, rejected=1)
        return
    except Exception:
        tally("cohort", target, failures=1)
        raise
    tally("cohort", target, read=1)
    assert table.index.is_unique and len(table) <= n_rows  # (a blank line is no night)
    assert "prev_sleep_debt_h" in table.columns
