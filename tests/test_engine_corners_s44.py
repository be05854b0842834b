"""Engine corners left from the last review, each checked against Keras 3.15 (layers) or PyTorch 2.13 (ops):
normalization of float32 values whose squares overflow, ``selu``'s gradient at NaN, bool operands of ``-`` and
``**``, and the bound on the in-place write record."""
import os

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations
from tinygradconv.layers import BatchNormalization, LayerNormalization


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _same(ours, reference):
    """Equal values (to float32 rounding: Keras sums differently), NaN where the reference has NaN (a zero's
    sign aside)."""
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6, equal_nan=True)


# ------------------------------------------------------------------- 1. normalization where the squares overflow
# float32 rows whose squares overflow (|x| > 1.8e19): Keras' variance mean(x^2) - mean^2 is inf - inf = NaN where
# mean^2 overflows too (rows 1, 2, 5, 6), and inf (so the output is 0) where only mean(x^2) does (rows 0, 4).
# Row 3 is an ordinary one beside them.
OVERFLOWING = np.array([[1e20, -1e20, 3e19],
                        [1e20, 1e20, 1e20],
                        [3e19, 2e19, 1e19],
                        [1.0, 2.0, 4.0],
                        [3e38, -3e38, 0.0],
                        [1e20, 1.0, 2.0],
                        [3e38, 3e38, 3e38]], dtype=np.float32)


@pytest.mark.parametrize("center, scale", [(True, True), (False, False), (True, False)])
def test_batchnorm_training_where_squares_overflow_gives_keras_nan_and_zeros(center, scale):
    keras = _keras()
    x = np.ascontiguousarray(OVERFLOWING.T)             # the rows above as features: statistics over the batch
    ours = BatchNormalization(center=center, scale=scale, beta_initializer="ones")
    theirs = keras.layers.BatchNormalization(center=center, scale=scale, beta_initializer="ones")
    y, expected = ours(x, training=True).numpy(), keras.ops.convert_to_numpy(theirs(x, training=True))
    assert np.isnan(expected).any() and (expected[:, 0] == (1.0 if center else 0.0)).all()   # the reference's NaN
    _same(y, expected)
    _same(ours.moving_variance.numpy(), keras.ops.convert_to_numpy(theirs.moving_variance))


@pytest.mark.parametrize("center, scale", [(True, True), (False, False), (False, True)])
def test_layernorm_where_squares_overflow_gives_keras_nan_and_zeros(center, scale):
    keras = _keras()
    # axis=[0, 2] of shape (1, 7, 3): Keras' ops.moments path (every backend); axis=-1: Keras on torch calls
    # torch's layer_norm kernel, which agrees except on [3e38, -3e38, 0] (NaN there, 0 from ops.moments)
    x = OVERFLOWING[None]
    ours = LayerNormalization(axis=[0, 2], center=center, scale=scale)(x).numpy()
    expected = keras.ops.convert_to_numpy(
        keras.layers.LayerNormalization(axis=[0, 2], center=center, scale=scale)(x))
    assert np.isnan(expected[0, [1, 2, 5, 6]]).all() and (expected[0, [0, 4]] == 0).all()
    _same(ours, expected)


@pytest.mark.parametrize("center, scale", [(True, True), (False, False)])
def test_layernorm_over_the_last_axis_is_torchs_wherever_torchs_is_finite(center, scale):
    """Over consecutive axes Keras on torch calls ``torch.nn.functional.layer_norm``, not ``ops.moments``: finite
    where the sum of the squares overflows (a reviewer: ``1e19 * (1 + 0.01 * arange(10))`` normalized to zeros when
    the moments' overflow was copied here too), and, since session 45, NaN where torch's kernel is
    (``[3e19, 2e19, 1e19]``, normalized to ``[1.22, 0, -1.22]`` before: tests/test_normalization_keras_s45.py)."""
    keras = _keras()
    wide = (1e19 * (1 + 0.01 * np.arange(10))).astype(np.float32)[None]
    for rows in (OVERFLOWING, wide):
        ours = LayerNormalization(center=center, scale=scale)(rows).numpy()
        expected = keras.ops.convert_to_numpy(keras.layers.LayerNormalization(center=center, scale=scale)(rows))
        finite = np.isfinite(expected).all(axis=-1)
        assert finite.any()
        np.testing.assert_allclose(ours[finite], expected[finite], rtol=2e-5, atol=2e-5)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(expected))
    assert np.isnan(keras.ops.convert_to_numpy(keras.layers.LayerNormalization()(OVERFLOWING[2:3]))).all()
    assert np.isnan(LayerNormalization()(OVERFLOWING[2:3]).numpy()).all()


