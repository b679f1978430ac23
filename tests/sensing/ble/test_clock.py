"""Sample placement: device time lines, loss, reboot, drift, host-clocked sensors."""

import numpy as np

from sensing.ble.clock import ClockConfig, SensorClock

FS = 100.0
T0 = 1_767_652_200_000_000_000  # host UTC ns


def feed(clock, n_packets, n=40, device0=5_000_000_000, drift_ppm=0.0, latency_ns=20_000_000,
         skip=(), counter=False, start_index=0):
    """Packets of n samples; the device clock runs (1 + drift) fast; returns placements."""
    out = []
    for k in range(n_packets):
        first = start_index + k * n
        if k in skip:
            continue
        true_last = T0 + int((first + n - 1) * 1e9 / FS)
        dev_last = device0 + int((first + n - 1) * 1e9 / FS * (1 + drift_ppm * 1e-6))
        out.append(clock.place(n, true_last + latency_ns, dev_last, first if counter else None))
    return out


def test_continuous_stream_is_uniform():
    p = feed(SensorClock(FS), 50)
    t = np.concatenate([x.time_ns for x in p])
    assert all(x.gap is None for x in p)
    np.testing.assert_allclose(np.diff(t), 1e7, atol=2)
    assert abs(t[0] - (T0 + 20_000_000)) < 1_000  # anchored on the first arrival


def test_lost_packet_by_timestamp_marks_exact_gap():
    p = feed(SensorClock(FS), 10, skip={4, 5})
    gaps = [x for x in p if x.gap]
    assert len(gaps) == 1 and gaps[0].missing == 80 and gaps[0].reason == "loss"
    start, end = gaps[0].gap
    assert round((end - start) / 1e7) == 81  # 80 missing samples -> 81 periods


def test_lost_packet_by_counter():
    p = feed(SensorClock(FS), 10, skip={3}, counter=True)
    assert [x.missing for x in p if x.gap] == [40]


def test_reboot_restarts_segment_and_stays_monotonic():
    clock = SensorClock(FS)
    a = feed(clock, 5)
    b = feed(clock, 5, device0=1_000, start_index=0)  # device clock back near 0
    assert b[0].reason == "reboot" and b[0].gap is not None
    t = np.concatenate([x.time_ns for x in a + b])
    assert (np.diff(t) > 0).all()


def test_reconnect_with_counter_restart_uses_device_time():
    clock = SensorClock(FS)
    feed(clock, 5, counter=True)
    clock.reconnected()
    # the stream restarts 300 samples later with its counter back at 0
    later = [clock.place(40, T0 + int(539 * 1e7) + 20_000_000, 5_000_000_000 + int(539 * 1e7), 0)]
    assert later[0].reason == "reconnect" and later[0].missing == 300


def test_reconnect_to_a_restarted_clock_past_its_old_reading_is_a_reboot():
    """A sensor rebooted 2 s into the stream whose clock, restarted at 0, already reads
    more than before when the link is back (a slow boot): its clock ran 10 s less than
    the host's while the link was down, so it restarted; the device time line is not
    continued (which placed every later sample 10 s early)."""
    clock = SensorClock(FS)
    feed(clock, 5, device0=0)  # device time 0 .. 2 s, on host T0 .. T0 + 2 s
    clock.reconnected()
    true_last = T0 + 15_000_000_000  # 15 s later by the host, 5 s after the restart
    p = clock.place(40, true_last + 20_000_000, 5_000_000_000, 0)
    assert p.reason == "reboot" and p.gap is not None
    assert abs(p.time_ns[-1] - (true_last + 20_000_000)) < 1_000


def test_reconnect_with_a_running_clock_allows_latency_and_drift():
    """A 10 min outage of a sensor whose clock is 400 ppm slow (0.24 s less than the
    host's) is still one device time line."""
    clock = SensorClock(FS)
    feed(clock, 5, counter=True)
    clock.reconnected()
    later = 5_000_000_000 + int(199 * 1e7) + 600_000_000_000
    p = clock.place(40, T0 + int(199 * 1e7) + 600_240_000_000 + 500_000_000,
                    later, 0)
    assert p.reason == "reconnect" and p.missing > 0


def test_drift_is_learned():
    """A device clock 200 ppm fast still yields host-true times after a few minutes."""
    clock = SensorClock(FS, ClockConfig(refit_s=5, slew_horizon_s=10))
    rng = np.random.default_rng(0)
    out = []
    n = 40
    for k in range(2000):  # 13 min
        first = k * n
        true_last = T0 + int((first + n - 1) * 1e9 / FS)
        dev_last = int((first + n - 1) * 1e9 / FS * (1 + 200e-6))
        late = int(rng.uniform(10e6, 60e6))
        out.append((true_last, clock.place(n, true_last + late, dev_last)))
    err_ms = [(p.time_ns[-1] - t) / 1e6 for t, p in out[-200:]]
    assert max(np.abs(err_ms)) < 15, err_ms[-5:]
    t = np.concatenate([p.time_ns for _, p in out])
    assert (np.diff(t) > 0).all()


