"""Keras 3's masks through the merge layers (``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum``, ``Concatenate``) and through layers of several inputs, a model's call given a mask
(``model(x, mask=m)``), and a loss whose mask has another shape than its losses: values, masks, gradients and fit
losses checked against Keras 3.15 on torch (skipped, visibly, without it), and hand-computed cases on every
backend."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch
from test_masking import _keras_mask_of, _our_mask

import tinygradconv as tg
from tinygradconv import layers, losses, models, optimizers

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras

FIRST = np.array([[1, 2, 0, 0], [3, 0, 4, 0]])
SECOND = np.array([[0, 2, 2, 0], [3, 3, 0, 0]])
MERGES = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


@pytest.mark.parametrize("masked", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("name", MERGES)
def test_merge_layers_combine_masks_values_and_gradients_as_keras(name, masked):
    keras = keras_on_torch("Keras 3.15's merge layers on masked inputs")
    import torch
    from keras.src.backend import set_keras_mask

    rng = np.random.default_rng(11)
    data = [rng.normal(size=(2, 4, 3)).astype("float32") for _ in range(2)]
    theirs_leaves = [torch.tensor(x, requires_grad=True) for x in data]
    ours_leaves = [tg.tensor(x, requires_grad=True) for x in data]
    theirs_in, ours_in = [], []
    for theirs, ours, indices, has_mask in zip(theirs_leaves, ours_leaves, (FIRST, SECOND), masked):
        theirs, ours = theirs * 1.0, ours * 1.0        # tensors of their own, to carry a mask
        if has_mask:
            set_keras_mask(theirs, torch.tensor(indices != 0))
            ours._keras_mask = tg.tensor(indices != 0, dtype="bool")
        theirs_in.append(theirs)
        ours_in.append(ours)
    expected = getattr(keras.layers, name)()(theirs_in)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "destroy the mask" warning any more
        got = getattr(layers, name)()(ours_in)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-6)
    expected_mask, got_mask = _keras_mask_of(expected), _our_mask(got)
    assert (got_mask is None) == (expected_mask is None)
    if expected_mask is not None:
        np.testing.assert_array_equal(got_mask, expected_mask)
    weights = np.arange(expected.numel(), dtype="float32").reshape(tuple(expected.shape))
    (expected * torch.tensor(weights)).sum().backward()
    (got * tg.tensor(weights)).sum().backward()
    for ours, theirs in zip(ours_leaves, theirs_leaves):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_concatenate_along_the_steps_joins_the_masks_as_keras():
    keras = keras_on_torch("Keras 3.15's Concatenate.compute_mask")
    import torch
    from keras.src.backend import set_keras_mask

    a, b = np.ones((2, 4, 3), "float32"), np.ones((2, 2, 3), "float32")
    theirs_a, theirs_b = torch.tensor(a), torch.tensor(b)
    set_keras_mask(theirs_a, torch.tensor(FIRST != 0))
    ours_a = tg.tensor(a)
    ours_a._keras_mask = tg.tensor(FIRST != 0, dtype="bool")
    expected = _keras_mask_of(keras.layers.Concatenate(axis=1)([theirs_a, theirs_b]))
    got = _our_mask(layers.concatenate([ours_a, tg.tensor(b)], axis=1))
    np.testing.assert_array_equal(got, expected)
    # by hand: the first input's mask, then the unmasked second input's 2 steps, which count
    assert got.tolist() == [[True, True, False, False, True, True], [True, False, True, False, True, True]]


def test_lower_case_merge_functions_keep_masks():
    table = np.arange(1.0, 7.0).reshape(6, 1)
    embed = layers.Embedding(6, 1, mask_zero=True, weights=[table])
    a, b = embed(FIRST), embed(SECOND)
    for function in (layers.add, layers.subtract, layers.multiply, layers.average, layers.maximum, layers.minimum,
                     layers.concatenate):
        assert _our_mask(function([a, b])).tolist() == ((FIRST != 0) | (SECOND != 0)).tolist(), function.__name__
    # by hand, step 0 of sample 0: FIRST counts (row 1: 2.0), SECOND is masked (row 0: 1.0)
    assert layers.multiply([a, b]).numpy()[0, 0, 0] == 2.0           # the masked 1.0 taken as 1
    assert layers.maximum([a, b]).numpy()[0, 0, 0] == 2.0            # the masked one takes the other's value
    assert layers.minimum([a, b]).numpy()[0, 0, 0] == 2.0
    assert layers.add([a, b]).numpy()[0, 0, 0] == 3.0                # every value added, the masked ones too
    assert layers.multiply([a, b]).numpy()[0, 3, 0] == 0.0           # masked in both: 0


def _two_branch_models(keras, merge):
    """Embedding(mask_zero) on two inputs, merged, averaged over the steps that count, Dense(1)."""
    rng = np.random.default_rng(12)
    weights = [rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), rng.normal(size=(3 * (1 + (merge == "Concatenate")),
                                                                                      1)), rng.normal(size=(1,))]

    def build(lib):
        first, second = lib.Input((4,), dtype="int32", name="first"), lib.Input((4,), dtype="int32", name="second")
        layers_ = lib.layers if hasattr(lib, "layers") else lib
        merged = getattr(layers_, merge)()([layers_.Embedding(6, 3, mask_zero=True)(first),
                                            layers_.Embedding(6, 3, mask_zero=True)(second)])
        return [first, second], layers_.Dense(1)(layers_.GlobalAveragePooling1D()(merged))

    theirs = keras.Model(*build(keras))
    inputs, outputs = build(layers)
    ours = models.Model(inputs, outputs)
    for model in (theirs, ours):
        model.set_weights(weights)
    return theirs, ours


@pytest.mark.parametrize("merge", MERGES)
def test_functional_model_with_a_merge_of_masked_branches_predicts_and_fits_as_keras(merge):
    keras = keras_on_torch("Keras 3.15: two masked branches merged, then GlobalAveragePooling1D")
    theirs, ours = _two_branch_models(keras, merge)
    third = np.array([[5, 0, 0, 0], [0, 0, 0, 0]])          # the second sample: masked in one input only
    x = [np.concatenate([FIRST, third]), np.concatenate([SECOND, FIRST])]
    y = np.random.default_rng(13).normal(size=(4, 1)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    expected = theirs.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_merge_masks_on_every_backend(on_backend):
    """By hand: masks (True where a step counts) [[T, F, T]] and [[F, F, T]]; values 1, 2, 3 and 10, 20, 30."""
    a = tg.tensor(np.array([[[1.0], [2.0], [3.0]]]), requires_grad=True)
    b = tg.tensor(np.array([[[10.0], [20.0], [30.0]]]), requires_grad=True)
    a_in, b_in = a * 1.0, b * 1.0
    a_in._keras_mask = tg.tensor(np.array([[True, False, True]]), dtype="bool")
    b_in._keras_mask = tg.tensor(np.array([[False, False, True]]), dtype="bool")
    product = layers.Multiply()([a_in, b_in])
    assert product.backend.name == on_backend
    assert product.numpy()[..., 0].tolist() == [[1.0, 0.0, 90.0]]     # 1 * (masked: 1), masked in both: 0, 3 * 30
    assert _our_mask(product).tolist() == [[True, False, True]]
    product.sum().backward()
    assert a.grad.numpy()[..., 0].tolist() == [[1.0, 0.0, 30.0]] and b.grad.numpy()[..., 0].tolist() == [[0, 0, 3]]
    largest = layers.Maximum()([a_in, b_in])
    assert largest.numpy()[..., 0].tolist() == [[1.0, 2.0, 30.0]]   # b masked: a's 1; masked in both: the first's 2
    joined = layers.Concatenate(axis=1)([a_in, b_in])
    assert _our_mask(joined).tolist() == [[True, False, True, False, False, True]]
    assert _our_mask(layers.Add()([a_in, b])) is None                 # one input without a mask: none


# ------------------------------------------------------------------------------------------- several inputs
def _probe_masks(lib, make_mask, structures):
    """The ``mask`` a layer of one's own (``call(self, inputs, mask=None)``) receives for each input structure."""
    seen = []

    class Probe(lib.Layer):
        def call(self, inputs, mask=None):
            seen.append(mask)
            return inputs["a"] * 1.0 if isinstance(inputs, dict) else inputs[0] * 1.0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # Probe does not support masking: both warn that it drops the mask
        for structure in structures:
            Probe()(structure(make_mask))
    return seen