def test_layernorm_float64_overflow_follows_keras_moments():
    """float64 overflows beyond 1.3e154; Keras' variance there is that of ``keras.ops.moments``."""
    keras = _keras()
    x = np.array([[1e155, -1e155, 3e154], [1e160, 1.0, 2.0], [1e150, -1e150, 3e149]])
    _, variance = keras.ops.moments(keras.ops.convert_to_tensor(x), axes=[1])
    variance = keras.ops.convert_to_numpy(variance)
    assert np.isinf(variance[0]) and np.isnan(variance[1]) and np.isfinite(variance[2])
    # over axes that are not consecutive (axis=[0, 2] of shape (1, 3, 3): each row), as Keras on every backend
    y = LayerNormalization(axis=[0, 2], dtype="float64")(x[None]).numpy()[0]
    assert (y[0] == 0).all() and np.isnan(y[1]).all()
    centered = x[2] - x[2].mean()                           # the ordinary row keeps the two-pass formula
    np.testing.assert_allclose(y[2], centered / np.sqrt((centered ** 2).mean() + 1e-3), rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normalization_of_ordinary_inputs_keeps_its_digits(dtype):
    """Values near 1e4 with a spread of 1: Keras' one-pass variance cancels there, the two-pass one does not;
    checked against torch's layer_norm and batch_norm in float64 (their statistics are exact there)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = (1e4 + rng.standard_normal((8, 16))).astype(dtype)
    reference = torch.nn.functional.layer_norm(torch.tensor(x, dtype=torch.float64), (16,), eps=1e-3).numpy()
    np.testing.assert_allclose(LayerNormalization(dtype=dtype)(x).numpy(), reference,
                               rtol=0, atol=3e-3 if dtype == "float32" else 1e-11)
    reference = torch.nn.functional.batch_norm(torch.tensor(x, dtype=torch.float64), None, None, training=True,
                                               eps=1e-3).numpy()
    np.testing.assert_allclose(BatchNormalization(dtype=dtype)(x, training=True).numpy(), reference,
                               rtol=0, atol=3e-3 if dtype == "float32" else 1e-11)


# ------------------------------------------------------------------------------- 2. selu's gradient at NaN, 0, -0
@pytest.mark.parametrize("dtype, block", [("float32", 32), ("float64", 16)])
def test_selu_gradient_at_nan_zero_and_minus_zero_against_torch(dtype, block):
    """At 0 and -0.0, torch's gradient (the left branch, scale * alpha). At NaN, NaN: what torch's vectorised
    kernel gives each element of a full block; its scalar kernel (a lone NaN, the tail of a tensor) gives scale."""
    torch = pytest.importorskip("torch")
    values = [0.0, -0.0] * (block // 2) + [np.nan] * block + [np.nan]       # the last NaN: torch's scalar kernel
    t = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    torch.nn.functional.selu(t).sum().backward()
    x = tg.tensor(values, dtype=dtype, requires_grad=True)
    activations.selu(x).sum().backward()
    ours, theirs = x.grad.numpy(), t.grad.numpy()
    np.testing.assert_array_equal(ours[:2 * block], theirs[:2 * block])
    assert theirs[0] == np.float32(1.7580993) if dtype == "float32" else abs(theirs[0] - 1.7580993408473766) < 1e-15
    assert np.isnan(theirs[block:2 * block]).all() and np.isclose(theirs[-1], 1.0507009873554805)
    assert np.isnan(ours[-1])                                   # ours: NaN wherever the NaN stands



# ------------------------------------------------------------------------------------ 3. bool operands of - and **
def _operands(torch):
    """Each operand as (PyTorch's, ours)."""
    return {"bool_t": (torch.tensor([True, False]), tg.tensor([True, False], dtype="bool")),
            "i32_t": (torch.tensor([3, -4], dtype=torch.int32), tg.tensor([3, -4], dtype="int32")),
            "u8_t": (torch.tensor([3, 4], dtype=torch.uint8), tg.tensor([3, 4], dtype="uint8")),
            "f32_t": (torch.tensor([2.5, -3.5]), tg.tensor([2.5, -3.5])),
            "True": (True, True), "False": (False, False)}


SUBTRACTIONS_TORCH_REFUSES = [("i32_t", "True"), ("True", "i32_t"), ("f32_t", "True"), ("u8_t", "True"),
                              ("i32_t", "bool_t"), ("bool_t", "i32_t"),
                              ("f32_t", "bool_t"), ("bool_t", "f32_t"), ("bool_t", "bool_t"), ("bool_t", "True"),
                              ("True", "bool_t")]


@pytest.mark.parametrize("a, b", SUBTRACTIONS_TORCH_REFUSES)
def test_subtraction_with_a_bool_operand_is_refused_as_in_torch(a, b):
    torch = pytest.importorskip("torch")
    operands = _operands(torch)
    (ta, oa), (tb, ob) = operands[a], operands[b]
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with .*bool"):
        ta - tb
    with pytest.raises(TypeError, match="Invalid type for argument: `-`"):
        oa - ob
    with pytest.raises(TypeError, match="Invalid type for argument: `-`"):
        tg.ops.elementwise.sub(oa, ob)
    if isinstance(oa, tg.Tensor) and oa.dtype == "float32":
        w = tg.tensor(oa.numpy(), requires_grad=True)      # -= under no_grad: refused before anything is written
        with tg.no_grad(), pytest.raises(TypeError, match="Invalid type for argument: `-`"):
            w -= ob
        np.testing.assert_array_equal(w.numpy(), oa.numpy())


def test_subtraction_of_a_bool_array_or_list_is_refused():
    """NumPy bool arrays and lists of bools are bool operands too (torch: a bool tensor, refused); lifted beside a
    float or integer tensor they had become 0 and 1."""
    for tensor in (tg.tensor([1.0, 2.0]), tg.tensor([3, -4], dtype="int32")):
        for other in (np.array([True, False]), [True, False], (True, False)):
            with pytest.raises(TypeError, match="Invalid type for argument: `-` does not take a bool operand"):
                tensor - other
            with pytest.raises(TypeError, match="Invalid type for argument: `-` does not take a bool operand"):
                tensor.__rsub__(other)
    assert (tg.tensor([1.0, 2.0]) - [1, 0]).tolist() == [0.0, 2.0]           # numbers still subtract


POWERS = [("bool_t", "True"), ("bool_t", "False"), ("i32_t", "True"), ("i32_t", "bool_t"),
          ("f32_t", "True"), ("f32_t", "bool_t")]


@pytest.mark.parametrize("a, b", POWERS)
def test_power_with_bool_operands_as_torch(a, b):
    torch = pytest.importorskip("torch")
    operands = _operands(torch)
    (ta, oa), (tb, ob) = operands[a], operands[b]
    expected, ours = ta ** tb, oa ** ob
    assert ours.dtype == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), expected.numpy())


