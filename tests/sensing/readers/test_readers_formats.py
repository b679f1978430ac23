"""Every reader on its shipped sample file: the layout is detected, and times and values
come out exactly as the documented layout says (truth rebuilt by reader_samples)."""

from __future__ import annotations

import numpy as np
import pytest
from reader_samples import DATA, SAMPLES, build

from sensing import generic
from sensing.errors import FormatError
from sensing.readers import detect_format, read


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_auto_detection_picks_the_right_reader(name):
    assert detect_format(DATA / name) == SAMPLES[name][1]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_times_and_values_exact(name, tmp_path):
    t_true, acc_true = build(name, tmp_path)  # rebuilds the truth (and a fresh copy)
    recs = read(DATA / name, **SAMPLES[name][2])
    assert len(recs) == 1
    rec = recs[0]
    assert rec.meta["format"] == SAMPLES[name][1]
    np.testing.assert_array_equal(rec.time_ns, t_true)
    np.testing.assert_allclose(rec.acc, acc_true, rtol=2e-7, atol=0)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_forced_format_reads_the_same(name):
    auto = read(DATA / name, **SAMPLES[name][2])[0]
    forced = read(DATA / name, format=SAMPLES[name][1], **SAMPLES[name][2])[0]
    np.testing.assert_array_equal(auto.time_ns, forced.time_ns)
    np.testing.assert_array_equal(auto.acc, forced.acc)


def test_hypnic_generic_csv_and_parquet_round_trip(tmp_path, short_night):
    rec = short_night.recordings["wrist-left"].slice_time(0, np.iinfo(np.int64).max)
    rec = type(rec)(rec.time_ns[:5000], rec.acc[:5000], rec.fs, rec.location, rec.device)
    for path in (generic.write_csv(rec, tmp_path / "n.csv"), generic.write_csv(rec, tmp_path / "n.csv.gz"),
                 generic.write_csv(rec, tmp_path / "e.csv", time_format="epoch"),
                 generic.write_parquet(rec, tmp_path / "n.parquet")):
        got = read(path)[0]
        assert got.location == "wrist-left" and got.fs == rec.fs
        tol = 1000 if path.name == "e.csv" else 0  # epoch seconds keep the µs
        assert np.abs(got.time_ns - rec.time_ns).max() <= tol
        np.testing.assert_array_equal(got.acc, rec.acc)


def test_units_option_overrides_the_names(tmp_path):
    t, acc = build("generic_iso.csv", tmp_path)
    text = (tmp_path / "generic_iso.csv").read_text().replace("time,x,y,z", "time,x [mg],y [mg],z [mg]", 1)
    (tmp_path / "mislabelled.csv").write_text(text)  # the names say mg, the values are g
    rec = read(tmp_path / "mislabelled.csv", units="g")[0]
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_allclose(rec.acc, acc, rtol=2e-7)


def test_live_recording_sqlite_is_detected_and_read(tmp_path, short_night):
    from sensing.store import RecordingStore

    rec = short_night.recordings["ankle-left"]
    with RecordingStore(tmp_path / "live.sqlite") as store:
        sid = store.add_sensor("AA:BB", "Polar Verity Sense", "polar", "ankle-left", rec.fs, 8,
                               int(rec.time_ns[0]))
        store.append(sid, rec.time_ns[:3000], rec.acc[:3000])
    assert detect_format(tmp_path / "live.sqlite") == "sqlite"
    got = read(tmp_path / "live.sqlite", location="ankle-right")[0]
    np.testing.assert_array_equal(got.time_ns, rec.time_ns[:3000])
    np.testing.assert_array_equal(got.acc, rec.acc[:3000])
    assert got.location == "ankle-right"


@pytest.mark.parametrize("factor, units", [(1000.0, "g"), (37.0, None)])
def test_impossible_units_are_refused(tmp_path, factor, units):
    t, acc = build("generic_iso.csv", tmp_path)
    lines = (tmp_path / "generic_iso.csv").read_text().splitlines()
    out = [lines[0]] + [",".join([ln.split(",")[0], *(repr(float(v) * factor) for v in ln.split(",")[1:])])
                        for ln in lines[1:]]
    (tmp_path / "u.csv").write_text("\n".join(out) + "\n")
    with pytest.raises(FormatError, match="units"):
        read(tmp_path / "u.csv", **({"units": units} if units else {}))


