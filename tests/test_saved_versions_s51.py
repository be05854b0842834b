"""Which in-place writes refuse a later backward pass ("one of the variables needed for gradient computation has
been modified by an inplace operation"), op by op, as PyTorch 2.13: each op's backward pass checks the version of the
tensors PyTorch's saves (its input, its result, or both; or nothing), whatever it reads back itself (a mask, the
indices), so that ``z = y.clamp(0, 2); y.add_(1); z.sum().backward()`` raises as in PyTorch, and
``z = y.expm1(); y.add_(1)`` does not.

Each row: an op, then one of its inputs (by position) or its output written in place (``add_``) after it, then
``z.sum().backward()``. :data:`TORCH_SAYS` is the table recorded from PyTorch 2.13 (``raises`` or ``ok`` for each
input in order, then the output); ``test_the_table_is_pytorchs`` checks it against PyTorch where it is installed
(skipped visibly without it), and ``test_ours_refuses_where_pytorch_does`` checks ours against it on every backend.
An input written as ``("const", values)`` does not require grad (PyTorch saves some arrays only for the inputs that
need a gradient: ``w * c`` saves ``c``, not ``w``)."""

import numpy as np
import pytest

import tinygradconv as tg
import tinygradconv.activations as A

U = np.array([[0.3, 0.7, 0.5], [0.6, 0.2, 0.9]])      # in (0, 1), no ties
G = U + 1.2                                             # > 1 (acosh)
W = np.array([[0.4, 0.1, 0.8], [0.25, 0.55, 0.35]])
S = (U - 0.5) * 4                                       # in (-0.8, 1.6): both sides of the activations' kinks
M = np.array([[True, False, True], [False, True, False]])


class _Torch:
    """``torch.<path>``, imported when called (the rows name PyTorch's functions; this module, and the rows of
    ours, run without it)."""

    def __init__(self, path=()):
        self._path = path

    def __getattr__(self, name):
        return _Torch(self._path + (name,))

    def __call__(self, *args, **kwargs):
        function = pytest.importorskip("torch", reason="PyTorch is the reference of the table")
        for name in self._path:
            function = getattr(function, name)
        return function(*args, **kwargs)


T = _Torch()


def both(name):
    """The method ``name`` of either library's tensor."""
    return lambda t: getattr(t, name)()


