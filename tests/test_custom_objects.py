"""Your own functions and classes in saved models, found again by name as Keras 3 finds them: ``custom_objects``,
``custom_object_scope`` and ``get_custom_objects``; Keras itself is the reference for ``.keras`` files both ways
(optional: skipped visibly without it)."""
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import initializers, layers, models, saving
from tinygradconv.saving import SavedFileError, custom_object_scope, get_custom_objects

X = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)


# Module-level functions of the user's own, with names tinygradconv does not have.
def doubled_relu(x):
    return x.relu() * 2.0


def point_one(shape, dtype=None):
    return np.full(shape, 0.1, dtype=dtype or "float32")


def small_squares(w):
    return (w * w).sum() * 0.01


def clipped_to_one(w):
    return w.clip(-1.0, 1.0)


def _model():
    return models.Sequential([layers.Input((3,)), layers.Dense(2, activation=doubled_relu, kernel_initializer=point_one,
                                                               kernel_regularizer=small_squares,
                                                               kernel_constraint=clipped_to_one)])


OBJECTS = {"doubled_relu": doubled_relu, "point_one": point_one, "small_squares": small_squares,
           "clipped_to_one": clipped_to_one}


def _expected():
    """By hand: every kernel entry 0.1, bias 0, so each output is 2 * relu(0.1 * sum(x))."""
    return np.repeat(2.0 * np.maximum(0.1 * X.sum(axis=1, keepdims=True), 0.0), 2, axis=1)


def _check_layer_objects(layer):
    assert layer.activation is doubled_relu
    assert layer.kernel_initializer is point_one
    assert layer.kernel_regularizer is small_squares
    assert layer.kernel_constraint is clipped_to_one


def _check_loaded(model):
    _check_layer_objects(model.layers[-1])
    np.testing.assert_allclose(model.predict(X, verbose=0), _expected(), rtol=1e-6)


@pytest.mark.parametrize("suffix", [".tgc.npz", ".keras"])
def test_load_model_finds_your_functions_in_custom_objects_and_names_them_when_missing(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    path = str(tmp_path / f"m{suffix}")
    _model().save(path)
    with pytest.raises(SavedFileError, match=r"Unknown activation: 'doubled_relu'.*custom_objects=\{'doubled_relu': "
                                             r"doubled_relu\}") as info:
        models.load_model(path)
    assert path in str(info.value)
    _check_loaded(models.load_model(path, custom_objects=OBJECTS))
    with custom_object_scope(OBJECTS):
        _check_loaded(models.load_model(path))
    without_activation = {k: v for k, v in OBJECTS.items() if k != "doubled_relu"}
    with pytest.raises(SavedFileError, match="doubled_relu"):
        models.load_model(path, custom_objects=without_activation)


def test_an_unknown_initializer_is_named_with_the_same_hint(tmp_path):
    path = str(tmp_path / "m.tgc.npz")
    models.Sequential([layers.Input((3,)), layers.Dense(2, kernel_initializer=point_one)]).save(path)
    with pytest.raises(SavedFileError, match=r"Unknown initializer: 'point_one'.*custom_objects=\{'point_one': "):
        models.load_model(path)


def test_get_custom_objects_registers_for_the_whole_process(tmp_path):
    path = str(tmp_path / "m.tgc.npz")
    _model().save(path)
    registry = get_custom_objects()
    assert registry is saving.get_custom_objects()
    registry.update(OBJECTS)
    try:
        _check_loaded(models.load_model(path))
    finally:
        for name in OBJECTS:
            del registry[name]
    with pytest.raises(SavedFileError):
        models.load_model(path)


def test_scopes_nest_the_innermost_wins_and_each_ends_with_its_block():
    def other(x):
        return x

    with custom_object_scope({"doubled_relu": doubled_relu}):
        assert tg.activations.get("doubled_relu") is doubled_relu
        with custom_object_scope({"doubled_relu": other}):
            assert tg.activations.get("doubled_relu") is other
        assert tg.activations.get("doubled_relu") is doubled_relu
        with pytest.raises(RuntimeError), custom_object_scope({"doubled_relu": other}):
            raise RuntimeError("left with an exception")
        assert tg.activations.get("doubled_relu") is doubled_relu
    with pytest.raises(ValueError, match="Unknown activation: 'doubled_relu'"):
        tg.activations.get("doubled_relu")
    with custom_object_scope(None, {"point_one": point_one}):
        assert initializers.get("point_one") is point_one
        assert initializers.get({"class_name": "function", "config": "point_one"}) is point_one   # Keras 3's form
        with pytest.raises(ValueError, match="takes no config"):
            initializers.get({"class_name": "point_one", "config": {"value": 1}})


@pytest.mark.parametrize("bad, message", [("doubled_relu", "must be a dict"), ({1: doubled_relu}, "names"),
                                          ({"doubled_relu": 3}, "functions or classes")])
def test_custom_objects_of_the_wrong_kind_raise_type_errors_naming_them(tmp_path, bad, message):
    with pytest.raises(TypeError, match=message):
        custom_object_scope(bad)
    path = str(tmp_path / "m.tgc.npz")
    _model().save(path)
    with pytest.raises(TypeError, match=message):
        models.load_model(path, custom_objects=bad)


class Twice(layers.Layer):
    """A layer class of the user's own (no weights)."""

    def call(self, x):
        return x * 2.0


def test_a_layer_class_of_your_own_is_found_in_a_scope_as_in_custom_objects(tmp_path):
    path = str(tmp_path / "m.tgc.npz")
    models.Sequential([layers.Input((3,)), Twice(), layers.Dense(1, kernel_initializer="ones")]).save(path)
    expected = 2.0 * X.sum(axis=1, keepdims=True)
    with pytest.raises(SavedFileError, match="Twice"):
        models.load_model(path)
    for model in (models.load_model(path, custom_objects={"Twice": Twice}), _load_in_scope(path, {"Twice": Twice})):
        assert isinstance(model.layers[0], Twice)
        np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-6)


