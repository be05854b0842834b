"""Every registered op, and every activation, at the special points of its domain, against PyTorch and Keras 3.

Special points: NaN, 0.0 and -0.0, +-inf, exact ties (maximum/minimum, max/min reductions), kinks (relu, abs, clip
at its bounds, the activations' kinks), a zero base in ``**``, rank-0 and empty shapes. Each op registers them with
``register_op(..., special_points=...)``; here each one's value and the gradient of ``sum(output)`` are compared
with PyTorch (float64, CPU) for the autograd ops and with Keras 3 (``KERAS_BACKEND=torch``) for the activations.
The conventions followed are listed in ``docs/special_points.md``.
"""

import numpy as np
import pytest
from helpers import fixed_keras_sparsemax, keras_on_torch, with_small_gemm_kernels

import tinygradconv as tg
import tinygradconv.activations  # registers erf
import tinygradconv.losses
import tinygradconv.ops  # registers every built-in op
from tinygradconv import activations, layers
from tinygradconv.autograd import OPS, Sample
from tinygradconv.checks import check_special_points, evaluate_sample
from tinygradconv.ops.elementwise import special_values

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the special-point tests")
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # IEEE 754 special results come silently
F = torch.nn.functional

BUILTIN_OPS = sorted(OPS)  # collected at import: the ops of the package (a test may register more later)
WITH_POINTS = [name for name in BUILTIN_OPS if OPS[name].special_points is not None]  # the others: see below

# Ops without registered special points, and why (each must still be covered by a test of its own here).
NO_SPECIAL_POINTS = {
    "conv1d": "defined in ops/conv.py; linear in each input, checked against torch below "
              "(test_convolutions_propagate_nan_and_inf_like_torch, "
              "test_convolutions_meet_inf_and_nan_like_torch_on_every_path)",
    "conv1d_transpose": "defined in ops/conv.py; linear in each input, checked against torch below "
                        "(test_convolutions_propagate_nan_and_inf_like_torch, "
                        "test_convolutions_meet_inf_and_nan_like_torch_on_every_path)",
}


def _reduce(fn):
    def reference(x, axes, keepdims):
        assert axes or x.ndim == 0, "torch reads dim=() as every axis; here it means none"
        return fn(x, dim=axes, keepdim=keepdims)

    return reference


def _extreme(fn):
    """``torch.amax``/``amin`` over the named axes; over none (``axes=()``) the identity, as Keras'
    ``ops.max(x, axis=())`` gives it (the gradient 1 at NaN too), where ``torch.amax(x, dim=())`` reduces every dim."""
    reduce = _reduce(fn)
    return lambda x, axes, keepdims: torch.clone(x) if axes == () else reduce(x, axes, keepdims)


def _torch_prod(x, axes, keepdims):
    """``torch.prod`` over ``axes``: one dim at a time is its own rule (one ``dim``), every axis its full product."""
    if len(axes) == 1:
        return torch.prod(x, dim=axes[0], keepdim=keepdims)
    assert len(axes) in (0, x.ndim) and (len(axes) or x.ndim == 0), "one axis, or all of them"
    out = torch.prod(x)
    return out.reshape((1,) * x.ndim) if keepdims else out


def _index(x, index):
    return x[tuple(torch.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)]


def _log_softmax(x, axis, function=F.log_softmax):
    """torch's ``log_softmax`` (or ``function``, ``F.softmax``) over one dim, or over several as Keras 3 computes it
    on torch: the kept axes first, the others flattened into one (``()`` adds an axis of size 1), ``function``
    along it, and back."""
    if isinstance(axis, int):
        return function(x, dim=axis)
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in axis)
    kept = [d for d in range(x.ndim) if d not in axes]
    moved = x.permute(*kept, *axes)
    flat = int(np.prod([x.shape[d] for d in axes]))     # not -1: an empty tensor (Keras' -1 fails there)
    out = function(moved.reshape(*moved.shape[:len(kept)], flat), dim=-1).reshape(moved.shape)
    return out.permute(*np.argsort([*kept, *axes]).tolist())


def _layer_norm(x, gamma=None, beta=None, *, axes, epsilon, overflow="keras"):
    """torch's ``F.layer_norm`` (its CPU kernel) over trailing axes with weights of their shape; elsewhere the
    formula ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` in torch ops (autograd through the statistics)."""
    dims = tuple(a % x.ndim for a in axes)
    shape = tuple(x.shape[a] for a in dims)
    trailing = dims == tuple(range(x.ndim - len(dims), x.ndim))
    if trailing and 0 not in x.shape and all(w is None or tuple(w.shape) == shape for w in (gamma, beta)):
        return F.layer_norm(x, shape, gamma, beta, eps=epsilon)
    mean = x.mean(dim=dims, keepdim=True)
    out = (x - mean) / ((x - mean).square().mean(dim=dims, keepdim=True) + epsilon).sqrt()
    out = out * gamma if gamma is not None else out
    return out + beta if beta is not None else out


def _pad(x, pad_width, value):
    flat = [n for pair in reversed(pad_width) for n in pair]
    return F.pad(x, flat, value=value)


def _torch_recurrent_loop(step, projected, states, keep, go_backwards, zero_output_for_mask):
    """Keras 3's masked loop on torch (``keras/src/backend/torch/rnn.py``), written here in torch: ``step(p_t,
    states)`` gives the new states; the result is every step's output, then the last states, as the loop ops'."""
    steps = projected.shape[1]
    previous = torch.zeros_like(states[0])
    outputs = []
    inputs = projected.unbind(1)        # (as the layers' loop; ``projected[:, t]`` would add the zeros of the other
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):      # steps' gradients: -0.0 to 0.0)
        new = step(inputs[t], states)
        if keep is None:
            states, output = new, new[0]
        else:
            kept = keep[:, t, None]
            states = [torch.where(kept, n, s) for n, s in zip(new, states)]
            output = torch.where(kept, new[0], torch.zeros_like(previous) if zero_output_for_mask else previous)
            previous = output
        outputs.append(output)
    return torch.stack([*outputs, *states], dim=1)


_TORCH_ACTIVATIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "linear": lambda z: z}


def _torch_recurrent(h, kernel, masks, gates):
    """``h U``, each gate's block reading ``h * masks[g]`` with recurrent dropout."""
    if masks is None:
        return h @ kernel
    return torch.cat([(h * m) @ k for m, k in zip(masks, kernel.chunk(gates, dim=1))], dim=1)


