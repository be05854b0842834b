"""``conv1d_transpose(..., padding=(left, right))``: PyTorch's cropping ``padding`` for the op (a tester porting the
usual upsampling block ``ConvTranspose1d(16, 8, 3, stride=2, padding=1, output_padding=1)`` found no Keras padding
that gives it), against ``torch.nn.functional.conv_transpose1d``, values and gradients."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

CASES = [  # (L, C_in, filters, k, strides, padding p, output_padding, dilation)
    (8, 16, 8, 3, 2, 1, 1, 1), (5, 3, 4, 4, 3, 2, 0, 1), (6, 2, 3, 3, 1, 1, 0, 2), (4, 2, 2, 5, 2, 3, 1, 1),
    (7, 4, 4, 1, 1, 0, 0, 1), (3, 2, 2, 3, 2, 2, 1, 2)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_symmetric_crops_are_pytorchs_padding(case, data_format):
    length, c_in, filters, k, s, p, op, d = case
    rng = np.random.default_rng(sum(case))
    x, w = rng.standard_normal((2, length, c_in)), rng.standard_normal((k, filters, c_in))
    b = rng.standard_normal(filters)
    ours_x = x if data_format == "channels_last" else x.transpose(0, 2, 1).copy()
    tx, tw, tb = (tg.tensor(a, requires_grad=True) for a in (ours_x, w, b))
    y = tg.ops.conv1d_transpose(tx, tw, tb, strides=s, padding=(p, p), output_padding=op, dilation_rate=d,
                                data_format=data_format)
    rx = torch.tensor(x.transpose(0, 2, 1).copy(), requires_grad=True)
    rw = torch.tensor(w.transpose(2, 1, 0).copy(), requires_grad=True)
    rb = torch.tensor(b, requires_grad=True)
    ry = torch.nn.functional.conv_transpose1d(rx, rw, rb, stride=s, padding=p, output_padding=op, dilation=d)
    ours_y = y.numpy() if data_format == "channels_first" else y.numpy().transpose(0, 2, 1)
    np.testing.assert_allclose(ours_y, ry.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(ry.shape)
    y.backward(tg.tensor(g if data_format == "channels_first" else g.transpose(0, 2, 1).copy()))
    ry.backward(torch.tensor(g))
    dx = tx.grad.numpy() if data_format == "channels_first" else tx.grad.numpy().transpose(0, 2, 1)
    np.testing.assert_allclose(dx, rx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy().transpose(2, 1, 0), rw.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), rb.grad.numpy(), rtol=1e-10)


def test_lopsided_crops_are_the_full_output_sliced():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 4, 2)), rng.standard_normal((3, 2, 2))
    full = tg.ops.conv1d_transpose(x, w, strides=2, output_padding=1).numpy()     # 'valid' with op: uncropped
    assert full.shape[1] == (4 - 1) * 2 + 3 + 1
    cropped = tg.ops.conv1d_transpose(x, w, strides=2, padding=(0, 3), output_padding=1).numpy()
    np.testing.assert_array_equal(cropped, full[:, :-3])
    cropped = tg.ops.conv1d_transpose(x, w, strides=2, padding=(2, 1)).numpy()       # output_padding None: 0
    np.testing.assert_array_equal(cropped, full[:, 2:-2])


@pytest.mark.parametrize("padding, error, words", [
    (2, TypeError, r"Received padding=2 of type int"), ((1,), ValueError, r"Received padding=\(1,\)"),
    ((1.5, 1), TypeError, r"two integers"), ((-1, 0), ValueError, r"crops must be >= 0"),
    ((20, 20), ValueError, r"crops more than the 7 steps of the full output")])
def test_bad_crops_are_refused_naming_the_argument(padding, error, words):
    with pytest.raises(error, match=rf"argument `padding`.*{words}"):
        tg.ops.conv1d_transpose(np.ones((1, 3, 1)), np.ones((3, 1, 1)), strides=2, padding=padding)


def test_the_layer_keeps_keras_padding_names():
    with pytest.raises((TypeError, ValueError), match="padding"):
        tg.layers.Conv1DTranspose(2, 3, padding=(1, 1))


def test_conv1d_padding_error_says_what_pytorchs_int_is():
    with pytest.raises(TypeError, match=r"PyTorch's padding=2 is \(2, 2\)\)\. Received padding=2 of type int"):
        tg.ops.conv1d(np.ones((1, 5, 1)), np.ones((3, 1, 1)), padding=2)
