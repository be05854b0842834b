r"""What a whole model connects: the path matrix of a stack or a graph of layers, its receptive fields and its
overlap counts.

A stack of one-channel linear layers ``y = A_m ... A_2 A_1 x`` has the matrix :math:`P = A_m \cdots A_1`. With
all-ones kernels, no bias and no activation (``weights=None``), :math:`P_{nj}` **counts the paths** from input
step ``j`` to output step ``n`` through the stack, and its row sums (:func:`overlap_counts`) say how many paths
reach each output step: uneven row sums are the checkerboard pattern of transposed convolutions whose kernel size
is not a multiple of their stride (Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts", Distill,
2016).

A functional model (``models.Model(inputs, outputs)``, one input and one output) is a graph: branches that split
and meet again at merge layers (skip connections in residual networks and U-Nets). Every tensor of the graph gets a
path matrix, the input's the identity; a layer multiplies its input's matrix by its own, and **a merge adds the
path matrices of its inputs**, :math:`P = \sum_i P_i`: a path through either branch reaches the output, so the
count of paths is the sum of the branches' counts. (A Concatenate along the steps axis puts the inputs' steps one
after the other, so it stacks their matrices instead.) Unrolled, :math:`P_{nj}` is the sum, over every route from
the input to the output, of the product of the layer matrices along it. For Add and Concatenate this is also the
Jacobian of the all-ones model summed over channels; for Subtract, Average, Multiply, Maximum and Minimum it is a
count of routes, not their Jacobian (see :func:`model_connectivity_matrix`).

Each layer's own matrix is computed through the layer or its op (never re-derived): Conv1D and Conv1DTranspose by
:func:`~tinygradconv.viz.connectivity.connectivity_matrix` with the layer's configuration, the resampling layers
(UpSampling1D, ZeroPadding1D, Cropping1D) by pushing the basis vectors through the layer itself, element-wise
layers (activations, dropout, normalization) as the identity, Dense too (on ``(batch, steps, channels)`` it acts on
each step's channels alone, so across the steps it is the identity; in a channels_first model, ``(batch, channels,
steps)``, its last axis is the steps: each channel alone, it makes ``units`` new steps of all the steps, every
step reaching every unit, a matrix of ones ``(units, N)``), and a nested model by its own path matrix. Layers
are taken in order from :func:`model_layers`, the one place that knows how to walk a model; a single layer is a
chain of one.

The other layers, each checked against Keras (perturb one input step, see which output steps change):

* MaxPooling1D and AveragePooling1D are windowed like Conv1D: window ``n`` reads the input steps its padded
  window covers (Keras' padding, :func:`~tinygradconv.ops.pooling.pooling_geometry`), one path from each;
* DepthwiseConv1D and SeparableConv1D connect the steps as a Conv1D of their kernel size, strides, padding and
  dilation (across the channels, only those of a group);
* LayerNormalization and UnitNormalization over the channels (the default ``axis=-1``), BatchNormalization (at
  inference: in training its batch statistics run over the steps, so every step would connect, which the pictures'
  titles say), Embedding, Masking, GaussianNoise, GaussianDropout, SpatialDropout1D and Identity: the identity;
  GroupNormalization, and LayerNormalization / UnitNormalization whose ``axis`` is the steps, take statistics over
  every step, so every output step depends on every input step (a matrix of ones);
* GlobalAveragePooling1D, GlobalMaxPooling1D and Flatten leave one step that sees every input step; RepeatVector
  (after them) repeats that step; a Reshape to (steps, channels) that keeps the steps is the identity, one that
  folds them into one axis is a Flatten, and one that regroups them moves channels between steps: with ``C``
  channels in and ``D`` out, output step ``n`` reads input steps ``n D // C`` to ``(n D + D - 1) // C``, one path
  from each (``(8, 2) -> (4, 4)``: steps ``2n`` and ``2n + 1``); a Permute that moves the steps axis is refused, as
  is a Reshape whose target has rank 3 or more (no longer a 1-D signal).

In a channels_first model (``(batch, channels, steps)``, from its layers' ``data_format``, nested models' included;
a nested model with no format of its own takes the outer one's) the steps are axis 2: a Reshape's target reads
``(channels, steps)``, and UpSampling1D, Cropping1D and RepeatVector, which act on axis 1 whatever the format (as in
Keras 3: there, the channels), are refused with a ValueError, as is a channels_last layer (which mixes the formats).
Each layer kind drawn was checked against Keras in such a model (tests/test_viz_channels_first_s48_f6.py).

The channels are not drawn: the steps drawn are those of each connected channel pair, and the pictures' titles say,
layer kind by layer kind, which channel pairs connect (:data:`CHANNEL_RULES`, :func:`channel_rule`).

All of the above is the pattern a layer's settings fix, the same for any weights. A recurrent layer (SimpleRNN,
LSTM, GRU), a Lambda or a TimeDistributed has no window that its settings fix (a state carried along the steps, any
function, a layer applied to each step of a signal of signals): ``weights=None`` refuses it, saying so.
``weights="model"`` (in :func:`model_connectivity_matrix`, :func:`plot_model_connectivity`,
:func:`plot_receptive_field`) takes any layer: the Jacobian of the model with its own weights at a point,
:math:`J_{nj} = \sum_{c, c'} \partial y_{n c} / \partial x_{j c'}`, by our autograd (one batched backward pass
for all output steps). Channels can cancel in that signed sum (``y = x[:, 0] - x[:, 1]`` gives all zeros):
``absolute=True`` sums ``|dy_{nc} / dx_{jc'}|`` instead, zero exactly when no channel depends on any, and the
pictures colour that. A recurrent layer reading first to last gives a lower triangle (output step ``n`` depends
on input steps 0 to ``n``: causal), one with ``go_backwards`` the same mirrored left to right (it reads last to
first and, as Keras, returns its outputs in that order: output step ``n`` depends on the last ``n + 1`` input
steps; its outputs put back in the steps' order, ``layers.Lambda(lambda t: t[:, ::-1])``, an upper triangle: steps
``n`` to the last), a forward one and a backward one so put back, concatenated along the channels (a bidirectional
layer), every entry, a TimeDistributed layer the diagonal; the entries off the pattern are exactly zero:

>>> from tinygradconv import layers, models
>>> rnn = models.Sequential([layers.Input((4, 2)), layers.LSTM(3, return_sequences=True)])
>>> (model_connectivity_matrix(rnn, 4, weights="model") != 0).astype(int).tolist()
[[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]

>>> from tinygradconv.models import Sequential
>>> from tinygradconv.layers import Conv1DTranspose
>>> model = Sequential([Conv1DTranspose(1, 3, strides=2)])
>>> overlap_counts(model, 4).astype(int).tolist()        # k = 3, s = 2: 1, 2, 1, 2, ... paths per output step
[1, 1, 2, 1, 2, 1, 2, 1, 1]
"""
from __future__ import annotations

import numpy as np

from ..backend import dtype_name
from ..layers.input_layer import InputLayer
from ..tensor import Tensor
from ..validation import integer
from ._mpl import check_figure, fit_figure, new_axes, pyplot
from .connectivity import KINDS, conv_setting, layer_conflict, matrix_fits, real_values, wrap_formula
from .connectivity import connectivity_matrix as _conv_matrix
from .graph import title_chars

__all__ = ["CHANNEL_RULES", "ELEMENTWISE", "MERGES", "PER_STEP", "RESAMPLING", "channel_rule", "is_functional",
           "is_model", "layer_matrices", "model_connectivity_matrix", "model_layers", "overlap_counts",
           "plot_model_connectivity", "plot_overlap_counts", "plot_receptive_field"]

CONVOLUTIONS = ("Conv1D", "Conv1DTranspose")
RESAMPLING = ("UpSampling1D", "ZeroPadding1D", "Cropping1D")
#: Layers that act on each value alone (or, as BatchNormalization at inference and the noise layers, with statistics
#: or random masks that do not depend on the other steps): across the steps, the identity. SpatialDropout1D is a
#: Dropout. Embedding maps each step's integer to its vector, Masking zeroes a step from that step's values alone.
#: An Activation("softmax") (or log_softmax, sparsemax) and a Softmax layer normalize over an axis: over the
#: channels they stay here, over the steps every step reaches every step (:func:`_normalized_axes`).
ELEMENTWISE = ("Activation", "Dropout", "BatchNormalization", "ReLU", "LeakyReLU", "ELU", "PReLU", "InputLayer",
               "GaussianNoise", "GaussianDropout", "Identity", "Masking", "Embedding", "Softmax", "Rescaling",
               "ActivityRegularization")
#: Layers that act on each step alone, mixing its channels: across the steps, the identity (like ELEMENTWISE).
#: Dense works on the last axis, the channels of a channels_last signal ``(batch, steps, channels)``.
PER_STEP = ("Dense",)
#: Windowed like Conv1D: output step ``n`` reads the input steps of window ``n`` (Keras' padding, from
#: :func:`~tinygradconv.ops.pooling.pooling_geometry`); one path from each of them.
POOLING = ("MaxPooling1D", "AveragePooling1D")
#: Depthwise convolutions: across the steps, a Conv1D of the same kernel size, strides, padding and dilation (each
#: channel with its own filters: only the channel pairs of a group connect).
DEPTHWISE = ("DepthwiseConv1D", "SeparableConv1D")
#: Every output step depends on every input step: global pooling and Flatten leave one step (the steps axis is
#: reduced or folded into the features); the normalizations whose statistics run over the steps keep them all
#: (GroupNormalization always, LayerNormalization and UnitNormalization when their ``axis`` is the steps axis).
ALL_STEPS = ("GlobalMaxPooling1D", "GlobalAveragePooling1D", "Flatten")
NORMALIZING = ("LayerNormalization", "UnitNormalization", "GroupNormalization")
#: Reshaping layers drawn where "steps" keeps its meaning (see :func:`_reshape_matrix`).
RESHAPING = ("Reshape", "Permute", "RepeatVector")
MAX_LAYER_CELLS = 40
"""The widest signal :func:`plot_model_connectivity` draws layer by layer (a count still fits in every cell)."""
ROW_ROOM = 0.3
"""Room above the top row and below the bottom row of :func:`plot_model_connectivity`, in rows (cells: ± 0.18)."""
MAX_DRAWN_STEPS = 400
"""The longest signal (in any layer) that :func:`plot_model_connectivity` (as a path-count matrix),
:func:`plot_receptive_field` and :func:`plot_overlap_counts` draw: beyond, a ValueError, before any matrix is made."""
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")
#: Every one-input layer with a matrix here.
SUPPORTED = CONVOLUTIONS + DEPTHWISE + POOLING + RESAMPLING + ELEMENTWISE + PER_STEP + NORMALIZING + ALL_STEPS \
    + RESHAPING
_SUPPORTED_TEXT = ", ".join(kind for kind in SUPPORTED if kind != "InputLayer")


def _wrap_title(title, width_inches, fontsize=9):
    """``title`` with each line wrapped to fit ``width_inches`` at ``fontsize`` points (about 0.6 em a character),
    breaking only at spaces outside the brackets that follow a name: a layer description such as
    ``Conv1DTranspose(k=3, s=1, d=2)`` stays whole, and a ``->`` between two stays at the end of its line (an aside
    in brackets after a space wraps as words). A description longer than a line is broken after its commas.

    >>> print(_wrap_title("Conv1D(k=3, s=1) -> Conv1DTranspose(k=3, s=1, d=2) -> UpSampling1D(2)", 4.0))
    Conv1D(k=3, s=1) ->
    Conv1DTranspose(k=3, s=1, d=2) -> UpSampling1D(2)
    """
    chars = title_chars(width_inches, fontsize)
    wrapped = []
    for line in title.split("\n"):
        words, opened, word = [], [], ""
        for char in line:         # the words: split at the spaces outside a name's brackets, "Conv1D(...)", "P[...]"
            if char in "([{":
                opened.append(bool(word) and (word[-1].isalnum() or word[-1] == "_"))
            elif char in ")]}" and opened:
                opened.pop()
            if char == " " and not any(opened):
                if word == "->" and words:              # an arrow ends its line
                    words[-1] += " ->"
                elif word:
                    words.append(word)
                word = ""
            else:
                word += char
        words.append(word)
        out = [""]
        for word in words:
            if not out[-1]:
                out[-1] = word
            elif len(out[-1]) + 1 + len(word) <= chars:
                out[-1] += " " + word
            else:
                out.append(word)
        # a word (a layer description) longer than a line: after its commas
        wrapped += [part for text in out for part in (wrap_formula(text, chars).split("\n")
                                                       if len(text) > chars else [text])]
    return "\n".join(wrapped)


def _step_ticks(axis, n, most=10):
    """Ticks at whole steps within ``0 .. n-1`` only (at most about ``most``): a 1-step input's axis was ticked
    -0.6, -0.4, ... 0.6 and a 2-step one -1 and 2, steps that do not exist (found by a teacher)."""
    from matplotlib.ticker import MaxNLocator

    ticks = MaxNLocator(nbins=max(1, min(n, most)), integer=True).tick_values(0, max(n - 1, 0))
    axis.set_ticks([int(t) for t in ticks if 0 <= t <= n - 1 and float(t).is_integer()] or [0])


def _axes(ax, figsize):
    """``ax``, or a new Axes on a constrained-layout figure (so titles and labels stay inside the saved figure)."""
    if ax is None:
        return pyplot().figure(figsize=figsize, layout="constrained").subplots()
    return new_axes(ax, figsize)


def _kind(layer):
    if is_model(layer):
        return "Model"
    for cls in type(layer).__mro__:
        if cls.__name__ in SUPPORTED + MERGES:
            return cls.__name__
    return None


def is_model(obj) -> bool:
    """Whether ``obj`` is a model (it has a ``layers`` list), as opposed to a single layer or an op name."""
    return not isinstance(obj, str) and isinstance(getattr(obj, "layers", None), list)


def is_functional(model) -> bool:
    """Whether ``model`` is a functional model (``models.Model(inputs, outputs)``): a graph of layer calls."""
    return is_model(model) and hasattr(model, "_nodes") and hasattr(model, "_inputs")


def _check_one_input_one_output(model):
    inputs = [t._keras_history[0].name for t in model._inputs]
    outputs = [t._keras_history[0].name for t in model._outputs]
    if len(inputs) == 1 and len(outputs) == 1:
        return
    raise ValueError(f"Invalid value for argument `model`: connectivity goes from one input to one output, and "
                     f"model {model.name!r} has {len(inputs)} input(s) {inputs} and {len(outputs)} output(s) "
                     f"{outputs}. Pick the pair to see with a model of that part, e.g. "
                     f"models.Model(model.inputs[i], model.outputs[k]) (the output must depend on that input only)")


def model_layers(model) -> list:
    """The layers of ``model`` in the order the data goes through them.

    A Sequential's ``layers``; for a functional model (one input, one output), the layers of its calls in
    topological order (a layer called twice appears once). Nested models count as one layer each. A single layer
    of a kind drawn here (``SUPPORTED``) is a chain of one: ``[layer]``.

    Raises:
        TypeError: ``model`` is neither a Sequential or functional model nor a layer drawn here, or has a layer of
            a kind with no matrix here (a merge layer inside a Sequential included).
        ValueError: a model with no layers, or a functional model with several inputs or outputs, or a Permute
            that moves the steps axis (a kind drawn here, with ``dims`` that leave no steps).
    """
    return _layers(model)


