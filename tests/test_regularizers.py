"""Regularizers: penalties by hand (NumPy formulas written here), gradients, both backends, lookup and config."""
import json

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import regularizers as R


@pytest.fixture
def w():
    return np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])


def test_defaults_are_keras():
    f32 = float(np.float32(0.01))   # L1 and OrthogonalRegularizer keep the factor in floatx(), as Keras 3
    assert R.L1().l1 == f32
    assert R.L2().l2 == 0.01
    assert (R.L1L2().l1, R.L1L2().l2) == (0.0, 0.0)
    assert (R.OrthogonalRegularizer().factor, R.OrthogonalRegularizer().mode) == (f32, "rows")
    assert R.L1(None).l1 == f32 and R.L1L2(None, None).l2 == 0.0


def test_values_by_hand(w, backend):
    x = tg.Tensor(w, dtype="float64", backend=backend)
    assert R.L1(0.3)(x).item() == pytest.approx(0.3 * 8.0)         # |w| sums to 8
    assert R.L2(0.3)(x).item() == pytest.approx(0.3 * 16.5)        # w^2 sums to 1+4+0.25+0+9+2.25
    assert R.L1L2(0.1, 0.2)(x).item() == pytest.approx(0.1 * 8.0 + 0.2 * 16.5)
    assert R.L1L2()(x).item() == 0.0
    assert R.L2(0.3)(x).shape == ()


def _orthogonal_reference(w, factor, mode):
    m = w if mode == "rows" else w.T
    unit = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-7)
    cos = unit @ unit.T
    n = m.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return factor * np.mean([abs(cos[i, j]) for i, j in pairs])


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_by_hand(mode, backend):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    got = R.OrthogonalRegularizer(0.5, mode)(tg.Tensor(w, dtype="float64", backend=backend)).item()
    assert got == pytest.approx(_orthogonal_reference(w, 0.5, mode), rel=1e-12)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows_and_handles_zero_rows():
    assert R.OrthogonalRegularizer(1.0)(tg.tensor(np.eye(3) * 5.0)).item() == 0.0
    w = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert R.OrthogonalRegularizer(1.0)(tg.tensor(w, dtype="float64")).item() == 0.0  # zero row: cosine 0, no nan


def test_orthogonal_regularizer_validation():
    with pytest.raises(ValueError, match="rank 2"):
        R.OrthogonalRegularizer()(tg.tensor(np.ones((2, 2, 2))))
    with pytest.raises(ValueError, match="mode"):
        R.OrthogonalRegularizer(mode="diagonal")


@pytest.mark.parametrize("reg", [R.L1(0.3), R.L2(0.7), R.L1L2(0.2, 0.4), R.OrthogonalRegularizer(0.5),
                                 R.OrthogonalRegularizer(0.5, "columns")])
def test_gradients(reg, backend):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4))
    w[np.abs(w) < 0.1] = 0.5  # away from the kink of |w|
    x = tg.Tensor(w, dtype="float64", backend=backend, requires_grad=True)
    assert tg.gradcheck(reg, x)


def test_l2_gradient_by_hand():
    x = tg.tensor([1.0, -2.0], dtype="float64", requires_grad=True)
    R.L2(0.5)(x).backward()
    assert x.grad.numpy().tolist() == [1.0, -2.0]  # d/dw 0.5 w^2 = w


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", [0.1]])
def test_invalid_factors(bad):
    for make in (lambda v: R.L1(v), lambda v: R.L2(v), lambda v: R.L1L2(l1=v), lambda v: R.L1L2(l2=v),
                 lambda v: R.OrthogonalRegularizer(v)):
        with pytest.raises(ValueError, match="non-negative float"):
            make(bad)


@pytest.mark.parametrize("name, cls", [("l1", R.L1), ("L1", R.L1), ("l2", R.L2), ("l1l2", R.L1L2), ("L1L2", R.L1L2),
                                       ("orthogonal_regularizer", R.OrthogonalRegularizer),
                                       ("OrthogonalRegularizer", R.OrthogonalRegularizer)])
def test_get_by_name(name, cls):
    assert type(R.get(name)) is cls


def test_get_other_identifiers():
    reg = R.L2(0.5)
    assert R.get(reg) is reg
    assert R.get(None) is None
    assert type(R.get(R.L1)) is R.L1

    def custom(x):
        return x.sum()

    assert R.get(custom) is custom
    assert R.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).get_config() == {"l1": 0.1, "l2": 0.2}
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'.*l1l2"):
        R.get("l3")
    with pytest.raises(ValueError, match="Could not interpret"):
        R.get(0.1)


@pytest.mark.parametrize("reg", [R.L1(0.2), R.L2(0.3), R.L1L2(0.1, 0.4), R.OrthogonalRegularizer(0.2, "columns")])
def test_serialize_round_trip(reg):
    config = R.serialize(reg)
    assert set(config) == {"class_name", "config"}
    restored = R.deserialize(json.loads(json.dumps(config)))
    assert type(restored) is type(reg) and restored.get_config() == reg.get_config()
    x = tg.tensor(np.arange(6.0).reshape(2, 3), dtype="float64")
    assert restored(x).item() == reg(x).item()


def test_keras_config_keys():
    assert R.L1(0.25).get_config() == {"l1": 0.25}
    assert R.L2().get_config() == {"l2": 0.01}
    assert R.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.OrthogonalRegularizer(0.5).get_config() == {"factor": 0.5, "mode": "rows"}
    assert R.serialize(None) is None


def test_l1_l2_is_not_a_name_as_in_keras_3():
    """Found by a tester: "l1_l2" gave L1L2(0, 0), a silent zero penalty (tf.keras 2 read it as 0.01 and 0.01);
    Keras 3 refuses the name, and so do we."""
    with pytest.raises(ValueError, match="Unknown regularizer: 'l1_l2'"):
        R.get("l1_l2")


