"""Bad arguments found by the session-52 bad-input tester (findings 8-15): each is refused early with a
TypeError/ValueError that names the argument and the value received (references: what PyTorch/Keras raise)."""
import numpy as np
import pytest

import tinygradconv as tg


@pytest.mark.parametrize("op, torch_name", [("concat", "cat"), ("stack", "stack")])
@pytest.mark.parametrize("value", [None, 3, "ab"])
def test_concat_stack_refuse_a_non_sequence_naming_tensors(op, torch_name, value):
    """torch.cat(None) / torch.stack(3): TypeError "argument 'tensors' ... must be tuple of Tensors, not int"; ours
    used to say "'NoneType' object is not iterable", naming nothing."""
    torch = pytest.importorskip("torch", reason="the reference error comes from PyTorch")
    with pytest.raises(TypeError, match="tensors"):
        getattr(torch, torch_name)(value)
    with pytest.raises(TypeError, match=rf"{op}\(\) argument `tensors` .*received {value!r} \(type "
                                        rf"{type(value).__name__}\)"):
        getattr(tg.ops, op)(value)


def test_concat_still_takes_any_iterable(backend):
    parts = [tg.tensor([1.0], backend=backend), tg.tensor([2.0, 3.0], backend=backend)]
    assert tg.ops.concat(iter(parts)).tolist() == [1.0, 2.0, 3.0]
    assert tg.ops.stack(tuple(parts[:1])).tolist() == [[1.0]]


@pytest.mark.parametrize("metric", [lambda: tg.metrics.OneHotIoU(num_classes=3, target_class_ids=[0]),
                                    lambda: tg.metrics.OneHotMeanIoU(num_classes=3)])
def test_one_hot_iou_with_integer_labels_shows_the_shapes(metric, backend):
    """Integer labels given to a one-hot metric (Keras 3.15.1 accepts them silently and returns 0.0): the message
    names the class, both shapes, and IoU/MeanIoU, not "one_hot_io_u: ... Received 1 and 2"."""
    m = metric()
    p = tg.tensor(np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]], "float32"), backend=backend)
    with pytest.raises(ValueError, match=r"^OneHot\w*IoU: .*y_true of shape \(2,\) .*gives 1 class id, but y_pred "
                                         r"of shape \(2, 3\) .*gives 2 class ids.*use IoU or MeanIoU"):
        m.update_state(np.array([0, 2]), p)


def test_keras_takes_an_infinite_epsilon_and_gives_useless_results():
    """The reason for refusing it (Keras 3.15.1 checks nothing): Adam never moves the weights, LayerNormalization
    maps every row to zeros."""
    keras = pytest.importorskip("keras", reason="the reference behaviour is Keras'")
    v = keras.Variable(np.ones(2, "float32"))
    keras.optimizers.Adam(epsilon=float("inf")).apply([keras.ops.convert_to_tensor(np.array([0.5, 1.0], "float32"))],
                                                      [v])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(v), [1.0, 1.0])
    out = keras.layers.LayerNormalization(epsilon=float("inf"))(np.arange(8, dtype="float32").reshape(2, 4))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), np.zeros((2, 4)))


@pytest.mark.parametrize("make", [
    tg.optimizers.Adam, tg.optimizers.AdamW, tg.optimizers.Adamax, tg.optimizers.Nadam, tg.optimizers.Lamb,
    tg.optimizers.Adagrad, tg.optimizers.Adadelta, tg.optimizers.RMSprop,
    tg.layers.LayerNormalization, tg.layers.BatchNormalization, tg.layers.GroupNormalization])
@pytest.mark.parametrize("epsilon", [float("inf"), np.float32("inf")])
def test_an_infinite_epsilon_is_refused_as_nan_is(make, epsilon):
    with pytest.raises(ValueError, match=r"`epsilon`. Expected a finite number >= 0. "
                                         r"Received epsilon=(np\.float32\()?inf"):
        make(epsilon=epsilon)
    with pytest.raises(ValueError, match=r"`epsilon`"):
        make(epsilon=float("nan"))
    assert make(epsilon=0.0).epsilon == 0.0       # 0 stays accepted, as Keras and PyTorch