def test_float_power_of_a_bool_tensor_gradient():
    """PyTorch computes ``f32_t ** bool_t`` but its backward pass fails (it subtracts 1 from the bool exponent);
    ours gives the gradient of ``x ** 1`` and ``x ** 0`` (1 and 0), by hand."""
    torch = pytest.importorskip("torch")
    t = torch.tensor([2.5, -3.5, 0.0], requires_grad=True)
    y = (t ** torch.tensor([True, False, True])).sum()
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        y.backward()
    x = tg.tensor([2.5, -3.5, 0.0], requires_grad=True)
    (x ** tg.tensor([True, False, True], dtype="bool")).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])


@pytest.mark.parametrize("a, b", [("bool_t", "bool_t"), ("True", "bool_t")])
def test_power_between_bools_is_refused_as_in_torch(a, b):
    torch = pytest.importorskip("torch")
    operands = _operands(torch)
    (ta, oa), (tb, ob) = operands[a], operands[b]
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        ta ** tb
    with pytest.raises(TypeError, match="Invalid type for argument: `\\*\\*`"):
        oa ** ob


# ----------------------------------------------------------------------------- 4. the in-place write record's size
def test_the_in_place_record_keeps_living_arrays_only_and_still_refuses():
    """A loop that writes a new array in place at each step (here: a fresh tensor, as a gradient accumulated over
    two micro-batches is) keeps the record at the size of what lives; a write to an array that a graph saved is
    still refused by the backward pass after thousands of dead entries were dropped (as PyTorch refuses it)."""
    from tinygradconv import in_place
    torch = pytest.importorskip("torch")
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with tg.no_grad():
        w -= 0.5                                              # the array that (w * w) saved, written after
    kept, history = [], []
    for step in range(5000):
        t = tg.tensor([float(step)], requires_grad=True)
        with tg.no_grad():
            t += 1.0
        if step % 10 == 0:
            kept.append(t)                                    # a tenth of them stay alive
        history.append(t.detach() * 2)    # a loss history: the memory of the dead arrays goes to new objects
    assert len(in_place.last_write) <= 2 * (len(kept) + 10) + 1024      # (it had one entry per step)
    assert all(in_place.last_write_of(t.data) > 0 for t in kept)
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    tloss = (tw * tw).sum()
    with torch.no_grad():
        tw -= 0.5
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
