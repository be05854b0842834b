r"""Recurrent layers: ``SimpleRNN``, ``LSTM`` and ``GRU``, as Keras 3's ``keras.layers.SimpleRNN``, ``LSTM`` and
``GRU``.

A recurrent layer reads a sequence ``x`` of shape ``(batch, steps, features)`` one step at a time, carrying a state
from step to step. The input projection ``x W + b`` of every step is one ``matmul`` over the whole sequence; the
loop over the steps (the recurrent part ``h U`` and the gates) is one op, :mod:`tinygradconv.ops.recurrent`'s
``lstm_sequence`` (``gru_sequence``, ``simple_rnn_sequence``), whose ``backward`` is backpropagation through time,
written beside its ``forward``: one node of the graph for the whole loop, as PyTorch's ``nn.LSTM`` is one op.

``unroll=True`` runs the same loop op by op instead, from ops that already have gradients (``matmul``,
``sigmoid``, ``tanh``, ``split``, ``unbind``, ``stack``, ``where``: :meth:`_Cell.step` for each step), so that
the graph picture shows every step and the backward pass is the chain of those ops' backward passes. The layers
take that path too where the loop op does not serve: float16 (and a mix of dtypes), and activations other than
``tanh``, ``sigmoid``, ``relu`` and ``linear``. Both give the same numbers to float rounding (tested); the loop
op is about 2x faster than the op-by-op loop for an ``LSTM`` (batch 32, 100 steps, 64 units, float32, one thread:
30 ms forward and backward where the op-by-op loop took 66 ms, PyTorch's ``nn.LSTM`` 16 ms and a loop over
``nn.LSTMCell`` 52 ms; ``docs/keras_compatibility.md`` has the other layers').

The weights are Keras' (names, shapes, gate order), kept where Keras keeps them, in the layer's ``cell``, named
``lstm_cell`` (``gru_cell``, ``simple_rnn_cell``) in every layer as Keras names it (a ``.keras`` file stores them
under ``layers/lstm/cell/vars``), so ``layer.set_weights(keras_layer.get_weights())``
gives Keras' outputs:

- ``SimpleRNN(units)``: ``kernel`` ``(in, units)``, ``recurrent_kernel`` ``(units, units)``, ``bias`` ``(units,)``;
- ``LSTM(units)``: ``kernel`` ``(in, 4 * units)``, ``recurrent_kernel`` ``(units, 4 * units)``, ``bias``
  ``(4 * units,)``, the gates' columns in the order i, f, c, o;
- ``GRU(units)``: ``kernel`` ``(in, 3 * units)``, ``recurrent_kernel`` ``(units, 3 * units)``, ``bias``
  ``(2, 3 * units)`` (``reset_after=True``: the input and the recurrent bias) or ``(3 * units,)``, the gates'
  columns in the order z, r, h.

>>> import numpy as np
>>> from tinygradconv.layers import LSTM
>>> layer = LSTM(4, return_sequences=True)
>>> layer(np.ones((2, 5, 3))).shape                    # (batch, steps, units)
(2, 5, 4)
>>> [w.shape for w in layer.get_weights()]             # kernel, recurrent_kernel, bias
[(3, 16), (4, 16), (16,)]

Source: Keras 3.15 ``keras/src/layers/rnn/`` (``rnn.py``, ``simple_rnn.py``, ``lstm.py``, ``gru.py``) and the torch
backend's ``rnn`` loop (``keras/src/backend/torch/rnn.py``), whose masked steps these layers follow.
"""
from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..backend import dtype_name
from ..ops.elementwise import where
from ..ops.recurrent import GRUSequence, LSTMSequence, SimpleRNNSequence
from ..ops.shape import concat, stack
from ..ops.splitting import split, unbind
from ..tensor import Tensor
from ..validation import flag, integer, number
from .core import check_rank, constant_like, serialize
from .layer import Layer, snake_case

__all__ = ["GRU", "LSTM", "SimpleRNN"]


# ------------------------------------------------------------------------------------------------ arguments
def _units(units):
    """``units`` as a positive int (Keras: "expected a positive integer, got 0")."""
    return integer(units, "units")


def _rate(value, name):
    """A dropout rate in ``[0, 1)``. Keras 3 clips any number into ``[0, 1]`` without a word (``dropout=-0.5`` is
    0), and ``LSTM``/``GRU`` then ignore a rate of 1 while ``SimpleRNN`` drops everything: refused here instead."""
    return float(number(value, name, low=0, high=1, high_open=True,
                        expected="a number in [0, 1) (the fraction of units to drop)"))


def _apply(function, x):
    """An activation, ``None`` being linear (as Keras 3's ``activations.get(None)``)."""
    return x if function is None else function(x)