@pytest.mark.parametrize("name", ["geneactiv.bin", "geneactiv.csv"])
def test_geneactiv_location_code_sets_the_location(name):
    assert read(DATA / name)[0].location == "wrist-left"
    assert read(DATA / name, location="ankle-right")[0].location == "ankle-right"


def test_geneactiv_csv_zone_and_tz_override(tmp_path):
    """Its times are the device's local time at the header's Time Zone (the night's zone),
    unless tz says otherwise."""
    t, _ = build("geneactiv.csv", tmp_path)
    rec = read(DATA / "geneactiv.csv")[0]
    assert rec.meta["tz"] == "UTC+01:00" and rec.meta["serial"] == "047521"
    np.testing.assert_array_equal(read(DATA / "geneactiv.csv", tz="UTC")[0].time_ns, t + 3600 * 10**9)


@pytest.mark.parametrize("name", ["geneactiv.bin", "geneactiv.csv"])
def test_tz_against_the_zone_the_file_states_warns(name, caplog):
    """The device was set to UTC+01:00: --tz Europe/Paris (UTC+1 in January) agrees, and
    --tz Europe/London moves every time by an hour, which is said."""
    read(DATA / name, tz="Europe/Paris")
    assert "its clock was set to" not in caplog.text
    read(DATA / name, tz="Europe/London")
    assert f"{name}: its clock was set to UTC+01:00, but it is read in Europe/London" in caplog.text
    assert "its times move by 1 h; to read it as the device was set, leave out --tz" in caplog.text


def test_geneactiv_csv_with_a_device_identity_line_is_not_a_bin(tmp_path):
    """Some exports open with 'Device Identity' as the .bin does; the .bin's header is Key:Value."""
    text = (DATA / "geneactiv.csv").read_text()
    (tmp_path / "g.csv").write_text("Device Identity\n" + text.replace("Device Model,1.1\n", "", 1))
    assert detect_format(tmp_path / "g.csv") == "geneactiv-csv"
    assert len(read(tmp_path / "g.csv")[0]) == 50


def test_geneactiv_csv_with_quoted_fields(tmp_path):
    """A GENEActiv CSV saved again by a tool that quotes text fields ('"Device Type","GENEActiv"',
    '"2026-01-05 23:30:00:000",0.1,...'): the same samples, zone, rate and wrist; it was
    taken for a generic CSV without axes."""
    t, acc = build("geneactiv.csv", tmp_path)
    lines = []
    for line in (DATA / "geneactiv.csv").read_text().splitlines():
        fields = line.split(",")
        lines.append(",".join(f'"{f}"' if f and not f.lstrip("-").replace(".", "").isdigit() else f
                              for f in fields))
    (tmp_path / "q.csv").write_text("\r\n".join(lines) + "\r\n")
    rec, = read(tmp_path / "q.csv")
    assert rec.meta["format"] == "geneactiv-csv" and rec.meta["tz"] == "UTC+01:00"
    assert (rec.location, rec.fs) == ("wrist-left", 50.0)
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_allclose(rec.acc, acc, atol=1e-6)


def test_geneactiv_epoch_export_is_refused(tmp_path):
    """The software's epoch summaries (a row a second) hold no samples."""
    text = (DATA / "geneactiv.csv").read_text().splitlines()
    rows = [f"2026-01-05 23:30:{i:02d}:000,0.1,-0.2,0.97,12,0,25.1,0.01,0.02,0.02,0.01,30" for i in range(5)]
    (tmp_path / "epochs.csv").write_text("\r\n".join(text[:100] + rows) + "\r\n")
    with pytest.raises(FormatError, match="epoch summaries .a row every 1 s., not samples"):
        read(tmp_path / "epochs.csv")