def test_a_function_given_for_a_layer_class_is_named(tmp_path):
    path = str(tmp_path / "m.tgc.npz")
    models.Sequential([layers.Input((3,)), Twice()]).save(path)
    with pytest.raises(SavedFileError, match=r"custom_objects\['Twice'\] must be your layer or model class"):
        models.load_model(path, custom_objects={"Twice": doubled_relu})


def _load_in_scope(path, objects):
    with custom_object_scope(objects):
        return models.load_model(path)


def test_clone_model_needs_your_functions_in_a_scope_as_keras_does():
    model = _model()
    with pytest.raises(ValueError, match=r"Unknown activation: 'doubled_relu'.*clone inside tinygradconv\.saving\."
                                         r"custom_object_scope\(\{'doubled_relu': doubled_relu\}\)"):
        models.clone_model(model)
    with custom_object_scope(OBJECTS):
        clone = models.clone_model(model)
    _check_loaded(clone)


def test_model_from_json_takes_custom_objects():
    text = _model().to_json()
    with pytest.raises(ValueError, match="doubled_relu"):
        models.model_from_json(text)
    model = models.model_from_json(text, custom_objects=OBJECTS)
    model.build((None, 3))
    _check_loaded(model)


# ------------------------------------------------------------------------------------------------ Keras 3 both ways
def _keras():
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    return keras_on_torch("Keras 3 is the reference for custom functions in .keras files (installed by .ci/run)")


def test_a_keras_file_with_functions_of_your_own_loads_with_custom_objects(tmp_path):
    keras = _keras()

    def k_doubled_relu(x):
        return keras.ops.relu(x) * 2.0

    def k_point_one(shape, dtype=None):
        return keras.ops.full(shape, 0.1)

    k_doubled_relu.__name__, k_point_one.__name__ = "doubled_relu", "point_one"
    k_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=k_doubled_relu,
                                                                      kernel_initializer=k_point_one)])
    path = str(tmp_path / "k.keras")
    k_model.save(path)
    with pytest.raises(SavedFileError, match="doubled_relu"):
        models.load_model(path)
    ours = models.load_model(path, custom_objects={"doubled_relu": doubled_relu, "point_one": point_one})
    assert ours.layers[-1].activation is doubled_relu and ours.layers[-1].kernel_initializer is point_one
    np.testing.assert_allclose(ours.predict(X, verbose=0), np.asarray(k_model.predict(X, verbose=0)), rtol=1e-6)


