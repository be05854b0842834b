"""fit(validation_data=...) with samples of another length, on a model whose one output is given as a dict or a
list (Keras' forms): the shape check ran the model and read ``.shape`` of its dict of outputs (AttributeError)."""
import numpy as np
import pytest

import tinygradconv as tg

layers = tg.layers


@pytest.mark.parametrize("form", ["dict", "list"])
def test_validation_data_of_another_length_with_one_output_as_dict_or_list(form):
    rng = np.random.default_rng(3)
    inputs = layers.Input((None, 2))
    pooled = layers.GlobalAveragePooling1D()(layers.Dense(1, kernel_initializer="ones")(inputs))
    model = tg.models.Model(inputs, {"out": pooled} if form == "dict" else [pooled])
    model.compile(tg.optimizers.SGD(0.0), "mse")   # a rate of 0: the weights stay ones
    x, y = rng.normal(size=(4, 5, 2)).astype("float32"), rng.normal(size=(4, 1)).astype("float32")
    x_val, y_val = rng.normal(size=(2, 7, 2)).astype("float32"), rng.normal(size=(2, 1)).astype("float32")
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=1, batch_size=4, verbose=0)
    # the reference, from the formula: Dense(1) with kernel ones and bias 0, then the mean over the steps
    expected = np.mean((x_val.sum(axis=2).mean(axis=1, keepdims=True) - y_val) ** 2)
    assert history.history["val_loss"][0] == pytest.approx(float(expected), rel=1e-5)
    with pytest.raises(ValueError, match=r"y_val does not fit the model's outputs on x_val"):
        model.fit(x, y, validation_data=(x_val, np.zeros((2, 3, 1), "float32")), epochs=1, verbose=0)