def _as_lists(structure, to_list):
    if isinstance(structure, dict):
        return {key: _as_lists(value, to_list) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_as_lists(value, to_list) for value in structure)
    return None if structure is None else to_list(structure)


def test_a_layer_of_several_inputs_gets_the_masks_in_their_structure_as_keras():
    keras = keras_on_torch("Keras 3.15 gives call(mask=) the inputs' masks in their structure")
    import torch
    from keras.src.backend import set_keras_mask

    mask = np.array([[True, False, True]] * 2)

    def theirs(which):
        a, b = torch.ones(2, 3, 1), torch.ones(2, 3, 1)
        set_keras_mask(a, torch.tensor(mask))
        return which(a, b)

    def ours(which):
        a, b = tg.tensor(np.ones((2, 3, 1), "float32")), tg.tensor(np.ones((2, 3, 1), "float32"))
        a._keras_mask = tg.tensor(mask, dtype="bool")
        return which(a, b)

    structures = [lambda a, b: {"a": a, "b": b}, lambda a, b: [a, b], lambda a, b: (b, a), lambda a, b: [b, b]]
    expected = _probe_masks(keras.layers, lambda which: theirs(which), [lambda m, s=s: m(s) for s in structures])
    got = _probe_masks(layers, lambda which: ours(which), [lambda m, s=s: m(s) for s in structures])
    expected = [_as_lists(m, lambda t: t.cpu().numpy().tolist()) for m in expected]
    got = [_as_lists(m, lambda t: t.numpy().tolist()) for m in got]
    assert got == expected
    # by hand: a dict of masks for a dict of inputs, None for the input without one
    assert got[0] == {"a": mask.tolist(), "b": None} and got[2] == (None, mask.tolist()) and got[3] == [None, None]