def _layers(model, any_kind=False):
    """:func:`model_layers`; with ``any_kind`` (the Jacobian of ``weights="model"``, which any layer has) a layer
    of a kind with no matrix here is kept, not refused."""
    from ..layers.layer import Layer

    if not is_model(model):
        if (_kind(model) is not None and _kind(model) not in MERGES) or (any_kind and isinstance(model, Layer)):
            _check_layer(model)                                         # one layer: a chain of one
            return [model]
        raise TypeError(f"Invalid type for argument `model`. Expected a Sequential or functional model, or one "
                        f"layer of a kind drawn here ({_SUPPORTED_TEXT}). Received "
                        f"{type(model).__name__}")
    functional = is_functional(model)
    if not functional and type(model).__name__ != "Sequential":
        raise TypeError(f"Invalid type for argument `model`. Expected a Sequential or functional model "
                        f"(models.Model(inputs, outputs)). Received a {type(model).__name__}, whose layers are "
                        f"not a chain or a graph that can be walked")
    if functional:
        _check_one_input_one_output(model)
        seen, layers = set(), []
        for node in model._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
    else:
        layers = list(model.layers)
    if not layers:
        raise ValueError(f"Invalid value for argument `model`: model {model.name!r} has no layers")
    for layer in layers:
        kind = _kind(layer)
        if not any_kind and (kind is None or (kind in MERGES and not functional)):
            raise TypeError(f"Layer {layer.name!r} of type {type(layer).__name__} has no connectivity matrix here"
                            f"{_why_no_matrix(layer, functional)}. Supported: {_SUPPORTED_TEXT}, nested models, "
                            f"and in a functional model the merges {', '.join(MERGES)}")
        _check_layer(layer)
    return layers


#: Why a layer has no matrix here: the pictures draw the fixed step-to-step pattern that a layer's settings give
#: (a window, a stride, a padding), the same for any weights. With ``weights="model"`` any layer is drawn: the
#: Jacobian at a point, by autograd (:func:`model_connectivity_matrix`).
_NO_PATTERN = {
    "RNN": "a recurrent layer carries its state from step to step, so output step n depends on every input step "
           "up to n (from the last back to the last - n with go_backwards), by its weights: no window its settings "
           "fix",
    "Lambda": "a Lambda runs any function, whose pattern across the steps its settings do not tell",
    "TimeDistributed": "TimeDistributed applies its layer to each step of a signal of steps of signals, a rank "
                       "this picture of (steps, channels) does not draw",
}
_RECURRENT = ("SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional")
_INSTEAD = ("; its Jacobian at a point, exact for any layer, uses the model's own weights: "
            "model_connectivity_matrix(model, input_length, weights='model'), drawn by "
            "plot_model_connectivity(model, input_length, weights='model')")


def _why_no_matrix(layer, functional):
    """The reason a layer is refused, and what to use instead (the message said only "Supported: ...")."""
    names = [cls.__name__ for cls in type(layer).__mro__]
    if _kind(layer) in MERGES and not functional:
        return ": a merge takes several inputs, which only a functional model gives it"
    if any(name in _RECURRENT for name in names):
        return f": {_NO_PATTERN['RNN']}{_INSTEAD}"
    for name in ("Lambda", "TimeDistributed"):
        if name in names:
            return f": {_NO_PATTERN[name]}{_INSTEAD}"
    return (": the pictures draw the fixed step-to-step pattern that a layer's settings give (a window, a stride, "
            "a padding), and this kind is not among them" + _INSTEAD)


def _check_layer(layer):
    """Refuse a layer after which "steps" has no meaning: a Permute that moves the steps axis. A ValueError, as for
    the other layers drawn here whose settings leave no steps (a RepeatVector on a signal of steps, a Reshape of
    rank 3): the kind is drawn, its ``dims`` are not (a kind with no matrix at all is a TypeError)."""
    if _kind(layer) == "Permute" and tuple(layer.dims) != (1, 2):
        raise ValueError(f"Layer {layer.name!r} (Permute(dims={tuple(layer.dims)})) moves the steps axis: after it "
                        f"the steps are the channels (or another axis), so a step-to-step connectivity has no "
                        f"meaning and none is drawn. Permute((1, 2)) (no change) is drawn as the identity")


def _through_layer(layer, length):
    """A resampling layer's matrix, ``(N, length)``: the basis vectors pushed through the layer itself."""
    eye = np.eye(length)
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    x = eye.reshape(length, 1, length) if channels_first else eye.reshape(length, length, 1)
    y = np.asarray(layer(Tensor(x, dtype="float64", backend="numpy")).numpy(), dtype=np.float64)
    y = y[:, 0, :] if channels_first else y[:, :, 0]
    return np.ascontiguousarray(y.T)


def _in_channels(layer):
    """The input channels of a layer with a kernel: Conv1D (k, in, out), Conv1DTranspose (k, out, in), Dense
    (in, units), the recurrent layers (features, gates * units); resampling and element-wise layers keep the
    channels."""
    shape = layer.kernel.shape
    if _kind(layer) in PER_STEP or len(shape) == 2:
        return shape[0]
    return shape[1] if _kind(layer) == "Conv1D" else shape[2]


def _channels(layer):
    kernel = getattr(layer, "kernel", None)
    return None if kernel is None else kernel.shape


def _depthwise_setting(layer, length):
    """The one-channel conv1d that a DepthwiseConv1D / SeparableConv1D applies along the steps."""
    return conv_setting("conv1d", length, kernel_size=layer.kernel_size[0], strides=layer.strides[0],
                        padding=layer.padding, dilation_rate=layer.dilation_rate[0])


def _pooling_windows(layer, length):
    """``(left, out)``: the padded steps before the input and the number of windows of a pooling layer (Keras'
    arithmetic, :func:`~tinygradconv.ops.pooling.pooling_geometry`); ``out = 0`` when no window fits."""
    from ..ops.pooling import pooling_geometry

    k, s = layer.pool_size[0], layer.strides[0]
    if layer.padding == "valid" and length < k:
        return 0, 0
    left, _, out = pooling_geometry(length, k, s, layer.padding)
    return left, out


def _pooling_matrix(layer, length):
    """Window ``n`` covers the padded steps ``n * strides .. n * strides + pool_size - 1``, the input steps
    ``n * strides - left ..`` of them that fall inside the input (padding reaches none): one path from each."""
    left, out = _pooling_windows(layer, length)
    matrix = np.zeros((out, length))
    for n in range(out):
        start = n * layer.strides[0] - left
        matrix[n, max(start, 0):max(min(start + layer.pool_size[0], length), 0)] = 1.0
    return matrix


def _statistics_over_steps(layer, steps_axis):
    """Whether a normalization layer's statistics (mean, variance or norm) run over the steps axis of a 3-D
    signal: GroupNormalization's always (a group is all the steps of some channels), LayerNormalization's and
    UnitNormalization's when ``axis`` names the steps axis."""
    if _kind(layer) == "GroupNormalization":
        return True
    axes = layer.axis if isinstance(layer.axis, (list, tuple)) else [layer.axis]
    return any(int(a) % 3 == steps_axis for a in axes)


