"""A tester's findings on the features added on 2026-12-07, each checked against Keras 3.15 or by hand.

1. ``use_ema`` on float16 weights: ``1 - ema_momentum`` was computed in float16 (0.0102539), Keras computes it in
   float32 and rounds it once (0.0100021), so the averages drifted from Keras' at every step.
2. A 0-d array written to an ``.npz`` file came back with shape ``(1,)`` (``np.ascontiguousarray`` makes at least
   one axis): a model with a scalar weight, or compiled with Adafactor (0-d placeholders for rank < 2 weights),
   could not be loaded from its own file.
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers as L
from tinygradconv import models as M


def _keras():
    return pytest.importorskip("keras", reason="Keras 3 is the reference of this test")


def test_float16_ema_averages_are_keras_step_by_step():
    keras = _keras()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 5)).astype("float16"), rng.standard_normal((8, 2)).astype("float16")
    ours = M.Sequential([L.Input((5,)), L.Dense(2, dtype="float16")])
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, dtype="float16")])
    theirs.set_weights([np.asarray(w) for w in ours.get_weights()])
    ours.compile(optimizer=tg.optimizers.SGD(0.1, use_ema=True), loss="mse")
    theirs.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True), loss="mse")
    for _ in range(4):
        ours.train_on_batch(x, y)
        theirs.train_on_batch(x, y)
        averages = [v for v in ours.optimizer.variables if v.name.endswith("_average")]
        expected = [v for v in theirs.optimizer.variables if v.path.endswith("_average")]
        assert len(averages) == len(expected) == 2
        for a, b in zip(averages, expected):
            assert str(np.asarray(a).dtype) == "float16"
            np.testing.assert_array_equal(np.asarray(a, dtype=np.float64),
                                          keras.ops.convert_to_numpy(b).astype(np.float64))


def test_the_rounding_of_one_minus_the_momentum_by_hand():
    """A float16 average: the weight 0 at the first step (the average becomes 0), then 1: the average is 1 - m."""
    w = tg.tensor(np.array([0.0], np.float16), dtype="float16", requires_grad=True)
    opt = tg.optimizers.SGD(0.0, use_ema=True, ema_momentum=0.99)
    for value in (0.0, 1.0):
        w.data = np.array([value], np.float16)
        w.grad = tg.tensor(np.zeros(1, np.float16), dtype="float16")
        opt.step([w])
    average = next(v for v in opt.variables if v.name.endswith("_average"))
    one_minus = np.float16(np.float32(1) - np.float32(0.99))      # Keras': in float32, rounded once
    assert float(one_minus) == pytest.approx(0.0100021, abs=1e-7)
    assert np.asarray(average)[0] == one_minus                     # (f16(1) - f16(0.99) would be 0.0102539)


class _Scale(L.Layer):
    def build(self, input_shape):
        self.s = self.add_weight(shape=(), initializer="ones", name="s")

    def call(self, x):
        return x * self.s


def test_a_scalar_weight_survives_its_npz_file(tmp_path):
    model = M.Sequential([L.Input((3,)), _Scale()])
    model.layers[-1].s.data = np.asarray(2.5, np.float32)
    model.save_weights(tmp_path / "a.weights.npz")
    other = M.Sequential([L.Input((3,)), _Scale()])
    other.load_weights(tmp_path / "a.weights.npz")
    assert other.layers[-1].s.shape == () and float(other.layers[-1].s.numpy()) == 2.5
    with np.load(tmp_path / "a.weights.npz", allow_pickle=False) as f:      # the file itself holds a 0-d array
        assert any(f[key].shape == () for key in f.files if key != "__meta__")


def test_a_model_compiled_with_adafactor_loads_from_its_npz_file(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 5)).astype("float32"), rng.standard_normal((16, 2)).astype("float32")
    model = M.Sequential([L.Input((5,)), L.Dense(2)])
    model.compile(optimizer="adafactor", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = M.load_model(tmp_path / "m.npz")
    shapes = {v.name: tuple(v.shape) for v in model.optimizer.variables}
    assert {v.name: tuple(v.shape) for v in loaded.optimizer.variables} == shapes
    assert () in shapes.values()                                   # Keras' 0-d placeholders of the bias
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
