"""Values and gradients against PyTorch (skipped, visibly, when torch is not installed).

conv1d_transpose is compared with ``torch.nn.functional.conv_transpose1d`` through the Keras -> torch mapping
(docs/conv1d_transpose_math.md, "Mapping to PyTorch"), derived here again from the reference window
(``ref_transpose_window``), not from the code under test; conv1d with ``torch.nn.functional.conv1d`` on an
explicitly padded input. All in float64, numpy backend.
"""

import itertools

import numpy as np
import pytest
from reference_conv import ref_conv_padding, ref_transpose_window

import tinygradconv as tg
from tinygradconv.ops.conv import conv1d, conv1d_transpose
from tinygradconv.ops.conv_arithmetic import torch_conv_transpose_args

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny problems: threads only add overhead (and the CI machine has two cores)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _grid():
    for length, k, s, d, padding in itertools.product(range(1, 8), range(1, 6), range(1, 5), range(1, 4),
                                                      ("valid", "same")):
        for op in [None, *range(s)]:
            yield length, k, s, d, padding, op


def _torch_mapping(length, k, s, d, padding, op):
    """(torch padding, torch output_padding, drop_right) from the reference's crops (docs/conv1d_transpose_math.md,
    "Mapping to PyTorch")."""
    c_left, c_right, _, _ = ref_transpose_window(length, k, s, padding, op, d)
    total = c_left + c_right
    if total <= 0:
        return 0, -total, 0
    if total % 2 == 0:
        return total // 2, 0, 0
    return c_left, 0, 1


def _ours(fn, x, w, b, **kwargs):
    tx, tw, tb = (tg.Tensor(a, dtype="float64", requires_grad=True) for a in (x, w, b))
    y = fn(tx, tw, tb, **kwargs)
    return y, (tx, tw, tb)


def _torch_leaves(x, w, b):
    """``x``, ``w``, ``b`` as torch leaves in torch's layouts: ``(N, C, L)`` and the kernel's axes reversed."""
    return (torch.tensor(x.transpose(0, 2, 1), requires_grad=True),
            torch.tensor(w.transpose(2, 1, 0), requires_grad=True),
            torch.tensor(b, requires_grad=True))


def _agrees_with_torch(y, ours, yt, theirs, rng):
    """Whether our output ``y`` and the gradients of ``ours = (x, w, b)`` equal torch's ``yt`` and the gradients of
    ``theirs`` (in torch's layouts), the gradients those of one random output cotangent."""
    (tx, tw, tb), (xt, wt, bt) = ours, theirs
    v = rng.standard_normal(y.shape)
    (y * tg.Tensor(v, dtype="float64")).sum().backward()
    (yt * torch.tensor(v.transpose(0, 2, 1))).sum().backward()
    pairs = [(y.numpy(), yt.detach().numpy().transpose(0, 2, 1)),
             (tx.grad.numpy(), xt.grad.numpy().transpose(0, 2, 1)),
             (tw.grad.numpy(), wt.grad.numpy().transpose(2, 1, 0)),
             (tb.grad.numpy(), bt.grad.numpy())]
    return all(a.shape == e.shape and np.allclose(a, e, rtol=1e-10, atol=1e-10) for a, e in pairs)


def test_conv1d_transpose_matches_torch_on_the_grid():
    rng = np.random.default_rng(0)
    failures, compared, empty = [], 0, 0
    for length, k, s, d, padding, op in _grid():
        t_pad, t_op, drop = _torch_mapping(length, k, s, d, padding, op)
        assert torch_conv_transpose_args(k, s, padding, op, d) == (t_pad, t_op, drop)
        x, w, b = rng.standard_normal((2, length, 3)), rng.standard_normal((k, 2, 3)), rng.standard_normal(2)
        y, (tx, tw, tb) = _ours(conv1d_transpose, x, w, b, strides=s, padding=padding, output_padding=op,
                                dilation_rate=d)
        if y.shape[1] == 0:            # torch refuses empty outputs ("Output size is too small")
            empty += 1
            continue
        xt, wt, bt = _torch_leaves(x, w, b)     # kernel (k, out, in) -> (in, out, k), no flip
        yt = F.conv_transpose1d(xt, wt, bt, stride=s, padding=t_pad, output_padding=t_op, dilation=d)
        if drop:
            yt = yt[..., :-drop]
        compared += 1
        if not _agrees_with_torch(y, (tx, tw, tb), yt, (xt, wt, bt), rng):
            failures.append((length, k, s, d, padding, op))
    # N = 0 exactly for L = 1, "same", output_padding=0, even k_eff: k in {2, 4}, d in {1, 3}, any of the 4 strides
    assert compared + empty == 2940 and empty == 16
    assert not failures, f"{len(failures)} configs differ from torch, e.g. {failures[:5]}"


