"""Keras 3 habits of subclassed models and layers, each checked against Keras 3 itself: a model's own ``build`` runs
on its first call with the input shape (Keras' ``Layer._maybe_build``)."""
import os

import numpy as np
import pytest

import tinygradconv as tg

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", minversion="3")


def _build_records(base):
    """Three model classes on ``base`` whose ``build`` records what it is given."""
    seen = []

    class Net(base):
        def build(self, input_shape):
            seen.append(("net", input_shape))
            self.scale = self.add_weight(shape=(3,), initializer="ones")

        def call(self, x):
            return x * self.scale

    class ListInput(base):
        def build(self, input_shape):
            seen.append(("list", input_shape))
            self.scale = self.add_weight(shape=(input_shape[0][-1],), initializer="ones")

        def call(self, x):
            return x[0] * self.scale + x[1]

    class TwoArguments(base):
        def build(self, a_shape, b_shape):
            seen.append(("two", a_shape, b_shape))
            self.scale = self.add_weight(shape=(a_shape[-1],), initializer="ones")

        def call(self, a, b):
            return a * self.scale + b

    return seen, Net, ListInput, TwoArguments


def _run(base):
    seen, net, list_input, two = _build_records(base)
    x = np.ones((2, 3), "float32")
    model = net()
    out = model(x)
    list_input()([x, x])
    two()(x, np.ones((4, 2, 3), "float32"))
    shapes = [tuple(s if not isinstance(s, list) else [tuple(i) for i in s] for s in entry) for entry in seen]
    values = keras.ops.convert_to_numpy(out) if base is keras.Model else out.numpy()
    return shapes, model.built, len(model.weights), values.tolist()


def test_a_models_own_build_runs_on_the_first_call_with_the_input_shape_as_keras():
    assert _run(tg.models.Model) == _run(keras.Model)


def test_a_model_without_its_own_build_still_builds_by_calling():
    class Plain(tg.models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = tg.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Plain()
    model(np.ones((4, 3), "float32"))
    assert model.built and [tuple(w.shape) for w in model.weights] == [(3, 2), (2,)]


def _no_config(layers):
    class NoCfg(layers.Layer):
        def __init__(self, units, **kw):
            super().__init__(**kw)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, x):
            return x @ self.w

    return NoCfg


def test_a_layer_without_get_config_records_its_arguments_as_keras_auto_config():
    ours, theirs = _no_config(tg.layers), _no_config(keras.layers)
    assert ours(2).get_config() == theirs(2).get_config()
    assert ours(2, name="n", dtype="float64", trainable=False).get_config() == \
        theirs(2, name="n", dtype="float64", trainable=False).get_config()

    class Named(tg.layers.Layer):         # `name` is kept when __init__ takes it (or **kwargs by that name)
        def __init__(self, sizes=(1, 2), act=None, **kwargs):
            super().__init__(**kwargs)

    class KerasNamed(keras.layers.Layer):
        def __init__(self, sizes=(1, 2), act=None, **kwargs):
            super().__init__(**kwargs)

    assert Named(act={"a": [1, 2.5]}, name="x").get_config() == KerasNamed(act={"a": [1, 2.5]}, name="x").get_config()


def test_a_layer_without_get_config_round_trips_through_from_config_clone_and_npz(tmp_path):
    no_config = _no_config(tg.layers)
    assert no_config.from_config(no_config(3).get_config()).units == 3
    inputs = tg.layers.Input((3,))
    model = tg.models.Model(inputs, no_config(2)(inputs))
    assert tg.models.clone_model(model).layers[-1].units == 2
    model.save(tmp_path / "nc.npz")
    loaded = tg.models.load_model(tmp_path / "nc.npz", custom_objects={"NoCfg": no_config})
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


@pytest.mark.parametrize("value", [np.float32(1.0), np.ones(2), [1, object()]])
def test_arguments_that_are_not_plain_values_give_keras_not_implemented_error(value):
    def make(layers):
        class Sized(layers.Layer):
            def __init__(self, sizes, **kwargs):
                super().__init__(**kwargs)
        return Sized

    with pytest.raises(NotImplementedError, match="non-serializable argument values") as theirs:
        make(keras.layers)(value).get_config()
    with pytest.raises(NotImplementedError, match="non-serializable argument values") as ours:
        make(tg.layers)(value).get_config()
    def words(error):
        return " ".join(str(error.value).split("Example:")[0].split())

    assert words(ours) == words(theirs)