def test_our_file_with_functions_of_your_own_loads_in_keras_with_custom_objects(tmp_path):
    keras = _keras()
    path = str(tmp_path / "ours.keras")
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, activation=doubled_relu,
                                                                kernel_initializer=point_one)])
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        dense = json.loads(archive.read("config.json"))["config"]["layers"][-1]["config"]
    function_form = {"module": "builtins", "class_name": "function", "config": "doubled_relu",
                     "registered_name": "function"}
    assert dense["activation"] == function_form     # as keras.saving.serialize_keras_object writes a function
    assert dense["kernel_initializer"] == dict(function_form, config="point_one")

    def k_doubled_relu(x):
        return keras.ops.relu(x) * 2.0

    def k_point_one(shape, dtype=None):
        return keras.ops.full(shape, 0.1)

    with pytest.raises(TypeError, match="doubled_relu"):
        keras.saving.load_model(path)
    k_model = keras.saving.load_model(path, custom_objects={"doubled_relu": k_doubled_relu,
                                                            "point_one": k_point_one})
    np.testing.assert_allclose(np.asarray(k_model.predict(X, verbose=0)), model.predict(X, verbose=0), rtol=1e-6)


# ------------------------------------------------------------------------------------------------ compiled models
def halved_squares(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean(axis=-1) * 0.5


def largest_error(y_true, y_pred):
    return (y_true - y_pred).abs().max(axis=-1)


def mse(y_true, y_pred):        # a function of the user's own that shadows the built-in name
    return ((y_true - y_pred) ** 2).mean(axis=-1) * 3.0


def _compiled(loss, metrics=()):
    tg.random.set_seed(0)
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss=loss, metrics=list(metrics))
    model.fit(X, np.ones((4, 2), np.float32), epochs=1, verbose=0)
    return model


def test_a_model_compiled_with_your_loss_and_metric_loads_compiled_with_custom_objects(tmp_path):
    model = _compiled(halved_squares, [largest_error])
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    y = np.ones((4, 2), np.float32)
    expected = model.evaluate(X, y, verbose=0, return_dict=True)
    assert sorted(expected) == ["largest_error", "loss"]
    loaded = models.load_model(path, custom_objects={"halved_squares": halved_squares, "largest_error": largest_error})
    assert loaded.compiled
    assert loaded.evaluate(X, y, verbose=0, return_dict=True) == pytest.approx(expected, rel=1e-6)
    by_hand = 0.5 * np.mean((y - model.predict(X, verbose=0)) ** 2)
    assert expected["loss"] == pytest.approx(by_hand, rel=1e-5)
    with pytest.warns(UserWarning, match=r"could not be compiled again.*custom_objects=\{'halved_squares': "):
        uncompiled = models.load_model(path)
    assert not uncompiled.compiled


def test_a_loss_of_your_own_named_like_a_built_in_is_not_read_back_as_the_built_in(tmp_path):
    model = _compiled(mse)
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    loaded = models.load_model(path)
    assert not loaded.compiled      # the compile arguments were not saved: never the built-in mse, silently


def test_a_model_compiled_with_a_lambda_warns_when_saved_that_it_will_load_uncompiled(tmp_path):
    model = _compiled(lambda y, p: ((y - p) ** 2).mean(axis=-1))
    with pytest.warns(UserWarning, match="cannot be saved.*will load uncompiled"):
        model.save(str(tmp_path / "m.tgc.npz"))
    assert not models.load_model(str(tmp_path / "m.tgc.npz")).compiled


# ------------------------------------------------------------------------------------------------ names refused
def relu(x):        # the user's own, named like the built-in activation
    return x * 3.0


def zeros(x):       # named like a built-in *initializer*, used as an activation: no clash (Keras saves it too)
    return x * 0.5


def test_a_function_named_like_a_built_in_is_refused_even_inside_a_scope_that_registers_it(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, activation=relu, kernel_initializer="ones")])
    for registered in ({"relu": relu}, None):
        with custom_object_scope(registered), pytest.raises(ValueError, match="tinygradconv's own activation 'relu'"):
            model.save(str(tmp_path / "m.tgc.npz"))
    get_custom_objects()["relu"] = relu
    try:
        with pytest.raises(ValueError, match="tinygradconv's own activation 'relu'"):
            model.to_json()
    finally:
        del get_custom_objects()["relu"]


def test_only_names_of_the_same_kind_clash(tmp_path):
    path = str(tmp_path / "m.tgc.npz")
    models.Sequential([layers.Input((3,)), layers.Dense(2, activation=zeros, kernel_initializer="ones")]).save(path)
    loaded = models.load_model(path, custom_objects={"zeros": zeros})
    assert loaded.layers[-1].activation is zeros
    np.testing.assert_allclose(loaded.predict(X, verbose=0), np.repeat(0.5 * X.sum(axis=1, keepdims=True), 2, 1),
                               rtol=1e-6)