def _torch_simple_rnn(projected, kernel, h0, keep=None, recurrent_masks=None, activation="tanh",
                      go_backwards=False, zero_output_for_mask=False):
    act = _TORCH_ACTIVATIONS[activation]
    return _torch_recurrent_loop(lambda p, s: [act(p + _torch_recurrent(s[0], kernel, recurrent_masks, 1))],
                                 projected, [h0], keep, go_backwards, zero_output_for_mask)


def _torch_lstm(projected, kernel, h0, c0, keep=None, recurrent_masks=None, activation="tanh",
                recurrent_activation="sigmoid", go_backwards=False, zero_output_for_mask=False):
    act, gate = _TORCH_ACTIVATIONS[activation], _TORCH_ACTIVATIONS[recurrent_activation]

    def step(p, states):            # Keras' LSTMCell: gates i, f, c, o
        h, c = states
        z_i, z_f, z_c, z_o = (p + _torch_recurrent(h, kernel, recurrent_masks, 4)).chunk(4, dim=1)
        c = gate(z_f) * c + gate(z_i) * act(z_c)
        return [gate(z_o) * act(c), c]

    return _torch_recurrent_loop(step, projected, [h0, c0], keep, go_backwards, zero_output_for_mask)


def _torch_gru(projected, kernel, h0, recurrent_bias=None, keep=None, recurrent_masks=None, activation="tanh",
               recurrent_activation="sigmoid", reset_after=True, go_backwards=False, zero_output_for_mask=False):
    act, gate = _TORCH_ACTIVATIONS[activation], _TORCH_ACTIVATIONS[recurrent_activation]
    masks = [None] * 3 if recurrent_masks is None else list(recurrent_masks)

    def step(p, states):            # Keras' GRUCell: gates z, r, h
        h = states[0]
        x_z, x_r, x_h = p.chunk(3, dim=1)
        u_z, u_r, u_h = kernel.chunk(3, dim=1)
        hs = [h if m is None else h * m for m in masks]
        if reset_after:
            inner = torch.cat([hs[0] @ u_z, hs[1] @ u_r, hs[2] @ u_h], dim=1)
            r_z, r_r, r_h = (inner if recurrent_bias is None else inner + recurrent_bias).chunk(3, dim=1)
            z, r = gate(x_z + r_z), gate(x_r + r_r)
            candidate = act(x_h + r * r_h)
        else:
            z, r = gate(x_z + hs[0] @ u_z), gate(x_r + hs[1] @ u_r)
            candidate = act(x_h + (r * hs[2]) @ u_h)
        return [z * h + (1 - z) * candidate]

    return _torch_recurrent_loop(step, projected, [h0], keep, go_backwards, zero_output_for_mask)


TORCH = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
    "pow_scalar": lambda x, exponent: x ** exponent, "scalar_pow": lambda x, base: base ** x,
    "reciprocal": torch.reciprocal, "rsqrt": torch.rsqrt, "remainder": torch.remainder,
    "maximum": torch.maximum, "minimum": torch.minimum, "where": torch.where, "neg": torch.neg, "exp": torch.exp,
    "log": torch.log, "log1p": torch.log1p, "expm1": torch.expm1, "sqrt": torch.sqrt, "abs": torch.abs,
    "tanh": torch.tanh, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "arcsin": torch.asin,
    "arccos": torch.acos, "arctan": torch.atan,
    # ops.rounding, ops.hyperbolic, ops.exponential
    "floor": torch.floor, "ceil": torch.ceil, "trunc": torch.trunc, "frac": torch.frac,
    "round": lambda x, decimals=0: torch.round(x, decimals=decimals),
    "sinh": torch.sinh, "cosh": torch.cosh, "arcsinh": torch.asinh, "arccosh": torch.acosh, "arctanh": torch.atanh,
    "exp2": torch.exp2, "log2": torch.log2, "log10": torch.log10, "logaddexp": torch.logaddexp,
    "hypot": torch.hypot, "arctan2": torch.atan2,
    # ops.cumulative, ops.nan_reductions (the values of cummax/cummin, and torch.median: the lower middle value)
    "cumprod": lambda x, axis: torch.cumprod(x, axis), "logcumsumexp": lambda x, axis: torch.logcumsumexp(x, axis),
    "cummax": lambda x, axis: torch.cummax(x, axis).values, "cummin": lambda x, axis: torch.cummin(x, axis).values,
    "nansum": _reduce(torch.nansum), "nanmean": _reduce(torch.nanmean),
    "median": lambda x, axis, keepdims=False: torch.median(x) if axis is None else torch.median(x, axis, keepdims)[0],
    # torch.sign(nan) is 0 (PyTorch issue #41245); ours is NaN, as np.sign: the reference keeps NaN there
    "sign": lambda x: torch.where(torch.isnan(x), x.detach(), torch.sign(x)),
    "sigmoid": torch.sigmoid, "relu": torch.relu, "erf": torch.erf,
    "gelu": lambda x, approximate=False: F.gelu(x, approximate="tanh" if approximate else "none"),
    "clip": lambda x, min=None, max=None: torch.clamp(x, min, max),
    "clip_bounds": lambda x, low=None, high=None: torch.clamp(x, low, high),
    "cast": lambda x, dtype: x.to(getattr(torch, dtype)),
    "sum": _reduce(torch.sum), "mean": _reduce(torch.mean), "max": _extreme(torch.amax), "min": _extreme(torch.amin),
    "logsumexp": _reduce(torch.logsumexp), "prod": lambda x, axes, keepdims: _torch_prod(x, axes, keepdims),
    "cumsum": lambda x, axis: torch.cumsum(x.reshape(-1) if axis is None else x,     # axis=None: Keras' flattening
                                           dim=0 if axis is None else axis),
    "reshape": lambda x, shape: torch.reshape(x, shape), "permute": lambda x, axes: x.permute(axes),
    "clone": torch.clone,
    "to_backend": lambda x, backend: x.to("cpu", copy=True),   # PyTorch's move between devices, here on one
    "getitem": _index, "concat": lambda *xs, axis: torch.cat(xs, dim=axis),
    "stack": lambda *xs, axis: torch.stack(xs, dim=axis), "pad": _pad, "matmul": torch.matmul,
    "expand": lambda x, sizes: x.expand(sizes), "repeat": lambda x, repeats: x.repeat(repeats),
    "masked_fill": lambda x, mask, value: x.masked_fill(mask, value),
    # ops.splitting: the node the pieces of a split hang from (its input, unchanged), and one piece (a slice)
    "cut": lambda x: x.view_as(x), "piece": lambda x, index, cut: x[index],
    # axes=None is PyTorch's dim=None (its own gradient rule where n - correction <= 0), a tuple named dims
    "var": lambda x, axes, keepdims, correction: torch.var(x, dim=axes, correction=correction, keepdim=keepdims),
    "std": lambda x, axes, keepdims, correction: torch.std(x, dim=axes, correction=correction, keepdim=keepdims),
    "rounded_div": lambda a, b, rounding_mode: torch.div(a, b, rounding_mode=rounding_mode),
    "vector_norm": lambda x, ord, axes, keepdims: torch.linalg.vector_norm(x, ord, dim=axes, keepdim=keepdims),
    "softplus": F.softplus, "log_softmax": _log_softmax, "layer_norm": _layer_norm,
    "softmax": lambda x, axis: _log_softmax(x, axis, F.softmax), "sparsemax": fixed_keras_sparsemax,
    "squared_difference": lambda a, b: (a - b) ** 2,
    # Keras 3's pooling ops on torch (torch's max_pool1d / avg_pool1d under Keras' "same" padding)
    "max_pool1d": lambda x, pool_size, strides, padding: _keras_ops().max_pool(x, pool_size, strides, padding),
    "avg_pool1d": lambda x, pool_size, strides, padding: _keras_ops().average_pool(x, pool_size, strides, padding),
    # ops.recurrent: Keras 3's cells and masked loop, written in torch
    "simple_rnn_sequence": _torch_simple_rnn, "lstm_sequence": _torch_lstm, "gru_sequence": _torch_gru,
    "binary_crossentropy":              # torch needs equal shapes: broadcast first
        lambda p, y: F.binary_cross_entropy(*torch.broadcast_tensors(p, y), reduction="none"),
    "binary_crossentropy_with_logits":   # torch needs equal shapes: broadcast first
        lambda x, y: F.binary_cross_entropy_with_logits(*torch.broadcast_tensors(x, y), reduction="none"),
}


