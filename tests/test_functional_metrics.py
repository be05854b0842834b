"""Per-output ``metrics`` and ``weighted_metrics`` of a model with several outputs, against Keras 3: the log names
(``"<output>_<metric>"``), the order of the logs, the values, and the errors for structures that fit no output."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

RNG = np.random.default_rng(7)
X = RNG.normal(size=(24, 4)).astype("float32")
Y_REG = RNG.normal(size=(24, 1)).astype("float32")
Y_CLS = (RNG.random((24, 1)) > 0.5).astype("float32")
Y_CAT = RNG.integers(0, 3, size=(24,))
W = RNG.random(24).astype("float32") + 0.5


def build(lib):
    """reg (1 linear unit), cls (1 sigmoid unit), cat (3 softmax units) on a shared hidden layer."""
    x = lib.layers.Input((4,))
    h = lib.layers.Dense(5, activation="tanh", name="h")(x)
    outputs = [lib.layers.Dense(1, name="reg")(h), lib.layers.Dense(1, activation="sigmoid", name="cls")(h),
               lib.layers.Dense(3, activation="softmax", name="cat")(h)]
    return lib.models.Model(x, outputs)


LOSS = {"reg": "mse", "cls": "binary_crossentropy", "cat": "sparse_categorical_crossentropy"}
Y = {"reg": Y_REG, "cls": Y_CLS, "cat": Y_CAT}

CASES = [
    {"metrics": {"reg": ["mae"], "cls": ["accuracy"], "cat": ["accuracy"]}},
    {"metrics": [["mae", "mse"], ["accuracy"], "acc"]},
    {"metrics": ["mae", "accuracy", "accuracy"]},                 # a flat list as long as the outputs: one each
    {"metrics": [None, ["accuracy", "mae", "mae"], None]},
    {"metrics": {"cat": "accuracy"}},
    {"metrics": {"reg": ["mae"], "cls": ["mae"]}, "weighted_metrics": {"reg": ["mae", "mae"], "cls": ["mse"]},
     "sample_weight": [W, 2 - W, np.ones(24, "float32")]},
    {"metrics": [["mae"], None, None], "weighted_metrics": [["mse"], ["accuracy"], ["accuracy"]], "sample_weight": W},
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_per_output_metrics_match_keras(case):
    keras = keras_on_torch("Keras 3 is the reference for per-output metrics")
    case = dict(case)
    sample_weight = case.pop("sample_weight", None)
    y = Y if sample_weight is None else [Y_REG, Y_CLS, Y_CAT]   # (Keras 3.15 fails on weights with dict targets)
    theirs, ours = build(keras), build(tg)
    ours.set_weights(theirs.get_weights())
    theirs.compile(keras.optimizers.SGD(0.05), loss=LOSS, **case)
    ours.compile(tg.optimizers.SGD(0.05), loss=LOSS, **case)
    kw = {"epochs": 2, "batch_size": 8, "shuffle": False, "validation_split": 0.25, "verbose": 0,
          "sample_weight": sample_weight}
    their_history = theirs.fit(X, y, **kw).history
    our_history = ours.fit(X, y, **kw).history
    assert list(our_history) == list(their_history)
    for key, values in their_history.items():
        np.testing.assert_allclose(our_history[key], values, rtol=2e-4, atol=1e-5, err_msg=key)
    their_list = theirs.evaluate(X, y, verbose=0, sample_weight=sample_weight)
    our_list = ours.evaluate(X, y, verbose=0, sample_weight=sample_weight)
    np.testing.assert_allclose(our_list, their_list, rtol=2e-4, atol=1e-5)     # the same order
    their_dict = theirs.evaluate(X, y, verbose=0, return_dict=True, sample_weight=sample_weight)
    our_dict = ours.evaluate(X, y, verbose=0, return_dict=True, sample_weight=sample_weight)
    assert list(our_dict) == list(their_dict)
    # metrics_names labels the list evaluate returns (Keras' own has "compile_metrics" in place of the metrics)
    assert dict(zip(ours.metrics_names, our_list)) == our_dict


def test_accuracy_resolves_per_output():
    model = build(tg)
    model.compile("sgd", loss=LOSS, metrics={"cls": "accuracy", "cat": "accuracy"})
    model.evaluate(X, Y, verbose=0)
    kinds = {name: type(metric).__name__ for name, metric, _ in model._metrics}
    assert kinds == {"cat_accuracy": "SparseCategoricalAccuracy", "cls_accuracy": "BinaryAccuracy"}


@pytest.mark.parametrize(("metrics", "error", "words"), [
    ({"reg": ["mae"], "typo": ["mae"]}, ValueError, ["'typo'", "['reg', 'cls', 'cat']"]),
    (["mae"], ValueError, ["3 outputs", "Received 1"]),
    ([["mae"], ["mae"]], ValueError, ["3 outputs", "Received 2"]),
    ([["mae", None], None, None], ValueError, ["None", "'reg'"]),
    ("mae", TypeError, ["list", "dict"]),
    ([[tg.metrics.MeanAbsoluteError(name="loss")], None, None], ValueError, ["reg_loss"]),
])
def test_bad_per_output_metrics(metrics, error, words):
    model = build(tg)
    for argument in ("metrics", "weighted_metrics"):
        with pytest.raises(error) as info:
            model.compile("sgd", loss=LOSS, **{argument: metrics})
        for word in words:
            assert word in str(info.value)


def test_per_output_metrics_round_trip_in_keras_files(tmp_path):
    """Per-output metrics are written in ``compile_config`` as given, and a model loads compiled with them, from our
    file in Keras and from Keras' file here, logging what Keras logs."""
    import warnings

    keras = keras_on_torch("Keras 3 reads and writes the .keras files")
    case = {"loss": LOSS, "metrics": {"reg": ["mae"], "cat": ["accuracy"]}, "weighted_metrics": [None, ["mse"], None]}
    theirs, ours = build(keras), build(tg)
    ours.set_weights(theirs.get_weights())
    theirs.compile(keras.optimizers.SGD(0.05), **case)
    ours.compile(tg.optimizers.SGD(0.05), **case)
    kw = {"epochs": 1, "batch_size": 8, "shuffle": False, "verbose": 0}
    theirs.fit(X, Y, **kw)
    ours.fit(X, Y, **kw)
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)     # no "loads uncompiled" warning
        ours_in_keras = keras.saving.load_model(tmp_path / "ours.keras")
        theirs_here = tg.models.load_model(tmp_path / "theirs.keras")
    assert theirs_here.compiled and ours_in_keras.compiled
    expected = theirs.evaluate(X, Y, verbose=0, return_dict=True)
    for model in (ours_in_keras, theirs_here):
        got = model.evaluate(X, Y, verbose=0, return_dict=True)
        assert list(got) == list(expected)
        np.testing.assert_allclose(list(got.values()), list(expected.values()), rtol=2e-4, atol=1e-5)


