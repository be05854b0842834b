"""Keras 3's masks: ``Embedding(mask_zero=True)`` and ``Masking`` make them, layers pass them on, consume them
(``GlobalAveragePooling1D``, ``BatchNormalization``) or drop them with a warning, and a compiled loss and its metrics
leave the masked steps out. Every value is checked against Keras 3.15 on torch (skipped, visibly, without it) or a
loop from the formula."""
import json
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, losses, models, optimizers

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras

INDICES = np.array([[1, 2, 0, 0], [3, 0, 4, 0], [5, 5, 1, 0], [2, 0, 0, 0]])


def _keras_mask_of(tensor):
    mask = getattr(tensor, "_keras_mask", None)
    return None if mask is None else np.asarray(mask.detach().cpu().numpy())


def _our_mask(tensor):
    mask = getattr(tensor, "_keras_mask", None)
    return None if mask is None else mask.numpy()


# ------------------------------------------------------------------------------------------- making masks
def test_embedding_mask_zero_sets_the_mask_of_the_nonzero_indices_as_keras():
    keras = keras_on_torch("Keras 3.15 on torch sets _keras_mask = inputs != 0")
    ours, theirs = layers.Embedding(6, 3, mask_zero=True), keras.layers.Embedding(6, 3, mask_zero=True)
    y = ours(INDICES)
    expected = _keras_mask_of(theirs(INDICES))
    np.testing.assert_array_equal(_our_mask(y), expected)
    np.testing.assert_array_equal(ours.compute_mask(INDICES).numpy(), theirs.compute_mask(INDICES).cpu().numpy())
    assert _our_mask(y).dtype == np.bool_ and ours.supports_masking is True
    # a float index 0.5 is row 0 but counts (Keras compares the input as given)
    floats = np.array([[0.5, 0.0, 2.0]])
    np.testing.assert_array_equal(ours.compute_mask(floats).numpy(), theirs.compute_mask(floats).cpu().numpy())
    plain = layers.Embedding(6, 3)
    assert plain.compute_mask(INDICES) is None and _our_mask(plain(INDICES)) is None
    assert plain.supports_masking is False and keras.layers.Embedding(6, 3).supports_masking is False


def test_masking_zeros_masked_steps_and_sets_the_mask_as_keras():
    keras = keras_on_torch("Keras 3.15's Masking")
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [-1.0, 3.0]], [[-1.0, -1.0], [0.0, 0.0], [4.0, -1.0]]])
    for value in (-1.0, 0.0, np.nan, 3):
        expected = keras.layers.Masking(mask_value=value)(x)
        got = layers.Masking(mask_value=value)(x)
        np.testing.assert_array_equal(got.numpy(), expected.detach().cpu().numpy())
        np.testing.assert_array_equal(_our_mask(got), _keras_mask_of(expected))
        np.testing.assert_array_equal(layers.Masking(value).compute_mask(x).numpy(),
                                      keras.layers.Masking(value).compute_mask(x).cpu().numpy())
    # by hand: step [-1, 3] counts (not all of its features are -1); the masked steps get no gradient
    xt = tg.tensor(x, requires_grad=True)
    layers.Masking(mask_value=-1.0)(xt).sum().backward()
    assert xt.grad.numpy()[:, :, 0].tolist() == [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]


def test_masking_config_and_bad_mask_value():
    keras = keras_on_torch("Keras 3.15's Masking config")
    ours, theirs = layers.Masking(0.5, name="m").get_config(), keras.layers.Masking(0.5, name="m").get_config()
    assert ours == theirs
    again = layers.Masking.from_config(ours)
    assert again.mask_value == 0.5 and again.supports_masking
    with pytest.raises(TypeError, match=r"Invalid type for argument `mask_value`.*Received"):
        layers.Masking(mask_value="0")