# name: (number of inputs, their values, PyTorch's op, ours)
CASES = {
    "abs": (1, [U - 0.5], both("abs"), both("abs")),
    "relu": (1, [U - 0.5], T.relu, lambda t: t.relu()),
    "sigmoid": (1, [U], T.sigmoid, both("sigmoid")),
    "tanh": (1, [U], T.tanh, both("tanh")),
    "exp": (1, [U], T.exp, both("exp")),
    "exp2": (1, [U], T.exp2, both("exp2")),
    "expm1": (1, [U], T.expm1, both("expm1")),
    "log": (1, [U], T.log, both("log")),
    "log2": (1, [U], T.log2, lambda t: tg.ops.log2(t)),
    "log10": (1, [U], T.log10, lambda t: tg.ops.log10(t)),
    "log1p": (1, [U], T.log1p, both("log1p")),
    "sqrt": (1, [U], T.sqrt, both("sqrt")),
    "rsqrt": (1, [U], T.rsqrt, both("rsqrt")),
    "reciprocal": (1, [U], T.reciprocal, both("reciprocal")),
    "sin": (1, [U], T.sin, both("sin")),
    "cos": (1, [U], T.cos, both("cos")),
    "tan": (1, [U], T.tan, both("tan")),
    "sinh": (1, [U], T.sinh, both("sinh")),
    "cosh": (1, [U], T.cosh, both("cosh")),
    "asin": (1, [U], T.asin, both("asin")),
    "acos": (1, [U], T.acos, both("acos")),
    "atan": (1, [U], T.atan, both("atan")),
    "asinh": (1, [U], T.asinh, both("asinh")),
    "acosh": (1, [G], T.acosh, both("acosh")),
    "atanh": (1, [U], T.atanh, both("atanh")),
    "neg": (1, [U], T.neg, lambda t: -t),
    "square": (1, [U], T.square, both("square")),
    "pow_scalar": (1, [U], lambda t: t ** 3, lambda t: t ** 3),
    "scalar_pow": (1, [U], lambda t: 2.0 ** t, lambda t: 2.0 ** t),
    "sign": (1, [U - 0.5], T.sign, both("sign")),
    "floor": (1, [U], T.floor, both("floor")),
    "round": (1, [U], T.round, both("round")),
    "frac": (1, [U], T.frac, both("frac")),
    "clamp": (1, [U], lambda t: t.clamp(0.4, 0.8), lambda t: t.clamp(0.4, 0.8)),
    "clamp_min": (1, [U], lambda t: t.clamp(min=0.4), lambda t: t.clamp(min=0.4)),
    "clamp_tensor_bounds": (3, [U, W - 0.1, W + 0.1], lambda t, a, b: t.clamp(a, b),
                            lambda t, a, b: t.clamp(a, b)),
    "add": (2, [U, W], T.add, lambda a, b: a + b),
    "sub": (2, [U, W], T.sub, lambda a, b: a - b),
    "mul": (2, [U, W], T.mul, lambda a, b: a * b),
    "div": (2, [U, W], T.div, lambda a, b: a / b),
    "pow": (2, [U, W], T.pow, lambda a, b: a ** b),
    "maximum": (2, [U, W], T.maximum, lambda a, b: a.maximum(b)),
    "minimum": (2, [U, W], T.minimum, lambda a, b: a.minimum(b)),
    "atan2": (2, [U, W], T.atan2, lambda a, b: a.atan2(b)),
    "hypot": (2, [U, W], T.hypot, lambda a, b: a.hypot(b)),
    "logaddexp": (2, [U, W], T.logaddexp, lambda a, b: a.logaddexp(b)),
    "remainder": (2, [U, W], T.remainder, lambda a, b: tg.ops.remainder(a, b)),
    "matmul": (2, [U, W.T], T.matmul, lambda a, b: a.matmul(b)),
    "where": (2, [U, W], lambda a, b: T.where(T.tensor(M), a, b),
              lambda a, b: tg.ops.where(tg.tensor(M, dtype="bool"), a, b)),
    "masked_fill": (1, [U], lambda t: t.masked_fill(T.tensor(M), 0.0),
                    lambda t: t.masked_fill(tg.tensor(M, dtype="bool"), 0.0)),
    "sum": (1, [U], T.sum, both("sum")),
    "mean": (1, [U], T.mean, both("mean")),
    "prod": (1, [U], T.prod, both("prod")),
    "prod_dim": (1, [U], lambda t: t.prod(1), lambda t: t.prod(axis=1)),
    "max_all": (1, [U], T.max, both("max")),
    "min_all": (1, [U], T.min, both("min")),
    "amax_dim": (1, [U], lambda t: t.amax(1), lambda t: t.amax(1)),
    "amin_dim": (1, [U], lambda t: t.amin(1), lambda t: t.amin(1)),
    "median_all": (1, [U], T.median, both("median")),
    "std": (1, [U], T.std, both("std")),
    "var": (1, [U], T.var, both("var")),
    "norm": (1, [U], T.norm, both("norm")),
    "logsumexp": (1, [U], lambda t: t.logsumexp(1), lambda t: t.logsumexp(1)),
    "softmax": (1, [U], lambda t: t.softmax(1), lambda t: t.softmax(1)),
    "log_softmax": (1, [U], lambda t: t.log_softmax(1), lambda t: t.log_softmax(1)),
    "cumsum": (1, [U], lambda t: t.cumsum(1), lambda t: t.cumsum(1)),
    "cumprod": (1, [U], lambda t: t.cumprod(1), lambda t: t.cumprod(1)),
    "cummax": (1, [U], lambda t: t.cummax(1)[0], lambda t: t.cummax(1)[0]),
    "cummin": (1, [U], lambda t: t.cummin(1)[0], lambda t: t.cummin(1)[0]),
    "logcumsumexp": (1, [U], lambda t: t.logcumsumexp(1), lambda t: t.logcumsumexp(1)),
    "getitem_slice": (1, [U], lambda t: t[0:1], lambda t: t[0:1]),
    "getitem_index": (1, [U], lambda t: t[[1, 0]], lambda t: t[[1, 0]]),
    "reshape": (1, [U], lambda t: t.reshape(3, 2), lambda t: t.reshape(3, 2)),
    "permute": (1, [U], lambda t: t.T, lambda t: t.T),
    "repeat": (1, [U], lambda t: t.repeat(2, 1), lambda t: t.repeat(2, 1)),
    "cat": (2, [U, W], lambda a, b: T.cat([a, b]), lambda a, b: tg.ops.concat([a, b])),
    "stack": (2, [U, W], lambda a, b: T.stack([a, b]), lambda a, b: tg.ops.stack([a, b])),
    "clone": (1, [U], T.clone, both("clone")),
    "flip": (1, [U], lambda t: t.flip(1), lambda t: t.flip(1)),
    "addcmul": (3, [U, W, W + 0.1], lambda a, b, c: a.addcmul(b, c), lambda a, b, c: a.addcmul(b, c)),
    "addcdiv": (3, [U, W, W + 0.1], lambda a, b, c: a.addcdiv(b, c), lambda a, b, c: a.addcdiv(b, c)),
    "median_dim": (1, [U], lambda t: t.median(1).values, lambda t: t.median(1)[0]),
    "nansum": (1, [U], T.nansum, both("nansum")),
    "nanmean": (1, [U], T.nanmean, both("nanmean")),
    "vector_norm_2": (1, [U], lambda t: T.linalg.vector_norm(t), lambda t: tg.ops.vector_norm(t)),
    "vector_norm_1": (1, [U], lambda t: T.linalg.vector_norm(t, 1), lambda t: tg.ops.vector_norm(t, 1)),
    "vector_norm_inf": (1, [U], lambda t: T.linalg.vector_norm(t, float("inf")),
                        lambda t: tg.ops.vector_norm(t, float("inf"))),
    "vector_norm_3": (1, [U], lambda t: T.linalg.vector_norm(t, 3), lambda t: tg.ops.vector_norm(t, 3)),
    "std_dim": (1, [U], lambda t: t.std(1), lambda t: t.std(1)),
    "var_dim": (1, [U], lambda t: t.var(1), lambda t: t.var(1)),
    "mean_dim": (1, [U], lambda t: t.mean(1), lambda t: t.mean(1)),
    "trunc": (1, [U], T.trunc, both("trunc")),
    "ceil": (1, [U], T.ceil, both("ceil")),
    "div_floor": (2, [U, W], lambda a, b: T.div(a, b, rounding_mode="floor"),
                  lambda a, b: a.div(b, rounding_mode="floor")),
    "cast_f32": (1, [U], lambda t: t.float(), lambda t: t.float()),
    "pad": (1, [U], lambda t: T.nn.functional.pad(t, (1, 1)), lambda t: tg.ops.pad(t, ((0, 0), (1, 1)))),
    "where_scalar": (1, [U], lambda t: T.where(T.tensor(M), t, 0.0),
                     lambda t: tg.ops.where(tg.tensor(M, dtype="bool"), t, 0.0)),
    "mul_scalar": (1, [U], lambda t: t * 3.0, lambda t: t * 3.0),
    "div_scalar": (1, [U], lambda t: t / 3.0, lambda t: t / 3.0),
    "rdiv_scalar": (1, [U], lambda t: 3.0 / t, lambda t: 3.0 / t),
    "max_pool1d": (1, [U[None]], lambda t: T.nn.functional.max_pool1d(t, 2),
                   lambda t: tg.ops.max_pool1d(t, 2, data_format="channels_first")),
    "avg_pool1d": (1, [U[None]], lambda t: T.nn.functional.avg_pool1d(t, 2),
                   lambda t: tg.ops.avg_pool1d(t, 2, data_format="channels_first")),
    "div_floor_scalar": (1, [U], lambda t: T.div(t, 3.0, rounding_mode="floor"),
                         lambda t: t.div(3.0, rounding_mode="floor")),
    "div_trunc": (2, [U, W], lambda a, b: T.div(a, b, rounding_mode="trunc"),
                  lambda a, b: a.div(b, rounding_mode="trunc")),
    "max_pool1d_padded": (1, [U[None]], lambda t: T.nn.functional.max_pool1d(t, 2, padding=1),
                          lambda t: tg.ops.max_pool1d(t.permute(0, 2, 1), 2, padding="same").permute(0, 2, 1)),
    "conv1d": (2, [U[None], W[:, :2][None]], lambda x, k: T.nn.functional.conv1d(x, k),
               lambda x, k: tg.ops.conv1d(x.permute(0, 2, 1), k.permute(2, 1, 0)).permute(0, 2, 1)),
    "median_keepdim": (1, [U], lambda t: t.median(1, keepdim=True).values, lambda t: t.median(1, keepdim=True)[0]),
    "mul_const": (2, [U, ("const", W)], T.mul, lambda a, b: a * b),
    "div_const": (2, [U, ("const", W)], T.div, lambda a, b: a / b),
    "const_div": (2, [("const", U), W], T.div, lambda a, b: a / b),
    "pow_const_exponent": (2, [U, ("const", W)], T.pow, lambda a, b: a ** b),
    "matmul_const": (2, [U, ("const", W.T)], T.matmul, lambda a, b: a.matmul(b)),
    "div_floor_const": (2, [U, ("const", W)], lambda a, b: T.div(a, b, rounding_mode="floor"),
                        lambda a, b: a.div(b, rounding_mode="floor")),
    "maximum_const": (2, [U, ("const", W)], T.maximum, lambda a, b: a.maximum(b)),
    # div with a rounding mode saves `other` whenever either input needs a gradient, `self` where `other` does
    "const_div_floor": (2, [("const", U), W], lambda a, b: T.div(a, b, rounding_mode="floor"),
                        lambda a, b: a.div(b, rounding_mode="floor")),
    "const_div_trunc": (2, [("const", U), W], lambda a, b: T.div(a, b, rounding_mode="trunc"),
                        lambda a, b: a.div(b, rounding_mode="trunc")),
    "div_trunc_const": (2, [U, ("const", W)], lambda a, b: T.div(a, b, rounding_mode="trunc"),
                        lambda a, b: a.div(b, rounding_mode="trunc")),
    "number_div_floor": (1, [W], lambda b: T.div(3.0, b, rounding_mode="floor"),
                         lambda b: tg.ops.rounded_div(3.0, b, "floor")),
    # activations (tg.activations) against PyTorch's functional ones, which Keras 3 calls on torch
    "act_relu6": (1, [S], T.nn.functional.relu6, A.relu6),
    "act_hard_tanh": (1, [S], T.nn.functional.hardtanh, A.hard_tanh),
    "act_elu": (1, [S], T.nn.functional.elu, A.elu),
    "act_selu": (1, [S], T.nn.functional.selu, A.selu),
    "act_celu": (1, [S], T.nn.functional.celu, A.celu),
    "act_gelu": (1, [S], T.nn.functional.gelu, A.gelu),
    "act_hard_sigmoid": (1, [S], T.nn.functional.hardsigmoid, A.hard_sigmoid),
    "act_log_sigmoid": (1, [S], T.nn.functional.logsigmoid, A.log_sigmoid),
    "act_hard_silu": (1, [S], T.nn.functional.hardswish, A.hard_silu),
    "act_hard_shrink": (1, [S], T.nn.functional.hardshrink, A.hard_shrink),
    "act_soft_shrink": (1, [S], T.nn.functional.softshrink, A.soft_shrink),
    "act_silu": (1, [S], T.nn.functional.silu, A.silu),
    "act_softplus": (1, [S], T.nn.functional.softplus, A.softplus),
    "act_softsign": (1, [S], T.nn.functional.softsign, A.softsign),
    "act_mish": (1, [S], T.nn.functional.mish, A.mish),
    "act_tanh_shrink": (1, [S], T.nn.functional.tanhshrink, A.tanh_shrink),
    "act_leaky_relu": (1, [S], lambda t: T.nn.functional.leaky_relu(t, 0.2), A.leaky_relu),
    "act_gelu_tanh": (1, [S], lambda t: T.nn.functional.gelu(t, approximate="tanh"),
                      lambda t: A.gelu(t, approximate=True)),
    "act_threshold": (1, [S], lambda t: T.nn.functional.threshold(t, 0.5, -9.0),
                      lambda t: A.threshold(t, 0.5, -9.0)),
    "act_relu_max_value_6": (1, [S], T.nn.functional.relu6, lambda t: A.relu(t, max_value=6.0)),
    "act_glu": (1, [np.hstack([S, W])], lambda t: T.nn.functional.glu(t, -1), lambda t: A.glu(t, -1)),
}


