"""Review of the Keras fixes of 2026-12-07 (s47 f15), each checked against Keras 3.15.1 on torch where it runs:
the dict-input warning of a call made during ``fit`` (a callback, another thread, a nested model), ``Permute``'s
``dims``, and the wording of hints that name what to pass."""
import collections
import json
import threading
import warnings

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import callbacks, layers
from tinygradconv.models import Model, Sequential, clone_model, load_model
from tinygradconv.saving import SavedFileError


def _dict_warnings(caught):
    """The messages of the dict-input warnings (ours and Keras': 'doesn't match the expected structure')."""
    return [str(w.message) for w in caught if "dict of inputs" in str(w.message) or "structure" in str(w.message)]


def _fit_with_a_calling_callback(lib, Input, Dense, make_model, Callback):
    a = Input((3,), name="a")
    model = make_model({"a": a}, Dense(1)(a))
    model.compile("sgd", "mse")

    class CallsTheModel(Callback):
        def on_epoch_end(self, epoch, logs=None):
            model(np.ones((2, 3), "float32"))

    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit({"a": x}, y, epochs=2, verbose=0, callbacks=[CallsTheModel()])
    return _dict_warnings(caught)


def test_a_callback_calling_a_dict_input_model_on_one_array_during_fit_warns_each_time_as_keras():
    keras = keras_on_torch("Keras 3 is the reference for the warnings of a dict-input model")
    theirs = _fit_with_a_calling_callback(keras, keras.Input, keras.layers.Dense, keras.Model,
                                          keras.callbacks.Callback)
    ours = _fit_with_a_calling_callback(None, layers.Input, layers.Dense, Model, callbacks.Callback)
    assert len(theirs) == 2        # fit on a dict does not warn; each of the two epochs' callback calls does
    assert len(ours) == len(theirs)


def test_another_thread_calling_the_model_during_fit_is_warned():
    a = layers.Input((3,), name="a")
    model = Model({"a": a}, layers.Dense(1)(a))
    model.compile("sgd", "mse")
    caught_in_thread = []

    class CallsFromAThread(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            def call():
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    model(np.ones((2, 3), "float32"))
                caught_in_thread.extend(_dict_warnings(caught))
            thread = threading.Thread(target=call)
            thread.start()
            thread.join()

    model.fit({"a": np.ones((4, 3), "float32")}, np.ones((4, 1), "float32"), batch_size=2, verbose=0,
              callbacks=[CallsFromAThread()])
    assert len(caught_in_thread) == 2      # one per batch: each thread's call warns (Keras warns on every call)


def test_a_fit_on_one_array_warns_once_and_its_batches_and_validation_do_not_warn_again():
    a = layers.Input((3,), name="a")
    model = Model({"a": a}, layers.Dense(1)(a))
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=2, epochs=2, verbose=0, validation_data=({"a": x}, y))
    assert len(_dict_warnings(caught)) == 1   # x, once, at fit's line: not per batch (a documented difference)


def _nested_predict(Input, Dense, make_model):
    a = Input((3,), name="a")
    inner = make_model({"a": a}, Dense(1)(a))
    b = Input((3,), name="b")
    outer = make_model(b, inner(b))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outer.predict(np.ones((8, 3), "float32"), batch_size=2, verbose=0)
    return _dict_warnings(caught)


def test_a_nested_dict_input_model_warns_once_per_batch_of_the_outer_model_as_keras():
    keras = keras_on_torch("Keras 3 is the reference for the warnings of a nested dict-input model")
    theirs = _nested_predict(keras.Input, keras.layers.Dense, keras.Model)
    ours = _nested_predict(layers.Input, layers.Dense, Model)
    assert len(theirs) == 4
    assert len(ours) == len(theirs)


_PERMUTE_DIMS = {
    "dict.keys()": lambda: {2: 0, 1: 0}.keys(),
    "dict.values()": lambda: {0: 2, 1: 1}.values(),
    "object array": lambda: np.array([2, 1], dtype=object),
    "bytearray of byte values": lambda: bytearray(b"\x02\x01"),
    "deque": lambda: collections.deque([2, 1]),
    "text array": lambda: np.array(["2", "1"]),
    "bytes array": lambda: np.array([b"2", b"1"]),
    "object array of text": lambda: np.array(["2", "1"], dtype=object),
    "bytearray of digits": lambda: bytearray(b"21"),
    "bool array": lambda: np.array([True, False]),
}


@pytest.mark.parametrize("case", sorted(_PERMUTE_DIMS))
def test_permute_reads_dims_as_keras_tuple_dims(case):
    keras = keras_on_torch("Keras 3 is the reference for Permute's dims")
    x = np.arange(12, dtype="float32").reshape(1, 4, 3)
    try:
        expected = keras.ops.convert_to_numpy(keras.layers.Permute(_PERMUTE_DIMS[case]())(x))
    except ValueError:
        with pytest.raises(ValueError, match="Invalid value for argument `dims`"):
            layers.Permute(_PERMUTE_DIMS[case]())
        return
    np.testing.assert_array_equal(layers.Permute(_PERMUTE_DIMS[case]())(x).numpy(), expected)
    assert expected.shape == (1, 3, 4)


def _my_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


@pytest.mark.parametrize("loss, says", [
    (_my_loss, "Compile again with loss=_my_loss (the function itself)"),
    ("mse", "Compile again with loss='mse'"),
    (None, "Compile again with the loss itself"),
])
def test_a_dict_of_one_loss_on_a_sequential_names_what_to_pass_valid_python(loss, says):
    model = Sequential([layers.Input((3,)), layers.Dense(1, name="dense")])
    model.compile("sgd", {"dense": loss})
    with pytest.raises(TypeError) as caught:
        model.train_on_batch(np.ones((2, 3), "float32"), np.ones((2, 1), "float32"))
    assert says in str(caught.value)
    assert "loss=<function" not in str(caught.value) and "loss=None" not in str(caught.value)