@pytest.mark.parametrize("args, kwargs", [(("complex64",), {}), ((np.complex128,), {}), (("cpu", "complex64"), {}),
                                          ((), {"dtype": "complex64"}), ((), {"device": "complex64"})])
def test_to_a_complex_dtype_says_it_is_not_supported(args, kwargs, backend):
    """tg.tensor(..., dtype="complex64") already said the dtype is not supported; .to("complex64") said "Unknown
    backend 'complex64'"."""
    x = tg.tensor([1.0], backend=backend)
    with pytest.raises(TypeError, match=r"of to: .*complex.* is a dtype, but not one this library supports "
                                        r"\(complex and other dtypes are not\)\. Supported dtypes: \['float16'"):
        x.to(*args, **kwargs)


def test_to_a_torch_complex_dtype_says_it_is_not_supported():
    torch = pytest.importorskip("torch", reason="a PyTorch dtype as the argument")
    with pytest.raises(TypeError, match=r"torch\.complex64 is a dtype, but not one this library supports"):
        tg.tensor([1.0]).to(torch.complex64)


def test_to_a_misspelt_name_lists_dtypes_and_backends(backend):
    with pytest.raises(ValueError, match=r"'flaot32' is neither a dtype \(\['float16'.*\) nor a backend "
                                         r"\(\['numpy'.*\) or device \('cpu'"):
        tg.tensor([1.0], backend=backend).to("flaot32")
    assert tg.tensor([1.0], backend=backend).to("float64").tolist() == [1.0]        # a dtype still works


RAGGED = [[0.1, 0.2], [0.3]]


@pytest.mark.parametrize("make, argument", [
    (lambda: tg.initializers.Constant(RAGGED), "value"),
    (lambda: tg.layers.Rescaling(RAGGED), "scale"),
    (lambda: tg.layers.Rescaling(1.0, offset=RAGGED), "offset"),
    (lambda: tg.metrics.Precision(thresholds=RAGGED), "thresholds"),
    (lambda: tg.metrics.Recall(thresholds=RAGGED), "thresholds"),
    (lambda: tg.metrics.AUC(thresholds=RAGGED), "thresholds"),
    (lambda: tg.metrics.TruePositives(thresholds=RAGGED), "thresholds"),
])
def test_ragged_list_arguments_are_refused_naming_them(make, argument):
    """NumPy's own "setting an array element with a sequence" used to escape, naming no argument (tg.tensor of
    ragged lists already said "ragged (inhomogeneous) nested lists")."""
    with pytest.raises(ValueError, match=rf"^Invalid value for argument `{argument}`\. Expected .*, not ragged "
                                         rf"\(inhomogeneous\) nested lists\. Received {argument}=\[\[0\.1, 0\.2\], "
                                         rf"\[0\.3\]\]$"):
        make()


def test_rectangular_lists_still_work():
    assert tg.initializers.Constant([[1, 2], [3, 4]])((2, 2)).tolist() == [[1, 2], [3, 4]]
    assert tg.layers.Rescaling([1.0, 2.0])(np.ones((1, 2), "float32")).tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("call, argument", [
    (lambda x: tg.ops.max_pool1d(x, 2, data_format=np.ones(2)), "data_format"),
    (lambda x: tg.ops.avg_pool1d(x, 2, data_format=np.ones(2)), "data_format"),
    (lambda x: tg.ops.pad(x, 1, mode=np.ones(2)), "mode"),
    (lambda x: tg.initializers.VarianceScaling(mode=np.ones(2)), "mode"),
])
def test_an_array_for_a_text_choice_is_refused_naming_it(call, argument, backend):
    """`array in ("a", "b")` raised NumPy's "truth value of an array ... is ambiguous", naming nothing."""
    x = tg.tensor(np.ones((1, 4, 2), "float32"), backend=backend)
    with pytest.raises(ValueError, match=rf"`?{argument}`? .*array\(\[1\., 1\.\]\)"):
        call(x)
