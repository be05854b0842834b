"""A graph of a functional model's call names the data after its ``Input`` and Dropout's mask after its layer: a
tester's two-input model showed its inputs ``a`` and ``b`` as "input 2" and "input 3", and the mask as "input 1",
which read as a model input."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers as L

pytest.importorskip("matplotlib")
from tinygradconv import viz


def _titles(ax):
    return [text.get_text().split("\n")[0] for text in ax.texts]


def test_two_inputs_and_a_dropout_mask_are_named():
    tg.random.set_seed(3)
    a, b = L.Input((6, 2), name="a"), L.Input((6, 2), name="b")
    y = L.Add()([L.Dropout(0.5, name="dropout")(L.Conv1D(2, 3, padding="same")(a)), b])
    model = tg.models.Model([a, b], y)
    out = model([np.ones((1, 6, 2)), np.ones((1, 6, 2), "float32")], training=True).mean()
    titles = _titles(viz.plot_graph(out))
    assert {"a", "b", "dropout mask"} <= set(titles)
    assert not any(t.startswith("input") for t in titles)


def test_the_callers_tensor_keeps_its_name_and_the_values_are_those_of_predict():
    a = L.Input((6, 2), name="a")
    model = tg.models.Model(a, L.Dense(3)(a))
    x = np.random.default_rng(0).standard_normal((2, 6, 2))           # float64 data, a float32 Input
    t = tg.tensor(x)
    assert model(t).numpy().tolist() == model(x).numpy().tolist()
    assert t.name is None
    np.testing.assert_array_equal(model(x).numpy(), model.predict(x, verbose=0))
    assert model(x).dtype == "float32"
