"""Property-based: every BLE decoder on random, truncated and bit-flipped real frames.

Each decoder must return a valid decode (finite float32 samples of shape (n, 3)) or
raise a :class:`sensing.errors.HypnicError`; anything else is a failure. The frames
are real: built by the same encoders the emulator and the firmware use.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from reliability_figures import tally

from sensing.ble import hypnic_profile, pmd
from sensing.ble.profiles import HypnicProfile, PolarProfile, WitMotionProfile, encode_witmotion
from sensing.errors import HypnicError

#: Inputs tried per decoder and kind of damage (fixed, deterministic budget).
BUDGET = 300
FUZZ = settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None)

_rng = np.random.default_rng(7)
_MG = np.cumsum(_rng.integers(-40, 41, (39, 3)), axis=0) + [0, 0, 1000]
REAL = {
    "polar-pmd-delta": pmd.encode_acc_frame(700_000_000_000_000_000, _MG),
    "polar-pmd-raw": pmd.encode_acc_frame(700_000_000_000_000_000, _MG[:20], compressed=False),
    "hypnic-profile": hypnic_profile.pack_packet(123_456, 9_876_543_210, _MG[:38] * 4, 100, 8),
    "witmotion": encode_witmotion(_MG[:5] / 1000.0),
}
DECODERS = {
    "polar-pmd-delta": PolarProfile().decode,
    "polar-pmd-raw": PolarProfile().decode,
    "hypnic-profile": HypnicProfile().decode,
    "witmotion": WitMotionProfile().decode,
}


def check(target: str, kind: str, data: bytes, counted_as: str | None = None) -> None:
    """Decode ``data``; count the input (under ``counted_as``, default ``target``); fail
    on anything but a decode or a HypnicError."""
    name = counted_as or target
    tally("decoders", name, **{"inputs": 1, kind: 1})
    try:
        block = DECODERS[target](data)
    except HypnicError:
        tally("decoders", name, rejected=1)
        return
    except Exception:
        tally("decoders", name, failures=1)
        raise
    s = block.samples_g
    assert s.dtype == np.float32 and s.ndim == 2 and s.shape[1] == 3
    assert np.isfinite(s).all()
    tally("decoders", name, decoded=1)


@pytest.mark.parametrize("target", sorted(REAL))
def test_real_frames_decode_exactly(target):
    """The undamaged frames decode to the samples they were built from (the baseline)."""
    block = DECODERS[target](REAL[target])
    n = len(block.samples_g)
    scale = {"polar-pmd-delta": 1e-3, "polar-pmd-raw": 1e-3, "hypnic-profile": 8 / 32768 * 4,
             "witmotion": 16 / 32768}[target]
    expected = _MG[:n] * scale if target != "witmotion" else np.rint(
        _MG[:n] / 1000 * 32768 / 16) * scale
    np.testing.assert_allclose(block.samples_g, expected, rtol=1e-6, atol=1e-6)
    assert n == {"polar-pmd-delta": 39, "polar-pmd-raw": 20, "hypnic-profile": 38,
                 "witmotion": 5}[target]


@pytest.mark.parametrize("target", sorted(REAL))
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(target, data):
    check(target, "random", data)


@pytest.mark.parametrize("target", sorted(REAL))
@FUZZ
@given(cut=st.integers(0, 600))
def test_truncated_real_frames(target, cut):
    frame = REAL[target]
    check(target, "truncated", frame[: cut % (len(frame) + 1)])


@pytest.mark.parametrize("target", sorted(REAL))
@FUZZ
@given(flips=st.lists(st.integers(0, 8 * 600), min_size=1, max_size=8),
       extra=st.binary(max_size=8))
def test_bit_flipped_real_frames(target, flips, extra):
    frame = bytearray(REAL[target])
    for bit in flips:
        frame[(bit // 8) % len(frame)] ^= 1 << (bit % 8)
    check(target, "bit_flipped", bytes(frame) + extra)


CONTROL = {
    "pmd-control-response": pmd.parse_control_response,
    "pmd-settings": pmd.parse_settings,
    "hypnic-command": hypnic_profile.decode_command,
}


@pytest.mark.parametrize("target", sorted(CONTROL))
@FUZZ
@given(data=st.one_of(st.binary(max_size=64),
                      st.sampled_from([pmd.encode_control_response(2, 0, pmd.encode_settings(
                          {"sample_rate": 52, "range": 8})), hypnic_profile.encode_command(
                          "set_rate", fs_hz=100)]).flatmap(
                          lambda b: st.integers(0, len(b)).map(lambda k: b[:k]))))
def test_control_messages(target, data):
    """Control-point answers and commands: parsed or a HypnicError, nothing else."""
    tally("decoders", target, inputs=1)
    try:
        CONTROL[target](data)
    except HypnicError:
        tally("decoders", target, rejected=1)
    except Exception:
        tally("decoders", target, failures=1)
        raise


# -- campaign: structured frames (real encoders, then one field changed) -----------------

STRUCT_BUDGET = 600
STRUCT = settings(max_examples=STRUCT_BUDGET, derandomize=True, deadline=None, database=None)
#: Byte offsets of each frame's structural fields (type, frame type, block width and
#: count, version, range, rate, packet headers): the fields a decoder must check.
FIELDS = {
    "polar-pmd-delta": (0, 9, 10, 16, 17),
    "polar-pmd-raw": (0, 9, 10),
    "hypnic-profile": (0, 1, 2, 3, 4, 8),
    "witmotion": (0, 1, 20, 21),
}
MAX_N = {"polar-pmd-delta": 600, "polar-pmd-raw": 80, "hypnic-profile": 83, "witmotion": 12}


def encode(target: str, counts: np.ndarray, stamp: int, range_g: int, fs_hz: int):
    """A real frame of ``counts`` (int16 x, y, z) and the samples (g) it must decode to."""
    if target.startswith("polar"):
        frame = pmd.encode_acc_frame(stamp, counts, compressed=target == "polar-pmd-delta")
        return frame, (counts * (1.0 / 1000.0)).astype(np.float32)
    if target == "hypnic-profile":
        frame = hypnic_profile.pack_packet(stamp, stamp // 3, counts, fs_hz, range_g)
        return frame, counts.astype(np.float32) * np.float32(range_g / 32768)
    return encode_witmotion(counts * (16 / 32768)), counts.astype(np.float32) * np.float32(16 / 32768)


@pytest.mark.parametrize("target", sorted(REAL))
@STRUCT
@given(data=st.data(), stamp=st.integers(0, 2**63 - 1), range_g=st.sampled_from([2, 4, 8, 16]),
       fs_hz=st.integers(1, 65535),
       change=st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(0, 255)),
                        st.tuples(st.just(-1), st.integers(0, 40))))
def test_structured_frames_decode_exactly_or_are_refused(target, data, stamp, range_g, fs_hz, change):
    """Frames built by the real encoders from random samples (any int16, any jump between
    samples, any count, rate, range and time) decode to exactly those samples; with one
    structural field set to any value, or cut at any length, the decoder gives valid
    samples or a HypnicError."""
    n = data.draw(st.integers(1, MAX_N[target]), label="n")
    counts = data.draw(arrays(np.int64, (n, 3), elements=st.integers(-32768, 32767)),
                       label="counts")
    frame, expected = encode(target, counts, stamp, range_g, fs_hz)
    if change is None:
        tally("decoders", f"structured-{target}", inputs=1, round_trip=1)
        block = DECODERS[target](frame)
        np.testing.assert_array_equal(block.samples_g, expected)
        if target.startswith("polar"):
            assert block.device_last_ns == stamp
        elif target == "hypnic-profile":
            assert block.counter == stamp % 2**32
        tally("decoders", f"structured-{target}", decoded=1)
        return
    field, value = change
    if field < 0:  # cut at a field boundary or just after
        cut = bytes(frame[: sorted(FIELDS[target])[value % len(FIELDS[target])] + value // 8])
    else:
        at = FIELDS[target][field % len(FIELDS[target])]
        cut = bytes(frame[:at]) + bytes([value]) + bytes(frame[at + 1:]) if at < len(frame) else frame
    check(target, "field_changed", cut, counted_as=f"structured-{target}")
