"""What a Keras user hits first, each checked against Keras 3 itself run on the same code (``KERAS_BACKEND=torch``):
``build_config`` in ``.keras`` files, ``build(self, a_shape, b_shape)`` for a call of two tensors, metrics with a
``dtype``, the ``trainable`` setter, and layer names with a dot."""
import json
import os
import types
import warnings
import zipfile

import numpy as np
import pytest

from tinygradconv import layers, metrics, models

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", reason="Keras 3 is the reference of these tests")
OURS = types.SimpleNamespace(layers=layers, Model=models.Model, Sequential=models.Sequential)


def _config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


# ------------------------------------------------------------------------------------ 1. build_config in .keras files
def test_unbuilt_sequential_of_a_built_dense_saves_as_keras_writes_it_and_loads_both_ways(tmp_path):
    """The exact input of the issue: Dense(3) built by a call on a (2, 4) batch, put in Sequential([...]) never
    called, saved as .keras. Keras writes the layer's build_config {"input_shape": [2, 4]}; so does our writer, and
    our file loads in Keras (and Keras' in ours) with the same weights and predictions."""
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    ours = layers.Dense(3)
    ours(x)
    theirs = keras.layers.Dense(3)
    theirs(x)
    theirs.set_weights(ours.get_weights())
    with pytest.warns(UserWarning, match="has not been built yet"):
        models.Sequential([ours]).save(tmp_path / "ours.keras")
    with pytest.warns(UserWarning, match="has not yet been built"):
        keras.Sequential([theirs]).save(tmp_path / "theirs.keras")
    written, reference = _config(tmp_path / "ours.keras"), _config(tmp_path / "theirs.keras")
    assert written["config"]["layers"][0]["build_config"] == {"input_shape": [2, 4]}
    assert written["config"]["layers"][0]["build_config"] == reference["config"]["layers"][0]["build_config"]
    assert "build_config" not in written and "build_config" not in reference     # the model itself: unbuilt

    expected = x @ ours.get_weights()[0] + ours.get_weights()[1]      # the layer's own formula, in NumPy
    in_keras = keras.saving.load_model(tmp_path / "ours.keras")       # ours -> Keras
    mine = models.load_model(tmp_path / "theirs.keras")               # Keras -> ours
    for loaded in (in_keras, mine):
        for got, saved in zip(loaded.get_weights(), ours.get_weights()):
            np.testing.assert_array_equal(got, saved)
    np.testing.assert_allclose(in_keras.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mine.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(models.load_model(tmp_path / "ours.keras").predict(x, verbose=0), expected,
                               rtol=1e-5, atol=1e-6)


def test_build_configs_of_a_model_from_input_match_keras(tmp_path):
    """Every built layer has its build_config, as Keras writes it (its input shape with the batch axis None), in
    Sequential and functional models, in .keras files and to_json."""
    def sequential(lib):
        return lib.Sequential([lib.layers.Input((8, 2)), lib.layers.Conv1D(3, 3), lib.layers.Flatten(),
                               lib.layers.Dense(2)])

    def functional(lib):
        a, b = lib.layers.Input((4,)), lib.layers.Input((4,))
        return lib.Model([a, b], lib.layers.Dense(1)(lib.layers.Add()([a, b])))

    for build in (sequential, functional):
        ours, theirs = build(OURS), build(keras)
        ours.save(tmp_path / "ours.keras")
        theirs.save(tmp_path / "theirs.keras")
        written, reference = _config(tmp_path / "ours.keras"), _config(tmp_path / "theirs.keras")
        assert written["build_config"] == reference["build_config"]
        got = [item.get("build_config") for item in written["config"]["layers"]]
        assert got == [item.get("build_config") for item in reference["config"]["layers"]]
        assert got[-1] is not None
        assert [item.get("build_config") for item in json.loads(ours.to_json())["config"]["layers"]] == got


def test_get_build_config_as_keras():
    x = np.ones((2, 4), "float32")
    ours, theirs = layers.Dense(3), keras.layers.Dense(3)
    assert ours.get_build_config() is theirs.get_build_config() is None
    ours(x)
    theirs(x)
    assert ours.get_build_config() == theirs.get_build_config() == {"input_shape": (2, 4)}
    rebuilt = layers.Dense(3)
    rebuilt.build_from_config(ours.get_build_config())
    assert rebuilt.built and rebuilt.kernel.shape == (4, 3)


# ------------------------------------------------------------------------- 2. build(self, a_shape, b_shape)
def _pair(base, matmul):
    class Pair(base):
        def build(self, a_shape, b_shape):
            self.seen = (a_shape, b_shape)
            self.w = self.add_weight(shape=(a_shape[-1], b_shape[-1]), initializer="ones", name="w")

        def call(self, a, b):
            return matmul(a, self.w) * b

    return Pair


OURS_PAIR = _pair(layers.Layer, lambda a, w: a @ w)
KERAS_PAIR = _pair(keras.layers.Layer, lambda a, w: keras.ops.matmul(a, w))


@pytest.mark.parametrize("by_name", [False, True])
def test_build_gets_one_shape_per_call_argument_as_in_keras(by_name):
    a = np.arange(6, dtype="float32").reshape(2, 3)
    b = np.full((2, 4), 2.0, "float32")
    ours, theirs = OURS_PAIR(), KERAS_PAIR()
    got = ours(a, b=b) if by_name else ours(a, b)
    expected = theirs(a, b=b) if by_name else theirs(a, b)
    assert ours.seen == theirs.seen == ((2, 3), (2, 4))
    np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(expected))
    np.testing.assert_allclose(got.numpy(), (a @ np.ones((3, 4))) * b)        # by hand
    assert ours.get_build_config() == theirs.get_build_config() == {"shapes_dict": {"a_shape": (2, 3),
                                                                                   "b_shape": (2, 4)}}


