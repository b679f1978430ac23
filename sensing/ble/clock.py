"""Sample timing for live streams: device time -> UTC, with loss, reboot and drift handling.

Every notification is stamped on arrival with the host clock. A sensor's clock is
better than arrival times (notifications arrive in bursts, late, and some never), so
each sample is placed on the *device* time line first and then mapped to host UTC:

1. **Device time line.** A profile decodes a notification into ``n`` samples with the
   device time of its last sample and, when the profile has one, the device sample
   counter of its first sample. Consecutive packets are joined on the device clock:
   with a counter, ``counter - expected`` samples are missing; without one, the number
   missing is ``round(dt / period) - n`` (the Polar SDK's rule), and the samples of a
   continuous packet are spaced evenly since the previous one. Sensors with neither
   (host-clocked) get a synthetic device clock at the nominal rate.
2. **Host mapping.** ``host = anchor_host + rate * (device - anchor_device)``, anchored
   on the first packet of a segment. Every ``refit_s`` of device time the mapping is
   refitted: the drift (rate) by least squares over the segment's (device, arrival)
   pairs, the offset on their lower envelope (arrival can only be late), and the
   mapping slews towards that line over ``slew_horizon_s`` while staying continuous,
   so times never jump back.
3. **Segments.** A device clock that runs backwards or jumps by more than
   ``max_jump_s``, or that ran more than ``host_late_s`` less than the host clock
   while the link was down (a sensor reboot), and every reconnect of a host-clocked
   sensor, starts a new segment anchored again on arrival time. Times are kept strictly
   increasing across segments.

Every discontinuity (missing samples, reconnect, reboot) is reported as a gap
``[last time before, first time after]``; samples are never invented.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from itertools import chain

import numpy as np

log = logging.getLogger(__name__)

COUNTER_MODULO = 1 << 32
"""Device sample counters wrap at 2**32."""


@dataclass(frozen=True)
class ClockConfig:
    """Parameters of :class:`SensorClock`.

    Attributes
    ----------
    refit_s : float
        Device seconds between drift refits.
    slew_horizon_s : float
        Device seconds over which a refit correction is spread.
    max_rate_error_ppm : float
        Largest accepted deviation of the device clock rate from the host's, ppm.
    host_clocked_rate_error_ppm : float
        The same for host-clocked sensors, whose synthetic clock runs at the nominal
        rate while the real output rate may be off by a few percent, ppm.
    max_jump_s : float
        A forward device-time jump longer than this is a clock reset, not a loss, s.
    host_late_s : float
        Host-clocked sensors: a packet arriving this much later than its predicted
        time means samples were lost; the stream is re-anchored. Device-clocked
        sensors: the first packet after a reconnect arriving this much later (plus
        ``max_rate_error_ppm`` of the time the link was down) means the device clock
        restarted, s.
    fit_points : int
        Most recent (device, arrival) pairs kept for the fit.
    """

    refit_s: float = 10.0
    slew_horizon_s: float = 30.0
    max_rate_error_ppm: float = 500.0
    host_clocked_rate_error_ppm: float = 50_000.0
    max_jump_s: float = 6 * 3600.0
    host_late_s: float = 1.0
    fit_points: int = 4000


@dataclass(frozen=True)
class Placement:
    """Where a packet's samples fall in time.

    Attributes
    ----------
    time_ns : ndarray of int64
        UTC sample times, ns since the epoch.
    gap : tuple of int or None
        ``(last time before, first time after)`` if samples are missing before this
        packet, ns.
    missing : int
        Samples estimated missing before this packet (-1 if unknown, e.g. a reboot).
    reason : str
        ``""``, ``"loss"``, ``"reconnect"`` or ``"reboot"``.
    """

    time_ns: np.ndarray
    gap: tuple[int, int] | None
    missing: int
    reason: str


#: A device clock off by more than ``max_rate_error_ppm`` over this long is said (a
#: shorter fit is latency's jitter as much as the clock's rate), s.
RATE_WARN_SPAN_S = 300.0


class SensorClock:
    """Places one sensor's packets on the UTC time line (see the module docstring).

    Parameters
    ----------
    fs_hz : float
        Nominal sampling rate, Hz.
    config : ClockConfig, optional
    """

    def __init__(self, fs_hz: float, config: ClockConfig | None = None):
        self.cfg = config or ClockConfig()
        self.fs_hz = float(fs_hz)
        self.period_ns = 1e9 / self.fs_hz
        # Device times are kept as float ns relative to an integer origin (the segment's
        # first device time), host times as an integer anchor plus a float offset, so
        # epoch-sized numbers never lose precision in float64.
        self._origin = 0
        self._dev_last: float | None = None   # device time of the last sample - origin, ns
        self._next_counter: int | None = None
        self._last_out: int | None = None     # last UTC time handed out, ns
        self._reconnected = False
        self._anchor_dev = 0.0
        self._anchor_host = 0
        self._rate = 1.0
        self._last_refit_dev = 0.0
        # (device time, host time - anchor + _shifted) of recent packets, ns: refits move the
        # anchor by whole ns, counted in _shifted rather than by rewriting every point
        self._fit: deque[tuple[float, float]] = deque(maxlen=self.cfg.fit_points)
        self._shifted = 0
        self._host_clocked = False
        self._warned_rate = False

    # -- public ---------------------------------------------------------------------
    def reconnected(self) -> None:
        """Note a reconnect: the next packet ends a gap (and re-anchors host-clocked sensors)."""
        self._reconnected = True

    def place(self, n: int, host_ns: int, device_last_ns: int | None = None,
              counter: int | None = None) -> Placement:
        """UTC times of a packet's ``n`` samples.

        Parameters
        ----------
        n : int
            Samples in the packet (> 0).
        host_ns : int
            Arrival time of the notification, ns since the epoch.
        device_last_ns : int, optional
            Device time of the packet's last sample, ns (None: host-clocked sensor).
        counter : int, optional
            Device sample counter of the packet's first sample.
        """
        self._host_clocked = device_last_ns is None
        if device_last_ns is None:
            reason, missing, dev = self._host_clocked_times(n, int(host_ns))
        else:
            reason, missing, dev = self._device_clocked(n, int(device_last_ns), counter,
                                                        int(host_ns))
        if reason in ("start", "reboot"):
            self._anchor(dev[-1], int(host_ns))
        else:
            self._maybe_refit(dev[-1])
        self._fit.append((dev[-1], float(host_ns - self._anchor_host + self._shifted)))
        times = self._anchor_host + np.rint(self._rate * (dev - self._anchor_dev)).astype(np.int64)
        if self._last_out is not None and times[0] <= self._last_out:
            shift = self._last_out + 1 - int(times[0])
            log.debug("segment overlaps the previous one by %d ns; shifted", shift)
            self._anchor_host += shift
            times += shift
        if reason == "start":
            reason = "reconnect" if self._last_out is not None else ""
        gap = (self._last_out, int(times[0])) if reason and self._last_out is not None else None
        self._last_out = int(times[-1])
        self._reconnected = False
        return Placement(times, gap, missing, reason)

    # -- device time line -------------------------------------------------------------
    def _segment(self, n: int, origin: int) -> np.ndarray:
        """Start a segment at ``origin`` (its last sample); device times of the packet."""
        self._origin, self._dev_last = origin, 0.0
        return -self.period_ns * np.arange(n - 1, -1, -1, dtype=np.float64)

    def _device_clocked(self, n: int, last_ns: int, counter: int | None, host_ns: int):
        k = np.arange(n, dtype=np.float64)
        prev = self._dev_last
        if prev is None:
            self._next_counter = None if counter is None else counter + n
            return "start", 0, self._segment(n, last_ns)
        last = float(last_ns - self._origin)
        delta = last - prev
        # across a reconnect the device clock must have run as long as the host's did
        # (within latency and drift); one that ran less restarted (a reboot), even if it is
        # already past its old reading
        late = host_ns - (self._anchor_host + self._rate * (last - self._anchor_dev))
        restarted = self._reconnected and late > (
            self.cfg.host_late_s * 1e9 + self.cfg.max_rate_error_ppm * 1e-6 * max(delta, 0.0))
        if counter is not None and self._next_counter is not None and not self._reconnected:
            missing = (counter - self._next_counter) % COUNTER_MODULO
            missing -= COUNTER_MODULO if missing >= COUNTER_MODULO // 2 else 0
        else:  # no counter, or a restarted stream whose counter began again at 0
            missing = round(delta / self.period_ns) - n
        self._next_counter = None if counter is None else counter + n
        if restarted or delta <= 0 or missing < 0 or delta > self.cfg.max_jump_s * 1e9:
            log.info("device clock restarted (dt %.3f s, %d samples missing, %.3f s late): "
                     "new segment", delta / 1e9, missing, late / 1e9)
            return "reboot", -1, self._segment(n, last_ns)
        self._dev_last = last
        if missing > 0:
            reason = "reconnect" if self._reconnected else "loss"
            return reason, missing, last - self.period_ns * (n - 1 - k)
        step = delta / n
        if abs(step / self.period_ns - 1) < 0.01:   # continuous packet: learn the real period
            self.period_ns += 0.02 * (step - self.period_ns)
        return "", 0, prev + step * (k + 1)

    def _host_clocked_times(self, n: int, host_ns: int):
        if self._dev_last is None or self._reconnected:
            return "start", 0, self._segment(n, host_ns)
        dev = self._dev_last + self.period_ns * np.arange(1, n + 1, dtype=np.float64)
        predicted = self._anchor_host + self._rate * (dev[-1] - self._anchor_dev)
        if host_ns - predicted > self.cfg.host_late_s * 1e9:
            missing = round((host_ns - predicted) / self.period_ns)
            log.info("host-clocked stream %d samples late: re-anchored", missing)
            return "reboot", missing, self._segment(n, host_ns)
        self._dev_last = float(dev[-1])
        return "", 0, dev

    # -- host mapping -------------------------------------------------------------------
    def _anchor(self, dev: float, host: int) -> None:
        self._anchor_dev, self._anchor_host, self._rate = dev, host, 1.0
        self._last_refit_dev = dev
        self._fit.clear()
        self._shifted = 0

    def _maybe_refit(self, dev_now: float) -> None:
        if dev_now - self._last_refit_dev < self.cfg.refit_s * 1e9 or len(self._fit) < 4:
            return
        self._last_refit_dev = dev_now
        pts = np.fromiter(chain.from_iterable(self._fit), np.float64, 2 * len(self._fit)).reshape(-1, 2)
        d, h = pts[:, 0] - pts[0, 0], pts[:, 1] - self._shifted  # host - anchor_host, ns
        limit = 1e-6 * (self.cfg.host_clocked_rate_error_ppm if self._host_clocked
                        else self.cfg.max_rate_error_ppm)
        rate = self._rate
        if d[-1] > 0:
            fitted = float(np.polyfit(d, h - h[0], 1)[0])
            if (abs(fitted - 1) > limit and d[-1] >= RATE_WARN_SPAN_S * 1e9 and not self._host_clocked
                    and not self._warned_rate):  # over minutes, not latency's jitter
                self._warned_rate = True
                log.warning("the sensor's clock runs %+.0f ppm against this computer's, beyond the "
                            "%.0f ppm hypnic follows: its sample times drift (a device clock within "
                            "+-%.0f ppm: firmware_notes/hypnic-gatt-profile.md)", (1 / fitted - 1) * 1e6,
                            limit * 1e6, limit * 1e6)
            rate = float(np.clip(fitted, 1 - limit, 1 + limit))
        offset = float(np.min(h - rate * d))              # lower envelope: least latency
        now = self._rate * (dev_now - self._anchor_dev)   # relative to anchor_host
        horizon = self.cfg.slew_horizon_s * 1e9
        target = offset + rate * (dev_now + horizon - pts[0, 0])
        new_rate = float(np.clip((target - now) / horizon, 1 - 2 * limit, 1 + 2 * limit))
        shift = int(round(now))
        self._anchor_dev, self._rate = dev_now, new_rate
        self._anchor_host += shift
        self._shifted += shift