class L2(tg.regularizers.Regularizer):     # the user's own, named like the built-in regularizer class
    def __call__(self, w):
        return (w * w).sum() * 1000.0

    def get_config(self):
        return {}


def test_a_class_named_like_a_built_in_is_refused():
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, kernel_regularizer=L2())])
    with pytest.raises(ValueError, match="tinygradconv's own regularizer 'L2'"):
        model.get_config()


class Scaled(tg.regularizers.Regularizer):
    """A regularizer class of the user's own, with a config."""

    def __init__(self, factor=2.0):
        self.factor = factor

    def __call__(self, w):
        return (w * w).sum() * self.factor

    def get_config(self):
        return {"factor": self.factor}


def test_a_scope_entered_again_inside_itself_ends_cleanly():
    scope = custom_object_scope({"doubled_relu": doubled_relu})
    with scope:
        with scope:
            assert tg.activations.get("doubled_relu") is doubled_relu
        assert tg.activations.get("doubled_relu") is doubled_relu
    with pytest.raises(ValueError, match="Unknown activation"):
        tg.activations.get("doubled_relu")


def test_a_class_of_your_own_in_a_keras_file_is_written_as_keras_writes_it(tmp_path):
    keras = _keras()
    path = str(tmp_path / "ours.keras")
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, kernel_initializer="ones",
                                                                kernel_regularizer=Scaled(0.5))])
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        written = json.loads(archive.read("config.json"))["config"]["layers"][-1]["config"]["kernel_regularizer"]
    assert written == {"module": None, "class_name": "Scaled", "config": {"factor": 0.5}, "registered_name": "Scaled"}

    class KerasScaled(keras.regularizers.Regularizer):
        def __init__(self, factor=2.0):
            self.factor = factor

        def __call__(self, w):
            return keras.ops.sum(w * w) * self.factor

        def get_config(self):
            return {"factor": self.factor}

    theirs = keras.saving.load_model(path, custom_objects={"Scaled": KerasScaled})
    assert theirs.layers[-1].kernel_regularizer.factor == 0.5
    ours = models.load_model(path, custom_objects={"Scaled": Scaled})
    assert isinstance(ours.layers[-1].kernel_regularizer, Scaled) and ours.layers[-1].kernel_regularizer.factor == 0.5


# ------------------------------------------------------------------------------------------------ registration
@pytest.fixture
def registry():
    """Registrations are for the whole process: each test's are undone after it."""
    from tinygradconv import _lookup

    saved = dict(get_custom_objects()), dict(_lookup._REGISTERED_NAMES)
    yield
    get_custom_objects().clear()
    get_custom_objects().update(saved[0])
    _lookup._REGISTERED_NAMES.clear()
    _lookup._REGISTERED_NAMES.update(saved[1])


def _registered_objects():
    @saving.register_keras_serializable(package="MyPkg")
    def tripled(x):
        return x * 3.0

    @saving.register_keras_serializable()
    class FilledWith(initializers.Initializer):
        def __init__(self, value=0.1):
            self.value = value

        def __call__(self, shape, dtype=None):
            return np.full(shape, self.value, dtype=dtype or "float32")

        def get_config(self):
            return {"value": self.value}

    return tripled, FilledWith


@pytest.mark.parametrize("suffix", [".tgc.npz", ".keras"])
def test_registered_functions_and_classes_load_without_custom_objects(tmp_path, registry, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    tripled, filled_with = _registered_objects()
    assert get_custom_objects()["MyPkg>tripled"] is tripled and get_custom_objects()["Custom>FilledWith"] is filled_with
    model = models.Sequential([layers.Input((3,)),
                               layers.Dense(2, activation=tripled, kernel_initializer=filled_with(0.2))])
    config = model.layers[-1].get_config()
    assert config["activation"] == "MyPkg>tripled"
    # a registered class as Keras' serialize_keras_object writes it
    assert config["kernel_initializer"]["class_name"] == "FilledWith"
    assert config["kernel_initializer"]["registered_name"] == "Custom>FilledWith"
    path = str(tmp_path / f"m{suffix}")
    model.save(path)
    loaded = models.load_model(path)
    dense = loaded.layers[-1]
    assert dense.activation is tripled and isinstance(dense.kernel_initializer, filled_with)
    assert dense.kernel_initializer.value == 0.2
    expected = 3.0 * 0.2 * X.sum(axis=1, keepdims=True).repeat(2, axis=1)       # by hand: every kernel entry 0.2
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)


