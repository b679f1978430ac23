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
    "issue #16 item 6, 13 tracebacks on crafted files (fs_hz=abc, ActiLife 'at 0 Hz', E4 "
    "start inf/1e300, --start 1e400/1e12, Parquet null time / bad metadata / text axis / "
    "timestamp[s] beyond 2262, .sqlite rate NULL or text / text samples, corrupt deflate, "
    "export of the older event schema): one line each or read; guarded by "
    "test_file_inputs.py",
    "sensing/readers/parquet.py: an axis column of timestamps or lists ended in "
    "ArrowNotImplementedError/IndexError (found by the structured Parquet fuzz); guarded by "
    "test_fuzz_structured_files.py::test_parquet_of_any_schema",
    "readers: accelerations too big to square (1e30) let numpy's 'overflow encountered' "
    "warning reach the user; norms are float64 without warnings; guarded by "
    "test_fuzz_structured_files.py::test_parquet_of_any_schema",
]


#: What the second, independent campaign (issue 16) found, and how it is fixed: one
#: entry per item, each guarded by plain tests that failed before the fix.
CAMPAIGN_2_FIXES = [
    "item 2, one bad participant stopped a cohort: a diary dated 9999-12-31, a simulated "
    "diary whose start times have no zone or that lacks a column, a diary that is not a "
    "file, a participant folder that cannot be listed or whose name is not UTF-8 (which also "
    "broke the Dask connection) each ended `hypnic batch` in a traceback with no outputs. "
    "Each is now a failure named against its participant in failures.csv (a report that "
    "cannot be drawn too), the rest completes and a rerun resumes; guarded by "
    "test_hostile_cohort.py::test_one_bad_participant_is_a_named_failure_and_the_rest_completes "
    "and ::test_random_diaries_are_read_or_refused_clearly",
    "item 3, symlinks at predictable paths: convert/export wrote through `<out>.part`; every "
    "output is now written under a random mkstemp name in its folder and moved into place "
    "(sensing/private.py); a local Dask cluster keeps its scratch and lock files in a private "
    "folder inside --out, not in $TMPDIR/dask-scratch-space; guarded by "
    "test_overwrites.py::test_convert_does_not_write_through_a_planted_part_link and "
    "test_hostile_cohort.py::test_local_cluster_scratch_space_is_private_and_inside_out",
    "item 4, a diary night of 9999-12-31 broke report and nights for good (OverflowError): "
    "nights are bounded to 2000-01-01..2099-12-31, a stored one out of range is left out "
    "with a warning, and `hypnic diary delete` removes an entry; guarded by "
    "test_fuzz_diary.py::test_a_night_out_of_range_is_refused and "
    "::test_a_stored_night_out_of_range_breaks_nothing_and_can_be_deleted",
    "item 5, two recorders and one file, two sensors and one name: a new recording is created "
    "exclusively (linked into place), and `export` names several sensors at one location "
    "<stem>-<location>-<n> (it had dropped one sensor's samples); guarded by "
    "test_overwrites.py::test_two_recorders_never_share_a_file, "
    "::test_record_whose_file_appears_after_the_check_fails_cleanly and "
    "::test_export_never_writes_two_sensors_to_one_file",
    "item 7, private data in world-readable files: exports, events CSV, sleep JSON, diary "
    "export, reports and every batch output were 0644 with umask 022; all are now 0600 in "
    "0700 folders whatever the umask; guarded by "
    "test_privacy.py::test_every_output_with_personal_data_is_owner_only and "
    "test_hostile_cohort.py::test_batch_outputs_are_owner_only (umask 022 and 077)",
    "item 10, batch followed a link `all -> .` (every night counted twice) and read its own "
    "outputs as nights when --out was inside the cohort: links are resolved and each file "
    "counted once, the output folder is skipped; guarded by "
    "test_hostile_cohort.py::test_a_symlink_to_the_cohort_itself_counts_no_night_twice and "
    "::test_an_output_folder_inside_the_cohort_is_not_read_as_nights",
    "item 11, overwrites and edits of other files: `export` replaced an existing "
    "night-events.csv (or any target) and a --db at another application's database, a "
    "recording or a text file was chmod-ed 0600 and given diary tables; export now refuses "
    "any existing target and --db refuses what is not a hypnic database before touching "
    "it; guarded by test_overwrites.py::test_export_never_overwrites_a_file and "
    "::test_a_db_that_is_not_a_diary_is_refused_untouched",
    "item 12, `diary export -` printed terminal escape codes from notes: control characters "
    "are shown as \\x1b-style text on the terminal; after a SIGKILL the samples lived in "
    "the -wal file only: a store checkpoints at open and every 60 s, so a copy of the "
    ".sqlite alone lags at most a minute (docs: copy both, or run hypnic export); guarded by "
    "test_fuzz_diary.py::test_diary_export_to_the_terminal_never_prints_control_codes and "
    "test_crash.py::test_reopening_a_crashed_recording_moves_its_wal_into_the_file",
    "issue 18: a missing optional dependency (bumble, dask) was a ModuleNotFoundError "
    "traceback; it is one line naming the extra to install; a recording that ends before "
    "its first sample leaves no empty .sqlite behind, and `detect` on an empty recording "
    "says it holds no samples; guarded by test_cli_record.py::"
    "test_a_missing_extra_is_one_line_naming_it, "
    "::test_a_sensor_never_found_leaves_no_file_and_the_rerun_works and "
    "::test_a_recording_without_samples_is_one_clear_line_for_detect",
    "found by the new campaigns: a diary exported with a note holding a lone carriage return "
    "could not be imported back, numbers lost digits in the export (6 significant) and "
    "medication names kept surrounding space (structured entries; notes and names are "
    "normalised, numbers written exactly); DiaryEntry(bothersome=inf) raised OverflowError "
    "instead of a DiaryError; a simulated diary with a night twice failed in pandas "
    "(cannot reindex on duplicate labels) instead of naming the line (cohort diaries); "
    "`--db` naming a folder was a sqlite3 traceback; text that is "
    "not UTF-8 in an argument "
    "(a terminal not set to UTF-8) was a UnicodeEncodeError traceback; guarded by "
    "test_fuzz_diary.py::test_structured_entries_are_valid_or_refused_and_round_trip and "
    "test_fuzz_cli.py::test_text_that_is_not_utf8_is_one_error_line",
]


def fixed_bugs() -> None:
    """Put :data:`FIXED_BUGS` and :data:`CAMPAIGN_2_FIXES` into the figures (called once
    per session by conftest)."""
    FIGURES["fixed-bugs"] = {str(i): {"bug": b} for i, b in enumerate(FIXED_BUGS, 1)}
    FIGURES["campaign-2-fixes"] = {f"{i:02d}": {"fix": b} for i, b in enumerate(CAMPAIGN_2_FIXES, 1)}


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
