"""Fixes after a review of session 47's Keras work, each checked against Keras 3.15 (torch backend) or a hand-computed
case: a model built on a dict of one input reads a Python list of samples as that input's data again; the warnings
about such data point at the user's line."""
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models

REASON = "Keras 3 is the reference of how a model built on a dict of inputs takes its data"


def _one_key_model():
    """``Model({"a": Input((3,))}, Dense(1, ones))``: each output is the sum of the sample's three values."""
    a = layers.Input((3,), name="a")
    return models.Model({"a": a}, layers.Dense(1, kernel_initializer="ones")(a))


def _recorded(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, UserWarning)]


# --------------------------------------------------------------------- 1. a list of samples for a dict of one input
def test_python_list_of_samples_for_a_dict_of_one_input_is_its_data():
    """Before session 47 ``predict([[1., 2, 3], [4, 5, 6]])`` gave ``[[6.], [15.]]`` (the sums, by hand), as for
    any other model; after it, the list was read as one entry per key ("dict of 1 inputs ... list of 2") and
    ``[[1., 2, 3]]`` as the entry ``[1, 2, 3]`` (a shape error). Now a list of numbers or lists is the one input's
    data again, taken with the warning one array gets."""
    model = _one_key_model()
    for data, sums in (([[1., 2, 3], [4, 5, 6]], [[6.], [15.]]), ([[1., 2, 3]], [[6.]]),
                       (((1., 2, 3), (4, 5, 6)), [[6.], [15.]])):
        result, warned = _recorded(lambda data=data: model.predict(data, verbose=0))
        np.testing.assert_allclose(result, sums)
        assert len(warned) == 1 and "of samples" in str(warned[0].message), [str(w.message) for w in warned]
        result, _ = _recorded(lambda data=data: model(data).numpy())
        np.testing.assert_allclose(result, sums)
    # the same data for a model built on the bare input (no dict) gives the same sums, without a warning
    a = layers.Input((3,), name="a")
    plain = models.Model(a, layers.Dense(1, kernel_initializer="ones")(a))
    result, warned = _recorded(lambda: plain.predict([[1., 2, 3], [4, 5, 6]], verbose=0))
    np.testing.assert_allclose(result, [[6.], [15.]])
    assert warned == []
    model.compile("sgd", "mse")
    _, warned = _recorded(lambda: model.fit([[1., 2, 3], [4, 5, 6]], [[6.], [15.]], verbose=0))
    assert len(warned) == 1
    loss, _ = _recorded(lambda: model.evaluate([[1., 2, 3]], [[6.]], verbose=0))
    assert np.isfinite(loss)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_list_of_arrays_for_a_dict_of_one_input_is_still_one_per_key_as_keras():
    """A list whose entries are arrays is one entry per key, as Keras 3.15 reads it: ``[array]`` is the input
    (Keras: ``[[6.]]`` with a structure warning), ``[array, array]`` is refused (Keras: "expects 1 named
    input(s) ... received 2 input tensors")."""
    keras = keras_on_torch(REASON)
    x = np.array([[1., 2, 3]], "float32")
    inp = keras.Input((3,), name="a")
    theirs = keras.Model({"a": inp}, keras.layers.Dense(1, kernel_initializer="ones")(inp))
    expected, theirs_warned = _recorded(lambda: np.asarray(theirs.predict([x], verbose=0)))
    assert theirs_warned
    with pytest.raises(ValueError, match="received 2 input tensors"):
        theirs.predict([x, x], verbose=0)
    model = _one_key_model()
    result, warned = _recorded(lambda: model.predict([x], verbose=0))
    np.testing.assert_allclose(result, expected)
    assert len(warned) == 1 and "entry i is taken as the input of the i-th key" in str(warned[0].message)
    with pytest.raises(ValueError, match=r"dict of 1 inputs.*Received a list of 2 arrays"):
        model.predict([x, x], verbose=0)


