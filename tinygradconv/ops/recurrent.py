r"""The loops of the recurrent layers, one op each: :class:`SimpleRNNSequence` (``simple_rnn_sequence``),
:class:`LSTMSequence` (``lstm_sequence``) and :class:`GRUSequence` (``gru_sequence``) run a cell over every step
of a sequence in ``forward`` and back over every step in ``backward`` (backpropagation through time), with Keras 3's
gate order and masking rules.

Why one op for the whole loop: written with the element-wise ops (``matmul``, ``sigmoid``, ``tanh``, ``split``,
``where``...), an LSTM step is about 35 nodes of the graph, each a Python call forward and backward on a
``(batch, units)`` array; a sequence of 100 steps is 3,500 nodes, and the time goes into the calls, not the
arithmetic. PyTorch's ``nn.LSTM`` is likewise one op (``aten::lstm``), where a Python loop over ``nn.LSTMCell`` is
one op per step. Here ``forward`` is a Python loop over the steps only (each step a few NumPy calls on whole
``(batch, units)`` arrays), keeping what ``backward`` needs in arrays of every step, and ``backward`` walks the
steps last to first, then makes the recurrent kernel's gradient with one matrix product over all the steps at once.
The layers keep the op-by-op loop too (``unroll=True``, and the configurations these ops do not serve: see
:mod:`tinygradconv.layers.recurrent`), and the tests check each op against that loop and against PyTorch.

What each op takes (arrays of one float dtype):

- ``projected``: ``(batch, steps, gates * units)``, the input part of every step, :math:`x_t W + b` (the layer
  computes it with one ``matmul`` over the whole sequence, input dropout included);
- ``recurrent_kernel`` :math:`U`: ``(units, gates * units)``, gates in Keras' order (LSTM: i, f, c, o; GRU: z, r,
  h);
- the initial states, each ``(batch, units)``: :math:`h_0` (and :math:`c_0` for the LSTM);
- ``keep`` (optional, bools ``(batch, steps)``): Keras' mask. Where it is False the step is skipped: the states
  are carried over unchanged, and the output is the previous step's output (zeros before the first, or always
  zeros with ``zero_output_for_mask=True``), as Keras 3 on torch;
- ``recurrent_masks`` (optional, constants ``(gates, batch, units)``): recurrent dropout, Keras' form: gate ``g``
  reads :math:`h \odot m_g` instead of :math:`h`.

Each returns one array ``(batch, steps + states, units)``: the output of every step in the order the steps were
read (last step first with ``go_backwards=True``, as Keras' ``return_sequences`` gives them), then the last states
(:math:`h_T`; :math:`h_T, c_T` for the LSTM). The layer slices it.

Backpropagation through time, the rule every ``backward`` follows: walking the steps last to first, the gradient
reaching the state :math:`h_t` is what the loss sends it directly (as an output) plus what step :math:`t + 1`
sends back through :math:`h_t U`; each step turns it into the gradient of its gates' pre-activations
:math:`\delta z_t` (the gradient of ``projected[:, t]``) and sends :math:`\delta z_t U^\top` on to
:math:`h_{t-1}`. The recurrent kernel is used at every step, so its gradient is the sum
:math:`\sum_t h_{t-1}^\top \delta z_t`, one matrix product of the stacked :math:`h_{t-1}` and :math:`\delta z_t`.
A masked step passes the state's gradient on unchanged, and its output's gradient to the previous output.

The activations: ``"tanh"``, ``"sigmoid"``, ``"relu"`` or ``"linear"``, each with its derivative written from its
output :math:`y`: :math:`1 - y^2`, :math:`y (1 - y)`, 0 where :math:`y \le 0` (1 at NaN, as the ``relu`` op), 1.
The sigmoid is :math:`1 / (1 + e^{-z})`, four passes over the array where the ``sigmoid`` op's overflow-free
formula (:func:`~tinygradconv.ops.elementwise.stable_sigmoid`) takes eight (measured four times slower on a
``(32, 256)`` float32 array): within 2 ulps of it, and 0 where :math:`e^{-z}` overflows (:math:`z < -88.7` in
float32, where the sigmoid is below :math:`3 \cdot 10^{-39}`).

>>> import numpy as np
>>> import tinygradconv as tg
>>> rng = np.random.default_rng(0)
>>> projected = tg.tensor(rng.standard_normal((2, 5, 4 * 3)), requires_grad=True)   # batch 2, 5 steps, 3 units
>>> kernel = tg.tensor(rng.standard_normal((3, 4 * 3)), requires_grad=True)
>>> h0, c0 = tg.tensor(np.zeros((2, 3))), tg.tensor(np.zeros((2, 3)))
>>> out = LSTMSequence.apply(projected, kernel, h0, c0)
>>> out.shape                                        # 5 outputs, then h and c
(2, 7, 3)
>>> bool((out[:, 4] == out[:, 5]).all())             # the last output is the last h
True
>>> out.sum().backward()
>>> projected.grad.shape, kernel.grad.shape
((2, 5, 12), (3, 12))

Source: the equations of Keras 3's cells (``keras/src/layers/rnn/lstm.py``, ``gru.py``, ``simple_rnn.py``) and
its masked loop (``keras/src/backend/torch/rnn.py``); PyTorch's ``nn.LSTM``/``nn.GRU`` docs for the same maths.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..validation import flag

__all__ = ["ACTIVATIONS", "GRUSequence", "LSTMSequence", "SimpleRNNSequence"]


# ------------------------------------------------------------------------------------------------ activations
def _tanh(xp, z):
    return xp.tanh(z)


def _sigmoid(xp, z):
    return 1.0 / (1.0 + xp.exp(-z))     # exp overflows to inf for z below about -88 (float32): the result is 0


def _relu(xp, z):
    return xp.where(z < 0, 0.0, z)      # the relu op's formula: -0.0 and NaN stay


def _linear(xp, z):
    return z


def _tanh_back(xp, grad, y):
    return grad * (1.0 - y * y)


def _sigmoid_back(xp, grad, y):
    return grad * y * (1.0 - y)


def _relu_back(xp, grad, y):
    return xp.where(y <= 0, 0.0, grad)      # y <= 0 exactly where the input was (NaN passes: 1, as the relu op)


def _linear_back(xp, grad, y):
    return grad


#: The activations the ops compute: each name with ``(function(xp, z), backward(xp, grad, y))``, the backward
#: written from the activation's output ``y``.
ACTIVATIONS = {"tanh": (_tanh, _tanh_back), "sigmoid": (_sigmoid, _sigmoid_back),
               "relu": (_relu, _relu_back), "linear": (_linear, _linear_back)}


def _activation(value, name):
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise (ValueError if isinstance(value, str) else TypeError)(
            f"Invalid value for argument `{name}`. Expected one of {sorted(ACTIVATIONS)} (a name). Received "
            f"{name}={value!r}")
    return ACTIVATIONS[value]


# ------------------------------------------------------------------------------------------------ shared parts
def _check(ctx, op, projected, kernel, states, keep, masks, gates):
    """The shapes and dtypes of the inputs, checked before anything is computed; ``units``."""
    xp = ctx.xp
    if projected.ndim != 3 or kernel.ndim != 2:
        raise ValueError(f"{op}: expected `projected` of shape (batch, steps, gates * units) and `recurrent_kernel` "
                         f"of shape (units, gates * units). Received shapes {tuple(projected.shape)} and "
                         f"{tuple(kernel.shape)}")
    batch, steps, width = projected.shape
    units = kernel.shape[0]
    if tuple(kernel.shape) != (units, gates * units) or width != gates * units:
        raise ValueError(f"{op}: expected `recurrent_kernel` of shape (units, {gates} * units) and `projected` of "
                         f"{gates} * units columns. Received shapes {tuple(kernel.shape)} and "
                         f"{tuple(projected.shape)}")
    for array in (kernel, *states, *([] if masks is None else [masks])):
        if array.dtype != projected.dtype:
            raise TypeError(f"{op}: every input must have the dtype of `projected` ({dtype_name(projected.dtype)}). "
                            f"Received {dtype_name(array.dtype)}")
    if not xp.isdtype(projected.dtype, "real floating"):
        raise TypeError(f"{op}: expected float inputs. Received `projected` of dtype {dtype_name(projected.dtype)}")
    for state in states:
        if tuple(state.shape) != (batch, units):
            raise ValueError(f"{op}: expected each initial state of shape (batch, units) = {(batch, units)}. "
                             f"Received {tuple(state.shape)}")
    if keep is not None and (keep.dtype != xp.bool or tuple(keep.shape) != (batch, steps)):
        raise ValueError(f"{op}: expected `keep` to be bools of shape (batch, steps) = {(batch, steps)}. Received "
                         f"{dtype_name(keep.dtype)} of shape {tuple(keep.shape)}")
    if masks is not None and tuple(masks.shape) != (gates, batch, units):
        raise ValueError(f"{op}: expected `recurrent_masks` of shape (gates, batch, units) = "
                         f"{(gates, batch, units)}. Received {tuple(masks.shape)}")
    first = 2 + len(states) + (op == "gru_sequence")        # where `keep` is among the inputs
    if any(ctx.needs_input_grad[first:first + 2]):
        raise ValueError(f"{op}: `keep` and `recurrent_masks` are constants; received one that requires a gradient "
                         f"(detach it)")
    return units


def _recurrent(xp, h, kernel, masks, units):
    """:math:`h U`, or with recurrent dropout each gate's block :math:`(h \\odot m_g) U_g`."""
    if masks is None:
        return h @ kernel
    return xp.concat([(h * masks[g, ...]) @ kernel[:, g * units:(g + 1) * units] for g in range(masks.shape[0])],
                     axis=1)


