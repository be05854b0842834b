"""Keras 3.15's ``keras.metrics`` against ours: every metric Keras exports is here; the names it has that we do not
(``serialize``, ``deserialize``: no metric) say so when asked for, and a misspelled name gets the closest ones.

Reference: the real Keras 3.15 module's names (``dir(keras.metrics)``), never a list kept by hand alone.
"""
import pytest
from helpers import keras_on_torch

from tinygradconv import metrics

KERAS = "Keras 3 is the reference for the names of keras.metrics"


def test_every_keras_metric_is_here_and_the_rest_is_named():
    keras = keras_on_torch(KERAS)
    missing = {name for name in dir(keras.metrics) if not name.startswith("_") and not hasattr(metrics, name)}
    assert missing == {"serialize", "deserialize"}
    assert missing == set(metrics._KERAS_ONLY)


@pytest.mark.parametrize("name, words", [
    ("serialize", r"it is keras\.metrics\.serialize, which Keras 3 has and tinygradconv does not: .*get_config\(\)"),
    ("deserialize", (r"it is keras\.metrics\.deserialize, which Keras 3 has and tinygradconv does not: "
                     r"tinygradconv\.metrics\.get\(config\)")),
    ("PearsonCorelation", r"did you mean PearsonCorrelation"),
])
def test_a_missing_name_says_what_it_is(name, words):
    with pytest.raises(AttributeError, match=rf"has no attribute '{name}'; {words}"):
        getattr(metrics, name)


def test_the_way_the_hint_gives_reads_keras_configs():
    """What the deserialize hint says works: get() of Keras' serialize() dict makes our metric."""
    keras = keras_on_torch(KERAS)
    config = keras.metrics.serialize(keras.metrics.PearsonCorrelation(axis=0, name="pcc"))
    made = metrics.get(config)
    assert type(made) is metrics.PearsonCorrelation and made.name == "pcc" and made.get_config()["axis"] == 0
