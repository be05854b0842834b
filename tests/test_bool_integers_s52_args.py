"""A bool is a TypeError for every integer argument of the layers (docs/keras_compatibility.md): Python counts
``True`` as 1, Keras 3.15.1's convolutions take it so, but here it is taken for a mistake, as ``Dense(True)``.
The sweep goes over every public layer and every constructor argument whose default is an int or that is one of
the required integer arguments below."""
import inspect

import numpy as np
import pytest

import tinygradconv as tg

L = tg.layers

# The required arguments of each layer, valid; the integer ones are swept too.
REQUIRED = {
    "Dense": {"units": 2},
    "Conv1D": {"filters": 2, "kernel_size": 2},
    "Conv1DTranspose": {"filters": 2, "kernel_size": 2},
    "SeparableConv1D": {"filters": 2, "kernel_size": 2},
    "DepthwiseConv1D": {"kernel_size": 2},
    "Embedding": {"input_dim": 5, "output_dim": 2},
    "LSTM": {"units": 2},
    "GRU": {"units": 2},
    "SimpleRNN": {"units": 2},
    "LSTMCell": {"units": 2},
    "GRUCell": {"units": 2},
    "SimpleRNNCell": {"units": 2},
    "RepeatVector": {"n": 2},
    "Reshape": {"target_shape": (2,)},
    "Permute": {"dims": (1,)},
    "AdaptiveAveragePooling1D": {"output_size": 2},
    "AdaptiveMaxPooling1D": {"output_size": 2},
    "UpSampling1D": {"size": 2},
    "ZeroPadding1D": {"padding": 1},
    "Cropping1D": {"cropping": 1},
    "CategoryEncoding": {"num_tokens": 3},
    "Dropout": {"rate": 0.1},
    "SpatialDropout1D": {"rate": 0.1},
    "GaussianNoise": {"stddev": 0.1},
    "GaussianDropout": {"rate": 0.1},
    "AlphaDropout": {"rate": 0.1},
    "AveragePooling1D": {"pool_size": 2},
    "Hashing": {"num_bins": 3},
    "Discretization": {"bin_boundaries": [0.0]},
    "Rescaling": {"scale": 1.0},
    "Lambda": {"function": abs},
    "MultiHeadAttention": {"num_heads": 2, "key_dim": 2},
}
WRAPPERS = {"TimeDistributed", "Bidirectional", "RNN", "Wrapper", "Layer", "InputLayer"}
# integer arguments whose default is None (so that the default does not show they are integers)
NONE_DEFAULT_INTEGERS = {"strides", "seed", "output_padding", "value_dim"}


def _integer_arguments():
    cases = []
    for name in sorted(dir(L)):
        cls = getattr(L, name)
        if name.startswith("_") or name in WRAPPERS or not (inspect.isclass(cls) and issubclass(cls, L.Layer)):
            continue
        required = REQUIRED.get(cls.__name__, {})        # the aliases too (Convolution1D, AvgPool1D)
        for p in inspect.signature(cls.__init__).parameters.values():
            integer = (p.default.__class__ is int or p.name in NONE_DEFAULT_INTEGERS
                       or required.get(p.name).__class__ in (int, tuple))
            if integer and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
                cases.append(pytest.param(cls, required, p.name, id=f"{name}-{p.name}"))
    return cases


CASES = _integer_arguments()


def test_the_sweep_covers_the_layers_of_the_finding():
    ids = {c.id for c in CASES}
    for case in ("Conv1D-filters", "Conv1D-kernel_size", "Conv1D-strides", "Conv1D-dilation_rate", "Conv1D-groups",
                 "Conv1DTranspose-output_padding", "SeparableConv1D-depth_multiplier", "DepthwiseConv1D-kernel_size",
                 "MaxPooling1D-pool_size", "MaxPooling1D-strides", "AveragePooling1D-pool_size",
                 "AveragePooling1D-strides", "Dense-units", "UpSampling1D-size", "GroupNormalization-groups"):
        assert case in ids
    assert len(CASES) > 40


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize("cls, required, argument", CASES)
def test_a_bool_is_refused_naming_the_argument(cls, required, argument, value):
    kwargs = {**required, argument: value}
    if cls is L.Conv1DTranspose and argument == "output_padding":
        kwargs["strides"] = 2                            # else output_padding >= strides would be the error
    with pytest.raises((TypeError, ValueError), match=rf"(?s)`{argument}`.*(bool|{value})"):
        cls(**kwargs)


@pytest.mark.parametrize("value", [[True], (False,)])
@pytest.mark.parametrize("argument", ["kernel_size", "strides", "dilation_rate"])
def test_a_bool_in_a_one_tuple_too(argument, value):
    kwargs = {"filters": 2, "kernel_size": 2, argument: value}
    with pytest.raises(TypeError, match=rf"not a bool. Received {argument}=\[?\(?(True|False)"):
        L.Conv1D(**kwargs)


@pytest.mark.parametrize("op", ["max_pool1d", "avg_pool1d"])
def test_ops_refuse_a_bool_pool_size_as_torch(backend, op):
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for the pooling ops' arguments")
    x = np.ones((2, 4, 5), "float32")
    with pytest.raises(TypeError):
        getattr(torch.nn.functional, op)(torch.tensor(x), True)
    with pytest.raises(TypeError, match=r"`pool_size`.*not a bool. Received pool_size=True"):
        getattr(tg.ops, op)(tg.tensor(x, backend=backend), True)


def test_integers_still_accepted():
    x = np.ones((2, 5, 4), "float32")
    assert L.Conv1D(1, 1, strides=[np.int64(1)])(x).shape == (2, 5, 1)
    assert L.MaxPooling1D(1)(x).shape == (2, 5, 4)
    assert L.Conv1DTranspose(2, [np.int64(2)], strides=2, output_padding=1)(x).shape == (2, 11, 2)