def test_masking_bool_and_per_feature_mask_values_as_keras_and_refused_values():
    """Keras 3.15 compares the inputs with any mask_value: True as 1, a list feature by feature; a string or None
    fails only when the layer is called ("Invalid dtype: str32"), refused here when it is made."""
    keras = keras_on_torch("Keras 3.15's Masking(mask_value=...)")
    x = np.array([[[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]], "float32")
    for value in (True, False, [0.0, 1.0], (1.0, 1.0), np.array([0.0, 1.0]), [1.0]):
        expected = keras.layers.Masking(mask_value=value)(x)
        got = layers.Masking(mask_value=value)(x)
        np.testing.assert_array_equal(_our_mask(got), _keras_mask_of(expected), err_msg=repr(value))
        np.testing.assert_array_equal(got.numpy(), expected.detach().cpu().numpy(), err_msg=repr(value))
    # by hand: [0, 1] masks the steps whose features are 0 then 1
    assert _our_mask(layers.Masking(mask_value=[0.0, 1.0])(x)).tolist() == [[False, True, True], [True, False, True]]
    assert layers.Masking(mask_value=np.array([0.0, 1.0])).get_config()["mask_value"] == [0.0, 1.0]
    for bad in ("a", None, {"a": 1}):
        made = keras.layers.Masking(mask_value=bad)             # Keras takes it here ...
        with pytest.raises(Exception):                           # noqa: B017 (... and fails when called)
            made(x)
        with pytest.raises(TypeError, match=r"Invalid type for argument `mask_value` of Masking.*Received"):
            layers.Masking(mask_value=bad)
    with pytest.raises(TypeError, match=r"Invalid type for argument `mask_value`.*list of numbers"):
        layers.Masking(mask_value=[0.0, "a"])
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask_value`.*empty"):
        layers.Masking(mask_value=[])
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask_value`.*one number per feature, 2.*"
                                         r"Received 3"):
        layers.Masking(mask_value=[0.0, 1.0, 2.0])(x)


# ------------------------------------------------------------------------------------------- passing masks on
PASSING = {"Dense": (2,), "Activation": ("relu",), "Dropout": (0.5,), "LayerNormalization": (),
           "BatchNormalization": (), "ReLU": (), "ELU": (), "LeakyReLU": (), "PReLU": ()}
DROPPING = {"Conv1D": (2, 2), "Flatten": (), "MaxPooling1D": (2,), "AveragePooling1D": (2,),
            "GlobalMaxPooling1D": (), "Reshape": ((12,),), "UpSampling1D": (), "ZeroPadding1D": (),
            "Cropping1D": ((1, 1),), "Conv1DTranspose": (2, 2)}


@pytest.mark.parametrize("name", sorted(PASSING) + sorted(DROPPING))
def test_which_layers_pass_the_mask_on_and_which_drop_it_with_keras_warning(name):
    keras = keras_on_torch("Keras 3.15's supports_masking and its warning")
    arguments = {**PASSING, **DROPPING}[name]
    theirs_in = keras.layers.Embedding(6, 3, mask_zero=True)(INDICES)
    ours_in = layers.Embedding(6, 3, mask_zero=True)(INDICES)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = getattr(keras.layers, name)(*arguments)(theirs_in)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = getattr(layers, name)(*arguments)(ours_in)

    def destroyed(caught):
        return [str(w.message) for w in caught if "does not support masking" in str(w.message)]

    assert (_our_mask(ours) is None) == (_keras_mask_of(theirs) is None) == (name in DROPPING)
    assert bool(destroyed(ours_warned)) == bool(destroyed(theirs_warned)) == (name in DROPPING)
    if name in PASSING:
        np.testing.assert_array_equal(_our_mask(ours), _keras_mask_of(theirs))
    else:
        assert destroyed(ours_warned)[0].split("(of type")[1] == destroyed(theirs_warned)[0].split("(of type")[1]


def test_a_layer_of_your_own_with_compute_mask_supports_masking_as_keras():
    class Halve(layers.Layer):
        def call(self, inputs):
            return inputs * 0.5

        def compute_mask(self, inputs, previous_mask):
            return previous_mask[:, :2]

    assert Halve().supports_masking and not layers.Layer().supports_masking
    y = Halve()(layers.Embedding(6, 3, mask_zero=True)(INDICES))
    assert _our_mask(y).tolist() == (INDICES[:, :2] != 0).tolist()
    layer = layers.Flatten()
    layer.supports_masking = True                   # the Keras idiom: then the mask is passed on unchanged
    assert _our_mask(layer(layers.Embedding(6, 3, mask_zero=True)(INDICES))).tolist() == (INDICES != 0).tolist()


