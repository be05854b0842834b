"""Synthetic data sets: shapes, dtypes, seeding, and the properties each one promises."""
import numpy as np
import pytest
from reference_conv import ref_conv1d_transpose

import tinygradconv as tg
from tinygradconv import datasets


def test_sinusoids_shape_dtype_and_bound():
    x = datasets.sinusoids(5, steps=40, channels=3, seed=0)
    assert x.shape == (5, 40, 3) and x.dtype == np.float32
    assert np.abs(x).max() <= 1.0 + 1e-6  # amplitudes sum to 1
    assert np.all(x.std(axis=1) > 0.05)    # not flat


def test_sinusoids_are_sums_of_sinusoids_within_the_frequency_range():
    steps = 256
    x = datasets.sinusoids(20, steps=steps, components=2, frequency_range=(3.0, 6.0), seed=3)
    # A Hann window limits the leakage of non-integer frequencies to about 2 bins on each side of [3, 6].
    power = np.abs(np.fft.rfft(x[:, :, 0] * np.hanning(steps), axis=1)) ** 2
    near = power[:, 1:9].sum(axis=1)
    assert np.all(near / power.sum(axis=1) > 0.999)


def test_sinusoids_single_component_is_one_sinusoid():
    # A single sinusoid satisfies x[t+1] + x[t-1] = 2 cos(w) x[t] with one w for the whole signal.
    x = datasets.sinusoids(3, steps=64, components=1, frequency_range=(2.0, 5.0), seed=1)[:, :, 0].astype(float)
    for row in x:
        ratio = (row[2:] + row[:-2])[np.abs(row[1:-1]) > 0.3] / row[1:-1][np.abs(row[1:-1]) > 0.3]
        assert np.ptp(ratio) < 1e-4
        w = np.arccos(ratio.mean() / 2)
        assert 2.0 - 1e-3 <= w * 64 / (2 * np.pi) <= 5.0 + 1e-3


def test_seeding_is_repeatable_and_seeds_differ():
    a = datasets.sinusoids(4, steps=16, seed=7)
    b = datasets.sinusoids(4, steps=16, seed=7)
    c = datasets.sinusoids(4, steps=16, seed=8)
    assert np.array_equal(a, b) and not np.allclose(a, c)
    tg.random.set_seed(5)
    d = datasets.noisy_pairs(4, steps=16)
    tg.random.set_seed(5)
    e = datasets.noisy_pairs(4, steps=16)
    assert np.array_equal(d[0], e[0]) and np.array_equal(d[1], e[1])


def test_noisy_pairs_add_noise_of_the_stated_std():
    noisy, clean = datasets.noisy_pairs(64, steps=128, channels=2, noise=0.25, seed=0)
    assert noisy.shape == clean.shape == (64, 128, 2)
    assert noisy.dtype == clean.dtype == np.float32
    residual = noisy - clean
    assert abs(residual.std() - 0.25) < 0.01 and abs(residual.mean()) < 0.01
    assert np.abs(clean).max() <= 1.0 + 1e-6


def test_resolution_pairs_decimate_then_add_noise():
    low, high = datasets.resolution_pairs(32, steps=64, factor=4, noise=0.0, seed=2)
    assert low.shape == (32, 16, 1) and high.shape == (32, 64, 1)
    assert low.dtype == high.dtype == np.float32
    np.testing.assert_array_equal(low, high[:, ::4, :])
    low_n, high_n = datasets.resolution_pairs(32, steps=64, factor=4, noise=0.1, seed=2)
    np.testing.assert_array_equal(high_n, high)  # the clean target does not depend on the noise level
    assert abs((low_n - high[:, ::4]).std() - 0.1) < 0.01


def test_resolution_pairs_are_smooth_enough_for_linear_interpolation():
    # The default band limit keeps the signal well below the low-resolution Nyquist frequency.
    low, high = datasets.resolution_pairs(16, steps=128, factor=4, noise=0.0, seed=0)
    t_high = np.arange(128)
    t_low = t_high[::4]
    interp = np.stack([np.interp(t_high, t_low, row) for row in low[:, :, 0]])
    assert np.mean((interp[:, :-4] - high[:, :-4, 0]) ** 2) < 0.01 * np.mean(high ** 2)


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 4, "strides": 2, "padding": "same"},
    {"kernel_size": 3, "strides": 2, "padding": "valid"},
    {"kernel_size": 2, "strides": 3, "padding": "valid"},       # output longer than the full convolution
    {"kernel_size": 5, "strides": 1, "padding": "same"},
    {"kernel_size": 3, "strides": 4, "padding": "same"},
    {"kernel_size": 3, "strides": 2, "padding": "same", "dilation_rate": 2},
])
def test_hidden_kernel_matches_the_naive_transposed_convolution(kwargs):
    data = datasets.hidden_kernel(3, steps=7, in_channels=2, filters=3, seed=4, **kwargs)
    assert data.x.dtype == data.y.dtype == data.kernel.dtype == data.bias.dtype == np.float32
    assert data.kernel.shape == (kwargs["kernel_size"], 3, 2) and data.bias.shape == (3,)
    expected = ref_conv1d_transpose(data.x.astype(float), data.kernel.astype(float), data.bias.astype(float),
                                    strides=kwargs["strides"], padding=kwargs["padding"],
                                    dilation_rate=kwargs.get("dilation_rate", 1))
    assert data.y.shape == expected.shape
    np.testing.assert_allclose(data.y, expected, rtol=1e-5, atol=1e-5)


def test_hidden_kernel_noise():
    clean = datasets.hidden_kernel(50, steps=20, seed=1)
    noisy = datasets.hidden_kernel(50, steps=20, noise=0.2, seed=1)
    np.testing.assert_array_equal(clean.kernel, noisy.kernel)
    assert abs((noisy.y - clean.y).std() - 0.2) < 0.02


def test_train_test_split_keeps_pairs_together():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, test_fraction=0.3, seed=0)
    assert len(x_train) == len(y_train) == 7 and len(x_test) == len(y_test) == 3
    np.testing.assert_array_equal(x_train[:, 0] * 5, y_train)
    np.testing.assert_array_equal(x_test[:, 0] * 5, y_test)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == y.tolist()


@pytest.mark.parametrize("call, argument", [
    (lambda: datasets.sinusoids(0.5), "n"),
    (lambda: datasets.sinusoids(2, steps=0), "steps"),
    (lambda: datasets.sinusoids(2, noise=-1), "noise"),
    (lambda: datasets.sinusoids(2, frequency_range=(5, 1)), "frequency_range"),
    (lambda: datasets.sinusoids(2, frequency_range="ab"), "frequency_range"),
    (lambda: datasets.sinusoids(2, seed=-3), "seed"),
    (lambda: datasets.resolution_pairs(2, steps=10, factor=4), "steps"),
    (lambda: datasets.resolution_pairs(2, factor=0), "factor"),
    (lambda: datasets.hidden_kernel(2, strides=0), "strides"),
    (lambda: datasets.hidden_kernel(2, padding="causal"), "padding"),
    (lambda: datasets.train_test_split(np.ones(3), test_fraction=1.0), "test_fraction"),
])
def test_invalid_arguments_raise_clear_errors(call, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call()


def test_train_test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        datasets.train_test_split(np.ones(3), np.ones(4))