# ------------------------------------------------------------------------------------------- model(x, mask=m)
def test_sequential_called_with_a_mask_sets_it_on_its_input_as_keras():
    keras = keras_on_torch("Keras 3.15's Sequential.call(mask=)")
    import torch

    rng = np.random.default_rng(14)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    kernel, bias = rng.normal(size=(3, 2)), rng.normal(size=(2,))
    theirs = keras.Sequential([keras.Input((4, 3)), keras.layers.Dense(2), keras.layers.GlobalAveragePooling1D()])
    ours = models.Sequential([layers.Input((4, 3)), layers.Dense(2), layers.GlobalAveragePooling1D()])
    theirs_dense = keras.Sequential([keras.Input((4, 3)), keras.layers.Dense(2)])
    ours_dense = models.Sequential([layers.Input((4, 3)), layers.Dense(2)])
    for model in (theirs, ours, theirs_dense, ours_dense):
        model.set_weights([kernel, bias])
    theirs_x, ours_x = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        expected = theirs(theirs_x, mask=torch.tensor(FIRST != 0))
        expected_dense = theirs_dense(x, mask=torch.tensor(FIRST != 0))
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        got = ours(ours_x, mask=FIRST != 0)
        got_dense = ours_dense(x, mask=tg.tensor(FIRST != 0, dtype="bool"))
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-5)
    np.testing.assert_array_equal(_our_mask(got_dense), _keras_mask_of(expected_dense))
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-5)
    # the model itself warns that it does not support masking (Keras' warning, though its layers do use the mask)
    def dropped(caught):      # the messages after the model's name (numbered by each library's session)
        return [str(w.message).split("(of type")[1] for w in caught if "does not support masking" in str(w.message)]

    assert dropped(ours_warned) == dropped(theirs_warned) and len(dropped(ours_warned)) == 2
    # the caller's tensor is not changed (Keras sets the mask on it); a later call without a mask is unmasked
    assert _our_mask(ours_x) is None
    np.testing.assert_allclose(ours(x).numpy(), ours_dense(x).numpy().mean(axis=1), rtol=1e-6)
    # by hand: the mean of the steps that count (0, 1 of sample 0)
    np.testing.assert_allclose(got.numpy()[0], (x[0, :2] @ kernel + bias).mean(axis=0), rtol=1e-5)