def _reshape_channels(layer, length, steps_axis=1):
    """``(input channels, output steps, output channels)`` of a Reshape to a 2-D sample at ``length`` input steps:
    ``(steps, channels)``, or ``(channels, steps)`` in a channels_first model (``steps_axis`` 2), from its
    ``target_shape`` (``a * b`` values out, so ``length * C`` in) or, with a ``-1`` in it, from the channels the
    built layer was given; a ValueError when they do not fit."""
    target = tuple(layer.target_shape)
    if -1 not in target:
        values = target[0] * target[1]
        if values % length:
            raise ValueError(f"Layer {layer.name!r} (Reshape({target})) makes {values} values a sample, which "
                             f"{length} input steps cannot hold with a whole number of channels: choose an "
                             f"input_length that divides {values}")
        channels = values // length
    else:
        shape = (getattr(layer, "_build_shapes_dict", None) or {}).get("input_shape")
        channels = shape[3 - steps_axis] if shape is not None and len(shape) == 3 else None
        if channels is None:
            raise ValueError(f"Layer {layer.name!r} (Reshape({target})) regroups steps, and its -1 leaves the number "
                             f"of input channels unknown: build the model (give it an Input) or give target_shape "
                             f"without -1, so that which input steps reach an output step can be worked out")
        values = length * channels
        other = target[1] if target[0] == -1 else target[0]
        if values % other:
            raise ValueError(f"Layer {layer.name!r} (Reshape({target})) cannot reshape {length} steps of {channels} "
                             f"channels ({values} values): choose an input_length that makes them a multiple of "
                             f"{other}")
        target = tuple(values // other if t == -1 else t for t in target)
    out_steps, out_channels = (target[0], target[1]) if steps_axis == 1 else (target[1], target[0])
    return channels, out_steps, out_channels


def _reshape_length(layer, length, steps_axis=1):
    """The steps after a Reshape or RepeatVector (a Permute left here is the identity), or a ValueError."""
    kind = _kind(layer)
    if kind == "RepeatVector" and steps_axis == 2:
        raise ValueError(f"Layer {layer.name!r} (RepeatVector({layer.n})) makes (batch, {layer.n}, features): its "
                         f"repeats lie on axis 1, the channels axis of a channels_first model, and the features on "
                         f"the steps axis, so its output is no signal of steps and none is drawn. Draw it in a "
                         f"channels_last model, where its repeats are the steps")
    if kind == "RepeatVector":
        if length != 1:
            raise ValueError(f"Layer {layer.name!r} (RepeatVector({layer.n})) takes (batch, features), one vector "
                             f"with no steps axis, and repeats it {layer.n} times; here it would get a signal of "
                             f"{length} steps. Put it after a layer that leaves one step (Flatten, "
                             f"GlobalAveragePooling1D), where every output step sees every input step")
        return layer.n
    if kind == "Reshape":
        target = tuple(layer.target_shape)
        if len(target) == 1:                    # (batch, values): the steps folded into the features
            return 1
        if len(target) == 2 and target[steps_axis - 1] == length:
            return length
        if len(target) != 2:                    # (batch, steps, a, b, ...): no 1-D signal, whatever it keeps
            raise ValueError(f"Layer {layer.name!r} (Reshape({target})) gives a target_shape of rank {len(target)}: "
                             f"the connectivity matrix follows a 1-D signal (batch, steps, channels), so a target "
                             f"of rank 3 or more is not drawn, even one that keeps the {length} steps. Drawn: a "
                             f"Reshape to (steps, channels) (keeping the steps, or putting the values of several "
                             f"steps in one) or to one axis (like Flatten)")
        return _reshape_channels(layer, length, steps_axis)[1]
    return length


def _regroup_matrix(layer, length, steps_axis=1):
    """A Reshape of ``length`` steps of ``C`` channels to ``N`` steps of ``D`` channels (row-major, as NumPy and
    Keras reshape): each value of the sample is labelled with its input step, the labels reshaped as the layer
    reshapes the sample, and output step ``n`` reads the input steps whose labels land in it, one path from each.
    Channels_last, ``(length, C) -> (N, D)``: output step ``n`` holds the values ``n D .. n D + D - 1`` of the
    flattened sample, input steps ``n D // C`` to ``(n D + D - 1) // C`` (``(8, 2) -> (4, 4)``: steps ``2n`` and
    ``2n + 1``). Channels_first, ``(C, length) -> (D, N)``: output step ``n`` holds the values ``n, n + N, ...``,
    input steps ``(n + i N) mod length`` (``(3, 8) -> (4, 6)``: output step 0 reads input steps 0, 6, 4, 2)."""
    channels, steps, per_step = _reshape_channels(layer, length, steps_axis)
    if steps_axis == 1:
        labels = np.repeat(np.arange(length)[:, None], channels, axis=1).reshape(steps, per_step)
    else:
        labels = np.repeat(np.arange(length)[None, :], channels, axis=0).reshape(per_step, steps).T
    matrix = np.zeros((steps, length))
    for n in range(steps):
        matrix[n, labels[n]] = 1.0
    return matrix


def _regroups(layer, length, steps_axis=1):
    """Whether ``layer`` is a Reshape that regroups ``length`` steps into another number of steps."""
    target = tuple(layer.target_shape) if _kind(layer) == "Reshape" else ()
    return len(target) == 2 and target[steps_axis - 1] != length


def _layer_length(layer, length, steps_axis=1):
    """The number of steps a one-input layer makes of ``length`` (no matrix: from the layer's arithmetic)."""
    kind = _kind(layer)
    if kind in PER_STEP and steps_axis == 2:
        return layer.units
    if kind in CONVOLUTIONS:
        return conv_setting(layer, length).output_length
    if kind in DEPTHWISE:
        return _depthwise_setting(layer, length).output_length
    if kind in POOLING:
        return _pooling_windows(layer, length)[1]
    if kind in ALL_STEPS:
        return 1
    if kind in RESHAPING:
        return _reshape_length(layer, length, steps_axis)
    if kind in RESAMPLING:
        channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
        shape = layer.compute_output_shape((None, 1, length) if channels_first else (None, length, 1))
        return int(shape[2 if channels_first else 1])
    if kind == "Model":
        return _graph_steps(layer, length, matrices=False, outer=steps_axis)[-1][2]
    return length


def _layer_matrix(layer, length, steps_axis=1):
    """A one-input layer's one-channel matrix ``(N_out, length)`` (all-ones kernel, no bias, no activation)."""
    kind = _kind(layer)
    if kind in CONVOLUTIONS:
        matrix = _conv_matrix(layer, length)
    elif kind in DEPTHWISE:
        st = _depthwise_setting(layer, length)
        matrix = _conv_matrix("conv1d", length, kernel_size=st.kernel_size, strides=st.strides, padding=st.padding,
                              dilation_rate=st.dilation_rate)
    elif kind in POOLING:
        matrix = _pooling_matrix(layer, length)
    elif kind in ALL_STEPS:
        matrix = np.ones((1, length))
    elif kind in NORMALIZING and _statistics_over_steps(layer, steps_axis):
        matrix = np.ones((length, length))
    elif kind == "Reshape" and _regroups(layer, length, steps_axis):
        matrix = _regroup_matrix(layer, length, steps_axis)
    elif kind in RESHAPING:
        n = _reshape_length(layer, length, steps_axis)
        matrix = np.eye(length) if n == length and kind != "RepeatVector" else np.ones((n, length))
    elif kind in RESAMPLING:
        matrix = _through_layer(layer, length)
    elif kind == "Model":
        matrix = _path_matrices(_graph_steps(layer, length, outer=steps_axis))[-1]    # its own, in our format
    elif kind in PER_STEP and steps_axis == 2:
        # Dense on the last axis of (batch, channels, steps): unit u of each channel reads every step of that channel
        matrix = np.ones((layer.units, length))
    else:                                       # element-wise, or per step (Dense): the identity across steps
        matrix = np.eye(length)
    if "steps" in _normalized_axes(layer, steps_axis):
        # a softmax over the steps (channels_first: the last axis is the steps): every output step reads every
        # step of the layer's own result, one path from each
        matrix = np.ones((matrix.shape[0], matrix.shape[0])) @ matrix
    if matrix.shape[0] == 0:
        raise ValueError(f"Layer {layer.name!r} leaves no steps from an input of {length}: choose a longer "
                         f"input_length")
    return matrix


def _steps_axis(model, outer=1, any_kind=False):
    """1 when the model's layers are channels_last (``(batch, steps, channels)``), 2 when channels_first.

    The layers of nested models count too (an inner channels_first Conv1D makes the outer model channels_first),
    and a model with no layer of either format (a nested ``Sequential([Dense(5)])``) takes ``outer``, the format of
    the model around it: its Dense works on the last axis of what it is given, the steps of a channels_first
    signal. A Flatten's ``data_format`` only orders its features (it leaves one step either way): not counted.
    ``any_kind``: layers of any kind (:func:`_layers`), for the Jacobian of ``weights="model"``."""
    formats = _formats(model, any_kind)
    if len(formats) > 1:
        raise ValueError(f"Invalid value for argument `model`: its layers mix the data formats {sorted(formats)}; "
                         f"the connectivity of such a model is not drawn here")
    return {"channels_first": 2, "channels_last": 1}[formats.pop()] if formats else outer


def _formats(model, any_kind=False):
    """The ``data_format`` values of the layers of ``model`` (a model or one layer), nested models' included (not
    those of the layer a TimeDistributed wraps: it sees one step, its axes are not the model's)."""
    formats = set()
    for layer in _layers(model, any_kind):
        if _kind(layer) == "Model":
            formats |= _formats(layer, any_kind)
        elif _kind(layer) != "Flatten" and isinstance(getattr(layer, "data_format", None), str):
            formats.add(layer.data_format)
    return formats


def _merge_blocks(layer, lengths, steps_axis):
    """The blocks ``B_i`` of a merge node, one per input: its output's path matrix is ``sum_i B_i P_i``."""
    if _kind(layer) == "Concatenate" and layer.axis % 3 == 0:
        raise ValueError(f"Concatenate layer {layer.name!r} joins along the batch axis: it has no connectivity "
                         f"between steps")
    if _kind(layer) == "Concatenate" and layer.axis % 3 == steps_axis:   # along the steps: stack
        blocks, offset, total = [], 0, sum(lengths)
        for n in lengths:
            block = np.zeros((total, n))
            block[offset:offset + n] = np.eye(n)
            blocks.append(block)
            offset += n
        return blocks
    # element-wise, or Concatenate along the channels: step n of the output takes step n of every input
    n_out = max(lengths)
    kind = "element-wise merge" if _kind(layer) != "Concatenate" else "Concatenate along the channels"
    if any(n not in (n_out, 1) for n in lengths) or (kind != "element-wise merge" and len(set(lengths)) > 1):
        raise ValueError(f"At this input_length the inputs of layer {layer.name!r} ({kind}) have "
                         f"{list(lengths)} steps, which do not match: choose another input_length (for an "
                         f"encoder-decoder, a multiple of the total stride)")
    return [np.eye(n_out) if n == n_out else np.ones((n_out, 1)) for n in lengths]


def _graph_steps(model, input_length, matrices=True, outer=1):
    """The model as a list of steps ``(layer, [(source, B)], length)``, step 0 the input, in topological order.

    Step ``k``'s path matrix is ``P_k = sum over its sources (s, B) of B @ P_s``, with ``P_0`` the identity: a
    one-input layer has one source with its own matrix, a merge one source per input. For a Sequential every step's
    only source is the one before. ``matrices=False``: the lengths only (every ``B`` is None), from the layers'
    arithmetic, so that a drawing can refuse a signal too long before any matrix is made. ``outer``: the steps axis
    of the model around a nested one (:func:`_steps_axis`).
    """
    from ..ops.conv_arithmetic import normalize_int

    length = normalize_int(input_length, "input_length")
    layers = model_layers(model)
    steps_axis = _steps_axis(model, outer)
    _check_per_step(model, layers, steps_axis)
    steps = [(None, [], length)]
    if not is_functional(model):
        for layer in layers:
            block = _layer_matrix(layer, steps[-1][2], steps_axis) if matrices else None
            n = block.shape[0] if matrices else _nonempty(layer, _layer_length(layer, steps[-1][2], steps_axis),
                                                                   steps[-1][2])
            steps.append((layer, [(len(steps) - 1, block)], n))
        return steps
    index = {id(model._inputs[0]): 0}
    for node in model._nodes:
        if isinstance(node.layer, InputLayer):                  # an Input called as a layer: passes the data through
            continue
        sources = [index[id(t)] for t in node.input_tensors]
        lengths = [steps[s][2] for s in sources]
        if _kind(node.layer) in MERGES:
            if matrices:
                blocks = _merge_blocks(node.layer, lengths, steps_axis)
                n = blocks[0].shape[0]
            else:
                blocks = [None] * len(sources)
                along_steps = _kind(node.layer) == "Concatenate" and node.layer.axis % 3 == steps_axis
                n = sum(lengths) if along_steps else max(lengths)
        elif len(sources) != 1:
            raise ValueError(f"Layer {node.layer.name!r} ({type(node.layer).__name__}) is called on {len(sources)} "
                             f"tensors: only merge layers take several inputs here")
        elif matrices:
            blocks = [_layer_matrix(node.layer, lengths[0], steps_axis)]
            n = blocks[0].shape[0]
        else:
            blocks = [None]
            n = _nonempty(node.layer, _layer_length(node.layer, lengths[0], steps_axis), lengths[0])
        index[id(node.outputs[0])] = len(steps)
        steps.append((node.layer, list(zip(sources, blocks)), n))
    out = index[id(model._outputs[0])]
    return steps[:out + 1]


def _nonempty(layer, n, length):
    if n <= 0:
        raise ValueError(f"Layer {layer.name!r} leaves no steps from an input of {length}: choose a longer "
                         f"input_length")
    return n


def _check_per_step(model, layers, steps_axis):
    """Refuse a glu over the steps (it halves them, pairing step n with step n + N/2) and a softmax that normalizes
    over the batch axis (each sample then depends on the others: no connectivity of one signal). (A Dense, which
    works on the last axis, the steps of a channels_first model, is drawn: :func:`_layer_matrix`.)

    In a channels_first model (``steps_axis`` 2), refuse UpSampling1D and Cropping1D: they have no ``data_format``
    and act on axis 1 (in Keras 3 too), which there is the channels: ``UpSampling1D(2)`` after a channels_first
    ``Conv1D(3, 1)`` on 8 steps gives ``(batch, 6, 8)``, not 16 steps."""
    for layer in layers:
        if _kind(layer) == "Model":
            continue
        if steps_axis == 2 and _kind(layer) in ("UpSampling1D", "Cropping1D"):
            what = "repeats" if _kind(layer) == "UpSampling1D" else "crops"
            raise ValueError(f"Invalid value for argument `model`: layer {layer.name!r} ({_layer_text(layer)}) has no "
                             f"data_format: it {what} axis 1, which in this channels_first model is the channels, "
                             f"not the steps (as in Keras 3), so the layers mix the data formats and the model's "
                             f"connectivity is not drawn here. Draw a channels_last model, where it {what} the "
                             f"steps")
        axes = _normalized_axes(layer, steps_axis)
        if "batch" in axes:
            raise ValueError(f"Invalid value for argument `model`: layer {layer.name!r} ({type(layer).__name__}("
                             f"axis={layer.axis!r})) normalizes over the batch axis, so each sample depends on the "
                             "others: a step-to-step connectivity of one signal has no meaning and none is drawn. "
                             "Use an axis of the signal: the steps or the channels")
        if _activation_name(layer) == "glu" and "steps" in axes:
            raise ValueError(f"Invalid value for argument `model`: layer {layer.name!r} ({type(layer).__name__}) "
                             "applies glu to its last axis, which is the steps axis with data_format="
                             "'channels_first': it halves the steps (step n times the sigmoid of step n + N/2), "
                             "which is not drawn here. Use channels_last, where glu works on the channels")


def _check_drawable(model, input_length, what):
    """Refuse, before any matrix is made, a model whose signal gets longer than ``MAX_DRAWN_STEPS`` at this
    ``input_length``."""
    lengths = [n for _, _, n in _graph_steps(model, input_length, matrices=False)]
    widest = max(lengths)
    if widest > MAX_DRAWN_STEPS:
        where = "its input" if widest == lengths[0] else f"a layer's output ({lengths[0]} input steps)"
        raise ValueError(f"Invalid value for argument `input_length`: input_length={input_length!r} makes a signal "
                         f"of {widest} steps in {where}, too long for {what} (at most {MAX_DRAWN_STEPS} steps in any "
                         f"layer). Draw a shorter input: the pattern repeats along the signal")


def _model_cells(model, input_length, paths=True, outer=1):
    """A lower bound of the float64 cells that the matrices of ``model`` take at ``input_length``, from the lengths
    alone (:func:`_graph_steps` without matrices, as :func:`_check_drawable`): each layer's matrix (``N_out × N_in``)
    with the basis vectors pushed through a convolution or a resampling layer to make it (``N_in × N_in``), a nested
    model's own, and with ``paths`` the path matrix of every step (``N × L``: :func:`_path_matrices` keeps them all).
    Returns ``(cells, steps)``."""
    steps = _graph_steps(model, input_length, matrices=False, outer=outer)
    length = steps[0][2]
    cells = sum(n * length for _, _, n in steps) if paths else 0
    for layer, sources, n in steps[1:]:
        kind = _kind(layer)
        for source, _ in sources:
            m = steps[source][2]
            if kind == "Model":
                cells += _model_cells(layer, m, outer=_steps_axis(model, outer))[0]
            else:
                cells += n * m + (m * m if kind in CONVOLUTIONS + RESAMPLING else 0)
    return cells, steps


def _check_buildable(model, input_length, paths=True):
    """Refuse, before any matrix is made, a model whose matrices need more than ``MAX_MATRIX_CELLS`` float64 cells
    at this ``input_length`` (see :func:`~tinygradconv.viz.connectivity.matrix_fits`)."""
    cells, steps = _model_cells(model, input_length, paths)
    calls, widest = len(steps) - 1, max(n for *_, n in steps)
    what = f"the {'path' if paths else 'layer'} matrices of model {model.name!r} ({calls} layer call" \
           f"{'s' * (calls != 1)}, signals of up to {widest} steps"
    what += f", a {steps[-1][2]}×{steps[0][2]} path matrix at the output)" if paths else ")"
    matrix_fits(cells, "input_length", input_length, what)


def _path_matrices(steps):
    paths = [np.eye(steps[0][2])]
    for _, sources, length in steps[1:]:
        total = np.zeros((length, steps[0][2]))
        for source, block in sources:
            total += block @ paths[source]
        paths.append(total)
    return paths


def layer_matrices(model, input_length) -> list:
    """``[(layer, A)]`` for each layer of a chain ``model`` in order, ``A`` its one-channel matrix ``(N_out, N_in)``.

    Conv1D / Conv1DTranspose: all-ones kernel, no bias, no activation, through the op with the layer's strides,
    padding, output padding and dilation. Resampling layers: through the layer. Element-wise layers and Dense (per
    step): the identity; a Dense in a channels_first model, which works on the steps: ones ``(units, N_in)``.
    A functional model is accepted when it is a chain (no merges).

    Raises:
        ValueError: a functional model with merges (its path matrix is :func:`model_connectivity_matrix`); matrices
            that need more than ``MAX_MATRIX_CELLS`` float64 cells (refused before any is made).
    """
    _check_buildable(model, input_length, paths=False)
    steps = _graph_steps(model, input_length)
    out = []
    for k, (layer, sources, _) in enumerate(steps[1:], start=1):
        if len(sources) != 1 or sources[0][0] != k - 1:
            raise ValueError(f"Invalid value for argument `model`: model {model.name!r} is not a chain of layers "
                             f"(layer {layer.name!r} takes other inputs than the layer before it), so it has no "
                             f"list of layer matrices; its path matrix is model_connectivity_matrix(model, "
                             f"input_length)")
        out.append((layer, sources[0][1]))
    return out


def _sample_shape(model):
    """The shape of one input sample of ``model`` (no batch axis) as its ``Input`` or its first call gave it; None
    where the model does not know it (a Sequential or a layer not built yet)."""
    if is_functional(model):
        shape = model._inputs[0].shape
    elif is_model(model):
        shape = getattr(model, "_input_batch_shape", None)
        if shape is None and getattr(model, "built", False):
            try:
                shape = model.input_shape
            except (AttributeError, ValueError):
                shape = None
    else:
        shape = (getattr(model, "_build_shapes_dict", None) or {}).get("input_shape")
    return tuple(shape)[1:] if isinstance(shape, (tuple, list)) else None


def _features(model, layers, steps_axis):
    """The axes of one input sample other than the steps, ``(channels,)`` for a signal ``(steps, channels)`` (or
    ``(channels, steps)``, channels_first), ``(a, b)`` for the ``(time, a, b)`` of a TimeDistributed: from the
    model's input shape, else from the kernel of its first layer with one. A ValueError where neither tells."""
    sample = _sample_shape(model)
    if sample is not None:
        if len(sample) < 2 or (steps_axis == 2 and len(sample) != 2):
            expected = "(channels, steps)" if steps_axis == 2 else "(steps, channels) or (steps, ...)"
            raise ValueError(f"Invalid value for argument `model`: the Jacobian across the steps needs inputs "
                             f"{expected}, and model {model.name!r} takes samples of shape {sample}, which have no "
                             f"steps axis")
        features = sample[1:] if steps_axis == 1 else sample[:1]
        if any(f is None for f in features):
            raise ValueError(f"weights='model' needs the number of input channels: the input of model "
                             f"{model.name!r} has shape {(None, *sample)}")
        return tuple(int(f) for f in features)
    first = next((layer for layer in layers if _channels(layer) is not None), None)
    if first is None and not any(hasattr(layer, "kernel") for layer in layers):
        # no layer with a kernel, even unbuilt: pooling, padding, upsampling, ... (a BatchNormalization's statistics
        # are not what weights="model" means either), and no input shape
        what = "layer" if not is_model(model) else "model"
        raise ValueError(f"weights='model' takes the Jacobian at a point with the model's own weights (the kernels "
                         f"of its Conv1D, Dense, LSTM and other layers with a kernel); {what} {model.name!r} "
                         f"({type(model).__name__}) has no layer with a kernel (pooling, padding, cropping and "
                         "upsampling have no weights at all) and does not know its input's shape: use weights=None "
                         "for its path counts, or, for its Jacobian, give it an Input that gives the channels, "
                         "models.Sequential([layers.Input((input_length, channels)), ...]), or make it a functional "
                         "model, x = layers.Input((input_length, channels)); models.Model(x, layer(x))")
    if first is None:
        raise ValueError("weights='model' needs a built model: call it on an input first")
    if steps_axis == 2 and _kind(first) in PER_STEP:
        # a Dense first works on the steps there: its kernel (steps, units) does not give the channels
        raise ValueError(f"weights='model' needs the number of input channels: the first layer with a kernel of "
                         f"model {model.name!r} is a Dense, which works on the steps of a channels_first model, "
                         "and the model does not know its input shape; give it an Input((channels, steps)) first")
    return (int(_in_channels(first)),)


#: tinygradconv's own layer kinds whose call at inference computes each sample of a batch from that sample alone,
#: whatever their settings (a recurrent layer's state is one per sample; a merge adds sample to sample; a Reshape,
#: Permute or Flatten never moves the batch axis; the noise and dropout layers are the identity at inference).
SAMPLES_APART = frozenset(
    CONVOLUTIONS + DEPTHWISE + POOLING + RESAMPLING + PER_STEP + ALL_STEPS + RESHAPING
    + tuple(kind for kind in MERGES if kind != "Concatenate")
    + ("Activation", "Dropout", "ReLU", "LeakyReLU", "ELU", "PReLU", "InputLayer", "GaussianNoise", "GaussianDropout",
       "SpatialDropout1D", "Identity", "Masking", "Embedding", "Rescaling", "ActivityRegularization",
       "AdaptiveAveragePooling1D", "AdaptiveMaxPooling1D", "SimpleRNN", "LSTM", "GRU", "TimeDistributed"))
#: Kinds that keep the samples apart unless their ``axis`` reaches the batch axis (axis 0; Softmax's ``axis=None``:
#: every axis): a softmax, a norm or statistics over the batch, a Concatenate along it.
_AXIS_KINDS = ("Softmax", "LayerNormalization", "UnitNormalization", "BatchNormalization", "GroupNormalization",
               "Concatenate")


def _axis_reaches_batch(layer):
    """Whether the ``axis`` setting of a layer of :data:`_AXIS_KINDS` names the batch axis: ``None`` (Softmax: every
    axis), 0, or ``-rank`` for the rank of the input it was built for (a negative axis whose rank is not known:
    assumed to)."""
    axis = layer.axis
    if axis is None:
        return True
    shape = (layer.__dict__.get("_build_shapes_dict") or {}).get("input_shape")
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):    # a merge: a list of shapes
        shape = shape[0]
    rank = len(shape) if isinstance(shape, (tuple, list)) else None
    for a in axis if isinstance(axis, (list, tuple)) else [axis]:
        a = int(a)
        if a == 0 or (a < 0 and (rank is None or a == -rank)):
            return True
    return False


