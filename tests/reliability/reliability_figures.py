"""Counted figures of the reliability campaigns, collected while the tests run.

Tests call :func:`tally` (inputs tried, failures, samples delivered/stored ...); the
``conftest.py`` of this folder writes everything as JSON at the end of the session
when ``HYPNIC_RELIABILITY_FIGURES`` names a file. ``benchmarks/reliability.py`` runs
this suite with that variable set and turns the figures into ``docs/reliability.md``.
"""

from __future__ import annotations

from typing import Any

FIGURES: dict[str, dict[str, dict[str, Any]]] = {}

#: Bugs this suite found that have been fixed since (each still guarded by a plain test).
FIXED_BUGS = [
    "sensing/readers/tabular.py accepted units='g' for values near 1000 g (mg data declared "
    "as g) instead of a FormatError; guarded by test_fuzz_readers.py::test_wrong_units",
    "sensing/ble/clock.py + reader.py stored a repeated notification again as a 'reboot' "
    "segment (extra samples, spurious gap); guarded by "
    "test_faults.py::test_duplicated_notifications_are_stored_once",
    "sensing/ble/clock.py stored a late (out-of-order) notification after the next one with "
    "wrong times and spurious gaps; guarded by "
    "test_faults.py::test_out_of_order_notifications_are_put_back_in_order",
    "sensing/ble/profiles.py PolarProfile._command crashed the recording with an IndexError "
    "on a 1-byte control-point message; guarded by "
    "test_faults.py::test_truncated_control_point_message_is_ignored",
    "sensing/store.py created live recordings (and -wal/-shm) 0644, readable by every local "
    "user; guarded by test_privacy.py::test_live_recording_is_owner_only",
    "analysis/diary.py parse_field did int() on NaN/inf in integer fields (ValueError/"
    "OverflowError, a traceback on import); guarded by "
    "test_fuzz_diary.py::test_out_of_range_numbers_are_refused",
    "analysis/diary.py read_csv let csv.Error out (a lone CR in a field); guarded by "
    "test_fuzz_diary.py::test_malformed_csv_quoting_is_a_diary_error",
    "hypnic/cli.py caught FileNotFoundError but no other OSError (a folder or an existing "
    "file given as a path: traceback); guarded by "
    "test_fuzz_cli.py::test_a_folder_given_as_a_file_is_one_error_line and the argv fuzz",
    "hypnic/commands/diary.py import: a latin-1 CSV ended in a UnicodeDecodeError traceback; "
    "guarded by test_fuzz_cli.py::test_diary_import_of_a_latin1_file_is_one_error_line",
    "a link lost during connect/service discovery ended the whole recording with "
    "asyncio.CancelledError (emulator backend + reader; found by the 8-hour run); guarded "
    "by test_faults.py::test_link_lost_during_discovery_is_retried",
    "a link lost during a GATT write (the PMD start command after a reconnect) ended the "
    "8-hour run with asyncio.CancelledError: the emulator backend now reports a link lost "
    "during any GATT request as a BleakError, as a real backend does; guarded by the long run",
    "the intermittent long-run loss (3,908 Polar samples, one spurious gap): the emulator's "
    "end-of-night flush sent everything left after a stop mid-burst as one notification, "
    "which ATT cut to MTU - 3 bytes; it now sends one packet at a time; guarded by "
    "tests/sensing/ble/test_emulator_sensor.py and the long run, which asserts no loss",
]


def fixed_bugs() -> None:
    """Put :data:`FIXED_BUGS` into the figures (called once per session by conftest)."""
    FIGURES["fixed-bugs"] = {str(i): {"bug": b} for i, b in enumerate(FIXED_BUGS, 1)}


def tally(section: str, target: str, **values: Any) -> None:
    """Add numbers to (or set text values of) ``FIGURES[section][target]``.

    Integers and floats are summed over calls (so a hypothesis test can count one
    input per call); anything else replaces the previous value.
    """
    row = FIGURES.setdefault(section, {}).setdefault(target, {})
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            row[key] = value
        else:
            row[key] = row.get(key, 0) + value


def record(section: str, target: str, **values: Any) -> None:
    """Set values of ``FIGURES[section][target]`` (replacing, not summing)."""
    FIGURES.setdefault(section, {}).setdefault(target, {}).update(values)
