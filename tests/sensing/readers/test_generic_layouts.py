"""Generic CSV headers as people write them, one test per layout: axis names with
prefixes and unit suffixes, units from the names or from gravity, epoch units from the
size of the numbers, headerless files; and ActiLife CSV variants (counts, IMU)."""

from __future__ import annotations

import numpy as np
import pytest
from reader_samples import START_NS, G, counts, grid

from sensing.errors import FormatError
from sensing.readers import read
from sensing.readers.tabular import axis_of

N, FS = 60, 25.0
T = grid(N, FS)
ACC = (counts(N, 21, 1000) / 1000).astype(np.float64)  # g, mg resolution


def _epoch(unit: str) -> list[str]:
    scale = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1}[unit]
    return [f"{ti / 1e9:.3f}" if unit == "s" else str(int(ti // scale)) for ti in T.tolist()]


@pytest.mark.parametrize("header, times, factor, sep", [
    ("time,acc_x_ms2,acc_y_ms2,acc_z_ms2", "s", G, ","),          # units in the names
    ("timestamp,accel_x,accel_y,accel_z", "ms", 1.0, ","),         # g, told from gravity
    ("t;ax;ay;az", "us", 1000.0, ";"),                             # mg, told from gravity
    ("Time\tAccX\tAccY\tAccZ", "ns", G, "\t"),                     # m/s^2, told from gravity
    ("epoch,accelerometer_x,accelerometer_y,accelerometer_z", "s", 1.0, ","),
    ("time,X [mg],Y [mg],Z [mg]", "ms", 1000.0, ","),
    ("unix_time,x (m/s^2),y (m/s^2),z (m/s^2)", "s", G, ","),
    ("time,x_ms2,y_ms2,z_ms2,gyro_x,gyro_y,gyro_z", "ms", G, ","),  # gyroscope left out
    ("Timestamp,Acceleration X,Acceleration Y,Acceleration Z,Magnetometer X", "ms", 1.0, ","),
])
def test_header_layouts(tmp_path, header, times, factor, sep):
    extra = header.count(sep) - 3
    rows = [sep.join([ti, *(f"{v * factor:.6f}" for v in a), *["7"] * extra])
            for ti, a in zip(_epoch(times), ACC.tolist(), strict=True)]
    path = tmp_path / "a.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)


@pytest.mark.parametrize("columns", [4, 7])
def test_headerless_files(tmp_path, columns):
    """time,x,y,z; and Axivity's export of an AX6: time,x,y,z (g),gx,gy,gz (deg/s)."""
    iso = np.datetime_as_string(T.astype("datetime64[ns]"), unit="ms")
    rows = [",".join([s.replace("T", " "), *(f"{v:.6f}" for v in a), *["12.5"] * (columns - 4)])
            for s, a in zip(iso, ACC.tolist(), strict=True)]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
    assert rec.meta["scale_g"] == 1.0


@pytest.mark.parametrize("name, axis, units", [
    ("acc_x_ms2", "x", "m/s^2"), ("X [mg]", "x", "mg"), ("AccY", "y", None), ("ax (g)", "x", "g"),
    ("accelerometer_z", "z", None), ("Accelerometer X", "x", None), ("x_axis", "x", None),
    ("axis2", "y", None), ("acc_z_g", "z", "g"), ("z-m/s^2", "z", "m/s^2"), ("x-axis (g)", "x", "g"),
    ("gFx", "x", "g"), ("gFz", "z", "g"),  # Physics Toolbox's g-force: g by name
])
def test_axis_names(name, axis, units):
    assert axis_of(name) == (axis, units)


def test_physics_toolbox_g_force_exports(tmp_path):
    """Physics Toolbox Sensor Suite's g-force meter (Vieyra Software): on iOS
    ``time,gFx,gFy,gFz,gFTotal`` with local date-times to 0.1 ms; on Android ``;``-separated
    with decimal commas, seconds since the start, the other sensors' columns and a ``;``
    at the end of each line. Both are g by their names (refused before: "no axis x, y,
    z column")."""
    local = (T + 3600 * 10**9).astype("datetime64[ns]")  # Europe/Paris in January: UTC+1
    ios = tmp_path / "sensor.csv"
    ios.write_text("time,gFx,gFy,gFz,gFTotal\n" + "".join(
        f"{str(t)[:24].replace('T', ' ')},{a[0]:.3f},{a[1]:.3f},{a[2]:.3f},{np.linalg.norm(a):.3f}\n"
        for t, a in zip(local, ACC.tolist(), strict=True)))
    rec, = read(ios, tz="Europe/Paris")
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
    android = tmp_path / "2026-01-0522.30.00.csv"
    android.write_text("time;gFx;gFy;gFz;wx;wy;wz;p;Latitude;Longitude;Speed (m/s);\n" + "".join(
        ";".join(f"{v:.4f}".replace(".", ",") for v in ((t - T[0]) / 1e9, *a, 0.01, 0, 0, 1013.2, 47.4, 8.5, 0))
        + ";\n" for t, a in zip(T.tolist(), ACC.tolist(), strict=True)))
    rec, = read(android, start=str(np.datetime64(int(T[0]), "ns")) + "Z")
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
    assert rec.meta["scale_g"] == 1.0


def test_bangle_js_acceleration_logger(tmp_path):
    """Bangle.js's Acceleration Logger app (espruino/BangleApps ``apps/accellog/app.js``):
    ``Time (ms),X,Y,Z,Total``, milliseconds since it started and g, the size of the
    vector last; read from the start given."""
    path = tmp_path / "accellog.0.csv"
    path.write_text("Time (ms),X,Y,Z,Total\n" + "".join(
        f"{(t - T[0]) // 10**6},{a[0]},{a[1]},{a[2]},{np.linalg.norm(a)}\n"
        for t, a in zip(T.tolist(), ACC.tolist(), strict=True)))
    rec, = read(path, start=str(np.datetime64(int(T[0]), "ns")) + "Z")
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)


@pytest.mark.parametrize("name", ["gyro_x", "Gx", "mag_y", "time", "angle_z", "temperature", "battery",
                                  "x-axis (deg/s)", "y-axis (T)", "z (uT)"])
def test_names_that_are_not_axes(name):
    assert axis_of(name) is None


@pytest.mark.parametrize("header", [
    "epoc (ms),timestamp (-0700),elapsed (s),x-axis (g),y-axis (g),z-axis (g)",  # MetaBase
    "epoch (ms),time (-07:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)",  # older MetaBase
    " epoch (ms),time (01:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)",  # a real 2019 export's
])
def test_metabase_export(tmp_path, header):
    """MetaWear's MetaBase app: epoch ms, the phone's local time written with dots (not
    ISO-8601) and the phone's UTC offset in its column name; the epoch decides the times,
    the offset the night's zone."""
    east_h = 1 if "(01:00)" in header else -7
    local = (T + east_h * 3600 * 10**9).astype("datetime64[ns]")
    text = [s.replace(":", ".") for s in np.datetime_as_string(local, unit="ms")]
    rows = [f"{ms},{tx},{(ti - T[0]) / 1e9:.3f},{x:.3f},{y:.3f},{z:.3f}"
            for ms, tx, ti, (x, y, z) in zip(_epoch("ms"), text, T.tolist(), ACC.tolist(), strict=True)]
    path = tmp_path / "MetaWear_2026-01-05T22.30.00.000_C8D2A1B2C3D4_Accelerometer.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
    assert rec.meta["tz"] == ("UTC+01:00" if east_h == 1 else "UTC-07:00")


@pytest.mark.parametrize("header, times, unit_s", [
    ("epoc (ms),timestamp (-0700),elapsed (s),x-axis (g),y-axis (g),z-axis (g)", "ms", 1e-3),  # MetaBase
    ("time,x,y,z", "s", 1.0),
    ("time,x,y,z", "ns", 1e-9),
])
def test_epoch_times_a_spreadsheet_rounded_are_refused(tmp_path, header, times, unit_s):
    """Excel shows (and saves) 1767652200000 as 1.76765E+12: one value per 2.8 h. Milliseconds
    were 'not an ISO-8601 time', seconds 'share a timestamp with a different sample'."""
    extra = header.count(",") - 3
    rows = [",".join([f"{ti / 1e9 / unit_s:.5E}", *["0.5"] * extra, *(f"{v:.3f}" for v in a)])
            for ti, a in zip(T.tolist(), ACC.tolist(), strict=True)]
    path = tmp_path / "MetaWear_2026-01-05T22.30.00.000_C8D2A1B2C3D4_Accelerometer.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(FormatError, match=r"^MetaWear_.*_Accelerometer.csv: time '1.76765E\+\d\d': rounded by a "
                                          r"spreadsheet \(one value per 2.8 h\); use the file as the app wrote it$"):
        read(path)


@pytest.mark.parametrize("units", ["deg/s", "T"])
def test_another_sensors_file_is_refused_by_its_units(tmp_path, units):
    """MetaBase writes its gyroscope and magnetometer files with the accelerometer's axis
    names: their units tell them apart."""
    path = tmp_path / "MetaWear_session.csv"
    path.write_text(f"epoc (ms),timestamp (-0700),elapsed (s),x-axis ({units}),y-axis ({units}),"
                    f"z-axis ({units})\n1767652200000,2026-01-05T15.30.00.000,0.000,0.1,0.2,0.3\n"
                    "1767652200040,2026-01-05T15.30.00.040,0.040,0.1,0.2,0.3\n")
    with pytest.raises(FormatError, match=f"axes in {units}, not acceleration: another sensor's file"):
        read(path)


@pytest.mark.parametrize("factor", [1.0, G])  # g (the default), m/s^2 ("Standardise Units")
def test_wrist_motion_adds_gravity(tmp_path, factor):
    """Sensor Logger's WristMotion.csv (an Apple Watch or WearOS watch): Core Motion's
    acceleration without gravity beside the gravity vector; the two add up to what the
    accelerometer measured."""
    gravity = np.array([0.2, -0.3, -0.9]) / np.linalg.norm([0.2, -0.3, -0.9])
    user = ACC - ACC.mean(axis=0)  # movement only
    rows = [",".join([ti, f"{ti_s:.3f}", "0.01,0.02,0.03",
                      *(f"{v * factor:.6f}" for v in gravity[::-1]), *(f"{v * factor:.6f}" for v in u[::-1]),
                      "1,0,0,0"])
            for ti, ti_s, u in zip(_epoch("ns"), (T - T[0]) / 1e9, user.tolist(), strict=True)]
    header = ("time,seconds_elapsed,rotationRateZ,rotationRateY,rotationRateX,gravityZ,gravityY,gravityX,"
              "accelerationZ,accelerationY,accelerationX,quaternionW,quaternionZ,quaternionY,quaternionX")
    path = tmp_path / "WristMotion.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, user + gravity, atol=2e-6)


def test_wrist_motion_in_m_s2_adds_gravity_while_the_wrist_moves(tmp_path):
    """'Standardise Units & Frames' writes m/s^2: a wrist moving as the recording starts
    (0.15 g, 1.5 m/s^2) is still far below its gravity (9.8), so the two are added (the
    movement alone was read as g, without gravity and 9.8 times too big)."""
    rng = np.random.default_rng(5)
    user = rng.normal(0, 0.09, (N, 3))  # about 0.15 g of movement
    gravity = np.array([0.0, 0.6, -0.8])
    rows = [",".join([ti, *(f"{v * G:.6f}" for v in gravity[::-1]), *(f"{v * G:.6f}" for v in u[::-1])])
            for ti, u in zip(_epoch("ns"), user.tolist(), strict=True)]
    path = tmp_path / "WristMotion.csv"
    path.write_text("time,gravityZ,gravityY,gravityX,accelerationZ,accelerationY,accelerationX\n"
                    + "\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_allclose(rec.acc, user + gravity, atol=2e-6)


@pytest.mark.parametrize("units, factor", [("g", 1.0), ("m/s^2", G)])
def test_headphones_gravity_in_m_s2_is_added_in_the_units_given(tmp_path, units, factor):
    """Sensor Logger's Headphone.csv (AirPods): gravity in m/s^2 always, the acceleration
    in g by default or m/s^2 ("Standardise Units & Frames"), which the file does not say:
    refused without units (before: gravity's units were taken for both, and the movement
    read 9.8 times too small), added right with them."""
    gravity = np.array([0.0, -0.6, -0.8])
    user = ACC - ACC.mean(axis=0)
    rows = [",".join([ti, "0,0,0", *(f"{v * G:.6f}" for v in gravity[::-1]), *(f"{v * factor:.6f}" for v in u[::-1]),
                      "left"])
            for ti, u in zip(_epoch("ns"), user.tolist(), strict=True)]
    path = tmp_path / "Headphone.csv"
    path.write_text("time,pitch,roll,yaw,gravityZ,gravityY,gravityX,accelerationZ,accelerationY,accelerationX,"
                    "devicelocation\n" + "\n".join(rows) + "\n")
    with pytest.raises(FormatError, match=r"give --units g \(the app's default\) or --units m/s\^2"):
        read(path)
    rec, = read(path, units=units)
    np.testing.assert_allclose(rec.acc, user + gravity, atol=2e-6)


def test_gravity_is_not_added_to_acceleration_that_has_it(tmp_path):
    """Total acceleration (gravity in it) beside a gravity vector: the axes as they are."""
    rows = [f"{ti},{x:.6f},{y:.6f},{z:.6f},0,0,1" for ti, (x, y, z) in zip(_epoch("ms"), ACC.tolist(), strict=True)]
    path = tmp_path / "a.csv"
    path.write_text("time,x,y,z,gravity_x,gravity_y,gravity_z\n" + "\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)


@pytest.mark.parametrize("name", ["Gravity.csv", "GyroscopeUncalibrated.csv", "WatchGravity.csv",
                                  "MetaWear_2026-01-05T22.30.00.000_C8D2A1B2C3D4_Magnetometer.csv"])
def test_files_named_for_other_sensors_are_refused(tmp_path, name):
    """A gravity vector has gravity's size and would read as a sensor that never moves."""
    path = tmp_path / name
    path.write_text("time,seconds_elapsed,z,y,x\n" + "\n".join(
        f"{ti},{i / FS:.3f},-9.7,0.5,0.3" for i, ti in enumerate(_epoch("ns"))) + "\n")
    with pytest.raises(FormatError, match="another sensor's file"):
        read(path)


def test_a_computed_gravity_vector_under_another_name_is_refused(tmp_path):
    """A gravity vector turns with the limb but keeps its size to the last digit; an
    accelerometer's noise never lets it (a constant signal, which does not turn, reads)."""
    n = 2000
    turn = np.linspace(0, 1.2, n)
    g = np.stack([np.sin(turn), np.zeros(n), -np.cos(turn)], axis=1)
    t = [str(1767652200_000_000_000 + i * 10_000_000) for i in range(n)]
    path = tmp_path / "watch_export.csv"
    path.write_text("time,x,y,z\n" + "\n".join(f"{ti},{x:.8f},{y:.8f},{z:.8f}"
                                                for ti, (x, y, z) in zip(t, g.tolist(), strict=True)) + "\n")
    with pytest.raises(FormatError, match="size stays 1.0000 g as it turns: a gravity vector"):
        read(path)
    noisy = g + np.random.default_rng(0).normal(0, 0.002, g.shape)  # an accelerometer's 2 mg of noise
    path.write_text("time,x,y,z\n" + "\n".join(f"{ti},{x:.6f},{y:.6f},{z:.6f}"
                                                for ti, (x, y, z) in zip(t, noisy.tolist(), strict=True)) + "\n")
    assert len(read(path)[0]) == n


@pytest.mark.parametrize("raw", [False, True])
def test_sensor_logger_zip_reads_the_watch(tmp_path, raw):
    """A Sensor Logger export: the watch's raw acceleration when it is there, else its
    WristMotion; never the phone's streams (its total acceleration has gravity too)."""
    import zipfile

    gravity = np.array([0.0, 0.0, -1.0])
    user = ACC - ACC.mean(axis=0)
    rows = [f"{ti},{i / FS:.3f},{g[2]:.6f},{g[1]:.6f},{g[0]:.6f},{u[2]:.6f},{u[1]:.6f},{u[0]:.6f}"
            for i, (ti, u, g) in enumerate(zip(_epoch("ns"), user.tolist(), [gravity] * N, strict=True))]
    phone = "\n".join(f"{ti},{i / FS:.3f},0.01,-0.02,0.03" for i, ti in enumerate(_epoch("ns")))
    path = tmp_path / "2026-01-05_22-30-00.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("WristMotion.csv", "time,seconds_elapsed,gravityZ,gravityY,gravityX,accelerationZ,"
                         "accelerationY,accelerationX\n" + "\n".join(rows) + "\n")
        archive.writestr("Accelerometer.csv", "time,seconds_elapsed,z,y,x\n" + phone + "\n")
        archive.writestr("Gravity.csv", "time,seconds_elapsed,z,y,x\n" + phone.replace("0.01,", "-9.8,") + "\n")
        archive.writestr("TotalAcceleration.csv", "time,seconds_elapsed,z,y,x\n"
                         + phone.replace("0.01,", "-9.8,") + "\n")
        if raw:
            archive.writestr("WatchAccelerometerUncalibrated.csv", "time,seconds_elapsed,z,y,x\n" + "\n".join(
                f"{ti},{i / FS:.3f},{z:.6f},{y:.6f},{x:.6f}"
                for i, (ti, (x, y, z)) in enumerate(zip(_epoch("ns"), ACC.tolist(), strict=True))) + "\n")
    rec, = read(path)
    np.testing.assert_allclose(rec.acc, ACC if raw else user + gravity, atol=2e-6)


def _actilife(serial: str, rows: list[str], column_row: str) -> str:
    return "\n".join([
        "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v1.7.2 "
        "date format M/d/yyyy at 25 Hz  Filter Normal -----------",
        f"Serial Number: {serial}", "Start Time 22:30:00", "Start Date 1/5/2026",
        "Epoch Period (hh:mm:ss) 00:00:00", "Download Time 08:00:00", "Download Date 1/6/2026",
        "Current Memory Address: 0", "Current Battery Voltage: 4.12     Mode = 12",
        "--------------------------------------------------", column_row, *rows]) + "\n"


@pytest.mark.parametrize("serial, lsb", [("MOS2E12345678", 256), ("NEO1C12345678", 341)])
def test_actilife_csv_in_raw_counts(tmp_path, serial, lsb):
    raw = np.round(ACC * lsb).astype(int)
    rows = [f"{x},{y},{z}" for x, y, z in raw.tolist()]
    path = tmp_path / "counts.csv"
    path.write_text(_actilife(serial, rows, "Accelerometer X,Accelerometer Y,Accelerometer Z"))
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, T)
    np.testing.assert_allclose(rec.acc, raw / lsb, rtol=1e-6)
    assert rec.meta["units"] == f"raw counts, {lsb} LSB per g (serial {serial})"


def test_actilife_epoch_export_is_refused(tmp_path):
    """ActiLife's epoch export (counts per 60 s: Date,Time,Axis1,...) holds no samples; it
    read its Date column as the time and failed on 'the start time '2026-01-05T''."""
    rows = [f"1/5/2026,22:{30 + i}:00,{i * 30},{i * 20},{i * 10},0,0,0,0,0,60,{i * 40}" for i in range(20)]
    text = _actilife("MOS2E12345678", rows, "Date,Time,Axis1,Axis2,Axis3,Steps,Lux,Inclinometer Off,"
                     "Inclinometer Standing,Inclinometer Sitting,Inclinometer Lying,Vector Magnitude")
    path = tmp_path / "MOS2E12345678 (2026-01-06)60sec.csv"
    path.write_text(text.replace("Epoch Period (hh:mm:ss) 00:00:00", "Epoch Period (hh:mm:ss) 00:01:00"))
    with pytest.raises(FormatError, match=r"^MOS2E12345678 \(2026-01-06\)60sec.csv: ActiLife epoch counts \(a row "
                                          r"every 60 s\), not raw samples; export a RAW CSV from ActiLife, or read "
                                          r"the .gt3x file$"):
        read(path)


def test_actilife_imu_csv_picks_the_accelerometer_and_its_timestamps(tmp_path):
    stamps = np.datetime_as_string((T + 1800 * 10**9).astype("datetime64[ns]"), unit="ms")
    rows = [f"{s},{x:.6f},{y:.6f},{z:.6f},31.5,0.1,0.2,0.3,28.5,15.6,8.6"
            for s, (x, y, z) in zip(stamps, ACC.tolist(), strict=True)]
    header = ("Timestamp,Accelerometer X,Accelerometer Y,Accelerometer Z,Temperature,Gyroscope X,"
              "Gyroscope Y,Gyroscope Z,Magnetometer X,Magnetometer Y,Magnetometer Z")
    path = tmp_path / "imu.csv"
    path.write_text(_actilife("TAS1E12345678", rows, header))
    rec, = read(path)
    np.testing.assert_array_equal(rec.time_ns, T + 1800 * 10**9)  # from the Timestamp column
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
    assert START_NS == T[0]


def test_names_that_gravity_contradicts(tmp_path, caplog):
    """MIMSunit's sample data is named in m/s^2 but holds g: gravity wins, and says so."""
    header = "HEADER_TIME_STAMP,X_ACCELERATION_METERS_PER_SECOND_SQUARED,Y_ACCELERATION_METERS_PER_SECOND_SQUARED," \
             "Z_ACCELERATION_METERS_PER_SECOND_SQUARED"
    iso = np.datetime_as_string(T.astype("datetime64[ns]"), unit="ms")
    rows = [",".join([s.replace("T", " "), *(f"{v:.6f}" for v in a)]) for s, a in zip(iso, ACC.tolist(), strict=True)]
    path = tmp_path / "mhealth.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    rec, = read(path)
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
    assert "the column names say m/s^2 but gravity says g" in caplog.text
    path.write_text(header + "\n" + "\n".join(",".join([r.split(",")[0], *(f"{float(v) * 9.80665:.6f}" for v in r.split(",")[1:])])
                                              for r in rows) + "\n")
    rec, = read(path)  # named right: read as named
    np.testing.assert_allclose(rec.acc, ACC, atol=2e-6)