def test_a_registered_layer_class_is_saved_by_every_format(tmp_path, registry):
    """What docs/keras_compatibility.md says of your own layer classes: registering spares ``custom_objects``;
    .keras and Keras JSON write the class (under its registered name, as Keras 3), .weights.h5 its weights (none
    here: an empty vars group, as Keras writes one), our .npz both. Hand-computed prediction: the layer doubles its
    input."""
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")

    @saving.register_keras_serializable(package="MyPkg")
    class SplitD(layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    inputs = layers.Input((3,))
    model = models.Model(inputs, SplitD(name="s")(inputs))
    model.save(str(tmp_path / "m.keras"))
    from_keras_file = models.load_model(str(tmp_path / "m.keras"))     # registered: no custom_objects needed
    assert type(from_keras_file.layers[-1]) is SplitD
    np.testing.assert_allclose(from_keras_file.predict(X, verbose=0), 2.0 * X)
    assert '"registered_name": "MyPkg>SplitD"' in model.to_json()
    model.save_weights(str(tmp_path / "m.weights.h5"))
    import h5py

    with h5py.File(tmp_path / "m.weights.h5", "r") as h5:
        assert len(h5["layers/split_d/vars"]) == 0
    model.load_weights(str(tmp_path / "m.weights.h5"))
    model.save(str(tmp_path / "m.tgc.npz"))
    loaded = models.load_model(str(tmp_path / "m.tgc.npz"))
    assert type(loaded.layers[-1]) is SplitD
    np.testing.assert_allclose(loaded.predict(X, verbose=0), 2.0 * X)
    page = (Path(__file__).resolve().parents[1] / "docs" / "keras_compatibility.md").read_text()
    assert "| layer class | yes (both ways with Keras" in page
    assert "| subclassed model (a `call` of its own) | no: refused, named | no: refused, named | yes | yes |" in page


def test_registration_refuses_what_keras_refuses(registry):
    with pytest.raises(ValueError, match="Cannot register a class that does not have a get_config"):
        saving.register_keras_serializable()(type("NoConfig", (), {}))
    with pytest.raises(ValueError, match="without '>'"):
        saving.register_keras_serializable(package="a>b")


def test_registered_objects_in_keras_files_both_ways(tmp_path, registry):
    keras = _keras()
    tripled, filled_with = _registered_objects()
    path = str(tmp_path / "ours.keras")
    models.Sequential([layers.Input((3,)), layers.Dense(2, activation=tripled,
                                                        kernel_initializer=filled_with(0.2))]).save(path)
    with zipfile.ZipFile(path) as archive:
        dense = json.loads(archive.read("config.json"))["config"]["layers"][-1]["config"]
    assert dense["activation"] == {"module": "builtins", "class_name": "function", "config": "MyPkg>tripled",
                                   "registered_name": "function"}           # as Keras writes a registered function
    assert dense["kernel_initializer"] == {"module": None, "class_name": "FilledWith", "config": {"value": 0.2},
                                           "registered_name": "Custom>FilledWith"}

    @keras.saving.register_keras_serializable(package="MyPkg", name="tripled")
    def k_tripled(x):
        return x * 3.0

    @keras.saving.register_keras_serializable(name="FilledWith")
    class KFilledWith(keras.initializers.Initializer):
        def __init__(self, value=0.1):
            self.value = value

        def __call__(self, shape, dtype=None):
            return keras.ops.full(shape, self.value)

        def get_config(self):
            return {"value": self.value}

    try:
        theirs = keras.saving.load_model(path)
        expected = 3.0 * 0.2 * X.sum(axis=1, keepdims=True).repeat(2, axis=1)
        np.testing.assert_allclose(np.asarray(theirs.predict(X, verbose=0)), expected, rtol=1e-6)
        k_path = str(tmp_path / "theirs.keras")
        keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=k_tripled,
                                                                kernel_initializer=KFilledWith(0.3))]).save(k_path)
        ours = models.load_model(k_path)
        assert ours.layers[-1].activation is tripled and ours.layers[-1].kernel_initializer.value == 0.3
    finally:
        for key in ("MyPkg>tripled", "Custom>FilledWith"):
            keras.saving.get_custom_objects().pop(key, None)


