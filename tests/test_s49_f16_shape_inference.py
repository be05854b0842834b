"""Shape inference of layers without ``compute_output_shape`` (a Layer of your own, ``Lambda``): one helper
(``input_layer.shapes_from_runs``) for both, against Keras 3 (``KERAS_BACKEND=torch``, the same layer written with
``keras.ops``); and the one "does call() take this argument" rule (``layer.call_takes``), against Keras'
``_call_has_mask_arg``/``_call_has_training_arg``."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, ops
from tinygradconv.layers.layer import call_takes

keras = pytest.importorskip("keras", reason="Keras 3 is the reference of the inferred shapes")
kops = keras.ops


def _ours(fn):
    class Custom(layers.Layer):
        def call(self, x):
            return fn(x)

    return Custom()


def _theirs(fn):
    class Custom(keras.layers.Layer):
        def call(self, x):
            return fn(x)

    return Custom()


def _shapes(out):
    return [tuple(t.shape) for t in out] if isinstance(out, (list, tuple)) else tuple(out.shape)


#: name -> (sample shape, tinygradconv's function, the same with keras.ops)
CASES = {
    "first_sample": ((4, 3), lambda x: x[0], lambda x: x[0]),
    "sum_over_batch": ((4, 3), lambda x: ops.sum(x, axis=0), lambda x: kops.sum(x, axis=0)),
    "reshape_all": ((4, 3), lambda x: x.reshape(-1), lambda x: kops.reshape(x, (-1,))),
    "keeps_the_batch": ((4, 3), lambda x: x * 2.0, lambda x: x * 2.0),
    "first_three_samples": ((4, 3), lambda x: x[:3], lambda x: x[:3]),
    "unknown_time_axis": ((None, 3), lambda x: x[:, 1:], lambda x: x[:, 1:]),
    "unknown_time_first_sample": ((None, 3), lambda x: x[0], lambda x: x[0]),
    "several_outputs": ((4, 3), lambda x: (x[0], x * 2.0, ops.sum(x, axis=1)),
                        lambda x: (x[0], x * 2.0, kops.sum(x, axis=1))),
}


@pytest.mark.parametrize("kind", ["custom_layer", "lambda"])
@pytest.mark.parametrize("case", list(CASES))
def test_inferred_output_shape_as_keras(case, kind):
    shape, ours_fn, theirs_fn = CASES[case]
    ours_layer = _ours(ours_fn) if kind == "custom_layer" else layers.Lambda(ours_fn)
    theirs_layer = _theirs(theirs_fn) if kind == "custom_layer" else keras.layers.Lambda(theirs_fn)
    ti, ki = layers.Input(shape), keras.Input(shape)
    ours, theirs = ours_layer(ti), theirs_layer(ki)
    assert _shapes(ours) == _shapes(theirs)
    # and the model runs to arrays of those shapes, batch axis where inferred
    model = tg.models.Model(ti, ours)
    data = np.ones((6, *(5 if d is None else d for d in shape)), "float32")     # (x[:3] takes 3 of 6)
    got = model.predict(data, verbose=0)
    got = got if isinstance(got, list) else [got]
    for array, inferred in zip(got, _shapes(ours) if isinstance(ours, list) else [_shapes(ours)]):
        assert len(array.shape) == len(inferred)
        assert all(d is None or d == a for d, a in zip(inferred, array.shape))


@pytest.mark.parametrize("kind", ["custom_layer", "lambda"])
def test_a_fixed_batch_size_is_kept_as_keras(kind):
    make_ours = _ours if kind == "custom_layer" else layers.Lambda
    make_theirs = _theirs if kind == "custom_layer" else keras.layers.Lambda
    ti, ki = layers.Input((4, 3), batch_size=2), keras.Input((4, 3), batch_size=2)
    for ours_fn, theirs_fn in [(lambda x: x[0], lambda x: x[0]), (lambda x: x * 2.0, lambda x: x * 2.0)]:
        assert make_ours(ours_fn)(ti).shape == make_theirs(theirs_fn)(ki).shape


@pytest.mark.parametrize("kind", ["custom_layer", "lambda"])
def test_where_every_size_is_known_one_run(kind):
    """Keras' compute_output_spec runs once when no size is None; so does the shared helper (a Lambda ran twice)."""
    runs = []

    def fn(x):
        runs.append(tuple(x.shape))
        return x[0]

    ki = keras.Input((4, 3), batch_size=2)
    expected = (_theirs(lambda x: x[0]) if kind == "custom_layer" else keras.layers.Lambda(lambda x: x[0]))(ki).shape
    layer = _ours(fn) if kind == "custom_layer" else layers.Lambda(fn)
    assert layer(layers.Input((4, 3), batch_size=2)).shape == expected
    assert runs == [(2, 4, 3)]