def test_two_argument_build_in_a_functional_model_as_in_keras():
    a = np.arange(6, dtype="float32").reshape(2, 3)
    b = np.full((2, 4), 2.0, "float32")
    ours, theirs = OURS_PAIR(), KERAS_PAIR()
    ia, ib = layers.Input((3,)), layers.Input((4,))
    ka, kb = keras.Input((3,)), keras.Input((4,))
    model, reference = models.Model([ia, ib], ours(ia, ib)), keras.Model([ka, kb], theirs(ka, kb))
    assert ours.seen == theirs.seen == ((None, 3), (None, 4))
    np.testing.assert_allclose(model.predict([a, b], verbose=0), reference.predict([a, b], verbose=0))


def test_build_argument_rules_as_in_keras():
    """Keras' rules: an argument of call() that got no tensor is not passed (the build's default is used), nor is a
    mask; a list of tensors gives a list of shapes; a build of one argument gets the first shape; other names are
    Keras' ValueError."""
    a, b = np.ones((2, 3), "float32"), np.ones((2, 4), "float32")

    def record(base):
        class Optional(base):
            def build(self, a_shape, b_shape=None):
                self.seen = (a_shape, b_shape)

            def call(self, a, b=None):
                return a

        class Masked(base):
            def build(self, a_shape, mask_shape=None):
                self.seen = (a_shape, mask_shape)

            def call(self, a, mask=None):
                return a

        class Listed(base):
            def build(self, a_shape, b_shape):
                self.seen = (a_shape, [tuple(s) for s in b_shape])

            def call(self, a, b):
                return a

        class One(base):
            def build(self, shape):
                self.seen = shape

            def call(self, a, b):
                return a

        seen = []
        for layer, args, kwargs in [(Optional(), (a,), {}), (Optional(), (a, b), {}), (Masked(), (a,), {"mask": b}),
                                    (Listed(), (a, [b, b]), {}), (One(), (a, b), {})]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")         # Keras' warning that Masked does not support masking
                layer(*args, **kwargs)
            seen.append(layer.seen)
        return seen

    assert record(layers.Layer) == record(keras.layers.Layer) == [
        ((2, 3), None), ((2, 3), (2, 4)), ((2, 3), None), ((2, 3), [(2, 4), (2, 4)]), (2, 3)]

    def errors(base):
        class NotShape(base):
            def build(self, x, y):
                pass

            def call(self, a, b):
                return a

        class Unknown(base):
            def build(self, a_shape, c_shape):
                pass

            def call(self, a, b):
                return a

        out = []
        for cls in (NotShape, Unknown):
            with pytest.raises(ValueError) as info:
                cls()(a, b)
            out.append(str(info.value).split("For layer")[1].strip().lower())   # (Keras: "Received", "received")
        return out

    assert errors(layers.Layer) == errors(keras.layers.Layer)


