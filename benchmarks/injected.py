"""Sleep starts injected into real sleep-lab nights: what detection finds where the PSG
says the sleeper fell asleep.

The real ICHI14 nights (``real_nights.py``: a wrist logger at 100 Hz, 8 bit, with
polysomnography) have no jerk labels, so they cannot say how many sleep starts hypnic
finds. Here sleep starts of known time are added to them: each is one wrist jerk of
one of the two independently written signal models (``simulation.biomech`` and
``simulation.kinematic``, rendered at 100 Hz on a left wrist), cut out of a simulated
night with its ringing and the tilt it leaves, turned so that its gravity before the
jerk is the real night's at that moment, added to the real samples and put back on
the logger's 8-bit grid (clipped at its range). What surrounds it is real: the
sleeper's own movements, the time course of their falling asleep and waking, the
sensor. So this measures what the simulated families can only assume: whether the
windows of falling asleep that detection places hold the moments the PSG scores as
falling asleep.

Where (``--seed`` draws them): one jerk from 5 min before to 10 min after the PSG sleep
onset (the first sleep epoch), and one from 2 min before to 5 min after each of up to
``MAX_RETURNS`` returns to sleep (the first sleep epoch after at least ``WAKE_BOUT_S``
of PSG wake), at a moment with no movement within ``QUIET_S`` either side (every axis
within ``QUIET_STEPS`` steps of the 8-bit grid): sleep starts come as the sleeper lies
still, and a burst amid movement is not a sleep start to detection either
(``rest_lead_s``). A transition with no such moment is skipped and counted.

With ``--cluster-share P`` a share P of the put-ins are a cluster of 2-3 jerks 2-10 s
apart (``CLUSTER_GAP_S``) instead of one, each jerk scored on its own.

Scored per injected jerk: found when a counted jerk (kind ``jerk``) starts within
``--tolerance`` s of it, else what detection called the burst there (``sleep-burst``,
``wake-burst``, ``movement``, ...) or ``undetected``, and the reason it gave
(``rejected_reason``). Counted jerks that are neither injected nor counted on the
night without injections are ``added_false``; ``counted_real`` is the jerks counted on
the nights without injections (one row per sensor's burst; no label says what they
were). Returns to sleep are split by whether the wrist moved while the PSG scored the
wake before them (``MOVE_STEPS``): after a still wake no reader of the wrist's
movement can know the sleeper woke (the simulated families' ``unseen``). Prints one JSON object: recall at
the onset and at returns, how the misses were filed, and per night the injected, found
and skipped.

Usage: python benchmarks/injected.py --ichi14 PATH/TO/ICHI14_dataset/data [--nights 10]
                                     [--seed 0] [--jobs 2] [--cluster-share 0.3]
                                     [--set NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from accuracy import config_overrides, rotation_between, simulate
from real_nights import FS, SLEEP_STAGES, load_ichi14

from detection import DetectionConfig, detect_night
from sensing.recording import Recording

#: PSG wake (or movement) lasting at least this long before sleep makes a return to sleep, s.
WAKE_BOUT_S = 120.0
#: An injected jerk needs no movement this long either side of it, s.
QUIET_S = 30.0
#: ... where no axis strays more than this many steps of the 8-bit grid from its median.
QUIET_STEPS = 2
#: Where a jerk goes, around a PSG sleep onset and around a return to sleep, s.
ONSET_SPAN_S = (-300.0, 600.0)
RETURN_SPAN_S = (-120.0, 300.0)
#: At most this many returns to sleep get a jerk in one night (drawn at random): the
#: apnoea patients of ICHI14 wake dozens of times a night.
MAX_RETURNS = 3
#: The wrist moved in a PSG wake bout when some axis spans more than this many steps of
#: the 8-bit grid within a second (4 steps: about 0.12 g).
MOVE_STEPS = 4
#: The gap between the jerks of a cluster (``--cluster-share``), s: jerks at sleep
#: onset often come a few seconds apart.
CLUSTER_GAP_S = (2.0, 10.0)
#: A jerk's cut: from this long before its start to this long after its end, s.
CUT_S = (0.5, 1.5)
#: Look-alikes or other jerks this close to a simulated jerk leave it out of the pool, s.
CLEAR_S = 3.0


def jerk_pool(nights: int = 8, seed: int = 0) -> list[np.ndarray]:
    """Wrist jerks of the two independent models at ``FS`` (the logger's 100 Hz): one
    array (n, 3) g each,
    from ``CUT_S[0]`` before the jerk to ``CUT_S[1]`` after it, left out when another
    jerk or a look-alike is within ``CLEAR_S``."""
    pool = []
    for variant in ("biomech:typical", "kinematic:typical"):
        for i in range(nights):
            night = simulate(variant, i, seed, fs=FS, location="wrist-left")
            rec = night.recordings["wrist-left"]
            js = night.jerk_sensors[(night.jerk_sensors["location"] == "wrist-left") & ~night.jerk_sensors["in_gap"]]
            look = np.r_[night.confounders["start"].astype("int64").to_numpy(),
                         night.confounders["end"].astype("int64").to_numpy()]
            for _, j in js.iterrows():
                a, b = j["start"].value, j["end"].value
                clear = int(CLEAR_S * 1e9)
                other = night.jerks.loc[night.jerks["jerk_id"] != j["jerk_id"], "start"].astype("int64").to_numpy()
                near = np.r_[look, other]
                if ((near > a - clear) & (near < b + clear)).any():
                    continue
                i0, i1 = np.searchsorted(rec.time_ns, [a - int(CUT_S[0] * 1e9), b + int(CUT_S[1] * 1e9)])
                if i0 > 0 and i1 < len(rec.time_ns):
                    pool.append(rec.acc[i0:i1].astype(np.float64))
    return pool


def grid_steps(acc: np.ndarray) -> np.ndarray:
    """Each axis's step between quantised values (the smallest gap between distinct
    values), g."""
    return np.array([np.diff(np.unique(acc[:, k])).min() for k in range(3)])


def inject(acc: np.ndarray, at: int, jerk: np.ndarray, step: np.ndarray) -> np.ndarray:
    """``acc`` (n, 3, at ``FS``) with ``jerk`` (m, 3, a simulated wrist's samples at
    ``FS`` from ``CUT_S[0]`` before the jerk) put in from sample ``at``.

    The jerk is turned so that its gravity before it (its first ``CUT_S[0] - 0.1`` s)
    is ``acc``'s before ``at``, and its change from there is added. The tilt it leaves
    (its last 0.3 s against its start) turns the rest of the night with it: the limb
    lies at its new angle and moves from there. The result is put back on ``acc``'s
    grid (steps ``step``) and clipped to the range of an 8-bit logger centred on 0 g
    (or the night's own, if wider).
    """
    pre = int(round((CUT_S[0] - 0.1) * FS))
    g_sim, g_end = jerk[:pre].mean(axis=0), jerk[-int(0.3 * FS):].mean(axis=0)
    g_real = acc[max(at - pre, 0):at].mean(axis=0)
    align = rotation_between(g_sim, g_real)
    tilt = align @ rotation_between(g_sim, g_end) @ align.T
    out = acc.copy()
    m = min(len(jerk), len(acc) - at)
    out[at:at + m] += (jerk[:m] - g_sim) @ align.T
    out[at + m:] = out[at + m:] @ tilt.T
    origin = acc[0] - np.round(acc[0] / step) * step  # where the grid sits
    out = origin + np.round((out - origin) / step) * step
    return np.clip(out, np.minimum(acc.min(axis=0), -128 * step), np.maximum(acc.max(axis=0), 127 * step))


def transitions(label: np.ndarray, time_ns: np.ndarray) -> list[tuple[str, int, int]]:
    """PSG falling-asleep moments, ``(kind, ns, wake_ns)``: ``"onset"`` at the first sleep
    sample (``wake_ns`` the recording's start), ``"return"`` at the first sleep sample
    after at least ``WAKE_BOUT_S`` of wake (``wake_ns`` where that wake began)."""
    asleep = np.isin(label, SLEEP_STAGES)
    if not asleep.any():
        return []
    first = int(np.flatnonzero(asleep)[0])
    out = [("onset", int(time_ns[first]), int(time_ns[0]))]
    starts = np.flatnonzero(asleep[1:] & ~asleep[:-1]) + 1
    last_sleep = np.maximum.accumulate(np.where(asleep, np.arange(len(asleep)), -1))
    for s in starts[starts > first]:
        woke = last_sleep[s - 1] + 1
        if time_ns[s] - time_ns[woke] >= WAKE_BOUT_S * 1e9:
            out.append(("return", int(time_ns[s]), int(time_ns[woke])))
    return out


def moved(acc: np.ndarray, i0: int, i1: int, fs: float, step: np.ndarray) -> bool:
    """Whether the wrist moved in samples [i0, i1): some axis spans more than
    ``MOVE_STEPS`` steps within one second."""
    n = int(fs)
    w = acc[i0:i0 + (i1 - i0) // n * n].reshape(-1, n, 3)
    return bool(len(w) and ((w.max(axis=1) - w.min(axis=1)) > MOVE_STEPS * step + 1e-9).any())


def quiet_at(acc: np.ndarray, i: int, n: int, step: np.ndarray) -> bool:
    """Whether no axis strays more than ``QUIET_STEPS`` steps from its median within
    ``n`` samples of ``i``."""
    w = acc[max(i - n, 0):i + n]
    return bool((np.abs(w - np.median(w, axis=0)) <= QUIET_STEPS * step + 1e-9).all())


def place(rec: Recording, label: np.ndarray, rng: np.random.Generator,
          step: np.ndarray) -> tuple[list[tuple[str, int, bool]], int]:
    """Where the jerks go in one night: ``(kind, sample, moved)`` of each (at the PSG
    onset and at up to ``MAX_RETURNS`` returns drawn at random, at a quiet moment, a
    minute apart at least; ``moved``: the wrist moved while the PSG scored the wake
    before it), and how many transitions had no quiet moment."""
    found = transitions(label, rec.time_ns)
    returns = [t for t in found if t[0] == "return"]
    if len(returns) > MAX_RETURNS:
        returns = [returns[i] for i in sorted(rng.choice(len(returns), MAX_RETURNS, replace=False))]
    n_quiet = int(QUIET_S * rec.fs)
    placed: list[tuple[str, int, bool]] = []
    skipped = 0
    for kind, t, woke in [t for t in found if t[0] == "onset"] + returns:
        lo, hi = ONSET_SPAN_S if kind == "onset" else RETURN_SPAN_S
        i_woke, i_t = np.searchsorted(rec.time_ns, [woke, t])
        for _ in range(50):
            at = int(np.searchsorted(rec.time_ns, t + rng.uniform(lo, hi) * 1e9))
            if n_quiet < at < len(rec.acc) - n_quiet and quiet_at(rec.acc, at, n_quiet, step) \
                    and all(abs(at - p) > 2 * n_quiet for _, p, _ in placed):
                placed.append((kind, at, moved(rec.acc, int(i_woke), int(i_t), rec.fs, step)))
                break
        else:
            skipped += 1
    return placed, skipped


def clusters(placed: list[tuple[str, int, bool]], share: float, fs: float,
             rng: np.random.Generator) -> list[tuple[str, int, bool, bool]]:
    """Each placed jerk, or with probability ``share`` a cluster of 2-3 jerks
    ``CLUSTER_GAP_S`` apart starting there: ``(kind, sample, moved, in_cluster)``. Draws
    nothing when ``share`` is 0, so the single jerks stay as they were."""
    out = []
    for kind, at, woke_moving in placed:
        n = int(rng.integers(2, 4)) if share and rng.random() < share else 1
        at_s = at + np.r_[0, np.cumsum(rng.uniform(*CLUSTER_GAP_S, n - 1))] * fs
        out += [(kind, int(round(a)), woke_moving, n > 1) for a in at_s]
    return out


def night_run(args: tuple[Path, int, list[np.ndarray], float, dict, float]) -> dict:
    """Inject, detect, score one night (see the module docstring)."""
    path, seed, pool, tol_s, overrides, cluster_share = args
    cfg = replace(DetectionConfig(), **overrides)
    rec, label = load_ichi14(path)
    rng = np.random.default_rng([seed, int.from_bytes(path.stem.encode(), "little") % 2**32])
    step = grid_steps(rec.acc)
    placed, skipped = place(rec, label, rng, step)
    jerks = clusters(placed, cluster_share, rec.fs, rng)
    acc = rec.acc.astype(np.float64)
    cut = int(round(CUT_S[0] * rec.fs))
    for _, at, _, _ in jerks:
        acc = inject(acc, at - cut, pool[rng.integers(len(pool))], step)
    base = detect_night(rec, cfg).events
    ev = detect_night(Recording(rec.time_ns, acc.astype(np.float32), rec.fs, rec.location, rec.device), cfg).events
    start_s = ev["start"].astype("int64").to_numpy() / 1e9
    counted = ev["kind"].to_numpy() == "jerk"
    rows = []
    used = np.zeros(len(ev), bool)
    for kind, at, woke_moving, in_cluster in jerks:
        t = rec.time_ns[at] / 1e9
        near = np.flatnonzero(np.abs(start_s - t) <= tol_s)
        hit = near[counted[near]]
        used[near] = True
        why = "" if len(hit) or not len(near) else str(ev["rejected_reason"].iloc[near[0]])
        rows.append(dict(kind=kind, moved=woke_moving, cluster=in_cluster, found=bool(len(hit)),
                         filed_as=("jerk" if len(hit) else str(ev["kind"].iloc[near[0]]) if len(near) else "undetected"),
                         because=re.sub(r"\d+", "N", why.split(" (")[0])))
    base_s = base.loc[base["kind"] == "jerk", "start"].astype("int64").to_numpy() / 1e9
    extra = [s for s in start_s[counted & ~used] if not (np.abs(base_s - s) <= tol_s).any()]
    return dict(night=path.stem, placed=rows, skipped=skipped, added_false=len(extra),
                counted_real=int(len(base_s)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ichi14", type=Path, required=True, help="folder of p*.npy files")
    ap.add_argument("--nights", type=int, default=0, help="only the first N nights")
    ap.add_argument("--seed", type=int, default=0, help="where the jerks go, and which")
    ap.add_argument("--tolerance", type=float, default=0.5, help="s")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--cluster-share", type=float, default=0.0, metavar="P",
                    help="share of the put-ins that are a cluster of 2-3 jerks 2-10 s apart")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a DetectionConfig threshold for this run (repeatable)")
    args = ap.parse_args()
    overrides = config_overrides(args.set, ap)
    files = sorted(p for p in args.ichi14.glob("p*.npy") if p.stem != "pat_inf")[: args.nights or None]
    pool = jerk_pool(seed=args.seed)
    if not 0 <= args.cluster_share <= 1:
        ap.error(f"--cluster-share {args.cluster_share:g}: give a share from 0 to 1")
    work = [(p, args.seed, pool, args.tolerance, overrides, args.cluster_share) for p in files]
    with ProcessPoolExecutor(args.jobs) as ex:
        nights = list(ex.map(night_run, work))
    placed = pd.DataFrame([dict(r, night=n["night"]) for n in nights for r in n["placed"]])

    def recall(p: pd.DataFrame) -> dict:
        return dict(injected=len(p), found=int(p["found"].sum()),
                    recall=float(p["found"].mean()) if len(p) else None,
                    missed_as=p.loc[~p["found"], "filed_as"].value_counts().to_dict(),
                    missed_because=p.loc[~p["found"] & (p["because"] != ""), "because"].value_counts().to_dict())

    returns = placed[placed["kind"] == "return"]
    print(json.dumps(dict(
        data="ICHI14 (Borazio et al. 2014) wrist nights with injected wrist jerks of the "
             "biomechanical and rigid-body models",
        seed=args.seed, nights=sum(bool(n["placed"]) or n["skipped"] > 0 for n in nights),
        jerk_pool=len(pool), all=recall(placed), onset=recall(placed[placed["kind"] == "onset"]),
        returns=recall(returns), returns_after_moving=recall(returns[returns["moved"]]),
        returns_after_still=recall(returns[~returns["moved"]]),
        in_clusters=recall(placed[placed["cluster"]]),
        skipped_no_quiet_moment=sum(n["skipped"] for n in nights),
        added_false=sum(n["added_false"] for n in nights),
        counted_real=sum(n["counted_real"] for n in nights),
        rows=[dict(night=n["night"], injected=len(n["placed"]),
                   found=sum(r["found"] for r in n["placed"]), skipped=n["skipped"],
                   added_false=n["added_false"]) for n in nights if n["placed"] or n["skipped"]]),
        indent=1))


if __name__ == "__main__":
    main()