# ------------------------------------------------------------------------------------------- using masks
@pytest.mark.parametrize(("data_format", "keepdims"), [("channels_last", False), ("channels_first", True)])
def test_global_average_pooling_masked_mean_and_gradient_as_keras(data_format, keepdims):
    keras = keras_on_torch("Keras 3.15's masked GlobalAveragePooling1D")
    import torch

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 4, 3)).astype("float32")
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1).copy()
    mask = INDICES != 0
    xt = torch.tensor(x, requires_grad=True)
    expected = keras.layers.GlobalAveragePooling1D(data_format, keepdims=keepdims)(xt, mask=torch.tensor(mask))
    expected.sum().backward()
    ours_x = tg.tensor(x, requires_grad=True)
    got = layers.GlobalAveragePooling1D(data_format, keepdims=keepdims)(ours_x, mask=mask)
    got.sum().backward()
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours_x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    # by hand, first sample: steps 0 and 1 count
    axis = 1 if data_format == "channels_last" else 2
    by_hand = np.take(x[0], [0, 1], axis=axis - 1).mean(axis=axis - 1)
    np.testing.assert_allclose(got.numpy()[0].ravel(), by_hand, rtol=1e-6)
    assert _our_mask(got) is None


def test_global_average_pooling_reads_the_mask_the_input_carries():
    keras = keras_on_torch("Keras 3.15 passes the input's mask to call(mask=)")
    weights = np.arange(18.0, dtype="float32").reshape(6, 3)
    theirs = keras.layers.Embedding(6, 3, mask_zero=True)
    theirs.build()
    theirs.set_weights([weights])
    expected = keras.layers.GlobalAveragePooling1D()(theirs(INDICES)).detach().cpu().numpy()
    ours = layers.Embedding(6, 3, mask_zero=True, weights=[weights])
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(ours(INDICES)).numpy(), expected, rtol=1e-6)
    everything_masked = layers.GlobalAveragePooling1D()(ours(np.zeros((1, 3), "int64")))
    assert np.isnan(everything_masked.numpy()).all()         # 0 / 0, as Keras (NaN)
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*\(batch, steps\) = \(4, 4\).*\(4, 3\)"):
        layers.GlobalAveragePooling1D()(np.ones((4, 4, 3)), mask=np.ones((4, 3), bool))


def test_batch_normalization_takes_the_mask_the_input_carries_as_keras():
    keras = keras_on_torch("Keras 3.15 passes the input's mask to BatchNormalization.call(mask=)")
    weights = np.random.default_rng(2).normal(size=(6, 3)).astype("float32")
    theirs = keras.layers.Embedding(6, 3, mask_zero=True)
    theirs.build()
    theirs.set_weights([weights])
    bn = keras.layers.BatchNormalization()
    expected = bn(theirs(INDICES), training=True)
    ours_bn = layers.BatchNormalization()
    got = ours_bn(layers.Embedding(6, 3, mask_zero=True, weights=[weights])(INDICES), training=True)
    np.testing.assert_allclose(got.numpy(), expected.detach().cpu().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours_bn.moving_mean.numpy(), bn.moving_mean.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(_our_mask(got), _keras_mask_of(expected))


# ------------------------------------------------------------------------------------------- models
def _pooled_models(keras, functional):
    rng = np.random.default_rng(3)
    table, kernel, bias = rng.normal(size=(6, 3)), rng.normal(size=(3, 1)), rng.normal(size=(1,))
    if functional:
        k_in = keras.Input((4,), dtype="int32")
        k_out = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(
            keras.layers.Embedding(6, 3, mask_zero=True)(k_in)))
        theirs = keras.Model(k_in, k_out)
        o_in = layers.Input((4,), dtype="int32")
        o_out = layers.Dense(1)(layers.GlobalAveragePooling1D()(layers.Embedding(6, 3, mask_zero=True)(o_in)))
        ours = models.Model(o_in, o_out)
    else:
        theirs = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(6, 3, mask_zero=True),
                                   keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
        ours = models.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(6, 3, mask_zero=True),
                                  layers.GlobalAveragePooling1D(), layers.Dense(1)])
    for model in (theirs, ours):
        model.set_weights([table, kernel, bias])
    return theirs, ours