# ------------------------------------------------------------------------- 6. the warnings point at the user's line
def test_dict_input_warnings_point_at_the_callers_line_once_per_call():
    """The warning about one array (or a list) given to a model built on a dict of inputs names this file for
    ``model(x)``, ``predict``, ``fit`` and ``evaluate`` (``predict`` and ``fit`` named a line of functional.py);
    and it is given once per call, not once more per batch (Keras 3.15 warns at a line of its own functional.py,
    once per batch)."""
    model = _one_key_model()
    model.compile("sgd", "mse")
    x, y = np.ones((6, 3), "float32"), np.ones((6, 1), "float32")
    a, b = layers.Input((3,), name="a"), layers.Input((2,), name="b")
    two = models.Model({"a": a, "b": b}, layers.Concatenate()([a, b]))
    calls = {"call": lambda: model(x), "predict": lambda: model.predict(x, batch_size=2, verbose=0),
             "fit": lambda: model.fit(x, y, batch_size=2, verbose=0),
             "evaluate": lambda: model.evaluate(x, y, batch_size=2, verbose=0),
             "predict list": lambda: model.predict([[1., 2, 3]] * 6, batch_size=2, verbose=0),
             "two keys, call": lambda: two([x, np.ones((6, 2))]),
             "two keys, predict": lambda: two.predict([x, np.ones((6, 2))], batch_size=2, verbose=0)}
    for name, call in calls.items():
        _, warned = _recorded(call)
        assert [w.filename for w in warned] == [__file__], (name, [(w.filename, w.lineno) for w in warned])


