"""``Model.fit`` edge cases checked against Keras 3 itself: ``shuffle="batch"`` and the keys of ``class_weight``.

Keras' own batches are recorded by overriding its ``train_step``; ours by an identity layer that records what it
is called on. The random numbers differ (Keras draws with torch's generator); what is compared is which samples
can land in which batch, and, for ``class_weight``, the weighted loss of one epoch.
"""
import re
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.layers import Layer
from tinygradconv.optimizers import SGD


class _Recorder(Layer):
    """Identity that records the first column of each batch it is called on in training (the sample numbers)."""

    def __init__(self, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        self.batches = []

    def call(self, inputs, training=None):
        if training:
            self.batches.append(inputs.numpy()[:, 0].astype(int).tolist())
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


def _our_batches(n, seed=3, **fit_kwargs):
    """The sample numbers of each training batch of our ``fit`` on ``x = y = [[0], [1], ..., [n - 1]]``."""
    recorder = _Recorder()
    model = models.Sequential([layers.Input((1,)), recorder])
    model.compile(optimizer=SGD(0.0), loss="mse")
    tg.random.set_seed(seed)
    x = np.arange(float(n)).reshape(n, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # "ran out of data" with steps_per_epoch
        model.fit(x, x, verbose=0, **fit_kwargs)
    return recorder.batches


def _keras_batches(keras, n, **fit_kwargs):
    """The sample numbers of each training batch of Keras 3's ``fit`` on the same data."""
    batches = []

    class Recording(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            batches.append(keras.ops.convert_to_numpy(data[0])[:, 0].astype(int).tolist())
            return {}

    model = Recording()
    model.compile(optimizer="sgd", loss="mse")
    keras.utils.set_random_seed(0)
    x = np.arange(n, dtype="float32").reshape(n, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, x, verbose=0, **fit_kwargs)
    return batches


def _blocks(n, batch_size):
    """The batches of ``shuffle=False``: consecutive blocks of ``batch_size`` sample numbers."""
    return [list(range(start, min(start + batch_size, n))) for start in range(0, n, batch_size)]


@pytest.mark.parametrize("kwargs, blocks", [
    ({"epochs": 3}, _blocks(20, 6) * 3),
    # a pass that goes on across epochs: 4 batches per pass, 2 per epoch, so 2 passes in 4 epochs
    ({"epochs": 4, "steps_per_epoch": 2}, _blocks(20, 6) * 2),
    # the validation samples (the last 30 %) are held out first; the training batches are blocks of the first 14
    ({"epochs": 2, "validation_split": 0.3}, _blocks(14, 6) * 2),
])
def test_shuffle_batch_shuffles_within_consecutive_blocks_as_keras(kwargs, blocks):
    """Keras 3 (``array_data_adapter.py``, ``_get_iterator`` and ``get_torch_dataloader``): with
    ``shuffle="batch"`` batch ``i`` holds the samples ``i * batch_size ..`` of the original order, the batches in
    order, the samples within each permuted. Ours refused "batch" with a TypeError."""
    keras = keras_on_torch("Keras 3 is the reference for fit(shuffle='batch')")
    theirs = _keras_batches(keras, 20, batch_size=6, shuffle="batch", **kwargs)
    ours = _our_batches(20, batch_size=6, shuffle="batch", **kwargs)
    assert [sorted(batch) for batch in theirs] == blocks
    assert [sorted(batch) for batch in ours] == blocks
    assert ours != blocks       # the samples are shuffled within their batch (seeded: fails if never shuffled)
    first, second = ours[:len(blocks) // 2], ours[len(blocks) // 2:]
    assert first != second      # anew in each pass


def test_shuffle_true_mixes_samples_across_batches_as_keras():
    """The contrast: with ``shuffle=True`` a batch may hold any samples, in Keras as here."""
    keras = keras_on_torch("Keras 3 is the reference for fit(shuffle=True)")
    blocks = _blocks(20, 6) * 2
    theirs = _keras_batches(keras, 20, batch_size=6, epochs=2, shuffle=True)
    ours = _our_batches(20, batch_size=6, epochs=2, shuffle=True)
    for batches in (theirs, ours):
        assert [len(batch) for batch in batches] == [6, 6, 6, 2] * 2
        assert [sorted(batch) for batch in batches] != blocks
        assert sorted(i for batch in batches[:4] for i in batch) == list(range(20))    # each sample once an epoch


def test_shuffle_batch_is_repeatable_with_set_seed():
    assert _our_batches(10, seed=5, batch_size=4, epochs=2, shuffle="batch") == \
        _our_batches(10, seed=5, batch_size=4, epochs=2, shuffle="batch")


def test_numpy_bool_shuffle_is_a_bool():
    assert _our_batches(10, batch_size=4, shuffle=np.True_) != _blocks(10, 4)
    assert _our_batches(10, batch_size=4, shuffle=np.False_) == _blocks(10, 4)


@pytest.mark.parametrize("shuffle, error, message", [
    ("Batch", ValueError, ("Invalid value for argument `shuffle`. Expected True, False or 'batch'. "
                           "Received shuffle='Batch'")),
    ("False", ValueError, "Received shuffle='False'"),
    ("", ValueError, "Received shuffle=''"),
    (None, TypeError, ("Invalid type for argument `shuffle`. Expected True, False or 'batch'. "
                       "Received shuffle=None of type NoneType")),
    (1, TypeError, "Received shuffle=1 of type int"),
], ids=["Batch", "False-string", "empty-string", "None", "one"])
def test_other_shuffle_values_are_refused_before_training(shuffle, error, message):
    """Keras reads any other string as True (a full shuffle, ``"False"`` included, checked below); refused here,
    before the first batch."""
    recorder = _Recorder()
    model = models.Sequential([layers.Input((1,)), recorder])
    model.compile(optimizer=SGD(0.0), loss="mse")
    x = np.arange(10.0).reshape(10, 1)
    with pytest.raises(error, match=re.escape(message)):
        model.fit(x, x, batch_size=4, shuffle=shuffle, verbose=0)
    assert recorder.batches == []
    if shuffle == "False":
        keras = keras_on_torch("Keras 3 reads the string 'False' as True")
        assert _keras_batches(keras, 10, batch_size=4, shuffle="False") != _blocks(10, 4)


# ------------------------------------------------------------------------------------------------ class_weight
def _class_weighted_loss(lib, class_weight):
    """The loss of one epoch (one batch of the 8 samples, learning rate 0) with ``class_weight``: the mean of the
    per-sample squared errors weighted by their class's weight (the class is the rounded label)."""
    x = np.linspace(-1.0, 1.0, 16, dtype="float32").reshape(8, 2)
    y = np.array([[0], [1], [2], [1], [0], [2], [1], [0]], dtype="float32")
    a = lib.layers.Input((2,))
    model = lib.Model(a, lib.layers.Dense(1)(a))
    model.set_weights([np.array([[0.5], [-0.25]], "float32"), np.array([0.1], "float32")])
    model.compile(lib.optimizers.SGD(0.0), "mse")
    return model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                     class_weight=class_weight).history["loss"][0]


_OURS = type("Ours", (), {"layers": layers, "Model": models.Model, "optimizers": tg.optimizers})


@pytest.mark.parametrize("class_weight", [
    {np.int64(1): 5.0, np.uint8(2): 0.5},
    {1.0: 5.0, np.float32(2.0): 0.5},       # a float equal to an integer finds that class, as in Keras
    {True: 5.0, False: 0.5},                # True is class 1, False class 0, as in Keras
    {np.True_: 5.0},
    {-1: 3.0, 2: 0.5},                      # a class that no label has weighs nothing
], ids=["numpy-int", "float", "bool", "numpy-bool", "negative"])
def test_class_weight_keys_that_keras_matches(class_weight):
    """Keras 3 (``data_adapter_utils.class_weight_to_sample_weights``) looks up ``class_weight.get(int(label))``,
    so any key equal to an integer finds its class. Ours refused floats and bools with a TypeError."""
    keras = keras_on_torch("Keras 3 is the reference for the keys of class_weight")
    theirs = _class_weighted_loss(keras, class_weight)
    ours = _class_weighted_loss(_OURS, class_weight)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert theirs != pytest.approx(_class_weighted_loss(keras, None))      # the weights did count


@pytest.mark.parametrize("class_weight, error, message", [
    ({"0": 5.0}, TypeError, ("Invalid type for a key of argument `class_weight`. Expected an integer class index "
                             r".*Received the key '0' of type str .*write the integer 0")),
    ({None: 5.0}, TypeError, "Received the key None of type NoneType"),
    ({(1,): 5.0}, TypeError, r"Received the key \(1,\) of type tuple"),
    ({1.5: 5.0}, ValueError, ("Invalid key in argument `class_weight`. Expected integer class indices; the key "
                              "1.5 is not a whole number")),
    ({float("nan"): 5.0}, ValueError, "the key nan is not a whole number"),
    ({1: "5"}, TypeError, ("Invalid type for a weight of argument `class_weight`. Expected a number. Received "
                           "the weight '5' of type str for the key 1")),
    ([1.0, 5.0], TypeError, r"Invalid type for argument `class_weight`. Expected a dict \{class index: weight\}"),
], ids=["string-key", "None-key", "tuple-key", "fraction-key", "nan-key", "string-weight", "list"])
def test_class_weight_keys_that_match_no_class_are_refused(class_weight, error, message):
    """A key Keras never matches (a string, a number with a fraction, None) has its weight ignored there, silently:
    refused here, naming `class_weight`, the key and what is expected."""
    with pytest.raises(error, match=message):
        _class_weighted_loss(_OURS, class_weight)
    if isinstance(class_weight, dict) and class_weight != {1: "5"}:
        keras = keras_on_torch("Keras 3 ignores a key that is not an integer")
        assert _class_weighted_loss(keras, class_weight) == pytest.approx(_class_weighted_loss(keras, None))
