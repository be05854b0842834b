"""``losses.CategoricalGeneralizedCrossEntropy`` and ``categorical_generalized_cross_entropy`` (Keras 3.15's, missing
before session 49): ``(1 - p^q) / q`` with ``p`` the probability of the true (integer) class. Values, dtypes and
gradients against Keras 3.15 on torch, against the formula (a hand count, the limits q -> 0 and q = 1), float64
finite differences; arguments, names, configs and ``.keras`` files as for the other losses."""
import json
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, losses

GCE = losses.categorical_generalized_cross_entropy


def _inputs(rng, shape, dtype):
    """Probabilities (rows of a Dirichlet draw) of ``shape`` and integer labels for them."""
    y_pred = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]).astype(dtype)
    return rng.integers(0, shape[-1], shape[:-1]), y_pred


def test_keras_example_and_a_hand_count():
    """Keras' docstring example: p = 0.7, 0.8, 0.6, 0.6, q = 0.5: mean of (1 - sqrt(p)) / 0.5."""
    y_true, y_pred = [0, 1, 0, 1], [[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]]
    expected = [(1 - np.sqrt(p)) / 0.5 for p in (0.7, 0.8, 0.6, 0.6)]
    np.testing.assert_allclose(GCE(y_true, np.asarray(y_pred)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(losses.CategoricalGeneralizedCrossEntropy()(y_true, y_pred).item(),
                               np.mean(expected), rtol=1e-6)


def test_limits_of_q_cross_entropy_and_one_minus_p():
    """float64: q = 1e-8 gives -log p (to q log(p)^2 / 2), q = 1 gives 1 - p (the function takes q >= 1)."""
    rng = np.random.default_rng(1)
    labels, y_pred = _inputs(rng, (7, 4), "float64")
    p = y_pred[np.arange(7), labels]
    np.testing.assert_allclose(GCE(labels, y_pred, q=1e-8).numpy(), -np.log(p), rtol=1e-7)
    np.testing.assert_allclose(GCE(labels, y_pred, q=1.0).numpy(), 1 - p, rtol=1e-12)
    np.testing.assert_allclose(GCE(labels, y_pred, q=0.9999).numpy(), (1 - p ** 0.9999) / 0.9999, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_function_matches_keras_values_dtypes_and_gradients(dtype):
    keras = keras_on_torch("Keras 3 on torch is the reference for categorical_generalized_cross_entropy")
    import torch

    rng = np.random.default_rng(49)
    tolerance = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}[dtype]
    for shape in [(6, 5), (2, 3, 4), (1, 2)]:
        labels, y_pred = _inputs(rng, shape, dtype)
        for q in [1e-4, 0.3, 0.5, 0.9, 0.9999]:
            for as_floats in (False, True):     # whole floats are labels too
                given = labels.astype("float32") if as_floats else labels
                ours_in, theirs_in = tg.tensor(y_pred, requires_grad=True), torch.tensor(y_pred, requires_grad=True)
                ours = GCE(given, ours_in, q=q)
                ours.sum().backward()
                theirs = keras.losses.categorical_generalized_cross_entropy(torch.tensor(given), theirs_in, q)
                theirs.sum().backward()
                message = f"shape={shape} q={q} float labels={as_floats}"
                assert ours.shape == tuple(theirs.shape) == shape[:-1], message
                assert ours.numpy().dtype == theirs.detach().numpy().dtype == np.dtype(dtype), message
                atol = 1e-7 if dtype != "float16" else 1e-3
                np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=tolerance, atol=atol,
                                           err_msg=message)
                # (torch's pow backward forms q - 1 of the float32 exponent in float32: 6e-8 apart in float64)
                np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(),
                                           rtol=max(tolerance, 2e-7), atol=atol, err_msg=message)


def test_labels_with_a_last_axis_of_one_are_squeezed():
    """Keras' docstring takes labels of shape [batch_size, 1]; Keras 3.15 then broadcasts them into a (batch, batch)
    loss. Here they give the loss of the same labels of shape (batch,)."""
    rng = np.random.default_rng(2)
    labels, y_pred = _inputs(rng, (5, 3), "float64")
    np.testing.assert_array_equal(GCE(labels[:, None], y_pred).numpy(), GCE(labels, y_pred).numpy())
    loss = losses.CategoricalGeneralizedCrossEntropy(reduction=None)
    assert loss(labels[:, None], y_pred).shape == (5,)