# ------------------------------------------------------------------ 2. a model pickled before session 47 still trains
def test_model_pickled_before_session_47_trains_after_loading():
    """Session 47 added ``_loss_fn`` (the loss called on each batch) beside ``loss``; a compiled model pickled
    before it (no ``_loss_fn``; its ``loss`` then held the resolved loss object) failed in ``fit`` with
    ``AttributeError: ... no attribute '_loss_fn'``. Such a state is built here by hand; after loading, one SGD step
    on the mean squared error moves the weights as the formula does: ``w -= lr * 2/n * x.T @ (x @ w + b - y)``."""
    import pickle

    from tinygradconv import losses, optimizers

    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    w, b = [np.asarray(v, dtype="float64") for v in model.get_weights()]
    del model.__dict__["_loss_fn"]                 # the state a model pickled before session 47 has
    model.__dict__["loss"] = losses.MeanSquaredError()
    old = pickle.loads(pickle.dumps(model))
    old.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    lr = float(np.asarray(old.optimizer.learning_rate))
    residual = x.astype("float64") @ w + b - y
    np.testing.assert_allclose(old.get_weights()[0], w - lr * 2 / 8 * x.T @ residual, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(old.get_weights()[1], b - lr * 2 / 8 * residual.sum(0), rtol=1e-5, atol=1e-6)
    assert np.isfinite(old.evaluate(x, y, verbose=0))


# ------------------------------------------------------------------------------------ 3. what Permute's dims may be
@pytest.mark.parametrize("dims", [{1: 2, 2: 1}, {2: "a", 1: "b"}, range(2, 0, -1), "torch", np.array([2, 1])],
                         ids=["dict-keys-12", "dict-keys-21", "range", "torch-tensor", "numpy-array"])
def test_permute_takes_the_iterables_of_integers_keras_takes(dims):
    """Keras 3.15 takes ``tuple(dims)``: a dict's keys in order (``{1: 2, 2: 1}`` is ``(1, 2)``), a ``range``, a
    torch or NumPy integer array; ours refused a dict (its docs said Keras did) and a range or torch tensor."""
    keras = keras_on_torch("Keras 3 is the reference of what Permute takes")
    if isinstance(dims, str):
        torch = pytest.importorskip("torch", reason="a torch tensor as dims, as Keras on torch takes it")
        dims = torch.tensor([2, 1])
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    expected = np.asarray(keras.layers.Permute(dims)(x))
    layer = layers.Permute(dims)
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    axes = tuple(int(d) for d in dims)                                    # by hand: the order Python iterates
    np.testing.assert_array_equal(expected, x.transpose(0, *axes))
    assert layer.get_config()["dims"] == axes and all(type(d) is int for d in layer.get_config()["dims"])


def test_permute_refuses_bytes_as_keras_and_a_set_where_keras_reorders_it():
    """``b"21"``: Keras' permutation check refuses it (ValueError; ours said TypeError). A set: Keras takes
    ``{2, 1}`` in the set's own order, ``(1, 2)``, not the one written; ours refuses it (a documented difference)."""
    keras = keras_on_torch("Keras 3 is the reference of what Permute refuses")
    with pytest.raises(ValueError):
        keras.layers.Permute(b"21")
    with pytest.raises(ValueError, match=r"Invalid value for argument `dims`.*write dims=\(2, 1\)"):
        layers.Permute(b"21")
    assert tuple(keras.layers.Permute({2, 1}).dims) == (1, 2)
    with pytest.raises(TypeError, match=r"Invalid type for argument `dims`.*a set's order"):
        layers.Permute({2, 1})


# ----------------------------------------------------------------------------- 4. evaluate of 0 samples says the truth
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_empty_evaluate_error_says_what_keras_does():
    """Keras 3.15 raises on an empty ``evaluate`` before any batch has built its metrics, and returns ``[]`` (with
    a "ran out of data" warning) after one; ours raises in both cases, and its message said "Keras 3 refuses it
    too", untrue in the second. ``fit`` of 0 samples: Keras raises (``num_samples=0``), ours too."""
    keras = keras_on_torch("Keras 3 is the reference of what evaluate does with 0 samples")
    e, ey = np.zeros((0, 3), "float32"), np.zeros((0, 1), "float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    theirs.compile("sgd", "mse", metrics=["mae"])
    with pytest.raises(ValueError):
        theirs.evaluate(e, ey, verbose=0)
    theirs.evaluate(np.ones((2, 3), "float32"), np.ones((2, 1), "float32"), verbose=0)
    assert theirs.evaluate(e, ey, verbose=0) == []
    with pytest.raises(ValueError):
        theirs.fit(e, ey, verbose=0)
    ours = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    ours.compile("sgd", "mse", metrics=["mae"])
    ours.evaluate(np.ones((2, 3), "float32"), np.ones((2, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"argument `x` of evaluate.*0 samples.*raises too before fit, evaluate or "
                                         r"train_on_batch has built its metrics.*returns \[\] with a 'ran out of "
                                         r"data'"):
        ours.evaluate(e, ey, verbose=0)
    with pytest.raises(ValueError, match=r"argument `x` of fit.*0 samples.*Keras 3 refuses it too"):
        ours.fit(e, ey, verbose=0)


# ------------------------------------------------------------------ 5. a registered class's entry, as Keras writes it
def _times_k(base, name, k):
    """A layer class named ``name`` on ``base`` (``layers.Layer`` here, or Keras' ``keras.layers.Layer``): ``x * k``,
    with ``k`` (default ``k``) in its config. The same class in both libraries, for the configs each writes."""
    def __init__(self, k=k, **kwargs):
        base.__init__(self, **kwargs)
        self.k = k

    def call(self, x):
        return x * self.k

    def get_config(self):
        return {**base.get_config(self), "k": self.k}

    return type(name, (base,), {"__init__": __init__, "call": call, "get_config": get_config, "__qualname__": name})


def _scale_classes(keras):
    """A layer ``Scale`` (``x * k``) registered as ``"pk_s47f6>Scale"``, in Keras and here."""
    from tinygradconv import saving

    return (saving.register_keras_serializable("pk_s47f6")(_times_k(layers.Layer, "Scale", 2.0)),
            keras.saving.register_keras_serializable("pk_s47f6")(_times_k(keras.layers.Layer, "Scale", 2.0)))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_registered_class_entry_has_class_name_and_registered_name_as_keras():
    """Keras 3.15's ``get_config`` entry of a registered class: ``class_name: 'Scale'``, ``registered_name:
    'pk_s47f6>Scale'``; ours wrote ``class_name: 'pk_s47f6>Scale'``. Both read back here; Keras reads ours; a config
    written the old way (``class_name: 'pk_s47f6>Scale'``) still loads."""
    keras = keras_on_torch("Keras 3 is the reference of a registered class's config entry")
    Scale, KerasScale = _scale_classes(keras)
    theirs = keras.Sequential([keras.Input((3,)), KerasScale(3.0)]).get_config()["layers"][1]
    ours_model = models.Sequential([layers.Input((3,)), Scale(3.0)])
    ours = ours_model.get_config()["layers"][1]
    assert (ours["class_name"], ours["registered_name"]) == (theirs["class_name"], theirs["registered_name"]) \
        == ("Scale", "pk_s47f6>Scale")
    a = layers.Input((3,), name="a")
    functional = models.Model(a, Scale(3.0)(a))
    assert [(e["class_name"], e["registered_name"]) for e in functional.get_config()["layers"]][1] == \
        ("Scale", "pk_s47f6>Scale")
    x = np.array([[1., 2., 4.]], "float32")
    for config, cls in ((ours_model.get_config(), models.Sequential), (functional.get_config(), models.Model)):
        back = cls.from_config(config)
        assert type(back.layers[-1]) is Scale and back.layers[-1].k == 3.0
        np.testing.assert_allclose(back.predict(x, verbose=0), 3 * x)         # by hand
    in_keras = keras.Sequential.from_config(ours_model.get_config())
    assert type(in_keras.layers[-1]) is KerasScale and in_keras.layers[-1].k == 3.0
    old = ours_model.get_config()
    old["layers"][1] = {**old["layers"][1], "class_name": "pk_s47f6>Scale"}    # as written before this fix
    assert type(models.Sequential.from_config(old).layers[-1]) is Scale


# -------------------------------------------- 7. custom layers: a nested Sequential cloned, Keras' config read
#: ``x * k`` (k = 3 by default), a layer class of this test's own, registered nowhere.
_Triple = _times_k(layers.Layer, "_Triple", 3.0)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_clone_model_of_a_functional_model_nesting_a_sequential_with_an_unregistered_layer():
    """``clone_model`` of a functional model nesting a ``Sequential`` that holds an unregistered layer of your own
    raised ``SavedFileError: Unknown layer or model class``, while cloning the Sequential alone worked. Keras
    3.15 clones it with ``recursive=True`` and fails without ("Could not locate class"); ours clones it both ways
    (the classes are those of the live layers: a documented difference)."""
    keras = keras_on_torch("Keras 3 is the reference of what clone_model clones")

    KerasTriple = _times_k(keras.layers.Layer, "KerasTriple", 3.0)
    k_inner = keras.Sequential([keras.Input((3,)), KerasTriple()])
    k_in = keras.Input((3,))
    k_outer = keras.Model(k_in, k_inner(k_in))
    assert type(keras.models.clone_model(k_outer, recursive=True).layers[-1].layers[-1]) is KerasTriple
    with pytest.raises(TypeError, match="Could not locate class"):
        keras.models.clone_model(k_outer)
    inner = models.Sequential([layers.Input((3,)), _Triple(4.0)])
    a = layers.Input((3,))
    outer = models.Model(a, inner(a))
    x = np.array([[1., 2., 3.]], "float32")
    for recursive in (False, True):
        clone = models.clone_model(outer, recursive=recursive)
        nested = clone.layers[-1]
        assert nested is not inner and type(nested.layers[-1]) is _Triple and nested.layers[-1].k == 4.0
        np.testing.assert_allclose(clone.predict(x, verbose=0), 4 * x)               # by hand


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_from_config_of_keras_config_with_a_layer_of_your_own_given_in_custom_objects():
    """Keras 3.15's config of a model with a layer of your own (``module`` None, ``registered_name`` its class
    name) was refused by our ``from_config`` even with ``custom_objects`` ("tinygradconv has no layer"); Keras
    reads ours. Now the class from ``custom_objects`` (or a scope) makes it, at the top and in a nested model;
    without it the error stays."""
    keras = keras_on_torch("Keras 3 writes the config read here")
    KerasTriple = _times_k(keras.layers.Layer, "_Triple", 3.0)
    x = np.array([[1., 2., 3.]], "float32")
    sequential = keras.Sequential([keras.Input((3,)), KerasTriple(5.0)])
    k_in = keras.Input((3,))
    functional = keras.Model(k_in, KerasTriple(5.0)(k_in))
    k_in2 = keras.Input((3,))
    nesting = keras.Model(k_in2, keras.Sequential([keras.Input((3,)), KerasTriple(5.0)])(k_in2))
    for theirs, cls in ((sequential, models.Sequential), (functional, models.Model), (nesting, models.Model)):
        expected = np.asarray(theirs.predict(x, verbose=0))
        np.testing.assert_allclose(expected, 5 * x)                                       # by hand
        ours = cls.from_config(theirs.get_config(), custom_objects={"_Triple": _Triple})
        np.testing.assert_allclose(ours.predict(x, verbose=0), expected)
        with pytest.raises(Exception, match="_Triple"):
            cls.from_config(theirs.get_config())
