"""The C packer printed in firmware_notes/hypnic-gatt-profile.md (for ESP32/Arduino
builds) must produce the same bytes as the host packer. Skipped without a C compiler."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sensing.ble import hypnic_profile as hp

SPEC = Path(__file__).resolve().parents[2] / "firmware_notes" / "hypnic-gatt-profile.md"
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


@pytest.fixture(scope="module")
def hypnic_pack(tmp_path_factory):
    if CC is None:
        pytest.skip("no C compiler")
    (source,) = re.findall(r"```c\n(.*?)```", SPEC.read_text(encoding="utf-8"), flags=re.DOTALL)
    folder = tmp_path_factory.mktemp("cpack")
    (folder / "hypnic_pack.c").write_text(source, encoding="utf-8")
    lib = folder / "libhypnic_pack.so"
    subprocess.run([CC, "-std=c99", "-Wall", "-Werror", "-shared", "-fPIC", "-O2", "-o", str(lib),
                    str(folder / "hypnic_pack.c")], check=True, capture_output=True)
    func = ctypes.CDLL(str(lib)).hypnic_pack
    func.restype = ctypes.c_size_t
    func.argtypes = [ctypes.c_char_p, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_uint16,
                     ctypes.c_uint8, ctypes.POINTER(ctypes.c_int16), ctypes.c_size_t]
    return func


def _c_pack(func, counter, ts, samples, fs, rng) -> bytes:
    out = ctypes.create_string_buffer(hp.MAX_PACKET_SIZE)
    xyz = np.ascontiguousarray(samples, dtype=np.int16)
    size = func(out, counter, ts, fs, rng, xyz.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)),
                len(xyz))
    return out.raw[:size]


def test_c_packer_matches_the_host_packer(hypnic_pack):
    rng = np.random.default_rng(8)
    for _ in range(200):
        n = int(rng.integers(1, hp.MAX_SAMPLES + 1))
        samples = rng.integers(-32768, 32768, size=(n, 3))
        counter, ts = int(rng.integers(0, 2**32)), int(rng.integers(0, 2**48))
        fs, g = int(rng.integers(1, 65536)), int(rng.choice(hp.RANGES_G))
        data = _c_pack(hypnic_pack, counter, ts, samples, fs, g)
        assert data == hp.pack_packet(counter, ts, samples, fs, g)
        np.testing.assert_array_equal(hp.decode_packet(data).samples_g,
                                      samples * np.float32(g / 32768))


def test_c_packer_refuses_empty_and_oversized_packets(hypnic_pack):
    assert _c_pack(hypnic_pack, 0, 0, np.zeros((0, 3)), 104, 8) == b""
    assert _c_pack(hypnic_pack, 0, 0, np.zeros((84, 3)), 104, 8) == b""