def test_a_layer_that_fails_on_small_sizes_is_run_with_keras_sizes():
    """A convolution of 10 taps on an axis of unknown length: Keras runs it with 83 and 89 steps; 8 and 9 (tried
    first, cheaper) are too short, and the old fallback (1 step) failed too."""
    ours_conv = layers.Conv1D(2, 10)
    theirs_conv = keras.layers.Conv1D(2, 10)
    ours = _ours(lambda x: ours_conv(x))(layers.Input((None, 4)))
    theirs = _theirs(lambda x: theirs_conv(x))(keras.Input((None, 4)))
    assert ours.shape == theirs.shape == (None, None, 2)


def test_a_layer_that_fails_on_an_unknown_batch_is_refused_as_keras():
    with pytest.raises(Exception, match="Could not automatically infer the output shape"):
        _theirs(lambda x: kops.reshape(x, (2, 6)))(keras.Input((4, 3)))
    # (it was given the shape (None, 6): the first axis taken for the batch, from a run of one sample)
    with pytest.raises(ValueError, match=r"Could not automatically infer the output shape / dtype of '\w+' \(of "
                                         r"type Custom\) \(ValueError: reshape.*compute_output_shape"):
        _ours(lambda x: x.reshape(2, 6))(layers.Input((4, 3)))
    with pytest.raises(ValueError, match="could not automatically infer the shape of the Lambda's output"):
        layers.Lambda(lambda x: x.reshape(2, 6))(layers.Input((4, 3)))


def test_masked_inputs_as_keras():
    class OursMasked(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, x, mask=None):
            return x[0]

    class TheirsMasked(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, x, mask=None):
            return x[0]

    ti, ki = layers.Input((5,), dtype="int32"), keras.Input((5,), dtype="int32")
    te, ke = layers.Embedding(10, 3, mask_zero=True)(ti), keras.layers.Embedding(10, 3, mask_zero=True)(ki)
    assert OursMasked()(te).shape == TheirsMasked()(ke).shape == (5, 3)
    ours_lambda = layers.Lambda(lambda t, mask=None: t[0])(te)
    assert ours_lambda.shape == keras.layers.Lambda(lambda t, mask=None: t[0])(ke).shape == (5, 3)


def test_lambda_compute_output_shape_called_directly_as_keras():
    for ours_fn, theirs_fn in [(lambda x: x[0], lambda x: x[0]), (lambda x: x * 2.0, lambda x: x * 2.0)]:
        assert (layers.Lambda(ours_fn).compute_output_shape((None, 4, 3))
                == tuple(keras.layers.Lambda(theirs_fn).compute_output_shape((None, 4, 3))))


# ------------------------------------------------------------------------------ does call() take this argument
def _signatures(base):
    class Named(base):
        def call(self, x, training=None, mask=None):
            return x

    class CatchAll(base):
        def call(self, x, **kwargs):
            return x

    class TrainingOnly(base):
        def call(self, x, training=False):
            return x

    return Named, CatchAll, TrainingOnly


@pytest.mark.parametrize("index", [0, 1, 2])
def test_call_takes_as_keras(index):
    ours, theirs = _signatures(layers.Layer)[index], _signatures(keras.layers.Layer)[index]()
    assert call_takes(ours, "mask") == theirs._call_has_mask_arg
    assert call_takes(ours(), "training") == theirs._call_has_training_arg


def test_a_catch_all_call_takes_any_keyword_only_when_asked():
    """Keras passes `mask=None` to call(self, x, **kwargs) (it binds); it does not give it the input's mask."""
    _, CatchAll, _ = _signatures(keras.layers.Layer)
    assert keras.ops.convert_to_numpy(CatchAll()(np.ones((1, 2)), mask=None)).shape == (1, 2)
    assert not CatchAll()._call_has_mask_arg
    _, ours, _ = _signatures(layers.Layer)
    assert call_takes(ours, "mask", any_keyword=True) and not call_takes(ours, "mask")