@pytest.mark.parametrize("functional", [False, True])
def test_embedding_pooling_dense_model_call_and_fit_as_keras(functional):
    keras = keras_on_torch("Keras 3.15: Embedding(mask_zero=True) -> GlobalAveragePooling1D -> Dense")
    theirs, ours = _pooled_models(keras, functional)
    np.testing.assert_allclose(ours(INDICES).numpy(), theirs(INDICES).detach().cpu().numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(INDICES, verbose=0), theirs.predict(INDICES, verbose=0), rtol=1e-5)
    y = np.array([[0.5], [-1.0], [2.0], [0.0]])
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    expected = theirs.fit(INDICES, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(INDICES, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def _per_step_models(keras, seed=0):
    """Embedding(mask_zero=True) -> Dense per step: outputs (batch, steps, 4) carrying the mask."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(6, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))]
    theirs = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(6, 3, mask_zero=True),
                               keras.layers.Dense(4)])
    ours = models.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(6, 3, mask_zero=True),
                              layers.Dense(4)])
    for model in (theirs, ours):
        model.set_weights(weights)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    ours.compile(optimizer=optimizers.SGD(0.1), loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])
    return theirs, ours


TARGETS = np.array([[3, 1, 0, 2], [0, 1, 2, 3], [1, 1, 0, 0], [2, 3, 3, 1]])


def test_masked_loss_and_accuracy_by_hand():
    """The loss is the mean over the steps that count, and so is the accuracy (a loop over the formula)."""
    ours = models.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(6, 3, mask_zero=True),
                              layers.Dense(4)])
    rng = np.random.default_rng(18)
    ours.set_weights([rng.normal(size=(6, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))])
    ours.compile(optimizer=optimizers.SGD(0.1), loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"])
    logits = ours.predict(INDICES, verbose=0).astype("float64")
    every_hit = (np.argmax(logits, axis=-1) == TARGETS).mean()
    losses_by_hand, hits = [], []
    for b in range(4):
        for t in range(4):
            if INDICES[b, t] != 0:
                row = logits[b, t]
                losses_by_hand.append(np.log(np.exp(row).sum()) - row[TARGETS[b, t]])
                hits.append(float(np.argmax(row) == TARGETS[b, t]))
    result = ours.evaluate(INDICES, TARGETS, verbose=0, return_dict=True)
    assert result["loss"] == pytest.approx(np.mean(losses_by_hand), rel=1e-5)
    assert result["accuracy"] == pytest.approx(np.mean(hits), rel=1e-6)
    assert abs(np.mean(hits) - every_hit) > 0.1          # (the masked steps would change it)


def test_masked_per_step_outputs_train_on_batch_fit_and_evaluate_as_keras():
    keras = keras_on_torch("Keras 3.15's compiled loss and metrics weigh the steps by the predictions' mask")
    theirs, ours = _per_step_models(keras, seed=4)
    np.testing.assert_allclose(ours.train_on_batch(INDICES, TARGETS), theirs.train_on_batch(INDICES, TARGETS),
                               rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    theirs, ours = _per_step_models(keras, seed=5)
    expected = theirs.fit(INDICES, TARGETS, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    got = ours.fit(INDICES, TARGETS, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)
    expected = theirs.evaluate(INDICES, TARGETS, verbose=0, return_dict=True)
    got = ours.evaluate(INDICES, TARGETS, verbose=0, return_dict=True)
    assert got == pytest.approx(expected, rel=1e-5)


def _masking_models(keras, learning_rate, weighted_metrics=None):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 5, 2)).astype("float32")
    x[0, 3:] = 0.0
    x[2, 1] = 0.0
    x[3, :] = 0.0
    y = rng.normal(size=(4, 5, 1)).astype("float32")
    weights = [rng.normal(size=(2, 1)), rng.normal(size=(1,))]
    # one weight per step: Keras 3.15 on torch fails on one per sample with a mask of the steps (a RuntimeError
    # in apply_mask), where this package weighs each sample's steps (see losses.reduce_weighted_values)
    sample_weight = rng.uniform(0.5, 2.0, size=(4, 5))
    theirs = keras.Sequential([keras.Input((5, 2)), keras.layers.Masking(), keras.layers.Dense(1)])
    ours = models.Sequential([layers.Input((5, 2)), layers.Masking(), layers.Dense(1)])
    for model in (theirs, ours):
        model.set_weights(weights)
    theirs.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse", metrics=["mae"],
                   weighted_metrics=weighted_metrics)
    ours.compile(optimizer=optimizers.SGD(learning_rate), loss="mse", metrics=["mae"],
                 weighted_metrics=weighted_metrics)
    return theirs, ours, x, y, sample_weight


def test_masking_dense_mse_mae_fit_with_sample_weight_as_keras():
    keras = keras_on_torch("Keras 3.15: Masking -> Dense, the compiled loss and metrics weighed by the mask")
    theirs, ours, x, y, sample_weight = _masking_models(keras, 0.05)
    expected = theirs.fit(x, y, sample_weight=sample_weight, batch_size=2, epochs=2, shuffle=False,
                          verbose=0).history
    got = ours.fit(x, y, sample_weight=sample_weight, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    assert sorted(got) == sorted(expected) == ["loss", "mae"]
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_masked_weighted_metric_is_the_weighted_mean_over_the_steps_that_count():
    """A weighted metric: sum(v * w * mask) / sum(w * mask) over every batch (a frozen model: learning rate 0).
    Keras 3.15 on torch gives another value in fit (3.906 where this formula gives 3.848 here): its apply_mask
    multiplies the batch's sample_weight tensor in place (`sample_weight *= float_mask`) while computing the loss,
    so its weighted metrics then see the weights times the loss's n / n_counted, which differs from batch to batch;
    its MeanSquaredError metric called on each batch gives the formula's value."""
    keras = keras_on_torch("Keras 3.15's model, for the same data")
    _, ours, x, y, sample_weight = _masking_models(keras, 0.0, weighted_metrics=["mse"])
    history = ours.fit(x, y, sample_weight=sample_weight, batch_size=2, epochs=1, shuffle=False, verbose=0).history
    values = ((ours.predict(x, verbose=0) - y) ** 2)[..., 0].astype("float64")
    counted = np.any(x != 0, axis=-1)
    expected = (values * sample_weight * counted).sum() / (sample_weight * counted).sum()
    assert history["mse"][0] == pytest.approx(expected, rel=1e-6)
    assert history["mae"][0] == pytest.approx(np.sqrt(values)[counted].mean(), rel=1e-6)


def test_a_loss_function_compiled_reads_the_mask_too_as_keras():
    """Keras 3 wraps a loss function in a LossFunctionWrapper, which reads the predictions' mask as a Loss does."""
    keras = keras_on_torch("Keras 3.15's LossFunctionWrapper")
    rng = np.random.default_rng(9)
    weights = [rng.normal(size=(6, 3)), rng.normal(size=(3, 1)), rng.normal(size=(1,))]
    y = rng.normal(size=(4, 4, 1))
    theirs = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(6, 3, mask_zero=True),
                               keras.layers.Dense(1)])
    ours = models.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(6, 3, mask_zero=True),
                              layers.Dense(1)])
    for model in (theirs, ours):
        model.set_weights(weights)
    theirs.compile(optimizer="sgd", loss=keras.losses.mean_squared_error)
    ours.compile(optimizer="sgd", loss=losses.mean_squared_error)
    assert ours.evaluate(INDICES, y, verbose=0) == pytest.approx(theirs.evaluate(INDICES, y, verbose=0), rel=1e-5)