# Recorded from PyTorch 2.13 (checked by test_the_table_is_pytorchs): each input's answer in order, then the
# output's.
TORCH_SAYS = {
    "abs": "raises ok",
    "relu": "ok raises",
    "sigmoid": "ok raises",
    "tanh": "ok raises",
    "exp": "ok raises",
    "exp2": "ok raises",
    "expm1": "ok raises",
    "log": "raises ok",
    "log2": "raises ok",
    "log10": "raises ok",
    "log1p": "raises ok",
    "sqrt": "ok raises",
    "rsqrt": "ok raises",
    "reciprocal": "ok raises",
    "sin": "raises ok",
    "cos": "raises ok",
    "tan": "ok raises",
    "sinh": "raises ok",
    "cosh": "raises ok",
    "asin": "raises ok",
    "acos": "raises ok",
    "atan": "raises ok",
    "asinh": "raises ok",
    "acosh": "raises ok",
    "atanh": "raises ok",
    "neg": "ok ok",
    "square": "raises ok",
    "pow_scalar": "raises ok",
    "scalar_pow": "raises raises",
    "sign": "ok ok",
    "floor": "ok ok",
    "round": "ok ok",
    "frac": "ok ok",
    "clamp": "raises ok",
    "clamp_min": "raises ok",
    "clamp_tensor_bounds": "raises raises raises ok",
    "add": "ok ok ok",
    "sub": "ok ok ok",
    "mul": "raises raises ok",
    "div": "raises raises ok",
    "pow": "raises raises raises",
    "maximum": "raises raises ok",
    "minimum": "raises raises ok",
    "atan2": "raises raises ok",
    "hypot": "raises raises raises",
    "logaddexp": "raises raises ok",
    "remainder": "raises raises ok",
    "matmul": "raises raises ok",
    "where": "ok ok ok",
    "masked_fill": "ok ok",
    "sum": "ok ok",
    "mean": "ok ok",
    "prod": "raises raises",
    "prod_dim": "raises raises",
    "max_all": "raises raises",
    "min_all": "raises raises",
    "amax_dim": "raises raises",
    "amin_dim": "raises raises",
    "median_all": "raises raises",
    "std": "raises raises",
    "var": "raises ok",
    "norm": "raises raises",
    "logsumexp": "raises raises",
    "softmax": "ok raises",
    "log_softmax": "ok raises",
    "cumsum": "ok ok",
    "cumprod": "raises raises",
    "cummax": "raises ok",
    "cummin": "raises ok",
    "logcumsumexp": "raises raises",
    "getitem_slice": "ok ok",
    "getitem_index": "ok ok",
    "reshape": "ok ok",
    "permute": "ok ok",
    "repeat": "ok ok",
    "cat": "ok ok ok",
    "stack": "ok ok ok",
    "clone": "ok ok",
    "flip": "ok ok",
    "addcmul": "ok raises raises ok",
    "addcdiv": "ok raises raises ok",
    "median_dim": "ok ok",
    "nansum": "raises ok",
    "nanmean": "raises ok",
    "vector_norm_2": "raises raises",
    "vector_norm_1": "raises raises",
    "vector_norm_inf": "raises raises",
    "vector_norm_3": "raises raises",
    "std_dim": "raises raises",
    "var_dim": "raises ok",
    "mean_dim": "ok ok",
    "trunc": "ok ok",
    "ceil": "ok ok",
    "div_floor": "raises raises ok",
    "cast_f32": "ok ok",
    "pad": "ok ok",
    "where_scalar": "ok ok",
    "mul_scalar": "ok ok",
    "div_scalar": "ok ok",
    "rdiv_scalar": "ok ok",
    "max_pool1d": "raises ok",
    "avg_pool1d": "raises ok",
    "div_floor_scalar": "ok ok",
    "div_trunc": "raises raises ok",
    "max_pool1d_padded": "raises ok",
    "conv1d": "raises raises ok",
    "median_keepdim": "ok ok",
    "mul_const": "ok raises ok",
    "div_const": "ok raises ok",
    "const_div": "raises raises ok",
    "pow_const_exponent": "raises raises raises",
    "matmul_const": "ok raises ok",
    "div_floor_const": "ok raises ok",
    "maximum_const": "raises raises ok",
    "const_div_floor": "raises raises ok",
    "const_div_trunc": "raises raises ok",
    "div_trunc_const": "ok raises ok",
    "number_div_floor": "raises ok",
    "act_relu6": "raises ok",
    "act_hard_tanh": "raises ok",
    "act_elu": "raises ok",
    "act_selu": "raises ok",
    "act_celu": "raises ok",
    "act_gelu": "raises ok",
    "act_hard_sigmoid": "raises ok",
    "act_log_sigmoid": "raises ok",
    "act_hard_silu": "raises ok",
    "act_hard_shrink": "raises ok",
    "act_soft_shrink": "raises ok",
    "act_silu": "raises ok",
    "act_softplus": "raises ok",
    "act_softsign": "raises ok",
    "act_mish": "raises ok",
    "act_tanh_shrink": "ok ok",
    "act_leaky_relu": "raises ok",
    "act_gelu_tanh": "raises ok",
    "act_threshold": "raises ok",
    "act_relu_max_value_6": "raises ok",
    "act_glu": "raises ok",
}