# ----------------------------------------------------------------------------------------- 4. the trainable setter
TRAINABLE_VALUES = [1, 0, np.bool_(False), np.bool_(True), "yes", "False", "", None, 2.5, [], np.int64(1)]


@pytest.mark.parametrize("value", TRAINABLE_VALUES, ids=repr)
def test_trainable_setter_reads_a_value_as_keras_3_does(value):
    ours, theirs = layers.Dense(2), keras.layers.Dense(2)
    ours.build((None, 3))
    theirs.build((None, 3))
    ours.trainable = value
    theirs.trainable = value
    assert type(ours.trainable) is type(theirs.trainable) is bool
    assert ours.trainable == theirs.trainable == bool(value)
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    assert [w.requires_grad for w in ours.weights] == [w.trainable for w in theirs.weights]


def test_trainable_setter_on_a_model_sets_its_layers_as_keras():
    ours = models.Sequential([layers.Input((3,)), layers.Dense(2)])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    for value in (0, "yes"):
        ours.trainable = value
        theirs.trainable = value
        assert ours.layers[0].trainable is theirs.layers[0].trainable is bool(value)
        assert len(ours.trainable_weights) == len(theirs.trainable_weights)


def test_trainable_at_construction_is_still_a_bool_as_keras():
    for value in (1, "yes"):
        with pytest.raises(ValueError, match="Expected `trainable` to be a boolean"):
            keras.layers.Dense(2, trainable=value)
        with pytest.raises(ValueError, match="Expected `trainable` to be a boolean"):
            layers.Dense(2, trainable=value)


# ------------------------------------------------------------------------------------- 5. layer names with a dot
def _dotted_warnings(save):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save()
    return [str(w.message) for w in caught if "PyTorch backend" in str(w.message)]


def _loads_in_keras(path):
    """Whether Keras (on torch) loads the file and predicts with it (which builds any layer left unbuilt)."""
    try:
        model = keras.saving.load_model(path)
        model.predict(np.ones((2, 4), "float32"), verbose=0)
    except KeyError as error:
        assert "parameter name can" in error.args[0]
        return False
    return True


def _dotted_models():
    inner = models.Sequential([layers.Input((4,)), layers.Dense(2)], name="in.ner")
    a = layers.Input((4,), name="in.put")
    b = layers.Input((4,))
    return {
        "dense": models.Sequential([layers.Input((4,)), layers.Dense(3, name="block.dense")]),
        "batch_norm": models.Sequential([layers.Input((4,)), layers.BatchNormalization(name="b.n")]),
        "functional_dense": models.Model(b, layers.Dense(2, name="d.x")(b)),
        "unbuilt_dense": models.Sequential([layers.Dense(2, name="u.d")]),
        "unbuilt_in_dotted_sequential": models.Sequential([layers.Dense(2)], name="s.q"),
        "flatten": models.Sequential([layers.Input((4,)), layers.Flatten(name="f.x"), layers.Dense(2)]),
        "functional_named": models.Model(a, layers.Dense(2)(a), name="f.unc"),
        "built_in_dotted_sequential": models.Sequential([layers.Input((4,)), layers.Dense(3)], name="my.model"),
        "nested": models.Sequential([layers.Input((4,)), inner]),
    }


