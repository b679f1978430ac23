"""Accuracy of detection across a family of signal models: per variant and the worst case.

The family: ``hypnic-sim`` (``simulation.simulate_night``, cycling rates 25-200 Hz,
sensor sets and noise 4-15 mg, every look-alike present) and every variant of the
independently written biomechanical model (``simulation.biomech.BIOMECH_VARIANTS``:
post-jerk tilt and ringing, rollovers ending in a landing impact, jerk clusters,
restless wake, phone use in bed, point sampling at 25 Hz, 15 mg noise, clock drift and
jitter, PLM series, knocks, an afternoon + night, a week) and of the independently written
rigid-body model (``simulation.kinematic.KINEMATIC_VARIANTS``: joint dynamics driven by a
muscle's activation; consumer front ends at 26-52 Hz with packet timestamps, REM twitches,
a bed partner turning over, a light sleeper's motionless awakenings, a day before the
night, a chest strap) and of the independently written hypnogram model
(``simulation.hypnogram.HYPNOGRAM_VARIANTS``: movement driven by a night of sleep stages,
a jerk at every fall from wake into sleep; datasheet front ends at 25 and 100 Hz whose
drifting device clocks stamp the samples, :func:`on_recorded_clock`) and of the
independently written transition model (``simulation.transition.TRANSITION_VARIANTS``:
what moves at the wake-sleep transition and is not a sleep start, foot tremor, body
rolling, restless legs, a loose band, a budget band at 12.5 Hz, a bouncing mattress, an
arm under the pillow; its sleepers turn in their sleep themselves).

Per jerk (a detected multi-sensor group vs a true jerk on any sensor, starts within
``--tolerance`` s): only jerks the detector counts (kind ``jerk``) and only true jerks
in a falling-asleep phase (``sensing.body.FALLING_ASLEEP_PHASES``) of a night (not of a
nap: the detector shows those apart, kind ``nap-jerk``) are scored:

* ``tp``: a counted jerk matching a true sleep-start jerk;
* ``fn``: a true sleep-start jerk (visible: not in a data gap) with no counted jerk;
* ``false``: a counted jerk matching no true jerk (what it fell on is listed);
* ``misplaced``: a counted jerk matching a true jerk outside the falling-asleep phases;
  where each false or misplaced one was counted is listed too (``wrong_where``,
  :func:`counted_where`): in a falling-asleep window, or in a return to sleep after a
  detected awakening that a true one is near or that none is (a movement of sleep read
  as waking);
* ``unseen``: a true sleep-start jerk in a return to sleep (true phase ``awakening``)
  after an awakening during which the night holds no movement of any kind (within 5 s
  of it: the rigid-body model's motionless awakenings, half of ``light-sleeper``'s). No
  acceleration shows such an awakening, so a reader of movement finds the jerk only
  when a window it has for other reasons holds it (the onset's, another awakening's);
  ``unseen_found`` of them are counted.

precision = tp / (tp + false + misplaced), recall = tp / (tp + fn), and ``recall_seen``
the recall of the sleep starts that are not unseen; the worst F1 is printed with its
variant's ``unseen`` and ``unseen_found``. Sleep onset: each
true night's onset against the detected night with the nearest onset (median and 90th
percentile absolute error, min; nights with none found count as 24 h off). How
restless each variant's sleepers are just before sleep: ``falls_moved_within_lead``,
the share of its true falls into sleep (:func:`true_falls`) with a detected movement
ending within the rest lead before them (``real_nights.py`` measures the same on real
nights). The worst
case is taken over variants for every figure (lowest F1, most false jerks per night,
largest onset error), never the average. F1 and false jerks per night come with a 95 %
interval (``*_ci95``): the percentile bootstrap over the variant's recordings (a night,
or a week), which says how much the figure rests on the few nights drawn. ``--seed``
takes several seeds (``0-4`` or ``0,2``): their nights are pooled, ``--nights`` of each,
so the worst case rests on more nights than one seed gives.

With ``--against marks`` the detections are scored against the sleeper's own felt-it
marks instead, by the same scorer and the same code as the report (simulated nights
with double-tap marks after some jerks, or real nights given with ``--recordings``):
marks with a detected jerk within 15 s, their share with a 95 % Wilson interval, and
detected jerks with no mark; on simulated nights also how many true marks were found.

``--fs HZ`` samples every simulated sensor at HZ instead of its variant's own rate (and
its front end's filter with it), to see whether detection holds at rates outside the
family's 25-200 Hz; ``--location LOC`` puts one sensor at LOC (e.g. ``upper-arm-left``)
in place of each variant's sensors, to see what a placement shows. ``--packet-loss
SHARE`` loses that share of each sensor's radio packets (``--packet-samples`` samples
each, 28 by default) at random, as a live link does: the jerks in lost packets count as
missed. ``--idle-sleep G`` writes every sensor as an ActiGraph in idle sleep mode does:
nothing after 10 s without a sample G or more from its 1 s mean, in whole seconds, with
the spans it wrote nothing in ``meta["still_spans_ns"]``; with ``--exported``, each
spell filled with the last sample as ActiLife's RAW CSV export gives it, read back
through the time checks a file goes through. ``--nightstand MIN`` takes every sensor
off the body for MIN minutes before each night's bed time and after its final wake: it
lies flat on a nightstand, motionless (a logger started before it is put on).
The independent models' sleepers lie motionless for hours or turn a few times an hour;
real ones turn about 15 times an hour (measured on the ICHI14 wrists). So their
variants get the small turns of a limb they lack (``SLEEP_TURNS``) x SCALE,
``--sleep-turns SCALE``: 1 by default, 0 for the models as written; none is put within ``CLEAR_OF_JERKS_S`` (5 s) of a true jerk,
as with every movement the benchmark adds. A wrist turns about a random axis; the trunk
and an ankle roll about their long axis, the direction they feel gravity in while up
(:func:`long_axis`), so that a night of turns leaves them lying. ``hypnic-sim``'s
sleepers make them already (``NightConfig.sleep_turns``). ``--sleep-moves ICHI14`` (a
folder of ICHI14 nights, ``real_nights.py``) puts the real movements of a wrist in sleep
into every variant's wrists (``hypnic-sim``'s too), in place of the turns there:
stretches of the real nights' established sleep replayed at their real spacing
(:func:`sleep_moves`; found once, kept in ``--cache`` or a temporary folder). A seed's
variants share its draws of them (common random numbers: a family's variants replay the
same few real movements); ``--moves-per-variant`` gives each variant its own.

``--cache DIR`` keeps the simulated nights in DIR (pickles keyed by the simulators'
source; about 150 MB a night, 12 GB for ``--nights 6``, four times as much at ``--fs
400``; the report's 780 nights 68 GB), so a second run only detects (``--nights 6 --jobs 2``: about 1 min
instead of 5). A change to the simulators' source starts a new set of nights beside the
old ones, which stay until deleted; when the disk fills, the nights after are simulated
without being kept (a warning says so). ``--set NAME=VALUE`` changes a
``DetectionConfig`` threshold for the run (repeatable), to try one before changing its
default.

Usage: python benchmarks/accuracy.py [--nights 4] [--variants a,b] [--seed 0|0-4|0,2] [--jobs 2]
                                     [--fs HZ] [--location LOC] [--cache DIR] [--set NAME=VALUE ...]
                                     [--packet-loss SHARE] [--packet-samples N] [--idle-sleep G [--exported]]
                                     [--nightstand MIN] [--sleep-turns SCALE] [--sleep-moves ICHI14 [--moves-per-variant]]
       python benchmarks/accuracy.py --against marks [--nights 8] [--recordings a.sqlite ...]
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import ast
import errno
import functools
import hashlib
import json
import pickle
import tempfile
import time
import warnings
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.spatial.transform import Rotation

from detection import DetectionConfig, detect_night, score_events
from detection.night import MOVING_KINDS
from sensing.body import AWAKENING_RETURN_S, FALLING_ASLEEP_PHASES, parse_location, phase_of
from sensing.errors import HypnicError
from sensing.readers.timecheck import build_recordings
from sensing.recording import STILL_SPANS, Recording, resolution_g
from simulation import NightConfig, simulate_night
from simulation.biomech import BIOMECH_VARIANTS, simulate_biomech_night
from simulation.hypnogram import HYPNOGRAM_VARIANTS, simulate_hypnogram_night
from simulation.kinematic import KINEMATIC_VARIANTS, simulate_kinematic_night
from simulation.night import turn_limb
from simulation.transition import TRANSITION_VARIANTS, TransitionConfig, simulate_transition_night

RATES = (25.0, 50.0, 100.0, 200.0)
NOISES_G = (0.004, 0.008, 0.015)  # sensor white noise, g RMS per axis (consumer range)
LOCATION_SETS = (("wrist-left", "ankle-left", "trunk"), ("wrist-right", "ankle-right"),
                 ("wrist-left", "wrist-right", "ankle-left", "ankle-right"), ("ankle-left",),
                 ("wrist-left",))
#: Mean jerks at a sleep onset on the rigid-body model's nights (its default, 1.2 with a
#: quarter of nights without any, leaves too few to score).
KINEMATIC_JERKS_PER_ONSET = 3.0
#: Mean jerks at each fall into sleep on the hypnogram model's nights (its default 0.6,
#: 4 a night, leaves few to score).
HYPNOGRAM_JERKS_PER_TRANSITION = 1.5
#: Mean jerks at each fall into sleep on the transition model's nights (its default 0.6,
#: as the hypnogram model's).
TRANSITION_JERKS_PER_FALL = 1.5
NO_ONSET_MIN = 24 * 60.0  # onset error of a true night with no detected night, min
#: A detected awakening is a true one when a true awakening lies within this of it, s
#: (``wrong_where``).
AWAKENING_MATCH_S = 60.0
#: A fall into sleep, as ``real_nights.py`` takes it from the PSG: after at least this
#: much wake, s. Each variant reports the share of its falls with a movement ending
#: within the rest lead before them (``falls_moved_within_lead``), to set beside the
#: real nights' (``real_nights.py``, ``falls_asleep``).
FALL_WAKE_S = 60.0
#: What the worst case shows of its variant beside the figure itself.
WORST_DETAIL = {"f1": ("f1_ci95", "unseen", "unseen_found"),
                "false_jerks_per_night": ("false_jerks_per_night_ci95",)}


def variants() -> list[str]:
    """Names of the family's variants."""
    return ["hypnic-sim", *(f"biomech:{name}" for name in BIOMECH_VARIANTS),
            *(f"kinematic:{name}" for name in KINEMATIC_VARIANTS),
            *(f"hypnogram:{name}" for name in HYPNOGRAM_VARIANTS),
            *(f"transition:{name}" for name in TRANSITION_VARIANTS)]