def _keras_ops():
    return keras_on_torch("Keras 3 on torch is the reference of the pooling ops").ops


def _torch_inputs(sample):
    inputs = []
    for i, arg in enumerate(sample.args):
        if arg is None:
            inputs.append(None)
            continue
        arg = np.asarray(arg)
        if arg.dtype == bool:
            inputs.append(torch.as_tensor(arg))
        else:
            inputs.append(torch.tensor(arg, dtype=torch.float64, requires_grad=i not in sample.constant))
    return inputs


def _torch_run(fn, inputs, kwargs):
    out = fn(*inputs, **kwargs)
    if out.requires_grad:
        out.backward(torch.ones_like(out))
    grads = []
    for t in inputs:
        if t is None or not t.requires_grad:
            grads.append(None)
        else:
            grads.append(t.grad.numpy() if t.grad is not None else np.zeros(tuple(t.shape)))
    return out.detach().numpy(), tuple(grads)


def _zero_order(name, sample, out):
    """``out`` with IEEE 754-2019's order of zeros (-0.0 < 0.0) wherever the result is a tie of zeros: our
    convention for maximum/minimum/max/min (docs/special_points.md), computed here by hand from the inputs.
    PyTorch agrees on short inputs (``maximum(0.0, -0.0) = 0.0``, ``amax([0.0, -0.0]) = 0.0``) but its vectorised
    kernels return whichever zero comes first or second."""
    larger = name in ("maximum", "max")
    if name in ("maximum", "minimum"):
        a, b = np.broadcast_arrays(*sample.args)
        zeros = (a == 0) & (b == 0)
        negative = (np.signbit(a) & np.signbit(b)) if larger else (np.signbit(a) | np.signbit(b))
    else:
        x, axes, keepdims = sample.args[0], sample.kwargs["axes"], sample.kwargs["keepdims"]
        if x.size == 0:
            return out
        has = (x == 0) & (~np.signbit(x) if larger else np.signbit(x))
        zeros = out == 0
        negative = ~np.any(has, axis=axes, keepdims=keepdims) if larger else np.any(has, axis=axes,
                                                                                    keepdims=keepdims)
    return np.where(zeros, np.where(negative, -0.0, 0.0), out)


def _probability_crossentropy_reference(sample):
    """PyTorch's ``binary_cross_entropy`` where it is defined (``p`` and ``y`` in ``[0, 1]``); where PyTorch refuses
    the input (NaN, infinities, outside ``[0, 1]``), the formulas of its CPU kernels (``aten/src/ATen/native/
    Loss.cpp``) evaluated element by element in float64: the loss ``(y - 1) max(log1p(-p), -100) - y max(log(p),
    -100)``, ``d/dp = (p - y) / max(p (1 - p), 1e-12f)``, ``d/dy = -logit(p)``."""
    p, y = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in sample.args))
    inside = (p >= 0) & (p <= 1) & (y >= 0) & (y <= 1)
    out, (dp, dy) = _torch_run(TORCH["binary_crossentropy"], _torch_inputs(Sample((np.where(inside, p, 0.5),
                                                                                  np.where(inside, y, 0.5)))), {})
    def std_max(a, b):      # C++'s std::max(a, b): b only when a < b, so a NaN a stays
        return np.where(a < b, b, a)

    with np.errstate(all="ignore"):
        formula = (y - 1) * std_max(np.log1p(-p), -100) - y * std_max(np.log(p), -100)
        formula_dp = (p - y) / std_max((1 - p) * p, float(np.float32(1e-12)))
        formula_dy = -np.log(p / (1 - p))
    grads = tuple(np.where(inside, g, f).reshape(np.shape(a)) if np.shape(a) == p.shape else np.sum(
        np.where(inside, g, f), axis=tuple(range(p.ndim - np.ndim(a)))).reshape(np.shape(a))
        for g, f, a in ((dp, formula_dp, sample.args[0]), (dy, formula_dy, sample.args[1])))
    return np.where(inside, out, formula), grads


def torch_reference(name):
    if name == "binary_crossentropy":
        return _probability_crossentropy_reference
    if name in ("maximum", "minimum", "max", "min"):
        def reference(sample):
            out, grads = _torch_run(TORCH[name], _torch_inputs(sample), sample.kwargs)
            return _zero_order(name, sample, out), grads

        return reference
    return lambda sample: _torch_run(TORCH[name], _torch_inputs(sample), sample.kwargs)