def test_an_empty_evaluate_says_keras_raises_until_fit_evaluate_or_train_on_batch_built_the_metrics():
    keras = keras_on_torch("Keras 3 is the reference for an empty evaluate")
    x, y, empty = np.ones((2, 3), "float32"), np.ones((2, 1), "float32"), np.ones((0, 3), "float32")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    theirs.compile("sgd", "mse")
    theirs.predict(x, verbose=0)                  # batches run through, the metrics not built: Keras still raises
    with pytest.raises(ValueError):
        theirs.evaluate(empty, np.ones((0, 1), "float32"), verbose=0)
    theirs.train_on_batch(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert theirs.evaluate(empty, np.ones((0, 1), "float32"), verbose=0) == []
    ours = Sequential([layers.Input((3,)), layers.Dense(1)])
    ours.compile("sgd", "mse")
    with pytest.raises(ValueError, match="before fit, evaluate or train_on_batch has built its metrics"):
        ours.evaluate(empty, np.ones((0, 1), "float32"))


def _scaling_class(name, factor):
    class Scaling(layers.Layer):
        def __init__(self, k=factor, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, x):
            return x * self.k

        def get_config(self):
            return {**super().get_config(), "k": self.k}
    Scaling.__name__ = Scaling.__qualname__ = name
    return Scaling


@pytest.mark.parametrize("classes", [("Dense",), ("Scale", "Scale")], ids=["named-like-ours", "two-of-one-name"])
def test_clone_model_not_recursive_that_cannot_rebuild_a_nested_model_says_recursive_true(classes):
    inner = Sequential([layers.Input((3,))] + [_scaling_class(name, 2.0 + i)() for i, name in enumerate(classes)])
    outer = Sequential([layers.Input((3,)), inner])
    with pytest.raises(ValueError, match="recursive=True") as caught:
        clone_model(outer, recursive=False)
    assert "custom_objects" not in str(caught.value)
    x = np.ones((1, 3), "float32")
    expected = np.prod([2.0 + i for i in range(len(classes))]) * x     # the hand-computed scaling
    np.testing.assert_allclose(clone_model(outer, recursive=True)(x).numpy(), expected)


class _Tripling(layers.Layer):
    def call(self, x):
        return x * 3


def _old_npz_of_registered_name(tmp_path):
    """A model file written as older versions wrote a registered class: ``class_name: "pk>Scale"``."""
    model = Sequential([layers.Input((3,)), _Tripling(name="s")])
    path = tmp_path / "old.npz"
    model.save(path)
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(bytes(arrays["__tinygradconv__"]).decode())
    entry = meta["model"]["config"]["layers"][1]
    entry["class_name"] = entry["registered_name"] = "pk>Scale"
    arrays["__tinygradconv__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(path, **arrays)
    return path


def test_an_old_npz_of_class_name_package_and_name_loads_with_the_class_under_its_short_name(tmp_path):
    path = _old_npz_of_registered_name(tmp_path)
    with pytest.raises(SavedFileError) as caught:
        load_model(path)
    assert "custom_objects={'Scale': Scale}" in str(caught.value)      # valid Python, as the hint is to be copied
    for custom_objects in ({"Scale": _Tripling}, {"pk>Scale": _Tripling}):
        loaded = load_model(path, custom_objects=custom_objects)
        np.testing.assert_array_equal(loaded(np.ones((1, 3), "float32")).numpy(), [[3.0, 3.0, 3.0]])


def test_from_config_of_a_keras_custom_layer_names_custom_objects_for_from_config_and_that_works():
    keras = keras_on_torch("Keras 3 writes the config of a registered layer of your own")

    @keras.saving.register_keras_serializable(package="pk")
    class Plain(keras.layers.Layer):
        def call(self, x):
            return x * 2

    config = keras.Sequential([keras.Input((3,)), Plain()]).get_config()
    with pytest.raises(SavedFileError) as caught:
        Sequential.from_config(config)
    assert "custom_objects={'Plain': Plain}" in str(caught.value) and "from_config" in str(caught.value)

    class Plain(layers.Layer):                  # ours, under the name the message gives
        def call(self, x):
            return x * 2

    ours = Sequential.from_config(config, custom_objects={"Plain": Plain})
    np.testing.assert_array_equal(ours(np.ones((1, 3), "float32")).numpy(), [[2.0, 2.0, 2.0]])


@pytest.mark.parametrize("how", ["call", "predict"])
@pytest.mark.parametrize("x", [[1, "a"], [[1, 2], [3]]], ids=["text", "ragged"])
def test_data_refused_for_a_dict_of_one_input_gives_no_warning_before_the_refusal(how, x):
    keras = keras_on_torch("Keras 3 is the reference for a list refused as data")
    ki = keras.Input((2,), name="a")
    theirs = keras.Model({"a": ki}, keras.layers.Dense(1)(ki))
    with pytest.raises(ValueError, match="Unrecognized data type"):     # Keras: not data, refused
        theirs.predict(x, verbose=0)
    a = layers.Input((2,), name="a")
    ours = Model({"a": a}, layers.Dense(1)(a))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises((TypeError, ValueError)):
            ours(x) if how == "call" else ours.predict(x, verbose=0)
    assert _dict_warnings(caught) == []