@pytest.mark.parametrize("case", list(_dotted_models()))
def test_a_dotted_name_warns_exactly_when_keras_on_torch_cannot_use_the_file(tmp_path, case):
    """Keras 3 on torch accepts a name with a dot when the layer is made, and refuses it when a layer with weights
    is built (PyTorch's KeyError); other backends accept it. Saving warns, naming the layers, exactly for the files
    that Keras on torch cannot load or run; the file always loads here, with the same predictions."""
    model = _dotted_models()[case]
    path = tmp_path / "m.keras"
    found = _dotted_warnings(lambda: model.save(path))
    assert bool(found) is not _loads_in_keras(path)
    if found:
        assert "'.' in the name of" in found[0] and "JAX or TensorFlow" in found[0]
        assert [name for name in ("block.dense", "b.n", "d.x", "u.d", "s.q") if f"'{name}'" in found[0]]
        assert _dotted_warnings(model.to_json)
    x = np.ones((2, 4), "float32")
    loaded = models.load_model(path)
    if model.built:
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_keras_on_torch_refuses_a_dotted_name_when_building_not_when_making():
    """The reference behaviour the warning is about (Keras 3.15 on torch)."""
    dense = keras.layers.Dense(3, name="block.dense")
    assert dense.name == "block.dense"
    with pytest.raises(KeyError, match="parameter name can"):
        dense.build((None, 4))
    keras.layers.Flatten(name="f.x")(np.ones((2, 4), "float32"))      # no weights: accepted
    ours = layers.Dense(3, name="block.dense")
    ours.build((None, 4))
    assert [w.path for w in ours.weights] == ["block.dense/kernel", "block.dense/bias"]


# ---------------------------------------------------------------------------------------------- 3. a metric's dtype
def _metric_data(name):
    rng = np.random.default_rng(0)
    labels = (rng.random((6, 3)) > 0.5).astype("float32")
    scores = rng.random((6, 3)).astype("float32")
    classes = np.array([0, 2, 1, 1, 0, 2])
    one_hot = np.eye(3, dtype="float32")[classes]
    if name in ("Mean", "Sum"):
        return (scores,)
    if name.startswith("Sparse"):
        return classes, scores
    if name in ("CategoricalAccuracy", "TopKCategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
                "KLDivergence", "F1Score", "FBetaScore"):
        return one_hot, scores
    return labels, scores


METRIC_CLASSES = sorted(name for name in dir(metrics) if isinstance(getattr(metrics, name), type)
                        and issubclass(getattr(metrics, name), metrics.Metric) and hasattr(keras.metrics, name)
                        and name not in ("Metric", "MeanMetricWrapper")
                        and "IoU" not in name)        # (their dtype is the confusion matrix's, int32 by default)
#: Keras 3.15 on torch reports float32 there whatever the dtype (see docs/keras_compatibility.md)
KERAS_ALWAYS_FLOAT32 = ("AUC", "Precision", "Recall", "R2Score", "TruePositives", "FalsePositives", "TrueNegatives",
                        "FalseNegatives", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
                        "SpecificityAtSensitivity")


#: the argument the at-threshold metrics need
AT_RATE = {"PrecisionAtRecall": {"recall": 0.5}, "RecallAtPrecision": {"precision": 0.5},
           "SensitivityAtSpecificity": {"specificity": 0.5}, "SpecificityAtSensitivity": {"sensitivity": 0.5}}