def _recurrent_back(xp, grad, kernel_t, masks, units):
    """The gradient of :func:`_recurrent` for ``h``: :math:`\\delta z U^\\top`, or :math:`\\sum_g (\\delta z_g
    U_g^\\top) \\odot m_g`. ``kernel_t``: :math:`U^\\top`, transposed once per backward pass (not at every step:
    ``xp.matrix_transpose`` costs more than the product of a small step)."""
    if masks is None:
        return grad @ kernel_t
    total = None
    for g in range(masks.shape[0]):
        block = slice(g * units, (g + 1) * units)
        part = (grad[:, block] @ kernel_t[block, :]) * masks[g, ...]
        total = part if total is None else total + part
    return total


def _kernel_gradient(xp, left, delta, masks, units):
    """:math:`\\sum_t h_{t-1}^\\top \\delta z_t` as one product: ``left`` ``(batch, steps, units)`` holds every
    step's :math:`h_{t-1}`, ``delta`` ``(batch, steps, gates * units)`` every step's :math:`\\delta z_t`; with
    recurrent dropout, gate ``g``'s block reads :math:`h_{t-1} \\odot m_g`."""
    batch, steps, width = delta.shape
    rows = batch * steps
    flat_delta = xp.reshape(delta, (rows, width))
    if masks is None:
        return xp.matrix_transpose(xp.reshape(left, (rows, units))) @ flat_delta
    blocks = []
    for g in range(masks.shape[0]):
        masked = xp.reshape(left * xp.expand_dims(masks[g, ...], axis=1), (rows, units))
        blocks.append(xp.matrix_transpose(masked) @ flat_delta[:, g * units:(g + 1) * units])
    return xp.concat(blocks, axis=1)