def test_a_loss_called_on_masked_predictions_as_keras():
    keras = keras_on_torch("Keras 3.15's Loss.__call__ reads the predictions' mask")
    import torch
    from keras.src.backend import set_keras_mask

    rng = np.random.default_rng(7)
    pred, true = rng.normal(size=(4, 4, 2)).astype("float32"), rng.normal(size=(4, 4, 2)).astype("float32")
    mask = INDICES != 0
    theirs_pred = torch.tensor(pred)
    set_keras_mask(theirs_pred, torch.tensor(mask))
    ours_pred = tg.tensor(pred)
    ours_pred._keras_mask = tg.tensor(mask)
    for ours_loss, keras_loss in ((losses.MeanSquaredError(), keras.losses.MeanSquaredError()),
                                  (losses.MeanAbsoluteError(reduction="sum"),
                                   keras.losses.MeanAbsoluteError(reduction="sum"))):
        expected = float(keras_loss(true, theirs_pred))
        assert float(ours_loss(true, ours_pred).item()) == pytest.approx(expected, rel=1e-6)


# ------------------------------------------------------------------------------------------- configs and files
def test_embedding_and_masking_configs_json_and_keras_files_keep_the_mask(tmp_path):
    keras = keras_on_torch("Keras 3.15's Embedding config")
    assert layers.Embedding(6, 3, mask_zero=True).get_config()["mask_zero"] is True
    assert keras.layers.Embedding(6, 3, mask_zero=True).get_config()["mask_zero"] is True
    assert layers.Embedding.from_config(layers.Embedding(6, 3, mask_zero=True).get_config()).mask_zero is True
    model = models.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(6, 3, mask_zero=True),
                               layers.GlobalAveragePooling1D(), layers.Dense(1)])
    again = models.model_from_json(model.to_json())
    assert again.layers[0].mask_zero is True and json.loads(model.to_json())["config"]["layers"][1]["config"][
        "mask_zero"] is True
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = models.load_model(path)
    np.testing.assert_allclose(loaded.predict(INDICES, verbose=0), model.predict(INDICES, verbose=0), rtol=1e-6)
    assert loaded.layers[0].mask_zero is True
    # Keras reads our file, and its model gives the same values (the mask used there too)
    np.testing.assert_allclose(keras.saving.load_model(path).predict(INDICES, verbose=0),
                               model.predict(INDICES, verbose=0), rtol=1e-5, atol=1e-7)
    masking = models.Sequential([layers.Input((5, 2)), layers.Masking(mask_value=-1.0), layers.Dense(1)])
    masking.save(tmp_path / "masking.keras")
    theirs = keras.saving.load_model(tmp_path / "masking.keras")
    assert theirs.layers[0].mask_value == -1.0
    theirs.save(tmp_path / "back.keras")
    assert models.load_model(tmp_path / "back.keras").layers[0].mask_value == -1.0