def test_every_metric_class_keras_has_is_compared():
    assert len(METRIC_CLASSES) >= 33 and "MeanSquaredError" in METRIC_CLASSES and "Precision" in METRIC_CLASSES


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", METRIC_CLASSES)
def test_metric_dtype_as_keras(name, dtype):
    """Each metric class with dtype=, updated twice (once with sample weights), against Keras' same class: the
    value to the dtype's precision, and the result's dtype, which is Keras' but where Keras on torch reports float32
    (its float64 means, and the classes that ignore the dtype)."""
    extra = {"k": 2} if "TopK" in name else {}
    extra = {**extra, **AT_RATE.get(name, {})}
    ours, theirs = getattr(metrics, name)(dtype=dtype, **extra), getattr(keras.metrics, name)(dtype=dtype, **extra)
    weights = np.array([1, 0.5, 2, 1, 0, 3], "float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for metric in (ours, theirs):
            metric.update_state(*_metric_data(name))
            metric.update_state(*_metric_data(name), sample_weight=weights)
    got, expected = ours.result(), keras.ops.convert_to_numpy(theirs.result())
    assert isinstance(got, (np.generic, np.ndarray)) and got.dtype == np.dtype(dtype)
    assert ours.dtype == theirs.dtype == dtype
    if dtype != "float64" and name not in KERAS_ALWAYS_FLOAT32:
        assert expected.dtype == np.dtype(dtype)
    tolerance = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-6}[dtype]
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(expected, np.float64), rtol=tolerance,
                               atol=tolerance)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_the_issue_metrics_with_a_dtype_by_hand(dtype):
    """The exact inputs of the issue, against Keras and against the formula in NumPy."""
    y_true, y_pred = np.array([[0.1, 0.7], [0.3, 0.2]]), np.array([[0.15, 0.5], [0.35, 0.9]])
    cases = [("MeanSquaredError", (y_true, y_pred), np.mean((y_true - y_pred) ** 2)),
             ("Mean", (y_pred,), np.mean(y_pred)),
             ("Accuracy", (np.round(y_true), np.round(y_pred)), np.mean(np.round(y_true) == np.round(y_pred)))]
    for name, data, by_hand in cases:
        ours, theirs = getattr(metrics, name)(dtype=dtype), getattr(keras.metrics, name)(dtype=dtype)
        ours.update_state(*data)
        theirs.update_state(*data)
        got = ours.result()
        assert got.dtype == np.dtype(dtype)
        tolerance = 1e-3 if dtype == "float16" else 1e-6
        np.testing.assert_allclose(float(got), by_hand, rtol=tolerance)
        np.testing.assert_allclose(float(got), float(keras.ops.convert_to_numpy(theirs.result())), rtol=tolerance)


def test_metric_float16_sums_stop_as_keras_variables_do():
    ours, theirs = metrics.Mean(dtype="float16"), keras.metrics.Mean(dtype="float16")
    for _ in range(2500):
        ours.update_state([1.0])
        theirs.update_state([1.0])
    assert float(ours.count) == float(keras.ops.convert_to_numpy(theirs.count)) == 2048.0


def test_metric_without_a_dtype_is_unchanged_and_configs_round_trip():
    plain = metrics.MeanSquaredError()
    plain.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    assert type(plain.result()) is float and plain.dtype is None and "dtype" not in plain.get_config()
    given = metrics.Precision(thresholds=0.3, dtype="float64")
    assert given.get_config()["dtype"] == "float64"
    assert metrics.Precision.from_config(given.get_config()).dtype == "float64"
    # Keras writes its default "float32" always: kept as written (the metric computes in float32, as Keras'), so
    # that an explicit dtype="float32" of ours survives from_config(get_config()) too
    assert metrics.MeanSquaredError.from_config(keras.metrics.MeanSquaredError().get_config()).dtype == "float32"
    assert metrics.MeanSquaredError.from_config(
        keras.metrics.MeanSquaredError(dtype="float64").get_config()).dtype == "float64"
    assert keras.metrics.Precision.from_config(given.get_config()).dtype == "float64"


@pytest.mark.parametrize("dtype", ["int32", "bool", "uint8"])
def test_a_metric_dtype_that_truncates_every_value_is_refused(dtype):
    """Keras accepts these, and its results mean nothing (MeanSquaredError 0.0 for an error of 0.25): refused."""
    reference = keras.metrics.MeanSquaredError(dtype=dtype)
    reference.update_state([[0.0, 1.0]], [[0.5, 1.5]])
    assert float(keras.ops.convert_to_numpy(reference.result())) != 0.25
    for cls in (metrics.MeanSquaredError, metrics.Mean, metrics.Accuracy, metrics.AUC):
        with pytest.raises(ValueError, match=rf"Invalid value for argument `dtype` of {cls.__name__}.*"
                                             rf"Received dtype='{dtype}' \(Keras accepts it but truncates"):
            cls(dtype=dtype)


def test_metric_dtype_given_by_position_as_in_keras():
    ours, theirs = metrics.BinaryAccuracy("acc", "float64", 0.7), keras.metrics.BinaryAccuracy("acc", "float64", 0.7)
    assert ours.get_config()["threshold"] == theirs.get_config()["threshold"] == 0.7
    assert ours.dtype == theirs.dtype == "float64"
    assert metrics.MeanSquaredError("m", "float16").dtype == "float16"
