"""Polar PMD decoder and commands, on frames with known bytes."""

import numpy as np
import pytest

from sensing.ble import pmd
from sensing.errors import FormatError

# Polar BLE SDK AccDataTest "process acc compressed data type 0" (57 samples).
SDK_VECTOR = bytes([0x02, 0x00, 0x94, 0x35, 0x77, 0, 0, 0, 0, 0x80]) + bytes.fromhex(
    "71 07 F0 6A 9E 8D 0A 38 BE 5C BE BA 2F 96 B3 EE 4B E5 AD FB 42 B9 EB BE 4C FE BA 2F 92 BF "
    "EE 4B E4 B1 FB 12 B9 EC BD 3C 3E BB 2F 8F D3 DE 4B E3 B5 F7 D2 B8 ED BD 30 7E 7B 2F 8B E3 "
    "CE 8B E2 BA F7 A2 B8 EE BC 20 BE 7B 2F 88 F3 CE CB E1 BD EF 52 F8 EF BC 18 FE 3B 2F 84 03 "
    "BF CB E0 C2 EF 32 B8 F0 BB 04 4E BC 2E 81 13 AF 0B E0 C6 EF F2 F7 F1 B9 FC 7D BC 2E 7D 27 "
    "9F 4B DF CA EB C2 F7 F2 B8 EC CD 7C 2E 7B 37 8F 4B DE CE E3 92 F7 F3 B8 E0 0D FD 2D 77 4B "
    "7F CB DD D2 DF 62 37 F5 B7 D4 4D BD 2D 74 5B 6F CB DC D7 D7 32 37 F6 B5 C8 8D 7D 2D 71 6B "
    "4F 4B DC DC D3 F2 36 F7 B4 BC DD FD 2C 6F 7B 3F 4B DB E0 CF D2 36 F8 B2 B0 2D BE 2C 6C 8F "
    "1F CB DA E3 C7 A2 76 F9")


def test_sdk_compressed_vector():
    # compressed type 0 is in FACTOR g; with FACTOR 1e-3 one count is 1 mg
    frame = pmd.decode_acc_frame(SDK_VECTOR, factor=1e-3)
    counts = np.rint(frame.samples_g.astype(np.float64) * 1000).astype(int)
    assert frame.timestamp_ns == 2_000_000_000  # bytes 00 94 35 77 00.. little-endian
    assert counts.shape == (57, 3)
    assert counts[0].tolist() == [1905, 27376, -29282]
    assert (counts[1] - counts[0]).tolist() == [190, -105, -85]


def test_sdk_raw_type1_vector():
    data = bytes([0x02, 0x00, 0x94, 0x35, 0x77, 0, 0, 0, 0, 0x01]) + bytes.fromhex(
        "F7FFFFFFE703F8FFFEFFE503")
    mg = pmd.decode_acc_frame(data).samples_g * 1000
    np.testing.assert_allclose(mg, [[-9, -1, 999], [-8, -2, 997]], atol=1e-3)


def test_raw_type0_and_type2():
    f0 = bytes([2]) + bytes(8) + b"\x00" + bytes([0xFF, 0x01, 0x7F])
    np.testing.assert_allclose(pmd.decode_acc_frame(f0).samples_g * 1000, [[-1, 1, 127]], atol=1e-4)
    f2 = bytes([2]) + bytes(8) + b"\x02" + bytes.fromhex("FFFFFF 102700 000080")
    np.testing.assert_allclose(pmd.decode_acc_frame(f2).samples_g * 1000,
                               [[-1, 10000, -8388608]], rtol=1e-6)


def test_verity_factor_type1_compressed():
    # compressed type 1 (Verity Sense) samples are FACTOR mg
    data = bytes([2]) + (123).to_bytes(8, "little") + b"\x81" + bytes.fromhex(
        "EE02 1FFE 82FF") + bytes([4, 1]) + bytes([0x21, 0x0F])  # deltas +1, +2, -1 (4 bit)
    frame = pmd.decode_acc_frame(data, factor=2.0)
    mg = np.rint(frame.samples_g * 1000).astype(int)
    assert mg.tolist() == [[1500, -962, -252], [1502, -958, -254]]


@pytest.mark.parametrize("compressed", [True, False])
def test_encode_decode_round_trip(compressed):
    rng = np.random.default_rng(3)
    mg = np.cumsum(rng.integers(-400, 400, (300, 3)), axis=0)
    data = pmd.encode_acc_frame(987654321, mg, compressed=compressed)
    frame = pmd.decode_acc_frame(data)
    assert frame.timestamp_ns == 987654321
    np.testing.assert_array_equal(np.rint(frame.samples_g * 1000).astype(int), mg)
    if compressed:
        assert data[9] == 0x81 and len(data) < 10 + 6 * 300


def test_commands_match_verity_example():
    assert pmd.start_command(52).hex(" ") == "02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03"
    assert pmd.query_settings_command() == b"\x01\x02"
    assert pmd.stop_command() == b"\x03\x02"


def test_control_response_and_settings():
    r = pmd.parse_control_response(bytes.fromhex("F0 02 02 00 00") + pmd.encode_settings(
        {"factor": 0.5}))
    assert r.ok and r.opcode == 2 and not r.more
    assert pmd.parse_settings(r.params) == {"factor": [0.5]}
    bad = pmd.parse_control_response(bytes.fromhex("F0 02 02 08 00"))
    assert not bad.ok and bad.message == "invalid sample rate"
    tlv = bytes.fromhex("00 04 1A00 3400 6800 D000 02 03 0200 0400 0800 04 01 03")
    assert pmd.parse_settings(tlv) == {"sample_rate": [26, 52, 104, 208], "range": [2, 4, 8],
                                       "channels": [3]}


@pytest.mark.parametrize("data, match", [
    (b"\x02\x00", "too short"),
    (bytes([1]) + bytes(9) + b"\x00", "not ACC"),
    (bytes([2]) + bytes(8) + b"\x05" + bytes(6), "unsupported raw"),
    (bytes([2]) + bytes(8) + b"\x01" + bytes(5), "whole number"),
    (bytes([2]) + bytes(8) + b"\x81" + bytes(4), "reference sample"),
    (bytes([2]) + bytes(8) + b"\x81" + bytes(6) + bytes([8, 10, 1, 2]), "bad block"),
    (bytes([2]) + bytes(8) + b"\x81" + bytes(6) + bytes([8]), "truncated block"),
    (bytes([2]) + bytes(8) + b"\x85" + bytes(6), "unsupported compressed"),
])
def test_malformed_frames_raise_format_error(data, match):
    with pytest.raises(FormatError, match=match):
        pmd.decode_acc_frame(data)


@pytest.mark.parametrize("data", [b"", b"\x01\x02", b"\xf0\x02"])
def test_malformed_responses(data):
    with pytest.raises(FormatError):
        pmd.parse_control_response(data)


def test_truncated_settings():
    with pytest.raises(FormatError, match="truncated"):
        pmd.parse_settings(bytes.fromhex("00 04 1A00"))
    with pytest.raises(FormatError, match="malformed"):
        pmd.parse_settings(bytes.fromhex("09 01 00"))