# ------------------------------------------------------------------------------------------- the registry
def test_every_registered_op_has_special_points_or_a_reason():
    for name in BUILTIN_OPS:
        info = OPS[name]
        if info.no_special_points or name in NO_SPECIAL_POINTS:  # a reason, registered with the op or here
            assert info.special_points is None
        else:
            assert info.special_points is not None, f"{name} registers no special points"
            assert name in TORCH, f"{name} has no PyTorch reference in this test"
            points = info.special_points(np.random.default_rng(0))
            assert points and all(isinstance(p, Sample) for p in points)


def _shapes_covered(name):
    shapes = [np.shape(a) for s in OPS[name].special_points(np.random.default_rng(0)) for a in s.args
              if a is not None]
    return any(len(s) == 0 for s in shapes), any(0 in s for s in shapes)


@pytest.mark.parametrize("name", WITH_POINTS)
def test_special_points_cover_nan_infinities_zeros_rank0_and_empty(name):
    values = np.concatenate([np.ravel(a) for s in OPS[name].special_points(np.random.default_rng(0))
                             for a in s.args if a is not None and np.asarray(a).dtype.kind == "f"])
    assert np.isnan(values).any() and np.isposinf(values).any() and np.isneginf(values).any()
    assert ((values == 0) & np.signbit(values)).any() and ((values == 0) & ~np.signbit(values)).any()
    has_rank0, has_empty = _shapes_covered(name)
    assert has_empty
    # concat and matmul refuse rank-0 operands (as NumPy); the softmaxes' and sparsemax's ops take an axis (rank 0:
    # their functions, tested apart)
    # the pooling ops and the recurrent loops take (batch, steps, channels) inputs only
    assert has_rank0 or name in ("concat", "log_softmax", "softmax", "sparsemax", "matmul", "max_pool1d", "avg_pool1d",
                                 "simple_rnn_sequence", "lstm_sequence", "gru_sequence"), \
        f"{name}: no rank-0 special point"


@pytest.mark.parametrize("name", WITH_POINTS)
def test_special_points_match_pytorch(name, backend):
    if name == "clip" and tuple(int(v) for v in torch.__version__.split(".")[:2]) < (2, 13):
        # Seen on torch 2.11 (the GPU machine's): clamp(x, max=nan) kept the numbers (tensor([nan, 0., 1.])) where
        # torch 2.13, our reference (pinned in .ci/run), gives NaN everywhere.
        pytest.skip(f"torch {torch.__version__} clamps to a NaN bound unlike torch 2.13, the reference of clip")
    assert check_special_points(name, backend, reference=torch_reference(name), rtol=1e-8, atol=1e-12) > 0


def test_check_special_points_reports_a_mismatch():
    class WrongRelu(tg.Function):  # hides NaN, the fault this whole file is about
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a > 0)
            return ctx.xp.where(a > 0, a, 0.0)

        @staticmethod
        def backward(ctx, grad):
            return ctx.xp.where(ctx.saved_tensors[0], grad, 0.0)

    name = "test_wrong_relu"
    OPS.pop(name, None)
    tg.register_op(name, samples=lambda rng: [], special_points=OPS["relu"].special_points)(WrongRelu)
    try:
        with pytest.raises(tg.GradcheckError, match=r"test_wrong_relu: special point 0 .*output vs reference at "
                                                    r"index \(0,\): got 0.0, expected nan"):
            check_special_points(name, reference=torch_reference("relu"))
        with pytest.raises(ValueError, match="registers no special points"):
            check_special_points("conv1d")
    finally:
        OPS.pop(name)


def test_a_users_op_states_its_expected_values():
    class Cube(tg.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 3.0 * grad * a * a

    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 2.0])
    good = Sample((x,), expected=x**3, expected_grads=(3 * x**2,))
    wrong = Sample((x,), expected=x**3, expected_grads=(2 * x**2,))
    name = "test_user_cube"
    for points, ok in (([good], True), ([good, wrong], False)):
        OPS.pop(name, None)
        tg.register_op(name, samples=lambda rng: [Sample((rng.standard_normal(3),))],
                       special_points=lambda rng, points=points: points)(Cube)
        try:
            if ok:
                assert check_special_points(name) == 1
            else:
                with pytest.raises(tg.GradcheckError, match=r"special point 1 .*gradient of input 0 vs expected "
                                                            r"at index \(5,\): got 12.0, expected 8.0"):
                    check_special_points(name)
        finally:
            OPS.pop(name)


# ------------------------------------------------------------------------------------------- the examples
def test_gradient_of_x_to_the_power_zero_is_zero_at_zero(backend):
    x = tg.tensor([0.0, 2.0], dtype="float64", backend=backend, requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_gradient_of_a_power_wrt_the_exponent_is_zero_at_a_zero_base(backend):
    a = tg.tensor([0.0, 2.0], dtype="float64", backend=backend, requires_grad=True)
    b = tg.tensor([1.0, 1.0], dtype="float64", backend=backend, requires_grad=True)
    (a**b).sum().backward()
    assert b.grad.tolist() == [0.0, 2.0 * np.log(2.0)]
    assert a.grad.tolist() == [1.0, 1.0]


def test_relu_of_nan_is_nan(backend):
    x = tg.tensor([np.nan, -1.0, 2.0], dtype="float64", backend=backend, requires_grad=True)
    y = tg.ops.relu(x)
    y.sum().backward()
    assert np.isnan(y.numpy()[0]) and y.tolist()[1:] == [0.0, 2.0]
    assert x.grad.tolist() == [1.0, 0.0, 1.0]  # torch.relu's gradient


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_propagate_nan(name, backend):
    a = tg.tensor([np.nan, 1.0, 2.0], dtype="float64", backend=backend)
    b = tg.tensor([1.0, np.nan, 2.0], dtype="float64", backend=backend)
    out = getattr(tg.ops, name)(a, b).numpy()
    assert np.isnan(out[:2]).all() and out[2] == 2.0


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_reductions_propagate_nan(name, backend):
    x = tg.tensor([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]], dtype="float64", backend=backend)
    out = getattr(tg.ops, name)(x, axis=1).numpy()
    assert np.isnan(out[0]) and out[1] == (3.0 if name == "max" else 1.0)


