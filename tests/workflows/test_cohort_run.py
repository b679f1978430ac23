"""hypnic batch on a 2-worker LocalCluster: same results as one by one, resume, failures."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from pagetext import page_text

from analysis.nights import counted_nights
from hypnic.workflows import cohort as hb
from hypnic.workflows.cohort import BatchConfig, discover, part_dir, run_batch, run_night
from hypnic.workflows.night import process_night
from sensing.errors import HypnicError
from sensing.readers import read

NO_REPORTS = BatchConfig(reports=False)
# Short nights where detection finds no sleep onset give all-NaN jerk times; the report's
# onset histogram (analysis/report.py, _onset_hist) then warns inside matplotlib.
pytestmark = pytest.mark.filterwarnings("ignore:All-NaN slice encountered:RuntimeWarning")


@pytest.fixture(scope="module")
def first_run(cohort_dir, client, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return out, run_batch(cohort_dir, out, BatchConfig(), client=client)


def test_discover_layouts(cohort_dir):
    tasks, _ = discover(cohort_dir)
    assert [(t.participant, t.night_id) for t in tasks] == [
        ("p01", "night-01"), ("p01", "night-02"), ("p01", "night-03"),
        ("p02", "night-01"), ("p02", "night-02"), ("p02", "night-03"),
        ("p03", "2026-01-05.parquet"), ("p03", "2026-01-06.parquet")]
    # the truth/ folder, diary.csv and model files are not recordings
    assert [os.path.basename(f) for f in tasks[0].files] == ["ankle-left.csv", "wrist-left.csv"]


def test_batch_equals_one_by_one(cohort_dir, first_run):
    out, result = first_run
    tasks, _ = discover(cohort_dir)
    assert result.failures.empty
    assert result.computed == sorted((t.participant, t.night_id) for t in tasks)
    assert len(result.nights) == len(tasks)
    for t in tasks:
        recs = [r for f in t.files for r in read(f)]
        seq = process_night(recs, ZoneInfo("UTC"), files=[os.path.basename(f) for f in t.files])
        mine = result.events[(result.events["participant"] == t.participant)
                             & (result.events["night_id"] == t.night_id)]
        assert (mine["night"] == seq.night).all()
        got = mine.drop(columns=["participant", "night_id", "night"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, seq.events.reset_index(drop=True), check_dtype=False)
        row = result.nights.set_index(["participant", "night_id"]).loc[(t.participant, t.night_id)]
        assert row["night"] == seq.night
        for k, v in seq.summary.items():
            assert row[k] == pytest.approx(v, nan_ok=True), k
        for k in hb.SLEEP_TIMES:  # the sleep window's times too
            want = getattr(seq.sleep, k)
            assert row[k] == want if want is not None else pd.isna(row[k]), k
    # a night's count is its jerk groups in the events table (a multi-sensor jerk counts once)
    jerks = result.events[result.events["kind"] == "jerk"]
    groups = jerks.groupby(["participant", "night_id"])["group_id"].nunique()
    counts = result.nights.set_index(["participant", "night_id"])["n_jerks"]
    assert counts.sum() > 0
    assert groups.reindex(counts.index, fill_value=0).tolist() == counts.tolist()
    # night dates follow the diary (the simulator's diary.csv is read for p01, p02)
    p01 = result.nights[result.nights["participant"] == "p01"]
    diary = pd.read_csv(cohort_dir / "p01" / "diary.csv")
    assert [str(d) for d in p01["night"]] == diary["night"].tolist()
    assert p01["stress"].tolist() == diary["stress"].astype(float).tolist()
    assert result.nights.loc[result.nights["participant"] == "p03", "stress"].isna().all()


def test_outputs_on_disk(first_run):
    out, result = first_run
    pd.testing.assert_frame_equal(pd.read_parquet(out / "nights.parquet"), result.nights, check_dtype=False)
    assert len(pd.read_parquet(out / "events.parquet")) == len(result.events)
    for person in ("p01", "p02", "p03"):
        assert "<h1>hypnic report: " + person in (out / "reports" / person / "index.html").read_text()
    summary = json.loads((out / "cohort.json").read_text())
    assert summary["n_participants"] == 3
    counted = int(counted_nights(result.nights).sum())  # a recording with no sleep found is no night's count
    assert 0 < counted < len(result.nights) and summary["n_nights"] == counted
    assert f"{len(result.nights) - counted} recordings with no sleep found left out" in summary["message"]
    assert summary["enough"] is False  # 3 participants: no population conclusion
    page = (out / "cohort.html").read_text()
    assert page.startswith("<!doctype html>")
    assert re.search(r"<p class=note>Made by hypnic \S+ from .+ on \w{3} \d{1,2} \w{3} \d{4} at \d\d:\d\d "
                     r"\(.+\); nights whose files state no time zone were read in UTC\.</p>", page)
    for person in ("p01", "p02", "p03"):  # each linked to their report
        assert f'<a href="reports/{person}/index.html">{person}</a>' in page
    assert pd.read_csv(out / "failures.csv").empty
    night, = json.loads(next((out / "parts").rglob("night.json")).read_text())["nights"]
    assert night["off_body"] == [] and night["sleep"]["onset"].endswith("Z")  # worn throughout

    def no_nan(name):
        raise ValueError(f"{name}: JSON has no NaN")

    # every JSON written reads in any parser: a figure not found is null (a night with no
    # sleep found wrote NaN in its night.json)
    parts = [n for p in sorted((out / "parts").rglob("night.json"))
             for n in json.loads(p.read_text(), parse_constant=no_nan)["nights"]]
    json.loads((out / "cohort.json").read_text(), parse_constant=no_nan)
    assert any(n["sleep"]["onset"] is None and n["summary"]["hours_asleep"] is None for n in parts)


def test_reports_of_a_cohort_print_no_missing_value(cohort_dir, first_run):
    """The simulator's diary leaves medications empty: read with pandas, an empty cell is
    NaN, which was taken for a medication named "nan" and printed in the nights table.
    No report shows nan, NaN or None (page or figures)."""
    out, _ = first_run
    logged = pd.read_csv(cohort_dir / "p01" / hb.DIARY_NAME, keep_default_na=False)["medications"].tolist()
    assert "" in logged and any(logged)  # nights without a medication and with one
    assert hb.read_diary(cohort_dir / "p01" / hb.DIARY_NAME)["medications"].tolist() == logged
    text = (out / "reports" / "p01" / "index.html").read_text()
    assert re.findall(r'<td data-label="medications"[^>]*>([^<]*)</td>', text) == logged
    for person in ("p01", "p02", "p03"):
        text = (out / "reports" / person / "index.html").read_text()
        assert not re.search(r"\b(nan|NaN|None)\b", page_text(text)), person


def test_resume_recomputes_only_missing_night(cohort_dir, first_run, client, tmp_path):
    out0, first = first_run
    out = tmp_path / "out"
    shutil.copytree(out0, out)
    tasks, _ = discover(cohort_dir)
    gone, changed = tasks[1], tasks[6]
    shutil.rmtree(part_dir(out, gone))
    # an interrupted write leaves only a temporary folder, which does not count as done
    dead = part_dir(out, tasks[4]).parent / ".tmp-night-02-dead"
    dead.mkdir()
    os.utime(changed.files[0], ns=(1, 1))  # an input that changed since: redone too
    mtimes = {t: (part_dir(out, t) / "night.json").stat().st_mtime_ns for t in tasks if t is not gone}
    result = run_batch(cohort_dir, out, NO_REPORTS, client=client)
    assert result.computed == [(gone.participant, gone.night_id), (changed.participant, changed.night_id)]
    assert len(result.skipped) == len(tasks) - 2
    assert not dead.exists()
    for t, m in mtimes.items():
        if t is not changed:
            assert (part_dir(out, t) / "night.json").stat().st_mtime_ns == m
    pd.testing.assert_frame_equal(result.nights, first.nights)
    pd.testing.assert_frame_equal(result.events, first.events)


def test_night_folders_with_a_truth_file_are_scored(cohort_dir, first_run):
    """Each night folder holding truth/jerks.csv (as hypnic simulate writes; a labelled
    study can write the same) has its counted jerks scored against the true ones it could
    see, within 0.5 s: truth.csv, one row each; the files of p03 (no folder) have none."""
    from detection.scoring import score_jerks

    out, result = first_run
    truth = pd.read_csv(out / "truth.csv").fillna({"missed_as": ""})
    assert list(truth.columns) == hb.TRUTH_COLUMNS
    assert truth[["participant", "night_id"]].values.tolist() == [
        [p, f"night-0{i}"] for p in ("p01", "p02") for i in (1, 2, 3)]
    pd.testing.assert_frame_equal(truth, result.truth.fillna({"missed_as": ""}), check_dtype=False)
    for row in truth.itertuples():
        true = pd.read_csv(cohort_dir / row.participant / row.night_id / "truth" / "jerks.csv")
        true = true[true["observable"]].assign(start=lambda t: pd.to_datetime(t["start"], utc=True))
        mine = result.events[(result.events["participant"] == row.participant)
                             & (result.events["night_id"] == row.night_id)]
        score, missed_as = score_jerks(mine, true[["start"]].reset_index(drop=True))
        assert (row.n_true, row.tp, row.fp, row.fn) == (len(true), score.tp, score.fp, score.fn)
        assert row.missed_as == ";".join(missed_as)
    assert truth["tp"].sum() > 0 and (truth["tp"] + truth["fn"] == truth["n_true"]).all()


def test_a_truth_file_that_cannot_be_read_is_reported_and_its_night_kept(cohort_copy, client, tmp_path):
    (cohort_copy / "p01" / "night-02" / "truth" / "jerks.csv").write_text("time\nyesterday\n")
    result = run_batch(cohort_copy, tmp_path / "out", NO_REPORTS, client=client)
    assert result.failures[["participant", "night_id"]].values.tolist() == [["p01", "night-02/truth/jerks.csv"]]
    assert "the true jerk time(s) yesterday" in result.failures["error"].iloc[0]
    assert len(result.nights) == 8 and len(result.truth) == 5


def test_corrupt_file_reported_rest_completes(cohort_copy, client, tmp_path):
    bad = cohort_copy / "p02" / "night-04"
    bad.mkdir()
    (bad / "wrist-left.csv").write_bytes(b"time,x,y,z\n2026-01-09T22:00:00Z,0.1,zz\n\x00\x01garbage")
    result = run_batch(cohort_copy, tmp_path / "out", NO_REPORTS, client=client)
    assert len(result.computed) == 8
    # refused, not retried: the same file is refused again
    assert result.failures[["participant", "night_id", "attempts"]].values.tolist() == [["p02", "night-04", 1]]
    assert "FormatError" in result.failures["error"].iloc[0]
    assert pd.read_csv(tmp_path / "out" / "failures.csv")["night_id"].tolist() == ["night-04"]
    assert len(result.nights) == 8


def test_a_night_made_by_another_version_is_made_again(cohort_dir, tmp_path):
    """An upgraded hypnic recomputes: a cohort's tables never mix two versions' results."""
    import json

    task = discover(cohort_dir)[0][0]
    assert run_night(task, str(tmp_path))["ok"] and hb.is_done(tmp_path, task)
    meta = part_dir(tmp_path, task) / "night.json"
    info = json.loads(meta.read_text())
    meta.write_text(json.dumps({**info, "hypnic_version": "0.0.1-older"}))
    assert not hb.is_done(tmp_path, task)


def test_a_refused_file_is_not_retried(cohort_dir, monkeypatch, tmp_path):
    """A file hypnic refuses is refused again: one attempt, one message."""
    from sensing.errors import FormatError

    calls = []

    def refused(task, tz="UTC"):
        calls.append(task.night_id)
        raise FormatError("wrist-left.csv: not a recording")

    monkeypatch.setattr(hb, "process_task", refused)
    rec = run_night(discover(cohort_dir)[0][0], str(tmp_path), retries=1)
    assert (rec["ok"], rec["attempts"], len(calls)) == (False, 1, 1)
    assert rec["error"] == "FormatError: wrist-left.csv: not a recording"


def test_retry_once_recovers_a_transient_failure(cohort_dir, monkeypatch, tmp_path):
    calls = []
    real = hb.process_task

    def flaky(task, tz="UTC"):
        calls.append(task.night_id)
        if len(calls) in (1, 3):
            raise OSError("network file system hiccup")
        return real(task, tz)

    monkeypatch.setattr(hb, "process_task", flaky)
    task = discover(cohort_dir)[0][0]
    rec = run_night(task, str(tmp_path), retries=1)
    assert rec["ok"] and rec["attempts"] == 2 and calls == [task.night_id] * 2
    assert hb.is_done(tmp_path, task)
    rec = run_night(task, str(tmp_path / "again"), retries=0)  # no retry: the first failure is final
    assert (rec["ok"], rec["attempts"], rec["error"]) == (False, 1, "OSError: network file system hiccup")
    assert not hb.is_done(tmp_path / "again", task)


@pytest.mark.parametrize("kw, says", [({"workers": 0}, "workers must be 1 or more, got 0"),
                                      ({"retries": -1}, "retries must be 0 or more, got -1"),
                                      ({"tz": "Paris"}, "unknown time zone 'Paris'")])
def test_a_batch_config_that_cannot_work_is_refused_before_any_night(kw, says):
    """As the CLI refuses them (an unknown zone failed every night twice instead)."""
    with pytest.raises(HypnicError, match=re.escape(says)):
        BatchConfig(**kw)


def test_no_nights_is_a_clear_error(tmp_path):
    (tmp_path / "p01").mkdir()
    with pytest.raises(HypnicError, match="no nights found"):
        discover(tmp_path)
    with pytest.raises(HypnicError, match="no such cohort folder"):
        discover(tmp_path / "missing")


def test_interrupted_run_resumes_where_it_stopped(cohort_dir, first_run, client, tmp_path):
    import time

    out = tmp_path / "out"
    seen = []

    def stop_after_two(rec):
        if "total" not in rec:
            seen.append((rec["participant"], rec["night_id"]))
            if len(seen) == 2:
                raise KeyboardInterrupt  # Ctrl-C while other nights are still queued

    with pytest.raises(KeyboardInterrupt):
        run_batch(cohort_dir, out, NO_REPORTS, client=client, progress=stop_after_two)
    deadline = time.monotonic() + 60
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)  # let nights already running on the workers finish
    n = len(discover(cohort_dir)[0])
    assert not (out / "nights.parquet").exists()
    result = run_batch(cohort_dir, out, NO_REPORTS, client=client)
    assert set(seen) <= set(result.skipped)
    assert len(result.skipped) < n
    assert sorted(result.skipped + result.computed) == sorted(first_run[1].computed)
    pd.testing.assert_frame_equal(result.nights, first_run[1].nights)
    pd.testing.assert_frame_equal(result.events, first_run[1].events)


def test_a_run_in_another_zone_makes_the_nights_again(cohort_dir, first_run, client, tmp_path):
    """A zone names the nights and reads times written without one: a second run into the
    same folder with another --tz makes every night again in it (it said "all already
    done" and kept UTC), and going back makes them again once more."""
    out = tmp_path / "out"
    shutil.copytree(first_run[0], out)
    n = len(first_run[1].computed)
    again = run_batch(cohort_dir, out, BatchConfig(reports=False, tz="Pacific/Auckland"), client=client)
    assert len(again.computed) == n and not again.skipped
    assert set(again.nights["tz"]) == {"Pacific/Auckland"}
    back = run_batch(cohort_dir, out, NO_REPORTS, client=client)
    assert len(back.computed) == n and set(back.nights["tz"]) == {"UTC"}
    assert not run_batch(cohort_dir, out, NO_REPORTS, client=client).computed


def test_bad_diary_is_reported_and_the_nights_kept(cohort_copy, client, tmp_path):
    (cohort_copy / "p01" / "diary.csv").write_text("night,stress\n2026-01-05,eleven\n")
    result = run_batch(cohort_copy, tmp_path / "out", NO_REPORTS, client=client)
    assert len(result.computed) == 8 and len(result.nights) == 8
    bad = result.failures.set_index("participant").loc["p01"]
    assert bad["night_id"] == "diary.csv" and "DiaryError" in bad["error"] and "line 2" in bad["error"]
    p = result.nights.set_index("participant")["stress"]
    assert p.loc["p01"].isna().all() and p.loc["p02"].notna().all()


def test_without_dask_one_line_names_the_extra(cohort_dir, tmp_path, monkeypatch, capsys):
    import sys

    from hypnic.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ModuleNotFoundError):
        run_batch(cohort_dir, tmp_path / "out", NO_REPORTS)
    assert main(["batch", str(cohort_dir), "--out", str(tmp_path / "out2")]) == 1
    assert capsys.readouterr().err == ("hypnic: error: this needs the 'batch' extra (distributed "
                                       "is not installed): pip install 'hypnic[batch]'\n")


