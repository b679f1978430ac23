"""Live detection: :class:`StreamingDetector` takes chunks of any size as they arrive.

It runs the batch steps of :mod:`detection.candidates` on a short buffer and emits a
candidate as soon as everything it depends on has arrived: its last sample plus
``DetectionConfig.lookahead_s`` (about 2 s; a slow movement's end is known
``slow_lag_s`` later, its change over that lag). The buffer keeps only the samples still
needed (the margin the high-pass and the context windows look back over, any
candidate still open, and a leg's last 11 s while a jerk there waits for its
``held_s``), and the noise floor keeps the last ``floor_window_s`` of block
medians, so memory stays bounded.

Same events as batch: after :meth:`StreamingDetector.flush`, :attr:`StreamingDetector.events`
equals the per-sensor candidates of :func:`detection.detect_night` on the same samples
(start, end, peak, axis, kind, reason; floating-point features agree to ~1e-9). A
periodic limb movement series is only recognised when its fourth movement arrives, so
earlier members first come out with their own kind (``jerk`` or ``movement``) and are
emitted again, with the same ``event_id`` and kind ``plm``, when the series is
recognised. A leg's jerk-like burst also waits for its ``held_s`` (whether the leg was
held away and let back, which makes it a limb movement of a series): it comes out with
NaN there, and its value is in :attr:`StreamingDetector.events` ``plm_duration_s[1]``
(10 s) later, when a revision follows only if the kind changes. Night-level columns
(groups across sensors, series, sleep phase) need the whole night and are left to
:func:`detection.detect_night`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from detection.candidates import (
    CANDIDATE_COLUMNS,
    Levels,
    Samples,
    block_floors,
    bridge,
    find,
    for_location,
    held_s,
    highpass,
    lost_on_radio,
    quiet_end,
    slow_change,
)
from detection.config import DetectionConfig, config_or_default
from detection.night import is_leg, label_plm
from sensing.body import LOCATIONS, refuse_slow_rate
from sensing.errors import InvalidRecordingError, wrong_type
from sensing.recording import GAP_FACTOR

log = logging.getLogger(__name__)

STREAM_COLUMNS = ["event_id", "revised", "start", "end", "location", *CANDIDATE_COLUMNS]
#: The buffer is processed once this much new data has arrived (adds at most this to
#: the emission delay; results do not depend on it), s.
PROCESS_EVERY_S = 0.1


class StreamingDetector:
    """Detect jerks and look-alikes of one sensor from chunks of samples.

    Parameters
    ----------
    fs : float
        Nominal sampling rate, Hz.
    location : str
        Where the sensor is worn (a key of ``sensing.body.LOCATIONS``).
    config : DetectionConfig, optional

    Raises
    ------
    HypnicError
        If ``fs`` is not a positive number or under :data:`sensing.body.MIN_RATE_HZ`,
        ``location`` unknown or ``config`` not a DetectionConfig; :meth:`push`, if a
        chunk's times are not integers (ns) or its acceleration not of shape (n, 3).

    Examples
    --------
    >>> import hypnic
    >>> sim = hypnic.simulate_night(hypnic.NightConfig(fs=25, hours_in_bed=0.5, locations=("wrist-left",), n_jerks=2), seed=1)
    >>> rec = sim.recordings["wrist-left"]
    >>> det = StreamingDetector(fs=rec.fs, location=rec.location)
    >>> for i in range(0, len(rec), 1500):  # one minute of samples at a time
    ...     new = det.push(rec.time_ns[i:i + 1500], rec.acc[i:i + 1500])
    >>> rest = det.flush()
    >>> int((det.events["kind"] == "jerk").sum())  # jerk-shaped bursts, not yet placed in the night
    1
    """

    _t: np.ndarray
    _acc: np.ndarray
    _n: int
    _done_n: int

    def __init__(self, fs: float, location: str = "unknown", config: DetectionConfig | None = None):
        if isinstance(fs, bool) or not isinstance(fs, (int, float, np.integer, np.floating)):
            raise wrong_type("StreamingDetector: fs", "a number of Hz", fs)
        if not (np.isfinite(fs) and fs > 0):
            raise InvalidRecordingError(f"fs must be a positive number of Hz, got {fs!r}")
        refuse_slow_rate(float(fs), "StreamingDetector")
        if location not in LOCATIONS:
            raise InvalidRecordingError(f"unknown location {location!r}; expected one of {', '.join(LOCATIONS)}")
        self.fs, self.location = float(fs), location
        self.cfg = for_location(config_or_default(config, "StreamingDetector"), location)
        self._leg = is_leg(location)
        self.ns = Samples.of(self.cfg, self.fs)
        self._gap_ns = GAP_FACTOR * 1e9 / self.fs
        self._bridge_ns = self.cfg.bridge_gap_s * 1e9
        self._step = max(1, round(PROCESS_EVERY_S * self.fs))
        self._last_t: int | None = None
        self._rows: list[dict] = []  # every emitted candidate (latest version)
        self._kind0: list[str] = []  # kind and reason of each before PLM relabelling
        self._reason0: list[str] = []
        self._new_segment()

    # -- public -----------------------------------------------------------------------
    @property
    def events(self) -> pd.DataFrame:
        """Every candidate emitted so far, latest version of each (sorted by start)."""
        return self._frame(self._rows)

    @property
    def buffered_samples(self) -> int:
        """Samples held in memory now."""
        return len(self._t)

    def push(self, time_ns: np.ndarray, acc: np.ndarray) -> pd.DataFrame:
        """Add samples; return the events that became final, and revised ones.

        Parameters
        ----------
        time_ns : array of int64, shape (n,)
            Sample times, ns since the epoch (UTC), increasing, after the previous chunk's.
        acc : array, shape (n, 3)
            Acceleration, g. Non-finite samples are dropped (they become a gap).

        Returns
        -------
        DataFrame
            Columns ``event_id``, ``revised``, ``start``, ``end`` (UTC), ``location`` and
            the candidate columns (``kind``: only ``jerk`` rows are jerks). A row with
            ``revised`` True repeats an earlier ``event_id`` whose kind changed to ``plm``:
            update the stored event rather than adding one.
        """
        t = np.asarray(time_ns)
        if t.dtype.kind == "M":
            t = t.astype("datetime64[ns]").view(np.int64)
        if t.size and (t.ndim > 1 or t.dtype.kind not in "iu"):
            raise InvalidRecordingError(
                f"time_ns must be a 1-D integer array of ns since the epoch, got {t.dtype} {t.shape}")
        t = t.astype(np.int64, copy=False).reshape(-1)
        a = np.asarray(acc, np.float32) if np.size(acc) else np.zeros((0, 3), np.float32)
        if a.ndim > 2 or a.shape[-1:] != (3,):  # (3,): one sample
            raise InvalidRecordingError(f"acc must have shape (n, 3), got {a.shape}")
        a = a.reshape(-1, 3)
        if len(a) != len(t):
            raise InvalidRecordingError(f"{len(t)} timestamps but {len(a)} acceleration samples")
        ok = np.isfinite(a).all(axis=1)
        t, a = t[ok], a[ok]
        if len(t) == 0:
            return _EMPTY.copy()
        prev = self._last_t if self._last_t is not None else t[0] - 1
        steps = np.diff(np.r_[prev, t])
        if (steps <= 0).any():
            raise InvalidRecordingError("timestamps must strictly increase across chunks")
        before = len(self._rows)
        changed: list[int] = []
        starts = np.flatnonzero(steps > self._gap_ns)  # a new segment starts at these samples
        if self._last_t is None:
            starts = starts[starts > 0]
        bounds = np.unique(np.r_[0, starts, len(t)])  # a gap before the chunk's first sample: once
        for c0, c1 in zip(bounds[:-1], bounds[1:], strict=True):
            if c0 in starts:
                t_prev = int(t[c0 - 1]) if c0 else int(prev)
                if len(self._t) and t[c0] - t_prev <= self._bridge_ns:  # a lost packet: bridged
                    fill_t, fill_a, _ = bridge(np.r_[t_prev], self._acc[-1:], t[c0:c0 + 1], a[c0:c0 + 1],
                                               self.fs)
                    self._t, self._acc = np.r_[self._t, fill_t], np.r_[self._acc, fill_a]
                    self._n += len(fill_t)
                    self._bridged.append((t_prev, int(t[c0])))
                else:
                    self._process(final=True, changed=changed)
                    self._new_segment()
            self._t = np.r_[self._t, t[c0:c1]]
            self._acc = np.r_[self._acc, a[c0:c1]]
            self._n += c1 - c0
        self._last_t = int(t[-1])
        if self._n - self._done_n >= self._step:
            self._process(final=False, changed=changed)
        return self._result(before, changed)

    def flush(self) -> pd.DataFrame:
        """End of data: emit everything still pending (like :meth:`push`)."""
        before = len(self._rows)
        changed: list[int] = []
        self._process(final=True, changed=changed)
        self._new_segment()
        return self._result(before, changed)

    # -- internals --------------------------------------------------------------------
    def _new_segment(self) -> None:
        self._t = np.zeros(0, np.int64)
        self._acc = np.zeros((0, 3), np.float32)
        self._off = 0  # segment index of buffer[0]
        self._n = 0  # samples of the segment so far
        self._done_n = 0  # value of _n when the buffer was last processed
        self._stats = np.zeros(0)  # block medians of blocks _stats_first, ...
        self._stats_first = 0
        self._p = 0  # candidates starting before this segment index are done
        self._done_i0: set[int] = set()  # emitted candidates starting at or after _p
        # a leg's emitted jerks whose held_s waits for its samples: (row, i0, i1)
        self._held_todo: list[tuple[int, int, int]] = []
        self._bridged: list[tuple[int, int]] = []  # times either side of each bridged gap, ns

    def _process(self, final: bool, changed: list[int]) -> None:
        ns, off, n = self.ns, self._off, self._n
        self._done_n = n
        if n == off:
            return
        lp, hp, mag = highpass(self._acc, ns.hp)
        half = 0 if final else ns.half
        exact_lo = off + (ns.half if off > 0 else 0)  # first segment index with exact mag
        exact_end = n - half
        # block medians of newly complete blocks whose samples are all exact
        nb_known = self._stats_first + len(self._stats)
        if final and exact_end < ns.block and nb_known == 0:  # a segment shorter than a block
            new = [float(np.median(mag))]
        else:
            new = [float(np.median(mag[k * ns.block - off:(k + 1) * ns.block - off]))
                   for k in range(nb_known, exact_end // ns.block)]
        self._stats = np.r_[self._stats, new]
        nb_known += len(new)
        if nb_known == 0:
            return
        known_end = exact_end if final else min(exact_end, (nb_known + 1) * ns.block)
        k0, k1 = off // ns.block, -(-known_end // ns.block)
        floor_b = block_floors(self._stats, self._stats_first, k0, k1, ns.floor_blocks)
        m = known_end - off
        lv = Levels.of_blocks(floor_b, ns.block, off - k0 * ns.block, self.cfg)
        cols = find(self._t[:m], self._acc[:m], lp[:, :m], hp[:, :m], mag[:m], lv, self.fs,
                    self.cfg, ns)
        cands = [dict(zip(cols, row, strict=True))
                 for row in zip(*(v.tolist() for v in cols.values()), strict=True)]
        for c in cands:
            c["i0"] += off
            c["i1"] += off
        cands = [c for c in cands if c["i0"] >= self._p and c["i0"] not in self._done_i0]
        need = ns.lookahead - ns.half  # samples after a candidate its kind depends on
        done = [c for c in cands if final or c["i1"] + need <= known_end]
        pending = [c["i0"] for c in cands if not (final or c["i1"] + need <= known_end)]
        self._emit(done, changed)
        self._measure_held(final, changed)
        # advance the done point to a quiet stretch before anything still pending
        limit = min([known_end - need, *pending]) if not final else known_end
        if not final and limit > self._p:
            above = lv.over(mag[:m], lv.low) | lv.over(slow_change(lp[:, :m], ns.lag), lv.move)
            above[: exact_lo + ns.lag - off] = True  # not exact yet: never a quiet point
            q = quiet_end(above[: max(0, limit - off)], max(ns.merge, ns.move_merge) + 1)
            q = None if q is None else q + off  # no candidate region crosses it
            if q is not None and q > self._p:
                self._p = q
                self._done_i0 = {i for i in self._done_i0 if i >= q}
        # trim: keep the margin before the done point and the samples of unfinished blocks
        keep_from = min(self._p - ns.lookback,
                        nb_known * ns.block - ns.half,
                        *(i0 - ns.gap - ns.ctx for _, i0, _ in self._held_todo))
        keep_from = max(keep_from, off)
        if keep_from > off:
            self._t, self._acc = self._t[keep_from - off:], self._acc[keep_from - off:]
            self._off = keep_from
            if len(self._t):  # no candidate starts before the buffer any more
                self._bridged = [g for g in self._bridged if g[1] > self._t[0]]
        first_needed = max(0, self._off // ns.block - ns.floor_blocks - 1)
        if first_needed > self._stats_first:
            self._stats = self._stats[first_needed - self._stats_first:]
            self._stats_first = first_needed

    def _emit(self, cands: list[dict], changed: list[int]) -> None:
        if not cands:
            return
        if self._bridged:
            kind = np.array([c["kind"] for c in cands], object)
            reason = np.array([c["rejected_reason"] for c in cands], object)
            lost_on_radio(kind, reason, np.array([c["start_ns"] for c in cands], np.int64),
                          np.array([c["end_ns"] for c in cands], np.int64), np.array(self._bridged, np.int64))
            for c, k, r in zip(cands, kind.tolist(), reason.tolist(), strict=True):
                c["kind"], c["rejected_reason"] = k, r
        for c in cands:
            i0, i1 = c.pop("i0"), c.pop("i1")
            self._done_i0.add(i0)
            if self._leg and c["kind"] == "jerk":
                self._held_todo.append((len(self._rows), i0, i1))
            self._rows.append(dict(event_id=len(self._rows), location=self.location, **c))
            self._kind0.append(c["kind"])
            self._reason0.append(c["rejected_reason"])
        self._relabel(changed)

    def _measure_held(self, final: bool, changed: list[int]) -> None:
        """``held_s`` of the leg's emitted jerks whose samples have all arrived (at the end
        of a segment: all, with the samples there are, as batch), then the PLM series again."""
        reach = self.ns.max_move + self.ns.ctx - 1  # samples after i0 that held_s reads
        ready = [h for h in self._held_todo if final or self._n >= h[1] + reach]
        if not ready:
            return
        self._held_todo = [h for h in self._held_todo if not (final or self._n >= h[1] + reach)]
        rows, i0, i1 = (np.array(v, np.int64) for v in zip(*ready, strict=True))
        values = held_s(self._t, self._acc, self.fs, i0 - self._off, i1 - self._off, self.cfg)
        for i, v in zip(rows.tolist(), values.tolist(), strict=True):
            self._rows[i]["held_s"] = v
        if np.isfinite(values).any():
            self._relabel(changed)

    def _relabel(self, changed: list[int]) -> None:
        # PLM series over everything emitted so far, on the kinds before relabelling
        # (a new movement can complete a series, and series only grow)
        frame = pd.DataFrame(dict(start_ns=[r["start_ns"] for r in self._rows],
                                  duration_s=[r["duration_s"] for r in self._rows],
                                  energy_s=[r["energy_s"] for r in self._rows],
                                  held_s=[r["held_s"] for r in self._rows],
                                  kind=self._kind0, rejected_reason=self._reason0,
                                  _id=range(len(self._rows))))
        relabelled = label_plm(frame, self.cfg, self.location)
        plm = relabelled[relabelled["kind"] == "plm"]
        for i, reason in zip(plm["_id"].tolist(), plm["rejected_reason"].tolist(), strict=True):
            if self._rows[i]["kind"] != "plm":
                self._rows[i].update(kind="plm", rejected_reason=reason)
                changed.append(i)
                log.debug("%s: event %d revised to plm", self.location, i)

    def _result(self, before: int, changed: list[int]) -> pd.DataFrame:
        if before == len(self._rows) and not changed:
            return _EMPTY.copy()
        revised = {i for i in changed if i < before}
        ids = sorted(set(range(before, len(self._rows))) | revised)
        return self._frame([dict(self._rows[i], revised=i in revised) for i in ids])

    @staticmethod
    def _frame(rows: list[dict]) -> pd.DataFrame:
        if not rows:
            return _EMPTY.copy()
        df = pd.DataFrame(rows)
        df["start"] = pd.to_datetime(df["start_ns"], utc=True)
        df["end"] = pd.to_datetime(df["end_ns"], utc=True)
        if "revised" not in df:
            df["revised"] = False
        return df[STREAM_COLUMNS].sort_values("start_ns", kind="stable", ignore_index=True)


_EMPTY = pd.DataFrame({c: pd.Series(dtype=CANDIDATE_COLUMNS.get(c, "object")) for c in STREAM_COLUMNS}
                      ).astype({"event_id": "int64", "revised": "bool", "start": "datetime64[ns, UTC]",
                                "end": "datetime64[ns, UTC]"})