def _run(ctx, projected, states, keep, go_backwards, zero_output_for_mask, step):
    """The forward loop every op shares: ``step(t, x_t, states)`` gives the new states (the output first); the
    mask carries the states over a skipped step. Returns ``(batch, steps + len(states), units)``."""
    xp = ctx.xp
    batch, steps, _ = projected.shape
    units = states[0].shape[1]
    result = xp.empty((batch, steps + len(states), units), dtype=projected.dtype)
    previous = xp.zeros((batch, units), dtype=projected.dtype)
    for i, t in enumerate(_order(steps, go_backwards)):
        new = step(t, projected[:, t, :], states)
        if keep is None:
            states, output = new, new[0]
        else:
            kept = xp.expand_dims(keep[:, t], axis=1)
            states = [xp.where(kept, n, s) for n, s in zip(new, states)]
            output = xp.where(kept, new[0], 0.0 if zero_output_for_mask else previous)
            previous = output
        result[:, i, :] = output
    for j, state in enumerate(states):
        result[:, steps + j, :] = state
    return result


def _run_back(ctx, grad, state_count, keep, go_backwards, zero_output_for_mask, step_back):
    """The backward loop every op shares, last step read first: ``step_back(t, d_new)`` takes the gradients of a
    step's new states and returns those of its old ones. Returns the gradients of the initial states."""
    xp = ctx.xp
    steps = grad.shape[1] - state_count
    d_states = [grad[:, steps + j, :] for j in range(state_count)]      # what the loss sends the last states
    carried = None          # a skipped step's output is the previous output: its gradient goes there
    order = _order(steps, go_backwards)
    for i in range(steps - 1, -1, -1):
        t = order[i]
        d_output = grad[:, i, :] if carried is None else grad[:, i, :] + carried
        if keep is None:
            d_new = [d_states[0] + d_output, *d_states[1:]]
            d_old = step_back(t, d_new)
        else:
            kept = xp.expand_dims(keep[:, t], axis=1)
            d_new = [xp.where(kept, d_states[0] + d_output, 0.0), *(xp.where(kept, d, 0.0) for d in d_states[1:])]
            d_old = [a + xp.where(kept, 0.0, d) for a, d in zip(step_back(t, d_new), d_states)]
            carried = None if zero_output_for_mask else xp.where(kept, 0.0, d_output)
        d_states = d_old
    return d_states