def outcome(library, name, which, backend="numpy"):
    """``'raises'`` (PyTorch's "modified by an inplace operation" RuntimeError) or ``'ok'``: ``which`` is the
    position of the input written in place after the op, or ``'out'`` for its output."""
    _, values, reference, ours = CASES[name]
    if library == "torch":
        make, fn = (lambda v, requires_grad=False: T.tensor(v, requires_grad=requires_grad)), reference
    else:
        make, fn = (lambda v, requires_grad=False: tg.tensor(v, requires_grad=requires_grad, backend=backend)), ours
    inputs = [make(v[1]) if isinstance(v, tuple) else make(v, requires_grad=True) * 1 for v in values]
    z = fn(*inputs)
    (z if which == "out" else inputs[which]).add_(0.0625)
    try:
        z.sum().backward()
    except RuntimeError as error:
        if "modified by an inplace operation" not in str(error):
            raise
        return "raises"
    return "ok"


ROWS = [(name, which) for name, (n, *_) in CASES.items() for which in [*range(n), "out"]]
IDS = [f"{name}-{which}" for name, which in ROWS]


def expected(name, which):
    says = TORCH_SAYS[name].split()
    return says[-1] if which == "out" else says[which]


def test_every_row_has_pytorchs_answer():
    assert set(TORCH_SAYS) == set(CASES)
    assert all(len(TORCH_SAYS[name].split()) == CASES[name][0] + 1 for name in CASES)


