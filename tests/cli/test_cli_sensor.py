"""``hypnic sensor``: errors a user can cause print one line, before any Bluetooth."""

import numpy as np
import pytest

from hypnic.cli import main


def test_sensor_errors_are_one_line(tmp_path, capsys):
    assert main(["sensor", "delete", "--device", "AA:BB:CC:DD:EE:FF"]) == 1
    assert capsys.readouterr().err == ("hypnic: error: this deletes the sensor's recordings for "
                                       "good: add --yes\n")
    out = tmp_path / "night.sqlite"
    out.write_bytes(b"kept")
    assert main(["sensor", "download", "--device", "AA:BB:CC:DD:EE:FF", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists" in err and out.read_bytes() == b"kept"
    assert main(["sensor", "start", "--device", "AA:BB:CC:DD:EE:FF", "--location", "elbow"]) == 1
    assert "unknown location 'elbow'" in capsys.readouterr().err


def test_an_emulated_offline_night_is_started_recorded_and_downloaded(tmp_path, capsys):
    """--emulate runs the whole offline workflow on an emulated Polar sensor playing a
    simulated night (virtual clock): 30 min at 52 Hz stored once, in the file it names;
    a download cut by a lost link goes on where it stopped and says so."""
    from hypnic.commands.sensor import _local
    from sensing.store import read_sqlite

    out = tmp_path / "night.sqlite"
    assert main(["sensor", "download", "--emulate", "--duration", "30min", "--out", str(out)]) == 0
    (rec,) = read_sqlite(out)
    assert rec.fs == 52 and rec.location == "wrist-left" and len(rec.gaps) == 0
    assert abs(len(rec) - 30 * 60 * 52) <= 52  # the night, within a second
    text = capsys.readouterr().out
    assert text == (
        f"emulated Polar Verity Sense: recording started at 52 Hz, +-8 g, {_local(int(rec.time_ns[0]))}; "
        "30min later, the download:\n"
        f"{len(rec)} samples at 52 Hz from {_local(int(rec.time_ns[0]))} to {_local(int(rec.time_ns[-1]))}, "
        f"0 gaps; stored and verified in {out}\n"
        "deleted from the sensor\n")
    cut = tmp_path / "cut.sqlite"
    assert main(["sensor", "download", "--emulate", "--duration", "30min", "--out", str(cut),
                 "--fault", "cut@0:500"]) == 0
    (again,) = read_sqlite(cut)
    np.testing.assert_array_equal(again.acc, rec.acc)  # the same night, whole
    assert np.abs(again.time_ns - rec.time_ns).max() < 2e6  # ns: each download's clock offsets
    assert "the link was lost 1 time during the download; it went on where it stopped\n" in capsys.readouterr().out


@pytest.mark.parametrize("args, says", [
    ([], "give --device ADDRESS (find it with 'hypnic scan'), or --emulate to try it without a sensor"),
    (["--emulate", "--device", "F0:00:00:00:00:00"], "--emulate downloads the emulated sensor; leave out --device"),
    (["--device", "AA:BB:CC:DD:EE:FF", "--duration", "8h"], "--duration needs --emulate"),
    (["--device", "AA:BB:CC:DD:EE:FF", "--fault", "cut@0:10"], "--fault needs --emulate"),
    (["--emulate", "--fault", "drop@60:30"],
     "--fault drop is a fault of a live link; an offline night takes busy, cut, full, reboot"),
    (["--emulate", "--duration", "8"], "--duration 8 has no unit; give 8h, 8m or 8s")])
def test_download_options_that_cannot_work_are_refused_in_one_line(tmp_path, capsys, args, says):
    assert main(["sensor", "download", "--out", str(tmp_path / "n.sqlite"), *args]) == 1
    assert capsys.readouterr().err == f"hypnic: error: {says}\n"
    assert not (tmp_path / "n.sqlite").exists()
