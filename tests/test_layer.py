"""The Layer base class: weights, sub-layers, naming, set_weights, losses, input casting."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Dense, Layer


class Scale(Layer):
    def __init__(self, regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.regularizer = regularizer

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],), initializer="ones", regularizer=self.regularizer)
        self.offset = self.add_weight("offset", (input_shape[-1],), initializer="zeros", trainable=False)

    def call(self, inputs):
        return inputs * self.scale + self.offset


class Stack(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Scale()
        self.blocks = []  # filled after assignment: must still be found

    def call(self, inputs):
        x = self.first(inputs)
        for block in self.blocks:
            x = block(x)
        return x


def test_names_are_keras_snake_case_and_unique():
    a, b = Scale(), Scale()
    assert a.name.startswith("scale") and b.name != a.name
    assert Scale(name="mine").name == "mine"
    assert tg.layers.Conv1DTranspose(2, 3).name.startswith("conv1d_transpose")
    assert tg.layers.UpSampling1D().name.startswith("up_sampling1d")


def test_weights_of_sublayers_including_lists_that_grow_later():
    stack = Stack()
    stack.blocks.append(Scale())
    stack.blocks.append(Scale())
    out = stack(np.ones((2, 3)))
    assert out.shape == (2, 3)
    assert len(stack.weights) == 6
    assert len(stack.trainable_weights) == 3
    assert len(stack.non_trainable_weights) == 3
    assert stack.count_params() == 18
    del stack.blocks
    assert len(stack.weights) == 2


def test_set_weights_checks_every_shape_before_assigning_anything():
    layer = Scale()
    layer(np.ones((1, 3)))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"offset.*\(3,\).*\(4,\)"):
        layer.set_weights([np.full(3, 5.0), np.zeros(4)])
    for old, now in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, now)
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        layer.set_weights([np.ones(3)])
    layer.set_weights([np.full(3, 2.0), np.full(3, 1.0)])
    np.testing.assert_allclose(layer(np.ones((1, 3))).numpy(), np.full((1, 3), 3.0))


def test_unknown_keyword_and_bad_dtype_are_rejected():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Scale: {'foo': 1}"):
        Scale(foo=1)
    with pytest.raises(ValueError, match="dtype"):
        Scale(dtype="int32")


def test_losses_hold_weight_penalties_and_activity_penalty_per_sample():
    layer = Scale(regularizer=tg.regularizers.L2(0.5))
    layer.activity_regularizer = tg.regularizers.L1(1.0)
    x = np.arange(6.0).reshape(2, 3)
    out = layer(x)
    weight_penalty, activity_penalty = (float(t.item()) for t in layer.losses)
    assert weight_penalty == pytest.approx(0.5 * 3)          # 0.5 * sum(1^2)
    assert activity_penalty == pytest.approx(np.abs(out.numpy()).sum() / 2)  # divided by the batch size


def test_inputs_are_cast_to_the_layer_dtype_on_every_backend(backend):
    layer = Dense(2, dtype="float64")
    x = tg.tensor(np.ones((1, 3)), dtype="float32", backend=backend)
    assert tg.backend.dtype_name(layer(x).dtype) == "float64"


def test_frozen_layer_has_no_trainable_weights():
    layer = Scale(trainable=False)
    layer(np.ones((1, 2)))
    assert layer.trainable_weights == [] and len(layer.weights) == 2