def test_vector_at_vector_gives_a_rank0_value_and_gradients(backend):
    a = tg.tensor([1.0, 2.0, 3.0], dtype="float64", backend=backend, requires_grad=True)
    b = tg.tensor([4.0, -5.0, 6.0], dtype="float64", backend=backend, requires_grad=True)
    c = a @ b
    assert c.shape == () and c.item() == 4.0 - 10.0 + 18.0
    c.backward()
    assert a.grad.tolist() == [4.0, -5.0, 6.0] and b.grad.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("shapes", [((3,), (3, 2)), ((2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 4, 3), (3,)),
                                    ((0,), (0,)), ((0,), (0, 2)), ((2, 0), (0,))])
def test_one_dimensional_matmul_matches_torch(shapes, backend, rng):
    a, b = (rng.standard_normal(s) for s in shapes)
    ours = evaluate_sample(OPS["matmul"].function, Sample((a, b)), backend)
    theirs = _torch_run(torch.matmul, _torch_inputs(Sample((a, b))), {})
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    for g, t in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)


def test_rank0_matmul_is_a_clear_error():
    with pytest.raises(ValueError, match="matmul needs at least 1-D operands"):
        tg.tensor(2.0) @ tg.tensor([1.0])


def test_max_of_an_empty_axis_is_a_clear_error():
    with pytest.raises(ValueError, match=r"max\(\) of an empty axis"):
        tg.ops.max(tg.tensor(np.zeros((0, 3))), axis=0)


# ------------------------------------------------------------------------------------------- convolutions
@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_convolutions_propagate_nan_and_inf_like_torch(op, backend):
    x = np.arange(2 * 5 * 3, dtype=np.float64).reshape(2, 5, 3) / 10.0
    x[0, 1, 2], x[1, 3, 0] = np.nan, np.inf
    kernel = np.linspace(-1.0, 1.0, 3 * 3 * 4).reshape(3, 3, 4)  # conv1d: (k, in, out); transpose: (k, out, in)
    if op == "conv1d_transpose":
        kernel = kernel.reshape(3, 4, 3)
    bias = np.array([0.5, -0.0, np.nan, 1.0])
    ours = evaluate_sample(OPS[op].function, Sample((x, kernel, bias), {"strides": 2}), backend)
    inputs = _torch_inputs(Sample((x, kernel, bias)))
    tx, tk, tb = inputs
    if op == "conv1d":
        fn = lambda: F.conv1d(tx.permute(0, 2, 1), tk.permute(2, 1, 0), tb, stride=2).permute(0, 2, 1)
    else:
        fn = lambda: F.conv_transpose1d(tx.permute(0, 2, 1), tk.permute(2, 1, 0), tb,
                                        stride=2).permute(0, 2, 1)
    theirs = _torch_run(lambda *_: fn(), inputs, {})
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    for g, t in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv1d_input_gradient_of_an_inf_kernel_at_a_step_no_output_reads(dtype, batch):
    """docs/special_points.md: step 4 of a length-5 input meets no output (k = 2, s = 2, valid), so its input gradient
    is a sum of no terms, 0 in every dtype and batch size. torch gives 0 in float64 and for one sample, but NaN in
    float32 for two or more (its float32 kernel multiplies the inf tap by a zero there); we follow the former."""
    x = np.random.default_rng(0).standard_normal((batch, 5, 1)).astype(dtype)
    kernel = np.array([np.inf, 1.0], dtype=dtype).reshape(2, 1, 1)
    tx = tg.Tensor(x, requires_grad=True)
    y = tg.ops.conv1d(tx, tg.Tensor(kernel), strides=2)
    y.backward(tg.Tensor(np.ones(y.shape, dtype=dtype)))
    assert np.array_equal(tx.grad.numpy()[:, :, 0], np.tile([np.inf, 1.0, np.inf, 1.0, 0.0], (batch, 1)))
    t = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    F.conv1d(t, torch.tensor(kernel.transpose(2, 1, 0)), stride=2).backward(torch.ones(batch, 1, 2, dtype=t.dtype))
    theirs = t.grad.numpy()[:, 0, 4]
    if dtype == "float32" and batch > 1:
        if not torch.backends.mkldnn.is_available():
            pytest.skip("this torch has no oneDNN, whose float32 kernel the docs describe")
        assert np.isnan(theirs).all(), "torch no longer gives NaN here: update docs/special_points.md"
    else:
        assert (theirs == 0).all()


def _conv_grid(op):
    """Small convolutions of both ops that reach every path: strides 1 and 2, dilation 1 and 2, paddings that pad
    (conv1d "same"/"causal") or crop (conv1d_transpose "same", with and without output_padding), groups."""
    import itertools

    if op == "conv1d":
        for length, k, s, d, padding, groups in itertools.product((1, 5), (1, 3), (1, 2), (1, 2),
                                                                  ("valid", "same", "causal"), (1, 2)):
            yield {"strides": s, "dilation_rate": d, "padding": padding, "groups": groups}, length, k
    else:
        for length, k, s, d, padding in itertools.product((1, 4), (1, 2, 3), (1, 2), (1, 2), ("valid", "same")):
            for output_padding in (None, *range(s)):
                if output_padding is None or output_padding < max(s, d):
                    yield ({"strides": s, "dilation_rate": d, "padding": padding, "output_padding": output_padding},
                           length, k)


def _torch_conv(op, kwargs, length, k):
    """torch's function for one configuration of ``_conv_grid``, on our layouts (None where torch has no output)."""
    from reference_conv import ref_conv_padding

    from tinygradconv.ops.conv_arithmetic import torch_conv_transpose_args

    s, d = kwargs["strides"], kwargs["dilation_rate"]
    if op == "conv1d":
        left, right = ref_conv_padding(length, k, s, kwargs["padding"], d)
        if left + length + right < (k - 1) * d + 1:
            return None
        return lambda x, w: F.conv1d(F.pad(x.permute(0, 2, 1), (left, right)), w.permute(2, 1, 0), stride=s,
                                     dilation=d, groups=kwargs["groups"]).permute(0, 2, 1)
    pad, out_pad, drop = torch_conv_transpose_args(k, s, kwargs["padding"], kwargs["output_padding"], d)

    def transpose(x, w):
        y = F.conv_transpose1d(x.permute(0, 2, 1), w.permute(2, 1, 0), stride=s, padding=pad,
                               output_padding=out_pad, dilation=d)
        return (y[..., :-drop] if drop else y).permute(0, 2, 1)

    return transpose