def _as_worker_process(monkeypatch):
    """Make the cohort code believe it runs in a Dask worker process (its warnings go to
    logging there; the test restores them)."""
    import multiprocessing
    import warnings

    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    monkeypatch.setattr(warnings, "filters", list(warnings.filters))


def test_a_worker_process_keeps_its_own_threads_warnings(monkeypatch):
    import logging
    import threading
    import warnings

    _as_worker_process(monkeypatch)
    with hb.kept_messages() as notes:
        logging.getLogger("sensing.readers.timecheck").warning("%s: a gap", "x.csv")
        warnings.warn("x.csv: idle sleep", UserWarning, stacklevel=1)
        other = threading.Thread(target=lambda: logging.getLogger("sensing").warning("another night's"))
        other.start()
        other.join()
    assert notes == ["x.csv: a gap", "x.csv: idle sleep"]
    monkeypatch.setattr(hb.multiprocessing, "parent_process", lambda: None)
    with hb.kept_messages() as none:  # the caller's own process: shown as they come
        assert none is None


def test_warnings_of_a_night_in_a_worker_process_are_shown_with_the_night(cohort_copy, client, tmp_path,
                                                                          monkeypatch, caplog):
    import logging

    _as_worker_process(monkeypatch)
    real = hb.process_task

    def noisy(task, tz="UTC"):
        logging.getLogger("sensing.readers.timecheck").warning("%s: a time problem", os.path.basename(task.files[0]))
        return real(task, tz)

    monkeypatch.setattr(hb, "process_task", noisy)
    task = discover(cohort_copy)[0][0]
    with caplog.at_level(logging.WARNING):
        [rec] = hb._run_nights([task], tmp_path, NO_REPORTS, client, None)
    assert rec["ok"] and "notes" not in rec
    assert f"p01/night-01: {os.path.basename(task.files[0])}: a time problem" in caplog.text


