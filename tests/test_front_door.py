"""``import hypnic``: the public API, loaded lazily, and a CLI that starts without numpy."""

from __future__ import annotations

import subprocess
import sys

import hypnic

HEAVY = ("numpy", "pandas", "scipy", "pydantic")  # pydantic: typer 0.29's option coercion


def _loaded_after(code: str) -> list[str]:
    """Heavy libraries in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = res.stdout.rpartition("loaded:")[2].strip()
    return [m for m in loaded.split(",") if m]


def test_import_hypnic_and_help_load_no_numpy_pandas_scipy_pydantic():
    assert _loaded_after("import hypnic") == []
    assert _loaded_after("from hypnic.cli import main\nassert main(['--help']) == 0") == []
    # a command's help shows the detection defaults without the signal processing
    assert _loaded_after("from hypnic.cli import main\nassert main(['detect', '--help']) == 0") == []


def test_detecting_a_night_needs_no_scipy():
    """scipy (0.1-0.25 s to import its ndimage) is for analysis and simulation; reading
    and detecting a night, double taps included, use numpy and pandas alone."""
    code = ("import numpy as np\nfrom detection import detect_night\n"
            "from sensing.recording import Recording\n"
            "t = np.arange(6000) * 10_000_000\nacc = np.tile([0.0, 0.0, 1.0], (6000, 1))\n"
            "acc[3000, 0] = acc[3030, 1] = 2.0\n"
            "assert len(detect_night(Recording(t, acc, 100.0, 'wrist-left')).markers) == 1")
    assert _loaded_after(code) == ["numpy", "pandas"]


def test_one_night_workflow_loads_no_statistics_or_report():
    """``hypnic detect`` needs the nights and the diary of ``analysis``, not its
    statistics, report and plots (``analysis`` loads its names on first use)."""
    probe = ("import sys\nimport hypnic.workflows.night\nimport analysis\n"
             "assert analysis.summarise_night and analysis.night_of\n"
             "print('loaded:' + ','.join(m for m in ('analysis.effects', 'analysis.report', "
             "'analysis.plots', 'analysis.advice') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert res.stdout.rpartition("loaded:")[2].strip() == ""
    import analysis

    assert set(analysis.__all__) <= set(dir(analysis))
    assert analysis.build_report.__module__ == "analysis.report"


def test_help_imports_few_modules():
    """Start-up time is the modules imported: ``hypnic --help`` stays a few hundred
    (326 with Python 3.11, typer and rich; importing numpy adds about 140)."""
    probe = ("import sys\nfrom hypnic.cli import main\nassert main(['--help']) == 0\n"
             "print('modules:', len(sys.modules))")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert int(res.stdout.rpartition("modules:")[2]) <= 400


def test_every_public_name_resolves_to_its_module():
    for name in hypnic.__all__:
        assert getattr(hypnic, name) is not None, name
    assert set(hypnic.__all__) <= set(dir(hypnic))
    assert hypnic.read is __import__("sensing.readers", fromlist=["read"]).read
    assert hypnic.process_night.__module__ == "hypnic.workflows.night"
    assert isinstance(hypnic.__version__, str)


def test_an_unknown_name_is_an_attribute_error():
    try:
        hypnic.detect_nights  # noqa: B018
    except AttributeError as exc:
        assert "detect_nights" in str(exc)
    else:
        raise AssertionError("no AttributeError")