@pytest.mark.parametrize("name, which", ROWS, ids=IDS)
def test_the_table_is_pytorchs(name, which):
    pytest.importorskip("torch", reason="PyTorch is the reference of the table")
    assert outcome("torch", name, which) == expected(name, which)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("name, which", ROWS, ids=IDS)
def test_ours_refuses_where_pytorch_does(name, which, backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    previous = tg.get_backend().name
    tg.set_backend(backend)         # (the masks the rows make: on the backend of the inputs)
    try:
        assert outcome("ours", name, which, backend) == expected(name, which)
    finally:
        tg.set_backend(previous)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_expm1_after_its_input_was_written_takes_the_gradient_from_its_output(backend):
    """``z = y.expm1(); y.add_(1)``: no error, as PyTorch (which saves the output), and the gradient of the old
    input, ``exp(y_old) = expm1(y_old) + 1`` (PyTorch's formula, from the output); without the write, ``exp(y)``
    from the input, as before."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    values = np.array([-2.0, 0.5, 3.0])
    for write in (True, False):
        x = tg.tensor(values, requires_grad=True, backend=backend)
        y = x * 1
        z = y.expm1()
        if write:
            y.add_(1.0)
        z.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), np.exp(values), rtol=1e-15)


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_clamp_keeps_its_gradient_and_its_in_place_form(backend):
    """Saving the input (for the check) changes no gradient: clamp's is 1 inside the bounds, 0 outside; and
    ``y.clamp_(...)`` recorded in the graph still backpropagates (its saved input is the value before the write)."""
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    values = np.array([-2.0, 0.5, 3.0])
    x = tg.tensor(values, requires_grad=True, backend=backend)
    y = x * 2
    y.clamp_(-1.0, 2.0)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2 * 2 * 1.0, 0.0])


@pytest.mark.parametrize("name, reference", [("elu", "elu"), ("gelu", "gelu"), ("hard_sigmoid", "hardsigmoid"),
                                             ("relu6", "relu6"), ("log_sigmoid", "logsigmoid")])
def test_a_float16_input_of_an_activation_computed_in_float32_is_checked_as_pytorchs(name, reference):
    """A float16 ``x`` is computed in float32 (a copy) and rounded back: PyTorch's node saves the float16 ``x``
    itself, so a write of ``x`` after the call refuses backward there; ours checks the float16 input, not the
    float32 copy, and the output's write is no error in either. (NumPy only: array_api_strict has no float16.)"""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    for which in ("in", "out"):
        answers = []
        for library in ("torch", "ours"):
            if library == "torch":
                y = torch.tensor(S, requires_grad=True).half() * 1
                z = getattr(torch.nn.functional, reference)(y)
            else:
                y = tg.tensor(S, requires_grad=True).astype("float16") * 1
                z = getattr(A, name)(y)
            (y if which == "in" else z).add_(0.0625)
            try:
                z.sum().backward()
                answers.append("ok")
            except RuntimeError as error:
                assert "modified by an inplace operation" in str(error)
                answers.append("raises")
        assert answers[0] == answers[1] == ("raises" if which == "in" else "ok"), (which, answers)
