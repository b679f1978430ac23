"""Polar file-transfer bytes: constructed frames with known bytes, and every malformed
input rejected with the project's error type."""

import datetime as dt

import pytest

from sensing.ble import psftp
from sensing.errors import FormatError


def test_request_and_query_bytes():
    # header length 9, PbPFtpOperation{command: GET (field 1 = 0), path: "/U/0/"}
    assert psftp.request_message(psftp.GET, "/U/0/") == bytes.fromhex("0900 0800 1205") + b"/U/0/"
    assert psftp.request_message(psftp.REMOVE, "/A")[:4] == bytes.fromhex("0600 0803")
    assert psftp.query_message(psftp.GET_DISK_SPACE) == bytes.fromhex("0580")
    m = psftp.parse_message(psftp.request_message(psftp.GET, "/U/0/20260105/R/"))
    assert (m.query, m.command, m.path) == (None, psftp.GET, "/U/0/20260105/R/")
    assert psftp.parse_message(psftp.query_message(4, b"\x01")).query == 4


def test_packets_carry_sequence_status_and_first_bit():
    message = bytes(range(10))
    ps = psftp.packets(message, 4)
    # 3 message bytes per packet: first 0x06 (more, seq 0), then 0x17, 0x27 (more), last 0x33
    assert [p[0] for p in ps] == [0x06, 0x17, 0x27, 0x33]
    a = psftp.Assembler()
    assert [a.push(p) for p in ps[:-1]] == [None, None, None]
    assert a.push(ps[-1]) == message and a.received == 10
    assert psftp.error_packet(0) == b"\x00\x00\x00"
    assert psftp.Assembler().push(psftp.error_packet(0)) == b""  # success without data
    assert len(psftp.packets(b"x" * 40, 4)) == 14  # the sequence number wraps at 16
    a = psftp.Assembler()
    out = [a.push(p) for p in psftp.packets(bytes(range(60)), 3)]
    assert out[-1] == bytes(range(60))


def test_error_codes_raise_pftp_error():
    with pytest.raises(psftp.PftpError, match="SYSTEM_BUSY") as exc:
        psftp.Assembler().push(psftp.error_packet(202))
    assert exc.value.code == 202


@pytest.mark.parametrize("packets, match", [
    ([b""], "empty"),
    ([b"\x07abc"], "continues"),                       # a later packet first
    ([b"\x06ab", b"\x06cd"], "starts"),                # a first packet again
    ([b"\x06ab", b"\x23cd"], "lost"),                  # sequence 2 after 0
    ([b"\x04ab"], "undefined status"),                 # status 2
    ([b"\x00\x01"], "too short"),                      # error packet without its code
])
def test_malformed_packets(packets, match):
    a = psftp.Assembler()
    with pytest.raises(FormatError, match=match):
        for p in packets:
            a.push(p)


def test_messages_round_trip_and_reject_garbage():
    entries = [psftp.Entry("20260105/", 0), psftp.Entry("ACC0.REC", 123456)]
    assert psftp.decode_directory(psftp.encode_directory(entries)) == entries
    space = psftp.DiskSpace(4096, 3900, 2000)
    assert psftp.decode_disk_space(psftp.encode_disk_space(space)) == space
    assert space.free_bytes == 8_192_000
    t = dt.datetime(2026, 1, 6, 7, 5, 9, 125_000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert psftp.decode_time(psftp.encode_time(t, 60)) == t
    assert psftp.decode_time(psftp.encode_time(t), utc=True) == t
    for bad, match in [(b"\x0a\x05ab", "truncated"), (b"\x08", "varint"),
                       (b"\x0b", "wire type"), (psftp.encode_directory([])[:0] + b"\x0a\x02\x08\x01",
                                                 "lacks a name")]:
        with pytest.raises(FormatError, match=match):
            psftp.decode_directory(bad)
    with pytest.raises(FormatError, match="lacks a field"):
        psftp.decode_disk_space(b"\x08\x01")
    with pytest.raises(FormatError, match="number was expected"):
        psftp.decode_disk_space(b"\x0a\x00\x10\x01\x18\x01")
    with pytest.raises(FormatError, match="valid date"):
        december = psftp.encode_time(dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), 0)
        psftp.decode_time(december.replace(b"\x10\x0c", b"\x10\x0d"))  # month 13
    with pytest.raises(FormatError, match="too short"):
        psftp.parse_message(b"\x05")
    with pytest.raises(FormatError, match="header of 9 bytes"):
        psftp.parse_message(b"\x09\x00\x08")
    with pytest.raises(FormatError, match="timezone-aware"):
        psftp.encode_time(dt.datetime(2026, 1, 1))
