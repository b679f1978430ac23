"""The emulated sensor's sample loop, without a radio (fake connection, stubbed send)."""

import asyncio

import pytest

from sensing.ble import hypnic_profile
from sensing.emulator import EmulatedAir
from simulation import NightConfig, simulate_night


class _Conn:
    att_mtu = 247


@pytest.mark.parametrize("stop_after", [None, 3])
@pytest.mark.parametrize("profile", ["polar", "hypnic"])
async def test_end_of_night_flush_is_sent_in_packets(profile, stop_after):
    """Once packed 3,402 samples into one notification (a stop during the last burst)."""
    rec = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",),
                                     gaps_per_night=0), seed=3).recordings["wrist-left"]
    air = EmulatedAir()
    sensor = air.add_sensor(profile, rec)
    sensor.now_ns = lambda: int(rec.time_ns[-1]) + 1  # the night is over
    sensor._conn, sensor._streaming = _Conn(), True
    sensor._pos = len(rec) - 3402  # a long backlog at the end (e.g. a busy host)
    sent: list[tuple[int, int]] = []

    async def send(i0, i1):
        sent.append((i0, i1))
        if len(sent) == stop_after:  # the host stops the stream mid-burst
            sensor._streaming = False
        if i1 >= len(rec) or len(sent) == stop_after:
            sensor._closing = True

    sensor._send = send
    await asyncio.wait_for(sensor._run(), 5)
    per = hypnic_profile.samples_per_packet(247) if profile == "hypnic" else (247 - 13) // 6
    assert sent[0][0] == len(rec) - 3402
    assert len(sent) == stop_after if stop_after else sent[-1][1] == len(rec)
    assert all(b == c for (_, b), (c, _) in zip(sent[:-1], sent[1:], strict=True))  # contiguous
    assert max(i1 - i0 for i0, i1 in sent) <= per


async def test_stop_mid_burst_sends_no_oversized_polar_frame():
    """The long-run loss (3,908 Polar samples, one spurious gap): with the stream stopped
    during the last burst of the night, the flush sent the rest (3,947 samples) as one raw
    PMD frame; ATT cut it to MTU - 3 bytes, so the host decoded its first 39 samples
    stamped with the device time of its last one (a 'loss' gap before them) while the
    emulator counted all 3,947 as delivered."""
    from sensing.ble import pmd

    rec = simulate_night(NightConfig(fs=25.0, hours_in_bed=0.5, locations=("wrist-left",),
                                     gaps_per_night=0), seed=3).recordings["wrist-left"]
    air = EmulatedAir()
    sensor = air.add_sensor("polar", rec)
    sensor.now_ns = lambda: int(rec.time_ns[-1]) + 1
    sensor._conn, sensor._streaming = _Conn(), True
    sensor._pos = len(rec) - 3947
    values: list[bytes] = []

    async def notify(_attribute, value):
        values.append(bytes(value[:_Conn.att_mtu - 3]))  # what ATT lets through
        sensor._streaming = False  # the host's stop arrives during the burst
        sensor._closing = True

    sensor._device.notify_subscribers = notify
    await asyncio.wait_for(sensor._run(), 5)
    received = sum(len(pmd.decode_acc_frame(v, 1.0).samples_g) for v in values)
    assert received == sensor.delivered.sum() == 39  # delivered == what the host can decode
