"""``Dice`` and ``Tversky`` (classes and functions, Keras 3.15's, missing before session 48), and a clear error for
the Keras losses and optimizer this package does not have (CTC, Circle, MultiOptimizer;
CategoricalGeneralizedCrossEntropy is here since session 49)."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import losses, optimizers

Y_TRUE = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
Y_PRED = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]


def test_dice_of_keras_documented_example_by_hand():
    """Keras' docstring example: per image 1 - 2*1/(2+2) = 0.5 and 1 - 2*0.4/(2+1.3) = 0.757576; over the whole
    batch 1 - 2*1.4/(4+3.3) = 0.616438 (epsilon 1e-7 in the denominator)."""
    per_image = losses.dice(Y_TRUE, Y_PRED, axis=(1, 2, 3)).numpy()
    np.testing.assert_allclose(per_image, [1 - 2 / (4 + 1e-7), 1 - 0.8 / (3.3 + 1e-7)], rtol=1e-6)
    assert losses.dice(Y_TRUE, Y_PRED).shape == ()
    np.testing.assert_allclose(losses.dice(Y_TRUE, Y_PRED).item(), 1 - 2.8 / (7.3 + 1e-7), rtol=1e-6)
    np.testing.assert_allclose(losses.Dice(axis=(1, 2, 3))(Y_TRUE, Y_PRED).item(), (0.5 + 1 - 0.8 / 3.3) / 2,
                               rtol=1e-6)


def test_tversky_by_hand_and_equal_to_dice_at_one_half():
    """y = [1, 1, 0, 0], p = [0, 1, 0, 0.5]: TP = 1, Keras' "fp" sum((1 - p) y) = 1, its "fn" sum(p (1 - y)) = 0.5;
    alpha=0.2, beta=0.8 give 1 - 1 / (1 + 0.2 + 0.4), alpha=0.8, beta=0.2 give 1 - 1 / (1 + 0.8 + 0.1)."""
    y, p = [[1.0, 1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0, 0.5]]
    np.testing.assert_allclose(losses.tversky(y, p, alpha=0.2, beta=0.8).item(), 1 - 1 / 1.6, rtol=1e-6)
    np.testing.assert_allclose(losses.tversky(y, p, alpha=0.8, beta=0.2).item(), 1 - 1 / 1.9, rtol=1e-6)
    rng = np.random.default_rng(0)
    y, p = (rng.uniform(size=(4, 6)) > 0.5) * 1.0, rng.uniform(size=(4, 6))
    np.testing.assert_allclose(losses.tversky(y, p, axis=-1).numpy(), losses.dice(y, p, axis=-1).numpy(),
                               rtol=1e-6)


def test_zeros_give_one_and_no_nan():
    zeros = np.zeros((2, 3))
    assert losses.dice(zeros, zeros).item() == 1.0
    assert losses.tversky(zeros, zeros, axis=1).numpy().tolist() == [1.0, 1.0]


def test_bad_arguments_are_refused_naming_the_value():
    with pytest.raises(ValueError, match="Invalid value for argument `alpha`.*Received alpha=-0.5"):
        losses.Tversky(alpha=-0.5)
    with pytest.raises(ValueError, match="Invalid value for argument `beta`.*Received beta=nan"):
        losses.tversky([[1.0]], [[1.0]], beta=float("nan"))
    with pytest.raises(TypeError, match="Invalid type for argument `axis`.*axis=1.5"):
        losses.Dice(axis=1.5)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        losses.dice([[1.0]], [[1.0]], axis=3)
    with pytest.raises(ValueError, match="an axis named twice"):
        losses.dice([[1.0]], [[1.0]], axis=(1, -1))
    with pytest.raises(ValueError, match=r"same shape.*\(2, 1\).*\(2, 3\)"):
        losses.dice(np.ones((2, 1)), np.ones((2, 3)))


def test_names_and_configs_are_keras():
    assert type(losses.get("dice")) is losses.Dice and type(losses.get("Tversky")) is losses.Tversky
    assert losses.Dice(axis=(1, 2)).get_config() == {"name": "dice", "reduction": "sum_over_batch_size",
                                                     "axis": (1, 2)}
    assert losses.Tversky(alpha=0.3, beta=0.7).get_config() == {"name": "tversky", "reduction": "sum_over_batch_size",
                                                                "alpha": 0.3, "beta": 0.7, "axis": None}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ["dice", "tversky"])
def test_functions_match_keras_values_and_gradients(name, dtype):
    """Values (dtype included) and gradients (torch's autograd through Keras' loss) against Keras 3.15 on torch:
    random inputs, zeros, ones, a sample of zeros beside others, every form of axis."""
    keras = keras_on_torch("Keras 3 on torch is the reference for dice and tversky")
    import torch

    rng = np.random.default_rng(48)
    tolerance = 2e-3 if dtype == "float16" else 1e-6
    for case in ["random", "zeros", "ones", "mixed"]:
        y_pred, y_true = rng.uniform(0, 1, (3, 4, 5, 2)), (rng.uniform(0, 1, (3, 4, 5, 2)) > 0.5) * 1.0
        if case != "random":
            index = slice(None) if case != "mixed" else 0
            y_pred[index] = y_true[index] = 0.0 if case != "ones" else 1.0
        y_pred, y_true = y_pred.astype(dtype), y_true.astype(dtype)
        for axis in [None, (1, 2, 3), -1, (1,), [2, 3], ()]:
            for kwargs in ([{}] if name == "dice" else [{}, {"alpha": 0.3, "beta": 0.7}]):
                ours_in, theirs_in = tg.tensor(y_pred, requires_grad=True), torch.tensor(y_pred, requires_grad=True)
                ours = getattr(losses, name)(y_true, ours_in, axis=axis, **kwargs)
                ours.sum().backward()
                theirs = getattr(keras.losses, name)(torch.tensor(y_true), theirs_in, axis=axis, **kwargs)
                theirs.sum().backward()
                message = f"{case} axis={axis} {kwargs}"
                assert ours.numpy().dtype == theirs.detach().numpy().dtype, message
                assert ours.shape == tuple(theirs.shape), message
                np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=tolerance, atol=1e-7,
                                           err_msg=message)
                np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=tolerance, atol=1e-7,
                                           err_msg=message)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", ["Dice", "Tversky"])
def test_classes_match_keras_for_every_reduction_and_sample_weight(name, dtype):
    """The classes compute in float32 for float16 and float32 predictions, as Keras' (float64 predictions keep
    float64 here, documented, where Keras' classes compute in float32)."""
    keras = keras_on_torch("Keras 3 on torch is the reference for Dice and Tversky")
    import torch

    rng = np.random.default_rng(7)
    y_pred, y_true = rng.uniform(0, 1, (3, 4, 5, 2)), (rng.uniform(0, 1, (3, 4, 5, 2)) > 0.5) * 1.0
    y_pred[0] = y_true[0] = 0.0
    y_pred, y_true = y_pred.astype(dtype), y_true.astype(dtype)
    weights = rng.uniform(0, 2, 3).astype("float32")
    kwargs = {} if name == "Dice" else {"alpha": 0.3, "beta": 0.7}
    for axis in [None, (1, 2, 3)]:
        for reduction in ["sum_over_batch_size", "sum", None, "mean_with_sample_weight"]:
            for sample_weight in [None, weights]:
                ours_in, theirs_in = tg.tensor(y_pred, requires_grad=True), torch.tensor(y_pred, requires_grad=True)
                ours = getattr(losses, name)(axis=axis, reduction=reduction, **kwargs)(
                    y_true, ours_in, sample_weight=sample_weight)
                ours.sum().backward()
                theirs = getattr(keras.losses, name)(axis=axis, reduction=reduction, **kwargs)(
                    torch.tensor(y_true), theirs_in,
                    sample_weight=None if sample_weight is None else torch.tensor(sample_weight))
                theirs.sum().backward()
                message = f"axis={axis} reduction={reduction} weighted={sample_weight is not None}"
                assert ours.numpy().dtype == theirs.detach().numpy().dtype, message
                np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6, err_msg=message)
                np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-5, atol=1e-8,
                                           err_msg=message)


