"""Per-candidate features are computed for all candidates at once over ragged ranges of
samples; each ragged helper equals the plain per-range computation it replaces."""

import numpy as np
import pytest

from detection.candidates import (
    LOST_REASON,
    Joined,
    Levels,
    _clipped,
    _first_out,
    _nan_row_medians,
    _Ranges,
    _rhythm,
    _runs,
    bridge,
    covered,
    lost_on_radio,
    moving_mean,
)


def _random_ranges(rng, n, m):
    a = rng.integers(0, n, m)
    b = np.minimum(a + rng.integers(-3, 40, m), n)  # some empty (b <= a), some ending at n
    b[:3] = a[:3]
    a[-1], b[-1] = n - 5, n
    return a, b


def test_ranges_reduce_and_mean_equal_a_loop_over_ranges():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3))
    a, b = _random_ranges(rng, len(x), 60)
    r = _Ranges.span(a, b)
    peak = r.reduce(np.maximum, x[r.idx, 0], -np.inf)
    mean = r.mean(x[r.idx], np.full((len(a), 3), -7.0))
    for i, (lo, hi) in enumerate(zip(a, b, strict=True)):
        if hi > lo:
            assert peak[i] == x[lo:hi, 0].max()
            np.testing.assert_allclose(mean[i], x[lo:hi].mean(axis=0), rtol=1e-12)
        else:
            assert peak[i] == -np.inf and (mean[i] == -7.0).all()
    keep = x[r.idx, 1] > 0
    kept = r.where(keep).reduce(np.add, x[r.idx[keep], 2], 0.0)
    for i, (lo, hi) in enumerate(zip(a, b, strict=True)):
        seg = x[lo:hi]
        np.testing.assert_allclose(kept[i], seg[seg[:, 1] > 0, 2].sum(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("last", [False, True])
@pytest.mark.parametrize("bands", [(), (1,), (4, 16), (16, 64), (100,)])
def test_first_out_equals_a_loop_over_ranges_whatever_the_bands(last, bands):
    rng = np.random.default_rng(1)
    n = 400
    acc = rng.normal(0, 0.05, (n, 3))
    acc[rng.random(n) < 0.03] += 1.0  # samples that leave the reference
    a, b = _random_ranges(rng, n, 80)
    ref, low = rng.normal(0, 0.01, (80, 3)), rng.uniform(0.2, 0.8, 80)
    got = _first_out(acc, ref, low, a, b, last=last, bands=bands)
    want = []
    for i, (lo, hi) in enumerate(zip(a, b, strict=True)):
        out = lo + np.flatnonzero(np.linalg.norm(acc[lo:hi] - ref[i], axis=1) > low[i])
        want.append((out[-1] if last else out[0]) if len(out) else -1)
    np.testing.assert_array_equal(got, want)
    assert 0 < (got >= 0).sum() < len(a)  # both outcomes occur


def test_clipped_equals_a_loop_over_ranges():
    rng = np.random.default_rng(2)
    acc = rng.normal(0, 0.5, (400, 3))
    a, b = _random_ranges(rng, len(acc), 80)
    r = _Ranges.span(a, b)
    assert not _clipped(acc, r, (2.0, 4.0)).any()  # no sample near 2 g: not looked at
    acc[rng.integers(0, 400, 12), rng.integers(0, 3, 12)] = rng.choice([-4.0, 2.0, 3.0], 12)
    got = _clipped(acc, r, (2.0, 4.0))
    want = [hi > lo and any(abs(np.abs(acc[lo:hi]).max() - g) <= 0.002 * g for g in (2.0, 4.0))
            for lo, hi in zip(a, b, strict=True)]
    np.testing.assert_array_equal(got, want)
    assert 0 < got.sum() < len(a)


def _rhythm_one(hp, fs, band):
    """Peak normalised autocorrelation of the first principal axis of one range, its
    lag, and the autocorrelation (unbiased) at half that lag (the per-candidate
    definition)."""
    x = hp - hp.mean(axis=0)
    p = x @ np.linalg.svd(x, full_matrices=False)[2][0]
    lo, hi = max(1, int(fs / band[1])), int(np.ceil(fs / band[0]))
    if len(p) < 2 * hi:
        return 0.0, 0, 0.0
    ac = np.correlate(p, p, "full")[len(p) - 1:len(p) + hi]
    if ac[0] <= 0:
        return 0.0, 0, 0.0
    lag = lo + int(np.argmax(ac[lo:hi + 1]))
    k = (lag + 1) // 2
    return (float(ac[lag] / ac[0] * len(p) / (len(p) - hi)), lag,
            float(ac[k] / ac[0] * len(p) / (len(p) - k)))


@pytest.mark.parametrize("fs", [25.0, 100.0])
def test_batched_rhythm_equals_one_range_at_a_time(fs):
    rng = np.random.default_rng(2)
    n = int(600 * fs)
    t = np.arange(n) / fs
    hp = 0.01 * rng.normal(size=(3, n))
    hp += np.outer([0.3, -0.2, 0.1], np.sin(2 * np.pi * 5.0 * t) * (t % 60 < 20))  # tremor bouts
    a = rng.integers(0, n - int(40 * fs), 300)
    b = a + rng.integers(1, int(30 * fs), 300)
    got = _rhythm(hp, a, b, fs, (3.0, 10.0))
    want = [_rhythm_one(hp[:, lo:hi].T, fs, (3.0, 10.0)) for lo, hi in zip(a, b, strict=True)]
    for k in range(3):
        np.testing.assert_allclose(got[k], [w[k] for w in want], rtol=1e-9, atol=1e-9)
    peak = np.array([w[0] for w in want])
    assert (peak > 0.4).sum() >= 50 and (peak == 0.0).sum() >= 5
    tremor = peak > 0.8  # a 5 Hz tremor: its period, and reversed half a period away
    assert np.abs(got[1][tremor] - fs / 5.0).max() <= 1 and (got[2][tremor] < -0.5).all()


@pytest.mark.parametrize("seed", range(12))
def test_covered_equals_a_loop_over_overlapping_and_clipped_ranges(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.choice([0, 1, 7, 300]))
    m = int(rng.integers(1, 80))
    a = rng.integers(-20, n + 20, m)
    b = a + rng.integers(-5, 30, m)  # some empty, touching, overlapping, past either end
    want = np.zeros(n, bool)
    for lo, hi in zip(a, b, strict=True):
        want[max(lo, 0):max(min(hi, n), 0)] = True
    np.testing.assert_array_equal(covered(n, a, b), want)
    assert covered(n, a[:0], b[:0]).shape == (n,) and not covered(n, a[:0], b[:0]).any()


@pytest.mark.parametrize("seed", range(12))
def test_levels_compared_block_by_block_equal_a_level_per_sample(seed):
    """Every start in a block, lengths shorter than a block, whole blocks and ragged ends."""
    rng = np.random.default_rng(seed)
    block = int(rng.choice([1, 4, 25, 100]))
    skip = int(rng.integers(0, block))
    level = rng.random(12)
    per_sample = np.repeat(level, block)[skip:]
    lv = Levels(level, level, level, level, block, skip)
    for _ in range(20):
        start = int(rng.integers(0, len(per_sample)))
        x = rng.random(int(rng.integers(0, len(per_sample) - start + 1)))
        tie = rng.random(len(x)) < 0.2  # equal to the level: not over it
        x[tie] = per_sample[start:start + len(x)][tie]
        np.testing.assert_array_equal(lv.over(x, level, start), x > per_sample[start:start + len(x)])
        k = np.arange(start, start + len(x))
        np.testing.assert_array_equal(lv.at(level, k), per_sample[k])


@pytest.mark.parametrize("p", [0.0, 0.01, 0.5, 0.99, 1.0])
def test_runs_of_a_mask_equal_a_loop(p):
    rng = np.random.default_rng(4)
    for n in (0, 1, 2, 257):
        mask = rng.random(n) < p
        starts, ends = _runs(mask)
        want = [(i, j) for i in range(n) if mask[i] and (i == 0 or not mask[i - 1])
                for j in [next((k for k in range(i, n) if not mask[k]), n)]]
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == want


def test_nan_row_medians_equal_numpys_to_the_bit():
    """The young noise floors (fewer than a window of block medians, NaN-padded)."""
    rng = np.random.default_rng(1)
    for width in (1, 2, 7, 30):
        x = rng.random((200, width))
        x[rng.random(x.shape) < 0.4] = np.nan
        x[:, -1] = rng.random(200)  # every row holds a number
        assert np.array_equal(_nan_row_medians(x), np.nanmedian(x, axis=1))


def test_a_bridge_is_a_line_at_the_nominal_rate_and_a_jerk_reaching_into_one_is_lost():
    t, a, count = bridge(np.r_[1_000_000_000], np.float32([[0, 0, 1]]), np.r_[1_100_000_000],
                         np.float32([[0.5, 0, 1]]), 50.0)
    assert t.tolist() == [1_020_000_000, 1_040_000_000, 1_060_000_000, 1_080_000_000]
    np.testing.assert_allclose(a[:, 0], [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
    assert a.dtype == np.float32 and (a[:, 2] == 1).all() and count.tolist() == [4]
    kind = np.array(["jerk", "jerk", "movement", "jerk"], object)
    reason = np.array(["", "", "slow", ""], object)
    gaps = np.array([[100, 200], [500, 600]], np.int64)  # real samples either side, ns
    lost_on_radio(kind, reason, np.array([50, 150, 150, 600]), np.array([100, 170, 170, 650]), gaps)
    assert kind.tolist() == ["jerk", "artefact", "movement", "jerk"]  # touching is not reaching
    assert reason.tolist() == ["", LOST_REASON, "slow", ""]


def test_gaps_bridged_together_are_each_gap_bridged_alone():
    rng = np.random.default_rng(3)
    t_prev = np.cumsum(rng.integers(10**8, 10**9, 30))
    t_next = t_prev + rng.integers(1, 3 * 10**8, 30)  # some too short for a sample
    a_prev, a_next = rng.normal(size=(30, 3)).astype(np.float32), rng.normal(size=(30, 3)).astype(np.float32)
    t, a, count = bridge(t_prev, a_prev, t_next, a_next, 25.0)
    alone = [bridge(t_prev[i:i + 1], a_prev[i:i + 1], t_next[i:i + 1], a_next[i:i + 1], 25.0)
             for i in range(30)]
    assert count.tolist() == [len(x[0]) for x in alone] and 0 in count.tolist()
    np.testing.assert_array_equal(t, np.concatenate([x[0] for x in alone]))
    np.testing.assert_array_equal(a, np.concatenate([x[1] for x in alone]))
    assert ((t > np.repeat(t_prev, count)) & (t < np.repeat(t_next, count))).all()


@pytest.mark.parametrize("n", [0, 1, 2, 24, 25, 26, 51, 400])
@pytest.mark.parametrize("width", [1, 3, 25, 51])
def test_moving_mean_equals_the_mean_of_each_window_shrunk_at_the_edges(n, width):
    x = np.random.default_rng(n + width).normal(size=(n, 3)).astype(np.float32).T  # strided rows
    out = moving_mean(x, width)
    assert out.shape == (3, n) and out.dtype == np.float64
    h = width // 2
    for i in range(n):
        want = x[:, max(i - h, 0):min(i + h + 1, n)].astype(np.float64).mean(axis=1)
        np.testing.assert_allclose(out[:, i], want, rtol=1e-12, atol=1e-12)


def test_joined_pieces_read_as_their_concatenation():
    rng = np.random.default_rng(3)
    parts = [rng.normal(size=(m, 3)).astype(np.float32) for m in (5, 1, 17, 3, 40)]
    whole, joined = np.concatenate(parts), Joined(parts)
    assert len(joined) == len(whole) == 66
    for a in range(0, 67, 3):
        for b in (a, a + 1, a + 7, a + 30, 80):
            np.testing.assert_array_equal(joined[a:b], whole[a:b])
    np.testing.assert_array_equal(joined[:], whole)
    idx = rng.integers(0, len(whole), 50)
    np.testing.assert_array_equal(joined[idx], whole[idx])
    with pytest.raises(IndexError):
        joined[::2]
