"""One parametrised test gradient-checks every registered op, on every sample, on every backend."""
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


def test_every_builtin_op_is_registered():
    expected = {"add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu",
                "maximum", "minimum", "where", "clip", "sum", "mean", "max", "min", "reshape", "permute", "getitem",
                "concat", "stack", "pad", "matmul", "conv1d", "conv1d_transpose", "softplus",
                "log_softmax", "erf", "squared_difference"}
    assert expected <= set(OPS)