def _order(steps, go_backwards):
    return list(range(steps - 1, -1, -1)) if go_backwards else list(range(steps))


def _attributes(go_backwards, zero_output_for_mask):
    return flag(go_backwards, "go_backwards"), flag(zero_output_for_mask, "zero_output_for_mask")


# ------------------------------------------------------------------------------------------------ samples
def _samples(kind):
    """Gradient-check samples of one op: plain, masked (both output rules), reversed, recurrent dropout, and the
    other activations; batch 2, 3 steps, 2 units."""
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    states = 2 if kind == "lstm" else 1

    def make(rng):
        n = rng.standard_normal
        keep = np.array([[True, False, True], [False, True, True]])
        masks = (rng.random((gates, 2, 2)) > 0.3) / 0.7
        states_ = [0.5 * n((2, 2)) for _ in range(states)]
        extra = [0.5 * n(3 * 2)] if kind == "gru" else []         # the GRU's recurrent bias

        def sample(*optional, **kwargs):
            bias = [None] if kind == "gru" and kwargs.get("reset_after") is False else extra
            return Sample((n((2, 3, gates * 2)), 0.5 * n((2, gates * 2)), *states_, *bias, *optional), kwargs,
                          constant=(len(states_) + 2 + len(extra) + 1,))      # the recurrent masks

        samples = [sample(None, None), sample(keep, None), sample(keep, None, zero_output_for_mask=True),
                   sample(None, None, go_backwards=True), sample(keep, masks, go_backwards=True),
                   sample(None, masks)]
        if kind == "simple_rnn":
            samples += [sample(None, None, activation="relu"), sample(keep, None, activation="linear")]
        else:
            samples += [sample(None, None, activation="relu", recurrent_activation="tanh")]
        if kind == "gru":
            samples += [sample(keep, masks, reset_after=False), sample(None, None, reset_after=False)]
            samples.append(Sample(samples[0].args[:3] + (None,)))     # no recurrent bias (use_bias=False)
        return samples

    return make


def _special_points(kind):
    """NaN, +-inf and both zeros in the inputs (they spread through the matrix products, as in PyTorch), the
    saturated gates at +-inf, a batch of 0 and a sequence of 0 steps (only the states come out)."""
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    states = 2 if kind == "lstm" else 1

    def make(rng):
        n = rng.standard_normal
        special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5])
        width = gates * 2
        extra = [np.zeros(width)] if kind == "gru" else []
        zeros = [np.zeros((2, 2)) for _ in range(states)]
        saturated = np.resize(np.array([np.inf, -np.inf, 0.0, -0.0]), (2, 2, width))
        # (a batch of 2: with one sample, PyTorch's kernel gradient, a sum of outer products, keeps -0.0 where a
        # matrix product over the steps, here, starts its sums at +0.0)
        return [Sample((np.resize(special, (2, 1, width)), np.zeros((2, width)), *zeros, *extra)),
                Sample((saturated, np.zeros((2, width)), *zeros, *extra)),
                Sample((0.5 * n((1, 2, width)), 0.5 * n((2, width)), *[np.full((1, 2), -0.0)] * states, *extra)),
                Sample((np.zeros((0, 2, width)), n((2, width)), *[np.zeros((0, 2))] * states, *extra)),
                Sample((np.zeros((1, 0, width)), n((2, width)), *[n((1, 2)) for _ in range(states)], *extra))]

    return make