# ------------------------------------------------------------------------------------------- every backend
def test_masks_on_every_backend(on_backend):
    """Hand-computed: Embedding(mask_zero) -> masked mean, Masking -> Dense per step -> masked loss and metric, with
    their gradients, on each backend (array-api-strict: only the standard's functions)."""
    table = np.array([[9.0, 9.0], [1.0, 2.0], [3.0, 4.0]])
    embedding = layers.Embedding(3, 2, mask_zero=True, weights=[table])
    out = embedding(tg.tensor(np.array([[1, 0, 2], [0, 0, 2]]), dtype="int64"))
    assert out.backend.name == on_backend and _our_mask(out).tolist() == [[True, False, True], [False, False, True]]
    pooled = layers.GlobalAveragePooling1D()(out)
    assert pooled.numpy().tolist() == [[2.0, 3.0], [3.0, 4.0]]            # (row 1 + row 2) / 2; row 2
    pooled.sum().backward()
    assert embedding.embeddings.grad.numpy().tolist() == [[0.0, 0.0], [0.5, 0.5], [1.5, 1.5]]   # row 0: masked
    x = tg.tensor(np.array([[[2.0], [0.0], [4.0]]]))
    masked = layers.Masking()(x)
    assert masked.backend.name == on_backend and _our_mask(masked).tolist() == [[True, False, True]]
    dense = layers.Dense(1, kernel_initializer="ones", bias_initializer="ones")
    pred = dense(masked)                                   # 3, 1 (masked), 5
    loss = losses.MeanSquaredError()(np.array([[[1.0], [0.0], [1.0]]]), pred)
    assert float(loss.item()) == pytest.approx((2.0 ** 2 + 4.0 ** 2) / 2)   # the masked step left out
    loss.backward()
    assert dense.kernel.grad.numpy().tolist() == [[pytest.approx((2 * 2.0 * 2.0 + 2 * 4.0 * 4.0) / 2)]]
    metric = tg.metrics.MeanAbsoluteError()
    metric.update_state(np.array([[[1.0], [0.0], [1.0]]]), pred)
    assert metric.result() == pytest.approx(3.0)           # (2 + 4) / 2