@pytest.mark.parametrize("q", [1e-3, 0.5, 0.99])
def test_gradient_by_float64_finite_differences(q):
    rng = np.random.default_rng(3)
    labels, y_pred = _inputs(rng, (4, 3), "float64")
    y_pred = y_pred * 0.9 + 0.05            # away from 0, where the derivative is infinite
    x = tg.tensor(y_pred, requires_grad=True)
    upstream = np.cos(np.arange(4.0))
    (GCE(labels, x, q=q) * tg.tensor(upstream, dtype="float64")).sum().backward()
    numeric, h = np.zeros_like(y_pred), 1e-6
    for index in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (upstream @ (GCE(labels, up, q=q).numpy() - GCE(labels, down, q=q).numpy())) / (2 * h)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-6, atol=1e-9)
    assert np.all(x.grad.numpy()[np.arange(3)[None, :] != labels[:, None]] == 0)  # other classes: no gradient


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_class_matches_keras_for_every_reduction_and_sample_weight(dtype):
    """The class computes in float32 for float16 and float32 predictions, as Keras'; float64 predictions keep
    float64 here (as every loss class here), where Keras' class computes in float32: compared at float32's
    precision then."""
    keras = keras_on_torch("Keras 3 on torch is the reference for CategoricalGeneralizedCrossEntropy")
    import torch

    rng = np.random.default_rng(5)
    labels, y_pred = _inputs(rng, (6, 4), dtype)
    weights = rng.uniform(0, 2, 6).astype("float32")
    for q in [0.2, 0.5, 0.95]:
        for reduction in ["sum_over_batch_size", "sum", "mean", None, "none", "mean_with_sample_weight"]:
            for sample_weight in [None, weights]:
                ours_in, theirs_in = tg.tensor(y_pred, requires_grad=True), torch.tensor(y_pred, requires_grad=True)
                ours = losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=reduction)(
                    labels, ours_in, sample_weight=sample_weight)
                ours.sum().backward()
                theirs = keras.losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=reduction)(
                    torch.tensor(labels), theirs_in,
                    sample_weight=None if sample_weight is None else torch.tensor(sample_weight))
                theirs.sum().backward()
                message = f"q={q} reduction={reduction} weighted={sample_weight is not None}"
                expected_dtype = "float64" if dtype == "float64" else "float32"
                assert ours.numpy().dtype == np.dtype(expected_dtype), message
                assert ours.shape == tuple(theirs.shape), message
                np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6, err_msg=message)
                np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy().astype("float64"),
                                           rtol=2e-3 if dtype == "float16" else 1e-5, atol=1e-7, err_msg=message)


def test_empty_batch_and_one_sample():
    keras = keras_on_torch("Keras 3 on torch is the reference for an empty batch")
    empty_labels, empty_pred = np.zeros((0,), "int64"), np.zeros((0, 3))
    assert GCE(empty_labels, empty_pred).shape == (0,)
    for reduction in [None, "sum"]:
        ours = losses.CategoricalGeneralizedCrossEntropy(reduction=reduction)(empty_labels, empty_pred)
        theirs = keras.losses.CategoricalGeneralizedCrossEntropy(reduction=reduction)(empty_labels, empty_pred)
        assert float(ours.numpy().sum()) == float(theirs.numpy().sum()) == 0.0
        assert ours.shape == ((0,) if reduction is None else ())
    # one sample: a label of rank 0 with predictions of rank 1 gives a rank-0 loss
    one = GCE(np.int64(1), np.array([0.36, 0.64]))
    assert one.shape == () and one.item() == pytest.approx((1 - 0.8) / 0.5, rel=1e-12)


