"""A layer's own weights are listed as Keras 3 lists them: those created trainable first, then the others
(``keras.layers.Layer.weights``: ``_trainable_variables + _non_trainable_variables``). Before, they were listed in
creation order, so ``set_weights(keras_model.get_weights())`` swapped a ``shift`` made non-trainable before
``scale`` silently."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.saving import weight_keys


class ShiftScale(tg.layers.Layer):
    """``x * scale + shift``, with ``shift`` (non-trainable) made before ``scale``."""

    def build(self, input_shape):
        self.shift = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False, name="shift")
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, inputs):
        return inputs * self.scale + self.shift


def _model():
    return tg.models.Sequential([tg.layers.Input((3,)), ShiftScale(), tg.layers.Dense(2)])


def test_own_weights_are_listed_trainable_first_then_in_creation_order():
    layer = _model().layers[0]
    assert [w.name.rsplit("/", 1)[-1] for w in layer.weights] == ["scale", "shift"]
    assert [w.name.rsplit("/", 1)[-1] for w in layer.non_trainable_weights] == ["shift"]
    layer.trainable = False                      # freezing does not reorder them (Keras: the creation flag counts)
    assert [w.name.rsplit("/", 1)[-1] for w in layer.weights] == ["scale", "shift"]


def test_weight_file_keys_stay_as_before_and_round_trip(tmp_path):
    model = _model()
    model.set_weights([np.full(3, 2.0), np.full(3, 10.0), np.ones((3, 2)), np.zeros(2)])   # scale, shift, ...
    assert [key for key, _ in weight_keys(model)][:2] == ["shift_scale/scale", "shift_scale/shift"]
    model.save_weights(tmp_path / "m.weights.npz")
    other = _model()
    other.load_weights(tmp_path / "m.weights.npz")
    x = np.zeros((1, 3), "float32")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(other.layers[0].shift.numpy(), np.full(3, 10.0))   # 0 * 2 + 10, then Dense


def test_set_weights_from_keras_puts_each_value_in_its_weight():
    keras = pytest.importorskip("keras", reason="Keras 3 (KERAS_BACKEND=torch) is the reference for the order")

    class KerasShiftScale(keras.layers.Layer):
        def build(self, input_shape):
            self.shift = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False,
                                         name="shift")
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, inputs):
            return inputs * self.scale + self.shift

    theirs = keras.Sequential([keras.Input((3,)), KerasShiftScale(), keras.layers.Dense(2)])
    theirs.layers[0].shift.assign(np.full(3, 10.0))
    theirs.layers[0].scale.assign(np.full(3, 2.0))
    ours = _model()
    assert [w.path.rsplit("/", 1)[-1] for w in theirs.weights] == [w.name.rsplit("/", 1)[-1] for w in ours.weights]
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=1e-6)
