"""``hypnic sensor``: errors a user can cause print one line, before any Bluetooth."""

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