@pytest.mark.parametrize(
    "x_shape, w_shape, bias, stride, padding, output_padding, dilation",
    [
        # torch OpInfo sample_inputs_conv_transpose1d and common_nn module tests (groups == 1 ones)
        ((1, 3, 4), (3, 3, 3), True, 2, 2, 1, 1),
        ((1, 1, 4), (1, 1, 4), True, 2, 1, 1, 2),
        ((1, 1, 4), (1, 2, 3), False, 2, 1, 1, 1),
        ((1, 4, 5), (4, 8, 3), False, 1, 0, 0, 1),
        ((1, 3, 7), (3, 4, 3), True, 3, 1, 1, 1),
        ((1, 3, 6), (3, 4, 3), False, 2, 1, 1, 1),
        ((1, 3, 6), (3, 4, 3), True, 2, 1, 1, 2),
        ((2, 4, 3), (4, 5, 3), True, 1, 0, 0, 1),
    ],
)
def test_torch_suite_cases(x_shape, w_shape, bias, stride, padding, output_padding, dilation):
    """Torch's symmetric ``padding=p`` is our ``"valid"`` output (with ``output_padding``) cropped by ``p`` on both
    sides."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)       # torch layouts (N, C, L), (in, out, k)
    b = rng.standard_normal(w_shape[1]) if bias else None
    yt = F.conv_transpose1d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b), stride=stride,
                            padding=padding, output_padding=output_padding, dilation=dilation).numpy()
    y = conv1d_transpose(x, w.transpose(2, 1, 0), b, strides=stride, padding="valid", output_padding=output_padding,
                         dilation_rate=dilation, data_format="channels_first").numpy()
    np.testing.assert_allclose(y[..., padding:y.shape[-1] - padding], yt, rtol=1e-12, atol=1e-12)


def test_conv1d_matches_torch_on_the_grid():
    rng = np.random.default_rng(2)
    failures, count = [], 0
    grid = itertools.product(range(1, 9), range(1, 6), range(1, 5), range(1, 4), ("valid", "same", "causal"), (1, 2))
    for length, k, s, d, padding, groups in grid:
        left, right = ref_conv_padding(length, k, s, padding, d)
        if left + length + right < (k - 1) * d + 1:
            continue                   # empty output: torch raises
        x, w, b = rng.standard_normal((2, length, 4)), rng.standard_normal((k, 4 // groups, 6)), rng.standard_normal(6)
        y, (tx, tw, tb) = _ours(conv1d, x, w, b, strides=s, padding=padding, dilation_rate=d, groups=groups)
        xt, wt, bt = _torch_leaves(x, w, b)     # kernel (k, in/g, out) -> (out, in/g, k)
        yt = F.conv1d(F.pad(xt, (left, right)), wt, bt, stride=s, dilation=d, groups=groups)
        count += 1
        if not _agrees_with_torch(y, (tx, tw, tb), yt, (xt, wt, bt), rng):
            failures.append((length, k, s, d, padding, groups))
    # every config except the "valid" ones whose signal is shorter than the dilated kernel
    short = sum(1 for length, k, d in itertools.product(range(1, 9), range(1, 6), range(1, 4))
                if length < (k - 1) * d + 1)
    assert count == 2880 - short * 4 * 2           # x 4 strides x 2 groups
    assert not failures, f"{len(failures)} of {count} configs differ from torch, e.g. {failures[:5]}"


@pytest.mark.parametrize("length, k, s", [(1, 2, 1), (1, 4, 3), (1, 4, 2)])
@pytest.mark.parametrize("special", ["inf in the kernel", "nan in the input", "finite"])
def test_an_empty_transposed_output_keeps_its_cropped_steps_as_zeros_of_dy(length, k, s, special):
    """With "same" and ``output_padding=0`` these outputs have length 0: every step of the full output is cropped.
    Torch crops after computing, so the gradients are sums of ``0 * W`` and ``0 * x``, NaN where those meet inf or
    NaN; ours skipped the empty output and gave 0 (found by a tester). Torch's reference: the full output, then an
    empty window."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, length, 2)), rng.standard_normal((k, 3, 2))
    if special == "inf in the kernel":
        w[1, 0, 1] = np.inf
    elif special == "nan in the input":
        x[1, 0, 0] = np.nan
    tx, tw = (tg.Tensor(a, dtype="float64", requires_grad=True) for a in (x, w))
    y = conv1d_transpose(tx, tw, strides=s, padding="same", output_padding=0)
    assert y.shape == (2, 0, 3)
    y.sum().backward()
    xt, wt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True), torch.tensor(w.transpose(2, 1, 0),
                                                                                  requires_grad=True)
    F.conv_transpose1d(xt, wt, stride=s)[:, :, :0].sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), xt.grad.numpy().transpose(0, 2, 1))
    np.testing.assert_array_equal(tw.grad.numpy(), wt.grad.numpy().transpose(2, 1, 0))


@pytest.mark.parametrize("x_shape, raises", [((2, 3, 0), True), ((0, 3, 0), False), ((2, 3, 4), False)])
def test_zero_steps_raise_where_torch_raises(x_shape, raises):
    """conv_transpose1d of 0 steps: torch refuses it unless the batch is empty ("Only zero batch or zero channel
    inputs are supported"), and so do we, with a ValueError."""
    w = np.ones((3, 4, 2))                                       # torch (C_in, F, k); ours (k, F, C_in) below
    x = np.ones(x_shape)
    if raises:
        with pytest.raises(RuntimeError, match="Only zero batch or zero channel"):
            F.conv_transpose1d(torch.tensor(x), torch.tensor(w))
        with pytest.raises(ValueError, match="0 steps"):
            conv1d_transpose(x, w.transpose(2, 1, 0), data_format="channels_first")
    else:
        expected = F.conv_transpose1d(torch.tensor(x), torch.tensor(w)).numpy()
        got = conv1d_transpose(x, w.transpose(2, 1, 0), data_format="channels_first").numpy()
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-13)
