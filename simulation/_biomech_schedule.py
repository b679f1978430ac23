"""The timeline: nights, naps and days, and where every episode goes.

Times are seconds of true (UTC) time from the recording start.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from simulation import _biomech_day as day
from simulation import _biomech_events as ev
from simulation._biomech_body import Body
from simulation._biomech_config import BiomechConfig
from simulation._biomech_events import LU, RI, Episode, U

MIN = 60.0
HOUR = 3600.0
#: Pause between a bout and the next discrete episode, s (> the two 1 s placement margins).
GAP = (2.2, 4.0)


@dataclass
class Period:
    kind: str
    lights_out: float
    onset: float
    wake: float
    awakenings: list[tuple[float, float]]
    get_up: float


@dataclass
class Schedule:
    periods: list[Period]
    day_spans: list[tuple[float, float]]
    end: float
    initial_posture: str


def build_schedule(rng: np.random.Generator, cfg: BiomechConfig) -> Schedule:
    periods: list[Period] = []
    days: list[tuple[float, float]] = []
    if cfg.day_hours_before > 0:
        lo = cfg.day_hours_before * HOUR
        days.append((0.0, lo - 3 * MIN))
        posture = "sitting"
    else:
        lo = U(rng, cfg.lights_out_min) * MIN
        posture = "lying"
    end = 0.0
    for i in range(max(1, cfg.n_nights)):
        onset = lo + U(rng, cfg.latency_min) * MIN
        wake = onset + U(rng, cfg.sleep_hours) * HOUR
        aw = _awakenings(rng, cfg, onset, wake)
        last = i == max(1, cfg.n_nights) - 1
        if last:
            end = wake + U(rng, cfg.post_wake_min) * MIN
            get_up = min(wake + U(rng, (1.0, 4.0)) * MIN, wake + 0.5 * (end - wake))
        else:
            get_up = wake + U(rng, (1.0, 5.0)) * MIN
        periods.append(Period("night", lo, onset, wake, aw, get_up))
        if last:
            if end - get_up > 30:
                days.append((get_up + 5.0, end))
            break
        next_lo = lo + cfg.night_period_h * HOUR + rng.uniform(-40, 40) * MIN * min(1.0, cfg.night_period_h / 24)
        day0 = get_up + 5.0
        if rng.random() < cfg.nap_prob:
            n_lo = day0 + U(rng, (0.25, 0.45)) * (next_lo - day0)
            n_on = n_lo + U(rng, (3.0, 15.0)) * MIN
            n_wk = n_on + U(rng, cfg.nap_min) * MIN
            n_up = n_wk + U(rng, (1.0, 3.0)) * MIN
            if n_up < next_lo - 0.2 * (next_lo - day0):
                days.append((day0, n_lo - 3 * MIN))
                periods.append(Period("nap", n_lo, n_on, n_wk, [], n_up))
                day0 = n_up + 5.0
        days.append((day0, next_lo - 3 * MIN))
        lo = next_lo
    return Schedule(periods, days, end, posture)


def _awakenings(rng: np.random.Generator, cfg: BiomechConfig, onset: float,
                wake: float) -> list[tuple[float, float]]:
    k = RI(rng, cfg.awakenings)
    lo, hi = onset + 40 * MIN, wake - 20 * MIN
    out: list[tuple[float, float]] = []
    if hi <= lo:
        return out
    for _ in range(k * 10):
        if len(out) >= k:
            break
        s = rng.uniform(lo, hi)
        d = U(rng, cfg.awakening_min) * MIN
        if all(s + d + 20 * MIN < a or s > b + 20 * MIN for a, b in out):
            out.append((s, s + d))
    return sorted(out)


@dataclass
class Occupancy:
    """Non-overlapping reserved spans (with margins), sorted."""

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)

    def free(self, a: float, b: float) -> bool:
        i = bisect.bisect_left(self.starts, b)
        return not (i > 0 and self.ends[i - 1] > a)

    def add(self, a: float, b: float) -> None:
        i = bisect.bisect_left(self.starts, a)
        self.starts.insert(i, a)
        self.ends.insert(i, b)
        # keep ends monotone for the check above (spans never overlap)


class Planner:
    def __init__(self, rng: np.random.Generator, cfg: BiomechConfig, body: Body,
                 sched: Schedule, locations: list[str]):
        self.rng, self.cfg, self.body, self.sched = rng, cfg, body, sched
        self.locations = locations
        self.occ = Occupancy()
        self.episodes: list[Episode] = []
        self.idx = 0
        self.jerk_id = 0
        self.jerk_series = 0
        self.plm_series = 0
        self.bouts: list[day.Bout] = []
        self.lie_starts: list[float] = []

    def _next_idx(self) -> int:
        self.idx += 1
        return self.idx

    def place(self, ep: Episode, force: bool = False) -> bool:
        a, b = ep.t0 - ep.margin, ep.t1 + ep.margin
        if not force and not self.occ.free(a, b):
            return False
        self.occ.add(a, b)
        self.episodes.append(ep)
        return True

    def place_random(self, make, spans: list[tuple[float, float]], tries: int = 25) -> bool:
        spans = [(a, b) for a, b in spans if b - a > 5]
        if not spans:
            return False
        w = np.array([b - a for a, b in spans])
        for _ in range(tries):
            a, b = spans[int(self.rng.choice(len(spans), p=w / w.sum()))]
            t = self.rng.uniform(a, b)
            ep = make(t)
            if ep.t1 <= b + 5 and self.place(ep):
                return True
        return False

    # --- the plan ---------------------------------------------------------------------
    def plan(self) -> list[Episode]:
        rng, cfg = self.rng, self.cfg
        sch = self.sched
        # fixed transitions first
        for p in sch.periods:
            need_lie = p.lights_out > 3 * MIN and (p.kind == "nap" or cfg.day_hours_before > 0
                                                   or p is not sch.periods[0])
            if need_lie:
                lie = ev.lie_down_episode(rng, cfg, p.lights_out - U(rng, (1.0, 2.5)) * MIN,
                                          self._next_idx())
                self.place(lie, force=True)
                self.lie_starts.append(lie.t0)
            if p.get_up < sch.end or p is not sch.periods[-1]:
                self.place(ev.posture_change_episode(rng, cfg, p.get_up, self._next_idx(),
                                                     "sitting"), force=True)
        for p in sch.periods:
            self._jerks(p)
        for p in sch.periods:
            self._night_movements(p)
        for a, b in sch.day_spans:
            self._day(a, b)
        return sorted(self.episodes, key=lambda e: e.t0)

    def _jerks(self, p: Period) -> None:
        rng, cfg = self.rng, self.cfg
        lo, hi = cfg.jerks_per_night
        if p.kind == "nap":
            lo, hi = 0, max(1, hi // 2)
        n = RI(rng, (lo, hi))
        w = np.asarray(cfg.jerk_where, float)
        while n > 0:
            size = 1
            if n >= 2 and rng.random() < cfg.cluster_prob:
                size = min(RI(rng, cfg.cluster_size), n)
            for _ in range(40):
                where = int(rng.choice(4, p=w / w.sum()))
                t = self._jerk_time(p, where)
                if t is None:
                    continue
                gaps = [U(rng, cfg.cluster_gap_s) for _ in range(size - 1)]
                times = t + np.concatenate([[0.0], np.cumsum(gaps)])
                if not self.occ.free(times[0] - 1.0, times[-1] + 2.0):
                    continue
                sid = -1
                if size > 1:
                    sid = self.jerk_series
                    self.jerk_series += 1
                eps = []
                for tk in times:
                    eps.append(ev.jerk_episode(rng, cfg, self.body, float(tk), self.jerk_id, sid))
                    self.jerk_id += 1
                for e in eps:
                    self.place(e, force=True)
                if rng.random() < cfg.post_jerk_move_prob:
                    tm = eps[-1].t1 + U(rng, (3.0, 20.0))
                    self.place(ev.reposition_episode(rng, cfg, tm, self._next_idx()))
                break
            n -= size

    def _jerk_time(self, p: Period, where: int) -> float | None:
        rng = self.rng
        if where == 0:
            return p.onset + rng.triangular(-4.8, 0.0, 14.8) * MIN
        if where == 1:
            if not p.awakenings:
                return None
            a, b = p.awakenings[int(rng.integers(len(p.awakenings)))]
            return b + rng.uniform(-0.3, 10.0) * MIN
        if where == 2:
            if p.wake - p.onset < 40 * MIN:
                return None
            return rng.uniform(p.onset + 20 * MIN, p.wake - 10 * MIN)
        if p.onset - p.lights_out < 7 * MIN:
            return None
        return rng.uniform(p.lights_out + 1 * MIN, p.onset - 5.5 * MIN)

    def _night_movements(self, p: Period) -> None:
        rng, cfg, body = self.rng, self.cfg, self.body
        wake_bed = [(p.lights_out + 10, p.onset - 10)] + [(a, b) for a, b in p.awakenings]
        sleep = []
        s0 = p.onset
        for a, b in p.awakenings:
            sleep.append((s0 + 5, a - 5))
            s0 = b
        sleep.append((s0 + 5, p.wake - 5))
        h_wake = sum(b - a for a, b in wake_bed) / HOUR
        h_sleep = sum(b - a for a, b in sleep) / HOUR
        nx = self._next_idx
        # PLM series (sleep, mostly the first half)
        if rng.random() < cfg.plm_prob and h_sleep > 0.5:
            for _ in range(RI(rng, cfg.plm_series)):
                t0 = rng.uniform(p.onset + 15 * MIN, p.onset + 15 * MIN + 0.6 * (p.wake - p.onset))
                t_max = next((a for a, b in p.awakenings if a > t0), p.wake) - 10
                eps = ev.plm_series(rng, cfg, t0, self.plm_series, t_max)
                ok = [e for e in eps if self.occ.free(e.t0 - e.margin, e.t1 + e.margin)]
                # a series must keep >= 4 consecutive movements: drop the series otherwise
                if len(ok) == len(eps) and len(eps) >= 4:
                    for e in eps:
                        self.place(e, force=True)
                    self.plm_series += 1
        # phone use in bed after lights-out (long: placed first; shortened if it collides)
        if rng.random() < cfg.phone_prob and p.kind == "night":
            a, b = wake_bed[0]
            if b - a > 3 * MIN:
                for i in range(12):
                    t = rng.uniform(a, a + 0.3 * (b - a))
                    if self.place(ev.phone_episode(rng, cfg, t, nx(), (b - t - 60) * 0.8**i)):
                        break
        r = cfg.restless
        for _ in range(rng.poisson(U(rng, cfg.rollovers_per_hour) * h_sleep)):
            self.place_random(lambda t: ev.rollover_episode(rng, cfg, t, nx()), sleep)
        for _ in range(rng.poisson(1.5 * r * h_wake)):
            self.place_random(lambda t: ev.rollover_episode(rng, cfg, t, nx()), wake_bed)
        for _ in range(rng.poisson(U(rng, cfg.repositions_per_hour) * h_sleep)):
            self.place_random(lambda t: ev.reposition_episode(rng, cfg, t, nx()), sleep)
        for _ in range(rng.poisson(3.0 * r * h_wake)):
            self.place_random(lambda t: ev.reposition_episode(rng, cfg, t, nx()), wake_bed)
        for a, b in p.awakenings:
            for _ in range(RI(rng, cfg.wake_moves_per_awakening)):
                self.place_random(lambda t: ev.wake_episode(rng, cfg, t, nx()), [(a, b)])
        for _ in range(RI(rng, cfg.arm_lifts_per_night)):
            self.place_random(lambda t: ev.arm_lift_episode(rng, cfg, t, nx()), wake_bed)
        for _ in range(RI(rng, cfg.scratches_per_night)):
            spans = wake_bed if rng.random() < 0.5 else sleep
            self.place_random(lambda t: ev.scratch_episode(rng, cfg, body, t), spans)
        for _ in range(RI(rng, cfg.tremor_per_night)):
            self.place_random(lambda t: ev.tremor_episode(rng, cfg, t), wake_bed)
        for _ in range(RI(rng, cfg.knocks_per_night)):
            loc = self.locations[int(rng.integers(len(self.locations)))]
            self.place_random(lambda t, loc=loc: ev.knock_episode(rng, cfg, t, loc),
                              wake_bed + sleep)
        for _ in range(rng.poisson(U(rng, cfg.fidgets_per_hour_wake) * r * h_wake)):
            self.place_random(lambda t: ev.fidget_episode(rng, cfg, t), wake_bed, tries=5)
        for _ in range(rng.poisson(U(rng, cfg.fidgets_per_hour_sleep) * h_sleep)):
            self.place_random(lambda t: ev.fidget_episode(rng, cfg, t), sleep, tries=5)

    def _day(self, a: float, b: float) -> None:
        """Up-time: seated spells (1-3 activities each) and spells on the feet (standing
        and walking bouts) joined by sit-to-stand / stand-to-sit episodes; the bouts are
        kept for the continual movement layer (``_biomech_day``)."""
        rng, cfg = self.rng, self.cfg
        # the subject stays up until the lie-down episode (placed first, 1-2.5 min before
        # lights-out), not only until the end of the day span
        nxt = [s for s in self.lie_starts if b <= s <= b + 4 * MIN]
        b = min(nxt) - 1.0 if nxt else b
        t = a
        posture = "sitting"
        walked = 0.0
        while b - t > 20:
            if posture == "sitting":
                D = min(LU(rng, cfg.sit_spell_min) * MIN, b - t)
                if b - t - D < 90:
                    D = b - t
                for bt in day.sit_bouts(rng, cfg, t, t + D):
                    self.bouts.append(bt)
                    self._bout_episodes(bt)
                t += D
                if b - t < 20:
                    break
                ep = ev.posture_change_episode(rng, cfg, t + U(rng, GAP), self._next_idx(),
                                               "standing")
                if ep.t1 > b - 10 or not self.place(ep):
                    break
                posture = "standing"
                t = ep.t1 + U(rng, GAP)
                continue
            spell_end = min(t + LU(rng, cfg.up_spell_min) * MIN, b)
            first = True
            while spell_end - t > 8:
                deficit = walked < cfg.walk_share * (t - a + 120.0)
                p_walk = (0.85 if deficit else 0.1) if cfg.walk_share > 0 else 0.0
                if first:
                    p_walk = min(1.0, p_walk * 1.1)
                first = False
                D = min(day.walk_bout_s(rng, cfg), spell_end - t)
                if rng.random() < p_walk and D >= 8:
                    ep = ev.walking_episode(rng, cfg, t, D)
                    if not self.place(ep):
                        break
                    self.bouts.append(day.Bout("walk", t, ep.t1))
                    walked += D
                    t = ep.t1 + U(rng, GAP)
                else:
                    D = min(LU(rng, cfg.stand_bout_min) * MIN, spell_end - t)
                    bt = day.Bout("stand", t, t + D)
                    self.bouts.append(bt)
                    self._bout_episodes(bt)
                    t += D
            if b - t < 20:
                break
            ep = ev.posture_change_episode(rng, cfg, t + U(rng, GAP), self._next_idx(), "sitting")
            if ep.t1 > b - 10 or not self.place(ep):
                break
            posture = "sitting"
            t = ep.t1 + U(rng, GAP)
        if t < b - 1 and posture == "standing":
            self.bouts.append(day.Bout("stand", t, b))

    def _bout_episodes(self, bt) -> None:
        """Discrete, fully rendered hand use inside a bout: typing bursts (key taps) at the
        desk, talking gestures elsewhere."""
        rng, cfg = self.rng, self.cfg
        D = bt.t1 - bt.t0
        if D < 60:
            return
        if bt.kind == "sit-desk":
            n = rng.poisson(0.8 + D / 900)
            typing = True
        elif bt.kind in ("sit-rest", "stand", "sit-meal"):
            n = int(rng.random() < 0.25)
            typing = False
        else:
            return
        for _ in range(n):
            t0 = rng.uniform(bt.t0 + 5, bt.t1 - 30)
            ep = ev.gesture_episode(rng, cfg, t0, typing=typing)
            if ep.t1 < bt.t1 - 5:
                self.place(ep)