@pytest.mark.parametrize("variant", ["timestamp-column", "no-column-row", "M/d/yyyy", "gt3x2csv"])
def test_actilife_variants(tmp_path, variant):
    t, acc = build("actigraph_RAW.csv", tmp_path)
    lines = (tmp_path / "actigraph_RAW.csv").read_text().splitlines()
    if variant == "gt3x2csv":  # two more header lines, and 0 g filler up to the download time
        lines[0] = lines[0].replace("ActiLife v6.13.4", "gt3x2csv 0.5.0")
        lines[4:4] = ["Idle Sleep Mode: False", "Sample Rate: 30"]
        lines += ["0,0,0"] * 40
    elif variant == "timestamp-column":
        stamps = np.datetime_as_string((t + 3600 * 10**9).astype("datetime64[ns]"), unit="ms")
        lines[10] = "Timestamp," + lines[10]
        lines[11:] = [f"{s[8:10]}/{s[5:7]}/{s[:4]} {s[11:]},{row}" for s, row in zip(stamps, lines[11:], strict=True)]
    elif variant == "no-column-row":
        del lines[10]
    else:
        lines[0] = lines[0].replace("dd/MM/yyyy", "M/d/yyyy")
        lines[3] = "Start Date 1/5/2026"
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n")
    rec = read(tmp_path / "a.csv", tz="Europe/Berlin")[0]
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_allclose(rec.acc, acc, rtol=2e-7)
    assert [i["kind"] for i in rec.meta.get("time_issues", [])] == (["missing"] if variant == "gt3x2csv" else [])


def test_binary_decoders_are_pure_bytes_functions():
    from reader_samples import cwa_bytes, geneactiv_bytes

    from sensing.readers import ReadOptions, axivity, geneactiv

    for decode, (data, t, acc) in ((axivity.decode, cwa_bytes("ax6")), (geneactiv.decode, geneactiv_bytes())):
        rec, = decode(data, ReadOptions())
        np.testing.assert_array_equal(rec.time_ns, t)
        np.testing.assert_allclose(rec.acc, acc, rtol=2e-7)


def test_zip_archive_of_a_phyphox_export(tmp_path):
    import zipfile

    t, acc = build("phyphox/Accelerometer.csv", tmp_path)
    archive = tmp_path / "Acceleration 2026-01-05 22-30-00.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(tmp_path / "phyphox" / "Accelerometer.csv", "Raw Data.csv")
        z.write(tmp_path / "phyphox" / "meta" / "time.csv", "meta/time.csv")
        z.writestr("meta/device.csv", '"property","value"\n"deviceModel","Pixel"\n')
    assert detect_format(archive) == "zip"
    rec, = read(archive)
    np.testing.assert_array_equal(rec.time_ns, t)
    np.testing.assert_allclose(rec.acc, acc, rtol=2e-7)
    gt3x = tmp_path / "a.gt3x"
    with zipfile.ZipFile(gt3x, "w") as z:
        z.writestr("log.bin", b"\x1e\x00")
        z.writestr("info.txt", "Serial Number: MOS2E12345678\n")
    with pytest.raises(FormatError, match="gt3x"):
        read(gt3x)


@pytest.mark.parametrize("name", ["generic_iso.csv", "generic_elapsed.csv.gz"])
def test_progress_reports_bytes_read(name):
    calls = []
    got = read(DATA / name, progress=lambda done, total: calls.append((done, total)), **SAMPLES[name][2])
    size = (DATA / name).stat().st_size
    assert calls and calls[-1] == (size, size)
    assert all(a <= b for (a, _), (b, _) in zip(calls, calls[1:], strict=False))
    # reporting progress reads the same samples (the same parallel read, counted)
    plain = read(DATA / name, **SAMPLES[name][2])
    assert [len(r) for r in got] == [len(r) for r in plain]
    for a, b in zip(got, plain, strict=True):
        np.testing.assert_array_equal(a.time_ns, b.time_ns)
        np.testing.assert_array_equal(a.acc, b.acc)


def test_long_text_files_stream_block_by_block(monkeypatch):
    """Past ``WHOLE_ROWS`` rows a text file is read block by block: the same samples."""
    from sensing.readers import tabular

    name = "generic_iso.csv"
    whole = read(DATA / name, **SAMPLES[name][2])
    monkeypatch.setattr(tabular, "WHOLE_ROWS", 0)
    calls = []
    streamed = read(DATA / name, progress=lambda done, total: calls.append(done), **SAMPLES[name][2])
    assert calls[-1] == (DATA / name).stat().st_size
    for a, b in zip(streamed, whole, strict=True):
        np.testing.assert_array_equal(a.time_ns, b.time_ns)
        np.testing.assert_array_equal(a.acc, b.acc)


def test_a_wrong_format_forced_names_the_one_the_file_looks_like():
    with pytest.raises(FormatError, match="geneactiv.csv: looks like a geneactiv-csv file, not generic-csv "
                                          r"\(leave out the format to read it as one\)"):
        read(DATA / "geneactiv.csv", format="generic-csv")