def test_a_file_named_for_a_place_gives_its_location_and_an_unnamed_one_is_told(tmp_path, caplog):
    """A layout without a location (a watch's WristMotion.csv, a MetaBase or ActiLife CSV)
    is worn where its file's name says (ankle-right.csv), as --location would; a file
    neither naming nor stating one is read as 'unknown' with a warning saying how to
    name it."""
    import dataclasses

    from sensing.generic import write_csv
    from simulation import NightConfig, simulate_night

    rec = simulate_night(NightConfig(fs=25, hours_in_bed=1.0, start="2026-01-05T22:30:00Z", n_jerks=3,
                                     locations=("ankle-left",), gaps_per_night=0), seed=5).recordings["ankle-left"]
    rec = dataclasses.replace(rec, location="unknown")  # the file states no location
    (tmp_path / "n1").mkdir()
    (tmp_path / "n2").mkdir()
    named, unnamed = write_csv(rec, tmp_path / "n1" / "Ankle_Right.csv"), write_csv(rec, tmp_path / "n2" / "watch.csv")
    night, = hb.process_task(hb.NightTask("p01", "n1", (str(named),)))
    assert set(night.activity["location"]) == {"ankle-right"}
    assert "where it was worn is not known" not in caplog.text
    night, = hb.process_task(hb.NightTask("p01", "n2", (str(unnamed),)))
    assert set(night.activity["location"]) == {"unknown-0"}
    assert "watch.csv: where it was worn is not known (location unknown-0); name its file for the place, " \
           "e.g. ankle-right.csv" in caplog.text
    assert hb.name_location("wrist-left.csv.gz") == "wrist-left"
    assert hb.name_location("unknown.csv") is None


