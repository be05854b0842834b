"""One parametrised test gradient-checks every registered op, on every sample, on every backend."""
import inspect

import numpy as np
import pytest

import tinygradconv as tg
import tinygradconv.activations  # registers erf
import tinygradconv.losses
import tinygradconv.ops  # registers every built-in op
from tinygradconv.autograd import OPS


def _cases():
    cases = []
    for name, info in sorted(OPS.items()):
        for i, _ in enumerate(info.samples(np.random.default_rng(0))):
            cases.append(pytest.param(name, i, id=f"{name}-{i}"))
    return cases


def _to_tensor(arg, constant, backend):
    if arg is None:
        return None
    arg = np.asarray(arg)
    if arg.dtype == bool:
        return tg.Tensor(arg, dtype="bool", backend=backend)
    return tg.Tensor(arg, dtype="float64", backend=backend, requires_grad=not constant)


@pytest.mark.parametrize("name, index", _cases())
def test_registered_op_gradients(name, index, backend):
    info = OPS[name]
    sample = info.samples(np.random.default_rng(0))[index]
    inputs = [_to_tensor(a, i in sample.constant, backend) for i, a in enumerate(sample.args)]
    present = [t for t in inputs if t is not None]
    positions = [i for i, t in enumerate(inputs) if t is not None]

    def call(*tensors):
        full = list(inputs)
        for pos, t in zip(positions, tensors):
            full[pos] = t
        return info.function.apply(*full, **sample.kwargs)

    assert tg.gradcheck(call, *present, atol=1e-6, rtol=1e-4)


def _optional_parameters(function):
    """The forward's parameters that default to None: optional inputs (a bias) and optional attributes."""
    parameters = list(inspect.signature(function.forward).parameters.values())[1:]  # after ctx
    return [p.name for p in parameters if p.default is None]


def _omitted_cases():
    cases = []
    for name, info in sorted(OPS.items()):
        for i, sample in enumerate(info.samples(np.random.default_rng(0))):
            if sample.args and sample.args[-1] is None:
                cases.append(pytest.param(name, i, id=f"{name}-{i}"))
    return cases


@pytest.mark.parametrize("name, index", _omitted_cases())
def test_registered_op_with_its_optional_inputs_left_out(name, index, backend):
    """``Function.apply(x, w)`` (a bias left out, not passed as None) works forward and backward."""
    info = OPS[name]
    sample = info.samples(np.random.default_rng(0))[index]
    args = list(sample.args)
    while args and args[-1] is None:
        args.pop()
    inputs = [_to_tensor(a, i in sample.constant, backend) for i, a in enumerate(args)]
    assert tg.gradcheck(lambda *ts: info.function.apply(*ts, **sample.kwargs), *inputs, atol=1e-6, rtol=1e-4)
    with_none = info.function.apply(*inputs, *([None] * (len(sample.args) - len(args))), **sample.kwargs)
    np.testing.assert_array_equal(info.function.apply(*inputs, **sample.kwargs).numpy(), with_none.numpy())


def test_every_optional_input_and_attribute_is_left_out_by_some_sample():
    for name, info in sorted(OPS.items()):
        parameters = list(inspect.signature(info.function.forward).parameters)[1:]
        for optional in _optional_parameters(info.function):
            position = parameters.index(optional)
            samples = info.samples(np.random.default_rng(0))
            left_out = [s for s in samples if (len(s.args) <= position or s.args[position] is None)
                        and s.kwargs.get(optional) is None]
            assert left_out, f"{name}: no sample leaves out the optional {optional!r}"


def test_every_builtin_op_is_registered():
    expected = {"add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
                "maximum", "minimum", "where", "clip", "sum", "mean", "max", "min", "reshape", "permute", "getitem",
                "concat", "stack", "pad", "matmul", "conv1d", "conv1d_transpose", "softplus",
                "log_softmax", "erf", "squared_difference", "binary_crossentropy_with_logits",
                "binary_crossentropy", "pow_scalar", "scalar_pow", "reciprocal", "clone", "clip_bounds", "to_backend"}
    assert expected <= set(OPS)


def test_transposed_convolution_function_without_a_bias(backend):
    """The issue's example: ``Function.apply(x, w, ...)`` without a bias failed in backward ("returned 3 gradients
    for 2 inputs")."""
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((1, 3, 2)), dtype="float64", backend=backend, requires_grad=True)
    w = tg.Tensor(rng.standard_normal((3, 4, 2)), dtype="float64", backend=backend, requires_grad=True)
    function = OPS["conv1d_transpose"].function
    y = function.apply(x, w, strides=2)
    y.sum().backward()
    assert y.shape == (1, 7, 4) and x.grad.shape == x.shape and w.grad.shape == w.shape
    assert tg.gradcheck(lambda a, b: function.apply(a, b, strides=2), x, w)