def test_bad_arguments_are_refused_naming_the_value():
    for q in [0, 1, -0.5, 1.5, float("nan")]:
        with pytest.raises(ValueError, match=rf"^Invalid value for argument `q`\. Expected a number in \(0, 1\)\. "
                                             rf"Received q={q}$"):
            losses.CategoricalGeneralizedCrossEntropy(q=q)
    for q in [0, -1.0, float("inf")]:
        with pytest.raises(ValueError, match=rf"^Invalid value for argument `q`\. Expected a finite number > 0\. "
                                             rf"Received q={q}$"):
            GCE([0], [[0.5, 0.5]], q=q)
    for q in ["0.5", None, True]:
        with pytest.raises(TypeError, match=r"^Invalid type for argument `q`"):
            losses.CategoricalGeneralizedCrossEntropy(q=q)
    with pytest.raises(ValueError, match=r"^categorical_generalized_cross_entropy: labels must be in \[0, 2\)\. "
                                         r"Received labels from 0 to 5"):
        GCE([0, 5], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"^categorical_generalized_cross_entropy: labels must be whole numbers"):
        GCE([0.0, 1.5], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"target\.shape=\(3,\), output\.shape=\(2, 2\)"):
        GCE([0, 1, 1], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match=r"at least rank 1"):
        GCE(0, 0.5)


def test_names_configs_and_lookup_as_the_other_losses():
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.3, reduction="sum", name="gce")
    assert loss.get_config() == {"name": "gce", "reduction": "sum", "q": 0.3}       # Keras 3.15's keys
    assert losses.CategoricalGeneralizedCrossEntropy().get_config() == {
        "name": "categorical_generalized_cross_entropy", "reduction": "sum_over_batch_size", "q": 0.5}
    for name in ["CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy",
                 "categoricalgeneralizedcrossentropy"]:
        assert type(losses.get(name)) is losses.CategoricalGeneralizedCrossEntropy, name
    assert losses.deserialize("categorical_generalized_cross_entropy") is GCE          # a function's name
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is losses.CategoricalGeneralizedCrossEntropy and again.get_config() == loss.get_config()
    from_dict = losses.get({"class_name": "CategoricalGeneralizedCrossEntropy", "config": {"q": 0.7}})
    assert from_dict.get_config()["q"] == 0.7
    for name in ["CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy"]:
        assert name in losses.__all__ and hasattr(losses, name)   # no longer the "Keras has it" hint


def test_keras_config_reads_here():
    keras = keras_on_torch("Keras 3 writes the reference config")
    theirs = keras.losses.serialize(keras.losses.CategoricalGeneralizedCrossEntropy(q=0.3, reduction="sum"))
    ours = losses.deserialize(theirs)
    assert type(ours) is losses.CategoricalGeneralizedCrossEntropy
    assert ours.get_config() == theirs["config"] == losses.serialize(ours)["config"]


def _compile_entry(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]["loss"]


def test_keras_file_compile_config_round_trip(tmp_path):
    pytest.importorskip("h5py", reason="the .keras format needs h5py")
    keras = keras_on_torch("Keras 3 writes and reads the reference .keras files")
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.integers(0, 2, 8)

    ours = tg.models.Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax")])
    ours.compile(optimizer="sgd", loss=losses.CategoricalGeneralizedCrossEntropy(q=0.3))
    ours.fit(x, y, epochs=1, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    theirs.compile(optimizer="sgd", loss=keras.losses.CategoricalGeneralizedCrossEntropy(q=0.3))
    theirs.save(tmp_path / "theirs.keras")
    assert _compile_entry(tmp_path / "ours.keras") == _compile_entry(tmp_path / "theirs.keras")

    expected = float(np.mean(GCE(y, ours.predict(x, verbose=0).astype("float64"), q=0.3).numpy()))
    for path in ["ours.keras", "theirs.keras"]:
        loaded = tg.models.load_model(tmp_path / path)
        assert type(loaded.loss) is losses.CategoricalGeneralizedCrossEntropy and loaded.loss.q == 0.3, path
    loaded = tg.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(float(loaded.evaluate(x, y, verbose=0)), expected, rtol=1e-5)
    by_keras = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(float(by_keras.evaluate(x, y, verbose=0)), expected, rtol=1e-5)


def test_compile_by_name_trains():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(16, 3)), rng.integers(0, 3, 16)
    model = tg.models.Sequential([layers.Input((3,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=tg.optimizers.SGD(0.5), loss="categorical_generalized_cross_entropy")
    assert type(losses.get(model.loss)) is losses.CategoricalGeneralizedCrossEntropy
    history = model.fit(x, y, epochs=5, verbose=0).history["loss"]
    assert history[-1] < history[0]