def test_an_output_with_metrics_but_no_targets_is_named():
    """Found by a tester: a None target for an output without a loss but with metrics named a shape (30, 0) deep in
    the metric (Keras fails too: "Invalid dtype: object"); the output is named now, before any batch is measured."""
    x = tg.layers.Input((4,))
    outputs = [tg.layers.Dense(1, name="a")(x), tg.layers.Dense(3, activation="softmax", name="b")(x),
               tg.layers.Dense(3, activation="softmax", name="c")(x)]
    model = tg.models.Model(x, outputs)
    model.compile(tg.optimizers.SGD(), loss=["mse", None, None], metrics=[None, "accuracy", "accuracy"])
    data, ya, yc = np.ones((30, 4)), np.ones((30, 1)), np.zeros(30)
    with pytest.raises(ValueError, match=r"^Output 'b' has metrics but no targets \(None\): give its targets in `y`"):
        model.evaluate(data, [ya, None, yc], verbose=0)
    logs = model.evaluate(data, [ya, yc, yc], verbose=0, return_dict=True)       # with its targets: measured
    _, pb, pc = model.predict(data, verbose=0)
    assert logs["b_accuracy"] == pytest.approx(np.mean(pb.argmax(-1) == yc))      # sparse accuracy, by hand
    assert logs["c_accuracy"] == pytest.approx(np.mean(pc.argmax(-1) == yc))