# ------------------------------------------------------------------------------------------------ the ops
@register_op("simple_rnn_sequence", samples=_samples("simple_rnn"), special_points=_special_points("simple_rnn"))
class SimpleRNNSequence(Function):
    r"""Keras' ``SimpleRNN`` loop: :math:`h_t = a(p_t + h_{t-1} U)` (:math:`p_t`: ``projected[:, t]``,
    :math:`a`: ``activation``).

    Backward, with :math:`\delta h_t` the gradient reaching :math:`h_t`: :math:`\delta z_t = \delta h_t \odot
    a'(h_t)` (the gradient of :math:`p_t`), :math:`\delta h_{t-1} \mathrel{+}= \delta z_t U^\top`,
    :math:`\delta U = \sum_t h_{t-1}^\top \delta z_t`.

    ``apply(projected, recurrent_kernel, h0, keep=None, recurrent_masks=None, *, activation="tanh",
    go_backwards=False, zero_output_for_mask=False)``: the shapes and the result as in the module's docstring (one
    gate).
    """

    @staticmethod
    def forward(ctx, projected, recurrent_kernel, h0, keep=None, recurrent_masks=None, *, activation="tanh",
                go_backwards=False, zero_output_for_mask=False):
        act, act_back = _activation(activation, "activation")
        go_backwards, zero_output_for_mask = _attributes(go_backwards, zero_output_for_mask)
        units = _check(ctx, "simple_rnn_sequence", projected, recurrent_kernel, [h0], keep, recurrent_masks, 1)
        xp, kernel, masks = ctx.xp, recurrent_kernel, recurrent_masks
        batch, steps, _ = projected.shape
        before = xp.empty((batch, steps, units), dtype=projected.dtype)     # h_{t-1}, by step
        after = xp.empty((batch, steps, units), dtype=projected.dtype)      # h_t (before the mask), by step

        def step(t, p, states):
            before[:, t, :] = states[0]
            h = act(xp, p + _recurrent(xp, states[0], kernel, masks, units))
            after[:, t, :] = h
            return [h]

        result = _run(ctx, projected, [h0], keep, go_backwards, zero_output_for_mask, step)
        ctx.save_for_backward(kernel, keep, masks, before, after)
        ctx.settings = (act_back, go_backwards, zero_output_for_mask, units)
        return result

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        kernel, keep, masks, before, after = ctx.saved_tensors
        act_back, go_backwards, zero_output_for_mask, units = ctx.settings
        delta = xp.zeros(after.shape, dtype=after.dtype)                    # dL/dprojected
        kernel_t = xp.matrix_transpose(kernel)

        def step_back(t, d_new):
            d_z = act_back(xp, d_new[0], after[:, t, :])
            delta[:, t, :] = d_z
            return [_recurrent_back(xp, d_z, kernel_t, masks, units)]

        (d_h0,) = _run_back(ctx, grad, 1, keep, go_backwards, zero_output_for_mask, step_back)
        d_kernel = _kernel_gradient(xp, before, delta, masks, units) if ctx.needs_input_grad[1] else None
        return delta, d_kernel, d_h0, None, None