def test_host_clocked_loss_reanchors():
    clock = SensorClock(FS, ClockConfig(host_late_s=0.5))
    times = []
    for k in range(100):
        p = clock.place(1, T0 + k * 10_000_000)
        assert p.gap is None
        times.append(p.time_ns[0])
    p = clock.place(1, T0 + 200 * 10_000_000)  # 100 samples never arrived
    assert p.reason == "reboot" and p.missing > 90
    assert p.gap == (times[-1], T0 + 200 * 10_000_000)


def test_host_clocked_sensor_slower_than_nominal_is_tracked():
    """A "100 Hz" sensor really sending 98 Hz: no invented gaps, times follow arrival."""
    clock = SensorClock(FS, ClockConfig(refit_s=5, slew_horizon_s=5))
    rng = np.random.default_rng(1)
    real_period = 1e9 / 98.0
    out = []
    for k in range(98 * 600):  # 10 min, one sample per notification
        true = T0 + int(k * real_period)
        out.append((true, clock.place(1, true + int(rng.uniform(5e6, 40e6)))))
    assert all(p.gap is None for _, p in out)
    err_ms = np.array([(p.time_ns[0] - t) / 1e6 for t, p in out[-98 * 60:]])
    assert np.abs(err_ms).max() < 300


def _blocks(keys, n=4):
    from sensing.ble.profiles import Block

    return [Block(np.full((n, 3), k, np.float32), k) for k in keys]


def test_sequencer_orders_dedupes_and_passes_host_clocked():
    from sensing.ble.profiles import Block
    from sensing.ble.reader import Sequencer

    seq = Sequencer(window_ns=100)
    out = []
    for i, b in enumerate(_blocks([10, 30, 20, 20, 40, 40, 50, 35])):
        out += seq.push(i, b)
    out += seq.flush()
    keys = [b.device_last_ns for _, b in out]
    assert keys == [10, 20, 30, 40, 50]  # 20 put back, repeats dropped, 35 too late
    assert seq.duplicates == 2 and seq.late == 1
    # a reboot (device time far back) is not reordering
    seq = Sequencer(window_ns=100)
    out = []
    for i, b in enumerate(_blocks([10_000, 20_000, 5])):
        out += seq.push(i, b)
    out += seq.flush()
    assert [b.device_last_ns for _, b in out] == [10_000, 20_000, 5]
    host = Block(np.zeros((1, 3), np.float32))
    assert seq.push(7, host) == [(7, host)]


def test_sequencer_loses_no_frame_across_reconnects_and_reboots():
    """Regression guard for the long-run loss (100 Polar frames, seen once): a Polar-like
    stream (1.56 s frames) with reconnects (marker: flush), two reboots that restart the
    device clock at the same 2019 time, and frames repeated after a reconnect. Every
    distinct frame comes out exactly once and in arrival order of the device time line."""
    from sensing.ble.reader import Sequencer

    step = 1_560_000_000
    reset = 599_616_000_000_000_000
    first = [820_000_000_000_000_000 + k * step for k in range(200)]
    second = [reset + 300 * 10**9 + k * step for k in range(200)]  # after reboot 1
    third = [reset + 300 * 10**9 + k * step for k in range(200)]    # reboot 2: same times again
    seq, out = Sequencer(), []
    for part, keys in enumerate((first[:100], first[120:], second, third)):
        if part:
            out += seq.flush()  # the reconnect marker
        for i, b in enumerate(_blocks(keys)):
            out += seq.push(i, b)
            if i == 0 and part in (1, 2):  # the first frame of a new link again
                out += seq.push(i, b)
    out += seq.flush()
    got = [b.device_last_ns for _, b in out]
    assert got == first[:100] + first[120:] + second + third
    assert seq.late == 0 and seq.duplicates == 2


def test_sequencer_passes_a_restarted_clock_after_a_reconnect():
    """After a reconnect, a device time a little below the old link's is a clock that
    restarted (a reboot seconds after the stream began), not a late packet: passed on,
    not dropped."""
    from sensing.ble.reader import Sequencer

    seq, out = Sequencer(window_ns=100), []
    for i, b in enumerate(_blocks([1000, 1040, 1080])):
        out += seq.push(i, b)
    out += seq.reconnected()
    for i, b in enumerate(_blocks([1020, 1060, 1100, 1080, 1100, 1050])):
        out += seq.push(10 + i, b)
    out += seq.flush()
    assert [b.device_last_ns for _, b in out] == [1000, 1040, 1080, 1020, 1060, 1080, 1100]
    # within the new link as before: 1080 put back, 1100 repeated, 1050 too late
    assert seq.late == 1 and seq.duplicates == 1