@pytest.mark.parametrize("name", ["CTC", "ctc", "Circle", "circle"])
def test_keras_losses_missing_here_say_so(name):
    with pytest.raises(AttributeError, match=f"no attribute '{name}'; it is keras.losses.{name} .*which Keras 3 has "
                                             "and tinygradconv does not"):
        getattr(losses, name)
    for ask in (lambda: losses.get(name), lambda: losses.get({"class_name": name, "config": {}}),
                lambda: losses.deserialize(name)):
        with pytest.raises(ValueError, match=f"'{name}' is keras.losses.*which Keras 3 has and tinygradconv does "
                                             "not"):
            ask()
    with pytest.raises(ValueError, match="which Keras 3 has and tinygradconv does not"):
        tg.models.Sequential([tg.layers.Dense(1)]).compile(optimizer="sgd", loss=name)


def test_a_custom_object_of_that_name_still_wins():
    def ctc(y_true, y_pred):
        return (y_pred - y_true).abs().mean(axis=-1)

    assert losses.deserialize("ctc", custom_objects={"ctc": ctc}) is ctc
    with tg.saving.custom_object_scope({"ctc": ctc}):
        assert losses.get("ctc")([[0.0, 0.0]], [[1.0, 3.0]]).item() == 2.0


def test_multioptimizer_says_keras_has_it():
    with pytest.raises(AttributeError, match="no attribute 'MultiOptimizer'; it is keras.optimizers.MultiOptimizer"):
        optimizers.MultiOptimizer  # noqa: B018
    for ask in (lambda: optimizers.get("MultiOptimizer"), lambda: optimizers.get("multioptimizer"),
                lambda: optimizers.deserialize({"class_name": "MultiOptimizer", "config": {}})):
        with pytest.raises(ValueError, match="'(?i:multioptimizer)' is keras.optimizers.MultiOptimizer.*which Keras 3 "
                                             "has and tinygradconv does not"):
            ask()
    with pytest.raises(AttributeError, match=r"did you mean Adam or (Nadam or )?AdamW\?"):   # compared lower-cased
        optimizers.Adamm  # noqa: B018