def _samples_apart(layers):
    """Whether every layer (nested models' and wrapped layers' included) is one of tinygradconv's own that, at
    inference, computes each sample of a batch on its own (:data:`SAMPLES_APART`, and Softmax, the normalizations
    and Concatenate unless their ``axis`` reaches the batch axis), so that a batch of copies of the point gives
    every output step's row of the Jacobian in one pass. A Lambda, a layer class of your own (``x - x.mean(axis=0)``)
    or ``Softmax(axis=0)`` mixes, or might mix, the samples: not assumed."""
    for layer in layers:
        if is_model(layer):
            if not (is_functional(layer) or type(layer).__name__ == "Sequential") \
                    or not _samples_apart(_layers(layer, any_kind=True)):
                return False
            continue
        kind = type(layer).__name__
        if not type(layer).__module__.startswith("tinygradconv.layers."):
            return False
        if kind in _AXIS_KINDS:
            if _axis_reaches_batch(layer):
                return False
        elif kind not in SAMPLES_APART:
            return False
        if kind == "TimeDistributed" and not _samples_apart([layer.layer]):
            return False
    return True


def _output_steps(y, steps_axis):
    """``(number of output steps, index of the seed)`` for an output ``y`` of the batch: a signal ``(batch, steps,
    ...)`` (channels_first ``(batch, channels, steps)``) has its steps; ``(batch, features)`` (an LSTM without
    ``return_sequences``, a Flatten, a global pooling) is one step."""
    if y.ndim == 2:
        return 1, None
    if y.ndim < 2 or (steps_axis == 2 and y.ndim != 3):
        raise ValueError(f"Invalid value for argument `model`: its output has shape {tuple(y.shape)}; the Jacobian "
                         f"across the steps needs an output (batch, steps, ...) or (batch, features)")
    return y.shape[steps_axis], steps_axis


