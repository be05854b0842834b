"""A model trained with a frozen layer, then unfrozen, saves to ``.npz``: the optimizer was built for the weights
that were trainable then, so its state is left out with a warning (``save`` raised the optimizer's "Unknown
variable" error; Keras 3 saves such a model). The weights are saved and load back exactly."""
import warnings

import numpy as np

import tinygradconv as tg
from tinygradconv import layers


def test_a_model_unfrozen_after_training_saves_its_weights_and_warns(tmp_path):
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    y = np.ones((4, 1), "float32")
    model = tg.models.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(1)])
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    model.fit(x, y, verbose=0)
    model.layers[0].trainable = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.save(tmp_path / "m.npz")
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("optimizer's state is not saved" in m and "compile the model again" in m for m in said), said
    assert all(w.filename == __file__ for w in caught if "state is not saved" in str(w.message))
    loaded = tg.models.load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for theirs, ours in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(theirs, ours)