def test_variadic_arguments_give_keras_not_implemented_error():
    for layers in (keras.layers, tg.layers):
        class Variadic(layers.Layer):
            def __init__(self, *args, **kwargs):
                super().__init__(**kwargs)

        with pytest.raises(NotImplementedError, match="variadic positional"):
            Variadic(1).get_config()


def test_a_subclassed_models_config_is_keras_trainable_and_dtype():
    def make(models, layers):
        class Net(models.Model):
            def __init__(self, **kw):
                super().__init__(**kw)
                self.d = layers.Dense(2)

            def call(self, x):
                return self.d(x)
        return Net()

    ours, theirs = make(tg.models, tg.layers), make(keras.models, keras.layers)
    x = np.ones((2, 3), "float32")
    ours(x)
    theirs(x)
    assert ours.get_config() == theirs.get_config()
    assert type(tg.models.clone_model(ours)).__name__ == "Net"


def _weight_layer(layers, **extra):
    class WithWeight(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones", dtype="float32", **extra)

        def call(self, x):
            return x @ self.w

    return WithWeight()


@pytest.mark.parametrize("extra", [{"autocast": False}, {"aggregation": "mean"}, {"aggregation": None},
                                   {"aggregation": "only_first_replica"}, {"overwrite_with_gradient": False}])
def test_add_weight_takes_keras_arguments_that_change_nothing_here(extra):
    x = np.ones((2, 3), "float32")
    theirs = keras.ops.convert_to_numpy(_weight_layer(keras.layers, **extra)(x))
    np.testing.assert_array_equal(_weight_layer(tg.layers, **extra)(x).numpy(), theirs)


def test_add_weight_refuses_what_keras_refuses_and_what_is_not_honoured():
    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match="Invalid value for argument `aggregation`") as theirs:
        _weight_layer(keras.layers, aggregation="max")(x)
    with pytest.raises(ValueError, match="Invalid value for argument `aggregation`") as ours:
        _weight_layer(tg.layers, aggregation="max")(x)
    assert str(ours.value) == str(theirs.value).replace("aggregation=max", "aggregation='max'")
    with pytest.raises(ValueError, match="overwrite_with_gradient.*Received overwrite_with_gradient=True"):
        _weight_layer(tg.layers, overwrite_with_gradient=True)(x)
    with pytest.raises(TypeError, match="Invalid type for argument `autocast`"):
        _weight_layer(tg.layers, autocast="no")(x)


def test_a_keras_subclassed_model_file_is_refused_with_what_to_do(tmp_path):
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads .keras files")

    class KM(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    class TM(tg.models.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.d = tg.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = KM()
    model(np.ones((2, 3), "float32"))
    path = str(tmp_path / "sub.keras")
    model.save(path)
    for custom_objects in ({"KM": TM}, None):
        with pytest.raises(tg.saving.SavedFileError) as caught:
            tg.models.load_model(path, custom_objects=custom_objects)
        message = str(caught.value)
        assert "Keras subclassed model (class 'KM'" in message and "damaged" not in message
        assert "model.set_weights(keras.models.load_model(path" in message and ".npz" in message
    # what the message says to do works
    ours = TM()
    ours(np.ones((2, 3), "float32"))
    ours.set_weights(keras.models.load_model(path, custom_objects={"KM": KM}).get_weights())
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(ours(x).numpy(), keras.ops.convert_to_numpy(model(x)), rtol=1e-6)


def test_load_weights_of_a_keras_file_with_a_layer_of_your_own_reads_it(tmp_path):
    """Refused (naming the file and load_model) until 2026-12-07; now read as Keras 3's load_weights reads it."""
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads .keras files")

    def make(layers, models, register):
        @register(package="f19_test")
        class Scale(layers.Layer):
            def __init__(self, units=2, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")

            def call(self, x):
                return x @ self.w

            def get_config(self):
                return {**super().get_config(), "units": self.units}

        inputs = layers.Input((3,))
        return Scale, models.Model(inputs, layers.Dense(1)(Scale(4)(inputs)))

    _, theirs = make(keras.layers, keras.models, keras.saving.register_keras_serializable)
    scale, ours = make(tg.layers, tg.models, tg.saving.register_keras_serializable)
    path = str(tmp_path / "k2.keras")
    theirs.save(path)
    ours.load_weights(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(ours(x).numpy(), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-6)
    loaded = tg.models.load_model(path, custom_objects={"Scale": scale})      # and the whole file, as before
    np.testing.assert_allclose(loaded(x).numpy(), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-6)