def _model_jacobian(model, input_length, at=None, absolute=False):
    """``J[n, j] = sum over channels of d y[n, c] / d x[j, c']`` at the input ``at`` (default: ones; else a float64
    array from :func:`_point`, whose shape is checked here), for a model of any layers (recurrent ones, Lambda,
    TimeDistributed included): by autograd, one backward pass for all output steps where the samples of a batch
    stay apart (:func:`_samples_apart`), one per output step otherwise. ``absolute``: the sum of
    ``|d y[n, c] / d x[j, c']|`` instead, which needs one seed per output step *and channel* (a seed of ones over the
    channels gives their sum only): ``output_length × channels`` rows instead of ``output_length``."""
    from ..config import floatx

    layers = _layers(model, any_kind=True)
    steps_axis = _steps_axis(model, any_kind=True)
    features = _features(model, layers, steps_axis)
    first = next((layer for layer in layers if _channels(layer) is not None), None)
    if first is not None:
        dtype = dtype_name(first.kernel.dtype)
    elif model.weights:
        dtype = dtype_name(model.weights[0].dtype)
    else:
        dtype = model._input_layers[0].dtype if is_functional(model) else floatx()
    size = int(np.prod(features))
    _jacobian_fits(model, input_length, features)
    shape = (input_length, *features)
    if at is None:
        point = np.ones(shape)
    else:
        # (steps, channels), or a batch of one, or the steps alone for one channel; never another shape of as many
        # numbers: (channels, steps) read as (steps, channels) would be another point, without a word
        point = at
        if point.shape not in (shape, (1, *shape)) and (size != 1 or point.shape != (input_length,)):
            also = f" or ({input_length},)" if size == 1 else ""
            names = "(steps, channels)" if len(features) == 1 else "(steps, ...)"
            raise ValueError(f"Invalid value for argument `at`. Expected an input of shape {shape} {names}{also}. "
                             f"Received an array of shape {point.shape}")
        point = point.reshape(shape)
    if steps_axis == 2:
        point = point.T
    # the model's own backend (model.to moves its weights): the probe and the pass run where its weights are
    backend = model.weights[0].backend if model.weights else None
    probe = _lone_output(model(Tensor(point[None], dtype=dtype, backend=backend, requires_grad=True),
                               training=False))
    n_out, seed_axis = _output_steps(probe, steps_axis)
    out_features = int(np.prod(probe.shape[1:])) // n_out
    per_seed = out_features if absolute else 1           # seeds per output step: one per channel, or one for all
    _jacobian_fits(model, input_length, features, n_out * per_seed, out_features)
    # what the backward pass of one sample keeps (a recurrent layer: its activations at every step), from the probe's
    # graph: a batched pass of `chunk` copies keeps about `chunk` times that, and twice with its gradients
    chunk = max(1, JACOBIAN_PASS_BYTES // max(1, 2 * _graph_bytes(probe)))
    del probe
    # the passes also reach the model's weights: their .grad (which a training loop may hold between backward()
    # and its optimizer's step) are set aside and put back untouched, as the pictures' own passes do
    held = [(w, w._grad) for w in model.weights]
    for w, _ in held:
        w._grad = None
    try:
        seeds = n_out * per_seed         # seed i: output step i // per_seed (its channel i % per_seed if absolute)
        if _samples_apart(layers):       # sample i of a batch of copies asks for seed i: one pass for all,
            # or for `chunk` seeds at a time where all would keep more than JACOBIAN_PASS_BYTES
            grad = np.concatenate([_jacobian_pass(model, point, np.arange(start, min(start + chunk, seeds)),
                                                  seed_axis, dtype, backend, per_seed)
                                   for start in range(0, seeds, chunk)])
        else:                            # one pass a seed, on a batch of one
            grad = np.concatenate([_jacobian_pass(model, point, [i], seed_axis, dtype, backend, per_seed)
                                   for i in range(seeds)])
    finally:
        for w, g in held:
            w._grad = g
    if absolute:                         # |d y[n, c] / d x[j, c']| of each pair of channels, before their sum
        grad = np.abs(grad)
    # sum over the output channels (absolute: one row each) and every axis of the input sample but the steps
    if steps_axis == 2:                  # (seeds, channels, steps)
        return grad.reshape(n_out, per_seed, -1, input_length).sum(axis=(1, 2))
    return grad.reshape(n_out, per_seed, input_length, -1).sum(axis=(1, 3))


#: The most bytes that one batched pass of ``weights="model"`` (:func:`model_connectivity_matrix`) may keep for its
#: backward pass (256 MiB): the output steps are taken that many copies at a time that their graph, measured on the
#: pass of one sample, stays under it (a 1000-step LSTM keeps about 1 MiB a sample).
JACOBIAN_PASS_BYTES = 2 ** 28


def _graph_bytes(out):
    """The bytes of the arrays that the graph of ``out`` keeps for its backward pass: every non-leaf tensor's array
    and every op's saved arrays (each counted once; a view as its own size, an upper bound)."""
    seen, total, stack = set(), 0, [out]
    while stack:
        tensor = stack.pop()
        ctx = tensor._ctx
        if ctx is None or id(tensor) in seen:
            continue
        seen.add(id(tensor))
        for array in (tensor._data, *ctx.saved_tensors):
            if id(array) not in seen and hasattr(array, "dtype") and hasattr(array, "size"):
                seen.add(id(array))                 # (array-api-strict's arrays have no nbytes)
                total += int(array.size) * np.dtype(dtype_name(array.dtype)).itemsize
        stack.extend(parent for parent in ctx.inputs if parent is not None)
    return total


def _jacobian_pass(model, point, rows, seed_axis, dtype, backend, per_seed=1):
    """One forward and one backward pass of a batch of ``len(rows)`` copies of ``point``, sample ``i`` seeded with
    ones at output step ``rows[i]`` (every channel) and zeros elsewhere; returns the gradient of the batch, float64.
    A seed of ones at step ``n`` is the gradient of ``y[n].sum()``: for each sample its own row of the Jacobian.
    ``per_seed`` > 1 (one seed per channel): ``rows[i]`` numbers a pair, output step ``rows[i] // per_seed`` and its
    channel ``rows[i] % per_seed`` (the features of a step flattened), seeded with a single one."""
    x = Tensor(np.broadcast_to(point, (len(rows), *point.shape)).copy(), dtype=dtype, backend=backend,
               requires_grad=True)
    y = _lone_output(model(x, training=False))
    seed = np.zeros(y.shape)
    batch = np.arange(len(rows))
    steps, channels = np.asarray(rows) // per_seed, np.asarray(rows) % per_seed
    if per_seed > 1:                                            # one output channel of one step
        if seed_axis is None:                                   # (batch, features): one step
            seed[batch, channels] = 1.0
        elif seed_axis == 1:                                    # (batch, steps, ...): its features flattened
            seed.reshape(len(rows), y.shape[1], -1)[batch, steps, channels] = 1.0
        else:                                                   # (batch, channels, steps)
            seed[batch, channels, steps] = 1.0
    elif seed_axis is None:
        seed[:] = 1.0
    elif seed_axis == 1:
        seed[batch, steps] = 1.0
    else:
        seed[batch, :, steps] = 1.0
    y.backward(Tensor(seed, dtype=dtype_name(y.dtype), backend=y.backend))
    return np.asarray(x.grad.numpy(), dtype=np.float64)


def _lone_output(out):
    """The one output of a call of a model of one output: a model built with a dict of one output,
    ``models.Model(x, {"out": y})``, returns that dict (as Keras 3), whose one value is the output. A recurrent
    layer with ``return_state=True`` returns ``(output, *states)``: its output."""
    if isinstance(out, dict):
        (out,) = out.values()
    if isinstance(out, (tuple, list)):
        out = out[0]
    return out


def _jacobian_fits(model, input_length, features, n_out=None, out_features=1):
    """Refuse a Jacobian (``weights="model"``) whose batch of ``n_out`` inputs (one per output step), its gradient,
    the outputs and their seed and the result need more than ``MAX_MATRIX_CELLS`` float64 cells; ``n_out=None``,
    before the output's length is known: as for one output step. ``features``: the input sample's axes other than
    the steps (``(channels,)``)."""
    n, size = 1 if n_out is None else n_out, int(np.prod(features))
    cells = 2 * n * input_length * size + 2 * n * n * out_features + n * input_length
    batch = "a batch of inputs" if n_out is None else f"a batch of {n_out} inputs"
    each = f"{features[0]} channels" if len(features) == 1 else " × ".join(map(str, features))
    matrix_fits(cells, "input_length", input_length,
                f"the Jacobian of model {model.name!r} (weights='model'), computed on {batch} of {input_length} "
                f"steps × {each} (one per output step)")


def _point(at):
    """``at`` as a float64 array of finite numbers, or a TypeError (a string) or ValueError naming it."""
    expected = "Expected an input of finite real numbers, (steps, channels)"
    if isinstance(at, (str, bytes)):
        raise TypeError(f"Invalid type for argument `at`. {expected}. Received at={at!r}")
    point = real_values(at, "at", expected)
    if not np.all(np.isfinite(point)):
        raise ValueError(f"Invalid value for argument `at`. {expected}: the Jacobian at NaN or inf is not a number. "
                         f"Received at={at!r}")
    return point


def model_connectivity_matrix(model, input_length, weights=None, at=None, absolute=False):
    r"""The path matrix of a model, shape ``(output_length, input_length)``.

    For a Sequential, :math:`P = A_m \cdots A_1`, the product of the layers' one-channel matrices. For a functional
    model (one input, one output) every tensor of the graph gets a path matrix, the input's the identity: a layer
    maps its input's matrix ``P`` to ``A P``, and a **merge adds the path matrices of its inputs**,
    :math:`P = \sum_i P_i`, because a path from input step ``j`` through any of the branches reaches the output
    step (Concatenate along the steps axis instead stacks them, one block of output steps per input). So
    ``P[n, j]`` is the sum, over all routes through the graph from the input to the output, of the products of the
    layer matrices along the route.

    With all-ones kernels this is exactly the Jacobian of the model summed over channels for Add and Concatenate.
    For the other merges it is a count of paths, not that Jacobian: Subtract's Jacobian is ``A_1 - A_2`` and
    Average's ``(A_1 + A_2) / 2``; Multiply, Maximum and Minimum are not linear, so their Jacobian depends on the
    input (a product weights each branch by the other one's value, a maximum keeps only the branch that wins at
    that step). The count says which input steps *can* reach an output step and by how many routes;
    ``weights="model"`` gives the Jacobian at a point.

    Args:
        model: a Sequential model, or a functional model with one input and one output, or one layer, of Conv1D,
            Conv1DTranspose, DepthwiseConv1D, SeparableConv1D, MaxPooling1D, AveragePooling1D, UpSampling1D,
            ZeroPadding1D, Cropping1D, element-wise and per-step layers, Dense (channels_last: the identity across
            steps; channels_first: every step reaches every unit, its units the new steps), normalizations, global
            pooling, Flatten, Reshape, RepeatVector (see the module's notes), nested models and (functional) the
            merges Add, Subtract, Multiply, Average, Maximum, Minimum and
            Concatenate. With ``weights="model"``, layers of any kind: SimpleRNN, LSTM, GRU, Lambda,
            TimeDistributed and layers of your own too (a single layer must be built, or the model know its input
            shape), inputs ``(steps, channels)`` (``(channels, steps)`` channels_first) or, for a TimeDistributed,
            ``(steps, ...)``, outputs ``(steps, ...)`` or one vector ``(features,)``, drawn as one output step (an
            LSTM without ``return_sequences``, a Flatten, a global pooling).
        input_length: ``L``, the number of input steps. For the path counts (``weights=None``) it may differ from
            the length the model's ``Input`` fixes: they depend on the layers' settings only, so that a model
            declared for 64 steps can be drawn on 16 (``examples/unet_1d.py``). ``weights="model"`` runs the model,
            which takes its own length only.
        weights: ``None`` (default): every layer with one channel, all-ones kernels, no bias and no activation, so
            ``P[n, j]`` counts the paths from input step ``j`` to output step ``n``; a layer whose pattern no
            setting fixes (recurrent, Lambda, TimeDistributed) is refused, the message saying so. ``"model"``: the
            model's own weights, ``P[n, j] = sum over c, c' of d y[n, c] / d x[j, c']`` (its Jacobian summed over
            channels, every other axis of the sample too; for a model with non-linear layers it depends on the
            point ``at``), at inference (``training=False``: no dropout, moving statistics). By our autograd: one
            forward and one backward pass of a batch of ``output_length`` copies of the point (in chunks of as many
            copies as keep under ``JACOBIAN_PASS_BYTES``, 256 MiB, for their backward pass, measured on one
            sample's graph: a long recurrent model's activations grow as steps² × units), sample ``n`` seeded
            with ones at output step ``n`` and zeros elsewhere, so its gradient is row ``n`` (the samples of a
            batch never meet at inference, in the layers of :data:`SAMPLES_APART`); a model with a Lambda, a layer
            class of your own, or a Softmax, normalization or Concatenate whose ``axis`` reaches the batch axis
            (``Softmax(axis=0)``), which mix or might mix the samples, gets one pass per output step on a batch of
            one instead. An input step that no
            computation joins to an output step gets an exactly zero entry (a recurrent layer: above the diagonal).
        at: with ``weights="model"``, the input ``(input_length, channels)`` where the Jacobian is taken (default:
            ones); finite numbers, of that shape (or ``(1, input_length, channels)``; ``(input_length,)`` for one
            channel).
        absolute: with ``weights="model"``, ``True`` gives ``S[n, j] = sum over c, c' of |d y[n, c] / d x[j, c']|``
            instead of the signed sum: channels whose derivatives cancel in ``P`` (``y = x[:, 0] - x[:, 1]``: ``P``
            is all zeros) still count, so ``S[n, j]`` is zero exactly when no channel of output step ``n`` depends
            on any channel of input step ``j`` at this point (the pictures draw it). It needs a seed per output
            step and channel: ``output_length × channels`` rows in the batch (or passes, one per row, for a model
            whose samples might mix). With ``weights=None`` the path counts are non-negative already: the same.

    Raises:
        TypeError: not a Sequential or functional model, or (``weights=None``) a layer with no matrix here; an
            ``at`` that is a string; an ``absolute`` that is not a bool.
        ValueError: a bad ``input_length`` or ``weights``, with ``weights="model"`` an ``input_length`` other than
            the one the model's ``Input`` (or ``input_shape``) fixes, a layer that leaves no steps, merged branches
            whose lengths differ at this ``input_length``, a Concatenate along the batch axis, or a functional model
            with several inputs or outputs (the message says how to pick one of each); an ``at`` that is not finite
            numbers of the input's shape, or given without ``weights="model"`` (the path counts have no point);
            matrices that need more than ``MAX_MATRIX_CELLS`` float64 cells (refused before they are made; with
            ``weights="model"``, after one forward pass of one input, which gives the number of output steps);
            with ``weights="model"``, a model not built that does not know its input's shape, an input or an
            output with no steps axis.

    >>> from tinygradconv.models import Sequential
    >>> from tinygradconv.layers import Conv1DTranspose
    >>> m = Sequential([Conv1DTranspose(1, 2, strides=2), Conv1DTranspose(1, 2, strides=2)])
    >>> model_connectivity_matrix(m, 2).astype(int).T.tolist()    # each input reaches 4 steps, by one path each
    [[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]]
    >>> from tinygradconv import layers, models
    >>> x = layers.Input((None, 1))
    >>> y = layers.Add()([x, layers.Conv1D(1, 3, padding="same")(x)])     # a residual block
    >>> model_connectivity_matrix(models.Model(x, y), 4).astype(int).tolist()  # the skip adds 1 on the diagonal
    [[2, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, 2]]
    >>> rnn = models.Sequential([layers.Input((4, 1)), layers.GRU(2, return_sequences=True, go_backwards=True)])
    >>> (model_connectivity_matrix(rnn, 4, weights="model") != 0).astype(int).tolist()  # the last n + 1 steps
    [[0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 1, 1], [1, 1, 1, 1]]
    >>> diff = models.Sequential([layers.Input((3, 2)), layers.Lambda(lambda t: t[:, :, :1] - t[:, :, 1:])])
    >>> model_connectivity_matrix(diff, 3, weights="model").tolist()   # +1 and -1 cancel in the signed sum
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    >>> model_connectivity_matrix(diff, 3, weights="model", absolute=True).tolist()   # |+1| + |-1|
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]
    """
    if not isinstance(absolute, (bool, np.bool_)):
        raise TypeError(f"Invalid type for argument `absolute`. Expected a bool (True: the sum over channels of "
                        f"|dy/dx|, False: the signed sum). Received absolute={absolute!r} of type "
                        f"{type(absolute).__name__}")
    model_weights = isinstance(weights, str) and weights == "model"
    if at is not None and not model_weights:
        raise ValueError(f"Invalid value for argument `at`: the point where the Jacobian is taken is used only with "
                         f"weights='model' (the path counts are the same at every point). Received an `at` of type "
                         f"{type(at).__name__} with weights={weights!r}")
    if weights is not None and not model_weights:
        raise ValueError(f"Invalid value for argument `weights`. Expected None or 'model'. Received "
                         f"weights={weights!r}")
    if weights is None:               # the path counts depend on the layers' settings only: any length they take
        _check_buildable(model, input_length)
        return _path_matrices(_graph_steps(model, input_length))[-1]
    from ..ops.conv_arithmetic import normalize_int

    input_length = normalize_int(input_length, "input_length")
    _check_declared_length(model, input_length)    # the Jacobian runs the model, which takes its own length only
    return _model_jacobian(model, input_length, None if at is None else _point(at), bool(absolute))


def _check_declared_length(model, input_length):
    """For ``weights="model"``: refuse an ``input_length`` other than the one the model's ``Input`` fixes (a
    functional model, or a Sequential that starts with an ``Input`` or has an ``input_shape``), which the model's
    own forward pass refuses, as Keras'. A Sequential built by a call on data fixes no length, as it takes other
    lengths after. Several inputs are refused afterwards, each named (:func:`_graph_steps`)."""
    if is_functional(model):
        shape = model._inputs[0].shape if len(model._inputs) == 1 else None
    else:                                       # a Sequential built on data of some length takes any other too
        shape = getattr(model, "_input_batch_shape", None)
    steps = shape[_steps_axis(model, any_kind=True)] if shape is not None and len(shape) >= 3 else None
    if steps not in (None, input_length):       # (input_length: a plain int, from normalize_int)
        raise ValueError(f"Invalid value for argument `input_length`: model {model.name!r} takes inputs of shape "
                         f"{shape}, of {steps} steps. Received input_length={input_length}")


def overlap_counts(model_or_layer, input_length, **kwargs) -> np.ndarray:
    """How many paths reach each output step: the row sums of the path matrix (all-ones kernels).

    ``model_or_layer`` is a model (Sequential, or functional with one input and one output: see
    :func:`model_connectivity_matrix`), a Conv1D / Conv1DTranspose layer, or ``"conv1d"`` / ``"conv1d_transpose"``
    with the op's arguments in ``kwargs`` (as for :func:`~tinygradconv.viz.connectivity_matrix`; with a model or a
    layer, ``kwargs`` must be empty: a TypeError says its configuration gives them). For a
    transposed convolution with kernel size ``k`` and stride ``s``, the steps away from the ends receive
    ``floor(k/s)`` or ``ceil(k/s)`` paths: even only when ``s`` divides ``k``.

    >>> overlap_counts("conv1d_transpose", 4, kernel_size=4, strides=2).astype(int).tolist()
    [1, 1, 2, 2, 2, 2, 2, 2, 1, 1]
    """
    if kwargs and not isinstance(model_or_layer, str):
        # a model or a layer brings its own kernel sizes, strides and paddings: an op argument would be ignored
        raise layer_conflict(model_or_layer, kwargs)
    if _as_model(model_or_layer):
        matrix = model_connectivity_matrix(model_or_layer, input_length)
    else:
        matrix = _conv_matrix(model_or_layer, input_length, **kwargs)
    return matrix.sum(axis=1)


def _as_model(obj) -> bool:
    """Whether ``obj`` is drawn as a model: a model, or one layer other than a Conv1D / Conv1DTranspose (those go
    through the op's own functions); anything else that is not an op name is refused, naming ``model_or_layer``
    (an unknown op name too: the op's own check named an argument ``kind`` that the caller never used, found by a
    teacher)."""
    if isinstance(obj, str):
        if obj not in KINDS:
            raise ValueError(f"Invalid value for argument `model_or_layer`. Expected a model, a layer, or an op name "
                             f"among {KINDS} with the op's arguments. Received model_or_layer={obj!r}")
        return False
    if _kind(obj) in CONVOLUTIONS:
        return False
    if is_model(obj) or (_kind(obj) is not None and _kind(obj) not in MERGES):
        return True
    raise TypeError(f"Invalid type for argument `model_or_layer`. Expected a Sequential or functional model, one "
                    f"layer of a kind drawn here ({_SUPPORTED_TEXT}), or 'conv1d' / 'conv1d_transpose' "
                    f"with the op's arguments. Received {obj!r} of type {type(obj).__name__}")


def plot_overlap_counts(model_or_layer, input_length, ax=None, label=None, **kwargs):
    """Bar chart of :func:`overlap_counts`: paths reaching each output step (uneven bars: a checkerboard).

    Returns the Axes; the bars are ``ax.patches``, the title gives the minimum and maximum inside the output.

    Raises:
        ValueError: more than ``MAX_DRAWN_STEPS`` (400) steps in any signal (refused before any matrix is made).
        TypeError: op arguments in ``kwargs`` with a model or a layer, whose own settings are used.

    >>> ax = plot_overlap_counts("conv1d_transpose", 3, kernel_size=3, strides=2)
    >>> [int(p.get_height()) for p in ax.patches]
    [1, 1, 2, 1, 2, 1, 1]
    """
    if kwargs and not isinstance(model_or_layer, str):
        raise layer_conflict(model_or_layer, kwargs)
    what = "a bar chart of the paths per output step"
    if _as_model(model_or_layer):
        _check_drawable(model_or_layer, input_length, what)
    else:
        st = conv_setting(model_or_layer, input_length, **kwargs)
        if max(st.input_length, st.output_length) > MAX_DRAWN_STEPS:
            raise ValueError(f"Invalid value for argument `input_length`: {st.describe()} has {st.output_length} "
                             f"output steps, too many for {what} (at most {MAX_DRAWN_STEPS} steps). Draw a shorter "
                             f"input: the pattern repeats along the signal")
    counts = overlap_counts(model_or_layer, input_length, **kwargs)
    new_figure = ax is None
    ax = _axes(ax, figsize=(min(9.0, max(6.0, 3.0 + 0.18 * counts.size)), 2.8))
    ax.bar(np.arange(counts.size), counts, color="#4c72b0", width=0.85, label=label)
    ax.set_xlabel("output step")
    ax.set_ylabel("paths reaching it")
    inside = counts[len(counts) // 4: len(counts) - len(counts) // 4] if counts.size >= 4 else counts
    name = label or _describe(model_or_layer, kwargs)
    note = _batchnorm_note(model_or_layer)
    ax.set_title(_wrap_title(f"{name}\npaths per output step (middle half: {inside.min():g} to {inside.max():g})"
                             + (f"\n{note}" if note else ""), ax.figure.get_size_inches()[0] - 0.3), fontsize=9)
    ax.set_ylim(0, counts.max() * 1.15 + 0.1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    _step_ticks(ax.xaxis, counts.size)                  # output steps are whole numbers (no 0.5 tick), 0 .. n-1
    if new_figure:
        fit_figure(ax.figure)
    return ax


def _describe(obj, kwargs=None):
    """``obj`` in words for a title: an op with its arguments, a functional model by its layer count, a Sequential
    as its layers' texts (:func:`_layer_text`), a layer as its text."""
    if isinstance(obj, str):
        return f"{obj}({', '.join(f'{k}={v!r}' for k, v in (kwargs or {}).items())})"
    if is_functional(obj):
        layers = _layers(obj, any_kind=True)          # (a kind with no matrix: its Jacobian is drawn)
        merges = sum(_kind(layer) in MERGES for layer in layers)
        return f"model {obj.name!r} ({len(layers)} layers, {merges} merge{'s' if merges != 1 else ''})"
    if is_model(obj):
        steps_axis = _steps_axis(obj, any_kind=True)
        return " -> ".join(_layer_text(layer, steps_axis) for layer in _layers(obj, any_kind=True))
    return _layer_text(obj)


def _layer_text(layer, steps_axis=1):
    """How a row label or a title names ``layer`` (``steps_axis``: 2 in a channels_first model, where a Dense
    works on the steps)."""
    kind = _kind(layer) or type(layer).__name__
    if kind in CONVOLUTIONS or kind in DEPTHWISE:   # (depthwise and separable: no output padding)
        # what changes the connections: kernel size, stride, and when not the default, dilation, padding and
        # output padding (a dilated kernel skips steps; padding changes which steps the windows reach)
        text = f"k={layer.kernel_size[0]}, s={layer.strides[0]}"
        if layer.dilation_rate[0] != 1:
            text += f", d={layer.dilation_rate[0]}"
        if layer.padding != "valid":
            text += f", {layer.padding}"
        output_padding = getattr(layer, "output_padding", None)
        if output_padding is not None:
            text += f", output_padding={np.ravel(output_padding)[0]}"
        return f"{kind}({text}{_rule_setting_activation(layer, kind)})"
    if kind in POOLING:
        text = f"{layer.pool_size[0]}, s={layer.strides[0]}" + (", same" if layer.padding == "same" else "")
        return f"{kind}({text})"
    if kind in ALL_STEPS:
        return f"{kind}: every step to one"
    if kind in NORMALIZING and _statistics_over_steps(layer, steps_axis):
        return f"{kind}: statistics over every step"
    if kind == "RepeatVector":
        return f"RepeatVector({layer.n}): one step to {layer.n}"
    if kind == "Reshape":
        return f"Reshape({tuple(layer.target_shape)})"
    if kind == "UpSampling1D":
        return f"UpSampling1D({layer.size})"
    if kind == "ZeroPadding1D":
        return f"ZeroPadding1D({tuple(layer.padding)})"
    if kind == "Cropping1D":
        return f"Cropping1D({tuple(layer.cropping)})"
    if kind == "Model":
        return f"model {layer.name!r}"
    if kind in PER_STEP and steps_axis == 2:
        return f"Dense({layer.units}) over the steps: every step reaches every unit"
    if kind in PER_STEP:
        return f"Dense({layer.units}), per step: identity across steps"
    if kind == "Activation":
        return f"Activation({_activation_name(layer)!r})"
    if any(cls.__name__ in _RECURRENT for cls in type(layer).__mro__) and hasattr(layer, "units"):
        flags = [name for name in ("return_sequences", "go_backwards") if getattr(layer, name, False)]
        return f"{kind}({', '.join([str(layer.units), *flags])})"
    if kind == "TimeDistributed":
        return f"TimeDistributed({_layer_text(layer.layer)})"
    return kind


def _rule_setting_activation(layer, kind):
    """The words a convolution's label adds for its own ``activation=`` where that changes which steps or channels
    connect: ``", activation='softmax' over the steps"`` for a softmax, log_softmax or sparsemax over the steps
    (``data_format="channels_first"``: every output step then reads every input step), ``", activation='glu'"``
    where it changes the channel rule (:func:`channel_rule`); else ``""``."""
    if kind not in _WITH_ACTIVATION:
        return ""
    over_steps = "steps" in _normalized_axes(layer)
    if not over_steps and channel_rule(layer) == _own_channel_rule(layer, kind):
        return ""
    return f", activation={_activation_name(layer)!r}" + (" over the steps" if over_steps else "")


def _row_name(steps, k):
    return "input" if steps[k][0] is None else steps[k][0].name


def _fit_counts(fig, cells):
    """Make every count fit its cell, measured on the laid-out figure: the count, else the count turned upright
    (a narrow cell is taller than wide: three digits fit there), else rounded (``1.2e5``, then ``1e5``), else not
    written. Returns ``(any rounded, any left out)``."""
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()                        # the layout places the Axes: cells have their final size
    rounded = left_out = False
    for text, cell in cells:
        box = cell.get_window_extent(renderer)
        value = float(text.get_text())
        for form, rotation in ((_count_text(value), 0), (_count_text(value), 90), (_short(value, 2), 0),
                               (_short(value, 2), 90), (_short(value, 1), 0), (_short(value, 1), 90)):
            text.set_text(form)
            text.set_rotation(rotation)
            extent = text.get_window_extent(renderer)
            if extent.width <= box.width - 2.0 and extent.height <= box.height - 1.0:
                rounded |= form != _count_text(value)
                break
        else:
            text.set_text(_count_text(value))
            text.set_rotation(0)
            text.set_visible(False)
            left_out = True
    return rounded, left_out


def _count_text(value):
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:g}"


def _short(value, digits):
    """``value`` in a short scientific form: ``_short(103550, 2) == "1.0e5"``, ``_short(103550, 1) == "1e5"``."""
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


MAX_LABEL_CHARS = 48
"""The widest line of a row label in :func:`plot_model_connectivity` (8 points: about 3.3 inches): a longer label
(long layer names in a functional model) is folded onto several lines, so the cells keep most of the width."""


def _fold_label(label, chars=MAX_LABEL_CHARS):
    """A row label on lines of at most ``chars`` characters where it can be broken: after ``name:``, at spaces
    outside brackets, after the commas inside them (a single name longer than a line stays whole).

    >>> print(_fold_label("decoder_block_upsampling: Conv1DTranspose(k=4, s=2, same)", 30))
    decoder_block_upsampling:
    Conv1DTranspose(k=4, s=2, same)
    """
    if len(label) <= chars:
        return label
    name, colon, text = label.partition(": ")
    parts = [name + ":", text] if colon else [label]
    inches = (chars + 1) * 0.62 * 8 / 72                  # _wrap_title's measure of `chars` characters at 8 points
    return "\n".join(line for part in parts for line in _wrap_title(part, inches, fontsize=8).split("\n"))


def _row_label(steps, k, functional, steps_axis=1):
    layer, sources, _ = steps[k]
    if layer is None:
        return "input"
    if not functional:
        return _layer_text(layer, steps_axis)
    text = _layer_text(layer, steps_axis)
    if _kind(layer) in MERGES:
        names = ", ".join("input" if steps[s][0] is None else steps[s][0].name for s, _ in sources)
        text = f"{text}({names})"
    return f"{layer.name}: {text}"


def _drawn_jacobian(model, input_length, weights, at, what):
    """For a picture: None for the path counts (``weights=None``, no ``at``), else the Jacobian of
    ``weights="model"`` (:func:`model_connectivity_matrix`) as ``(signed, absolute)``, the signed sum over channels
    and the sum of the absolute values (``absolute=True``); its input and output at most
    ``MAX_DRAWN_STEPS`` steps (the input refused before the model runs)."""
    if weights is not None and not (isinstance(weights, str) and weights == "model"):
        raise ValueError(f"Invalid value for argument `weights`. Expected None (the path counts of all-ones "
                         f"kernels, layer by layer) or 'model' (the Jacobian with the model's own weights). Received "
                         f"weights={weights!r}")
    if weights is None:
        if at is not None:
            model_connectivity_matrix(model, input_length, at=at)         # its own message: `at` needs 'model'
        return None
    from ..ops.conv_arithmetic import normalize_int

    length = normalize_int(input_length, "input_length")
    if length > MAX_DRAWN_STEPS:
        raise ValueError(f"Invalid value for argument `input_length`: input_length={input_length!r} is too long for "
                         f"{what} (at most {MAX_DRAWN_STEPS} steps). Draw a shorter input")
    # two sets of passes: the signed sum is exactly model_connectivity_matrix's (one seed per output step; the sum
    # of the per-channel rows would differ from it in the last float32 bits)
    matrix = model_connectivity_matrix(model, length, weights="model", at=at)
    size = model_connectivity_matrix(model, length, weights="model", at=at, absolute=True)
    if matrix.shape[0] > MAX_DRAWN_STEPS:
        raise ValueError(f"Invalid value for argument `input_length`: input_length={input_length!r} makes "
                         f"{matrix.shape[0]} output steps, too many for {what} (at most {MAX_DRAWN_STEPS}). Draw a "
                         f"shorter input")
    return matrix, size


def _pattern_note(matrix):
    """The shape of the non-zero entries of a square Jacobian in words, or ``""``: a lower triangle (causal: a
    recurrent layer), the same read right to left (go_backwards, whose outputs come last step first), an upper
    triangle, the diagonal, every entry.

    >>> _pattern_note(np.tril(np.ones((3, 3))))
    'lower triangle: causal, output step n depends on input steps 0 to n only'
    """
    n_out, n_in = matrix.shape
    nonzero = matrix != 0
    if n_out != n_in or n_in < 2 or not nonzero.any():
        return ""
    if nonzero.all():
        return "every output step depends on every input step"
    if not (nonzero & ~np.eye(n_in, dtype=bool)).any():
        return "diagonal: each output step depends on its own input step only"
    if not np.triu(nonzero, 1).any():
        return "lower triangle: causal, output step n depends on input steps 0 to n only"
    if not np.tril(nonzero, -1).any():
        return "upper triangle: output step n depends on input steps n to the last only"
    if not np.triu(nonzero[:, ::-1], 1).any():
        return ("output step n depends on the last n + 1 input steps only (go_backwards: the steps read last to "
                "first, the outputs in that order)")
    return ""


def _plot_jacobian(model, matrix, size, at_given, fig=None):
    """The Jacobian of ``weights="model"`` as an image: output step ``n`` down, input step ``j`` across, the colour
    ``size``, ``S[n, j] = sum over c, c' of |dy[n, c]/dx[j, c']|`` (not the signed sum ``matrix``, in which channels
    can cancel: ``S`` is zero exactly when no channel depends on any) on a log scale (a recurrent layer's dependence
    fades by orders of magnitude along the steps, which a linear scale would paint as white; a linear one where the
    values span less than a decade), exact zeros white: no dependence at all."""
    from matplotlib.colors import ListedColormap, LogNorm, Normalize
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

    plt = pyplot()
    n_out, n_in = matrix.shape
    new_figure = fig is None
    if fig is None:
        fig = plt.figure(figsize=(7.5, min(6.5, 2.8 + 0.12 * n_out)), layout="constrained")
    ax = fig.subplots()
    nonzero = size[size > 0]
    top = float(nonzero.max()) if nonzero.size else 1.0
    low = max(float(nonzero.min()), top * 1e-12) if nonzero.size else 0.1
    # a log scale where |J| spans a decade or more; under a decade (one value included) a linear bar, whose ticks
    # read the values (a log bar there had one labelled tick, or none that said the value)
    log = top >= 10 * low
    norm = LogNorm(vmin=low, vmax=top) if log else Normalize(vmin=low if low < top else 0.0, vmax=top)
    cmap = ListedColormap(plt.get_cmap("Blues")(np.linspace(0.2, 1.0, 256)))
    cmap = cmap.with_extremes(bad="#ffffff", under=cmap(0))  # exactly 0: white; below the bar: its lightest blue
    image = ax.imshow(np.ma.masked_equal(size, 0.0), cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label(f"sum over channels of |dy[n, c]/dx[j, c']|, {'log' if log else 'linear'} scale\n"
                  "(white: exactly 0, no channel depends)", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    bar.ax.minorticks_off()                         # (the labelled ticks are enough, and much quicker to lay out)
    if log and top < 1000 * low:                    # 1 to 3 decades: 1, 2 and 5 of each decade, labelled
        bar.ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.3g}"))
    elif log:                                       # a labelled tick every decade, however short the bar
        bar.ax.yaxis.set_major_locator(LogLocator(numticks=15))
    elif low < top:
        bar.ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    else:                                           # one value: 0 and that value, written out
        bar.set_ticks([0.0, top], labels=["0", f"{top:.3g}"])
    ax.set_xlabel("input step j", fontsize=8)
    ax.set_ylabel("output step n", fontsize=8)

    for axis, n in ((ax.xaxis, n_in), (ax.yaxis, n_out)):   # integer steps, within 0 to n - 1 (one step: 0)
        _step_ticks(axis, n)
    ax.tick_params(labelsize=8)
    point = "at the point `at`" if at_given else "at x = ones"
    title = (f"{_describe(model)}: the Jacobian {point} with the model's own weights (inference), its size summed "
             f"over channels, S[n, j] = sum over c, c' of |dy[n, c]/dx[j, c']|")
    note = _pattern_note(size)
    if note:
        title += f"; {note}"
    if not nonzero.size:
        title += "; every entry is exactly 0 at this point"
    elif not matrix.any():
        title += ("; the signed sum over channels, fig.path_matrix, is exactly 0 everywhere: the channels' "
                  "derivatives cancel")
    ax.set_title(_wrap_title(title, max(3.0, fig.get_size_inches()[0] - 1.8)), fontsize=9)
    if new_figure:
        fit_figure(fig)
    fig.path_matrix = matrix
    fig.dependence = size
    fig.skips = []
    fig.layer_by_layer = False
    fig.lines_drawn = fig.lines_in_all = None
    return fig


def plot_model_connectivity(model, input_length, fig=None, max_lines=400, weights=None, at=None):
    """Draw the model layer by layer: one row of cells per signal (input at the top), a line for every non-zero
    entry of each layer's matrix (width grows with the count), and the number of paths reaching each step written
    in its cell (all-ones kernels, ``weights=None``). With ``weights="model"``, the model's Jacobian instead (any
    layer, recurrent ones included; see below).

    A functional model is drawn in topological order, one row per layer call, labelled ``name: layer``; a merge
    row names its inputs. A row label says what the layer is: ``Conv1D(k=3, s=1, same)``, ``Activation('tanh')``,
    ``Dense(4), per step: identity across steps``. Lines join a row to the row just above it; an input that comes
    from further up (a branch or a skip connection) is drawn as one bracket on the right, from the row it comes
    from to the merge row that takes it or, for a one-input layer, to a dashed copy of that row drawn just above
    the layer, so that the layer's own connections are drawn too. A count too long for its cell is rounded
    (``1.2e5``), or not written when even that does not fit (the title says so).

    A signal wider than ``MAX_LAYER_CELLS`` (40) steps leaves no room for the counts nor for distinct lines: the
    figure then shows the path-count matrix ``P[n, j]`` instead (output step ``n`` down, input step ``j`` across),
    colour-coded with a colour bar, and its title says so (a shorter ``input_length`` draws the layers).

    ``weights="model"`` draws the Jacobian of :func:`model_connectivity_matrix` with the model's own weights at the
    point ``at`` (default: ones), ``J[n, j] = sum over channels of dy[n]/dx[j]``, for a model of any layers: the
    recurrent ones (SimpleRNN, LSTM, GRU), Lambda and TimeDistributed, whose step-to-step pattern no setting fixes,
    included. Output step ``n`` down, input step ``j`` across, the colour
    ``S[n, j] = sum over c, c' of |dy[n, c]/dx[j, c']|`` (``absolute=True``: channels whose derivatives cancel in
    ``J``, ``y = x[:, 0] - x[:, 1]``, still show) on a log scale (the memory of a recurrent layer fades by orders of
    magnitude along the steps), an exactly zero entry white: no channel of output step ``n`` depends on any channel
    of input step ``j``. The title names the pattern where there is one: a lower triangle for a recurrent layer
    (causal: output step ``n`` depends on input steps 0 to ``n``), the same mirrored left to right with
    ``go_backwards`` (whose outputs come last step first, as in Keras: output step ``n`` depends on the last
    ``n + 1`` input steps), the diagonal for a TimeDistributed layer.

    Args:
        model: a model, as for :func:`model_connectivity_matrix`.
        input_length: ``L``, the number of input steps.
        fig: a matplotlib Figure to draw into (default: a new one).
        max_lines: a non-negative integer: at most ``max_lines`` lines are drawn between a row and the row
            above it; a row with more connections gets an evenly spread share of them (every ``m``-th, in the
            order of its output steps), and the title says how many of all were drawn (0: the cells and their
            counts only). ``fig.lines_drawn`` and ``fig.lines_in_all`` count them (``None`` for the matrix).
        weights: None (default): the paths of all-ones kernels, layer by layer; ``"model"``: the Jacobian with the
            model's own weights, as one matrix (``max_lines`` then has nothing to draw).
        at: with ``weights="model"``, the input where the Jacobian is taken, as for
            :func:`model_connectivity_matrix`.

    Returns the Figure (one Axes, plus the colour bar's for the matrix); ``fig.path_matrix`` is
    :func:`model_connectivity_matrix` (with ``weights`` and ``at``: the signed Jacobian; ``fig.dependence`` then
    the ``S`` drawn, its ``absolute=True``), ``fig.skips`` the
    ``(from step, to step)`` pairs of inputs that come from further up (step 0: the input, then one per layer call;
    none drawn for the matrix), ``fig.layer_by_layer``
    whether the layers were drawn.

    Raises:
        ValueError: ``weights`` neither None nor ``"model"``, an ``at`` without ``weights="model"``; a signal longer
            than ``MAX_DRAWN_STEPS`` (400) steps in any layer (refused before any matrix is made; with
            ``weights="model"`` the input before the model runs, its output after); a negative ``max_lines``; with
            ``weights="model"``, what :func:`model_connectivity_matrix` refuses.
        TypeError: a layer with no connectivity here with ``weights=None`` (see :func:`model_connectivity_matrix`:
            ``weights="model"`` draws it); a ``max_lines`` that is not an integer; a ``fig`` that is not a
            matplotlib Figure.

    >>> from tinygradconv.models import Sequential
    >>> from tinygradconv.layers import Conv1DTranspose, Input, LSTM
    >>> fig = plot_model_connectivity(Sequential([Conv1DTranspose(1, 3, strides=2)]), 3)
    >>> fig.path_matrix.sum(axis=1).astype(int).tolist()
    [1, 1, 2, 1, 2, 1, 1]
    >>> fig = plot_model_connectivity(Sequential([Input((4, 2)), LSTM(3, return_sequences=True)]), 4, weights="model")
    >>> (fig.path_matrix != 0).astype(int).tolist()          # causal: output step n depends on steps 0 to n
    [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]
    """
    max_lines = integer(max_lines, "max_lines", minimum=0)
    check_figure(fig)
    jacobian = _drawn_jacobian(model, input_length, weights, at, "a Jacobian matrix")
    if jacobian is not None:
        return _plot_jacobian(model, *jacobian, at is not None, fig)
    _check_drawable(model, input_length, "a path-count matrix")
    steps = _graph_steps(model, input_length)
    functional = is_functional(model)
    paths = _path_matrices(steps)
    lengths = [length for _, _, length in steps]
    skips = [(s, k) for k, (_, sources, _) in enumerate(steps) for s, _ in sources if s != k - 1]
    plt = pyplot()
    from matplotlib import patheffects

    widest = max(lengths)
    if widest > MAX_LAYER_CELLS:
        return _plot_path_matrix(model, steps, paths[-1], widest, skips, fig)
    # the rows drawn, top to bottom: (step, is a copy). A one-input layer whose input is not the row just above
    # gets a copy of that input's row right above it, so that its own connections are drawn like any other's
    shown, brackets = [], []                                  # brackets: (from row, to row), row = index in shown
    row_of = {}
    for k, (layer, sources, _) in enumerate(steps):
        if k and len(sources) == 1 and _kind(layer) not in MERGES and sources[0][0] != k - 1:
            brackets.append((row_of[sources[0][0]], len(shown)))
            shown.append((sources[0][0], True))
        elif k:
            brackets += [(row_of[src], len(shown)) for src, _ in sources if src != k - 1]
        row_of[k] = len(shown)
        shown.append((k, False))
    copies = any(copy for _, copy in shown)
    margin = 0.7 * len(brackets)                              # room on the right for the brackets
    rows = len(shown)
    labels = [_row_label(steps, k, functional, _steps_axis(model)) if not copy else f"({_row_name(steps, k)} again)"
              for k, copy in reversed(shown)]

    def left(k):
        return (widest - lengths[k]) / 2

    # each row's name sits just left of its own first cell: the room it needs left of the widest row, in inches
    # (8 pt, about 0.07 inch a character; 0.3 inch a cell)
    labels = [_fold_label(label) for label in labels]
    label_width = max(0.07 * max(map(len, label.split("\n"))) - 0.3 * left(k)
                      for label, (k, _) in zip(labels, reversed(shown)))
    new_figure = fig is None
    if fig is None:
        fig = plt.figure(figsize=(min(9.5, max(6.0, 1.0 + max(label_width, 0.0) + 0.3 * widest
                                                + 0.25 * len(brackets))),
                                  1.0 + (1.05 if rows < 8 else 0.75) * rows), layout="constrained")
    ax = fig.subplots()
    counts = [p.sum(axis=1) for p in paths]
    fontsize = 7 if widest > 24 or max(c.max() for c in counts) >= 100 else 8

    cells = []                                                # (count Text, its Rectangle)
    for r, (k, copy) in enumerate(shown):
        y = rows - 1 - r
        for j in range(lengths[k]):
            cell = ax.add_patch(plt.Rectangle((left(k) + j - 0.42, y - 0.18), 0.84, 0.36,
                                              facecolor="#f2f2f2" if copy else "#dde7f3",
                                              edgecolor="#999999" if copy else "#4c72b0", linewidth=0.8,
                                              linestyle="--" if copy else "-"))
            cells.append((ax.text(left(k) + j, y, _count_text(counts[k][j]), ha="center", va="center",
                                  fontsize=fontsize), cell))
    lines_drawn = lines_in_all = 0
    for r, (k, copy) in enumerate(shown):
        if copy or not r:
            continue
        above = shown[r - 1][0]                               # the step drawn just above (itself, or a copy)
        # every connection between the two rows: a merge of a row with itself (Add()([h, h])) has two blocks
        ends = [(n, j, block[n, j]) for s_, block in steps[k][1] if s_ == above for n, j in zip(*np.nonzero(block))]
        lines_in_all += len(ends)
        if len(ends) > max_lines:                             # an evenly spread share, so every step keeps some
            ends = [ends[i] for i in np.linspace(0, len(ends) - 1, max_lines).round().astype(int)]
        for n, j, count in ends:
            ax.plot([left(above) + j, left(k) + n], [rows - r - 0.18, rows - 1 - r + 0.18], color="#555555",
                    linewidth=0.6 + 0.6 * (min(count, 4) - 1), alpha=0.7)
        lines_drawn += len(ends)
    # Brackets whose rows overlap without nesting must cross (a skip from row 1 to 4 beside one from row 0 to 2):
    # each is drawn over a white halo, so where a later one crosses an earlier one it cuts a gap in it and is seen
    # to pass over, instead of two red lines meeting in a cross whose four arms could pair either way.
    halo = [patheffects.withStroke(linewidth=5, foreground="white")]
    for i, (r_from, r_to) in enumerate(brackets):             # an input from further up: a bracket on the right
        x = widest - 0.1 + 0.7 * i + 0.35
        k_from, k_to = shown[r_from][0], shown[r_to][0]
        y_from, y_to = rows - 1 - r_from, rows - 1 - r_to
        x_to = left(k_to) + lengths[k_to] - 0.4
        ax.plot([left(k_from) + lengths[k_from] - 0.4, x, x, x_to + 0.3], [y_from, y_from, y_to, y_to],
                color="#c44e52", linewidth=1.2, path_effects=halo, gid=f"bracket:{r_from}:{r_to}")
        ax.annotate("", xy=(x_to, y_to), xytext=(x_to + 0.3, y_to),       # the head only: one line, no gap
                    arrowprops={"arrowstyle": "-|>", "color": "#c44e52", "linewidth": 1.2, "path_effects": halo})
    # the layer names are the y tick labels: the layout keeps them inside the figure and clear of the cells. Each
    # is moved to just left of its row's first cell, so a narrow (centred) row is not left far from its name
    ax.set_yticks(range(rows), labels, fontsize=8)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlim(-0.6, widest - 0.4 + margin)
    # the cells span y ± 0.18 around their row: a little room beyond the top and bottom rows, no more (a wider
    # margin leaves blank bands above the input row and below the last row of a tall pyramid)
    ax.set_ylim(-ROW_ROOM, rows - 1 + ROW_ROOM)
    x0, x1 = ax.get_xlim()
    for tick, (k, _) in zip(ax.yaxis.get_major_ticks(), reversed(shown)):
        tick.label1.set_x((left(k) - 0.6 - x0) / (x1 - x0))           # in Axes coordinates
    title = f"paths through the {'graph' if functional else 'stack'}: a cell's number counts the paths from the " \
            f"input to it"
    if brackets:
        title += "; red brackets: an input taken from a row further up"
    if copies:
        title += " (a dashed row repeats it above the layer that reads it)"
    if lines_drawn < lines_in_all:
        title += f"; {lines_drawn} of the {lines_in_all} connections drawn as lines (max_lines={max_lines} per row)"
    if _several_channels(model):
        title += f"; {_channels_note(model, steps)}"
    note = _batchnorm_note(model)
    if note:
        title += f"; {note}"
    # the title spans the figure (the layer names on the left leave the Axes narrower than the figure)
    fig.suptitle(_wrap_title(title, max(3.0, fig.get_size_inches()[0] - 0.4)), fontsize=9)
    if new_figure:      # as tall as the rows drawn and the title's lines: the layout leaves no band empty
        title_lines = fig._suptitle.get_text().count("\n") + 1
        fig.set_size_inches(fig.get_size_inches()[0], 0.35 + 0.16 * title_lines
                            + (0.95 if rows < 8 else 0.7) * (rows - 1 + 2 * ROW_ROOM))
    rounded, left_out = _fit_counts(fig, cells)
    if rounded:
        title += "; a count too long for its cell is rounded: 1.2e5 = 120 000"
    if left_out:
        title += "; counts too long for the narrow cells are not written (fig.path_matrix has the last row's)"
    if rounded or left_out:
        fig.suptitle(_wrap_title(title, max(3.0, fig.get_size_inches()[0] - 0.4)), fontsize=9)
    if new_figure:
        fit_figure(fig)
    fig.path_matrix = paths[-1]
    fig.skips = skips
    fig.layer_by_layer = True
    fig.lines_drawn, fig.lines_in_all = lines_drawn, lines_in_all
    return fig


#: What a layer does to the channels, which the pictures do not draw (their steps are those of a connected channel
#: pair): each rule's words in the note. Checked by perturbing one input channel of each layer kind in Keras and
#: seeing which output channels move (tests/test_viz_channels_s47.py).
CHANNEL_RULES = {
    "every": "every input channel reaches every output channel",
    "group": "an input channel reaches only the output channels of its group",
    "same": "channel c reaches output channel c only",
    "placed": "channel c of each input reaches one output channel (its place in the joined channels)",
    "moved": "each value goes to one place, the channels moving between steps (an output step holds values of "
             "several input steps) or into one step's features",
    "halves": "output channel c reads input channels c and c + C/2 only, C the input channels (glu: the first half "
              "of the channels times the sigmoid of the second)",
    "gated": "output channel c reads the input channels that its two channels before the glu read (c and c + C/2, "
             "C the channels before it)",
}
#: Activations that mix a step's channels: each output reads every channel of its step (they normalize over the
#: last axis, the channels). Every other activation of :mod:`tinygradconv.activations` acts on each value alone,
#: but ``"glu"``, whose output channel c multiplies channel c by the sigmoid of channel c + C/2 (half as many
#: channels out). Checked by perturbing one channel, in Keras and here (tests/test_viz_channels_s47_f3.py).
_MIXING_ACTIVATIONS = ("softmax", "log_softmax", "sparsemax")
#: The layers with an ``activation=`` argument, applied to their output's last axis (the channels).
_WITH_ACTIVATION = ("Conv1D", "Conv1DTranspose", "DepthwiseConv1D", "SeparableConv1D", "Dense")


def channel_rule(layer, length=None, steps_axis=1):
    """Which of :data:`CHANNEL_RULES` a one-input layer or a merge follows (None for a nested model: see its layers);
    ``length``, its input steps, tells a Reshape that regroups steps (``"moved"``) from one that keeps them.

    Conv1D and Conv1DTranspose (``groups=1``), SeparableConv1D (its pointwise step mixes the channels), Dense and
    Embedding (one integer a step gives all the output channels): ``"every"``; so do LayerNormalization and
    UnitNormalization over the channels (a step's statistics run over its channels), a GroupNormalization of one
    group, an Activation("softmax"), ("log_softmax") or ("sparsemax") and a Masking whose ``mask_value`` is not 0
    (whether a step is zeroed depends on all its channels). A grouped Conv1D, DepthwiseConv1D (channel c to its
    ``depth_multiplier`` outputs) and a GroupNormalization of several groups: ``"group"``. Activation("glu"):
    ``"halves"``. Pooling, the other activations, dropout and noise, BatchNormalization, resampling, RepeatVector, a
    Reshape or Permute that keeps the steps, and the element-wise merges: ``"same"``. Concatenate along the channels:
    ``"placed"``. Flatten, a Reshape that regroups the steps or folds them: ``"moved"``.

    A layer's own ``activation=`` (Conv1D, Conv1DTranspose, DepthwiseConv1D, SeparableConv1D, Dense) comes after its
    channel rule: softmax, log_softmax and sparsemax make any of them ``"every"``; glu pairs its output channels c
    and c + C/2 (:func:`_glu_rule`); the other activations leave the rule as it is.

    Those activations work on the last axis, which is the steps with ``data_format="channels_first"`` (in Keras 3
    too): there a softmax leaves the channel rule as it is (each channel normalized over its own steps) and every
    output step reads every step, which the step picture draws; a ``Softmax`` layer follows its ``axis`` the same
    way (``"every"`` over the channels, ``"same"`` over the steps only). A glu over the steps and a softmax over the
    batch axis are refused when the model is drawn (:func:`_normalized_axes`).
    """
    kind = _kind(layer)
    if kind == "Model":
        return None
    axes = _normalized_axes(layer, steps_axis)
    if kind in _WITH_ACTIVATION:
        rule, activation = _own_channel_rule(layer, kind, steps_axis), _activation_name(layer)
        if activation in _MIXING_ACTIVATIONS:
            return "every" if "channels" in axes else rule      # over the steps (channels_first): the channels keep
        if activation == "glu" and "channels" not in axes:
            return rule                                          # over the steps: refused (_check_per_step)
        if activation == "glu" and rule != "every":
            return _glu_rule(_pre_activation_channels(layer, kind))
        return rule
    if kind == "Embedding":
        return "every"
    if kind == "GroupNormalization":
        channels = getattr(getattr(layer, "gamma", None), "shape", (None,))[0]
        return "every" if layer.groups == 1 else "same" if layer.groups == channels else "group"
    if kind in NORMALIZING:                      # LayerNormalization, UnitNormalization: over the channels?
        return "every" if _statistics_over_steps(layer, 3 - steps_axis) else "same"
    if kind == "Softmax" or (kind == "Activation" and _activation_name(layer) in _MIXING_ACTIVATIONS):
        return "every" if "channels" in axes else "same"
    if kind == "Activation" and _activation_name(layer) == "glu":
        return "halves" if "channels" in axes else "same"
    if kind == "Masking" and float(layer.mask_value) != 0.0:
        return "every"
    if kind == "Flatten" or (kind == "Reshape" and (len(layer.target_shape) == 1
                                                    or (length is not None
                                                        and _regroups(layer, length, steps_axis)))):
        return "moved"
    if kind == "Concatenate" and layer.axis % 3 == 3 - steps_axis:
        return "placed"
    return "same"


def _normalized_axes(layer, steps_axis=1):
    """The axes of a 3-D signal (``"batch"``, ``"steps"``, ``"channels"``) over which ``layer`` normalizes: a Softmax
    layer over its ``axis`` (None: every axis), an Activation or a layer's own ``activation=`` of softmax,
    log_softmax, sparsemax or glu over the last axis: the channels, but the steps for a layer with data_format=
    "channels_first" (an Activation: in a channels_first model, ``steps_axis`` 2); empty for any other layer. As in
    Keras 3, where ``Conv1D(4, 3, data_format="channels_first", activation="softmax")`` normalizes each channel over
    its steps (tests/test_viz_channels_s47_f8.py perturbs one step and one channel there)."""
    kind, activation = _kind(layer), _activation_name(layer)
    names = {0: "batch", steps_axis: "steps", 3 - steps_axis: "channels"}
    if kind == "Softmax":
        axis = layer.axis
        return set(names.values()) if axis is None else {names[int(a) % 3] for a in
                                                         (axis if isinstance(axis, (list, tuple)) else [axis])}
    if activation not in (*_MIXING_ACTIVATIONS, "glu") or kind not in (*_WITH_ACTIVATION, "Activation"):
        return set()
    if kind in ("Activation", *PER_STEP):                  # the last axis of the model's signal
        return {names[2]}
    return {"steps" if getattr(layer, "data_format", "channels_last") == "channels_first" else "channels"}


def _activation_name(layer):
    """The name of a layer's activation function (``"softmax"``, ``"glu"``, ...); ``""`` for none or a callable of
    the user's without a name."""
    return getattr(getattr(layer, "activation", None), "__name__", "") or ""


def _own_channel_rule(layer, kind, steps_axis=1):
    """The channel rule of a layer with an ``activation=`` argument, before its activation (a Dense in a
    channels_first model works on the steps, each channel alone: ``"same"``)."""
    if kind in PER_STEP and steps_axis == 2:
        return "same"
    if kind in CONVOLUTIONS:
        return "group" if getattr(layer, "groups", 1) > 1 else "every"
    return "group" if kind == "DepthwiseConv1D" else "every"


def _pre_activation_channels(layer, kind):
    """``reads[o, i]``: whether channel ``o`` of a grouped Conv1D or a DepthwiseConv1D, before its activation,
    reads input channel ``i`` (a Conv1D's channel ``o`` the inputs of its group ``o // (filters / groups)``, a
    DepthwiseConv1D's the input ``o // depth_multiplier``); ``None`` for a layer not built yet."""
    kernel = _channels(layer)
    if kernel is None:
        return None
    if kind == "DepthwiseConv1D":                     # kernel (k, C, depth_multiplier)
        channels, multiplier = kernel[1], kernel[2]
        return np.arange(channels * multiplier)[:, None] // multiplier == np.arange(channels)[None, :]
    per_group, filters = kernel[1], kernel[2]         # Conv1D: kernel (k, C / groups, filters)
    groups = layer.groups
    return (np.arange(filters)[:, None] // (filters // groups)
            == np.arange(per_group * groups)[None, :] // per_group)


def _glu_rule(reads):
    """The channel rule of a layer whose channel ``o`` reads the input channels ``reads[o]`` before a glu: glu's
    output channel c reads what channels c and c + P/2 read (P = ``len(reads)``). ``"every"`` when each output reads
    every input channel, ``"halves"`` when output c reads inputs c and c + C/2 only, ``"group"`` when the inputs
    fall in groups that each reach their own outputs, else ``"gated"`` (also for ``reads`` ``None``: unknown)."""
    if reads is None:
        return "gated"
    half = reads.shape[0] // 2
    out = reads[:half] | reads[half:]
    channels = out.shape[1]
    if out.all():
        return "every"
    if channels == 2 * half and np.array_equal(out, np.eye(half, channels, dtype=bool)
                                               | np.eye(half, channels, half, dtype=bool)):
        return "halves"
    reached = [tuple(np.nonzero(out[:, i])[0]) for i in range(channels)]
    blocks = all(a == b or not set(a) & set(b) for a in reached for b in reached)
    return "group" if blocks else "gated"


def _channel_rules(model, steps, outer=1):
    """``{rule: [layer kind, ...]}`` for the layers of ``model`` (nested models' included), ``steps`` its
    :func:`_graph_steps` at the input length drawn (the lengths tell a Reshape that regroups steps)."""
    rules = {}
    steps_axis = _steps_axis(model, outer) if is_model(model) else 1
    for layer, sources, _ in steps[1:]:
        length = steps[sources[0][0]][2]
        if _kind(layer) == "Model":
            inner = _channel_rules(layer, _graph_steps(layer, length, matrices=False, outer=steps_axis), steps_axis)
        else:
            rule = channel_rule(layer, length, steps_axis)
            inner = {rule: [_rule_label(layer, rule, steps_axis)]}
        for rule, kinds in inner.items():
            rules.setdefault(rule, [])
            rules[rule] += [k for k in kinds if k not in rules[rule] and k != "InputLayer"]
    return {rule: kinds for rule, kinds in rules.items() if kinds}


def _rule_label(layer, rule, steps_axis=1):
    """How the channels note names ``layer``: its class, with its activation where that sets the rule
    (``Activation('glu')``, ``DepthwiseConv1D(activation='softmax')``), so that two Activation layers under two rules
    are told apart."""
    name, kind = type(layer).__name__, _kind(layer)
    if kind == "Activation" and _activation_name(layer):
        return f"{name}({_activation_name(layer)!r})"
    if kind == "Softmax":
        return f"{name}(axis={layer.axis!r})"
    if kind in _WITH_ACTIVATION and rule != _own_channel_rule(layer, kind, steps_axis):
        return f"{name}(activation={_activation_name(layer)!r})"
    return name


def _channels_note(model, steps):
    """The note on channels for a model's title: for each kind of layer drawn, which channels it connects
    (:func:`channel_rule`), e.g. ``Conv1D: every input channel reaches every output channel; MaxPooling1D: channel
    c reaches output channel c only``. The steps drawn are those of each connected channel pair, except after a
    Reshape that moves channels between steps, which the note says. ``steps``: the model's :func:`_graph_steps`
    at the input length drawn."""
    rules = _channel_rules(model, steps)
    parts = [f"{', '.join(rules[rule])}: {words}" for rule, words in CHANNEL_RULES.items() if rule in rules]
    return "channels not drawn (" + "; ".join(parts) + ")"


#: Where a BatchNormalization is drawn: its matrix is the identity of inference (moving statistics); in training the
#: mean and variance of the batch run over the steps too (Keras: every axis but ``axis``), so every step connects.
_BATCHNORM_NOTE = ("BatchNormalization drawn at inference (the identity); in training its batch statistics run over "
                   "the steps, connecting every step")


def _batchnorm_note(model_or_layer, outer=1):
    """The note for a picture of ``model_or_layer`` (nested models included) with a BatchNormalization whose
    statistics run over the steps axis (``axis`` the channels, the default); ``""`` without one. With ``axis``
    naming the steps axis its statistics are per step: the identity across steps in training too."""
    if not (is_model(model_or_layer) or _kind(model_or_layer) is not None):
        return ""                                         # an op name ("conv1d_transpose")
    steps_axis = _steps_axis(model_or_layer, outer) if is_model(model_or_layer) else 1
    for layer in model_layers(model_or_layer):
        if _kind(layer) == "Model" and _batchnorm_note(layer, steps_axis):
            return _BATCHNORM_NOTE
        if _kind(layer) == "BatchNormalization" and not _statistics_over_steps(layer, steps_axis):
            return _BATCHNORM_NOTE                # (its axis is not the steps': statistics over the steps)
    return ""


def _several_channels(model, outer=1):
    """Whether a signal in ``model`` has more than one channel: an input with several channels (when the model
    knows its input shape), or a convolution (nested models included) with several filters or input channels."""
    steps_axis = _steps_axis(model, outer)
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, tuple) and len(shape) == 3 and (shape[3 - steps_axis] or 1) > 1:
        return True
    for layer in model_layers(model):
        if _kind(layer) == "Model" and _several_channels(layer, steps_axis):
            return True
        if _kind(layer) in CONVOLUTIONS:
            kernel = getattr(layer, "kernel", None)                   # (k, in, out) or (k, out, in), once built
            if layer.filters > 1 or (kernel is not None and max(kernel.shape[1:]) > 1):
                return True
        if _kind(layer) in DEPTHWISE and (layer.depth_multiplier > 1 or getattr(layer, "filters", 1) > 1
                                          or (layer.input_channels or 1) > 1):
            return True
        if _kind(layer) in PER_STEP and steps_axis == 1:    # (channels_first: its units are steps)
            kernel = getattr(layer, "kernel", None)                   # (in, units), once built
            if layer.units > 1 or (kernel is not None and kernel.shape[0] > 1):
                return True
        if _kind(layer) == "Embedding" and layer.output_dim > 1:
            return True
        if _kind(layer) == "Reshape" and len(layer.target_shape) == 2 and layer.target_shape[1] != 1:
            return True                                               # (steps, channels): several channels
    return False


def _plot_path_matrix(model, steps, matrix, widest, skips, fig=None):
    """The path-count matrix of a model too wide to draw layer by layer, with a colour bar (``steps``: the model's
    :func:`_graph_steps`, for the channels note)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    n_out, n_in = matrix.shape
    new_figure = fig is None
    if fig is None:
        fig = plt.figure(figsize=(7.5, min(6.5, 2.4 + 0.12 * n_out)), layout="constrained")
    ax = fig.subplots()
    top = float(matrix.max()) if matrix.size and matrix.max() > 0 else 1.0
    # one path is already a clear light blue, well apart from the white of no path
    cmap = ListedColormap(plt.get_cmap("Blues")(np.linspace(0.25, 0.95, 256))).with_extremes(under="#ffffff")
    image = ax.imshow(np.where(matrix > 0, matrix, -1.0), cmap=cmap, vmin=0.5 if top >= 1 else 0.0, vmax=top,
                      aspect="auto", interpolation="nearest")           # cells as wide as the page allows
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label("paths from input step j to output step n\n(white: none)", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("input step j", fontsize=8)
    ax.set_ylabel("output step n", fontsize=8)
    for axis, n in ((ax.xaxis, n_in), (ax.yaxis, n_out)):
        _step_ticks(axis, n)
    ax.tick_params(labelsize=8)
    title = (f"{_describe(model)}: a {widest}-step signal is too wide to draw layer by layer (at most "
             f"{MAX_LAYER_CELLS}); the path-count matrix P[n, j] instead (a shorter input_length draws the layers)")
    if _several_channels(model):
        title += f"; {_channels_note(model, steps)}"
    note = _batchnorm_note(model)
    if note:
        title += f"; {note}"
    ax.set_title(_wrap_title(title, max(3.0, fig.get_size_inches()[0] - 1.8)), fontsize=9)
    if new_figure:
        fit_figure(fig)
    fig.path_matrix = matrix
    fig.skips = skips
    fig.layer_by_layer = False
    fig.lines_drawn = fig.lines_in_all = None                 # no lines in the matrix
    return fig


def _steps_text(seen):
    """The input steps an output sees, in words: how many, then which (a range when they are contiguous).

    >>> _steps_text(np.array([0, 4, 8])), _steps_text(np.array([2, 3, 4, 5])), _steps_text(np.array([4, 5]))
    ('3 input steps (0, 4, 8)', '4 input steps (2 to 5)', '2 input steps (4, 5)')
    """
    if not seen.size:
        return "no input step"
    if seen.size == 1:
        return f"1 input step ({seen[0]})"
    if seen.size > 2 and seen.max() - seen.min() + 1 == seen.size:
        return f"{seen.size} input steps ({seen.min()} to {seen.max()})"
    shown = ", ".join(str(j) for j in seen) if seen.size <= 8 else \
        ", ".join(str(j) for j in seen[:3]) + ", ..., " + ", ".join(str(j) for j in seen[-2:])
    return f"{seen.size} input steps ({shown})"


def plot_receptive_field(model, input_length, output_index, ax=None, weights=None, at=None):
    """Highlight what output step ``output_index`` sees: the input steps with a path to it, and how many paths.

    With ``weights="model"`` (any layer, recurrent ones included), the bars are instead the row ``J[output_index]``
    of the Jacobian at ``at`` with the model's own weights (:func:`model_connectivity_matrix`): how much the output
    step moves for each input step, signed. "Depends on" counts the input steps where some channel's derivative is
    not zero (``absolute=True``, ``ax.dependence``): where the channels' derivatives cancel in the signed sum
    (``y = x[:, 0] - x[:, 1]``) a hollow circle on the axis marks the step; no bar and no circle: exactly zero.

    Returns the Axes; ``ax.receptive_field`` is the row ``P[output_index]`` of :func:`model_connectivity_matrix`
    (with ``weights`` and ``at``), ``ax.dependence`` that row with ``absolute=True`` (the path counts themselves
    with ``weights=None``).

    Raises:
        TypeError: ``output_index`` not an integer.
        ValueError: ``output_index`` outside ``[0, output_length)``; a signal longer than ``MAX_DRAWN_STEPS`` (400)
            in any layer at this ``input_length`` (refused before any matrix is made); ``weights`` other than None
            or ``"model"``, an ``at`` without ``weights="model"`` (as :func:`model_connectivity_matrix`).

    >>> from tinygradconv.models import Sequential
    >>> from tinygradconv.layers import Conv1DTranspose, Input, SimpleRNN
    >>> plot_receptive_field(Sequential([Conv1DTranspose(1, 3, strides=2)]), 3, 2).receptive_field.tolist()
    [1.0, 1.0, 0.0]
    >>> rnn = Sequential([Input((5, 1)), SimpleRNN(2, return_sequences=True)])
    >>> (plot_receptive_field(rnn, 5, 2, weights="model").receptive_field != 0).tolist()   # steps 0 to 2 only
    [True, True, True, False, False]
    """
    jacobian = _drawn_jacobian(model, input_length, weights, at, "a bar chart of the receptive field")
    if jacobian is None:
        _check_drawable(model, input_length, "a bar chart of the receptive field")
        matrix = size = model_connectivity_matrix(model, input_length)
    else:
        matrix, size = jacobian
    n_out = matrix.shape[0]
    if isinstance(output_index, bool) or not isinstance(output_index, (int, np.integer)):
        raise TypeError(f"Invalid type for argument `output_index`. Expected an integer in [0, {n_out}). "
                        f"Received output_index={output_index!r}")
    if not 0 <= output_index < n_out:
        raise ValueError(f"Invalid value for argument `output_index`. Expected an integer in [0, {n_out}). "
                         f"Received output_index={output_index!r}")
    row = matrix[output_index]
    new_figure = ax is None
    ax = _axes(ax, figsize=(min(9.0, max(6.0, 3.0 + 0.25 * row.size)), 2.8))
    ax.bar(np.arange(row.size), row, color="#d62728", width=0.85)       # no bar: no path from that step
    seen = np.nonzero(size[output_index])[0]           # (the Jacobian: some channel's derivative is not 0)
    span = _steps_text(seen)
    if weights is None:
        paths = row.sum()
        note = _batchnorm_note(model)
        head = f"output step {output_index} sees {span}, by {paths:g} path{'' if paths == 1 else 's'} in all"
        ax.set_ylabel("paths to the output step")
    else:
        note = (f"the Jacobian {'at the point `at`' if at is not None else 'at x = ones'} with the model's own "
                f"weights (inference), summed over channels; no bar: exactly 0")
        cancel = seen[row[seen] == 0]        # the output depends on these steps, but the channels' sum is 0
        if cancel.size:
            ax.plot(cancel, np.zeros(cancel.size), "o", markerfacecolor="none", markeredgecolor="#d62728")
            sizes = ", ".join(f"{v:.3g}" for v in size[output_index][cancel[:4]]) + (", ..." if cancel.size > 4 else "")
            note += (f"; o: depends, but the channels' derivatives cancel in the sum ({_steps_text(cancel)}; "
                     f"sum over channels of |dy/dx| there: {sizes})")
        head = f"output step {output_index} depends on {span}"
        ax.set_ylabel(f"dy[{output_index}]/dx[j]")
        ax.axhline(0.0, color="#555555", linewidth=0.6)
    ax.set_title(_wrap_title(f"{head}\n{_describe(model)}" + (f"\n{note}" if note else ""),
                             ax.figure.get_size_inches()[0] - 0.3), fontsize=9)
    ax.set_xlabel("input step")
    if weights is None:
        ax.yaxis.get_major_locator().set_params(integer=True)
    _step_ticks(ax.xaxis, row.size)                          # input steps are whole numbers, 0 .. n-1
    ax.set_xlim(-0.6, row.size - 0.4)
    if not seen.size:       # no bar at all: a count axis from 0 (matplotlib centred it on 0, ticking -0.04 .. 0.04)
        ax.set_ylim(0, 1)
    ax.receptive_field = row
    ax.dependence = size[output_index]
    if new_figure:
        fit_figure(ax.figure)
    return ax
