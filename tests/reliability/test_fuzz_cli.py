"""Property-based: random argv for every command through ``hypnic.cli.main``.

Every command and option is read from the Typer app itself (new commands are fuzzed
without editing this file). Values come from a pool of junk, out-of-range numbers,
injection strings and files of every kind (missing, junk, latin-1, a folder, valid
recordings). A run must end with exit code 0, 1 (``hypnic: error: ...``) or 2 (usage)
with ONE line on stderr for an error, and never a traceback. Everything happens in a
temporary folder with ``XDG_DATA_HOME`` pointing there, so no real diary is touched.

Commands that would run a whole simulated night or a cohort when given valid values
(``demo``, ``simulate``, ``batch``) get a last option with an invalid value (the
"brake"), so for them only argument checking is fuzzed; ``scan`` always gets a 0.5 s
timeout last and ``record`` draws only short durations, so both may run for real
(emulated, about a second).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from cli_run import run_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_figures import tally

from hypnic.app import app

BUDGET = 50
FUZZ = settings(max_examples=BUDGET, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
HYPNIC = Path(sys.executable).with_name("hypnic")


def _commands(cmd, path=()):
    subs = getattr(cmd, "commands", None)
    if subs:
        out = []
        for name, sub in sorted(subs.items()):
            out += _commands(sub, (*path, name))
        return out
    return [(path, cmd)]


COMMANDS = {" ".join(p): c for p, c in _commands(typer.main.get_command(app))}
#: Commands whose valid runs are long: a last invalid option keeps each example short.
BRAKES = {"demo": ["--nights", "0"], "simulate": ["--fs", "1"], "batch": ["--workers", "0"],
          "scan": ["--timeout", "0.5"]}  # scan: valid, but never the 5 s default
#: Values only these may take (short runs of the commands that run for real).
SAFE = {"--duration": ["0", "1s", "0.2", "abc", "-1", "1h30x", "", "99999999999999999999h"],
        "--speed": ["1000", "0", "abc", "1e309"], "--timeout": ["0.5", "0", "-1", "x"],
        "--emulate": ["polar", "hypnic", "witmotion", ""], "--rate": ["50", "0", "1e9", "nan"],
        "--fault": ["drop@0.1:0.1", "lose@x", "reboot@", "fire@1", "stall@1e309"]}
JUNK = ["", "-1", "0", "1", "3", "0.5", "1e309", "-1e309", "nan", "inf", "abc", "--", "-",
        "'); DROP TABLE diary;--", "<script>alert(1)</script>", "\u00e9\u00df\u202e", "2026-02-30",
        "2026-01-05", "Europe/Nowhere", "Europe/Paris", "wrist-left", "nowhere", "g", "mg",
        "csv", "parquet", "tcp://127.0.0.1:1", "F0:00:00:00:00:00", " " * 3, "9" * 400]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, short_night):
    """A folder of files of every kind, used as the working directory and data home."""
    from sensing import generic
    from sensing.recording import Recording
    from sensing.store import RecordingStore

    root = tmp_path_factory.mktemp("cli")
    rec = short_night.recordings["wrist-left"]
    small = Recording(rec.time_ns[:3000], rec.acc[:3000], rec.fs, rec.location, rec.device)
    generic.write_csv(small, root / "night.csv")
    with RecordingStore(root / "live.sqlite") as store:
        sid = store.add_sensor("AA", "Polar Sense 1", "polar", "wrist-left", rec.fs, 8,
                               int(rec.time_ns[0]))
        store.append(sid, small.time_ns, small.acc)
    (root / "junk.csv").write_bytes(os.urandom(3000))
    (root / "latin1.csv").write_bytes("night,notes\n2026-01-05,caf\xe9\n".encode("latin-1"))
    (root / "diary.csv").write_text("night,stress,notes\n2026-01-05,3,<script>x</script>\n")
    (root / "folder").mkdir()
    (root / "empty.csv").write_bytes(b"")
    return root


def paths(root: Path) -> list[str]:
    return [str(root / n) for n in ("night.csv", "live.sqlite", "junk.csv", "latin1.csv",
                                    "diary.csv", "folder", "empty.csv", "missing.csv",
                                    "new.sqlite", "out.parquet", "out.csv", "folder/x/y.csv")]


def check_cli(command: str, argv: list[str]) -> None:
    tally("cli", command, inputs=1)
    try:
        code, _, err = run_main(argv)
    except BaseException:
        tally("cli", command, failures=1)
        raise
    tally("cli", command, **{f"exit_{code}": 1})
    assert "Traceback" not in err
    assert code in (0, 1, 2), (argv, code, err)
    if code and not err.startswith("Usage:"):  # a bare group prints its help
        assert err.count("\n") == 1 and err.endswith("\n"), (argv, err)
        assert err.startswith(("hypnic: error: ", "hypnic ")), (argv, err)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@FUZZ
@given(data=st.data())
def test_random_arguments(workspace, monkeypatch, command, data):
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("XDG_DATA_HOME", str(workspace / "data-home"))
    cmd = COMMANDS[command]
    opts = [p for p in cmd.params if any(o.startswith("-") for o in p.opts)]
    n_args = len(cmd.params) - len(opts)
    pool = JUNK + paths(workspace)
    # half the examples are well formed (every required option, the right number of
    # arguments, no unknown option) so that they get past click into the command itself
    well_formed = data.draw(st.booleans(), label="well_formed")
    names = [o for p in opts for o in p.opts if o.startswith("-")]
    chosen = [p.opts[0] for p in opts if p.required] if well_formed else []
    chosen += data.draw(st.lists(st.sampled_from(names + ([] if well_formed else ["--nope", "-Z"])),
                                 max_size=5), label="options")
    tokens: list[str] = []
    for opt in chosen:
        param = next((p for p in opts if opt in p.opts), None)
        tokens.append(opt)
        if param is None or not getattr(param, "is_flag", False):
            tokens.append(data.draw(st.sampled_from(SAFE.get(opt, pool)), label=opt))
    size = {"min_size": n_args, "max_size": n_args} if well_formed else {"max_size": n_args + 1}
    args = data.draw(st.lists(st.sampled_from(pool), **size), label="arguments")
    argv = [*command.split(), *args, *tokens, *BRAKES.get(command, [])]
    check_cli(command, argv)


@pytest.mark.parametrize("argv", [
    ["convert", "junk.csv", "--out", "x.csv"],
    ["convert", "night.csv", "--out", "x.txt"],
    ["convert", "folder", "--out", "x.csv"],
    ["export", "junk.csv", "--out", "x.csv"],
    ["record", "--out", "live.sqlite", "--emulate", "polar", "--duration", "1s"],
    ["nights", "--add", "junk.csv", "--db", "d.sqlite"],
    ["diary", "add", "2026-02-30", "--db", "d.sqlite"],
    ["diary", "add", "--stress", "11", "--db", "d.sqlite"],
    ["report", "--db", "junk.csv"],
])
def test_user_errors_in_a_real_process(workspace, argv):
    """The installed ``hypnic`` script: exit 1 or 2, one stderr line, no traceback."""
    env = {**os.environ, "XDG_DATA_HOME": str(workspace / "data-home")}
    p = subprocess.run([str(HYPNIC), *argv], cwd=workspace, env=env, capture_output=True,
                       text=True, timeout=120)
    tally("cli", "subprocess", inputs=1, **{f"exit_{p.returncode}": 1})
    assert p.returncode in (1, 2) and "Traceback" not in p.stderr, p.stderr
    assert p.stderr.count("\n") == 1, p.stderr


@pytest.mark.parametrize("argv", [["diary", "list", "--db", "folder"],
                                  ["diary", "import", "folder", "--db", "d3.sqlite"],
                                  ["diary", "export", "folder", "--db", "d3.sqlite"],
                                  ["report", "--out", "night.csv", "--db", "d3.sqlite"]])
def test_a_folder_given_as_a_file_is_one_error_line(workspace, argv):
    env = {**os.environ, "XDG_DATA_HOME": str(workspace / "data-home")}
    p = subprocess.run([str(HYPNIC), *argv], cwd=workspace, env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1 and "Traceback" not in p.stderr and p.stderr.count("\n") == 1


def test_diary_import_of_a_latin1_file_is_one_error_line(workspace):
    env = {**os.environ, "XDG_DATA_HOME": str(workspace / "data-home")}
    p = subprocess.run([str(HYPNIC), "diary", "import", "latin1.csv", "--db", "d2.sqlite"],
                       cwd=workspace, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "Traceback" not in p.stderr and p.stderr.count("\n") == 1


# -- campaign: structured diary sessions (typed values, then report and nights) ----------

SESSION_BUDGET = 50
SESSION = settings(max_examples=SESSION_BUDGET, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NIGHT_TEXT = st.one_of(st.dates().map(str), st.sampled_from(
    ["2026-01-05", "2026-01-06", "9999-12-31", "0001-01-01", "2026-02-30", "26-01-05", "", "today"]))
NUMBER_TEXT = st.one_of(st.integers(-5, 40).map(str), st.floats(allow_nan=True).map(repr),
                        st.sampled_from(["", "1e309", "-0", "0x1f", "seven", "7,5"]))
TIME_TEXT = st.one_of(st.times().map(lambda t: t.strftime("%H:%M")),
                      st.sampled_from(["24:00", "7:5", "12:60", "noon", ""]))
FREE_TEXT = st.one_of(st.text(max_size=20), st.sampled_from(
    ["\x1b[2J\x1b[31mred", "\x1b]0;title\x07", "'); DROP TABLE diary;--", "<script>x</script>",
     "a;b", "\u202eevil", "line\nbreak", "cr\ronly"]))
OPTION_VALUES = {"--slept": NUMBER_TEXT, "--stress": NUMBER_TEXT, "--tiredness": NUMBER_TEXT,
                 "--caffeine": NUMBER_TEXT, "--alcohol": NUMBER_TEXT, "--exercise": NUMBER_TEXT,
                 "--bothersome": NUMBER_TEXT, "--bedtime": TIME_TEXT, "--wake": TIME_TEXT,
                 "--caffeine-last": TIME_TEXT, "--med": FREE_TEXT, "--notes": FREE_TEXT}
STEP = st.tuples(st.sampled_from(["add", "edit", "delete"]), NIGHT_TEXT,
                 st.dictionaries(st.sampled_from(sorted(OPTION_VALUES)), st.none(), max_size=4))


@pytest.mark.slow
@SESSION
@given(data=st.data(), steps=st.lists(STEP, min_size=1, max_size=6))
def test_structured_diary_sessions(tmp_path_factory, monkeypatch, data, steps):
    """A sleeper's session: add, edit and delete nights with typed values (any date, any
    number, any text), then list, export, ``nights`` and ``report``: every command ends
    in 0, 1 or 2 with one line for an error, and a diary that took the entries always
    lists, exports and reports (nothing stored can break the later commands; one session
    in ten writes the report, which takes about a second)."""
    root = tmp_path_factory.mktemp("session")
    monkeypatch.chdir(root)
    db = str(root / "d.sqlite")
    for command, night, options in steps:
        argv = ["diary", command, night]
        for opt in options if command != "delete" else {}:
            argv += [opt, data.draw(OPTION_VALUES[opt], label=opt)]
        check_cli(f"diary-session {command}", [*argv, "--db", db])
    report = data.draw(st.integers(0, 9), label="report") == 0  # a report takes a second
    made = Path(db).exists()  # no step took: no database was made, and none is read
    for argv in (["diary", "list"], ["diary", "export", "-"], ["nights"],
                 *[["report", "--out", str(root / "rep")]] * report):
        tally("cli", f"diary-session {argv[1] if argv[0] == 'diary' else argv[0]}", inputs=1)
        code, out, err = run_main([*argv, "--db", db])
        if made:
            assert (code, err) == (0, ""), (argv, err)
        else:
            assert code == 1 and err.startswith("hypnic: error: no hypnic database at "), (argv, err)
        assert "\x1b" not in out


@pytest.mark.parametrize("argv", [["diary", "add", "2026-01-05", "--notes", "x\udc9b"],
                                  ["diary", "add", "2026-01-05", "--med", "\udcff"]])
def test_text_that_is_not_utf8_is_one_error_line(workspace, monkeypatch, argv):
    """A terminal not set to UTF-8 passes bytes Python keeps as surrogate escapes; storing
    them was a UnicodeEncodeError traceback."""
    monkeypatch.chdir(workspace)
    code, _, err = run_main([*argv, "--db", "d4.sqlite"])
    tally("cli", "not-utf8-text", inputs=1, **{f"exit_{code}": 1})
    assert code == 1 and err.startswith("hypnic: error: text that is not valid UTF-8: ")
    assert err.count("\n") == 1 and "\\x" in err