@register_op("lstm_sequence", samples=_samples("lstm"), special_points=_special_points("lstm"))
class LSTMSequence(Function):
    r"""Keras' ``LSTM`` loop, gates i, f, c, o (:math:`\sigma`: ``recurrent_activation``, :math:`a`:
    ``activation``):

    .. math::
        [z_i, z_f, z_c, z_o] = p_t + h_{t-1} U,\quad i = \sigma(z_i),\ f = \sigma(z_f),\ g = a(z_c),\
        o = \sigma(z_o),\quad c_t = f \odot c_{t-1} + i \odot g,\quad h_t = o \odot a(c_t)

    Backward, from the gradients :math:`\delta h_t, \delta c_t` reaching step :math:`t`'s states:

    .. math::
        \delta o = \delta h_t \odot a(c_t),\quad
        \delta c = \delta c_t + \delta h_t \odot o \odot a'(c_t),\quad
        \delta i = \delta c \odot g,\ \delta f = \delta c \odot c_{t-1},\ \delta g = \delta c \odot i,\\
        \delta z = [\delta i\, \sigma'_i, \delta f\, \sigma'_f, \delta g\, a'_g, \delta o\, \sigma'_o],\quad
        \delta c_{t-1} = \delta c \odot f,\quad \delta h_{t-1} = \delta z\, U^\top

    (each derivative written from the activation's output) and :math:`\delta U = \sum_t h_{t-1}^\top \delta z_t`.

    ``apply(projected, recurrent_kernel, h0, c0, keep=None, recurrent_masks=None, *, activation="tanh",
    recurrent_activation="sigmoid", go_backwards=False, zero_output_for_mask=False)``: the result holds every
    step's :math:`h_t`, then :math:`h_T` and :math:`c_T`.
    """

    @staticmethod
    def forward(ctx, projected, recurrent_kernel, h0, c0, keep=None, recurrent_masks=None, *, activation="tanh",
                recurrent_activation="sigmoid", go_backwards=False, zero_output_for_mask=False):
        act, act_back = _activation(activation, "activation")
        gate, gate_back = _activation(recurrent_activation, "recurrent_activation")
        go_backwards, zero_output_for_mask = _attributes(go_backwards, zero_output_for_mask)
        units = _check(ctx, "lstm_sequence", projected, recurrent_kernel, [h0, c0], keep, recurrent_masks, 4)
        xp, kernel, masks = ctx.xp, recurrent_kernel, recurrent_masks
        batch, steps, width = projected.shape
        u = units

        def buffer(size):
            return xp.empty((batch, steps, size), dtype=projected.dtype)

        h_before, c_before, gates, cell_in, cell_out = buffer(u), buffer(u), buffer(width), buffer(u), buffer(u)

        def step(t, p, states):
            h, c = states
            z = p + _recurrent(xp, h, kernel, masks, u)
            s = gate(xp, z)                         # i, f and o (the c block of s is not used)
            g = act(xp, z[:, 2 * u:3 * u])
            c_new = s[:, u:2 * u] * c + s[:, :u] * g
            a = act(xp, c_new)
            h_before[:, t, :], c_before[:, t, :], gates[:, t, :], cell_in[:, t, :], cell_out[:, t, :] = h, c, s, g, a
            return [s[:, 3 * u:] * a, c_new]

        result = _run(ctx, projected, [h0, c0], keep, go_backwards, zero_output_for_mask, step)
        ctx.save_for_backward(kernel, keep, masks, h_before, c_before, gates, cell_in, cell_out)
        ctx.settings = (act_back, gate_back, go_backwards, zero_output_for_mask, units)
        return result

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        kernel, keep, masks, h_before, c_before, gates, cell_in, cell_out = ctx.saved_tensors
        act_back, gate_back, go_backwards, zero_output_for_mask, u = ctx.settings
        delta = xp.zeros(gates.shape, dtype=gates.dtype)
        kernel_t = xp.matrix_transpose(kernel)

        def step_back(t, d_new):
            d_h, d_c = d_new
            s, g, a = gates[:, t, :], cell_in[:, t, :], cell_out[:, t, :]
            i, f, o = s[:, :u], s[:, u:2 * u], s[:, 3 * u:]
            d_o = d_h * a
            d_c = d_c + act_back(xp, d_h * o, a)
            d_z = xp.concat([gate_back(xp, d_c * g, i), gate_back(xp, d_c * c_before[:, t, :], f),
                             act_back(xp, d_c * i, g), gate_back(xp, d_o, o)], axis=1)
            delta[:, t, :] = d_z
            return [_recurrent_back(xp, d_z, kernel_t, masks, u), d_c * f]

        d_h0, d_c0 = _run_back(ctx, grad, 2, keep, go_backwards, zero_output_for_mask, step_back)
        d_kernel = _kernel_gradient(xp, h_before, delta, masks, u) if ctx.needs_input_grad[1] else None
        return delta, d_kernel, d_h0, d_c0, None, None