# ------------------------------------------------------------------------------------------------ a third pass
class Dense(layers.Layer):      # the user's own class, named like tinygradconv's Dense
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, shape):
        self.kernel = self.add_weight((shape[-1], self.units), initializer="ones", name="kernel")
        self.bias = self.add_weight((self.units,), initializer="ones", name="bias")

    def call(self, x):
        return (x @ self.kernel + self.bias) * 100.0

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def test_your_layer_class_named_like_a_built_in_is_never_read_back_as_the_built_in(tmp_path):
    """It loaded as tinygradconv's Dense, silently (the weights fit), and predicted other numbers."""
    model = models.Sequential([layers.Input((3,)), Dense(2)])
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    with pytest.raises(SavedFileError, match=r"of your own class 'Dense' \(module 'test_custom_objects'\), not "
                                             r"tinygradconv's Dense.*custom_objects=\{'Dense': Dense\}"):
        models.load_model(path)
    loaded = models.load_model(path, custom_objects={"Dense": Dense})
    assert type(loaded.layers[0]) is Dense
    np.testing.assert_allclose(loaded.predict(X, verbose=0), 100.0 * (X.sum(axis=1, keepdims=True) + 1).repeat(2, 1),
                               rtol=1e-6)


class Leaky:
    """An activation class of the user's own, with a parameter."""

    def __init__(self, slope=0.1):
        self.slope = slope

    def __call__(self, x):
        return x * self.slope

    def get_config(self):
        return {"slope": self.slope}


def test_an_activation_class_of_your_own_with_a_config_loads(tmp_path):
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, activation=Leaky(0.3), kernel_initializer="ones")])
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    loaded = models.load_model(path, custom_objects={"Leaky": Leaky})
    assert isinstance(loaded.layers[-1].activation, Leaky) and loaded.layers[-1].activation.slope == 0.3
    np.testing.assert_allclose(loaded.predict(X, verbose=0), 0.3 * X.sum(axis=1, keepdims=True).repeat(2, 1),
                               rtol=1e-6)


class HalvingSchedule(tg.optimizers.schedules.LearningRateSchedule):
    def __init__(self, initial=0.1):
        self.initial = initial

    def __call__(self, step):
        return self.initial / (1.0 + float(step))

    def get_config(self):
        return {"initial": self.initial}


def test_a_schedule_of_your_own_is_found_and_training_resumes_exactly(tmp_path):
    """It loaded uncompiled, the Adam moments lost, with a warning naming Adam as unknown."""
    x, y = X, np.linspace(0, 1, 8, dtype=np.float32).reshape(4, 2)
    tg.random.set_seed(0)
    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(tg.optimizers.Adam(HalvingSchedule(0.1)), "mse")
    model.fit(x, y, epochs=2, verbose=0)
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    loaded = models.load_model(path, custom_objects={"HalvingSchedule": HalvingSchedule})
    assert loaded.compiled
    ours = loaded.fit(x, y, epochs=2, verbose=0, shuffle=False).history["loss"]
    assert ours == model.fit(x, y, epochs=2, verbose=0, shuffle=False).history["loss"]


def test_a_registered_metric_keeps_its_name_after_loading(tmp_path, registry):
    @saving.register_keras_serializable(package="L")
    def my_mae(y, p):
        return (y - p).abs().mean(axis=-1)

    model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse", metrics=[my_mae])
    y = np.ones((4, 2), np.float32)
    assert "my_mae" in model.fit(X, y, epochs=1, verbose=0).history
    path = str(tmp_path / "m.tgc.npz")
    model.save(path)
    assert sorted(models.load_model(path).fit(X, y, epochs=1, verbose=0).history) == ["loss", "my_mae"]


def test_keras_files_hold_the_compile_arguments_with_your_functions_by_name(tmp_path):
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    path = str(tmp_path / "m.keras")
    _compiled(halved_squares, [largest_error]).save(path)
    loaded = models.load_model(path, custom_objects={"halved_squares": halved_squares, "largest_error": largest_error})
    assert loaded.compiled and loaded.loss is halved_squares      # the function, as Keras 3's model.loss
    assert sorted(loaded.fit(X, np.ones((4, 2), np.float32), epochs=1, verbose=0).history) == ["largest_error", "loss"]
    with pytest.warns(UserWarning, match=r"could not be compiled again.*custom_objects=\{'halved_squares': "):
        assert not models.load_model(path).compiled
    model = _compiled(mse)       # your own `mse` is not written as a name: it would load back as the built-in
    with pytest.warns(UserWarning, match="cannot be written as Keras 3 writes them.*loads uncompiled"):
        model.save(path)
    assert not models.load_model(path).compiled