def test_the_names_are_keras_3s():
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3's regularizers.get is the reference for the names")
    for name in ("l1", "L1", "l2", "L2", "l1l2", "L1L2", "l1_l2", "orthogonal_regularizer", "OrthogonalRegularizer",
                 "orthogonal", "l1_L2"):
        try:
            theirs = keras.regularizers.get(name).get_config()
        except ValueError:
            with pytest.raises(ValueError):
                R.get(name)
            continue
        np.testing.assert_allclose(list(R.get(name).get_config().values())[:1], list(theirs.values())[:1], rtol=1e-7)


def _conv_pair(lib):
    return lib.Sequential([
        lib.layers.Input((6, 3)),
        lib.layers.Conv1D(2, 3, kernel_regularizer=lib.regularizers.L2(0.1), name="c"),
        lib.layers.Conv1DTranspose(2, 3, bias_regularizer=lib.regularizers.L1(0.5), bias_initializer="ones",
                                   activity_regularizer=lib.regularizers.L2(0.01), name="t")])


def test_model_losses_are_in_keras_order():
    """Keras 3 (``Layer.losses``): the losses of the last call (here the activity penalty of ``t``) first, then the
    weights' penalties in weight order (``c``'s kernel, ``t``'s bias). Ours listed each layer's weight penalties
    before its call losses, layer by layer: ``[c kernel, t bias, t activity]``."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the order of model.losses")
    x = np.random.default_rng(0).normal(size=(4, 6, 3)).astype("float32")
    ours_lib = type("Lib", (), {"Sequential": tg.models.Sequential, "layers": tg.layers, "regularizers": R})
    theirs, ours = _conv_pair(keras), _conv_pair(ours_lib)
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        assert len(model.losses) == 2     # weight penalties only, before any call
        model(x)
    their_losses = [float(keras.ops.convert_to_numpy(v)) for v in theirs.losses]
    our_losses = [float(v.item()) for v in ours.losses]
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)
    kernel, bias = ours.get_weights()[0], ours.get_weights()[3]
    np.testing.assert_allclose(our_losses[1:], [0.1 * np.sum(kernel ** 2), 0.5 * np.sum(np.abs(bias))], rtol=1e-5)


def test_frozen_layers_and_weights_add_no_penalty_as_keras():
    """Keras 3 takes the weight penalties over ``trainable_weights`` only (``Layer._get_regularization_losses``):
    a frozen layer adds none, and a layer frozen inside a trainable model neither (found by a helper: ours kept
    adding them, which changed the training loss). Compared with Keras' own ``model.losses``, and the training
    loss of ``fit`` by hand (SGD with learning rate 0, so the weights stay)."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras 3 is the reference for the penalties of frozen layers")
    x = np.random.default_rng(1).normal(size=(4, 6, 3)).astype("float32")
    ours_lib = type("Lib", (), {"Sequential": tg.models.Sequential, "layers": tg.layers, "regularizers": R})
    theirs, ours = _conv_pair(keras), _conv_pair(ours_lib)
    ours.set_weights(theirs.get_weights())
    for frozen in ("c", "t"):
        for model in (theirs, ours):
            for layer in model.layers:
                layer.trainable = layer.name != frozen
        their_losses = [float(keras.ops.convert_to_numpy(v)) for v in theirs.losses]
        our_losses = [float(v.item()) for v in ours.losses]
        assert len(our_losses) == len(their_losses) == 1, frozen
        np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)
    for layer in ours.layers:
        layer.trainable = layer.name != "t"            # the transposed layer (its bias L1) frozen
    ours.compile(optimizer=tg.optimizers.SGD(0.0), loss="mse")
    y = np.zeros((4, 6, 2), "float32")
    loss = ours.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"][0]
    kernel = ours.get_weights()[0]
    mse = float(np.mean(ours.predict(x, verbose=0) ** 2))
    np.testing.assert_allclose(loss, mse + 0.1 * np.sum(kernel ** 2) + float(ours.layers[1].losses[0].item()),
                               rtol=1e-5)


class _Tagged(tg.layers.Layer):
    """Adds a loss equal to its tag at each call, then runs its sub-layers."""

    def __init__(self, tag, subs=(), **kwargs):
        super().__init__(**kwargs)
        self.tag, self.subs = tag, list(subs)

    def call(self, inputs):
        self.add_loss(tg.Tensor(float(self.tag)))
        for layer in self.subs:
            inputs = layer(inputs)
        return inputs


def test_losses_of_nested_layers_follow_keras_walk():
    """Keras 3 walks nested layers depth first and queues each one's sub-layers at the front (``extendleft``), so
    the sub-layers ``[a1, a2]`` of a nested layer come out as ``a2, a1`` (checked against Keras 3.15:
    ``[0, 1, 12, 11, 2, 21]``); own weight penalties come after every call loss."""
    a1, a2, b1 = _Tagged(11), _Tagged(12), _Tagged(21)
    top = _Tagged(0, [_Tagged(1, [a1, a2]), _Tagged(2, [b1])])
    top(np.ones((1, 2)))
    assert [float(v.item()) for v in top.losses] == [0.0, 1.0, 12.0, 11.0, 2.0, 21.0]
    dense = tg.layers.Dense(2, kernel_initializer="ones", kernel_regularizer=R.L2(1.0),
                            activity_regularizer=R.L1(1.0))
    holder = _Tagged(100, [dense])
    holder(np.ones((1, 3)))
    # call losses (100, then the Dense's activity penalty: |3| + |3| over a batch of 1), then the kernel's 6 * 1
    assert [float(v.item()) for v in holder.losses] == [100.0, 6.0, 6.0]
