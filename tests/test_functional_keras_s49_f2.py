"""Functional models against Keras 3.15.1 (run here as the reference, on torch): a merge of a masked tensor with a
lower-rank one keeps the masked tensor's mask (Keras reshapes only the lower-rank input), a nested model with dict
outputs returns a dict, ``Model.from_config`` of a Keras config with mask ops, the summary of a multi-output nested
model, and the target shape error of a multi-output model naming the output."""
import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers
from tinygradconv import models as tmodels

_EMBEDDINGS = np.array([[5., 6.], [1., 2.], [3., 4.]], "f4")
_MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def _masked_merges(lib_layers, lib_models, merge, mask_the_vector):
    """A model merging a masked ``(batch, 4, 2)`` embedding with a ``(batch, 2)`` vector (masked by ``Masking`` or
    not), both ways round, each merge also pooled (the pooling reads the merge's output mask)."""
    tokens, vector = lib_layers.Input((4,), dtype="int32"), lib_layers.Input((2,))
    embedded = lib_layers.Embedding(3, 2, mask_zero=True)(tokens)
    other = lib_layers.Masking()(vector) if mask_the_vector else vector
    merged = [getattr(lib_layers, merge)()([embedded, other]), getattr(lib_layers, merge)()([other, embedded])]
    pooled = [lib_layers.GlobalAveragePooling1D()(m) for m in merged]
    model = lib_models.Model([tokens, vector], merged + pooled)
    model.set_weights([_EMBEDDINGS])
    return model


@pytest.mark.parametrize("mask_the_vector", [False, True])
@pytest.mark.parametrize("vector", [[10., 20.], [0., 0.]])
@pytest.mark.parametrize("merge", _MERGES)
def test_a_merge_with_a_lower_rank_input_keeps_the_masked_inputs_mask(merge, vector, mask_the_vector):
    keras = keras_on_torch("Keras 3 is the reference for masks in merge layers")
    data = [np.array([[1, 2, 0, 0]]), np.array([vector], "f4")]
    theirs = _masked_merges(keras.layers, keras.models, merge, mask_the_vector).predict(data, verbose=0)
    ours = _masked_merges(layers, tmodels, merge, mask_the_vector).predict(data, verbose=0)
    for expected, got in zip(theirs, ours):
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-6)


def test_the_brief_example_of_multiply_and_minimum_gives_keras_values():
    # Keras 3.15.1 prints [10. 30. 10. 10.] and [1. 3. 10. 10.]: the steps masked in the embedding take the
    # vector's value (Multiply: the masked value counts as 1; Minimum: the other operand's value)
    tokens, vector = layers.Input((4,), dtype="int32"), layers.Input((2,))
    embedded = layers.Embedding(3, 2, mask_zero=True)(tokens)
    model = tmodels.Model([tokens, vector], [layers.Multiply()([embedded, vector]),
                                             layers.Minimum()([embedded, vector])])
    model.set_weights([_EMBEDDINGS])
    product, smallest = model.predict([np.array([[1, 2, 0, 0]]), np.array([[10., 20.]], "f4")], verbose=0)
    assert product[0, :, 0].tolist() == [10., 30., 10., 10.]
    assert smallest[0, :, 0].tolist() == [1., 3., 10., 10.]