def test_a_missing_function_in_a_nested_model_is_hinted_once(tmp_path):
    inner = models.Sequential([layers.Input((3,)), layers.Dense(2, activation=doubled_relu)], name="inner")
    path = str(tmp_path / "m.tgc.npz")
    models.Sequential([layers.Input((3,)), inner]).save(path)
    with pytest.raises(SavedFileError) as info:
        models.load_model(path)
    assert str(info.value).count("If 'doubled_relu' is your own") == 1 and ".." not in str(info.value)


def test_a_keras_file_compiled_with_your_loss_loads_compiled_with_custom_objects(tmp_path):
    keras = _keras()

    def keras_halved(y_true, y_pred):
        return keras.ops.mean((y_true - y_pred) ** 2, axis=-1) * 0.5

    keras_halved.__name__ = "halved_squares"
    k_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    k_model.compile(optimizer="adam", loss=keras_halved)
    path = str(tmp_path / "k.keras")
    k_model.save(path)
    assert models.load_model(path, custom_objects={"halved_squares": halved_squares}).loss is halved_squares
    with pytest.warns(UserWarning, match=r"could not be compiled again.*custom_objects=\{'halved_squares': "):
        assert not models.load_model(path).compiled


def test_a_keras_lambda_activation_is_named_as_such(tmp_path):
    """Keras writes a lambda's bytecode (base64); the error used to dump it as an unknown activation config."""
    keras = _keras()
    path = str(tmp_path / "lambda.keras")
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=lambda x: x * 2.0)]).save(path)
    with pytest.raises(SavedFileError, match="the activation is a Python lambda, which Keras saved as bytecode; "
                                             "tinygradconv never runs code read from a file"):
        models.load_model(path)


def test_a_keras_layer_used_as_activation_is_named_as_such(tmp_path):
    """Keras saves ``activation=keras.layers.PReLU()`` as a layer config; the error used to suggest
    ``custom_objects={'PReLU': PReLU}``, misleading for a Keras built-in (found by a tester). The activation layers
    ReLU, LeakyReLU, ELU and Softmax load as activations (tests/test_activation_layers.py); PReLU, whose weight a
    layer's activation cannot hold here, and the other layers are refused, naming them."""
    keras = _keras()
    for layer, name in ((keras.layers.PReLU(), "PReLU"), (keras.layers.Activation("relu"), "Activation")):
        path = str(tmp_path / f"{name}.keras")
        keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=layer)]).save(path)
        with pytest.raises(SavedFileError) as info:
            models.load_model(path)
        message = str(info.value)
        assert f"the activation is a Keras layer object ({name}" in message and "custom_objects" not in message


# Each layer kind with one step and one tap, so that the by-hand outputs of the Dense model hold for all three.
LAYER_KINDS = {
    "Dense": (lambda **objects: layers.Dense(2, **objects), (3,)),
    "Conv1D": (lambda **objects: layers.Conv1D(2, 1, **objects), (1, 3)),
    "Conv1DTranspose": (lambda **objects: layers.Conv1DTranspose(2, 1, **objects), (1, 3)),
}