@pytest.mark.parametrize("small_gemm_blocks", [False, True], ids=["one-gemm", "small-gemm-blocks"])
@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_convolutions_meet_inf_and_nan_like_torch_on_every_path(op, backend, small_gemm_blocks, monkeypatch):
    """One inf, NaN or -inf in the input, the kernel or the output gradient (at the first, the last, a middle entry), on
    every path of both ops (strides 1, where conv1d's backward shares one gather, and 2; padding that pads or
    crops): output and gradients as torch's (F.pad then conv1d; conv_transpose1d), NaN where torch's sums multiply
    a padding zero by inf or NaN, finite where torch never forms such a product (issue 13). Also with the products
    in small-matrix blocks forced on these small shapes, which sends conv1d's backward with strides 1 down the
    overlap-add and the kernel gradient by tap groups instead of the shared gather."""
    from tinygradconv.ops import gemm_blocks
    from tinygradconv.ops.conv import conv1d, conv1d_transpose

    with_small_gemm_kernels(monkeypatch, mnk=2 * 2 * 2, min_rows=2)          # blocks of 2 rows for K = N = 2
    monkeypatch.setattr(gemm_blocks, "has_small_gemm_kernels", lambda: small_gemm_blocks)

    fn = conv1d if op == "conv1d" else conv1d_transpose
    rng = np.random.default_rng(16)
    failures, compared = [], 0
    for kwargs, length, k in _conv_grid(op):
        reference = _torch_conv(op, kwargs, length, k)
        channels = 2
        x = rng.standard_normal((2, length, channels))
        w = rng.standard_normal((k, channels // kwargs.get("groups", 1), 2) if op == "conv1d" else (k, 2, channels))
        with tg.no_grad():
            out_shape = fn(tg.tensor(x), tg.tensor(w), **kwargs).shape
        if reference is None or out_shape[1] == 0:
            continue
        g = rng.standard_normal(out_shape)
        for name in ("x", "w", "g"):
            shape = {"x": x, "w": w, "g": g}[name].shape
            for index, value in (((0,) * 3, np.inf), (tuple(n - 1 for n in shape), np.nan),
                                 (tuple(n // 2 for n in shape), -np.inf)):
                arrays = {"x": x.copy(), "w": w.copy(), "g": g.copy()}
                arrays[name][index] = value
                tx, tw = (tg.tensor(arrays[a], dtype="float64", backend=backend, requires_grad=True) for a in "xw")
                y = fn(tx, tw, **kwargs)
                y.backward(tg.tensor(arrays["g"], dtype="float64", backend=backend))
                xt, wt = (torch.tensor(arrays[a], requires_grad=True) for a in "xw")
                yt = reference(xt, wt)
                yt.backward(torch.tensor(arrays["g"]))
                compared += 1
                for what, ours, theirs in (("y", y, yt.detach()), ("dx", tx.grad, xt.grad), ("dW", tw.grad, wt.grad)):
                    if not np.allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-10, equal_nan=True):
                        failures.append((what, name, value, index, length, k, kwargs))
    assert compared > 600
    assert not failures, f"{len(failures)} of {compared} differ from torch, e.g. {failures[:3]}"


# ------------------------------------------------------------------------------------------- activations
ACTIVATION_POINTS = special_values(0.0, 6.0, 3.0, -3.0, 2.0, 20.0, -20.0)
# glu (it halves an axis), sparsemax (Keras 3.15 is wrong there: tests/test_activations_keras_more.py) and
# threshold (two required arguments, given below) are checked apart; the aliases are their functions
APART = {"swish", "hard_swish", "glu", "sparsemax", "threshold"}
ACTIVATION_CASES = [(name, {}) for name in sorted(activations.ALL_OBJECTS) if name not in APART] + [
    ("relu", {"max_value": 6.0}), ("relu", {"max_value": 2.0}), ("relu", {"threshold": 2.0}),
    ("relu", {"negative_slope": 0.5}), ("relu", {"negative_slope": 0.5, "max_value": 3.0, "threshold": -3.0}),
    ("leaky_relu", {"negative_slope": 0.01}), ("elu", {"alpha": 0.5}), ("gelu", {"approximate": True}),
    ("celu", {"alpha": 0.5}), ("hard_shrink", {"threshold": 3.0}), ("soft_shrink", {"threshold": 3.0}),
    ("squareplus", {"b": 0}), ("threshold", {"threshold": 2.0, "default_value": -1.5}),
    ("threshold", {"threshold": -3.0, "default_value": np.inf}),
]


def _keras():
    return keras_on_torch("Keras 3 is the reference of the activations' conventions")


@pytest.mark.parametrize("name, kwargs", ACTIVATION_CASES, ids=[f"{n}-{k}" for n, k in ACTIVATION_CASES])
def test_activations_at_special_points_match_keras(name, kwargs, backend):
    keras = _keras()
    x = tg.tensor(ACTIVATION_POINTS, dtype="float64", backend=backend, requires_grad=True)
    y = getattr(activations, name)(x, **kwargs)
    y.sum().backward()
    tx = torch.tensor(ACTIVATION_POINTS, dtype=torch.float64, requires_grad=True)
    ty = getattr(keras.activations, name)(tx, **kwargs)
    ty.sum().backward()
    value, grad = ty.detach().numpy(), tx.grad.numpy()
    if name == "relu" and kwargs.get("threshold"):  # our deliberate difference: Keras' where(x > t, x, 0) hides NaN
        nan = np.isnan(ACTIVATION_POINTS)
        assert np.isnan(y.numpy()[nan]).all()
        value, grad = np.where(nan, y.numpy(), value), np.where(nan, x.grad.numpy(), grad)
    rtol = 1e-7 if name == "hard_sigmoid" else 1e-8  # torch's hardsigmoid kernel uses a float32 1/6
    np.testing.assert_allclose(y.numpy(), value, rtol=rtol, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=rtol, atol=1e-12, equal_nan=True)
    zeros = value == 0  # signed zeros as Keras gives them (relu(-0.0) is -0.0 there)
    assert (np.signbit(y.numpy()[zeros]) == np.signbit(value[zeros])).all(), (ACTIVATION_POINTS[zeros],
                                                                              y.numpy()[zeros], value[zeros])


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "sigmoid",
                                  "hard_sigmoid", "tanh", "softplus", "softsign", "mish", "exponential", "celu",
                                  "hard_silu", "hard_tanh", "hard_shrink", "soft_shrink", "log_sigmoid",
                                  "sparse_plus", "sparse_sigmoid", "squareplus", "tanh_shrink", "sparsemax"])
def test_activations_never_hide_nan(name, backend):
    x = tg.tensor([np.nan, 1.0], dtype="float64", backend=backend)
    assert np.isnan(getattr(activations, name)(x).numpy()[0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_never_hides_nan(name, backend):
    x = tg.tensor([[np.nan, 1.0], [0.0, 1.0]], dtype="float64", backend=backend)
    out = getattr(activations, name)(x).numpy()
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0,), ()])
def test_reductions_of_a_rank0_tensor_match_torch(method, axis, backend):
    x = tg.tensor(2.5, dtype="float64", backend=backend, requires_grad=True)
    y = getattr(x, method)(axis=axis)
    y.backward()
    t = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    reference = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin}[method]
    ty = reference(t) if axis in (None, ()) else reference(t, dim=axis)
    ty.backward()
    assert y.shape == tuple(ty.shape) and y.item() == ty.item() and x.grad.item() == t.grad.item()


