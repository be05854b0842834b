"""``losses.deserialize``, Keras 3's ``keras.losses.deserialize`` (missing before session 48, found by a tester):
a config dict from ``serialize`` (or from Keras) gives a new instance, a class name an instance with the defaults,
a function's name the function, and ``custom_objects`` your own."""
import inspect

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import losses

CLASSES = sorted((cls for cls in vars(losses).values() if inspect.isclass(cls) and issubclass(cls, losses.Loss)
                  and cls not in (losses.Loss, losses.LossFunctionWrapper)), key=lambda cls: cls.__name__)
NON_DEFAULT = {"Huber": {"delta": 0.5}, "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1},
               "CategoricalCrossentropy": {"label_smoothing": 0.2, "axis": 0},
               "SparseCategoricalCrossentropy": {"ignore_class": 2},
               "CosineSimilarity": {"axis": 0}, "BinaryFocalCrossentropy": {"gamma": 1.5, "alpha": 0.4},
               "CategoricalFocalCrossentropy": {"gamma": 0.5, "alpha": [0.2, 0.3, 0.5]},
               "Dice": {"axis": (1,)}, "Tversky": {"alpha": 0.3, "beta": 0.7}}


def test_every_loss_class_is_in_the_list():
    assert {"MeanSquaredError", "Huber", "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy"} <= {
        cls.__name__ for cls in CLASSES}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_loss_class_round_trips_through_serialize_and_deserialize(cls):
    loss = cls(reduction="sum", name="my_loss", **NON_DEFAULT.get(cls.__name__, {}))
    config = losses.serialize(loss)
    again = losses.deserialize(config)
    assert type(again) is cls and again is not loss
    assert again.get_config() == loss.get_config()
    assert again.get_config()["name"] == "my_loss" and again.get_config()["reduction"] == "sum"
    assert type(losses.deserialize(cls.__name__)) is cls


def test_a_round_tripped_loss_computes_what_the_original_computes():
    y_true, y_pred = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), np.array([[0.2, 0.7, 0.1], [0.5, 0.2, 0.3]])
    loss = losses.CategoricalFocalCrossentropy(gamma=0.5, alpha=[0.2, 0.3, 0.5], reduction="none")
    again = losses.deserialize(losses.serialize(loss))
    hand = [0.3 * (1 - 0.7) ** 0.5 * -np.log(0.7), 0.5 * (1 - 0.3) ** 0.5 * -np.log(0.3)]
    np.testing.assert_allclose(again(y_true, y_pred).numpy(), hand, rtol=1e-6)
    np.testing.assert_allclose(loss(y_true, y_pred).numpy(), hand, rtol=1e-6)


def test_strings_give_a_function_or_a_class_instance_as_keras():
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error
    assert losses.deserialize("categorical_crossentropy") is losses.categorical_crossentropy
    assert losses.deserialize("mse") is losses.mean_squared_error
    assert type(losses.deserialize("Huber")) is losses.Huber
    assert losses.deserialize({"class_name": "function", "config": "huber"}) is losses.huber
    assert losses.deserialize(None) is None


def test_custom_objects_give_your_own_function_and_class():
    def my_loss(y_true, y_pred):
        return (y_pred - y_true).abs().mean(axis=-1)

    class Scaled(losses.Loss):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, y_true, y_pred):
            return (y_pred - y_true).abs().mean(axis=-1) * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss
    made = losses.deserialize({"class_name": "Scaled", "config": {"factor": 3.0, "name": "s", "reduction": "sum"}},
                              custom_objects={"Scaled": Scaled})
    assert type(made) is Scaled and made.factor == 3.0
    assert made([[0.0, 0.0]], [[1.0, 3.0]]).item() == 6.0        # 3 * mean(|1|, |3|)
    with tg.saving.custom_object_scope({"my_loss": my_loss}):
        assert losses.deserialize("my_loss") is my_loss


@pytest.mark.parametrize("bad", ["no_such_loss", {"class_name": "NoSuchLoss", "config": {}}])
def test_an_unknown_name_is_a_value_error_listing_the_valid_ones(bad):
    with pytest.raises(ValueError, match=r"Invalid value for argument `name`: unknown loss 'NoSuchLoss'|"
                                         r"unknown loss 'no_such_loss'.*Valid names: .*'MeanSquaredError'"):
        losses.deserialize(bad)


def test_bad_arguments_are_refused_with_the_value_named():
    with pytest.raises(TypeError, match="Invalid type for argument `name`.*Received: 3 of type int"):
        losses.deserialize(3)
    with pytest.raises(ValueError, match="Invalid value for argument `name`.*'class_name'"):
        losses.deserialize({"config": {}})
    with pytest.raises(ValueError, match="takes no config"):
        losses.deserialize({"class_name": "mean_squared_error", "config": {"delta": 1.0}})
    with pytest.raises(TypeError, match="Invalid type for argument `custom_objects`"):
        losses.deserialize("mse", custom_objects=[("mse", None)])


KERAS_NAMES = ["MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh", "BinaryCrossentropy",
               "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
               "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Hinge", "SquaredHinge",
               "CategoricalHinge", "Poisson", "CosineSimilarity", "BinaryFocalCrossentropy",
               "CategoricalFocalCrossentropy", "Dice", "Tversky"]


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_keras_serialized_losses_deserialize_here_and_ours_in_keras(name):
    """Keras 3.15's ``keras.losses.serialize`` output (its ``module`` and ``registered_name`` keys included) gives
    our class with Keras' config; and Keras' ``deserialize`` reads ours back to its class."""
    keras = keras_on_torch("Keras 3's losses.serialize is the reference for the config format")
    theirs = getattr(keras.losses, name)(reduction="sum", name="my_loss")
    ours = losses.deserialize(keras.losses.serialize(theirs))
    assert type(ours) is getattr(losses, name)
    for key, value in theirs.get_config().items():
        assert ours.get_config()[key] == value, key
    back = keras.losses.deserialize(losses.serialize(getattr(losses, name)(reduction="sum", name="my_loss")))
    assert type(back) is getattr(keras.losses, name)
    assert back.get_config()["name"] == "my_loss" and back.get_config()["reduction"] == "sum"
    assert (type(keras.losses.deserialize(name)) is getattr(keras.losses, name)
            and type(losses.deserialize(name)) is getattr(losses, name))
