"""The emulated sensor's sample loop, without a radio (fake connection, stubbed send)."""

import asyncio

import pytest

from sensing.ble import hypnic_profile
from sensing.emulator import EmulatedAir
from sensing.simulate import NightConfig, simulate_night


class _Conn:
    att_mtu = 247


@pytest.mark.parametrize("stop_after", [None, 3])
@pytest.mark.parametrize("profile", ["polar", "hypnic"])
async def test_end_of_night_flush_is_sent_in_packets(profile, stop_after):
    """Once packed 3,402 samples into one notification (a stop during the last burst)."""
    rec = simulate_night(NightConfig(hours_in_bed=0.5, locations=("wrist-left",),
                                     gaps_per_night=0), seed=3).recordings["wrist-left"]
    air = EmulatedAir(speed=1.0)
    sensor = air.add_sensor(profile, rec)
    air.now_ns = lambda: int(rec.time_ns[-1]) + 1  # the night is over
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