@pytest.mark.parametrize("how", ["list", "dict", "one_missing"])
def test_functional_model_of_two_inputs_called_with_masks_as_keras(how):
    keras = keras_on_torch("Keras 3.15's Functional.call(mask=): one mask per input, set on it")
    import torch

    rng = np.random.default_rng(15)
    x = [rng.normal(size=(2, 4, 3)).astype("float32") for _ in range(2)]
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(2,)), rng.normal(size=(3, 2)), rng.normal(size=(2,))]

    def build(lib, layers_):
        first, second = lib.Input((4, 3), name="first"), lib.Input((4, 3), name="second")
        merged = layers_.Maximum()([layers_.Dense(2)(first), layers_.Dense(2)(second)])
        return [first, second], [merged, layers_.GlobalAveragePooling1D()(merged)]

    theirs, ours = keras.Model(*build(keras, keras.layers)), models.Model(*build(layers, layers))
    for model in (theirs, ours):
        model.set_weights(weights)
    masks = {"list": [FIRST != 0, SECOND != 0], "dict": {"first": FIRST != 0, "second": SECOND != 0},
             "one_missing": [FIRST != 0, None]}[how]
    theirs_masks = ({k: torch.tensor(v) for k, v in masks.items()} if isinstance(masks, dict) else
                    [None if m is None else torch.tensor(m) for m in masks])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # both models warn that they do not support masking themselves
        if how == "dict":
            expected = theirs({"first": x[0], "second": x[1]}, mask=theirs_masks)
            got = ours({"first": x[0], "second": x[1]}, mask=masks)
        else:
            expected, got = theirs(x, mask=theirs_masks), ours(x, mask=masks)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5)
    expected_mask, got_mask = _keras_mask_of(expected[0]), _our_mask(got[0])
    assert (got_mask is None) == (expected_mask is None) == (how == "one_missing")
    if expected_mask is not None:
        np.testing.assert_array_equal(got_mask, expected_mask)


def test_model_call_mask_errors():
    model = models.Sequential([layers.Input((4, 3)), layers.Dense(2)])
    x = np.ones((2, 4, 3), "float32")
    with pytest.raises(TypeError, match=r"Invalid type for argument `mask`.*boolean.*Received a mask of dtype int64"):
        model(x, mask=FIRST)
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*\(2, 4, 3\).*shape \(2, 3\)"):
        model(x, mask=np.ones((2, 3), bool))
    first, second = layers.Input((4, 3), name="first"), layers.Input((4, 3), name="second")
    two = models.Model([first, second], layers.Add()([first, second]))
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*one mask \(or None\) per input, 2.*"
                                         r"Received 1 masks"):
        two([x, x], mask=[FIRST != 0])
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*keys must be input names"):
        two([x, x], mask={"third": FIRST != 0})
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*symbolic"):
        model(layers.Input((4, 3)), mask=FIRST != 0)


