"""Batch detection against simulated ground truth: jerk-shaped bursts found, look-alikes
rejected (where a burst counts as a sleep start is tested in ``test_windows.py``)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from detection import (
    EVENT_COLUMNS,
    JERK_SHAPED,
    DetectionConfig,
    NightResult,
    StreamingDetector,
    detect_night,
    score_events,
)
from detection.candidates import BOUNCE_REASON, IMPACT_REASON, SLOW_REASON, UNSEEN_REASON
from detection.night import sensor_candidates
from sensing.errors import HypnicError, InvalidRecordingError
from sensing.recording import Recording
from simulation import NightConfig, simulate_night


def bursts(result: NightResult) -> pd.DataFrame:
    """The jerk-shaped bursts of a result, wherever they happen (counted or not)."""
    return result.events[result.events["kind"].isin(JERK_SHAPED)]


def overlaps(events: pd.DataFrame, conf: pd.DataFrame, pad_s: float = 0.5) -> np.ndarray:
    """For each confounder row, whether some event on its sensor overlaps it."""
    pad = pd.Timedelta(seconds=pad_s)
    return np.array([((events["location"] == c.location) & (events["start"] <= c.end + pad)
                      & (events["end"] >= c.start - pad)).any() for c in conf.itertuples()])


def test_known_jerks_found_at_their_time_and_limb(jerk_night):
    result = detect_night(list(jerk_night.recordings.values()))
    truth = jerk_night.jerk_sensors
    score = score_events(bursts(result), truth, tolerance_s=0.5, by="location")
    assert len(truth) >= 10
    assert score.fp == 0
    assert score.recall >= 0.85
    # every matched detection is on the sensor that shows the jerk, within 0.5 s
    m = score.matched
    det, tru = bursts(result).iloc[m["detected"]], truth.iloc[m["truth"]]
    assert (det["location"].to_numpy() == tru["location"].to_numpy()).all()
    assert (np.abs((det["start"].to_numpy() - tru["start"].to_numpy()) / np.timedelta64(1, "s")) <= 0.5).all()
    # peaks are of the right size (the sensor front end loses some at the edges)
    ratio = det["peak_g"].to_numpy() / tru["peak_g"].to_numpy()
    assert np.median(ratio) == pytest.approx(1.0, abs=0.3)


def test_events_table_contract(jerk_night):
    result = detect_night(list(jerk_night.recordings.values()))
    assert isinstance(result, NightResult)
    ev = result.events
    assert list(ev.columns) == list(EVENT_COLUMNS)
    assert str(ev["start"].dtype) == "datetime64[ns, UTC]"
    assert ev["start"].is_monotonic_increasing
    assert set(ev["kind"]) <= {*JERK_SHAPED, "plm", "rhythmic", "artefact", "movement"}
    assert (ev.loc[ev["kind"] == "jerk", "rejected_reason"] == "").all()
    assert (ev.loc[ev["kind"] != "jerk", "rejected_reason"] != "").all()
    assert ev["score"].between(0, 1).all()
    assert ev["axis"].str.fullmatch(r"[+-][xyz]").all()
    assert set(ev["phase"]) <= {"pre-sleep", "sleep-onset", "sleep", "awakening", "day"}
    assert (result.activity.columns.tolist() == ["start", "location", "angle_change_deg", "enmo_mg", "asleep"])
    assert len(result.activity) % 3 == 0
    # a slow movement is a movement whatever its shape: its shape is not measured (NaN),
    # every burst's is; both have a time, a duration, a peak and a floor
    shape = ["peak_jerk_g_s", "freq_hz", "width_samples", "energy_s", "slow_ratio", "pre_dev_g", "post_dev_g",
             "late_dev_g", "vertical_share", "turn_deg", "pre_move_g", "rhythm_corr"]
    slow = ev["rejected_reason"].str.contains(SLOW_REASON, regex=False)
    assert 10 < slow.sum() < len(ev)
    assert ev.loc[slow, shape].isna().all().all()
    assert np.isfinite(ev.loc[~slow, shape].to_numpy()).all()
    assert np.isfinite(ev[["duration_s", "peak_g", "floor_g", "score"]].to_numpy()).all()


def test_generalized_jerks_are_grouped_across_sensors(jerk_night):
    result = detect_night(list(jerk_night.recordings.values()))
    truth = jerk_night.jerks
    gen = truth[truth["pattern"] == "generalized"]
    assert len(gen) >= 2
    jerks = bursts(result)
    hits = 0
    for t in gen.itertuples():
        near = jerks[(jerks["start"] - t.start).abs() <= pd.Timedelta(seconds=0.5)]
        if near["location"].nunique() == 3:  # all three sensors saw it
            hits += 1
            assert near["group_id"].nunique() == 1
            assert (near["distribution"] == "generalized").all()
            assert (near["limbs"] == "arm-left;leg-left;trunk").all()
    assert hits >= len(gen) - 1
    # jerks 1-20 s apart form a series; lone ones are isolated
    groups = jerks.drop_duplicates("group_id").sort_values("start")
    gap = groups["start"].diff().dt.total_seconds()
    alone = (gap.isna() | (gap > 30)) & (gap.shift(-1).isna() | (gap.shift(-1) > 30))
    assert (groups.loc[alone, "series_id"] == -1).all()
    assert (groups.loc[~alone, "series_id"] >= 0).all()


def test_jerks_are_grouped_across_sensors_whose_clocks_disagree(jerky_night):
    """Loggers stamp their samples with their own clocks: with the ankle's clock 0.9 s
    ahead and 60 ppm fast and the trunk's 0.7 s behind, the jerk-shaped bursts make
    the same groups, with the same distributions, as on one clock; they keep the
    times their sensors gave. Without the alignment (no offset believed) they split."""
    recs = jerky_night.recordings
    t0 = recs["wrist-left"].time_ns[0]
    skew = {"ankle-left": lambda t: t + 900_000_000 + ((t - t0) * 60e-6).astype(np.int64),
            "trunk": lambda t: t - 700_000_000}
    skewed = [replace(r, time_ns=skew[loc](r.time_ns), gaps=skew[loc](r.gaps)) if loc in skew else r
              for loc, r in recs.items()]

    def groups(result):
        b = bursts(result).sort_values(["location", "start"])
        return [tuple(sorted(g["location"])) + (g["distribution"].iloc[0],)
                for _, g in b.groupby("group_id")]

    same = detect_night(list(recs.values()))
    apart = detect_night(skewed)
    assert sorted(groups(apart)) == sorted(groups(same))
    assert sum(len(g) == 4 for g in groups(same)) >= 3  # jerks all three sensors show
    wrist = bursts(apart)["location"] == "wrist-left"
    assert bursts(apart).loc[wrist, "start"].tolist() == bursts(same).loc[
        bursts(same)["location"] == "wrist-left", "start"].tolist()
    ankle = bursts(apart)["location"] == "ankle-left"
    shift = (bursts(apart).loc[ankle, "start"].to_numpy() - bursts(same).loc[
        bursts(same)["location"] == "ankle-left", "start"].to_numpy()) / np.timedelta64(1, "s")
    assert (shift > 0.9).all()  # on the ankle's own clock
    unaligned = detect_night(skewed, DetectionConfig(clock_min_shared=10**6))
    assert len(groups(unaligned)) > len(groups(same))


def test_plm_series_are_labelled_not_counted(plm_night):
    result = detect_night(list(plm_night.recordings.values()))
    plm = plm_night.confounders[plm_night.confounders["kind"] == "plm"]
    assert len(plm) >= 20
    assert len(bursts(result)) == 0
    seen = overlaps(result.events, plm)
    assert seen.mean() >= 0.9  # PLMs are found ...
    labelled = result.events[result.events["kind"] == "plm"]
    assert overlaps(labelled, plm).mean() >= 0.9  # ... and labelled as such
    assert labelled["rejected_reason"].str.startswith("periodic limb movement series").all()


def test_only_a_legs_periodic_movements_are_plms(plm_night):
    """The AASM scores PLMs on the legs: the same samples worn on a wrist (or at an
    unknown place) are ordinary movements, which show the sleeper awake."""
    ankle = plm_night.recordings["ankle-left"]
    as_ankle = detect_night(ankle).events
    assert (as_ankle["kind"] == "plm").sum() >= 10
    for place in ("wrist-left", "unknown"):
        moved = Recording(ankle.time_ns, ankle.acc, ankle.fs, place)
        ev = detect_night(moved).events
        assert not (ev["kind"] == "plm").any()
        assert (ev["kind"] == "movement").sum() >= (as_ankle["kind"] == "plm").sum()


def test_scratching_tremor_and_knocks_are_not_jerks(lookalike_night):
    result = detect_night(list(lookalike_night.recordings.values()))
    assert len(bursts(result)) == 0
    conf = lookalike_night.confounders
    ev = result.events
    scratch = conf[conf["kind"] == "scratch"]
    hit = overlaps(ev[ev["kind"] == "rhythmic"], scratch)
    assert hit.sum() >= len(scratch) - 1
    knocks = conf[conf["kind"] == "knock"]
    assert overlaps(ev[ev["kind"] == "artefact"], knocks).all()


def test_rules_off_let_look_alikes_through(lookalike_night):
    """The rules are what rejects the look-alikes (the test can fail)."""
    recs = list(lookalike_night.recordings.values())
    off = DetectionConfig(spike_max_samples=1e-3, clipped_spike_max_samples=1e-3,
                          rhythm_min_corr=1e9, jerk_max_s=1e9, rhythm_min_s=1e9)
    assert len(bursts(detect_night(recs, off))) >= 4


def test_clipped_jerks_stay_jerks_and_clipped_knocks_are_artefacts():
    cfg = NightConfig(fs=100, hours_in_bed=0.5, locations=("wrist-left",), n_jerks=8, plm=False,
                      n_scratch=0, n_tremor=0, n_knocks=4, gaps_per_night=0, range_g=2.0)
    night = simulate_night(cfg, seed=21)
    result = detect_night(list(night.recordings.values()))
    score = score_events(bursts(result), night.jerk_sensors)
    # two of the true jerks start within 10 ms on this wrist: one detection for both
    assert score.tp >= len(night.jerk_sensors) - 1 and score.fp == 0
    assert bursts(result)["clipped"].any()  # some jerks exceed +-2 g and are kept
    knocks = night.confounders[night.confounders["kind"] == "knock"]
    art = result.events[result.events["kind"] == "artefact"]
    assert overlaps(art, knocks).all()
    assert (art["rejected_reason"] == "clipped spike").any()


@pytest.mark.parametrize("fs", [25.0, 200.0])
def test_jerks_found_at_low_and_high_rates(fs):
    """The sampling alone (no turns in sleep: one among this night's cluster of jerks
    makes them a series of periodic movements on the ankle)."""
    cfg = NightConfig(fs=fs, hours_in_bed=0.5, locations=("wrist-left", "ankle-left"), n_jerks=6,
                      plm=False, n_scratch=0, n_tremor=0, n_knocks=2, gaps_per_night=0, sleep_turns=0)
    night = simulate_night(cfg, seed=31)
    result = detect_night(list(night.recordings.values()))
    score = score_events(bursts(result), night.jerk_sensors)
    assert score.fp == 0
    assert score.recall >= 0.8


def test_stimulus_triggered_jerks(jerk_night):
    recs = list(jerk_night.recordings.values())
    first = jerk_night.jerks["start"].iloc[3]
    stimuli = [first - pd.Timedelta(seconds=0.3), jerk_night.jerks["start"].iloc[0] + pd.Timedelta(seconds=2)]
    result = detect_night(recs, stimuli=stimuli)
    jerks = bursts(result)
    near = (jerks["start"] - first).abs() <= pd.Timedelta(seconds=0.2)
    assert near.any()
    assert jerks.loc[near, "stimulus"].all()
    assert not jerks.loc[~near, "stimulus"].any()
    # stimuli as int ns give the same
    as_ns = [s.value for s in stimuli]
    assert bursts(detect_night(recs, stimuli=as_ns))["stimulus"].tolist() == jerks["stimulus"].tolist()


def cut_before(rec: Recording, t0: int, lead_s: float) -> Recording:
    """``rec`` with 60 s cut out, ending ``lead_s`` before ``t0``, and the sensor turned
    upside down after the gap."""
    resume = t0 - int(lead_s * 1e9)
    keep = (rec.time_ns < resume - int(60e9)) | (rec.time_ns >= resume)
    acc = rec.acc.copy()
    acc[rec.time_ns >= resume] *= -1
    return Recording(rec.time_ns[keep], acc[keep], rec.fs, rec.location)


def test_jerk_after_a_gap_is_found_and_gaps_make_no_events(jerk_night):
    rec = jerk_night.recordings["wrist-left"]
    t0 = jerk_night.jerk_sensors.query("location == 'wrist-left'")["start"].iloc[-1].value
    cut = cut_before(rec, t0, 5.0)
    assert len(cut.gaps) == 1
    result = detect_night(cut)
    starts = bursts(result)["start"].astype("int64").to_numpy()
    assert (np.abs(starts - t0) < 5e8).any()
    gap_end = cut.gaps[0, 1]
    near_gap = np.abs(result.events["start"].astype("int64").to_numpy() - gap_end) < 1e9
    assert not near_gap.any()


@pytest.mark.parametrize("lead_s", [0.0, 1.0, 3.0])
def test_a_burst_too_soon_after_a_gap_is_not_judged_a_jerk(jerk_night, lead_s):
    """The 3.75 s before a burst (``context_gap_s`` + ``turn_s`` + ``slow_lag_s``) show
    whether the limb was at rest; a burst whose samples resume less than that before it
    (a device waking from idle sleep on a movement, a link back after a dropout) may be
    the end of a movement: an artefact, live as in batch."""
    rec = jerk_night.recordings["wrist-left"]
    t0 = jerk_night.jerk_sensors.query("location == 'wrist-left'")["start"].iloc[-1].value
    cut = cut_before(rec, t0, lead_s)
    ev = detect_night(cut).events
    near = ev[(ev["start"].astype("int64") - t0).abs() < 5e8]
    assert len(near) == 1
    assert near["kind"].tolist() == ["artefact"]
    assert near["rejected_reason"].tolist() == [UNSEEN_REASON]
    det = StreamingDetector(cut.fs, cut.location)
    for a in range(0, len(cut.time_ns), 997):
        det.push(cut.time_ns[a:a + 997], cut.acc[a:a + 997])
    det.flush()
    live = det.events
    assert live.loc[(live["start"].astype("int64") - t0).abs() < 5e8, "rejected_reason"].tolist() == [UNSEEN_REASON]


def test_lost_radio_packets_leave_short_pieces_and_the_jerks_are_still_found(jerk_night):
    """A live BLE link loses whole packets: here 1 in 10 frames of 20 samples (0.2 s),
    leaving pieces shorter than the half second looked at before a burst. Detection
    reads them (it once indexed past a piece's end) and finds the jerks it finds on the
    whole signal, but those that fell into a lost packet."""
    rec = jerk_night.recordings["wrist-left"]
    keep = np.repeat(np.random.default_rng(0).random(len(rec) // 20 + 1) >= 0.1, 20)[:len(rec)]
    lossy = Recording(rec.time_ns[keep], rec.acc[keep], rec.fs, rec.location)
    assert len(lossy.gaps) > 1000 and (np.diff(lossy.gaps.ravel())[1::2] < 0.5e9).any()
    whole = bursts(detect_night(rec))["start"].astype("int64").to_numpy()
    found = bursts(detect_night(lossy))["start"].astype("int64").to_numpy()
    kept = [t for t in whole if keep[np.searchsorted(rec.time_ns, t)]]
    assert len(kept) >= 4 and all((np.abs(found - t) < 1e8).any() for t in kept)


def test_a_burst_cut_by_a_lost_packet_is_not_a_jerk_and_one_after_it_is(jerk_night):
    """A packet lost inside a jerk leaves a burst of unknown shape: not a jerk. A packet
    lost two seconds before one is bridged, and the jerk stays a jerk; with
    ``bridge_gap_s`` 0 the piece after the loss is scanned on its own, and the jerk 2 s
    into it is too soon after its start to be judged."""
    from dataclasses import replace

    rec = jerk_night.recordings["wrist-left"]
    whole = bursts(detect_night(rec))
    t0 = whole["start"].iloc[0].value
    k = int(np.searchsorted(rec.time_ns, t0))

    def lose(a, b):
        keep = np.ones(len(rec), bool)
        keep[a:b] = False
        return Recording(rec.time_ns[keep], rec.acc[keep], rec.fs, rec.location)

    cut = detect_night(lose(k + 5, k + 25)).events  # 0.2 s lost inside the burst
    near = cut[(cut["start"] - whole["start"].iloc[0]).abs() < pd.Timedelta(seconds=0.3)]
    assert len(near) and (near["kind"] != "jerk").all()
    before = lose(k - 220, k - 200)  # 0.2 s lost 2 s before it
    found = bursts(detect_night(before))["start"].astype("int64").to_numpy()
    assert (np.abs(found - t0) < 1e8).any()
    alone = detect_night(before, replace(DetectionConfig(), bridge_gap_s=0.0)).events
    at = (alone["start"].astype("int64") - t0).abs() < 1e8
    assert alone.loc[at, "rejected_reason"].tolist() == [UNSEEN_REASON]


def _rec(n, fs=50.0, acc=None, start=1_767_650_000_000_000_000):
    t = start + (np.arange(n) * 1e9 / fs).astype(np.int64)
    a = np.tile(np.float32([0, 0, 1]), (n, 1)) if acc is None else acc
    return Recording(t, a, fs, "wrist-left")


@pytest.mark.parametrize("n", [0, 1, 5, 60, 3000])
def test_empty_short_and_constant_recordings_give_empty_tables(n):
    result = detect_night(_rec(n))
    assert list(result.events.columns) == list(EVENT_COLUMNS)
    assert len(result.events) == 0
    assert result.sleep.onset is None


def test_a_single_burst_in_a_short_recording_is_found():
    acc = np.tile(np.float32([0, 0, 1]), (300, 1))
    t = np.arange(8) / 50
    acc[200:208, 0] += (2 * np.sin(np.pi * t / 0.16) ** 2 * np.sin(2 * np.pi * t / 0.16)).astype(np.float32)
    result = detect_night(_rec(300, acc=acc))
    assert len(bursts(result)) == 1
    assert bursts(result)["start"].iloc[0].value == pytest.approx(_rec(300).time_ns[200], abs=4e7)


def test_nan_samples_are_refused_with_a_clear_error():
    acc = np.tile(np.float32([0, 0, 1]), (100, 1))
    acc[10] = np.nan
    with pytest.raises(InvalidRecordingError, match="finite"):
        _rec(100, acc=acc)


def test_bad_inputs_raise_project_errors():
    with pytest.raises(InvalidRecordingError):
        detect_night([])
    with pytest.raises(InvalidRecordingError, match="Recording"):
        detect_night([np.zeros((10, 3))])
    with pytest.raises(InvalidRecordingError, match="wrist-left"):
        detect_night([_rec(10), _rec(10)])
    with pytest.raises(InvalidRecordingError, match="takes a Recording or a list of them, got a str"):
        detect_night("wrist.csv")  # a path: it is not read here
    with pytest.raises(HypnicError, match="positive"):
        DetectionConfig(threshold_factor=-1)
    with pytest.raises(HypnicError, match="low, high"):
        DetectionConfig(plm_interval_s=(90.0, 5.0))
    with pytest.raises(HypnicError, match=r"sway_s \(4\) must be at least 5.5 s"):
        DetectionConfig(sway_s=4.0)  # the context before a burst reaches 3.5 s and a 2 s period back


def test_a_rate_too_slow_to_show_a_jerk_is_refused_by_every_entry_point():
    """A 5 Hz recording (a jerk of 50-250 ms is at most one sample there) was detected
    silently from Python, while ``hypnic detect`` refused its file."""
    from hypnic.workflows.night import process_night

    slow = _rec(600, fs=5.0)
    message = "the recording at wrist-left: 5 Hz is too slow to show a jerk (50-250 ms); hypnic needs 10 Hz or more"
    with pytest.raises(InvalidRecordingError) as caught:
        detect_night(slow)
    assert str(caught.value) == f"detect_night: {message}"
    with pytest.raises(InvalidRecordingError, match=re.escape(f"process_night: {message}")):
        process_night(slow)
    with pytest.raises(InvalidRecordingError, match="StreamingDetector: 5 Hz is too slow"):
        StreamingDetector(5, "wrist-left")
    assert len(detect_night(_rec(600, fs=10.0)).events) == 0  # 10 Hz is read


def test_a_config_that_is_not_a_detection_config_is_named():
    """Before: a dict of thresholds raised AttributeError from inside detect_night."""
    for call, who in [(lambda c: detect_night(_rec(10), config=c), "detect_night"),
                      (lambda c: StreamingDetector(25, "wrist-left", c), "StreamingDetector")]:
        with pytest.raises(TypeError) as caught:
            call({"min_peak_g": 0.2})
        assert str(caught.value) == (
            f"{who}: config must be a DetectionConfig (change a threshold with "
            "dataclasses.replace(DetectionConfig(), min_peak_g=0.2)), got dict {'min_peak_g': 0.2}")
        assert isinstance(caught.value, HypnicError)


def test_stimuli_that_are_not_times_are_refused_and_one_time_is_one_stimulus(jerk_night):
    """Before: a time pandas could not read raised its own DateParseError, one string was
    read letter by letter (ValueError 'Given date string "2"'), and None (NaT) marked
    every burst after it as stimulus-triggered."""
    recs = list(jerk_night.recordings.values())
    first = jerk_night.jerks["start"].iloc[3]
    one = (first - pd.Timedelta(seconds=0.3)).isoformat()
    assert bursts(detect_night(recs, stimuli=one))["stimulus"].tolist() == \
        bursts(detect_night(recs, stimuli=[one]))["stimulus"].tolist()
    for bad, shown in [(["not a time"], "'not a time' (1 of 1)"), ([one, None], "'None' (1 of 2)")]:
        with pytest.raises(HypnicError) as caught:
            detect_night(recs, stimuli=bad)
        assert str(caught.value) == (f"cannot read stimulus time {shown}: give ISO-8601 "
                                     "(2026-01-05T23:10:05Z), pandas Timestamps or int ns UTC")


def test_score_events_names_an_argument_of_the_wrong_type():
    """Not a raw TypeError from inside pandas or numpy: the argument, what it takes and
    what it got (a TypeError and a HypnicError)."""
    truth = pd.DataFrame({"start": pd.to_datetime(["2026-01-05T23:00:00Z"])})
    for args, kw, message in [
            (("found.csv", truth), {}, "score_events: detected must be a DataFrame of events, got str 'found.csv'"),
            ((truth, None), {}, "score_events: truth must be a DataFrame of events, got None"),
            ((truth, truth), {"tolerance_s": "0.5"},
             "score_events: tolerance_s must be a number of seconds, got str '0.5'"),
            ((truth, truth), {"by": 3}, "score_events: by must be a column name (str) or None, got int 3")]:
        with pytest.raises(TypeError) as caught:
            score_events(*args, **kw)
        assert str(caught.value) == message and isinstance(caught.value, HypnicError)
    with pytest.raises(HypnicError, match="score_events: truth has no 'start' column"):
        score_events(truth, truth.rename(columns={"start": "time"}))
    for bad in (-0.5, float("nan")):  # before: nothing matched, precision and recall 0
        with pytest.raises(HypnicError) as caught:
            score_events(truth, truth, tolerance_s=bad)
        assert str(caught.value) == f"score_events: tolerance_s must be zero or more seconds, got {bad!r}"
    with pytest.raises(HypnicError, match="score_events: by='nope' is a column of neither table"):
        score_events(truth, truth, by="nope")  # before: matched across every row without a word
    assert score_events(truth, truth).tp == 1  # the default, location, may be in neither


@pytest.mark.parametrize("field, value, message", [
    ("min_peak_g", "0.2", "DetectionConfig.min_peak_g must be a number, got str '0.2'"),
    ("min_peak_g", None, "DetectionConfig.min_peak_g must be a number, got None"),
    ("clip_ranges_g", [2, 4], "DetectionConfig.clip_ranges_g must be a tuple of numbers, got list [2, 4]"),
    ("plm_interval_s", 8, "DetectionConfig.plm_interval_s must be a tuple of numbers, got int 8"),
])
def test_a_config_value_of_the_wrong_type_is_named_by_its_type(field, value, message):
    """A value of the wrong type is a TypeError (and a HypnicError) saying what the field
    takes and the type it got, not that the value must be positive."""
    with pytest.raises(TypeError) as caught:
        DetectionConfig(**{field: value})
    assert str(caught.value) == message and isinstance(caught.value, HypnicError)


def test_an_empty_sensor_next_to_a_real_one(jerk_night):
    wrist = jerk_night.recordings["wrist-left"]
    empty = Recording(wrist.time_ns[:0], wrist.acc[:0], wrist.fs, "ankle-left")
    result = detect_night([empty, wrist])
    alone = detect_night(wrist)
    assert bursts(result)["start"].tolist() == bursts(alone)["start"].tolist()
    assert bursts(result)["distribution"].tolist() == bursts(alone)["distribution"].tolist()
    assert set(result.activity["location"]) == {"wrist-left"}
    assert result.sleep == alone.sleep


def _still_wrist(fs: float, seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample times (ns) and acceleration (g) of a wrist lying still, 5 mg noise."""
    n = int(seconds * fs)
    acc = np.tile([0.0, 0.0, 1.0], (n, 1)) + np.random.default_rng(seed).normal(0, 0.005, (n, 3))
    return (np.arange(n) * (1e9 / fs)).astype(np.int64), acc


def test_a_strap_ringing_after_an_impact_is_an_artefact_and_a_limb_burst_is_not():
    """RMS frequency: a 25 Hz ring decaying over ~30 ms (a knock on a sensor on its
    strap) against a 1-cycle 0.15 s burst (a limb thrown by a muscle: ~8 Hz)."""
    fs = 100.0
    t_ns, acc = _still_wrist(fs, 300, seed=4)
    t = np.arange(40) / fs
    acc[10_000:10_040, 0] += 1.5 * np.exp(-2 * np.pi * 25 * 0.2 * t) * np.sin(2 * np.pi * 25 * t)
    x = np.arange(15) / 15
    acc[20_000:20_015, 0] += 1.5 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    rec = Recording(t_ns, acc.astype(np.float32), fs, "wrist-left")
    ev = detect_night(rec).events
    ring = ev[(ev["start"] - pd.Timestamp(100, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
    limb = ev[(ev["start"] - pd.Timestamp(200, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
    assert len(ring) == 1 and len(limb) == 1
    assert ring["kind"].iloc[0] == "artefact" and ring["rejected_reason"].iloc[0] == IMPACT_REASON
    assert ring["freq_hz"].iloc[0] == pytest.approx(25, abs=3)
    assert ring["width_samples"].iloc[0] > DetectionConfig().spike_max_samples  # not a spike
    # its shape decides it, so what only the later rules read is not measured
    context = ["slow_ratio", "pre_dev_g", "post_dev_g", "late_dev_g", "vertical_share", "turn_deg", "pre_move_g",
               "rhythm_corr"]
    assert ring[context].isna().all().all() and np.isfinite(limb[context].to_numpy()).all()
    assert limb["kind"].iloc[0] in JERK_SHAPED
    assert limb["freq_hz"].iloc[0] == pytest.approx(1.25 / 0.15, abs=1.5)
    # the rule is what rejects the ring
    off = detect_night(rec, DetectionConfig(impact_min_hz=1e9)).events
    assert off["kind"].isin(JERK_SHAPED).sum() == 2


@pytest.mark.parametrize("fs", [100.0, 200.0, 400.0])
def test_a_burst_reads_the_same_frequency_at_any_rate(fs):
    """``freq_hz`` is measured as a 100 Hz sensor sees a burst (``freq_rate_hz``): a
    faster sensor adds noise up to half its rate (white noise reads fs / 4), which lifted
    small limb bursts over the impact limit at 400 Hz. A 1-cycle 0.15 s limb burst of
    0.2 g reads about 8 Hz at every rate and is jerk-shaped; a 25 Hz ring stays an
    impact."""
    t_ns, acc = _still_wrist(fs, 300, seed=5)
    # the same noise density at every rate: 5 mg at 100 Hz, 10 mg at 400 Hz
    acc += np.random.default_rng(6).normal(0, 0.005 * np.sqrt(fs / 100 - 1), acc.shape)
    t = np.arange(int(0.4 * fs)) / fs
    i = int(100 * fs)
    acc[i:i + len(t), 0] += 0.8 * np.exp(-2 * np.pi * 25 * 0.2 * t) * np.sin(2 * np.pi * 25 * t)
    x = np.arange(int(0.15 * fs)) / (0.15 * fs)
    i = int(200 * fs)
    acc[i:i + len(x), 0] += 0.2 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    ev = detect_night(Recording(t_ns, acc.astype(np.float32), fs, "wrist-left")).events
    ring = ev[(ev["start"] - pd.Timestamp(100, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
    limb = ev[(ev["start"] - pd.Timestamp(200, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
    assert len(ring) == 1 and len(limb) == 1
    assert ring["rejected_reason"].iloc[0] == IMPACT_REASON and ring["freq_hz"].iloc[0] > 20
    assert limb["kind"].iloc[0] in JERK_SHAPED
    assert limb["freq_hz"].iloc[0] == pytest.approx(1.25 / 0.15, abs=1.5)


def _tilt_x(acc: np.ndarray, i0: int, angle_deg: np.ndarray) -> None:
    """Turn the gravity a still wrist feels about its x axis from sample ``i0`` on, by
    ``angle_deg`` (one angle per sample, the last held to the end), in place."""
    th = np.radians(np.r_[angle_deg, np.full(len(acc) - i0 - len(angle_deg), angle_deg[-1])])
    acc[i0:, 1] += np.sin(th)
    acc[i0:, 2] += np.cos(th) - 1.0


def test_a_burst_that_ends_a_slow_turn_is_a_movement_and_a_tilted_cluster_is_not():
    """A limb turned slowly by 8 degrees over 3.5 s (a minimum-jerk profile) and landing
    with a brisk 0.15 s burst: a movement, though the turn changes the angle by less
    than 2.2 degrees in any half second (under ``min_move_g`` that way). The same burst
    out of rest is jerk-shaped, and so is a jerk 3 s after one that left the limb
    12 degrees away (the earlier jerk's tilt is not a movement the next one comes from)."""
    fs = 100.0
    t_ns, acc = _still_wrist(fs, 300, seed=5)
    x = np.arange(15) / 15
    burst = 0.6 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    u = np.arange(350) / 350  # the slow turn, 3.5 s, ending where the landing starts
    turn = 8.0 * (10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5)
    _tilt_x(acc, 6_650, turn)
    acc[7_000:7_015, 0] += burst  # landing at 70 s
    acc[15_000:15_015, 0] += burst  # out of rest at 150 s
    _tilt_x(acc, 22_000, np.linspace(0, 12, 20))  # a jerk at 220 s that tilts the limb
    acc[22_000:22_015, 0] += burst
    acc[22_300:22_315, 0] += burst  # the next jerk of the cluster, 3 s later
    assert (turn[50:] - turn[:-50]).max() < 2.2  # degrees in half a second
    assert 2 * np.sin(np.radians(2.2 / 2)) < DetectionConfig().min_move_g  # (a chord, g)
    ev = detect_night(Recording(t_ns, acc.astype(np.float32), fs, "wrist-left")).events

    def at(s: float) -> pd.Series:
        near = ev[(ev["start"] - pd.Timestamp(s, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
        assert len(near) == 1
        return near.iloc[0]

    landing = at(70)
    assert landing["kind"] == "movement" and "moving before" in landing["rejected_reason"]
    assert landing["pre_move_g"] > DetectionConfig().min_move_g
    for s in (150, 220, 223):
        assert at(s)["kind"] in JERK_SHAPED
        assert at(s)["pre_move_g"] < 0.02


def _swaying_wrist(fs: float, angle_deg: np.ndarray, seed: int) -> Recording:
    """A wrist lying still for 300 s that rolls about its x axis by ``angle_deg`` (one
    angle per sample) from 60 s on, with the same brisk 0.15 s burst amid the rolling at
    137 s and out of rest at 270 s."""
    t_ns, acc = _still_wrist(fs, 300, seed=seed)
    _tilt_x(acc, int(60 * fs), np.r_[angle_deg, 0.0])
    x = np.arange(round(0.15 * fs)) / round(0.15 * fs)
    for s in (137, 270):
        acc[int(s * fs):int(s * fs) + len(x), 0] += 0.6 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    return Recording(t_ns, acc.astype(np.float32), fs, "wrist-left")


def _near(ev: pd.DataFrame, s: float) -> pd.Series:
    near = ev[(ev["start"] - pd.Timestamp(s, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
    assert len(near) == 1
    return near.iloc[0]


@pytest.mark.parametrize("fs", [25.0, 50.0, 100.0])
def test_a_jerk_amid_rhythmic_rolling_is_judged_against_the_rolling(fs):
    """Rhythmic movement at sleep onset (body rolling, 0.5-2 Hz: ICSD's rhythmic movement
    disorder) moves the limb all the time, so a jerk amid it was "moving before" and
    "mostly slow" (the rolling's own turn during the burst). Against what the last
    roll before it predicts, the limb is out of that rhythm: the jerk is jerk-shaped, as
    the same burst out of rest is; without that comparison it is a movement."""
    t = np.arange(int(180 * fs)) / fs
    rec = _swaying_wrist(fs, 12.0 * np.sin(2 * np.pi * 0.8 * t), seed=11)
    ev = detect_night(rec).events
    amid, alone = _near(ev, 137), _near(ev, 270)
    assert alone["kind"] in JERK_SHAPED
    assert amid["kind"] in JERK_SHAPED
    assert amid["pre_move_g"] < DetectionConfig().min_move_g
    assert amid["slow_ratio"] < DetectionConfig().max_slow_ratio
    blind = detect_night(rec, replace(DetectionConfig(), sway_min_corr=np.inf)).events
    assert _near(blind, 137)["kind"] == "movement"
    assert _near(blind, 137)["pre_move_g"] > 2 * DetectionConfig().min_move_g


def test_a_burst_amid_movement_that_does_not_repeat_stays_a_movement():
    """The same rolling in size and speed, but not repeating (five incommensurate
    frequencies, 0.4-1.9 Hz, at random phases): no period predicts it, and the burst
    amid it stays a movement."""
    fs, rng = 50.0, np.random.default_rng(12)
    t = np.arange(int(180 * fs)) / fs
    angle = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in (0.41, 0.67, 0.97, 1.33, 1.87))
    angle = np.r_[angle * 12.0 / (np.sqrt(2) * angle.std()), 0.0]
    angle *= np.minimum(1.0, np.minimum(t, t[-1] - t) / 2.0).tolist() + [0.0]  # fade in and out
    ev = detect_night(_swaying_wrist(fs, angle[:-1], seed=12)).events
    amid = _near(ev, 137)
    assert amid["kind"] == "movement"
    assert amid["pre_move_g"] > DetectionConfig().min_move_g


def test_spikes_on_two_limbs_are_a_jerk_out_of_rest_and_a_landing_at_the_end_of_a_turn():
    """At 25 Hz a brisk burst can fill one sample on each limb: alone a knock, on two
    limbs at once a jerk (``rescue_spikes``), but only out of rest. The same two spikes
    ending a 3 s turn of both limbs (a posture shift landing) stay artefacts, and the
    reason says why."""
    fs, recs = 25.0, []
    for k, loc in enumerate(("wrist-left", "ankle-left")):
        t_ns, acc = _still_wrist(fs, 300, seed=7 + k)
        u = np.arange(75) / 75  # the turn, 3 s, ending where the landing is
        _tilt_x(acc, 70 * 25 - 75, 15.0 * (10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5))
        for i in (70 * 25, 150 * 25):  # the landing at 70 s; out of rest at 150 s
            acc[i, 0] += 0.8
        recs.append(Recording(t_ns, acc.astype(np.float32), fs, loc))
    ev = detect_night(recs).events

    def at(s: float) -> pd.DataFrame:
        near = ev[(ev["start"] - pd.Timestamp(s, unit="s", tz="UTC")).abs() < pd.Timedelta(seconds=0.3)]
        assert sorted(near["location"]) == ["ankle-left", "wrist-left"]
        return near

    assert (at(150)["kind"] == "wake-burst").all()  # a jerk (no rest period: not counted)
    assert (at(150)["width_samples"] <= DetectionConfig().spike_max_samples).all()
    landing = at(70)
    assert (landing["kind"] == "artefact").all()
    assert (landing["rejected_reason"] == "single-sample spike, the limb was moving before it "
            "(not out of rest)").all()
    assert (landing["pre_move_g"] > DetectionConfig().min_move_g).all()
    alone = detect_night(recs[:1]).events  # one limb: a knock either way
    assert (alone.loc[alone["kind"] != "movement", "kind"] == "artefact").all()


def _held_leg(fs: float, onsets_s: list[float], hold_s: float | None, seed: int = 6,
              location: str = "ankle-left") -> Recording:
    """A leg lying still for 400 s that at each onset is thrown 4 degrees by a brisk
    0.15 s burst, held there ``hold_s`` and let back over 0.8 s (a minimum-jerk turn),
    or left where it landed (``hold_s`` None)."""
    t_ns, acc = _still_wrist(fs, 400, seed=seed)
    x = np.arange(round(0.15 * fs)) / round(0.15 * fs)
    burst = 0.5 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    u = np.arange(round(0.8 * fs)) / round(0.8 * fs)
    back = 4.0 * (1 - (10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5))
    for t in onsets_s:
        i0 = round(t * fs)
        angle = np.linspace(0, 4.0, len(x))
        if hold_s is not None:
            angle = np.r_[angle, np.full(round(hold_s * fs), 4.0), back, 0.0]
        _tilt_x(acc, i0, angle)
        acc[i0:i0 + len(x), 0] += burst
    return Recording(t_ns, acc.astype(np.float32), fs, location)


@pytest.mark.parametrize("fs", [25.0, 100.0])
def test_held_s_is_how_long_a_leg_stayed_away_before_it_came_back(fs):
    """``held_s`` of a jerk-like burst on a leg: from its start to the middle of the first
    half second back near where the leg was (4 degrees away, held 2 s, back over 0.8 s:
    about 2.6 s); NaN for a leg left where it landed, or held longer than the longest
    limb movement (10 s). A wrist's bursts are not measured."""
    cfg = DetectionConfig()
    for hold, lo, hi in ((2.0, 2.3, 3.0), (0.5, 0.8, 1.5)):
        c = sensor_candidates(_held_leg(fs, [100.0], hold), cfg)
        jerk = c[c["kind"] == "jerk"]
        assert len(jerk) == 1 and lo <= jerk["held_s"].iloc[0] <= hi
    for hold in (None, 12.0):
        c = sensor_candidates(_held_leg(fs, [100.0], hold), cfg)
        assert (c["kind"] == "jerk").sum() == 1 and c["held_s"].isna().all()
    c = sensor_candidates(_held_leg(fs, [100.0], 2.0, location="wrist-left"), cfg)
    assert (c["kind"] == "jerk").sum() == 1 and c["held_s"].isna().all()


def test_a_series_of_legs_held_and_let_back_is_a_plm_series_live_and_in_batch():
    """Six such movements 25 s apart on an ankle are a PLM series (their slow releases
    unseen by the high-pass), in batch and live; left where they landed they stay
    jerk-shaped bursts."""
    onsets = [100.0 + 25 * k for k in range(6)]
    rec = _held_leg(50.0, onsets, 2.0)
    batch = sensor_candidates(rec, DetectionConfig())
    assert (batch["kind"] == "plm").sum() == 6 and batch["held_s"].between(2.0, 3.0).sum() == 6
    det = StreamingDetector(rec.fs, rec.location)
    for i in range(0, len(rec), 333):
        det.push(rec.time_ns[i:i + 333], rec.acc[i:i + 333])
    det.flush()
    live = det.events
    assert live["kind"].tolist() == batch["kind"].tolist()
    np.testing.assert_allclose(live["held_s"], batch["held_s"], rtol=1e-9)
    landed = sensor_candidates(_held_leg(50.0, onsets, None), DetectionConfig())
    assert (landed["kind"] == "jerk").sum() == 6


def _biomech_hour(fs: float = 100.0, **kw):
    from dataclasses import replace

    from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night

    cfg = replace(BIOMECH_VARIANTS["typical"], locations=("wrist-left",), fs=fs,
                  sleep_hours=(1.0, 1.0), **kw)
    return simulate_biomech_night(cfg, seed=3)


@pytest.mark.parametrize("front_end", ["point", "integrate", "lowpass"])
def test_knocks_of_the_biomechanical_model_are_not_jerks(front_end):
    """The independent model's knocks (a sub-sample half-sine ringing the strap at
    12-35 Hz) are artefacts at 100 Hz through every front end; without the impact rule
    most of them pass for jerks."""
    night = _biomech_hour(knocks_per_night=(10, 10), jerks_per_night=(0, 0), front_end=front_end)
    recs = list(night.recordings.values())
    ev = detect_night(recs).events
    knocks = night.confounders[night.confounders["kind"] == "knock"]
    assert len(knocks) == 10
    assert not ev["kind"].isin(JERK_SHAPED).any()
    assert (ev["rejected_reason"] == IMPACT_REASON).sum() >= 6
    assert detect_night(recs, DetectionConfig(impact_min_hz=1e9)).events["kind"].isin(JERK_SHAPED).sum() >= 6


@pytest.mark.parametrize("front_end", ["point", "integrate", "lowpass"])
def test_knocks_at_50_hz_are_artefacts_too(front_end):
    """At 50 Hz the same knocks ring at 13-15 Hz by the first differences of the
    samples, which read a sinusoid of f Hz as fs / pi sin(pi f / fs): 15 Hz as 12.9 Hz.
    Inverted, they are impacts; taken as read, 3-4 of them passed for jerks."""
    night = _biomech_hour(fs=50.0, knocks_per_night=(10, 10), jerks_per_night=(0, 0), front_end=front_end)
    recs = list(night.recordings.values())
    ev = detect_night(recs).events
    assert not ev["kind"].isin(JERK_SHAPED).any()
    assert (ev["rejected_reason"] == IMPACT_REASON).sum() >= 3
    assert detect_night(recs, DetectionConfig(impact_min_hz=1e9)).events["kind"].isin(JERK_SHAPED).sum() >= 3


def test_knocks_behind_a_50_hz_anti_alias_filter_are_impacts_above_12_5_hz():
    """The rigid-body model's strap knocks (a 15-40 Hz ring) behind a consumer front end's
    low-pass at a quarter of 50 Hz read 7-16 Hz, piled up near the filter's edge: above
    the 12.5 Hz a limb's acceleration stays under (``impact_min_hz``), half of those
    that pass 15 Hz (15 of 27) are impacts. The same model's jerks read under 7 Hz there."""
    from simulation.kinematic import KinematicConfig, simulate_kinematic_night

    cfg = KinematicConfig(night_h=(1.5, 1.5), knock_per_h=20.0, jerks_per_onset=0.0,
                          no_jerk_night_prob=1.0, posture_per_h=0.0, scratch_per_h=0.0,
                          plm_prob=0.0, rem_twitch_per_min=0.0, fidget_prob=0.0, phone_prob=0.0,
                          gaps_per_night=0.0, awakenings_per_h=0.0)
    assert (cfg.odr_hz, cfg.lowpass) == (50.0, "odr/4")
    night = simulate_kinematic_night(cfg, seed=1)
    recs = list(night.recordings.values())
    knocks = night.confounders[night.confounders["kind"] == "knock"]
    assert len(knocks) >= 40

    def shaped(hz: float, vertical: float = 2.0) -> int:  # 2.0: the bounce rule off
        found = bursts(detect_night(recs, DetectionConfig(impact_min_hz=hz, bounce_vertical_share=vertical)))
        return int(overlaps(found, knocks).sum())

    assert DetectionConfig().impact_min_hz == 12.5
    assert shaped(12.5) <= 0.25 * len(knocks) and shaped(15.0) >= shaped(12.5) + 8
    # these knocks move the sensor straight along gravity without turning it: the
    # bounce rule files the ones that get past the impact rule too
    assert shaped(15.0, DetectionConfig().bounce_vertical_share) <= 2


@pytest.mark.parametrize("fs, front_end", [(100.0, "point"), (50.0, "lowpass")])
def test_jerks_of_the_biomechanical_model_are_slower_than_impacts(fs, front_end):
    night = _biomech_hour(fs=fs, knocks_per_night=(0, 0), jerks_per_night=(8, 8), front_end=front_end)
    result = detect_night(list(night.recordings.values()))
    found = bursts(result)
    score = score_events(found, night.jerk_sensors, by="location")
    assert score.tp == len(night.jerk_sensors) >= 4
    assert (found["freq_hz"].iloc[score.matched["detected"]] < 12.5).all()
    impacts = result.events[result.events["rejected_reason"] == IMPACT_REASON]
    near = [(impacts["start"] - t).abs().min() for t in night.jerk_sensors["start"]] if len(impacts) else []
    assert all(d > pd.Timedelta(seconds=1) for d in near)  # (a landing's impact may be one)


def test_a_small_jerk_is_a_candidate_on_the_trunk_only():
    """The trunk's peak floor is ``trunk_peak_factor`` of the limbs' (its mass moves less
    for the same impulse): a 0.08 g jerk (the size both independent simulators give a
    trunk-only one) is a candidate there and below a wrist's floor; streaming finds what
    batch does."""
    fs, n = 50.0, 3000
    rng = np.random.default_rng(3)
    acc = (np.float32([0, 0, 1]) + rng.normal(0, 0.003, (n, 3))).astype(np.float32)
    t = np.arange(8) / fs
    acc[1500:1508, 0] += (0.08 * np.sin(2 * np.pi * t / 0.16)).astype(np.float32)
    wrist = _rec(n, fs, acc)
    trunk = Recording(wrist.time_ns, acc, fs, "trunk")
    cfg = DetectionConfig()
    assert cfg.trunk_peak_factor * cfg.min_peak_g < 0.07 < cfg.min_peak_g
    assert len(sensor_candidates(wrist, cfg)) == 0
    found = sensor_candidates(trunk, cfg)
    assert len(found) == 1 and found["kind"].iloc[0] == "jerk"
    assert found["start_ns"].iloc[0] == pytest.approx(wrist.time_ns[1500], abs=4e7)
    det = StreamingDetector(fs, "trunk")
    live = pd.concat([det.push(trunk.time_ns[i:i + 100], trunk.acc[i:i + 100]) for i in range(0, n, 100)]
                     + [det.flush()])
    assert live["start_ns"].tolist() == found["start_ns"].tolist()
    assert live["kind"].tolist() == found["kind"].tolist()


def test_a_jerk_whose_limb_falls_back_and_rests_is_jerk_shaped_and_one_that_goes_on_is_a_movement():
    """A brisk 0.15 s burst that throws a still wrist 10 degrees, after which the limb
    falls back over 0.8 s (a minimum-jerk turn) and rests: it moved after the burst, but
    came to rest within ``settle_s``, as a limb a jerk threw does: jerk-shaped. The same
    burst followed by a steady 40 degree turn over 3 s, a movement under way: "the limb keeps
    moving after it"."""
    fs = 100.0
    cfg = DetectionConfig()
    t_ns, acc = _still_wrist(fs, 300, seed=8)
    x = np.arange(15) / 15
    burst = 0.6 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    u = np.arange(80) / 80
    back = 10.0 * (1 - (10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5))
    _tilt_x(acc, 10_000, np.r_[np.linspace(0, 10, 15), back, 0.0])  # thrown at 100 s, falls back
    acc[10_000:10_015, 0] += burst
    _tilt_x(acc, 20_000, np.r_[np.linspace(0, 10, 15), np.linspace(10, 50, 300)])
    acc[20_000:20_015, 0] += burst  # at 200 s, then a turn under way
    c = sensor_candidates(Recording(t_ns, acc.astype(np.float32), fs, "wrist-left"), cfg)

    def at(s: float) -> pd.Series:
        near = c[((c["start_ns"] / 1e9) - s).abs() < 0.3]
        assert len(near) == 1
        return near.iloc[0]

    fell_back, goes_on = at(100), at(200)
    assert fell_back["post_dev_g"] > cfg.sustained_g  # it moved after the burst ...
    assert fell_back["late_dev_g"] < cfg.sustained_g / 2  # ... and then rested
    assert fell_back["kind"] == "jerk"
    assert goes_on["kind"] == "movement" and goes_on["rejected_reason"] == "the limb keeps moving after it"
    assert goes_on["late_dev_g"] > cfg.sustained_g


def test_the_bed_bouncing_the_sensor_straight_up_and_down_is_not_a_jerk():
    """A partner getting into bed bounces the mattress: a damped 4 Hz oscillation of
    0.3 g along gravity, the wrist not turned (``vertical_share`` ~1, ``turn_deg`` ~0):
    an artefact. A jerk of the same size along gravity that turns the wrist 10 degrees
    (a joint's rotation turns gravity in the sensor's frame), and a sideways one, are
    jerk-shaped."""
    fs = 100.0
    cfg = DetectionConfig()
    t_ns, acc = _still_wrist(fs, 400, seed=9)
    t = np.arange(150) / fs
    bounce = 0.3 * np.exp(-0.15 * 2 * np.pi * 4 * t) * np.sin(2 * np.pi * 4 * t)
    acc[10_000:10_150, 2] += bounce  # at 100 s: the bed, straight along gravity
    x = np.arange(15) / 15
    burst = 0.6 * np.sin(np.pi * x) ** 2 * np.sin(2 * np.pi * x) / 0.77
    u = np.arange(80) / 80
    back = 10.0 * (1 - (10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5))
    for i0, axis in ((20_000, 2), (30_000, 0)):  # at 200 s along gravity, at 300 s sideways
        _tilt_x(acc, i0, np.r_[np.linspace(0, 10, 15), back, 0.0])
        acc[i0:i0 + 15, axis] += burst
    c = sensor_candidates(Recording(t_ns, acc.astype(np.float32), fs, "wrist-left"), cfg)

    def at(s: float) -> pd.Series:
        near = c[((c["start_ns"] / 1e9) - s).abs() < 0.3]
        assert len(near) == 1
        return near.iloc[0]

    bed, up, sideways = at(100), at(200), at(300)
    assert bed["vertical_share"] > 0.99 and bed["turn_deg"] < 0.2
    assert bed["kind"] == "artefact" and bed["rejected_reason"] == BOUNCE_REASON
    assert up["vertical_share"] > 0.5 and up["turn_deg"] > 5  # mostly along gravity, but turned
    assert up["kind"] == "jerk" and sideways["kind"] == "jerk"
    assert sideways["vertical_share"] < 0.5


@pytest.mark.parametrize("lost", [0.0, 0.05])
def test_a_night_is_detected_in_less_extra_memory_than_its_raw_samples(lost):
    """Issue #14: detection's peak extra memory <= 1x the raw float32 array of an 8 h
    night at 100 Hz, whole or with 5 % of its 28-sample radio packets lost (their gaps
    bridged, not joined into a copy). Allocation sizes do not depend on the machine."""
    import tracemalloc

    fs, n = 100.0, int(8 * 3600 * 100)
    rng = np.random.default_rng(0)
    acc = (np.array([0.05, -0.1, 0.99], np.float32) + rng.normal(0, 0.004, (n, 3)).astype(np.float32))
    acc[n // 2:n // 2 + 20, 0] += 1.5  # a burst, so the night has a candidate
    keep = np.repeat(rng.random(n // 28 + 1) >= lost, 28)[:n]
    rec = Recording(np.arange(n, dtype=np.int64)[keep] * 10_000_000 + 1_700_000_000_000_000_000,
                    np.round(acc[keep] * 256) / 256, fs, "wrist-left")
    detect_night(rec)  # imports and caches warm
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        detect_night(rec)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak <= 1.0 * rec.acc.nbytes, peak / rec.acc.nbytes