#: The activations that the loop ops (:mod:`tinygradconv.ops.recurrent`) compute, by their names there.
_OP_ACTIVATIONS = {activations.tanh: "tanh", activations.sigmoid: "sigmoid", activations.relu: "relu",
                   activations.linear: "linear"}


# ------------------------------------------------------------------------------------------------ cells
class _Cell(Layer):
    """The weights of one recurrent layer and the maths of one step, where Keras 3 keeps them (``layer.cell``).

    Not called as a layer: the recurrent layer builds it and calls :meth:`project` (every step's input part at
    once) and :meth:`step` (one step's recurrent part). A subclass sets ``gates`` (how many blocks of ``units``
    columns the kernels have) and ``state_count``, and writes :meth:`step`. Its arguments are keywords only: the
    recurrent layer passes each by name, so that no two can be swapped.
    """

    gates = 1
    state_count = 1
    #: What each state is (Keras' ``h`` and, for LSTM, ``c``): the zero initial states a call makes are named after
    #: them, ``"lstm/initial h"``, so that a graph picture tells them from the model's data and the target.
    state_names = ("h",)
    single_input = True

    def __init__(self, *, units, activation, recurrent_activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                 kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, **kwargs):
        super().__init__(**kwargs)
        self.units = _units(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = flag(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(dropout, "dropout")
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout")
        self.seed = integer(seed, "seed", minimum=0, optional=True, type_error=ValueError)
        self._generator = None
        self.kernel = self.recurrent_kernel = self.bias = None

    # ---------------------------------------------------------------- weights
    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight((input_shape[-1], width), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight((self.units, width), self.recurrent_initializer,
                                                name="recurrent_kernel", regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(self._bias_shape(), self._bias_initializer(), name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _input_bias(self):
        return self.bias

    # ---------------------------------------------------------------- dropout
    def _masks(self, shape, rate, like):
        """Dropout masks for a call (``None`` when ``rate`` is 0): one array of ``shape`` of ``0`` and
        ``1 / (1 - rate)``, or, when ``recurrent_dropout`` is on, one per gate, as Keras 3 (its "implementation 1",
        which it switches to when ``recurrent_dropout > 0``). A mask is drawn once per call and used at every step,
        as Keras' ``DropoutRNNCell`` caches it."""
        if rate == 0:
            return None
        from .. import random

        if self.seed is not None and self._generator is None:
            self._generator = random.generator(self.seed)
        generator = self._generator or random.generator()
        count = self.gates if self.recurrent_dropout > 0 else 1
        dtype = dtype_name(like.dtype)
        xp = like.backend.xp
        masks = []
        for _ in range(count):
            kept = generator.random(shape) >= rate
            mask = constant_like(xp.asarray((kept / (1.0 - rate)).astype(dtype)), like)
            mask.name = f"{self.name} dropout mask"
            masks.append(mask)
        return masks

    # ---------------------------------------------------------------- maths
    def project(self, inputs, masks):
        """The input part of every step, ``x W + b`` (``b``: the input bias), ``(batch, steps, gates * units)``;
        ``masks`` (dropout, ``(batch, features)``) multiply ``x`` first, each gate's own when there are several."""
        if masks is None:
            out = inputs @ self.kernel
        elif len(masks) == 1:
            out = (inputs * masks[0].reshape(masks[0].shape[0], 1, -1)) @ self.kernel
        else:
            kernels = split(self.kernel, self.units, dim=-1)
            out = concat([(inputs * m.reshape(m.shape[0], 1, -1)) @ k for m, k in zip(masks, kernels)], axis=-1)
        bias = self._input_bias()
        return out if bias is None else out + bias

    def _recurrent(self, h, masks, kernel=None):
        """``h U`` (``U``: ``kernel``, default the whole ``recurrent_kernel``), ``h`` multiplied by each gate's
        recurrent dropout mask first when there are masks."""
        kernel = self.recurrent_kernel if kernel is None else kernel
        if masks is None:
            return h @ kernel
        blocks = split(kernel, self.units, dim=-1)
        return concat([(h * m) @ k for m, k in zip(masks, blocks)], axis=-1)

    @property
    def state_size(self):
        """The size of the state, as Keras 3's cells: ``units`` (an int), or a list of one size per state
        (``[units, units]`` for ``LSTMCell``'s ``h`` and ``c``)."""
        return self.units if self.state_count == 1 else [self.units] * self.state_count

    @property
    def output_size(self):
        """The size of one step's output: ``units``."""
        return self.units

    def step(self, x_t, states, recurrent_masks):
        """One step: ``x_t`` (this step's :meth:`project`, ``(batch, gates * units)``) and the states before it give
        the states after it (a list; the output is the first)."""
        raise NotImplementedError

    #: The op that runs the whole loop (:mod:`tinygradconv.ops.recurrent`), and its activation arguments
    sequence_op = None
    op_activations = ("activation", "recurrent_activation")

    def _op_activations(self):
        """The activations' names as the loop op takes them (``{"activation": "tanh", ...}``), or None when one of
        them is not among the op's (:data:`~tinygradconv.ops.recurrent.ACTIVATIONS`): the layer then runs its
        loop op by op."""
        names = {argument: _OP_ACTIVATIONS.get(getattr(self, argument)) for argument in self.op_activations}
        return None if None in names.values() else names

    def sequence(self, projected, states, keep, recurrent_masks, **attributes):
        """Every step at once, as one op: ``projected`` (:meth:`project`), the initial states, ``keep`` (the mask,
        a bool Tensor ``(batch, steps)``, or None) and the recurrent dropout masks (a list of ``(batch, units)``
        Tensors, or None) give ``(batch, steps + states, units)``: each step's output, then the last states."""
        return self.sequence_op.apply(projected, self.recurrent_kernel, *states, *self._op_bias(), keep,
                                      recurrent_masks, **attributes, **self._op_activations())

    def _op_bias(self):
        return ()

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)


class SimpleRNNCell(_Cell):
    """The cell of :class:`SimpleRNN`, whose docstring gives the maths."""

    sequence_op = SimpleRNNSequence
    op_activations = ("activation",)

    def step(self, x_t, states, recurrent_masks):
        return [_apply(self.activation, x_t + self._recurrent(states[0], recurrent_masks))]


class LSTMCell(_Cell):
    """The cell of :class:`LSTM`, whose docstring gives the maths (gates i, f, c, o in Keras' column order)."""

    gates = 4
    state_count = 2
    state_names = ("h", "c")
    sequence_op = LSTMSequence

    def __init__(self, *, unit_forget_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.unit_forget_bias = flag(unit_forget_bias, "unit_forget_bias")

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, initializer = self.units, self.bias_initializer

        def forget_ones(shape, dtype=None):     # Keras: bias_initializer, then ones for f, then bias_initializer
            parts = [initializer((units,), dtype=dtype), np.ones((units,), dtype=dtype),
                     initializer((2 * units,), dtype=dtype)]
            return np.concatenate([p.numpy() if isinstance(p, Tensor) else np.asarray(p) for p in parts])

        return forget_ones

    def step(self, x_t, states, recurrent_masks):
        h, c = states
        z_i, z_f, z_c, z_o = split(x_t + self._recurrent(h, recurrent_masks), self.units, dim=-1)
        gate = self.recurrent_activation
        c = _apply(gate, z_f) * c + _apply(gate, z_i) * _apply(self.activation, z_c)
        h = _apply(gate, z_o) * _apply(self.activation, c)
        return [h, c]


class GRUCell(_Cell):
    """The cell of :class:`GRU`, whose docstring gives the maths of both ``reset_after`` forms (gates z, r, h in
    Keras' column order)."""

    gates = 3
    sequence_op = GRUSequence

    def __init__(self, *, reset_after=True, **kwargs):
        super().__init__(**kwargs)
        self.reset_after = flag(reset_after, "reset_after")

    def _op_bias(self):
        return (self.bias[1] if self.reset_after and self.bias is not None else None,)

    def sequence(self, projected, states, keep, recurrent_masks, **attributes):
        return super().sequence(projected, states, keep, recurrent_masks, reset_after=self.reset_after,
                                **attributes)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def step(self, x_t, states, recurrent_masks):
        h = states[0]
        units = self.units
        x_z, x_r, x_h = split(x_t, units, dim=-1)
        gate = self.recurrent_activation
        if self.reset_after:
            inner = self._recurrent(h, recurrent_masks)
            if self.bias is not None:
                inner = inner + self.bias[1]
            r_z, r_r, r_h = split(inner, units, dim=-1)
            z = _apply(gate, x_z + r_z)
            r = _apply(gate, x_r + r_r)
            candidate = _apply(self.activation, x_h + r * r_h)
        else:
            zr_kernel, h_kernel = split(self.recurrent_kernel, [2 * units, units], dim=-1)
            zr_masks = None if recurrent_masks is None else recurrent_masks[:2]
            r_z, r_r = split(self._recurrent(h, zr_masks, zr_kernel), units, dim=-1)
            z = _apply(gate, x_z + r_z)
            r = _apply(gate, x_r + r_r)
            h_masked = h if recurrent_masks is None else h * recurrent_masks[2]
            candidate = _apply(self.activation, x_h + (r * h_masked) @ h_kernel)
        return [z * h + (1 - z) * candidate]


# ------------------------------------------------------------------------------------------------ the layers
def _from_cell(name, doc):
    return property(lambda self: getattr(self.cell, name), doc=doc)


class _RNN(Layer):
    """What the three recurrent layers share: the cell, the loop over the steps, masks, ``go_backwards``, the
    outputs and the config. A subclass sets ``cell_class`` and passes ``cell_arguments``, the cell's keywords (the
    layer's dtype and trainable flag are added here)."""

    cell_class = _Cell
    casts_integer_inputs = True
    single_input = True
    states = None       # Keras 3 keeps the states of a stateful layer here; never stateful here, so always None
    # where a set activity_regularizer sits in the config: after "dtype", where Layer's config puts it (Keras 3.15's
    # LSTM and GRU), or always after "bias_regularizer" (its SimpleRNN)
    _activity_regularizer_after_dtype = True

    def __init__(self, cell_arguments, *, return_sequences, return_state, go_backwards, stateful, unroll,
                 zero_output_for_mask, **kwargs):
        super().__init__(**kwargs)
        self.return_sequences = flag(return_sequences, "return_sequences")
        self.return_state = flag(return_state, "return_state")
        self.go_backwards = flag(go_backwards, "go_backwards")
        if flag(stateful, "stateful"):
            raise ValueError("Invalid value for argument `stateful`. Expected False: tinygradconv's recurrent layers "
                             "keep no state from one call to the next (Keras' stateful=True carries the last states "
                             "into the next batch). Pass the states yourself: return_state=True, then "
                             "initial_state=[...] in the next call. Received stateful=True")
        self.stateful = False
        self.unroll = flag(unroll, "unroll")        # Keras unrolls the loop in its graph; a Python loop here
        self.zero_output_for_mask = flag(zero_output_for_mask, "zero_output_for_mask")
        self.supports_masking = True
        # named as Keras 3 names it, the same for every layer ("lstm_cell"; Keras passes name="lstm_cell")
        self.cell = self.cell_class(**cell_arguments, name=snake_case(self.cell_class.__name__), dtype=self.dtype,
                                    trainable=self.trainable)

    units = _from_cell("units", "The size of the output and of each state.")
    activation = _from_cell("activation", "The activation of the output (``tanh`` by default).")
    use_bias = _from_cell("use_bias", "Whether the cell has a bias.")
    kernel = _from_cell("kernel", "The input kernel ``W`` (``cell.kernel``), ``(features, gates * units)``.")
    recurrent_kernel = _from_cell("recurrent_kernel", "The recurrent kernel ``U``, ``(units, gates * units)``.")
    bias = _from_cell("bias", "The bias (``cell.bias``), None without one.")
    dropout = _from_cell("dropout", "The fraction of the inputs' features dropped in training.")
    recurrent_dropout = _from_cell("recurrent_dropout", "The fraction of the state's units dropped in training.")

    @property
    def state_size(self):
        """The size of each state (``[units]``; ``[units, units]`` for ``LSTM``'s ``h`` and ``c``)."""
        return [self.units] * self.cell.state_count

    def build(self, input_shape):
        check_rank(self, input_shape, 3)
        if input_shape[-1] is None:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs the number of features (the last "
                             f"axis) to be known. Full input shape received: {tuple(input_shape)}")
        self.cell._backend = self._backend
        self.cell.build((input_shape[0], input_shape[-1]))

    def _initial_states(self, inputs, initial_state):
        batch = inputs.shape[0]
        xp = inputs.backend.xp
        if initial_state is None:
            zeros = xp.zeros((batch, self.units), dtype=getattr(xp, dtype_name(inputs.dtype)))
            states = [constant_like(zeros, inputs) for _ in range(self.cell.state_count)]
            for state, what in zip(states, self.cell.state_names):
                state.name = f"{self.name}/initial {what}"          # titled so in graph pictures
            return states
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        states = [self._state_tensor(state, inputs) for state in states]
        expected = [(batch, self.units)] * self.cell.state_count
        if len(states) != len(expected) or any(tuple(s.shape) != e for s, e in zip(states, expected)):
            raise ValueError(f"Invalid value for argument `initial_state` of {type(self).__name__} '{self.name}'. "
                             f"Expected {len(expected)} tensor(s) of shape {expected[0]} (batch, units). Received "
                             f"shapes {[tuple(getattr(s, 'shape', ())) for s in states]}")
        return [s if dtype_name(s.dtype) == dtype_name(inputs.dtype) else s.astype(dtype_name(inputs.dtype))
                for s in states]

    def _state_tensor(self, state, inputs):
        """One entry of ``initial_state`` as a Tensor on the inputs' backend: a Tensor as it is, other data (a NumPy
        array, nested lists of numbers) converted to the inputs' dtype, as Keras 3 converts each entry."""
        if isinstance(state, Tensor):
            return state
        owner = f"{type(self).__name__} '{self.name}'"
        try:
            return Tensor(state, dtype=dtype_name(inputs.dtype), backend=inputs.backend)
        except TypeError as error:      # None, a string, an object...
            raise TypeError(f"Invalid type for argument `initial_state` of {owner}. Expected a list of the "
                            f"starting states, each a tensor or an array of numbers of shape (batch, units). "
                            f"Received an entry {state!r} ({error})") from None
        except ValueError as error:     # ragged nested lists
            raise ValueError(f"Invalid value for argument `initial_state` of {owner}. Expected a list of the "
                             f"starting states, each a tensor or an array of numbers of shape (batch, units). "
                             f"Received an entry {state!r} ({error})") from None

    def call(self, inputs, initial_state=None, mask=None, training=None):
        """Run the cell over the steps (last to first with ``go_backwards``). A step whose ``mask`` is False is
        skipped, as Keras 3: the states are carried over, and the output there is the previous step's output (zeros
        before the first, or always zeros with ``zero_output_for_mask=True``)."""
        check_rank(self, inputs.shape, 3)
        batch, steps, features = inputs.shape
        if steps == 0:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) needs at least one time step. Received "
                             f"inputs of shape {tuple(inputs.shape)}")
        states = self._initial_states(inputs, initial_state)
        cell = self.cell
        training = bool(training)
        input_masks = cell._masks((batch, features), cell.dropout, inputs) if training else None
        recurrent_masks = cell._masks((batch, self.units), cell.recurrent_dropout, inputs) if training else None
        xp = inputs.backend.xp
        keep = None if mask is None else xp.astype(mask.data if isinstance(mask, Tensor) else xp.asarray(mask),
                                                    xp.bool)
        if keep is not None and tuple(keep.shape) != (batch, steps):
            raise ValueError(f"Invalid value for argument `mask` of {type(self).__name__} '{self.name}'. Expected "
                             f"one bool per sample and step, of shape {(batch, steps)}. Received a mask of shape "
                             f"{tuple(keep.shape)}")
        projected = cell.project(inputs, input_masks)
        if self._one_op_serves(projected, states):
            return self._call_one_op(projected, states, keep, recurrent_masks)
        projected = unbind(projected, dim=1)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        zeros = None if keep is None else constant_like(xp.zeros((batch, self.units), dtype=states[0].data.dtype),
                                                    inputs)
        outputs, previous = [], zeros
        for t in order:
            new = cell.step(projected[t], states, recurrent_masks)
            if keep is None:
                states, output = new, new[0]
            else:
                kept_now = constant_like(xp.expand_dims(keep[:, t], axis=-1), inputs)     # (batch, 1) bools
                states = [where(kept_now, n, s) for n, s in zip(new, states)]
                output = where(kept_now, new[0], zeros if self.zero_output_for_mask else previous)
                previous = output
            outputs.append(output)
        output = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.return_state:
            return (output, *states)
        return output

    def _one_op_serves(self, projected, states):
        """Whether the loop runs as one op (:mod:`tinygradconv.ops.recurrent`): unless ``unroll=True``, for
        float32 and float64 weights and inputs of one dtype, with activations the op computes (tanh, sigmoid,
        relu, linear). Otherwise (float16; a mix of dtypes; another activation) the loop runs op by op."""
        dtype = dtype_name(projected.dtype)
        return (not self.unroll and dtype in ("float32", "float64") and self.cell._op_activations() is not None
                and dtype_name(self.cell.recurrent_kernel.dtype) == dtype
                and all(dtype_name(s.dtype) == dtype for s in states))

    def _call_one_op(self, projected, states, keep, recurrent_masks):
        """The loop as one op: its result ``(batch, steps + states, units)`` sliced into the output and the
        states."""
        steps = projected.shape[1]
        if keep is not None:
            keep = constant_like(keep, projected)
            keep.name = f"{self.name}/mask"
        if recurrent_masks is not None:
            recurrent_masks = constant_like(projected.backend.xp.stack([m.data for m in recurrent_masks]), projected)
            recurrent_masks.name = f"{self.cell.name} recurrent dropout masks"
        sequence = self.cell.sequence(projected, states, keep, recurrent_masks, go_backwards=self.go_backwards,
                                      zero_output_for_mask=self.zero_output_for_mask)
        output = sequence[:, :steps] if self.return_sequences else sequence[:, steps - 1]
        if self.return_state:
            return (output, *[sequence[:, steps + j] for j in range(self.cell.state_count)])
        return output

    def compute_mask(self, inputs, mask=None):
        """The input's mask on the output with ``return_sequences`` (unchanged, even with ``go_backwards``, as
        Keras 3), None otherwise; None for each state."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self.cell.state_count
        return output_mask

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 3)
        batch = input_shape[0]
        output = (batch, input_shape[1], self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return (output, *[(batch, self.units)] * self.cell.state_count)
        return output

    def _cell_config(self):
        cell = self.cell
        return {"units": self.units, "activation": serialize(cell.activation, "activation")}

    def get_config(self):
        """Keras 3.15's config, in its key order."""
        cell = self.cell
        base = super().get_config()
        if not self._activity_regularizer_after_dtype:
            base.pop("activity_regularizer", None)
        return {**base, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
                **self._cell_config(),
                "use_bias": cell.use_bias,
                "kernel_initializer": serialize(cell.kernel_initializer, "initializer"),
                "recurrent_initializer": serialize(cell.recurrent_initializer, "initializer"),
                "bias_initializer": serialize(cell.bias_initializer, "initializer"),
                **self._after_initializers(),
                "kernel_regularizer": serialize(cell.kernel_regularizer, "regularizer"),
                "recurrent_regularizer": serialize(cell.recurrent_regularizer, "regularizer"),
                "bias_regularizer": serialize(cell.bias_regularizer, "regularizer"),
                "activity_regularizer": serialize(self.activity_regularizer, "regularizer"),
                "kernel_constraint": serialize(cell.kernel_constraint, "constraint"),
                "recurrent_constraint": serialize(cell.recurrent_constraint, "constraint"),
                "bias_constraint": serialize(cell.bias_constraint, "constraint"),
                "dropout": cell.dropout, "recurrent_dropout": cell.recurrent_dropout, **self._last_config()}

    def _after_initializers(self):
        return {}

    def _last_config(self):
        return {"seed": self.cell.seed}


_SHARED_ARGS = """
        units: the size of the output and of each state, a positive int.
        activation: the output's activation (default ``"tanh"``; ``None``: linear).
        use_bias: whether the cell has a bias (default True).
        kernel_initializer: the input kernel's initializer (default ``"glorot_uniform"``).
        recurrent_initializer: the recurrent kernel's (default ``"orthogonal"``).
        bias_initializer: the bias's (default ``"zeros"``).
        kernel_regularizer: a penalty on the input kernel (added to :attr:`losses`).
        recurrent_regularizer: a penalty on the recurrent kernel.
        bias_regularizer: a penalty on the bias.
        activity_regularizer: a penalty on the output and, with ``return_state``, on each state (one loss per
            tensor, each divided by the batch size, as Keras 3).
        kernel_constraint: a projection of the input kernel after each optimizer update.
        recurrent_constraint: the same for the recurrent kernel.
        bias_constraint: the same for the bias.
        dropout: the fraction of input features dropped in training, in ``[0, 1)``: one mask per call, the same at
            every step, as Keras 3 (which clips a rate outside ``[0, 1]`` without a word: refused here).
        recurrent_dropout: the same for the units of the state fed back (then, as Keras, each gate draws its own
            masks).
        return_sequences: return every step's output ``(batch, steps, units)`` instead of the last ``(batch,
            units)``.
        return_state: also return the last states: the call returns a tuple ``(output, *states)``.
        go_backwards: read the steps last to first (the outputs of ``return_sequences`` are then in that order
            too, as Keras).
        stateful: only False: keeping the states between calls is not implemented (a ``ValueError``).
        unroll: run the loop op by op, every step's ops in the graph (Keras' "unrolled" loop), instead of one op for
            the whole loop (default False); the same numbers either way.
        zero_output_for_mask: at a masked step, output zeros instead of the previous output (Keras' argument,
            which its config holds; default False)."""

_SHARED_TEXT = """
    Call: ``layer(inputs, initial_state=None, mask=None, training=None)``. ``inputs``: ``(batch, steps, features)``
    floats (integers are cast to the layer's dtype). ``initial_state``: a list of the starting states, each
    ``(batch, units)`` (zeros by default): Tensors, NumPy arrays or nested lists of numbers, converted to the
    inputs' dtype as Keras 3 converts them; exactly one per state (Keras ignores extra ones). ``mask``:
    ``(batch, steps)`` bools, or the mask the input carries (``Masking``, ``Embedding(mask_zero=True)``): a masked
    step is skipped, the states carried over it, and its output is the previous step's (zeros before the first), as
    Keras 3 on torch. With ``return_sequences`` the output carries the mask on. Dropout acts only with
    ``training=True`` (``fit``).

    Output: ``(batch, units)``, or ``(batch, steps, units)`` with ``return_sequences``; with ``return_state`` a tuple
    ``(output, *states)``. The weights are the cell's (``layer.cell``; also ``layer.kernel``, ...), named and ordered
    as Keras': ``get_weights()`` is ``[kernel, recurrent_kernel, bias]``.

    Raises:
        TypeError: ``units`` not an integer; a flag (``return_sequences``, ...) not a bool; an ``initial_state``
            entry that is not numbers (``None``, a string).
        ValueError: ``units`` below 1; ``dropout`` or ``recurrent_dropout`` outside ``[0, 1)``;
            ``stateful=True``; an input that is not 3-D or has no steps; an ``initial_state`` of the wrong number
            of states or shapes, or of ragged lists."""


class SimpleRNN(_RNN):
    r"""A fully connected recurrent layer: :math:`h_t = \mathrm{activation}(x_t W + b + h_{t-1} U)`, the output
    being :math:`h_t`. Keras 3's ``SimpleRNN``.

    Args:{args}
        seed: an integer seed for the dropout masks.
{text}

    >>> import numpy as np
    >>> layer = SimpleRNN(2, kernel_initializer="ones", recurrent_initializer="zeros")
    >>> [round(v, 4) for v in layer(np.ones((1, 3, 1))).numpy()[0].tolist()]      # tanh(1 * 1 + 0)
    [0.7616, 0.7616]
    """

    cell_class = SimpleRNNCell
    _activity_regularizer_after_dtype = False

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 seed=None, zero_output_for_mask=False, **kwargs):
        cell_arguments = {"units": units, "activation": activation, "recurrent_activation": None, "use_bias": use_bias,
                          "kernel_initializer": kernel_initializer, "recurrent_initializer": recurrent_initializer,
                          "bias_initializer": bias_initializer, "kernel_regularizer": kernel_regularizer,
                          "recurrent_regularizer": recurrent_regularizer, "bias_regularizer": bias_regularizer,
                          "kernel_constraint": kernel_constraint, "recurrent_constraint": recurrent_constraint,
                          "bias_constraint": bias_constraint, "dropout": dropout,
                          "recurrent_dropout": recurrent_dropout, "seed": seed}
        super().__init__(cell_arguments, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)

    def _last_config(self):
        return {}       # (Keras 3.15's SimpleRNN config has no seed)


class _GatedRNN(_RNN):
    """What ``LSTM`` and ``GRU`` add to :class:`_RNN`: a ``recurrent_activation`` for the gates, Keras'
    ``use_cudnn`` (checked, then ignored) and Keras 2's ``implementation`` (dropped, as Keras 3 drops it: the same
    maths either way)."""

    def __init__(self, cell_arguments, *, use_cudnn, **kwargs):
        _check_cudnn(use_cudnn)
        kwargs.pop("implementation", None)
        super().__init__(cell_arguments, **kwargs)

    recurrent_activation = _from_cell("recurrent_activation", "The gates' activation (sigmoid by default).")

    def _cell_config(self):
        return {**super()._cell_config(),
                "recurrent_activation": serialize(self.cell.recurrent_activation, "activation")}


class LSTM(_GatedRNN):
    r"""Long short-term memory: Keras 3's ``LSTM``. With :math:`\sigma` the ``recurrent_activation`` (sigmoid)
    and :math:`\tanh` the ``activation``, gates i, f, c, o in Keras' column order:

    .. math::
        [z_i, z_f, z_c, z_o] = x_t W + h_{t-1} U + b,\quad
        c_t = \sigma(z_f) \odot c_{t-1} + \sigma(z_i) \odot \tanh(z_c),\quad
        h_t = \sigma(z_o) \odot \tanh(c_t)

    The output is :math:`h_t`; the states are :math:`[h_t, c_t]`.

    Args:{args}
        recurrent_activation: the gates' activation (default ``"sigmoid"``).
        unit_forget_bias: start the forget gate's bias at 1 (default True, as Keras; the rest of the bias from
            ``bias_initializer``).
        seed: an integer seed for the dropout masks.
        use_cudnn: Keras' choice of a cuDNN kernel (``"auto"``, True or False): accepted and ignored (the loop is
            the same maths).
        implementation: Keras 2's choice (1 or 2) of how to group the gates' products: taken in ``**kwargs`` and
            dropped, as Keras 3 drops it (the same maths either way; not in the config).
{text}

    >>> import numpy as np
    >>> layer = LSTM(3, return_state=True)
    >>> output, h, c = layer(np.ones((2, 4, 5)))
    >>> output.shape, h.shape, c.shape, bool((output == h).all())
    ((2, 3), (2, 3), (2, 3), True)
    >>> layer.bias.numpy().tolist()                # unit_forget_bias: ones for f
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """

    cell_class = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto",
                 zero_output_for_mask=False, **kwargs):
        cell_arguments = {"units": units, "activation": activation, "recurrent_activation": recurrent_activation,
                          "use_bias": use_bias, "unit_forget_bias": unit_forget_bias,
                          "kernel_initializer": kernel_initializer, "recurrent_initializer": recurrent_initializer,
                          "bias_initializer": bias_initializer, "kernel_regularizer": kernel_regularizer,
                          "recurrent_regularizer": recurrent_regularizer, "bias_regularizer": bias_regularizer,
                          "kernel_constraint": kernel_constraint, "recurrent_constraint": recurrent_constraint,
                          "bias_constraint": bias_constraint, "dropout": dropout,
                          "recurrent_dropout": recurrent_dropout, "seed": seed}
        super().__init__(cell_arguments, use_cudnn=use_cudnn, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)

    unit_forget_bias = _from_cell("unit_forget_bias", "Whether the forget gate's bias starts at 1.")

    def _after_initializers(self):
        return {"unit_forget_bias": self.cell.unit_forget_bias}


class GRU(_GatedRNN):
    r"""Gated recurrent unit: Keras 3's ``GRU``. With :math:`\sigma` the ``recurrent_activation`` (sigmoid) and
    :math:`\tanh` the ``activation``, gates z (update), r (reset), h in Keras' column order, and
    ``reset_after=True`` (Keras' default; the bias ``(2, 3 * units)`` holds the input bias :math:`b` and the
    recurrent bias :math:`b'`):

    .. math::
        [x_z, x_r, x_h] = x_t W + b,\quad [r_z, r_r, r_h] = h_{t-1} U + b',\quad
        z = \sigma(x_z + r_z),\quad r = \sigma(x_r + r_r),\quad
        \tilde h = \tanh(x_h + r \odot r_h),\quad h_t = z \odot h_{t-1} + (1 - z) \odot \tilde h

    With ``reset_after=False`` (one bias ``(3 * units,)``, in :math:`b`), the reset gate acts before the product:
    :math:`\tilde h = \tanh(x_h + (r \odot h_{t-1}) U_h)`. PyTorch's ``nn.GRU`` is the ``reset_after=True`` form,
    with its gates in the order r, z, n and :math:`h_t = (1 - z) \odot n + z \odot h_{t-1}`.

    Args:{args}
        recurrent_activation: the gates' activation (default ``"sigmoid"``).
        seed: an integer seed for the dropout masks.
        reset_after: apply the reset gate after the recurrent product (default True, as Keras 3).
        use_cudnn: Keras' choice of a cuDNN kernel (``"auto"``, True or False): accepted and ignored.
        implementation: Keras 2's choice of how to group the gates' products: dropped, as ``LSTM``'s.
{text}

    >>> import numpy as np
    >>> layer = GRU(3, return_sequences=True, go_backwards=True)
    >>> layer(np.ones((2, 4, 5))).shape, layer.bias.shape
    ((2, 4, 3), (2, 9))
    """

    cell_class = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True, use_cudnn="auto",
                 zero_output_for_mask=False, **kwargs):
        cell_arguments = {"units": units, "activation": activation, "recurrent_activation": recurrent_activation,
                          "use_bias": use_bias, "reset_after": reset_after,
                          "kernel_initializer": kernel_initializer, "recurrent_initializer": recurrent_initializer,
                          "bias_initializer": bias_initializer, "kernel_regularizer": kernel_regularizer,
                          "recurrent_regularizer": recurrent_regularizer, "bias_regularizer": bias_regularizer,
                          "kernel_constraint": kernel_constraint, "recurrent_constraint": recurrent_constraint,
                          "bias_constraint": bias_constraint, "dropout": dropout,
                          "recurrent_dropout": recurrent_dropout, "seed": seed}
        super().__init__(cell_arguments, use_cudnn=use_cudnn, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, activity_regularizer=activity_regularizer,
                         **kwargs)

    reset_after = _from_cell("reset_after", "Whether the reset gate acts after the recurrent product.")

    def _last_config(self):
        return {"reset_after": self.cell.reset_after, "seed": self.cell.seed}


def _check_cudnn(use_cudnn):
    if not (isinstance(use_cudnn, (bool, np.bool_)) or (isinstance(use_cudnn, str) and use_cudnn == "auto")):
        raise ValueError(f"Invalid value for argument `use_cudnn`. Expected 'auto', True or False (Keras' values; "
                         f"it changes nothing here). Received use_cudnn={use_cudnn!r}")


for _layer in (SimpleRNN, LSTM, GRU):
    _layer.__doc__ = _layer.__doc__.replace("{args}", _SHARED_ARGS).replace("{text}", _SHARED_TEXT)
