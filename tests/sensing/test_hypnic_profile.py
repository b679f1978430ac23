"""The open hypnic GATT profile: spec examples, host codec, firmware packer, loss detection.

One source of truth: the example blocks of ``firmware_notes/hypnic-gatt-profile.md`` are
parsed here and must decode to the values the page states; the reference firmware's
packing module (plain Python, imported from its file) must produce bytes the host
decoder reads back exactly.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensing.ble import hypnic_profile as hp
from sensing.errors import FormatError
from simulation import NightConfig, simulate_night

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "firmware_notes" / "hypnic-gatt-profile.md"
FIRMWARE = ROOT / "firmware_notes" / "xiao-nrf52840-sense"


def _load_firmware_module():
    spec = importlib.util.spec_from_file_location("hypnic_packet_fw", FIRMWARE / "hypnic_packet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fw = _load_firmware_module()


def _spec_blocks(kind: str) -> list[dict[str, str]]:
    """Every ```<kind> block of the spec as {key: value}; indented lines continue a value."""
    text = SPEC.read_text(encoding="utf-8")
    blocks = []
    for body in re.findall(rf"```{kind}\n(.*?)```", text, flags=re.DOTALL):
        fields: dict[str, str] = {}
        key = None
        for line in body.splitlines():
            if line[:1].isspace() and key is not None:
                fields[key] += " " + line.strip()
            elif line.strip():
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
        blocks.append(fields)
    return blocks


def _hex(value: str) -> bytes:
    return bytes.fromhex(value.replace(" ", ""))


PACKETS = _spec_blocks("hypnic-packet")
ERRORS = _spec_blocks("hypnic-error")
COMMANDS = _spec_blocks("hypnic-command")


def test_spec_has_the_examples_the_tests_rely_on():
    assert len(PACKETS) >= 2
    assert len(ERRORS) >= 4
    assert {c["command"] for c in COMMANDS} == set(hp.COMMANDS)


@pytest.mark.parametrize("example", PACKETS, ids=lambda e: e["counter"])
def test_spec_example_packets_decode_to_the_stated_values(example):
    data = _hex(example["packet"])
    packet = hp.decode_packet(data)
    assert packet.version == int(example["version"])
    assert packet.range_g == int(example["range_g"])
    assert packet.fs_hz == int(example["fs_hz"])
    assert packet.counter == int(example["counter"])
    assert packet.timestamp_us == int(example["timestamp_us"])
    expected = np.array(eval(example["samples_g"]), dtype=np.float64)  # a literal list
    assert packet.samples_g.dtype == np.float32
    np.testing.assert_array_equal(packet.samples_g, expected)  # power-of-two scale: exact


@pytest.mark.parametrize("example", PACKETS, ids=lambda e: e["counter"])
def test_host_and_firmware_packers_reproduce_the_spec_bytes(example):
    data = _hex(example["packet"])
    packet = hp.decode_packet(data)
    raw = np.rint(packet.samples_g.astype(np.float64) * 32768 / packet.range_g).astype(np.int16)
    assert hp.pack_packet(packet.counter, packet.timestamp_us, raw, packet.fs_hz,
                          packet.range_g) == data
    assert fw.pack_packet(packet.counter, packet.timestamp_us, raw.astype("<i2").tobytes(),
                          packet.fs_hz, packet.range_g) == data


@pytest.mark.parametrize("example", ERRORS, ids=lambda e: e["error"])
def test_spec_malformed_packets_are_refused(example):
    with pytest.raises(FormatError, match=re.compile(re.escape(example["error"]), re.I)):
        hp.decode_packet(_hex(example["packet"]))


@pytest.mark.parametrize("example", COMMANDS, ids=lambda e: e["command"])
def test_spec_commands_encode_decode_and_parse_on_the_device(example):
    data = _hex(example["bytes"])
    params = {k: int(v) for k, v in example.items() if k not in ("bytes", "command")}
    assert hp.encode_command(example["command"], **params) == data
    assert hp.decode_command(data) == (example["command"], params)
    op, value = fw.parse_command(data)
    assert op == hp.COMMANDS[example["command"]][0]
    assert value == (next(iter(params.values())) if params else None)


def test_firmware_constants_match_the_host():
    for name in ("SERVICE_UUID", "DATA_UUID", "CONTROL_UUID", "VERSION", "HEADER_SIZE",
                 "SAMPLE_SIZE", "MAX_PACKET_SIZE"):
        assert getattr(fw, name) == getattr(hp, name), name
    assert {fw.OP_START, fw.OP_STOP, fw.OP_SET_RATE, fw.OP_SET_RANGE} == {
        opcode for opcode, _, _ in hp.COMMANDS.values()}
    assert sorted(fw.FS_BITS) == list(hp.RANGES_G)


@pytest.mark.parametrize(("mtu", "n"), [(23, 1), (185, 28), (247, 38), (512, 82), (515, 83),
                                        (1000, 83)])
def test_samples_per_notification_table_of_the_spec(mtu, n):
    assert hp.samples_per_packet(mtu) == n
    assert fw.samples_per_packet(mtu - 3) == n
    packet = hp.pack_packet(0, 0, np.zeros((n, 3), np.int16), 104, 8)
    assert len(packet) <= min(mtu - 3, hp.MAX_PACKET_SIZE)


def test_samples_per_packet_rejects_an_mtu_below_the_minimum():
    with pytest.raises(ValueError, match="at least 23"):
        hp.samples_per_packet(22)


@settings(max_examples=60, deadline=None)
@given(counter=st.integers(0, 2**32 - 1), ts=st.integers(0, 2**48 - 1),
       fs=st.integers(1, 65535), rng=st.sampled_from(hp.RANGES_G),
       samples=st.lists(st.tuples(*[st.integers(-32768, 32767)] * 3), min_size=1, max_size=83))
def test_any_valid_packet_round_trips_through_both_packers(counter, ts, fs, rng, samples):
    raw = np.array(samples, dtype=np.int16)
    host = hp.pack_packet(counter, ts, raw, fs, rng)
    assert fw.pack_packet(counter, ts, raw.astype("<i2").tobytes(), fs, rng) == host
    packet = hp.decode_packet(host)
    assert (packet.counter, packet.timestamp_us, packet.fs_hz, packet.range_g) == (
        counter, ts, fs, rng)
    np.testing.assert_array_equal(packet.samples_g, raw * np.float32(rng / 32768))


def test_counter_and_timestamp_wrap_modulo_their_width():
    packet = hp.decode_packet(hp.pack_packet(2**32 + 5, 2**48 + 7, np.ones((1, 3), np.int16), 52, 2))
    assert (packet.counter, packet.timestamp_us) == (5, 7)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"samples": np.zeros((0, 3), np.int16)}, "shape"),
    ({"samples": np.zeros((84, 3), np.int16)}, "shape"),
    ({"samples": np.zeros((4, 2), np.int16)}, "shape"),
    ({"samples": np.zeros((4, 3), np.float32)}, "integer"),
    ({"samples": np.full((4, 3), 40000)}, "int16"),
    ({"range_g": 6}, "range_g"),
    ({"fs_hz": 0}, "fs_hz"),
    ({"fs_hz": 70000}, "fs_hz"),
])
def test_pack_packet_refuses_what_the_profile_cannot_carry(kwargs, message):
    args = {"counter": 0, "timestamp_us": 0, "samples": np.zeros((4, 3), np.int16),
            "fs_hz": 104, "range_g": 8} | kwargs
    with pytest.raises(FormatError, match=message):
        hp.pack_packet(**args)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (bytes([1]) + bytes(500) + bytes(18), "longer than"),
    (bytes([1, 8, 0, 0]) + bytes(16), "fs_hz"),
])
def test_decode_packet_refuses_empty_oversized_and_zero_rate(data, message):
    with pytest.raises(FormatError, match=message):
        hp.decode_packet(data)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"\x09", "opcode 0x09"),
    (b"\x01\x00", "must be 1 bytes"),
    (b"\x03\x68", "must be 3 bytes"),
    (b"\x04\x03", "range_g"),
    (b"\x03\x00\x00", "fs_hz"),
])
def test_decode_command_refuses_malformed_writes(data, message):
    with pytest.raises(FormatError, match=message):
        hp.decode_command(data)


def test_encode_command_refuses_unknown_commands_and_bad_parameters():
    with pytest.raises(FormatError, match="unknown hypnic command"):
        hp.encode_command("reboot")
    with pytest.raises(FormatError, match="takes parameters"):
        hp.encode_command("set_rate")
    with pytest.raises(FormatError, match="takes parameters"):
        hp.encode_command("start", fs_hz=5)
    with pytest.raises(FormatError, match="range_g"):
        hp.encode_command("set_range", range_g=3)


def test_firmware_ignores_malformed_commands():
    for data in (b"", b"\x09", b"\x01\x00", b"\x03\x68"):
        with pytest.raises(ValueError):
            fw.parse_command(data)


def _packet(counter: int, n: int) -> hp.HypnicPacket:
    return hp.decode_packet(hp.pack_packet(counter, 0, np.zeros((n, 3), np.int16), 104, 8))


@pytest.mark.parametrize(("prev", "cur", "lost"), [
    ((100, 38), (138, 38), 0),
    ((100, 38), (176, 38), 38),           # one full MTU-247 packet dropped
    ((2**32 - 2, 3), (1, 5), 0),          # the counter wrapped, nothing lost (spec section 3)
    ((2**32 - 2, 3), (39, 5), 38),        # wrapped and lost
    ((5000, 38), (0, 38), -5038),         # a new START: the counter went back
])
def test_lost_samples(prev, cur, lost):
    assert hp.lost_samples(_packet(*prev), _packet(*cur)) == lost


def test_a_notification_truncated_to_the_mtu_shows_as_lost_samples():
    full = hp.pack_packet(0, 0, np.arange(38 * 3, dtype=np.int16).reshape(38, 3), 104, 8)
    cut = hp.decode_packet(full[:182])  # a stack that cuts to MTU 185 without telling
    assert cut.n_samples == 28
    assert hp.lost_samples(cut, _packet(38, 38)) == 10


def test_firmware_register_values_follow_the_datasheet_tables():
    # CTRL1_XL: ODR_XL[3:0] | FS_XL[1:0] | 00 ; 104 Hz = 0100, +-8 g = 11; 52 Hz = 0011, 2 g = 00
    assert fw.ctrl1_xl(104, 8) == 0b0100_1100
    assert fw.ctrl1_xl(52, 2) == 0b0011_0000
    assert fw.ctrl1_xl(416, 16) == 0b0110_0100
    assert fw.ctrl1_xl(26, 4) == 0b0010_1000
    # FIFO_CTRL5: 0 | ODR_FIFO[3:0] | FIFO_MODE 110 (continuous)
    assert fw.fifo_ctrl5(104) == 0b0_0100_110
    assert fw.fifo_words(0xFF, 0b0100_0111) == (0x7FF, True)
    assert fw.fifo_words(0x12, 0b1000_0000) == (0x12, False)
    assert [fw.choose_rate(r) for r in (1, 26, 50, 100, 104, 200, 1000)] == [
        26, 26, 52, 104, 104, 208, 416]
    assert [fw.choose_range(r) for r in (1, 2, 3, 6, 8, 9, 30)] == [2, 2, 4, 8, 8, 16, 16]
    assert [fw.battery_percent(v) for v in (2.9, 3.3, 3.75, 4.2, 4.4)] == [0, 0, 50, 100, 100]
    assert fw.counter_at(1_000_000 + 2_500_000, 1_000_000, 104) == 260


def test_firmware_main_program_and_readme_example_are_valid_python():
    compile((FIRMWARE / "code.py").read_text(encoding="utf-8"), "code.py", "exec")
    readme = (FIRMWARE / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    compile(example, "README.md", "exec")
    assert "hp.decode_packet" in example and "hp.encode_command" in example


def test_a_simulated_night_streamed_by_the_firmware_is_recovered_exactly_except_dropped_packets():
    """Ground truth: a simulated wrist recording, quantised as the LSM6DS3TR-C would at
    +-8 g, packed by the firmware 38 samples at a time (MTU 247), every 25th notification
    dropped; the host decoder must give back every other sample bit-exactly, count the
    dropped samples exactly, and date each packet to its first sample."""
    fs = 104
    night = simulate_night(NightConfig(fs=float(fs), hours_in_bed=0.5, locations=("wrist-left",),
                                       n_jerks=4, drift_ppm=0.0, gaps_per_night=0), seed=3)
    rec = night.recordings["wrist-left"]
    lsb = 8 / 32768
    counts = np.clip(np.rint(rec.acc / lsb), -32768, 32767).astype(np.int16)
    device_us = (rec.time_ns - rec.time_ns[0]) // 1000 + 5_000_000  # device booted 5 s earlier
    raw = counts.astype("<i2").tobytes()

    per = fw.samples_per_packet(244)
    notifications, counter = [], 0
    for first in range(0, len(counts), per):
        last = min(first + per, len(counts))
        packet, counter = fw.packet_from_fifo(raw[first * 6:last * 6], counter,
                                              int(device_us[last - 1]), fs, 8)
        notifications.append(packet)
    received = [p for i, p in enumerate(notifications) if i % 25 != 24]
    dropped = sum(hp.decode_packet(p).n_samples for i, p in enumerate(notifications)
                  if i % 25 == 24)
    assert dropped > 0

    decoded = [hp.decode_packet(p) for p in received]
    lost = sum(hp.lost_samples(a, b) for a, b in zip(decoded, decoded[1:], strict=False))
    assert lost == dropped
    rebuilt = np.full(counts.shape, np.nan, dtype=np.float32)
    for packet in decoded:
        rebuilt[packet.counter:packet.counter + packet.n_samples] = packet.samples_g
        assert abs(packet.timestamp_us - device_us[packet.counter]) <= 1
        assert packet.fs_hz == fs and packet.range_g == 8
    kept = ~np.isnan(rebuilt[:, 0])
    assert (~kept).sum() == dropped
    np.testing.assert_array_equal(rebuilt[kept], counts[kept] * np.float32(lsb))
    # the jerks the simulator put on the wrist survive wherever their samples arrived
    for jerk in night.jerk_sensors.itertuples():
        inside = (rec.time_ns >= jerk.start.value) & (rec.time_ns <= jerk.end.value) & kept
        if inside.any():
            assert np.abs(rebuilt[inside]).max() == np.abs(counts[inside] * np.float32(lsb)).max()
