"""Builders of small sample files that follow each documented layout, with known contents.

Each ``make_*`` writes one file and returns the ground truth ``(time_ns, acc_g)`` the
file encodes (times as int64 ns UTC, accelerations as float32 g after the layout's
documented conversion). The files in ``tests/data/readers`` were written by
``python tests/sensing/readers/reader_samples.py``; the tests rebuild the truth with
the same functions and compare.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "data" / "readers"
START = "2026-01-05T22:30:00"
START_NS = int(np.datetime64(START, "ns").astype(np.int64))
G = 9.80665


def counts(n: int, seed: int, scale: float) -> np.ndarray:
    """Integer readings near 1 g at rest (in units of ``1/scale`` g), with a jerk."""
    rng = np.random.default_rng(seed)
    base = np.array([0.1, -0.2, 0.97]) * scale
    c = np.round(base + rng.normal(0, 0.02 * scale, (n, 3)))
    c[n // 2] += np.round(np.array([0.6, -0.4, 0.3]) * scale)
    return c.astype(np.int64)


def grid(n: int, fs: float, start_ns: int = START_NS) -> np.ndarray:
    return start_ns + np.round(np.arange(n) * (1e9 / fs)).astype(np.int64)


def iso(t_ns: np.ndarray, zone: str = "Z", digits: int = 9) -> list[str]:
    s = np.datetime_as_string(t_ns.astype("datetime64[ns]"), unit="ns")
    return [x[: 20 + digits].rstrip(".") + zone for x in s]


# ---------------------------------------------------------------- generic CSV variants
def make_generic_iso(path: Path):
    """Comma, ISO-8601 with Z, g."""
    n, fs = 40, 25.0
    t, c = grid(n, fs), counts(n, 1, 256)
    acc = (c / 256).astype(np.float32)
    rows = [f"{s},{x!r},{y!r},{z!r}" for s, (x, y, z) in zip(iso(t), acc.tolist(), strict=True)]
    path.write_text("time,x,y,z\n" + "\n".join(rows) + "\n")
    return t, acc


def make_generic_semicolon_local(path: Path):
    """Semicolon, naive local ISO times (Europe/Berlin, UTC+1 in January), mg in names."""
    n, fs = 40, 50.0
    t, c = grid(n, fs), counts(n, 2, 1000)
    local = iso(t + 3600 * 10**9, zone="", digits=3)
    rows = [f"{s};{x};{y};{z}" for s, (x, y, z) in zip(local, c.tolist(), strict=True)]
    path.write_text("Timestamp;acc_x [mg];acc_y [mg];acc_z [mg]\n" + "\n".join(rows) + "\n")
    return t, (c.astype(np.float32) * np.float32(1e-3))


def make_generic_tab_epoch_ms(path: Path):
    """Tab, epoch milliseconds, m/s^2 in names."""
    n, fs = 40, 20.0
    t, c = grid(n, fs), counts(n, 3, 100)
    ms = t // 1_000_000
    vals = c / 100 * G
    rows = [f"{m}\t{x:.6f}\t{y:.6f}\t{z:.6f}" for m, (x, y, z) in zip(ms, vals.tolist(), strict=True)]
    path.write_text("epoch_ms\tax (m/s^2)\tay (m/s^2)\taz (m/s^2)\n" + "\n".join(rows) + "\n")
    return ms * 1_000_000, np.array([[float(f"{v:.6f}") for v in r] for r in vals], np.float32) \
        * np.float32(1 / G)


def make_generic_elapsed_gz(path: Path):
    """Gzip, seconds since start (needs start=), plain X/Y/Z in mg told from gravity."""
    n, fs = 40, 10.0
    t, c = grid(n, fs), counts(n, 4, 1000)
    rows = [f"{i / fs:.1f},{x},{y},{z}" for i, (x, y, z) in enumerate(c.tolist())]
    with gzip.open(path, "wt") as f:
        f.write("seconds_elapsed,X,Y,Z\n" + "\n".join(rows) + "\n")
    return t, (c.astype(np.float32) * np.float32(1e-3))


# ---------------------------------------------------------------- device exports
POLAR_EPOCH_NS = int(np.datetime64("2000-01-01T00:00:00", "ns").astype(np.int64))


def make_polar(path: Path):
    """Polar Sensor Logger ACC export at 52 Hz, packets of 9 samples, phone 40-60 ms late.

    The sensor clock here runs 5 s behind UTC; the phone clock is local (UTC+1).
    """
    n, fs = 54, 52.0
    t = grid(n, fs)
    sensor = t - POLAR_EPOCH_NS - 5 * 10**9
    c = counts(n, 5, 1000)
    packet_last = t.reshape(-1, 9)[:, -1]
    rng = np.random.default_rng(6)
    arrive = packet_last + rng.integers(40, 60, len(packet_last)) * 1_000_000
    arrive[0] = packet_last[0]  # the first packet arrives at once: the offset is exact
    phone = np.repeat(arrive, 9) + 3600 * 10**9
    rows = [f"{p};{s};{x};{y};{z}" for p, s, (x, y, z) in
            zip(iso(phone, zone="", digits=3), sensor.tolist(), c.tolist(), strict=True)]
    path.write_text("Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg] \n" + "\n".join(rows) + "\n")
    # the phone is ms-resolution, so the offset is known to the ms: truth is the sensor grid
    # moved by the phone's view of the first packet's last sample
    offset = (np.datetime64(iso(phone[:1], zone="", digits=3)[0], "ns").astype(np.int64)
              - 3600 * 10**9) - sensor[8]
    return sensor + offset, (c.astype(np.float32) * np.float32(1e-3))


def make_phyphox(folder: Path):
    """phyphox Accelerometer.csv (m/s^2, experiment time) and meta/time.csv with a pause."""
    n, fs = 40, 100.0
    c = counts(n, 7, 1000)
    exp = np.arange(n) / fs
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta").mkdir(exist_ok=True)
    vals = c / 1000 * G
    rows = [f"{e:.9E},{x:.9E},{y:.9E},{z:.9E}" for e, (x, y, z) in zip(exp, vals.tolist(), strict=True)]
    (folder / "Accelerometer.csv").write_text(
        '"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"\n'
        + "\n".join(rows) + "\n")
    start_s = START_NS / 1e9
    # START at experiment time 0; PAUSE at 0.195 s; START again (experiment time resumes
    # at 0.2 s) 60 s of wall-clock after the first start
    (folder / "meta" / "time.csv").write_text(
        '"event","experiment time","system time","system time text"\n'
        f'"START",0.000000000E0,{start_s:.3f},"2026-01-05 22:30:00.000 UTC+00:00"\n'
        f'"PAUSE",1.950000000E-1,{start_s + 0.195:.3f},"2026-01-05 22:30:00.195 UTC+00:00"\n'
        f'"START",2.000000000E-1,{start_s + 60:.3f},"2026-01-05 22:31:00.000 UTC+00:00"\n')
    e_ns = np.round(np.array([float(f"{e:.9E}") for e in exp]) * 1e9).astype(np.int64)
    t = np.where(e_ns < 200_000_000, START_NS + e_ns, START_NS + 60 * 10**9 + e_ns - 200_000_000)
    acc = np.array([[float(f"{v:.9E}") for v in r] for r in vals], np.float32) * np.float32(1 / G)
    return t, acc


def make_actigraph(path: Path):
    """ActiLife RAW CSV, 30 Hz, dd/MM/yyyy dates, local start (tz), column row."""
    n, fs = 45, 30.0
    c = counts(n, 8, 1000)
    header = [
        "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.4 Firmware v1.9.2 "
        "date format dd/MM/yyyy at 30 Hz  Filter Normal -----------",
        "Serial Number: MOS2E12345678", "Start Time 23:30:00", "Start Date 05/01/2026",
        "Epoch Period (hh:mm:ss) 00:00:00", "Download Time 08:00:00", "Download Date 06/01/2026",
        "Current Memory Address: 0", "Current Battery Voltage: 4.12     Mode = 12",
        "--------------------------------------------------",
        "Accelerometer X,Accelerometer Y,Accelerometer Z"]
    rows = [f"{x / 1000:.3f},{y / 1000:.3f},{z / 1000:.3f}" for x, y, z in c.tolist()]
    path.write_text("\r\n".join(header + rows) + "\r\n")
    return grid(n, fs), np.array([[float(f"{v / 1000:.3f}") for v in r] for r in c], np.float32)


def make_empatica(path: Path):
    """Empatica E4 ACC.csv: start row, rate row, 1/64 g integers."""
    n, fs = 64, 32.0
    c = counts(n, 9, 64)
    s = START_NS / 1e9
    rows = [f"{x},{y},{z}" for x, y, z in c.tolist()]
    path.write_text(f"{s:.6f}, {s:.6f}, {s:.6f}\n{fs:.6f}, {fs:.6f}, {fs:.6f}\n" + "\n".join(rows) + "\n")
    return grid(n, fs), c.astype(np.float32) * np.float32(1 / 64)


def make_geneactiv_csv(path: Path):
    """GENEActiv PC software raw CSV: the 100-line Key,Value header (GMT +01:00, left
    wrist, 50 Hz), then local times with the milliseconds after a colon, x, y, z in g,
    lux, button and temperature."""
    n, fs = 50, 50.0
    t, c = grid(n, fs), counts(n, 12, 10000)
    head = ["Device Type,GENEActiv", "Device Model,1.1", "Device Unique Serial Code,047521",
            "Device Firmware Version,Ver06.17", "Calibration Date,2025-12-01 09:00:00:000",
            "Application name & version,GENEActiv PC Software 3.3", "", "", "", "",
            "Measurement Frequency,50 Hz", "Start Time,2026-01-05 23:30:00:000", "Last measurement,",
            "Device Location Code,left wrist", "Time Zone,GMT +01:00", *[""] * 5,
            "Subject Code,0003", *[""] * 9]
    for axis, unit in (("MEMS accelerometer x-axis", "g"), ("MEMS accelerometer y-axis", "g"),
                       ("MEMS accelerometer z-axis", "g"), ("Lux Photodiode 400nm - 1100nm", "lux"),
                       ("User button event marker", ""), ("Linear active thermistor", "deg. C")):
        head += [f"Sensor type,{axis}", "Range,-8 to 8", "Resolution,0.0039", f"Units,{unit}",
                 "Additional information,"]
    head += [""] * (100 - len(head))
    local = np.datetime_as_string((t + 3600 * 10**9).astype("datetime64[ns]"), unit="ms")
    rows = [f"{s[:10]} {s[11:19]}:{s[20:23]},{x / 1e4:.4f},{y / 1e4:.4f},{z / 1e4:.4f},12,0,25.1"
            for s, (x, y, z) in zip(local, c.tolist(), strict=True)]
    path.write_text("\r\n".join(head + rows) + "\r\n")
    return t, np.array([[float(f"{v / 1e4:.4f}") for v in r] for r in c], np.float32)


# ---------------------------------------------------------------- GENEActiv .bin
GENEA_GAIN = (25548, 25600, 25400)
GENEA_OFFSET = (-1250, 574, 300)


def geneactiv_bytes(n_pages: int = 2, fs: float = 100.0, seed: int = 10,
                    clock_hz: float | None = None, whole_seconds: bool = False,
                    gap_s: int = 0) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A GENEActiv .bin (CRLF lines) with ``n_pages`` pages; times local to GMT +01:00.

    ``clock_hz``: the device's real rate (page times 300 / clock_hz s apart, to the ms);
    the truth then spaces samples by the page times. ``whole_seconds``: page times
    written cut to the whole second (the truth keeps the real ones). ``gap_s``: the
    second half of the pages starts that much later (the device stopped).
    """
    n = 300 * n_pages
    rng = np.random.default_rng(seed)
    raw = np.clip(np.round(np.array([0.1, -0.2, 0.97]) * 256 + rng.normal(0, 6, (n, 3))), -2048, 2047)
    raw[n // 3] = [2047, -2048, -5]
    raw = raw.astype(np.int64)
    light = rng.integers(0, 1024, n)
    words = ((raw[:, 0] & 0xFFF) << 36) | ((raw[:, 1] & 0xFFF) << 24) | ((raw[:, 2] & 0xFFF) << 12) \
        | (light << 2) | (1 << 1)
    hexed = "".join(f"{w:012X}" for w in words.tolist())
    head = f"""Device Identity
Device Unique Serial Code:012345
Device Type:GENEActiv
Device Model:1.1
Device Firmware Version:Ver06.17 15June23
Calibration Date:2025-09-07 15:04:34:000

Device Capabilities
Accelerometer Range:-8 to 8
Accelerometer Resolution:0.0039
Accelerometer Units:g
Light Meter Range:0 to 20000
Light Meter Resolution:3 to 48
Light Meter Units:lux
Temperature Sensor Range:0 to 70
Temperature Sensor Resolution:0.1
Temperature Sensor Units:deg. C

Configuration Info
Measurement Frequency:{fs:g} Hz
Measurement Period:168 Hours
Start Time:2026-01-05 23:30:00:000
Time Zone:GMT +01:00

Trial Info
Study Centre:
Study Code:
Investigator ID:
Exercise Type:
Config Operator ID:
Config Time:2026-01-05 12:00:00:000
Config Notes:
Extract Operator ID:
Extract Time:2026-01-06 09:00:00:000
Extract Notes:

Subject Info
Device Location Code:left wrist
Subject Code:S01
Date of Birth:1900-01-01
Sex:
Height:
Weight:
Handedness Code:
Subject Notes:

Calibration Data
x gain:{GENEA_GAIN[0]}
x offset:{GENEA_OFFSET[0]}
y gain:{GENEA_GAIN[1]}
y offset:{GENEA_OFFSET[1]}
z gain:{GENEA_GAIN[2]}
z offset:{GENEA_OFFSET[2]}
Volts:300
Lux:800

Memory Status
Number of Pages:{n_pages}

""".split("\n")[:-1]
    lines = list(head)
    page_ms = [int(round(p * 300 / (clock_hz or fs) * 1000)) + (p >= n_pages // 2) * gap_s * 1000
               for p in range(n_pages)]
    for p in range(n_pages):
        written = page_ms[p] // 1000 * 1000 if whole_seconds else page_ms[p]
        t_local = np.datetime64("2026-01-05T23:30:00.000", "ms") + np.timedelta64(written, "ms")
        s = str(t_local).replace("T", " ")
        lines += ["Recorded Data", "Device Unique Serial Code:012345", f"Sequence Number:{p}",
                  f"Page Time:{s[:19]}:{s[20:23]}", "Unassigned:", "Temperature:26.5",
                  "Battery voltage:4.1000", "Device Status:Recording", f"Measurement Frequency:{fs:.1f}",
                  hexed[p * 3600:(p + 1) * 3600]]
    data = ("\r\n".join(lines) + "\r\n").encode()
    acc = ((raw * 100.0 - np.array(GENEA_OFFSET)) / np.array(GENEA_GAIN)).astype(np.float32)
    if gap_s:
        half = n_pages // 2 * 300
        return data, np.r_[grid(half, fs), grid(n, fs)[half:] + gap_s * 1_000_000_000], acc
    if clock_hz is None:
        return data, grid(n, fs), acc
    start = START_NS + np.array(page_ms, np.int64) * 1_000_000
    step = np.diff(start) / 300
    t = np.concatenate([start[p] + np.round(np.arange(300) * step[min(p, n_pages - 2)]).astype(np.int64)
                        for p in range(n_pages)])
    return data, t, acc


def write_long_geneactiv(path: Path, hours: float, fs: float = 100.0, seed: int = 11) -> int:
    """A GENEActiv .bin of ``hours`` at ``fs`` Hz (the header of :func:`geneactiv_bytes`,
    random readings near 1 g), written page block by page block; returns the sample count."""
    head = geneactiv_bytes(n_pages=1, fs=fs)[0]
    head = head[: head.index(b"Recorded Data")].replace(b"Number of Pages:1", b"Number of Pages:%d" % 0)
    n_pages = int(hours * 3600 * fs) // 300
    head = head.replace(b"Number of Pages:0", b"Number of Pages:%d" % n_pages)
    rng = np.random.default_rng(seed)
    digits = np.frombuffer(b"0123456789ABCDEF", np.uint8)
    start = np.datetime64("2026-01-05T23:30:00.000", "ms")
    with open(path, "wb") as f:
        f.write(head)
        for p0 in range(0, n_pages, 1000):
            pages = min(1000, n_pages - p0)
            raw = np.round(np.array([0.1, -0.2, 0.97]) * 256 + rng.normal(0, 6, (pages * 300, 3))).astype(np.int64)
            words = ((raw[:, 0] & 0xFFF) << 36) | ((raw[:, 1] & 0xFFF) << 24) | ((raw[:, 2] & 0xFFF) << 12)
            hexed = digits[(words[:, None] >> np.arange(44, -1, -4)) & 0xF].reshape(pages, 3600)
            for k in range(pages):
                p = p0 + k
                s = str(start + np.timedelta64(int(round(p * 300 / fs * 1000)), "ms")).replace("T", " ")
                f.write(f"Recorded Data\r\nDevice Unique Serial Code:012345\r\nSequence Number:{p}\r\n"
                        f"Page Time:{s[:19]}:{s[20:23]}\r\nUnassigned:\r\nTemperature:26.5\r\n"
                        f"Battery voltage:4.1000\r\nDevice Status:Recording\r\n"
                        f"Measurement Frequency:{fs:.1f}\r\n".encode())
                f.write(hexed[k].tobytes() + b"\r\n")
    return n_pages * 300


def make_geneactiv(path: Path):
    data, t, acc = geneactiv_bytes()
    path.write_bytes(data)
    return t, acc


# ---------------------------------------------------------------- Axivity .cwa
def cwa_packed_time(t_s: int) -> int:
    d = np.datetime64(int(t_s), "s").astype(object)
    return ((d.year - 2000) << 26) | (d.month << 22) | (d.day << 17) | (d.hour << 12) | (d.minute << 6) | d.second


def cwa_header(device_id: int = 12345, session: int = 777, rate_code: int = 0x4A, hw: int = 0x17) -> bytes:
    h = bytearray(b"\xff" * 1024)
    struct.pack_into("<2sHBHIH", h, 0, b"MD", 1020, hw, device_id, session, 0)
    struct.pack_into("<IIIB", h, 13, 0, 0xFFFFFFFF, 0, 0)
    h[35] = 0
    h[36] = rate_code
    h[64:64 + 20] = b"_p=1&_sc=S01".ljust(20, b" ")
    return bytes(h)


def cwa_block(seq: int, t_ref_ns: int, ref_index: int, samples: np.ndarray, *, fmt: int, rate_code: int,
              freq: float, scale_bits: int, fractional: bool, session: int = 777) -> bytes:
    """One 512-byte data block whose sample ``ref_index`` is at ``t_ref_ns`` (ns, local)."""
    b = bytearray(512)
    sec, sub_ns = divmod(int(t_ref_ns), 10**9)
    frac16 = sub_ns * 65536 // 10**9
    assert frac16 * 10**9 == sub_ns * 65536, "reference time must be a multiple of 1/65536 s"
    if fractional:
        assert frac16 % 2 == 0
        dev = 0x8000 | (frac16 >> 1)
        offset = ref_index - ((frac16 * int(freq)) >> 16)
    else:
        assert frac16 == 0
        dev, offset = 0x1234, ref_index
    struct.pack_into("<2sHHIII", b, 0, b"AX", 508, dev, session, seq, cwa_packed_time(sec))
    struct.pack_into("<HHBBBBhH", b, 18, (scale_bits << 13) | 321, 600, 0, 200, rate_code, fmt, offset,
                     len(samples))
    if fmt == 0x30:
        v = samples.astype(np.int64)
        e = np.zeros(len(v), np.int64)
        big = (np.abs(v) > 511).any(axis=1)
        e[big] = 2  # values beyond 10 bits are stored shifted by 2 (must be multiples of 4)
        w = v >> e[:, None]
        packed = (w[:, 0] & 0x3FF) | ((w[:, 1] & 0x3FF) << 10) | ((w[:, 2] & 0x3FF) << 20) | (e << 30)
        b[30:30 + 4 * len(v)] = packed.astype("<u4").tobytes()
    else:
        b[30:30 + samples.size * 2] = samples.astype("<i2").tobytes()
    words = np.frombuffer(bytes(b[:510]), "<u2")
    struct.pack_into("<H", b, 510, (-int(words.sum(dtype=np.uint64))) & 0xFFFF)
    return bytes(b)


def cwa_bytes(kind: str = "packed", n_blocks: int = 3):
    """A .cwa file: ``packed`` (AX3, 100 Hz, 120 samples per block, whole-second
    timestamps) or ``ax6`` (AX6, 50 Hz, 6 int16 axes, 40 samples per block, fractional
    timestamps). Returns (bytes, time_ns, acc_g)."""
    rng = np.random.default_rng(12)
    if kind == "packed":
        freq, per, fmt, rate_code, scale_bits, fractional = 100.0, 120, 0x30, 0x4A, 0, False
    else:
        freq, per, fmt, rate_code, scale_bits, fractional = 50.0, 40, 0x62, 0x49, 4, True
    unit = 1 << (8 + scale_bits)
    n = per * n_blocks
    acc_counts = np.round(np.array([0.1, -0.2, 0.97]) * unit + rng.normal(0, 0.02 * unit, (n, 3))).astype(np.int64)
    if kind == "packed":
        acc_counts[n // 2] = [600, -1024, 512]  # needs the exponent: multiples of 4 beyond 10 bits
    t_ns = grid(n, freq)
    period_ns = int(1e9 / freq)
    # each block's reference sample is at a whole second (packed) or a half second (ax6)
    step_ns = 10**9 if kind == "packed" else 5 * 10**8
    blocks = [cwa_header(rate_code=rate_code, hw=0x17 if kind == "packed" else 0x64)]
    for bi in range(n_blocks):
        k = next(k for k in range(per + 200) if (bi * per + k) * period_ns % step_ns == 0)
        samples = acc_counts[bi * per:(bi + 1) * per]
        if kind != "packed":
            gyro = rng.integers(-100, 100, (per, 3))
            samples = np.concatenate([gyro, samples], axis=1)
        blocks.append(cwa_block(bi, START_NS + (bi * per + k) * period_ns, k, samples, fmt=fmt, rate_code=rate_code,
                                freq=freq, scale_bits=scale_bits, fractional=fractional))
    return b"".join(blocks), t_ns, (acc_counts / unit).astype(np.float32)


def write_long_cwa(path: Path, hours: float, fs: float = 100.0, seed: int = 15) -> int:
    """An AX3 .cwa of ``hours`` (packed samples, 120 per block, the device clock 0.5 %
    fast), written a few thousand blocks at a time; returns the sample count."""
    from sensing.readers.axivity import BLOCK_DTYPE

    per = 120
    n_blocks = int(hours * 3600 * fs) // per
    rng = np.random.default_rng(seed)
    start = int(np.datetime64("2026-01-05T22:30:00", "s").astype(np.int64))
    with open(path, "wb") as f:
        f.write(cwa_header(rate_code=0x4A))
        for b0 in range(0, n_blocks, 5000):
            b = np.zeros(min(5000, n_blocks - b0), BLOCK_DTYPE)
            k = np.arange(b0, b0 + len(b))
            t = start + k * per / (fs * 1.005)  # reference: each block's first sample, s
            sec = np.floor(t).astype(np.int64)
            frac = np.round((t - sec) * 32768).astype(np.int64)  # 15-bit fraction
            sec += frac >> 15
            frac &= 0x7FFF
            d = sec.astype("datetime64[s]").astype(object)
            b["header"], b["length"], b["session"], b["sequence"] = 0x5841, 508, 777, k
            b["timestamp"] = [((x.year - 2000) << 26) | (x.month << 22) | (x.day << 17) | (x.hour << 12)
                              | (x.minute << 6) | x.second for x in d]
            b["fractional"] = 0x8000 | frac
            b["offset"] = -((frac * 2 * int(fs)) >> 16)  # sample 0 at the timestamp (cwa_load's shim)
            b["light"], b["rate"], b["axes_bps"], b["count"] = 321, 0x4A, 0x30, per
            v = np.round(np.array([0.1, -0.2, 0.97]) * 256 + rng.normal(0, 6, (len(b), per, 3))).astype(np.int64)
            packed = (v[..., 0] & 0x3FF) | ((v[..., 1] & 0x3FF) << 10) | ((v[..., 2] & 0x3FF) << 20)
            b["data"] = np.ascontiguousarray(packed.astype("<u4")).view("V480").ravel()
            words = b.view("<u2").reshape(len(b), 256)
            b["checksum"] = (-words[:, :255].sum(axis=1, dtype=np.uint64)) & 0xFFFF
            f.write(b.tobytes())
    return n_blocks * per


def make_cwa_packed(path: Path):
    data, t, acc = cwa_bytes("packed")
    path.write_bytes(data)
    return t, acc


def make_cwa_ax6(path: Path):
    data, t, acc = cwa_bytes("ax6")
    path.write_bytes(data)
    return t, acc


# ---------------------------------------------------------------- ActiGraph .gt3x
TICKS_AT_EPOCH = 621_355_968_000_000_000


def gt3x_record(kind: int, ts: int, payload: bytes) -> bytes:
    """One log.bin record: separator, type, timestamp (s), size, payload, checksum."""
    head = struct.pack("<BBIH", 0x1E, kind, ts, len(payload))
    check = 0
    for b in head + payload:
        check ^= b
    return head + payload + bytes([~check & 0xFF])


def pack12(values: np.ndarray) -> bytes:
    """12-bit two's complement values, big-endian bit-packed (two values in three bytes)."""
    v = (np.asarray(values, np.int64) & 0xFFF).tolist()
    if len(v) % 2:
        v.append(0)
    out = bytearray()
    for a, b in zip(v[0::2], v[1::2], strict=True):
        out += bytes([a >> 4, ((a & 0xF) << 4) | (b >> 8), b & 0xFF])
    return bytes(out[: (len(values) * 12 + 7) // 8])


def gt3x_counts(n: int, scale: int, seed: int = 14) -> np.ndarray:
    """Integer x, y, z readings near 1 g at rest, within 12 bits."""
    rng = np.random.default_rng(seed)
    c = np.round(np.array([0.1, -0.2, 0.97]) * scale + rng.normal(0, 6, (n, 3)))
    c[n // 2] = [2000, -2000, 5]
    return np.clip(c, -2047, 2047).astype(np.int64)


def write_long_gt3x(path: Path, hours: float, fs: int = 100, seed: int = 16) -> int:
    """A .gt3x of ``hours`` of 12-bit ACTIVITY records (one per second) with a battery
    record every minute, built with numpy; returns the sample count."""
    import zipfile

    seconds = int(hours * 3600)
    width = (36 * fs + 7) // 8
    rng = np.random.default_rng(seed)
    start = int(np.datetime64("2026-01-05T23:30:00", "s").astype(np.int64))
    info = (f"Serial Number: MOS2E12345678\r\nFirmware: 1.9.2\r\nSample Rate: {fs}\r\n"
            f"Start Date: {start * 10**7 + TICKS_AT_EPOCH}\r\nTimeZone: 01:00:00\r\n"
            "Acceleration Scale: 256.0\r\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("info.txt", info)
        with z.open("log.bin", "w", force_zip64=True) as log:
            for s0 in range(0, seconds, 3600):
                n = min(3600, seconds - s0)
                yxz = np.round(np.array([-0.2, 0.1, 0.97]) * 256 + rng.normal(0, 6, (n, fs, 3)))
                v = (yxz.astype(np.int64) & 0xFFF).reshape(n, -1, 2)  # pairs of 12-bit values
                three = np.stack([v[..., 0] >> 4, ((v[..., 0] & 0xF) << 4) | (v[..., 1] >> 8), v[..., 1] & 0xFF],
                                 axis=-1).astype(np.uint8).reshape(n, -1)[:, :width]
                rec = np.zeros((n, 9 + width), np.uint8)
                rec[:, 0], rec[:, 1] = 0x1E, 0x00
                rec[:, 2:6] = np.frombuffer((start + s0 + np.arange(n)).astype("<u4").tobytes(), np.uint8).reshape(n, 4)
                rec[:, 6:8] = np.frombuffer(np.full(n, width, "<u2").tobytes(), np.uint8).reshape(n, 2)
                rec[:, 8:-1] = three
                rec[:, -1] = ~np.bitwise_xor.reduce(rec[:, :-1], axis=1)
                for m0 in range(0, n, 60):  # a battery record after each minute
                    log.write(rec[m0:m0 + 60].tobytes())
                    log.write(gt3x_record(0x02, start + s0 + m0 + 59, b"\x10\x0f"))
    return seconds * fs


def gt3x_bytes(kind: str = "activity", seconds: int = 6, fs: int = 30, idle=(), *,
               serial: str = "MOS2E12345678", firmware: str = "1.9.2", zone: str = "-05:00:00",
               scale_in_info: bool = True) -> tuple[bytes, np.ndarray, np.ndarray]:
    """A .gt3x archive: ``activity`` (12-bit ACTIVITY records), ``activity2`` (int16
    ACTIVITY2 records) or ``nhanes`` (older activity.bin). ``idle``: seconds (from the
    start) with no activity record (idle sleep mode). Returns (zip bytes, UTC ns, g)."""
    import io
    import zipfile

    start_local = int(np.datetime64("2026-01-05T23:30:00", "s").astype(np.int64))
    offset_s = (-1 if zone.startswith("-") else 1) * sum(
        int(p) * m for p, m in zip(zone.lstrip("+-").split(":"), (3600, 60, 1), strict=True))
    scale = 341 if serial[:3] in ("NEO", "CLE", "MRA") else 256
    counts = gt3x_counts(seconds * fs, scale)
    local = start_local * 10**9 + np.round(np.arange(seconds * fs) * (1e9 / fs)).astype(np.int64)
    info = [f"Serial Number: {serial}", "Device Type: wGT3XBT", f"Firmware: {firmware}",
            f"Sample Rate: {fs}", f"Start Date: {start_local * 10**7 + TICKS_AT_EPOCH}",
            f"TimeZone: {zone}", "Limb: Wrist", "Side: Left"]
    if scale_in_info:
        info.append(f"Acceleration Scale: {scale}.0")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("info.txt", "\r\n".join(info) + "\r\n")
        if kind == "nhanes":
            z.writestr("activity.bin", pack12(counts[:, [1, 0, 2]].ravel()))
            keep = np.ones(len(local), bool)
        else:
            params = struct.pack("<HHI", 1, 10, fs)  # SAMPLE_RATE
            if not scale_in_info:  # ACCEL_SCALE as an SSP float: 256 = 0.5 * 2^9
                params += struct.pack("<HHI", 0, 55, (9 << 24) | 0x400000)
            log = [gt3x_record(0x06, start_local, b'{"MetadataType":"Bio"}'),
                   gt3x_record(0x15, start_local, params)]
            keep = np.ones(len(local), bool)
            for sec in range(seconds):
                rows = counts[sec * fs:(sec + 1) * fs]
                if sec in idle:
                    keep[sec * fs:(sec + 1) * fs] = False
                    if sec - 1 not in idle:
                        log.append(gt3x_record(0x03, start_local + sec, b"\x08"))
                    continue
                if sec - 1 in idle:
                    log.append(gt3x_record(0x03, start_local + sec, b"\x09"))
                payload = (pack12(rows[:, [1, 0, 2]].ravel()) if kind == "activity"
                           else rows.astype("<i2").tobytes())
                log.append(gt3x_record(0x00 if kind == "activity" else 0x1A, start_local + sec, payload))
                if sec % 4 == 3:
                    log.append(gt3x_record(0x02, start_local + sec, b"\x10\x0f"))  # battery
            z.writestr("log.bin", b"".join(log))
    t = local - offset_s * 10**9
    return archive.getvalue(), t[keep], (counts[keep] / scale).astype(np.float32)


# ---------------------------------------------------------------- hypnic's own files
def _own_recording() -> tuple[np.ndarray, np.ndarray]:
    n, fs = 50, 25.0
    return grid(n, fs), (counts(n, 13, 256) / 256).astype(np.float32)


def make_parquet(path: Path):
    """Parquet as sensing.generic.write_parquet writes it."""
    from sensing import generic
    from sensing.recording import Recording

    t, acc = _own_recording()
    generic.write_parquet(Recording(t, acc, 25.0, "trunk", "sample"), path)
    return t, acc


def make_sqlite(path: Path):
    """A live recording as ``hypnic record`` writes it (sensing.store.RecordingStore)."""
    from sensing.store import RecordingStore

    t, acc = _own_recording()
    path.unlink(missing_ok=True)
    with RecordingStore(path) as store:
        sid = store.add_sensor("A0:9E:1A:00:00:01", "Polar Verity Sense", "polar", "ankle-left", 25.0, 8,
                               int(t[0]))
        for i in range(0, len(t), 20):
            store.append(sid, t[i:i + 20], acc[i:i + 20])
    return t, acc


#: file name in tests/data/readers -> (builder, expected format, read options)
SAMPLES = {
    "generic_iso.csv": (make_generic_iso, "generic-csv", {}),
    "generic_semicolon_local.csv": (make_generic_semicolon_local, "generic-csv", {"tz": "Europe/Berlin"}),
    "generic_tab_epoch_ms.tsv": (make_generic_tab_epoch_ms, "generic-csv", {}),
    "generic_elapsed.csv.gz": (make_generic_elapsed_gz, "generic-csv", {"start": START + "Z"}),
    "Polar_Sense_B5A1E2F3_20260105_223000_ACC.txt": (make_polar, "polar-sensor-logger", {"tz": "Europe/Berlin"}),
    "phyphox/Accelerometer.csv": (make_phyphox, "phyphox", {}),
    "actigraph_RAW.csv": (make_actigraph, "actigraph-csv", {"tz": "Europe/Berlin"}),
    "empatica/ACC.csv": (make_empatica, "empatica-e4", {}),
    "geneactiv.bin": (make_geneactiv, "geneactiv-bin", {}),
    "geneactiv.csv": (make_geneactiv_csv, "geneactiv-csv", {}),
    "axivity_ax3.cwa": (make_cwa_packed, "axivity-cwa", {}),
    "axivity_ax6.cwa": (make_cwa_ax6, "axivity-cwa", {}),
    "hypnic.parquet": (make_parquet, "parquet", {}),
    "hypnic_live.sqlite": (make_sqlite, "sqlite", {}),
}


def build(name: str, root: Path = DATA):
    """Write sample ``name`` under ``root``; return its truth (time_ns, acc_g)."""
    builder = SAMPLES[name][0]
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if builder is make_phyphox:
        return builder(path.parent)
    return builder(path)


if __name__ == "__main__":
    for sample in SAMPLES:
        build(sample)
        print("wrote", DATA / sample)