@pytest.mark.parametrize("suffix", [".tgc.npz", ".keras"])
@pytest.mark.parametrize("kind", sorted(LAYER_KINDS))
def test_every_layer_kind_saves_your_functions_and_registered_classes(tmp_path, registry, kind, suffix):
    """The convolutions used to write their objects another way than Dense: a plain function as an initializer could
    not be saved, and a registered activation class was written under its bare class name (not found again)."""
    if suffix == ".keras":
        pytest.importorskip("h5py", reason="h5py (the keras-format extra) reads and writes .keras files")
    make, input_shape = LAYER_KINDS[kind]
    tripled, filled_with = _registered_objects()

    @saving.register_keras_serializable(package="MyPkg")
    class Scaled:
        def __init__(self, factor):
            self.factor = factor

        def __call__(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    for objects, check, expected in [
        ({"activation": doubled_relu, "kernel_initializer": point_one, "kernel_regularizer": small_squares,
          "kernel_constraint": clipped_to_one}, _check_layer_objects, _expected()),
        ({"activation": Scaled(3.0), "kernel_initializer": filled_with(0.2)}, None,
         3.0 * 0.2 * X.sum(axis=1, keepdims=True).repeat(2, axis=1)),       # by hand: every kernel entry 0.2
        ({"activation": tripled, "kernel_initializer": point_one}, None,
         3.0 * 0.1 * X.sum(axis=1, keepdims=True).repeat(2, axis=1)),
    ]:
        model = models.Sequential([layers.Input(input_shape), make(**objects)])
        path = str(tmp_path / f"m{suffix}")
        model.save(path)
        loaded = models.load_model(path, custom_objects=OBJECTS)
        layer = loaded.layers[-1]
        if check:
            check(layer)
        elif isinstance(objects["activation"], Scaled):
            assert isinstance(layer.activation, Scaled) and layer.activation.factor == 3.0
            assert isinstance(layer.kernel_initializer, filled_with) and layer.kernel_initializer.value == 0.2
        else:
            assert layer.activation is tripled and layer.kernel_initializer is point_one
        x = X.reshape((4,) + input_shape)
        np.testing.assert_allclose(loaded.predict(x, verbose=0).reshape(4, 2), expected, rtol=1e-6)


def test_get_registered_name_and_object_as_keras_3(registry):
    """Keras 3's order: the scope, then get_custom_objects(), then custom_objects, then module_objects."""
    tripled, filled_with = _registered_objects()
    assert saving.get_registered_name(tripled) == "MyPkg>tripled"
    assert saving.get_registered_name(filled_with) == "Custom>FilledWith"
    assert saving.get_registered_name(doubled_relu) == "doubled_relu"          # not registered: its name
    assert saving.get_registered_object("MyPkg>tripled") is tripled
    assert saving.get_registered_object("doubled_relu") is None
    assert saving.get_registered_object("doubled_relu", custom_objects=OBJECTS) is doubled_relu
    assert saving.get_registered_object("x", custom_objects={"y": 1}, module_objects={"x": point_one}) is point_one
    with custom_object_scope({"doubled_relu": small_squares}):
        assert saving.get_registered_object("doubled_relu", custom_objects=OBJECTS) is small_squares
    assert tg.utils.get_registered_object is saving.get_registered_object
    assert tg.utils.get_registered_name is saving.get_registered_name


def test_an_activation_with_arguments_is_refused_for_keras_and_kept_in_our_files(tmp_path):
    """Found by a tester: ActivationFunction("leaky_relu", negative_slope=0.1) was written into .keras files and
    to_json as a config Keras cannot read (Keras' activations are plain functions). Our .tgc.npz keeps it."""
    pytest.importorskip("h5py", reason="h5py (the keras-format extra) writes .keras files")
    activation = tg.activations.ActivationFunction("leaky_relu", negative_slope=0.1)
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, activation=activation, kernel_initializer="ones")])
    for write in (lambda: model.save(str(tmp_path / "m.keras")), model.to_json):
        with pytest.raises(ValueError, match="'leaky_relu' with arguments .* Keras could not load"):
            write()
    assert not (tmp_path / "m.keras").exists()
    model.save(str(tmp_path / "m.tgc.npz"))
    loaded = models.load_model(str(tmp_path / "m.tgc.npz"))
    expected = np.where(X.sum(1) > 0, 1.0, 0.1) * X.sum(1)                  # by hand: leaky relu of the row sums
    np.testing.assert_allclose(loaded.predict(X, verbose=0), np.stack([expected, expected], 1), rtol=1e-6)


class ScaledByK:
    """An activation class of your own, registered for Keras 3 and for us under the same key."""

    def __init__(self, k=2.0):
        self.k = k

    def __call__(self, x):
        return x * self.k

    def get_config(self):
        return {"k": self.k}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def test_a_registered_activation_class_in_a_keras_file_loads_in_keras(tmp_path, registry):
    keras = _keras()
    ours_class = saving.register_keras_serializable(package="Mine")(type("ScaledByK", (ScaledByK,), {}))
    theirs_class = type("ScaledByK", (ScaledByK,), {})
    model = models.Sequential([layers.Input((3,)), layers.Dense(2, activation=ours_class(3.0))])
    path = str(tmp_path / "m.keras")
    model.save(path)
    theirs = keras.saving.load_model(path, custom_objects={"Mine>ScaledByK": theirs_class})
    assert isinstance(theirs.layers[-1].activation, theirs_class) and theirs.layers[-1].activation.k == 3.0
    np.testing.assert_allclose(np.asarray(theirs.predict(X, verbose=0)), model.predict(X, verbose=0), rtol=1e-6)
    assert isinstance(models.load_model(path).layers[-1].activation, ours_class)
