import numpy as np
import pytest

from pose_core.errors import PoseLabError
from pose_core.filters import (
    FILTERS,
    OneEuroFilter,
    butterworth,
    fill_gaps,
    hampel,
    one_euro,
    savgol,
    smooth,
)
from pose_core.settings import FILTER_NAMES, Settings
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


def _noisy_walk(frames: int = 90, noise_px: float = 2.0, seed: int = 3):
    clean = _walking(frames)
    rng = np.random.default_rng(seed)
    noisy = clean.with_steps("noise", xyz=clean.xyz.copy(), world=clean.world.copy())
    noisy.xyz[..., :2] += rng.normal(0, noise_px / 1000, noisy.xyz[..., :2].shape)
    return clean, noisy


@pytest.mark.parametrize(
    ("name", "step", "jitter_left"),
    [
        ("butterworth", "butterworth(order=4, cutoff_hz=6.0)", 0.2),
        ("savgol", "savgol(window_frames=7, polyorder=2)", 0.3),  # 0.2 s at 30 fps: 7 frames
        ("median", "median(window_frames=7)", 0.6),  # made for outliers more than for noise
    ],
)
def test_offline_filters_cut_jitter_keep_uniform_motion_and_record_themselves(
    name, step, jitter_left
):
    clean, noisy = _noisy_walk()
    out = smooth(noisy, Settings(filter=name))
    assert out.history[-1] == step
    jitter = np.abs(np.diff(out.xy_px, n=2, axis=0)).mean()
    assert jitter < jitter_left * np.abs(np.diff(noisy.xy_px, n=2, axis=0)).mean()
    exact = smooth(clean, Settings(filter=name))  # linear motion passes unchanged: no lag
    np.testing.assert_allclose(exact.xy_px[5:-5], clean.xy_px[5:-5], atol=0.05)


def test_savgol_is_exact_on_uniform_motion_up_to_the_ends():
    clean = _walking(30)
    np.testing.assert_allclose(savgol(clean, 0.2).xy_px, clean.xy_px, atol=1e-3)


def test_filters_never_smooth_across_a_gap():
    seq = _walking(60)
    seq.xyz[20:40] = np.nan  # 0.67 s: longer than the gap filling's 0.25 s
    seq.xyz[40:, 0, :, 0] += 0.3  # the person comes back 300 px further
    for name in ("butterworth", "savgol", "median"):
        out = smooth(seq, Settings(filter=name))
        assert np.isnan(out.xyz[20:40]).all()
        np.testing.assert_allclose(out.xy_px[42:-3], seq.xy_px[42:-3], atol=0.05, err_msg=name)


def test_hampel_replaces_a_spike_and_leaves_the_rest():
    seq = _walking(30)
    spiky = seq.with_steps("spike", xyz=seq.xyz.copy(), world=seq.world.copy())
    spiky.xyz[12, 0, 15, 0] += 0.2  # the left wrist jumps 200 px for one frame
    out = hampel(spiky)
    # The spike becomes its window's median: within one frame's motion (5 px) of the truth.
    assert abs(out.xy_px[12, 0, 15, 0] - seq.xy_px[12, 0, 15, 0]) <= 5.0 + 1e-3
    np.testing.assert_allclose(
        np.delete(out.xy_px, 12, axis=0), np.delete(seq.xy_px, 12, axis=0), atol=1e-3
    )
    assert out.history[-1] == "hampel(half_window_frames=3, sigmas=3.0)"
    assert smooth(spiky, Settings(hampel=True, filter="none")).history[-2].startswith("hampel")


def test_filled_frames_are_flagged_whatever_the_filter():
    seq = _walking(30)
    seq.xyz[10:13] = np.nan
    for name in FILTERS:
        out = smooth(seq, Settings(filter=name))
        assert out.filled is not None and out.filled[:, 0].tolist() == [
            10 <= f < 13 for f in range(30)
        ]


def test_a_butterworth_cut_off_above_half_the_frame_rate_is_one_clear_error():
    with pytest.raises(
        PoseLabError, match=r"cut-off \(20 Hz\) must be below half the frame rate \(15.0 Hz\)"
    ):
        butterworth(_walking(30), 20.0)


def test_the_filter_names_are_the_settings_choices():
    assert tuple(FILTERS) == FILTER_NAMES
