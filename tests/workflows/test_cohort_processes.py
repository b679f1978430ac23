"""The default local cluster (worker processes) gives the same tables as threads."""

from __future__ import annotations

import pandas as pd
import pytest

from hypnic.workflows.cohort import BatchConfig, run_batch


@pytest.mark.slow
def test_local_process_cluster_equals_threaded(cohort_dir, client, tmp_path):
    procs = run_batch(cohort_dir, tmp_path / "procs", BatchConfig(workers=2, reports=False))
    threads = run_batch(cohort_dir, tmp_path / "threads", BatchConfig(reports=False), client=client)
    assert procs.failures.empty and len(procs.computed) == 8
    pd.testing.assert_frame_equal(procs.nights, threads.nights)
    pd.testing.assert_frame_equal(procs.events, threads.events)
