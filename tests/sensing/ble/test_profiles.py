"""Profiles: WitMotion decoding, hypnic timing, advertisement matching."""

import numpy as np
import pytest

from sensing.ble import hypnic_profile
from sensing.ble.profiles import (
    HypnicProfile,
    PolarProfile,
    decode_witmotion,
    detect_profile,
    encode_witmotion,
    nearest,
)
from sensing.errors import FormatError


def test_witmotion_known_bytes():
    # ax = 0x0800 = 2048 -> 1 g; ay = -2048 -> -1 g; az = 0x4000 = 16384 -> 8 g
    packet = bytes.fromhex("5561 0008 00F8 0040") + bytes(12)
    np.testing.assert_allclose(decode_witmotion(packet), [[1.0, -1.0, 8.0]])
    reply = bytes.fromhex("5571 3A00") + bytes(16)  # register reply: no acceleration
    assert decode_witmotion(reply + packet).shape == (1, 3)


def test_witmotion_round_trip():
    g = np.array([[0.5, -0.25, 1.0], [15.9, -16.0, 0.0]], np.float32)
    np.testing.assert_allclose(decode_witmotion(encode_witmotion(g)), g, atol=16 / 32768)


@pytest.mark.parametrize("data", [b"", bytes(19), bytes(20), b"\x55\x61" + bytes(19)])
def test_witmotion_malformed(data):
    with pytest.raises(FormatError):
        decode_witmotion(data)


def test_hypnic_block_timing():
    raw = np.array([[16384, 0, -16384]] * 10, np.int16)
    data = hypnic_profile.pack_packet(500, 2_000_000, raw, 100, 4)
    block = HypnicProfile().decode(data)
    assert block.counter == 500
    assert block.device_last_ns == 2_000_000_000 + 9 * 10_000_000  # time of the last sample
    np.testing.assert_allclose(block.samples_g[0], [2.0, 0.0, -2.0])


def test_hypnic_decode_takes_the_rate_in_force():
    profile = HypnicProfile()
    profile.fs_hz = 100.0  # what was asked
    raw = np.zeros((4, 3), np.int16)
    block = profile.decode(hypnic_profile.pack_packet(0, 1_000_000, raw, 104, 8))
    assert profile.fs_hz == 104.0
    assert block.device_last_ns == 1_000_000_000 + round(3 * 1e9 / 104)


def test_hypnic_decode_takes_the_range_in_force():
    profile = HypnicProfile()
    profile.range_g = 16  # what was asked, of a board whose largest range is 8 g
    profile.decode(hypnic_profile.pack_packet(0, 1_000_000, np.zeros((4, 3), np.int16), 104, 8))
    assert profile.range_g == 8


def test_polar_block_uses_factor():
    from sensing.ble import pmd

    profile = PolarProfile()
    profile.factor = 0.5
    frame = pmd.encode_acc_frame(42, np.array([[1000, 2000, -1000]]))
    block = profile.decode(frame)
    assert block.device_last_ns == 42 and block.counter is None
    np.testing.assert_allclose(block.samples_g, [[0.5, 1.0, -0.5]])


@pytest.mark.parametrize("name, uuids, profile", [
    ("Polar Sense B36F2E24", [], "polar"),
    ("Polar H10 12345678", [], "polar"),
    (None, [hypnic_profile.SERVICE_UUID.upper()], "hypnic"),
    ("WT901BLE68", [], "witmotion"),
    ("Mi Band 4", ["0000180d-0000-1000-8000-00805f9b34fb"], None),
])
def test_detect_profile(name, uuids, profile):
    assert detect_profile(name, uuids) == profile


def test_nearest():
    assert nearest([26, 52, 104, 208], 100) == 104
    assert nearest([25, 50, 100, 200], 75) == 100  # a tie takes the larger


@pytest.mark.parametrize("exc, message", [
    (PermissionError(13, "Permission denied"), "permission to use Bluetooth denied"),
    (FileNotFoundError(2, "No such file or directory"), "no Bluetooth adapter"),
])
def test_bluetooth_errors_become_device_errors(exc, message):
    from sensing.ble.reader import bluetooth_errors
    from sensing.errors import DeviceError

    with pytest.raises(DeviceError, match=message), bluetooth_errors("cannot scan"):
        raise exc


def test_bluetooth_not_available_names_the_reason():
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    from sensing.ble.reader import bluetooth_errors
    from sensing.errors import DeviceError

    with pytest.raises(DeviceError, match="powered_off"), bluetooth_errors("cannot scan"):
        raise BleakBluetoothNotAvailableError("Bluetooth is off",
                                              BleakBluetoothNotAvailableReason.POWERED_OFF)


def test_polar_device_initiated_stop_is_noticed():
    profile = PolarProfile()
    profile._on_control(None, bytearray(b"\xf0\x02\x02\x00\x00"))
    assert not profile.stopped_by_device and profile._responses.qsize() == 1
    profile._on_control(None, bytearray(b"\x01\x02"))  # the sensor stopped ACC itself
    assert profile.stopped_by_device and profile._responses.qsize() == 1


async def test_polar_command_skips_stray_control_messages():
    class Client:
        async def write_gatt_char(self, uuid, data, response):
            for stray in (b"\xf0", b"\x01", b"\xf0\x01\x02\x00\x00"):  # short, stop, other op
                profile._on_control(None, bytearray(stray))
            profile._on_control(None, bytearray(b"\xf0\x02\x02\x00\x00"))

    profile = PolarProfile()
    answer = await profile.command(Client(), b"\x02\x02")
    assert answer.ok and answer.opcode == 2