@pytest.mark.parametrize("axis", [1, -2, (0, -1)])
def test_reductions_of_a_rank0_tensor_refuse_other_axes(axis):
    with pytest.raises(ValueError, match="axis"):
        tg.tensor(2.5).sum(axis=axis)


# ------------------------------------------------------------------------------------------- layers
LAYER_INPUTS = {
    "constant feature": np.array([[1.0, 2.0], [1.0, -3.0], [1.0, 0.5]]),  # variance 0 in feature 0
    "nan": np.array([[np.nan, 2.0], [1.0, -3.0], [0.0, 0.5]]),
    "inf": np.array([[np.inf, 2.0], [1.0, -3.0], [0.0, 0.5]]),
    "zeros": np.array([[0.0, -0.0], [0.0, 0.0], [-0.0, 0.0]]),
    "empty batch": np.zeros((0, 2)),
}


@pytest.mark.parametrize("case", sorted(LAYER_INPUTS))
@pytest.mark.parametrize("name, kwargs", [("BatchNormalization", {"training": True}),
                                          ("BatchNormalization", {"training": False}),
                                          ("LayerNormalization", {})], ids=["bn-train", "bn-infer", "ln"])
def test_normalization_layers_at_special_points_match_keras(name, kwargs, case, backend):
    keras = _keras()
    data = LAYER_INPUTS[case]
    ours = getattr(layers, name)(dtype="float64")
    theirs = getattr(keras.layers, name)(dtype="float64")
    x = tg.tensor(data, dtype="float64", backend=backend, requires_grad=True)
    y = ours(x, **kwargs)
    y.sum().backward()
    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    ty = theirs(tx, **kwargs)
    ty.sum().backward()
    # Keras adds epsilon as a float32 constant (1e-3 is not exact in float32): agreement to ~1e-7, not 1e-15
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
    for mine, keras_weight in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, np.asarray(keras_weight), rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("value", [3.0, -0.0, np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_of_a_rank0_tensor_matches_keras(name, axis, value, backend):
    keras = _keras()
    x = tg.tensor(value, dtype="float64", backend=backend, requires_grad=True)
    y = getattr(activations, name)(x, axis=axis)
    y.backward()
    tx = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    ty = getattr(keras.activations, name)(tx, axis=axis)
    ty.backward()
    assert y.shape == tuple(ty.shape) == ()
    np.testing.assert_allclose([y.item(), x.grad.item()], [ty.item(), tx.grad.item()], rtol=1e-12, atol=1e-15,
                               equal_nan=True)


# ------------------------------------------------------------------------------------------- signed zeros
def _bits(t):
    return [(float(v), bool(np.signbit(v))) for v in np.ravel(t.numpy())]


def test_signed_zeros_of_the_ops_match_torch(backend):
    """The cases a tester found, against PyTorch on these (short) inputs."""
    cases = [
        (lambda m, x: m.relu(x), [[-0.0, 0.0]]),
        (lambda m, a, b: m.maximum(a, b), [[0.0], [-0.0]]),
        (lambda m, a, b: m.minimum(a, b), [[-0.0], [0.0]]),
        (lambda m, x: m.amax(x) if m is torch else x.max(), [[0.0, -0.0]]),
        (lambda m, x: m.amin(x) if m is torch else x.min(), [[-0.0, 0.0]]),
    ]
    for fn, args in cases:
        ours = fn(tg.ops, *[tg.tensor(a, dtype="float64", backend=backend) for a in args])
        theirs = fn(torch, *[torch.tensor(a, dtype=torch.float64) for a in args])
        assert _bits(ours) == [(float(v), bool(np.signbit(v))) for v in np.ravel(theirs.numpy())]


def test_zeros_are_ordered_as_ieee_754_2019_in_either_order(backend):
    """Hand-computed: -0.0 < 0.0, so a maximum is -0.0 only when every zero is, a minimum 0.0 only when none is."""
    def t(*values):
        return tg.tensor(list(values), dtype="float64", backend=backend)

    assert _bits(tg.ops.maximum(t(0.0, -0.0, -0.0, 0.0), t(-0.0, 0.0, -0.0, 0.0))) == \
        [(0.0, False), (0.0, False), (0.0, True), (0.0, False)]
    assert _bits(tg.ops.minimum(t(0.0, -0.0, -0.0, 0.0), t(-0.0, 0.0, -0.0, 0.0))) == \
        [(0.0, True), (0.0, True), (0.0, True), (0.0, False)]
    rows = tg.tensor([[-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0], [0.0, 0.0], [-0.0, -1.0]], dtype="float64",
                     backend=backend)
    assert _bits(rows.max(axis=1)) == [(0.0, False), (0.0, False), (0.0, True), (0.0, False), (0.0, True)]
    assert _bits(rows.min(axis=1)) == [(0.0, True), (0.0, True), (0.0, True), (0.0, False), (-1.0, True)]


@pytest.mark.parametrize("exponent", [0.5, -0.5, 1.5, 2.0, 3.0, -1.0, -2.0])
def test_a_number_exponent_at_signed_zeros_matches_torch(exponent, backend):
    x = tg.tensor([-0.0, 0.0, 4.0], dtype="float64", backend=backend, requires_grad=True)
    y = x**exponent
    y.sum().backward()
    tx = torch.tensor([-0.0, 0.0, 4.0], dtype=torch.float64, requires_grad=True)
    ty = tx**exponent
    ty.sum().backward()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(np.signbit(y.numpy()), np.signbit(ty.detach().numpy()))
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(np.signbit(x.grad.numpy()), np.signbit(tx.grad.numpy()))


def test_sqrt_and_half_power_agree_at_minus_zero(backend):
    grads = []
    for fn in (lambda t: t.sqrt(), lambda t: t**0.5):
        x = tg.tensor([-0.0], dtype="float64", backend=backend, requires_grad=True)
        fn(x).sum().backward()
        grads.append(x.grad.item())
    assert grads == [-np.inf, -np.inf]


def test_check_special_points_tells_the_zeros_apart():
    from tinygradconv.checks import _compare

    assert _compare("x", np.array([-0.0]), np.array([0.0]), 1e-9, 1e-12) is not None
    assert _compare("x", np.array([0.0, -0.0]), np.array([0.0, -0.0]), 1e-9, 1e-12) is None


@pytest.mark.filterwarnings("error")
def test_ieee_special_results_print_no_warning_like_torch(backend):
    x = tg.tensor([0.0, -1.0, 2.0], dtype="float64", backend=backend, requires_grad=True)
    y = (x**-1.0).sum() + x.sqrt().sum() + x.log().sum() + (1.0 / x).sum() + x.log1p().sum() + (x**0.5).sum()
    y.backward()  # inf, nan and -inf on the way, silently (torch prints nothing either)
    assert np.isnan(y.item()) and x.grad is not None
    specials = tg.tensor([np.nan, -np.inf, -np.inf, 1e300], dtype="float64", backend=backend, requires_grad=True)
    results = [specials.max(), specials.min(), tg.tensor(np.zeros((0, 3)), backend=backend).mean(axis=0),
               activations.log_softmax(specials[1:3]), activations.softmax(specials), specials.exp(),
               specials.astype("float32"), tg.ops.nn.softplus(specials)]
    sum(r.sum() for r in results if r.requires_grad).backward()
    assert np.isnan(results[2].numpy()).all()
    z = tg.tensor([0.0], dtype="float64", backend=backend, requires_grad=True)
    (z**-1.0).sum().backward()  # d/dz = -inf
    z.sqrt().sum().backward()  # + inf, accumulated into z.grad: NaN, silently
    assert np.isnan(z.grad.item())


@pytest.mark.filterwarnings("error")
def test_inf_minus_inf_zero_times_inf_and_overflow_print_no_warning_like_torch(backend):
    """The ops that give NaN or inf only from special inputs (``+ - *``, matmul, sums, float16 overflow), and the
    activations built from them, print no RuntimeWarning either (found by a tester; torch prints none)."""
    inf = tg.tensor([np.inf, -np.inf], dtype="float64", backend=backend, requires_grad=True)
    zero = tg.tensor([0.0, 0.0], dtype="float64", backend=backend)
    ones = tg.tensor([1.0, 1.0], dtype="float64", backend=backend)
    results = [inf - inf, inf + inf[::-1], zero * inf, inf @ ones, inf.sum(), inf.mean(),
               activations.silu(inf), activations.gelu(inf), activations.mish(inf)]
    sum(r.sum() for r in results).backward()
    assert [np.isnan(r.numpy()).all() for r in results[:6]] == [True] * 6
    if backend != "array_api_strict":                 # the Array API has no float16
        half = tg.tensor(np.array([60000.0], "float16"), backend=backend)
        assert np.isinf((half * 2).numpy()).all() and np.isinf((half + 1e5).numpy()).all()
        assert np.isinf(tg.tensor([1e5], dtype="float16", backend=backend).numpy()).all()
    # numbers beyond float32's range become inf when they are made float32, as in torch.tensor([1e39])
    one = tg.tensor([1.0], dtype="float32", backend=backend)
    assert np.isinf((one * 1e39).numpy()).all() and np.isinf((one * 10**40).numpy()).all()
    assert np.isinf(tg.tensor([1e39], dtype="float32", backend=backend).numpy()).all()


def test_integers_to_negative_integer_powers_are_refused_like_torch():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        torch.tensor([0, 2]) ** -1
    for exponent in (-1, np.array([1, -2])):
        with pytest.raises(ValueError, match="integers to negative integer powers are not allowed"):
            tg.tensor(np.array([0, 2]), dtype="int64") ** exponent
    assert (tg.tensor(np.array([3, 2]), dtype="int64") ** 2).tolist() == [9, 4]


@pytest.mark.parametrize("length", [1, 8, 17, 64])
@pytest.mark.parametrize("name", ["relu6", "relu_max_value_6"])
def test_relu6_gradient_at_nan_is_0_whatever_the_length(name, length):
    # docs/special_points.md: PyTorch gives 1 (scalar kernel) or 0 (vectorised kernel) by position; we always give 0.
    def fn(x):
        return activations.relu6(x) if name == "relu6" else activations.relu(x, max_value=6.0)

    x = tg.tensor(np.full(length, np.nan), dtype="float32", requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert np.isnan(y.numpy()).all()  # the NaN itself is never hidden
    assert x.grad.numpy().tolist() == [0.0] * length
    t = torch.full((64,), float("nan"), requires_grad=True)
    F.relu6(t).sum().backward()
    assert 0.0 in t.grad.tolist()  # the convention is PyTorch's vectorised kernel's answer


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("nope",), {}, ValueError, "no op named 'nope' is registered. Registered ops: "),
    ((5,), {}, TypeError, "`name` must be a registered op's name (a string). Received name=5 of type int"),
    (("add",), {"reference": 5}, TypeError, "`reference` must be a function of a sample"),
    (("add",), {"reference": lambda sample: None}, TypeError, "`reference` must return a pair (output, grads)"),
    (("add",), {"rtol": "a"}, TypeError, "Invalid type for argument `rtol`"),
    (("add",), {"atol": -1.0}, ValueError, "Invalid value for argument `atol`. Expected a finite number >= 0"),
])
def test_check_special_points_refuses_bad_arguments_naming_them(args, kwargs, error, words):
    """A tester's inputs: an unknown name gave a bare KeyError, a non-callable reference "'int' object is not
    callable", a reference returning None "Value after * must be an iterable", and rtol='a' or -1 were taken."""
    with pytest.raises(error) as info:
        check_special_points(*args, **kwargs)
    assert str(info.value).startswith("check_special_points: ") and words in str(info.value), info.value