@register_op("gru_sequence", samples=_samples("gru"), special_points=_special_points("gru"))
class GRUSequence(Function):
    r"""Keras' ``GRU`` loop, gates z, r, h (:math:`\sigma`: ``recurrent_activation``, :math:`a`: ``activation``;
    :math:`b'`: ``recurrent_bias``, zeros when None). With ``reset_after=True`` (Keras' default, PyTorch's form):

    .. math::
        [x_z, x_r, x_h] = p_t,\quad [r_z, r_r, r_h] = h_{t-1} U + b',\quad z = \sigma(x_z + r_z),\
        r = \sigma(x_r + r_r),\quad \tilde h = a(x_h + r \odot r_h),\quad h_t = z \odot h_{t-1} + (1 - z) \odot
        \tilde h

    With ``reset_after=False`` (``recurrent_bias`` must be None: Keras' one bias is in ``projected``):
    :math:`\tilde h = a(x_h + (r \odot h_{t-1}) U_h)`, :math:`z, r` from :math:`h_{t-1} [U_z, U_r]`.

    Backward, from the gradient :math:`\delta h_t` reaching :math:`h_t`: :math:`\delta z = \delta h_t \odot
    (h_{t-1} - \tilde h)`, :math:`\delta \tilde z_h = \delta h_t \odot (1 - z) \odot a'(\tilde h)` (the gradient
    of :math:`x_h`), :math:`\delta h_{t-1} \mathrel{+}= \delta h_t \odot z`; after the reset: :math:`\delta r =
    \delta \tilde z_h \odot r_h` and :math:`\delta r_h = \delta \tilde z_h \odot r` (``reset_after=True``), or
    :math:`\delta (r \odot h_{t-1}) = \delta \tilde z_h U_h^\top` (``False``); then through :math:`\sigma` and
    :math:`U^\top` as the LSTM's gates. :math:`\delta U = \sum_t h_{t-1}^\top \delta [r_z, r_r, r_h]` (with
    ``reset_after=False`` the h block is :math:`\sum_t (r \odot h_{t-1})^\top \delta \tilde z_h`) and
    :math:`\delta b' = \sum_t \delta [r_z, r_r, r_h]` over the batch.

    ``apply(projected, recurrent_kernel, h0, recurrent_bias=None, keep=None, recurrent_masks=None, *,
    activation="tanh", recurrent_activation="sigmoid", reset_after=True, go_backwards=False,
    zero_output_for_mask=False)``: ``recurrent_bias`` ``(3 * units,)``.
    """

    @staticmethod
    def forward(ctx, projected, recurrent_kernel, h0, recurrent_bias=None, keep=None, recurrent_masks=None, *,
                activation="tanh", recurrent_activation="sigmoid", reset_after=True, go_backwards=False,
                zero_output_for_mask=False):
        act, act_back = _activation(activation, "activation")
        gate, gate_back = _activation(recurrent_activation, "recurrent_activation")
        reset_after = flag(reset_after, "reset_after")
        go_backwards, zero_output_for_mask = _attributes(go_backwards, zero_output_for_mask)
        op = "gru_sequence"
        units = _check(ctx, op, projected, recurrent_kernel, [h0], keep, recurrent_masks, 3)
        u, xp, kernel, masks, bias = units, ctx.xp, recurrent_kernel, recurrent_masks, recurrent_bias
        if bias is not None and (tuple(bias.shape) != (3 * u,) or bias.dtype != projected.dtype):
            raise ValueError(f"{op}: expected `recurrent_bias` of shape (3 * units,) = {(3 * u,)} and dtype "
                             f"{dtype_name(projected.dtype)}. Received {tuple(bias.shape)}, {dtype_name(bias.dtype)}")
        if bias is not None and not reset_after:
            raise ValueError(f"{op}: `recurrent_bias` is for reset_after=True only (with reset_after=False Keras' "
                             f"one bias is part of `projected`). Received a bias and reset_after=False")
        batch, steps, _ = projected.shape

        def buffer(size):
            return xp.empty((batch, steps, size), dtype=projected.dtype)

        # by step: h_{t-1}, [z, r], the candidate, and r_h (reset_after) or r * h_{t-1} (not)
        h_before, gates, candidates, inner = buffer(u), buffer(2 * u), buffer(u), buffer(u)

        def step(t, p, states):
            h = states[0]
            if reset_after:
                recurrent = _recurrent(xp, h, kernel, masks, u)
                if bias is not None:
                    recurrent = recurrent + bias
                s = gate(xp, p[:, :2 * u] + recurrent[:, :2 * u])
                reset_part = recurrent[:, 2 * u:]                   # r_h
                candidate = act(xp, p[:, 2 * u:] + s[:, u:] * reset_part)
            else:
                s = gate(xp, p[:, :2 * u] + _recurrent(xp, h, kernel[:, :2 * u], None if masks is None
                                                       else masks[:2, ...], u))
                reset_part = s[:, u:] * (h if masks is None else h * masks[2, ...])      # r * h_{t-1}
                candidate = act(xp, p[:, 2 * u:] + reset_part @ kernel[:, 2 * u:])
            z = s[:, :u]
            h_before[:, t, :], gates[:, t, :], candidates[:, t, :], inner[:, t, :] = h, s, candidate, reset_part
            return [z * h + (1 - z) * candidate]

        result = _run(ctx, projected, [h0], keep, go_backwards, zero_output_for_mask, step)
        ctx.save_for_backward(kernel, keep, masks, h_before, gates, candidates, inner)
        ctx.settings = (act_back, gate_back, reset_after, go_backwards, zero_output_for_mask, units)
        return result

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        kernel, keep, masks, h_before, gates, candidates, inner = ctx.saved_tensors
        act_back, gate_back, reset_after, go_backwards, zero_output_for_mask, u = ctx.settings
        delta = xp.zeros((*gates.shape[:2], 3 * u), dtype=gates.dtype)            # dL/dprojected
        d_inner = xp.zeros(delta.shape, dtype=gates.dtype) if reset_after else None  # dL/d(h U + b')
        kernel_t = xp.matrix_transpose(kernel)                  # U^T: (3 * units, units)

        def step_back(t, d_new):
            d_h = d_new[0]
            h, s, candidate, reset_part = h_before[:, t, :], gates[:, t, :], candidates[:, t, :], inner[:, t, :]
            z, r = s[:, :u], s[:, u:]
            d_x_h = act_back(xp, d_h * (1 - z), candidate)
            d_h_old = d_h * z
            if reset_after:
                d_zr = xp.concat([gate_back(xp, d_h * (h - candidate), z), gate_back(xp, d_x_h * reset_part, r)],
                                 axis=1)
                d_recurrent = xp.concat([d_zr, d_x_h * r], axis=1)
                d_inner[:, t, :] = d_recurrent
                d_h_old = d_h_old + _recurrent_back(xp, d_recurrent, kernel_t, masks, u)
            else:
                d_reset_part = d_x_h @ kernel_t[2 * u:, :]           # d(r * h_{t-1}), h_{t-1} masked
                h_masked = h if masks is None else h * masks[2, ...]
                d_zr = xp.concat([gate_back(xp, d_h * (h - candidate), z), gate_back(xp, d_reset_part * h_masked, r)],
                                 axis=1)
                d_through_reset = d_reset_part * r
                d_h_old = d_h_old + (d_through_reset if masks is None else d_through_reset * masks[2, ...])
                d_h_old = d_h_old + _recurrent_back(xp, d_zr, kernel_t[:2 * u, :], None if masks is None
                                                    else masks[:2, ...], u)
            delta[:, t, :] = xp.concat([d_zr, d_x_h], axis=1)
            return [d_h_old]

        (d_h0,) = _run_back(ctx, grad, 1, keep, go_backwards, zero_output_for_mask, step_back)
        d_kernel = d_bias = None
        if reset_after:
            if ctx.needs_input_grad[1]:
                d_kernel = _kernel_gradient(xp, h_before, d_inner, masks, u)
            if len(ctx.inputs) > 3 and ctx.needs_input_grad[3]:
                d_bias = xp.sum(xp.reshape(d_inner, (-1, 3 * u)), axis=0)
        elif ctx.needs_input_grad[1]:
            d_zr_kernel = _kernel_gradient(xp, h_before, delta[:, :, :2 * u], None if masks is None
                                           else masks[:2, ...], u)
            d_h_kernel = _kernel_gradient(xp, inner, delta[:, :, 2 * u:], None, u)     # (r * h_{t-1})^T dx_h
            d_kernel = xp.concat([d_zr_kernel, d_h_kernel], axis=1)
        return delta, d_kernel, d_h0, d_bias, None, None