#: The repository (the simulators' source is under it).
ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def simulator_version(root: Path = ROOT) -> str:
    """Fingerprint of the simulators' source (every ``.py`` of ``simulation`` under
    ``root`` and the ``sensing`` modules they import, :func:`simulator_sources`) and of
    numpy's version: a cached night of other code is not reused, and a change to the
    file readers does not re-simulate 48 GB of nights."""
    h = hashlib.sha256(np.__version__.encode())
    for path in simulator_sources(root):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def simulator_sources(root: Path = ROOT) -> list[Path]:
    """Every ``.py`` of ``simulation`` under ``root`` and every ``sensing`` module they
    import, at any depth and inside functions too (with the packages' ``__init__``), in
    path order."""

    def module(name: str) -> Path | None:
        p = root.joinpath(*name.split("."))
        return next((c for c in (p.with_suffix(".py"), p / "__init__.py") if c.exists()), None)

    todo = sorted((root / "simulation").rglob("*.py"))
    seen = set(todo)
    while todo:
        for node in ast.walk(ast.parse(todo.pop().read_bytes())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for name in (n for n in names if n.split(".")[0] == "sensing"):
                parts = name.split(".")
                for path in filter(None, (module(".".join(parts[:k])) for k in range(1, len(parts) + 1))):
                    if path not in seen:
                        seen.add(path)
                        todo.append(path)
    return sorted(seen)


def simulate(variant: str, i: int, seed: int, cache: Path | None = None, fs: float | None = None,
             location: str | None = None):
    """Night ``i`` of a variant (seeded), every sensor at ``fs`` Hz if given (else the
    variant's own rates), one sensor at ``location`` if given (else the variant's own);
    with ``cache`` (a folder), read from a pickle there when one of the same simulators'
    source exists, else simulated and written (:func:`simulator_version`)."""
    if cache is None:
        return on_recorded_clock(_simulate(variant, i, seed, fs, location))
    rate = "" if fs is None else f"-{fs:g}Hz"
    place = "" if location is None else f"-{location}"
    path = Path(cache) / f"{variant.replace(':', '_')}-{i}-{seed}{rate}{place}-{simulator_version()}.pkl"
    if path.exists():
        with path.open("rb") as f:
            return on_recorded_clock(pickle.load(f))
    night = _simulate(variant, i, seed, fs, location)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    try:
        with part.open("wb") as f:
            pickle.dump(night, f, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError as exc:  # a full disk (a night is 50-200 MB): the run goes on uncached
        part.unlink(missing_ok=True)
        if exc.errno != errno.ENOSPC:
            raise
        warnings.warn(f"--cache {cache}: no space left ({exc.strerror}); nights not kept there are "
                      f"simulated again on the next run. Nights of other simulator sources (a suffix "
                      f"other than -{simulator_version()}.pkl) can be deleted.", stacklevel=2)
        return on_recorded_clock(night)
    part.replace(path)  # whole or absent, whatever else runs
    return on_recorded_clock(night)


def _simulate(variant: str, i: int, seed: int, fs: float | None = None, location: str | None = None):
    places = None if location is None else (location,)
    if variant == "hypnic-sim":
        cfg = NightConfig(fs=fs or RATES[i % len(RATES)], locations=places or LOCATION_SETS[i % len(LOCATION_SETS)],
                          expected_jerks=6.0, plm=True, n_scratch=3, n_tremor=2, n_knocks=3,
                          noise_g=NOISES_G[i % len(NOISES_G)])
        return simulate_night(cfg, seed=seed * 1000 + i)
    model, name = variant.split(":", 1)
    asked = {"locations": places} if places else {}
    if model == "kinematic":  # more sleep starts than its realistic mix, as hypnic-sim's
        kcfg = replace(KINEMATIC_VARIANTS[name], jerks_per_onset=KINEMATIC_JERKS_PER_ONSET,
                       no_jerk_night_prob=0.0, **asked, **({"odr_hz": fs} if fs else {}))
        return simulate_kinematic_night(kcfg, seed=seed * 1000 + i)
    if model == "hypnogram":
        hcfg = replace(HYPNOGRAM_VARIANTS[name], jerks_per_transition=HYPNOGRAM_JERKS_PER_TRANSITION,
                       **asked, **({"fs_hz": fs} if fs else {}))
        return simulate_hypnogram_night(hcfg, seed=seed * 1000 + i)
    if model == "transition":
        tcfg = replace(TRANSITION_VARIANTS[name], jerks_per_onset=TRANSITION_JERKS_PER_FALL,
                       **asked, **({"fs": fs} if fs else {}))
        return simulate_transition_night(tcfg, seed=seed * 1000 + i)
    bcfg = BIOMECH_VARIANTS[name]
    if fs:  # its physics is integrated at least 4x faster than any sensor samples
        bcfg = replace(bcfg, fs=fs, fine_fs=max(bcfg.fine_fs, 4 * fs), day_fine_fs=max(bcfg.day_fine_fs, 4 * fs))
    if places:
        bcfg = replace(bcfg, locations=places)
    return simulate_biomech_night(bcfg, seed=seed * 1000 + i)


def on_recorded_clock(night):
    """``night`` with the times of its jerks and look-alikes on its recordings' own
    clocks. A device that stamps its samples with its own clock, set from the host's at
    each connection (the hypnogram model's), drifts from true time by its clock error
    (20-40 ppm: up to about 1 s a night); no detector can see that, so the truth is
    scored on the clock the recording gives (``meta["sync_points_ns"]``: recorded and
    true ns at both ends of each connection): a look-alike's on its sensor's clock, a
    jerk's start moved as the earliest clock of the sensors that show it moves it (a
    detected group starts on that one). Sleep times (minutes) stay on true time."""
    sync = {loc: r.meta["sync_points_ns"] for loc, r in night.recordings.items()
            if "sync_points_ns" in r.meta}
    if not sync:
        return night

    def moved(times: pd.Series, locations) -> pd.Series:
        ns = times.astype("int64").to_numpy()
        out = [np.interp(t, sync[loc][:, 1], sync[loc][:, 0]) if loc in sync else t
               for t, loc in zip(ns, locations, strict=True)]
        return pd.to_datetime(np.round(out).astype(np.int64), utc=True)

    first = next(iter(sync))
    jerk_locs = [next((s for s in str(v).split(";") if s in sync), first) for v in night.jerks["sensors"]]
    per_sensor = night.jerk_sensors.assign(start=moved(night.jerk_sensors["start"], night.jerk_sensors["location"]),
                                           end=moved(night.jerk_sensors["end"], night.jerk_sensors["location"]))
    jerks = night.jerks.assign(start=moved(night.jerks["start"], jerk_locs),
                               end=moved(night.jerks["end"], jerk_locs))
    shift = jerks["start"] - night.jerks["start"]
    earliest = (per_sensor["start"] - night.jerk_sensors["start"]).groupby(per_sensor["jerk_id"]).min()
    # (reindex, not map: pandas cannot map through an empty timedelta Series)
    by_jerk = pd.Series(earliest.reindex(jerks["jerk_id"]).to_numpy(), index=jerks.index)
    jerks["start"] = night.jerks["start"] + by_jerk.fillna(shift)
    look = night.confounders.assign(start=moved(night.confounders["start"], night.confounders["location"]),
                                    end=moved(night.confounders["end"], night.confounders["location"]))
    return replace(night, jerks=jerks, jerk_sensors=per_sensor, confounders=look)


def true_nights(night) -> list[dict]:
    """The true sleep periods of kind night (a one-night simulator has one)."""
    periods = night.sleep.get("periods") or [dict(night.sleep, kind="night")]
    return [p for p in periods if p.get("kind", "night") == "night"]


def fell_on(row, confounders: pd.DataFrame) -> str:
    """The look-alike a false jerk fell on (any sensor, within 1 s), else ``none``."""
    pad = pd.Timedelta(seconds=1)
    c = confounders[(confounders["start"] <= row.start + pad) & (confounders["end"] >= row.start - pad)]
    return str(c["kind"].iloc[0]) if len(c) else "none"


def after_motionless_awakening(t: pd.Timestamp, periods: list[dict], confounders: pd.DataFrame,
                               pad_s: float = 5.0) -> bool:
    """Whether a moment follows, within the return to sleep (``AWAKENING_RETURN_S``), or
    lies in a true awakening with no movement of any kind (no look-alike of the
    night's ``confounders``) from ``pad_s`` before it to ``pad_s`` after."""
    ends = [(a, b) for p in periods for a, b in p["awakenings"]
            if a <= t <= b + pd.Timedelta(seconds=AWAKENING_RETURN_S)]
    if not ends:
        return False
    a, b = max(ends, key=lambda ab: ab[1])
    pad = pd.Timedelta(seconds=pad_s)
    return not ((confounders["start"] < b + pad) & (confounders["end"] > a - pad)).any()


def since_moved(at_ns: np.ndarray, moved_ns: np.ndarray, start_ns: int) -> np.ndarray:
    """Seconds from the end of the last movement (``moved_ns``: ends, ns) before each
    moment of ``at_ns``; from ``start_ns`` (the recording's start: a lower bound) if none."""
    moved_ns = np.sort(np.asarray(moved_ns, np.int64))
    at_ns = np.asarray(at_ns, np.int64)
    j = np.searchsorted(moved_ns, at_ns) - 1
    last = moved_ns[np.maximum(j, 0)] if len(moved_ns) else np.zeros(len(at_ns), np.int64)
    return (at_ns - np.where(j >= 0, last, start_ns)) / 1e9


def true_falls(night) -> np.ndarray:
    """The night's true falls into sleep, ns: each night's onset and the end of each of
    its awakenings of ``FALL_WAKE_S`` or more."""
    return np.array([t.value for p in true_nights(night) for t in [p["onset"]] + [
        b for a, b in p["awakenings"] if (b - a).total_seconds() >= FALL_WAKE_S]], np.int64)


def counted_where(start: pd.Series, phase: pd.Series, result, periods: list[dict]) -> list[str]:
    """Where each counted jerk (``start``, its detected ``phase``) was counted: ``falling
    asleep`` (lights out to the onset's window), ``return after an awakening`` (the
    detected awakening it follows has a true one of ``periods`` within
    ``AWAKENING_MATCH_S``) or ``return after a movement of sleep`` (it has none)."""
    found = sorted((a.value, b.value) for p in result.periods for a, b in p.awakenings)
    pad = AWAKENING_MATCH_S * 1e9
    true = [(a.value - pad, b.value + pad) for p in periods for a, b in p["awakenings"]]
    out = []
    for at, ph in zip(start, phase, strict=True):
        t = at.value
        if ph != "awakening":
            out.append("falling asleep")
            continue
        a, b = max(((a, b) for a, b in found if a <= t), default=(t, t))
        out.append("return after an awakening" if any(x < b and y > a for x, y in true)
                   else "return after a movement of sleep")
    return out


def evaluate(night, result, tolerance_s: float, added: pd.DataFrame | None = None) -> dict:
    """Counts of one night (see the module docstring); ``added``: movements put into
    its recordings (``start``, ``end``, ``kind``) that a false jerk can fall on too."""
    truth = night.jerks[night.jerks["observable"]].reset_index(drop=True)
    # the nightly count's sleep starts: at the transition into a night's sleep (a nap's
    # are shown apart as nap-jerk, as the detector does)
    periods = night.sleep.get("periods") or [dict(night.sleep, kind="night")]
    _, _, period = phase_of(truth["start"].astype("int64").to_numpy() / 1e9,
                            [(p["lights_out"].value / 1e9, p["onset"].value / 1e9,
                              p["wake"].value / 1e9,
                              [(a.value / 1e9, b.value / 1e9) for a, b in p["awakenings"]])
                             for p in periods])
    kinds = np.array([p.get("kind", "night") for p in periods] + [""], dtype=object)[period]
    sleep_start = (truth["phase"].isin(FALLING_ASLEEP_PHASES).to_numpy() & (kinds == "night"))
    ev = result.events
    groups = (ev[ev["kind"] == "jerk"].groupby("group_id", as_index=False)
              .agg(start=("start", "min"), phase=("phase", "first")))
    s = score_events(groups, truth, tolerance_s, by=None)
    hit = s.matched["truth"].to_numpy()
    tp = int(sleep_start[hit].sum())
    misplaced = int((~sleep_start[hit]).sum())
    unmatched = sorted(set(range(len(groups))) - set(s.matched["detected"].tolist()))
    wrong = unmatched + s.matched["detected"].to_numpy()[~sleep_start[hit]].tolist()
    wrong_where = counted_where(groups["start"].iloc[wrong], groups["phase"].iloc[wrong], result,
                                true_nights(night))
    look = night.confounders if added is None else pd.concat([night.confounders, added], ignore_index=True)
    false_on = [fell_on(groups.iloc[k], look) for k in unmatched]
    # why the missed sleep starts were missed: never a jerk-shaped burst, or placed elsewhere
    shaped = (ev[ev["kind"].isin(("jerk", "nap-jerk", "wake-burst", "sleep-burst"))]
              .groupby("group_id", as_index=False).agg(start=("start", "min"), kind=("kind", "first")))
    missed = np.flatnonzero(sleep_start & ~np.isin(np.arange(len(truth)), hit))
    m = score_events(shaped, truth.iloc[missed], tolerance_s, by=None)
    missed_as = shaped["kind"].iloc[m.matched["detected"]].tolist()
    unseen = sleep_start & (truth["phase"] == "awakening").to_numpy() & np.array(
        [after_motionless_awakening(t, periods, night.confounders) for t in truth["start"]], dtype=bool)
    onsets = [p.onset for p in result.periods if p.kind == "night"]
    errs = [min((abs((o - t["onset"]).total_seconds()) / 60 for o in onsets), default=NO_ONSET_MIN)
            for t in true_nights(night)]
    moved = ev.loc[ev["kind"].isin(MOVING_KINDS), "end"].astype("int64").to_numpy()
    start = min(int(r.time_ns[0]) for r in night.recordings.values())
    return dict(tp=tp, fn=len(missed), false=len(unmatched), misplaced=misplaced, unseen=int(unseen.sum()),
                falls_since_moved_s=since_moved(true_falls(night), moved, start).tolist(),
                unseen_found=int(unseen[hit].sum()),
                false_on=false_on, wrong_where=wrong_where,
                missed_as=missed_as + ["undetected"] * (len(missed) - m.tp),
                onset_err_min=errs, nights=len(true_nights(night)))


def lose_packets(rec: Recording, share: float, samples: int, rng: np.random.Generator) -> Recording:
    """``rec`` as a live radio link delivers it when it loses a ``share`` of its packets
    of ``samples`` samples each, at random: the lost samples are gaps."""
    keep = np.repeat(rng.random(len(rec) // samples + 1) >= share, samples)[:len(rec)]
    return Recording(rec.time_ns[keep], rec.acc[keep], rec.fs, rec.location, rec.device,
                     meta=dict(rec.meta))


def idle_sleep(rec: Recording, move_g: float, still_s: float = 10.0) -> Recording:
    """``rec`` as an ActiGraph in idle sleep mode writes it (ActiGraph's support note
    "Idle Sleep Mode Explained": asleep after 10 s with no fluctuation over +-40 mg, it
    checks for movement once a second): in whole seconds, those less than ``still_s``
    after one holding a sample ``move_g`` or more from its 1 s moving mean (from the
    start, awake), so a movement out of stillness is written from the second after it
    began; the spans it wrote nothing are its ``meta[STILL_SPANS]``."""
    fs = rec.fs
    w = max(1, round(fs))
    a = rec.acc.astype(np.float64)
    mean = np.column_stack([uniform_filter1d(a[:, k], w, mode="nearest") for k in range(3)])
    second = (rec.time_ns - rec.time_ns[0]) // 10**9
    moved = np.bincount(second, np.linalg.norm(a - mean, axis=1) >= move_g, second[-1] + 1) > 0
    moved[0] = True  # it starts awake
    last = np.maximum.accumulate(np.where(moved, np.arange(len(moved)), -(10**9)))
    keep = (np.arange(len(moved)) - np.r_[0, last[:-1]] <= still_s)[second]  # moved before
    step = np.diff(keep.astype(np.int8))
    into, out = np.flatnonzero(step < 0) + 1, np.flatnonzero(step > 0) + 1  # first sample left, kept
    j = np.searchsorted(out, into)
    spans = np.column_stack([rec.time_ns[into[j < len(out)]], rec.time_ns[out[j[j < len(out)]]]])
    return Recording(rec.time_ns[keep], rec.acc[keep], fs, rec.location, rec.device,
                     meta={**rec.meta, STILL_SPANS: spans})


def idle_export(rec: Recording, move_g: float) -> list[Recording]:
    """``rec`` in idle sleep mode (:func:`idle_sleep`) as ActiLife's RAW CSV export and
    pygt3x give it, each spell filled with the last sample, read back through the time
    checks every file goes through (``sensing.readers.timecheck``)."""
    kept = np.isin(rec.time_ns, idle_sleep(rec, move_g).time_ns)
    last = np.maximum.accumulate(np.where(kept, np.arange(len(rec)), 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the held samples' warning, once a night
        return build_recordings(rec.time_ns, rec.acc[last], name=rec.device, fs=rec.fs,
                                location=rec.location, device=rec.device)


def on_nightstand(rec: Recording, periods: list[dict], minutes: float,
                  rng: np.random.Generator) -> Recording:
    """``rec`` with its sensor off the body, lying flat on a nightstand (gravity on its z
    axis, with its own noise: the lower quartile of the standard deviation of its 10 s
    blocks, per axis; at its rate and resolution), for ``minutes`` before each true
    night's lights out less 3 min (put on, then to bed) and for ``minutes`` from 10 min
    after its final wake (taken off): its samples there are replaced, and the recording
    begins sooner or ends later where it must."""
    step_ns = int(round(1e9 / rec.fs))
    spans = [s for p in periods for s in (
        (p["lights_out"].value - int((minutes + 3) * 60e9), p["lights_out"].value - int(180e9)),
        (p["wake"].value + int(600e9), p["wake"].value + int((minutes + 10) * 60e9)))]
    keep = np.ones(len(rec), bool)
    for a, b in spans:
        keep[np.searchsorted(rec.time_ns, a):np.searchsorted(rec.time_ns, b)] = False
    lying = np.concatenate([np.arange(a, b, step_ns, dtype=np.int64) for a, b in spans])
    w = max(1, round(10 * rec.fs))
    blocks = rec.acc[:len(rec) // w * w].reshape(-1, w, 3)
    noise = np.percentile(blocks.std(axis=1, dtype=np.float64), 25, axis=0)
    flat = np.array([0.02, -0.03, 0.999]) * rng.choice([-1.0, 1.0])
    table = flat + rng.normal(0.0, 1.0, (len(lying), 3)) * noise
    res = resolution_g(rec.acc)
    if res > 0:
        table = np.round(table / res) * res
    t = np.concatenate([rec.time_ns[keep], lying])
    order = np.argsort(t, kind="stable")
    acc = np.vstack([rec.acc[keep], table.astype(rec.acc.dtype)])[order]
    return Recording(t[order], acc, rec.fs, rec.location, rec.device, meta=dict(rec.meta))


#: Turns of a limb in sleep that real sleepers make and the independent models'
#: sleepers lack: (smallest, largest turn in degrees, extra turns per hour asleep). The
#: ICHI14 wrists turn 5.6, 2.2, 1.7 and 1.7 times an hour by 2-5, 5-10, 10-20 and 20-45
#: degrees (``simulation.night.SLEEP_TURNS_PER_H``, which ``hypnic-sim``'s sleepers make);
#: the biomechanical and rigid-body wrists 0-0.4, 0-0.4, 0-0.5 and 0.2-1.1 (the larger
#: turns, posture shifts, as often as the real ones). One-off ``sleepmoves.py``,
#: twentieth session.
SLEEP_TURNS = ((2.0, 5.0, 5.4), (5.0, 10.0, 2.0), (10.0, 20.0, 1.4), (20.0, 45.0, 1.2))


def sleep_turns(rec: Recording, periods: list[dict], scale: float,
                rng: np.random.Generator, avoid_ns: np.ndarray, axis: np.ndarray | None = None) -> Recording:
    """``rec`` with the small turns of a limb in sleep that real sleepers make
    (:data:`SLEEP_TURNS` x ``scale`` per hour of each true night's sleep: onset to final
    wake less its awakenings; at random times, sizes log-uniform in their range, each
    over 1-3 s: :func:`simulation.night.turn_limb`); the sleeper sleeps on. Each turns
    about ``axis`` (sensor frame: the trunk's or shank's long axis, :func:`long_axis`;
    one way or the other at random) or, if None, about a random axis across the limb's
    direction. A turn nearer than ``CLEAR_OF_JERKS_S`` to ``avoid_ns`` (the true jerks)
    is left out. Turning the whole acceleration rotates what the sensor feels, its noise
    with it; the resolution stays."""
    t = rec.time_ns
    turns = []
    for p in periods:
        edges = [p["onset"].value, *[x.value for ab in p["awakenings"] for x in ab], p["wake"].value]
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            hours = max(b - a, 0) / 3.6e12
            for lo, hi, rate in SLEEP_TURNS:
                n = rng.poisson(rate * scale * hours)
                turns += zip((rng.uniform(a, b, n) - t[0]) / 1e9, rng.uniform(1.0, 3.0, n),
                             np.exp(rng.uniform(np.log(lo), np.log(hi), n)), strict=True)
    rows = np.array(sorted(turns), float).reshape(-1, 3)
    if axis is not None:
        rows[:, 2] *= rng.choice([-1.0, 1.0], len(rows))
    begin = t[0] + rows[:, 0] * 1e9
    near = clear_of(avoid_ns, begin, begin + rows[:, 1] * 1e9)
    out = turn_limb((t - t[0]) / 1e9, rec.acc, rows[~near], rng, axis)
    res = resolution_g(rec.acc)
    if res > 0:
        out = np.round(out / res) * res
    return Recording(t, out.astype(rec.acc.dtype), rec.fs, rec.location, rec.device, meta=dict(rec.meta))


#: Time up (outside every true period in bed) a trunk or ankle sensor needs for its long
#: axis to be taken from it, s.
UP_MIN_S = 600.0


def long_axis(rec: Recording, periods: list[dict]) -> np.ndarray | None:
    """The long axis (unit, sensor frame) of the trunk or shank ``rec`` is worn on: the
    mean direction it feels gravity in while up (outside every one of ``periods``, naps
    too, from lights-out to wake), sitting or standing, when that is at least
    :data:`UP_MIN_S`; None for another location or less time up. Lying in bed, the trunk
    and a shank turn mostly about it (rollovers, a foot rolling out): turned about random
    axes, their tilts would add up until they stand within the detector's upright cone."""
    if not rec.location.startswith(("trunk", "ankle")):
        return None
    t = rec.time_ns
    up = np.ones(len(t), bool)
    for p in periods:
        up &= ~((t >= p["lights_out"].value) & (t < p["wake"].value))
    if np.count_nonzero(up) < UP_MIN_S * rec.fs:
        return None
    g = rec.acc[up].mean(axis=0, dtype=np.float64)
    return g / np.linalg.norm(g)


def rotation_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The rotation (3, 3) that turns the direction of ``u`` into that of ``v`` about
    their common normal (Rodrigues)."""
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    axis, c = np.cross(u, v), float(u @ v)
    s = np.linalg.norm(axis)
    if s < 1e-9:  # the same direction, or the opposite: half a turn about a normal
        if c > 0:
            return np.eye(3)
        k = np.cross(u, np.eye(3)[np.argmin(np.abs(u))])
        k /= np.linalg.norm(k)
        return 2 * np.outer(k, k) - np.eye(3)
    k = axis / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


#: ``Recording.meta`` key of the real movements of sleep put in (:func:`sleep_moves`).
SLEEP_MOVES = "sleep_moves_ns"
#: What the benchmark adds to a night (turns, real movements of sleep) is put no nearer
#: a true jerk than this, s (the jerk stays the one the truth describes).
CLEAR_OF_JERKS_S = 5.0


def clear_of(avoid_ns: np.ndarray, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
    """Per span (``start_ns``, ``end_ns``): whether one of ``avoid_ns`` lies nearer than
    :data:`CLEAR_OF_JERKS_S` to it (True: leave the span out)."""
    a = np.sort(np.asarray(avoid_ns, np.int64))
    clear = CLEAR_OF_JERKS_S * 1e9
    return (np.searchsorted(a, np.asarray(end_ns) + clear) - np.searchsorted(a, np.asarray(start_ns) - clear,
                                                                             side="right")) > 0


@functools.cache
def sleep_episodes(path: str) -> dict[str, np.ndarray]:
    """The real movements of sleep kept by :func:`keep_sleep_episodes` in ``path`` (an
    ``.npz`` of ``real_nights.sleep_episodes``), with ``episodes``: the list of them."""
    with np.load(path) as f:
        out = dict(f)
    out["episodes"] = np.split(out["acc"], out["ends"][:-1])
    return out


def sleep_moves(rec: Recording, periods: list[dict], path: str, avoid_ns: np.ndarray,
                rng: np.random.Generator) -> Recording:
    """``rec`` with the real movements of a wrist in sleep (``real_nights.sleep_episodes``:
    ICHI14's wrists in established PSG sleep, kept in ``path``). Each stretch of each true
    night's sleep (onset to final wake less its awakenings) replays a stretch as long of
    one real night's established sleep (a night drawn at random, from a moment drawn at
    random, round its end to its start again if the stretch is longer): the real
    movements at their real spacing, so their bouts and quiet spells stay as the sleeper
    made them. One nearer than ``CLEAR_OF_JERKS_S`` to ``avoid_ns`` (the true jerks) or
    overlapping the one before is left out. Each is turned so that its gravity before it
    is the wrist's there (and spun about it at random), its change from there is added at
    the wrist's sample times (linearly interpolated: an instantaneous front end), and the
    turn it leaves turns the rest of the night with it: the wrist lies where the real one
    came to rest. The resolution stays; ``meta[SLEEP_MOVES]`` lists the spans put in
    (start, end ns)."""
    from real_nights import EPISODE_PAD_S, FS

    pool = sleep_episodes(path)
    episodes, clock, night_s = pool["episodes"], pool["clock_s"], pool["night_s"]
    t = rec.time_ns
    at: list[tuple[float, int]] = []  # (ns, episode)
    for p in periods:
        edges = [p["onset"].value, *[x.value for ab in p["awakenings"] for x in ab], p["wake"].value]
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            n = rng.integers(len(night_s))
            mine = np.flatnonzero(pool["night"] == n)
            since = (clock[mine] - rng.uniform(0, night_s[n])) % night_s[n]  # s after the replay begins
            for lap in range(int((b - a) / 1e9 // night_s[n]) + 1):
                at += [(a + (s + lap * night_s[n]) * 1e9, k) for s, k in zip(since, mine, strict=True)
                       if a + (s + lap * night_s[n]) * 1e9 < b]
    x = rec.acc.astype(np.float64)
    out = np.empty_like(x)
    done, last, put = np.eye(3), 0, []
    still, w = int((EPISODE_PAD_S - 0.5) * FS), max(1, round(rec.fs))
    for start, k in sorted(at):
        ep = episodes[k]
        end = start + len(ep) / FS * 1e9
        i0, i1 = (int(i) for i in np.searchsorted(t, [start, end]))
        if i0 < max(last, w) or i1 >= len(t) or clear_of(avoid_ns, [start], [end])[0]:
            continue
        out[last:i0] = x[last:i0] @ done.T
        g0, g1 = ep[:still].mean(axis=0), ep[-still:].mean(axis=0)
        here = out[i0 - w:i0].mean(axis=0)
        spin = Rotation.from_rotvec(here / np.linalg.norm(here) * rng.uniform(0, 2 * np.pi)).as_matrix()
        align = spin @ rotation_between(g0, here)
        s = (t[i0:i1] - start) / 1e9 * FS
        change = np.column_stack([np.interp(s, np.arange(len(ep)), ep[:, j] - g0[j]) for j in range(3)])
        out[i0:i1] = x[i0:i1] @ done.T + change @ align.T
        done = align @ rotation_between(g0, g1) @ align.T @ done
        last = i1
        put.append((t[i0], t[i1]))
    out[last:] = x[last:] @ done.T
    res = resolution_g(rec.acc)
    if res > 0:
        out = np.round(out / res) * res
    return Recording(t, out.astype(rec.acc.dtype), rec.fs, rec.location, rec.device,
                     meta={**rec.meta, SLEEP_MOVES: np.array(put, np.int64).reshape(-1, 2)})


@dataclass(frozen=True)
class Recorded:
    """How the simulated signal is recorded and worn on top of its variant (each part off
    when None): ``packet_loss`` (share, samples a packet), ``sleep_turns`` (scale),
    ``sleep_moves`` (the real movements' ``.npz``: :func:`sleep_moves` on the wrists, in
    place of the turns there),
    ``nightstand_min``, ``idle_sleep_g`` and ``idle_exported``; the same draws on every
    run of a night. ``moves_per_variant``: each variant draws its own real movements (by
    default the variants of a seed share the draws, so a family's variants replay the
    same few real movements)."""

    packet_loss: tuple[float, int] | None = None
    sleep_turns: float | None = None
    sleep_moves: str | None = None
    nightstand_min: float | None = None
    idle_sleep_g: float | None = None
    idle_exported: bool = False
    moves_per_variant: bool = False

    def apply(self, night, seed: int, i: int, variant: str = "") -> list[Recording]:
        """The night's recordings as recorded so (``variant``: the night's, which salts the
        real movements' draws when ``moves_per_variant``)."""
        recs = list(night.recordings.values())
        if self.packet_loss:
            recs = [lose_packets(r, *self.packet_loss, np.random.default_rng([seed, i, k]))
                    for k, r in enumerate(recs)]
        periods = true_nights(night)
        wrist = [self.sleep_moves is not None and r.location.startswith("wrist") for r in recs]
        jerks = night.jerks["start"].astype("int64").to_numpy()
        if self.sleep_moves:
            salt = [zlib.crc32(variant.encode())] if self.moves_per_variant else []
            recs = [sleep_moves(r, periods, self.sleep_moves, jerks, np.random.default_rng([seed, i, k, 2, *salt]))
                    if on else r for k, (r, on) in enumerate(zip(recs, wrist, strict=True))]
        if self.sleep_turns and not isinstance(night.config, (NightConfig, TransitionConfig)):  # theirs turn
            in_bed = night.sleep.get("periods") or [night.sleep]
            recs = [r if on else sleep_turns(r, periods, self.sleep_turns, np.random.default_rng([seed, i, k, 1]),
                                             jerks, long_axis(r, in_bed))
                    for k, (r, on) in enumerate(zip(recs, wrist, strict=True))]
        if self.nightstand_min:
            recs = [on_nightstand(r, periods, self.nightstand_min, np.random.default_rng([seed, i, k]))
                    for k, r in enumerate(recs)]
        if self.idle_sleep_g and self.idle_exported:
            recs = [part for r in recs for part in idle_export(r, self.idle_sleep_g)]
        elif self.idle_sleep_g:
            recs = [idle_sleep(r, self.idle_sleep_g) for r in recs]
        return recs


def run_one(args: tuple[str, int, int, float, Path | None, dict, float | None, str | None, Recorded]
            ) -> tuple[str, dict, float, float]:
    variant, i, seed, tolerance_s, cache, overrides, fs, location, recorded = args
    t = time.perf_counter()
    night = simulate(variant, i, seed, cache, fs, location)
    t_sim = time.perf_counter() - t
    recs = recorded.apply(night, seed, i, variant)
    t = time.perf_counter()
    result = detect_night(recs, replace(DetectionConfig(), **overrides))
    spans = [r.meta[SLEEP_MOVES] for r in recs if SLEEP_MOVES in r.meta]
    added = None if not spans else pd.DataFrame(
        {"start": pd.to_datetime(np.concatenate(spans)[:, 0], utc=True),
         "end": pd.to_datetime(np.concatenate(spans)[:, 1], utc=True), "kind": "real sleep movement"})
    return variant, evaluate(night, result, tolerance_s, added), t_sim, time.perf_counter() - t


def summarise(rows: list[dict]) -> dict:
    tp, fn, false, mis, unseen, unseen_found = (
        sum(r[k] for r in rows) for k in ("tp", "fn", "false", "misplaced", "unseen", "unseen_found"))
    nights = max(sum(r["nights"] for r in rows), 1)
    errs = [e for r in rows for e in r["onset_err_min"]]
    still, lead = np.array([s for r in rows for s in r["falls_since_moved_s"]]), DetectionConfig().rest_lead_s
    return dict(
        nights=nights, true_sleep_start_jerks=tp + fn, tp=tp, fn=fn, false=false, misplaced=mis,
        precision=tp / max(tp + false + mis, 1), recall=tp / max(tp + fn, 1),
        f1=2 * tp / max(2 * tp + false + mis + fn, 1),
        false_jerks_per_night=(false + mis) / nights,
        unseen=unseen, unseen_found=unseen_found,
        recall_seen=(tp - unseen_found) / max(tp + fn - unseen, 1),
        false_on=pd.Series([k for r in rows for k in r["false_on"]], dtype=object).value_counts().to_dict(),
        wrong_where=pd.Series([k for r in rows for k in r["wrong_where"]], dtype=object).value_counts().to_dict(),
        missed_as=pd.Series([k for r in rows for k in r["missed_as"]], dtype=object).value_counts().to_dict(),
        onset_median_abs_error_min=float(np.median(errs)) if errs else float("nan"),
        onset_p90_abs_error_min=float(np.percentile(errs, 90)) if errs else float("nan"),
        falls_asleep=len(still), falls_moved_within_lead=float(np.mean(still <= lead)) if len(still) else float("nan"))


def intervals(rows: list[dict], draws: int = 2000) -> dict:
    """95 % percentile-bootstrap intervals of F1 and false jerks per night: ``draws``
    resamples of the recordings (rows of :func:`evaluate`) with replacement, from a fixed
    random seed so that a run repeats."""
    c = np.array([[r["tp"], r["fn"], r["false"] + r["misplaced"], r["nights"]] for r in rows], float)
    idx = np.random.default_rng(0).integers(0, len(c), (draws, len(c)))
    tp, fn, wrong, nights = c[idx].sum(axis=1).T
    f1 = 2 * tp / np.maximum(2 * tp + fn + wrong, 1)
    return dict(f1_ci95=[float(v) for v in np.percentile(f1, [2.5, 97.5])],
                false_jerks_per_night_ci95=[float(v) for v in np.percentile(wrong / np.maximum(nights, 1),
                                                                              [2.5, 97.5])])


def seeds(text: str) -> list[int]:
    """``--seed``'s value: ``3``, ``0-4`` or ``0,2,5``."""
    out: list[int] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            out += list(range(int(first), int(last) + 1)) if dash else [int(first)]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: give a seed (3), a range (0-4) or a list (0,2,5)") from None
    if not out:
        raise argparse.ArgumentTypeError(f"{text!r}: a range holds no seed")
    return out


def against_marks(nights: int, seed: int, recordings: list[str]) -> dict:
    """Detections scored against felt-it marks (see the module docstring)."""
    import datetime as dt

    from analysis.agreement import MARK_WINDOW_S, agreement
    from detection.markers import find_markers
    from hypnic.workflows.night import process_files, process_night

    rows, found, true = [], 0, 0
    if recordings:
        rows = [process_files([path], "UTC").summary for path in recordings]
    for i in range(0 if recordings else nights):
        night = simulate("hypnic-sim", i, seed)
        cfg = replace(night.config, n_markers=4)
        night = simulate_night(cfg, seed=seed * 1000 + i)
        rows.append(process_night(list(night.recordings.values()), dt.timezone.utc).summary)
        taps = pd.concat([find_markers(r) for r in night.recordings.values()])
        truth = night.markers[~night.markers["in_gap"]]
        true += len(truth)
        found += score_events(taps, truth, 1.0 / cfg.fs, by="location").tp
    a = agreement(pd.DataFrame(rows))
    out = dict(nights=len(rows), window_s=MARK_WINDOW_S, marks=a.marks,
               marks_with_jerk=a.marks_detected, agreement=a.share, agreement_low=a.low,
               agreement_high=a.high, jerks=a.jerks, jerks_with_mark=a.jerks_marked)
    if not recordings:
        out.update(true_marks=true, true_marks_found=found)
    return out


def config_overrides(items: list[str], ap: argparse.ArgumentParser) -> dict:
    """``NAME=VALUE`` items as DetectionConfig overrides (numbers, of the field's type)."""
    numeric = {f.name: type(f.default) for f in fields(DetectionConfig)
               if isinstance(f.default, (int, float)) and not isinstance(f.default, bool)}
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in numeric:
            ap.error(f"--set {item}: {name!r} is not a numeric DetectionConfig field "
                     f"({', '.join(sorted(numeric))})")
        try:
            out[name] = numeric[name](value)
        except ValueError:
            ap.error(f"--set {item}: {value!r} is not a number")
    try:
        replace(DetectionConfig(), **out)
    except HypnicError as e:
        ap.error(f"--set: {e}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=4, help="nights per variant")
    ap.add_argument("--variants", default="", help="comma-separated subset (default: all)")
    ap.add_argument("--seed", type=seeds, default=[0], help="a seed, a range (0-4) or a list (0,2,5)")
    ap.add_argument("--tolerance", type=float, default=0.5)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--fs", type=float, help="sample every simulated sensor at this rate, Hz")
    ap.add_argument("--location", type=parse_location, help="one sensor there instead of each variant's")
    ap.add_argument("--against", choices=("truth", "marks"), default="truth")
    ap.add_argument("--recordings", nargs="*", default=[],
                    help="real nights (one file each) scored against their marks")
    ap.add_argument("--cache", type=Path, help="folder to keep the simulated nights in")
    ap.add_argument("--packet-loss", type=float, default=0.0, metavar="SHARE",
                    help="lose this share of each sensor's radio packets, at random (0-1)")
    ap.add_argument("--packet-samples", type=int, default=28, metavar="N",
                    help="samples per radio packet (28: 185-byte MTU, firmware_notes)")
    ap.add_argument("--idle-sleep", type=float, default=0.0, metavar="G",
                    help="write as an ActiGraph in idle sleep mode: nothing after 10 s without "
                         "a sample G from its 1 s mean")
    ap.add_argument("--exported", action="store_true",
                    help="with --idle-sleep: each spell filled with the last sample, as "
                         "ActiLife's RAW CSV export gives it, read back as a file")
    ap.add_argument("--nightstand", type=float, default=0.0, metavar="MIN",
                    help="the sensors lie off the body on a nightstand for MIN minutes before "
                         "bed and after getting up")
    ap.add_argument("--sleep-turns", type=float, default=1.0, metavar="SCALE",
                    help="the small turns of a limb real sleepers make in sleep (SLEEP_TURNS, "
                         "measured on ICHI14) x SCALE, added to the independent models' "
                         "variants (default 1; 0: the models as written; hypnic-sim's sleepers "
                         "make them already)")
    ap.add_argument("--sleep-moves", type=Path, metavar="ICHI14",
                    help="the real movements of wrists in sleep, from the ICHI14 nights in this "
                         "folder (p*.npy), on every variant's wrists (in place of --sleep-turns "
                         "there)")
    ap.add_argument("--moves-per-variant", action="store_true",
                    help="with --sleep-moves: each variant draws its own real movements (by "
                         "default a seed's variants share them)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a DetectionConfig threshold for this run (repeatable)")
    args = ap.parse_args()
    overrides = config_overrides(args.set, ap)
    if args.against == "marks" or args.recordings:
        if overrides or args.cache or args.fs or args.location or args.sleep_moves:
            ap.error("--set, --fs, --location, --cache and --sleep-moves are for the scoring "
                     "against truth, not against marks")
        if len(args.seed) > 1:
            ap.error("--against marks takes one seed")
        print(json.dumps(against_marks(args.nights, args.seed[0], args.recordings), indent=1,
                         default=float))
        return
    names = [v for v in args.variants.split(",") if v] or variants()
    if args.fs is not None and args.fs <= 0:
        ap.error(f"--fs must be a rate above 0 Hz, got {args.fs:g}")
    if not 0 <= args.packet_loss < 1 or args.packet_samples < 1:
        ap.error("--packet-loss is a share from 0 to under 1, --packet-samples at least 1")
    loss = (args.packet_loss, args.packet_samples) if args.packet_loss else None
    if args.nightstand < 0:
        ap.error(f"--nightstand is minutes, 0 or more, got {args.nightstand:g}")
    if args.sleep_turns < 0:
        ap.error(f"--sleep-turns is a scale, 0 or more, got {args.sleep_turns:g}")
    if args.exported and not args.idle_sleep:
        ap.error("--exported is for --idle-sleep G")
    if args.moves_per_variant and not args.sleep_moves:
        ap.error("--moves-per-variant is for --sleep-moves ICHI14")
    with tempfile.TemporaryDirectory() as tmp:
        moves = None if args.sleep_moves is None else keep_sleep_episodes(args.sleep_moves, args.cache or Path(tmp))
        recorded = Recorded(loss, args.sleep_turns or None, moves, args.nightstand or None,
                            args.idle_sleep or None, args.exported, args.moves_per_variant)
        run(args, names, overrides, recorded)


def keep_sleep_episodes(folder: Path, where: Path) -> str:
    """The real movements of sleep of the ICHI14 nights in ``folder``
    (``real_nights.sleep_episodes``) kept in an ``.npz`` in ``where``, found once for
    that folder's files and that code (about a minute); its path."""
    import real_nights

    files = sorted(p for p in folder.glob("p*.npy") if p.stem != "pat_inf")
    if not files:
        raise SystemExit(f"--sleep-moves {folder}: no ICHI14 night (p*.npy) there")
    h = hashlib.sha256(Path(real_nights.__file__).read_bytes())
    for p in files:
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    path = where / f"ichi14-sleep-moves-{h.hexdigest()[:16]}.npz"
    if not path.exists():
        where.mkdir(parents=True, exist_ok=True)
        np.savez(path.with_suffix(".part.npz"), **real_nights.sleep_episodes(folder))
        path.with_suffix(".part.npz").replace(path)
    return str(path)


def run(args: argparse.Namespace, names: list[str], overrides: dict, recorded: Recorded) -> None:
    """Every variant's nights detected and scored; prints the JSON (module docstring)."""
    loss = recorded.packet_loss
    tasks = [(v, i, seed, args.tolerance, args.cache, overrides, args.fs, args.location, recorded)
             for v in names for seed in args.seed for i in range(args.nights)]
    rows: dict[str, list[dict]] = {v: [] for v in names}
    t_sim = t_det = 0.0
    with ProcessPoolExecutor(args.jobs) as pool:
        for variant, row, ts, td in pool.map(run_one, tasks):
            rows[variant].append(row)
            t_sim, t_det = t_sim + ts, t_det + td
    per = {v: summarise(r) | intervals(r) for v, r in rows.items()}
    worst = dict(
        f1=min((p["f1"], v) for v, p in per.items()),
        recall=min((p["recall"], v) for v, p in per.items()),
        precision=min((p["precision"], v) for v, p in per.items()),
        false_jerks_per_night=max((p["false_jerks_per_night"], v) for v, p in per.items()),
        onset_median_abs_error_min=max((p["onset_median_abs_error_min"], v) for v, p in per.items()),
        onset_p90_abs_error_min=max((p["onset_p90_abs_error_min"], v) for v, p in per.items()))
    print(json.dumps(dict(nights_per_variant=args.nights, seeds=args.seed, fs_hz=args.fs,
                          location=args.location, packet_loss=loss, idle_sleep_g=args.idle_sleep or None,
                          idle_sleep_exported=args.exported, nightstand_min=args.nightstand or None,
                          sleep_turns=args.sleep_turns or None,
                          sleep_moves=None if args.sleep_moves is None else str(args.sleep_moves),
                          moves_per_variant=args.moves_per_variant,
                          tolerance_s=args.tolerance,
                          config_overrides=overrides,
                          worst_case={k: dict(value=v[0], variant=v[1], **{
                                      n: per[v[1]][n] for n in WORST_DETAIL.get(k, ())})
                                      for k, v in worst.items()},
                          all_variants=summarise([r for rs in rows.values() for r in rs]),
                          per_variant=per, simulate_s=round(t_sim, 1), detect_s=round(t_det, 1)),
                     indent=1, default=float))


if __name__ == "__main__":
    main()
