"""PyTorch porting findings of a reviewer (s47, f17): pad's one-pair rule against Keras on its torch backend, the
convolutions' hints for torch's no-op keyword values, Tensor.logsumexp, torch's tensor sizes in narrow/unflatten
and sub's alpha. The references are torch and Keras (KERAS_BACKEND=torch) run here."""
import os

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")
F = torch.nn.functional


# ---------------------------------------------------------------------------------------------------------- pad
def test_one_pair_pads_every_axis_as_numpy_where_keras_on_torch_pads_the_last_axis():
    """The docstring's claim: NumPy's rule (which Keras documents) here; Keras 3.15 on torch pads the last axis."""
    if os.environ.get("KERAS_BACKEND", "torch") != "torch":
        pytest.skip("the Keras comparison is for its torch backend (KERAS_BACKEND=torch)")
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    x = np.ones((2, 3, 4))
    assert tuple(tg.ops.pad(tg.tensor(x), (1, 2)).shape) == np.pad(x, (1, 2)).shape == (5, 6, 7)
    assert tuple(keras.ops.pad(x, (1, 2)).shape) == (2, 3, 7) == tuple(F.pad(torch.tensor(x), (1, 2)).shape)
    # one pair per axis: the same result everywhere
    widths = ((1, 0), (0, 0), (0, 2))
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor(x), widths).numpy(),
                                  keras.ops.pad(x, widths).cpu().numpy())


# ----------------------------------------------------------------------------------- the conv keywords' no-ops
def test_conv1d_padding_mode_zeros_says_drop_the_argument():
    x, w = np.ones((1, 8, 2), "float32"), np.ones((3, 2, 4), "float32")
    with pytest.raises(TypeError, match=r"^conv1d\(\) got an unexpected keyword argument 'padding_mode': drop the "
                                        r"argument: zero padding is what this op does \(padding_mode is an argument "
                                        r"of torch\.nn\.Conv1d, not of F\.conv1d\)$"):
        tg.ops.conv1d(x, w, padding_mode="zeros")
    with pytest.raises(TypeError):                         # torch's F.conv1d has no padding_mode either
        F.conv1d(torch.ones(1, 2, 8), torch.ones(4, 2, 3), padding_mode="zeros")
    with pytest.raises(TypeError, match=r"only zero padding is supported.*torch\.nn\.Conv1d, not of F\.conv1d.*"
                                        r"tg\.ops\.pad"):
        tg.ops.conv1d(x, w, padding_mode="reflect")


def test_conv1d_transpose_groups_1_says_drop_it():
    x, w = np.ones((1, 8, 4), "float32"), np.ones((3, 2, 4), "float32")
    with pytest.raises(TypeError, match=r"^conv1d_transpose\(\) got an unexpected keyword argument 'groups': drop "
                                        r"groups=1"):
        tg.ops.conv1d_transpose(x, w, groups=1)
    with pytest.raises(TypeError, match=r"'groups': conv1d_transpose has no groups.*groups=True.*tg\.ops\.split"):
        tg.ops.conv1d_transpose(x, w, groups=True)         # not the plain 1: the long hint
    with pytest.raises(TypeError, match=r"'padding_mode': drop the argument"):
        tg.ops.conv1d_transpose(x, w, padding_mode="zeros")
