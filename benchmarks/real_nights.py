"""Detection on real sleep-lab nights: sleep onset against polysomnography, and counts.

The ICHI14 data set (Borazio et al., "Towards Benchmarked Sleep Detection with Inertial
Wrist-worn Sensing Units", IEEE ICHI 2014, TU Darmstadt): 42 sleep-lab patients (mostly
sleep apnoea; some insomnia, RLS, healthy), one night each (a few two), a wrist data
logger at 100 Hz, 8 bit, with the polysomnographic stage of every sample. Its terms ask
for citation and give no licence, so it is not part of this repository: get
``ICHI14_dataset/data/p*.npy`` (e.g. from GitHub ``Vitalinsh/Sleep-Analysis-with-
accelerometer``) and pass the folder.

Per night: the recording span, PSG sleep onset (first non-wake scored sample) and the
detected onset (the main night), their difference (min), the time to fall asleep the
detection gives (lights out to onset, where a movement marked lights out) against the
PSG's (its first scored sample, about when the lab's lights went out, to its onset:
``latency_error_min``, what the report's advice on long sleep latency reads), the wake
after sleep onset likewise (the detected awakenings' time against the PSG's wake
between its first and last sleep: ``waso_error_min``, what the advice on broken sleep
reads), the counted jerks and the
other jerk-shaped bursts, and the detected awakenings (every period's) with how many
hold a PSG wake or movement epoch within 30 s (``AWAKENING_CHECK_S``). There are no jerk
labels: the counts are what hypnic says of real nights (most are apnoea patients, whose
arousals make brief movements), not an accuracy. Prints one JSON object with the
per-night rows, the median and 90th percentile absolute onset error, the share of
awakenings the PSG confirms, and the jerks counted in established sleep (PSG sleep for
the 15 min before, ``established``: no sleep start is expected there, so each is a
movement of sleep taken for one, or a sleep start of an arousal too brief to score)
per hour of it. And at every PSG fall from wake into sleep, how long since the wrist last
moved (``falls_asleep``): what the rest lead before a counted jerk assumes.

Usage: python benchmarks/real_nights.py --ichi14 PATH/TO/ICHI14_dataset/data [--nights 10]
                                        [--set NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from accuracy import FALL_WAKE_S, config_overrides, since_moved
from scipy.ndimage import binary_closing, uniform_filter1d

from detection import JERK_SHAPED, DetectionConfig, detect_night
from detection.night import MOVING_KINDS
from sensing.recording import Recording

DATENUM_UNIX0 = 719163.0  # Matlab/matplotlib datenum of 1970-01-01
FS = 100.0
SLEEP_STAGES = (1, 2, 3, 5)  # N3, N2, N1, REM (6 wake, 7 movement, 0 not scored)
WAKE_OR_MOVEMENT = (6, 7)
#: A detected awakening is confirmed by the PSG when a wake or movement epoch is scored
#: within this of it (either side), s.
AWAKENING_CHECK_S = 30.0
#: The wrist moves (``sleep_episodes``) where the standard deviation of its axes over
#: 1 s, summed, is above this, g: above the 8-bit logger's flicker between two steps
#: (a step is 0.03 g; 0.02 g counts that flicker, 100 episodes an hour).
EPISODE_MOVE_G = 0.05
EPISODE_MERGE_S = 3.0  # movements closer than this are one episode, s
EPISODE_PAD_S = 2.0  # still time kept either side of an episode, s
#: How long before a fall into sleep the wrist moved, s: the shares reported.
STILL_S = (15.0, 30.0, 60.0)
#: Sleep is established (no jerk of falling asleep) after this much PSG sleep, and an
#: episode must be followed by this much more (not the movement of an awakening), s.
ESTABLISHED_S = (900.0, 30.0)


def load_ichi14(path: Path) -> tuple[Recording, np.ndarray]:
    """One ICHI14 night: a Recording (g, per-night sphere-fitted calibration of the 8-bit
    counts; the lab's local clock taken as UTC) and the PSG label of each sample.

    The files are run-length encoded records (``t`` datenum of the run start, ``d`` run
    length, ``x``, ``y``, ``z`` counts, ``gt`` label).
    """
    from scipy.optimize import least_squares

    d = np.load(path)
    n = d["d"].astype(np.int64)
    t_run = (d["t"] - DATENUM_UNIX0) * 86400.0
    nxt = np.append(t_run[1:], t_run[-1] + n[-1] / FS)
    step = np.where(n > 0, (nxt - t_run) / np.maximum(n, 1), 1 / FS)
    idx = np.repeat(np.arange(len(n)), n)
    within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    t_ns = np.round((t_run[idx] + within * step[idx]) * 1e9).astype(np.int64)
    xyz = np.stack([d["x"], d["y"], d["z"]], 1).astype(float)
    still = np.unique(xyz[n >= 50], axis=0)  # values held >= 0.5 s: at rest
    still = still[(still > 2).all(1) & (still < 253).all(1)]
    fit = least_squares(lambda p: np.linalg.norm((still - p[:3]) / p[3], axis=1) - 1,
                        [128.0, 128.0, 128.0, 32.0])
    acc = ((xyz - fit.x[:3]) / fit.x[3]).astype(np.float32)[idx]
    keep = np.r_[True, np.diff(t_ns) > 0]
    rec = Recording(t_ns[keep], acc[keep], FS, "wrist-left", f"ichi14 {path.stem}")
    return rec, d["gt"].astype(np.int8)[idx][keep]


def established(label: np.ndarray, after_s: float = 0.0) -> np.ndarray:
    """Whether each sample is in established PSG sleep: sleep for the
    ``ESTABLISHED_S[0]`` before it, and for ``after_s`` after it."""
    before, after = int(ESTABLISHED_S[0] * FS), int(after_s * FS)
    woke = np.r_[0, np.cumsum(~np.isin(label, SLEEP_STAGES))]  # wake samples before i
    i = np.arange(len(label))
    return ((woke[i + 1] - woke[np.maximum(i - before, 0)] == 0) & (i >= before)
            & (woke[np.minimum(i + after, len(label))] - woke[i] == 0))


def sleep_episodes(folder: Path) -> dict[str, np.ndarray]:
    """The wrist's movements in established sleep on every ICHI14 night in ``folder``:
    spans where the wrist moves (``EPISODE_MOVE_G``, merged over ``EPISODE_MERGE_S``),
    each with ``EPISODE_PAD_S`` either side, in PSG sleep that has lasted
    ``ESTABLISHED_S[0]`` and lasts ``ESTABLISHED_S[1]`` after it (so no movement of
    falling asleep or of an awakening); found without the detector. Returns arrays:
    ``acc`` (the episodes' samples one after another, g at ``FS``, as the logger gave
    them), ``ends`` (each episode's end in ``acc``), ``night`` (its night's number),
    ``clock_s`` (when it began on its night's clock of established sleep, s: the real
    spacing of the movements, awakenings left out) and ``night_s`` (each night's
    established sleep, s)."""
    w, pad = int(FS), int(EPISODE_PAD_S * FS)
    episodes, night, clock, night_s = [], [], [], []
    for path in sorted(p for p in folder.glob("p*.npy") if p.stem != "pat_inf"):
        rec, label = load_ichi14(path)
        ok = established(label, ESTABLISHED_S[1])
        if not ok.any():
            continue
        sleep_clock = np.cumsum(ok) / FS
        a = rec.acc.astype(np.float64)
        mean = uniform_filter1d(a, w, axis=0)
        sd = np.sqrt(np.maximum(uniform_filter1d(a * a, w, axis=0) - mean**2, 0)).sum(axis=1)
        moving = binary_closing(sd > EPISODE_MOVE_G, np.ones(int(EPISODE_MERGE_S * FS), bool))
        edge = np.diff(np.r_[0, moving.astype(np.int8), 0])
        for i0, i1 in zip(np.flatnonzero(edge > 0) - pad, np.flatnonzero(edge < 0) + pad, strict=True):
            if i0 >= 0 and i1 <= len(a) and ok[i0:i1].all():
                episodes.append(a[i0:i1])
                night.append(len(night_s))
                clock.append(sleep_clock[i0])
        night_s.append(sleep_clock[-1])
    return dict(acc=np.concatenate(episodes), ends=np.cumsum([len(e) for e in episodes]),
                night=np.array(night), clock_s=np.array(clock), night_s=np.array(night_s))


def falls_asleep(time_ns: np.ndarray, label: np.ndarray, moved_ns: np.ndarray) -> np.ndarray:
    """Every PSG fall from wake into sleep (``FALL_WAKE_S`` of scored wake or movement,
    then as long of sleep): seconds from the end of the wrist's last movement before it
    (``moved_ns``: the ends of the detector's movements, ns; from the recording's start
    if none: a lower bound), and whether it is the night's first sleep. How still the
    wrist is before sleep comes is what the rest lead (``DetectionConfig.rest_lead_s``)
    assumes of a sleep start."""
    asleep = np.isin(label, SLEEP_STAGES)
    not_wake = np.r_[0, np.cumsum(~np.isin(label, WAKE_OR_MOVEMENT))]  # before each sample
    slept = np.r_[0, np.cumsum(asleep)]
    n = int(FALL_WAKE_S * FS)
    i = np.flatnonzero(np.diff(asleep.astype(np.int8)) == 1) + 1
    i = i[(i >= n) & (i + n <= len(label))]
    i = i[(not_wake[i] - not_wake[i - n] == 0) & (slept[i + n] - slept[i] == n)]
    return np.rec.fromarrays([since_moved(time_ns[i], moved_ns, int(time_ns[0])), slept[i] == 0],
                             names="since_moved_s,first")


def confirmed(time_ns: np.ndarray, label: np.ndarray, spans: list[tuple[int, int]]) -> int:
    """How many awakenings (``(start, end)`` ns) hold a PSG wake or movement sample
    within ``AWAKENING_CHECK_S`` of them."""
    woke = time_ns[np.isin(label, WAKE_OR_MOVEMENT)]
    pad = int(AWAKENING_CHECK_S * 1e9)
    return sum(int(np.searchsorted(woke, b + pad, side="right") > np.searchsorted(woke, a - pad))
               for a, b in spans)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ichi14", type=Path, required=True, help="folder of p*.npy files")
    ap.add_argument("--nights", type=int, default=0, help="only the first N nights")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a DetectionConfig threshold for this run (repeatable)")
    args = ap.parse_args()
    cfg = replace(DetectionConfig(), **config_overrides(args.set, ap))
    files = sorted(p for p in args.ichi14.glob("p*.npy") if p.stem != "pat_inf")
    rows = []
    for path in files[: args.nights or None]:
        rec, label = load_ichi14(path)
        asleep = np.flatnonzero(np.isin(label, SLEEP_STAGES))
        if not len(asleep):
            continue  # a night without PSG labels
        t = time.perf_counter()
        result = detect_night(rec, cfg)
        psg = int(rec.time_ns[asleep[0]])
        psg_latency_min = (psg - int(rec.time_ns[np.flatnonzero(label > 0)[0]])) / 6e10
        onset = result.sleep.onset
        latency_min = result.sleep.latency_s / 60  # NaN where no movement marked lights out
        psg_waso_min = float(np.sum(~np.isin(label[asleep[0]:asleep[-1]], SLEEP_STAGES))) / FS / 60
        waso_min = sum((b - a).total_seconds() for a, b in result.sleep.awakenings) / 60
        kinds = result.events["kind"].value_counts()
        jerks = result.events.loc[result.events["kind"] == "jerk", "start"].astype("int64").to_numpy()
        sound = established(label)
        awakenings = [(a.value, b.value) for p in result.periods for a, b in p.awakenings]
        moved = result.events.loc[result.events["kind"].isin(MOVING_KINDS), "end"].astype("int64").to_numpy()
        falls = falls_asleep(rec.time_ns, label, moved)
        rows.append(dict(
            night=path.stem, hours=round((rec.time_ns[-1] - rec.time_ns[0]) / 3.6e12, 2),
            psg_onset_min=round((psg - rec.time_ns[0]) / 6e10, 1),
            onset_error_min=None if onset is None else round((onset.value - psg) / 6e10, 1),
            lights_out_seen=result.sleep.lights_out_seen,
            psg_latency_min=round(psg_latency_min, 1),
            latency_error_min=None if np.isnan(latency_min) else round(latency_min - psg_latency_min, 1),
            psg_waso_min=round(psg_waso_min, 1),
            waso_error_min=None if onset is None else round(waso_min - psg_waso_min, 1),
            jerks=int(kinds.get("jerk", 0)),
            jerks_established=int(sound[np.minimum(np.searchsorted(rec.time_ns, jerks), len(label) - 1)].sum()),
            established_h=round(sound.sum() / FS / 3600, 2),
            other_jerk_shaped=int(sum(kinds.get(k, 0) for k in JERK_SHAPED if k != "jerk")),
            awakenings=len(awakenings),
            awakenings_psg_confirmed=confirmed(rec.time_ns, label, awakenings),
            falls_asleep_since_moved_s=[round(float(x), 1) for x in falls.since_moved_s],
            falls_asleep_first=falls.first.tolist(),
            detect_s=round(time.perf_counter() - t, 2)))
    errors = np.abs([r["onset_error_min"] for r in rows if r["onset_error_min"] is not None])
    latency = np.array([r["latency_error_min"] for r in rows if r["latency_error_min"] is not None], float)
    waso = np.array([r["waso_error_min"] for r in rows if r["waso_error_min"] is not None], float)
    print(json.dumps(dict(
        data="ICHI14 (Borazio et al. 2014), wrist, 100 Hz, 8 bit, PSG-scored",
        nights=len(rows), nights_with_onset=int(len(errors)),
        onset_median_abs_error_min=float(np.median(errors)) if len(errors) else None,
        onset_p90_abs_error_min=float(np.percentile(errors, 90)) if len(errors) else None,
        latency_nights=int(len(latency)),
        latency_median_abs_error_min=float(np.median(np.abs(latency))) if len(latency) else None,
        latency_median_error_min=float(np.median(latency)) if len(latency) else None,
        waso_median_abs_error_min=float(np.median(np.abs(waso))) if len(waso) else None,
        waso_median_error_min=float(np.median(waso)) if len(waso) else None,
        jerks_per_night_median=float(np.median([r["jerks"] for r in rows])) if rows else None,
        jerks_established=sum(r["jerks_established"] for r in rows),
        jerks_per_established_h=(sum(r["jerks_established"] for r in rows)
                                 / max(sum(r["established_h"] for r in rows), 1e-9)),
        awakenings=sum(r["awakenings"] for r in rows),
        awakenings_psg_confirmed_share=(sum(r["awakenings_psg_confirmed"] for r in rows)
                                        / max(sum(r["awakenings"] for r in rows), 1)),
        falls_asleep=still_before(rows),
        rows=rows), indent=1))


def still_before(rows: list[dict]) -> dict:
    """Over the nights' PSG falls into sleep (all, and each night's first): how many, the
    share with a wrist movement ending within each of ``STILL_S`` before, and the
    median time since the last one, s."""
    since = np.array([s for r in rows for s in r["falls_asleep_since_moved_s"]], float)
    first = np.array([f for r in rows for f in r["falls_asleep_first"]], bool)
    out = {}
    for name, x in (("all", since), ("first", since[first])):
        out[name] = dict(n=len(x), median_since_moved_s=float(np.median(x)) if len(x) else None,
                         **{f"moved_within_{s:g}s": float(np.mean(x <= s)) if len(x) else None for s in STILL_S})
    return out


if __name__ == "__main__":
    main()