def test_a_night_reached_twice_counts_once_and_is_reported(cohort_copy, client, tmp_path):
    """Two night ids of one participant on one date (a night's file put beside its folder
    or copied under another name) count once in every table, the report's included; the
    second is listed in failures.csv with a plain reason."""
    shutil.copy(cohort_copy / "p03" / "2026-01-05.parquet", cohort_copy / "p03" / "wrist-right.parquet")
    result = run_batch(cohort_copy, tmp_path / "out", NO_REPORTS, client=client)
    p03 = result.nights[result.nights["participant"] == "p03"]
    assert p03["night"].is_unique and list(p03["night_id"]) == ["2026-01-05.parquet", "2026-01-06.parquet"]
    assert set(result.events.loc[result.events["participant"] == "p03", "night_id"]) == set(p03["night_id"])
    row, = result.failures.itertuples()
    assert (row.participant, row.night_id) == ("p03", "wrist-right.parquet")
    assert row.error.endswith("the night of 2026-01-05 again (already 2026-01-05.parquet); left out: put "
                              "one night's files in one night folder")


def test_a_file_stating_its_zone_is_read_named_and_shown_in_it(caplog):
    """BatchConfig.tz is the zone of nights whose files state none: a GENEActiv set to
    UTC+01:00 is read at that offset whatever the run's tz (before: its 23:30 was read as
    23:30 in the run's zone, 9 h off for a Tokyo file in a UTC run, with a warning per
    night), and its night is named and shown there; a file without a zone is read in tz."""
    data = Path(__file__).resolve().parents[1] / "data" / "readers"
    for name in ("geneactiv.bin", "geneactiv.csv"):
        night, = hb.process_task(hb.NightTask("p01", "n1", (str(data / name),)), tz="Asia/Tokyo")
        assert night.tz == "UTC+01:00" and str(night.night) == "2026-01-05"
        assert night.activity["start"].iloc[0] == pd.Timestamp("2026-01-05T22:30:00Z")  # 23:30 at UTC+01:00
    assert "its clock was set to" not in caplog.text
    night, = hb.process_task(hb.NightTask("p01", "n2", (str(data / "generic_semicolon_local.csv"),)), tz="Asia/Tokyo")
    assert night.tz == "Asia/Tokyo"
    assert night.activity["start"].iloc[0] == pd.Timestamp("2026-01-05T14:30:00Z")  # 23:30 in Tokyo


def test_a_participants_hours_slept_are_reckoned_in_the_nights_zone(tmp_path):
    """Before: a cohort diary's 22:30 to 05:30 the night Berlin's clocks went back read 7 h
    slept (8 h passed): the nights' zones were not passed to the diary."""
    import datetime as dt

    path = tmp_path / "diary.csv"
    path.write_text("night,bedtime,wake\n2026-10-24,22:30,05:30\n2026-10-25,22:30,05:30\n")
    table = hb.read_diary(path, {dt.date(2026, 10, 24): ZoneInfo("Europe/Berlin")})
    assert table["hours_slept"].tolist() == [8.0, 7.0]  # the second night: no zone, the wall clock