# ------------------------------------------------------------------------------------------- losses
@pytest.mark.parametrize(("predictions", "mask"), [((4, 4, 2), (4, 1)), ((4, 1, 2), (4, 4)), ((4, 1, 1), (4,))])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
def test_a_loss_on_a_mask_of_another_shape_than_its_losses_as_keras(predictions, mask, reduction):
    keras = keras_on_torch("Keras 3.15's apply_mask and reduce_weighted_values")
    import torch
    from keras.src.backend import set_keras_mask

    rng = np.random.default_rng(16)
    pred, true = rng.normal(size=predictions).astype("float32"), rng.normal(size=predictions).astype("float32")
    keep = rng.uniform(size=mask) > 0.4
    keep.flat[0] = True
    theirs_pred = torch.tensor(pred, requires_grad=True)
    theirs_in = theirs_pred * 1.0
    set_keras_mask(theirs_in, torch.tensor(keep))
    ours_pred = tg.tensor(pred, requires_grad=True)
    ours_in = ours_pred * 1.0
    ours_in._keras_mask = tg.tensor(keep, dtype="bool")
    expected = keras.losses.MeanSquaredError(reduction=reduction)(true, theirs_in)
    got = losses.MeanSquaredError(reduction=reduction)(true, ours_in)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-6)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(ours_pred.grad.numpy(), theirs_pred.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_a_loss_refuses_a_mask_that_lines_up_with_other_axes():
    """Predictions (4, 4) with a (4, 4) mask give losses (4,): Keras 3.15 multiplies them lined up from the right
    (the loss of sample j weighed by step j of every sample; a torch RuntimeError when batch != steps)."""
    pred = tg.tensor(np.ones((4, 4), "float32"))
    pred._keras_mask = tg.tensor(np.ones((4, 4), bool), dtype="bool")
    with pytest.raises(ValueError, match=r"Invalid value for argument `mask`.*shape \(4, 4\).*losses of shape \(4,\)"):
        losses.MeanSquaredError()(np.zeros((4, 4)), pred)
    masked = tg.tensor(np.ones((4, 4, 2), "float32"))
    masked._keras_mask = tg.tensor(np.ones((4, 1), bool), dtype="bool")
    with pytest.raises(ValueError, match=r"Invalid value for argument `sample_weight`.*mask of shape \(4, 1\)"):
        losses.MeanSquaredError()(np.zeros((4, 4, 2)), masked, sample_weight=np.ones(4))


def test_a_loss_on_a_mask_of_another_shape_on_every_backend(on_backend):
    """By hand: losses (2, 2) = [[1, 4], [9, 16]] ((pred - 0)^2, one feature), a mask (2, 1) = [[True], [False]]:
    the weight of a counted sample is 2 / 1, so the mean is (1 + 4) * 2 / 4 = 2.5, the mean of sample 0's steps."""
    pred = tg.tensor(np.array([[[1.0], [2.0]], [[3.0], [4.0]]]), requires_grad=True)
    shown = pred * 1.0
    shown._keras_mask = tg.tensor(np.array([[True], [False]]), dtype="bool")
    loss = losses.MeanSquaredError()(np.zeros((2, 2, 1)), shown)
    assert loss.backend.name == on_backend and float(loss.item()) == pytest.approx(2.5)
    loss.backward()
    assert pred.grad.numpy()[..., 0].tolist() == [[1.0, 2.0], [0.0, 0.0]]      # 2 * pred * 2 / 4 for sample 0


def test_masking_values_per_feature_and_bool_on_every_backend(on_backend):
    """By hand: steps [0, 1], [1, 1], [0, 0]; mask_value [0, 1] masks the first, True (1) the second."""
    x = tg.tensor(np.array([[[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]]), requires_grad=True)
    per_feature = layers.Masking(mask_value=[0.0, 1.0])(x)
    assert per_feature.backend.name == on_backend
    assert _our_mask(per_feature).tolist() == [[False, True, True]]
    assert per_feature.numpy().tolist() == [[[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]
    per_feature.sum().backward()
    assert x.grad.numpy()[0, :, 0].tolist() == [0.0, 1.0, 1.0]
    assert _our_mask(layers.Masking(mask_value=True)(x)).tolist() == [[True, False, True]]
