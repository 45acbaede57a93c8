import numpy as np
import pytest

from pose_core.filters import OneEuroFilter, fill_gaps, one_euro
from tests.synthetic import sequence, standing_xy


def _walking(frames: int = 30, speed_px: float = 5.0):
    """Uniform linear motion to the image right, `speed_px` pixels per frame."""
    base = standing_xy()
    shift = np.arange(frames)[:, None, None] * np.array([speed_px / 1000.0, 0.0])
    return sequence(base[None] + shift)


def test_one_euro_keeps_a_constant_signal_and_reduces_jitter():
    rng = np.random.default_rng(1)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    const = [f(np.full(4, 0.5), t / 30) for t in range(60)]
    np.testing.assert_allclose(const, 0.5)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    noisy = 0.5 + rng.normal(0, 0.01, size=(300, 4))
    out = np.array([f(x, t / 30) for t, x in enumerate(noisy)])
    assert out[30:].std() < noisy[30:].std() / 3


def test_one_euro_restarts_after_a_gap():
    f = OneEuroFilter(min_cutoff=0.5, beta=0.0)
    for t in range(10):
        f(np.array([0.0]), t / 30)
    assert np.isnan(f(np.array([np.nan]), 10 / 30))[0]
    # A person who reappears elsewhere is shown where they are, not dragged from before.
    assert f(np.array([1.0]), 11 / 30)[0] == pytest.approx(1.0)


def test_one_euro_on_a_sequence_records_history_and_lags_little_on_linear_motion():
    seq = _walking()
    smooth = one_euro(seq, min_cutoff=1.0, beta=10.0)
    assert smooth.history[-1].startswith("one_euro")
    lag_px = np.abs(smooth.xy_px - seq.xy_px)[10:].max()
    assert lag_px < 20  # at 150 px/s


def test_fill_gaps_interpolates_short_gaps_exactly_and_leaves_long_ones():
    seq = _walking(30)
    holed = seq.with_steps(
        "holes",
        xyz=seq.xyz.copy(),
        world=seq.world.copy(),
        visibility=seq.visibility.copy(),
        presence=seq.presence.copy(),
    )
    holed.xyz[5:8] = np.nan  # 3 frames = 0.1 s: filled
    holed.xyz[15:27] = np.nan  # 12 frames = 0.4 s: kept missing
    holed.visibility[4] = 0.5
    holed.visibility[5:8] = holed.presence[5:8] = np.nan
    filled = fill_gaps(holed, max_gap_s=0.25)
    np.testing.assert_allclose(filled.xyz[5:8], seq.xyz[5:8], atol=1e-6)
    assert np.isnan(filled.xyz[15:27]).all()
    np.testing.assert_allclose(filled.visibility[5:8, 0], 0.5)  # the lower end's
    assert filled.history[-1] == "fill_gaps(max_gap_s=0.25)"


def test_fill_gaps_never_extrapolates():
    seq = _walking(10)
    seq.xyz[:3] = np.nan
    seq.xyz[8:] = np.nan
    out = fill_gaps(seq, 10.0)
    assert np.isnan(out.xyz[:3]).all() and np.isnan(out.xyz[8:]).all()
