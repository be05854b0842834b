"""Models: ``Sequential`` and subclassed ``Model``, with Keras 3's ``compile`` / ``fit`` / ``evaluate`` / ``predict``.

A :class:`Model` is a :class:`~tinygradconv.layers.Layer` that also knows how to train itself. Build one of two ways:

* ``Sequential([layer, layer, ...])`` (or ``.add(layer)``), a plain stack;
* subclass ``Model``: create sub-layers as attributes in ``__init__`` and write ``call(inputs, training=None)``.

One training step on a batch :math:`(x, y)` is

.. math::

    L = \\operatorname{loss}(y, f_\\theta(x)) + \\sum_i R_i(\\theta), \\qquad
    \\theta \\leftarrow \\operatorname{optimizer}(\\theta, \\nabla_\\theta L)

where :math:`R_i` are the penalties in ``model.losses`` (weight and activity regularizers), added automatically.
The ``loss`` that ``fit`` reports for an epoch is, as in Keras, the running mean of the batch values of :math:`L`
weighted by batch size, i.e. :math:`\\sum_b n_b L_b / \\sum_b n_b`; metrics are accumulated over the epoch the same
way. ``evaluate`` reports the same quantities with ``training=False``.

Errors: bad arguments raise ``ValueError``/``TypeError`` naming the argument before any training starts; using a model
that was never compiled raises :class:`NotCompiledError` (both a ``RuntimeError`` and a ``ValueError``).

>>> import numpy as np
>>> import tinygradconv as tg
>>> from tinygradconv.layers import Layer
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")
...     def call(self, inputs):
...         return inputs * self.w
>>> model = tg.models.Sequential([Scale()])
>>> model.predict(np.ones((3, 2))).tolist()
[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
"""
from __future__ import annotations

import contextlib
import inspect
import itertools
import math
import numbers
import sys
import threading
import warnings
from types import MappingProxyType

import numpy as np

from . import callbacks as callbacks_module  # `callbacks` and `metrics` are also argument names here
from . import config, keras_format, losses, optimizers, saving
from . import metrics as metrics_module
from .autograd import no_grad
from .backend import dtype_name, get_backend
from .layers import auto_config
from .layers.input_layer import InputLayer, _inbound_nodes, cast_to_input, output_dtypes, shape_leaves
from .layers.keras_tensor import KerasTensor, flatten, is_symbolic
from .layers.layer import (
    Layer,
    _call_tensors,
    dtype_policy_config,
    get_keras_mask,
    is_array,
    set_keras_mask,
    several_inputs_error,
    unique_name,
)
from .tensor import Tensor
from .utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .validation import caller_stacklevel, dtype_argument, flag, integer, number, refuse_foreign

__all__ = ["Model", "NotCompiledError", "Sequential", "clone_model", "load_model", "model_from_json"]


_BATCHES = threading.local()   # the models whose own batches this thread is running (see running_batches)


@contextlib.contextmanager
def running_batches(model):
    """While ``fit``, ``evaluate``, ``predict`` or a ``*_on_batch`` method of ``model`` runs one of its batches (its
    ``train_step``, ``test_step`` or ``predict_step``), :func:`runs_batch_of` says so. A functional model built on a
    dict of one input reads it to leave its own batches unwarned (the data was taken, with one warning, when the
    method began), while a call of the model made meanwhile elsewhere (in a callback, another thread or another
    model) still warns, as in Keras 3. Per thread, so that threads do not see each other's batches."""
    running = _BATCHES.__dict__.setdefault("models", [])
    running.append(model)
    try:
        yield
    finally:
        running.pop()


def runs_batch_of(model):
    """True while this thread runs a batch of ``model``'s own ``fit``/``evaluate``/``predict`` (the innermost one:
    a model called inside another model's batch is not running its own)."""
    running = _BATCHES.__dict__.get("models")
    return bool(running) and running[-1] is model


class NotCompiledError(RuntimeError, ValueError):
    """Raised by ``fit``/``evaluate`` (and ``train_step``) on a model that was never compiled.

    It is both a ``RuntimeError`` and a ``ValueError`` (Keras raises the latter), so either ``except`` works.
    """


# ----------------------------------------------------------------------------------------------- helpers
def _as_array(data, name):
    """User data (NumPy array, list, Tensor) as a NumPy array with a batch axis."""
    if getattr(data, "is_columns", False):  # one array per input of a functional model (functional.Columns)
        return data
    if isinstance(data, Tensor):
        array = data.numpy()
    elif isinstance(data, np.ndarray):
        array = data
    else:
        try:
            array = np.asarray(data)
        except ValueError as exc:
            raise ValueError(f"Invalid value for argument `{name}`: cannot make an array of it ({exc})") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        hint = ""
        if isinstance(data, dict):   # targets or weights (inputs: several_inputs_error, from Model._input_data)
            hint = (" A dict of arrays, one per named output, is taken by functional models "
                    "(models.Model(inputs, outputs)); this model has a single output: pass the array itself.")
        raise TypeError(f"Invalid type for argument `{name}`. Expected numeric data (a NumPy array, a list or a "
                        f"Tensor). Received {name} of type {type(data).__name__} with dtype {array.dtype}.{hint}")
    if array.ndim == 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected an array with a batch axis, received a "
                         f"scalar: {name}={data!r}")
    return array


_INTEGER_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def named_input_data(data, name, dtype, backend):
    """``data`` given to a model, when it is a floating NumPy array: a Tensor of its ``Input``'s ``dtype`` (the cast
    the ``Input`` makes, without the cast's node in a graph; a backend without that dtype, array-api-strict without
    float16, keeps the data's own, as :func:`~tinygradconv.layers.input_layer.cast_to_input`) on ``backend``, named
    after that ``Input`` (``name``), so that a graph of the call (:func:`~tinygradconv.viz.plot_graph`) titles the
    data "a", not "input 2" (found by a tester). Anything else (a Tensor the caller made, integer data, any data
    while no backend is known) is returned as it is, to be converted as any data.

    >>> named_input_data(np.ones(2), "x", "float32", get_backend("numpy")).name
    'x'
    """
    if not (isinstance(data, np.ndarray) and data.dtype.kind == "f") or backend is None:
        return data
    tensor = Tensor(data, dtype=dtype if hasattr(backend.xp, dtype) else None, backend=backend)
    tensor.name = name
    return tensor


def integer_data_tensor(data, backend):
    """``data`` (user data, not a Tensor) as a Tensor of its own dtype when it holds integers or bools (a NumPy or
    backend array, nested lists of Python ints), else None.

    Models give their inputs' data to their ``Input`` layers this way, so that integer data reaches an integer
    ``Input``'s dtype in one cast, wrapping as NumPy's ``astype`` does (and Keras' cast): by ``Tensor``'s rule it
    became ``floatx()`` first, so that ids above 2**24 were rounded and those beyond the int32 range became
    -2**31 (found by a tester).

    >>> integer_data_tensor(np.array([2**31 + 5], dtype=np.int64), "numpy").astype("int32").tolist()
    [-2147483643]
    >>> integer_data_tensor([0.5], "numpy") is None
    True

    Another library's tensor is read by its dtype too (a PyTorch dtype as
    :func:`~tinygradconv.validation.dtype_argument` reads it: a float ``torch.Tensor`` raised "Cannot interpret
    'torch.float32' as a data type").
    """
    dtype = getattr(data, "dtype", None)
    if dtype is None:
        try:
            dtype = np.asarray(data).dtype
        except (ValueError, TypeError):    # ragged lists and the like: Tensor's rule says what is wrong
            return None
    try:
        name = dtype_name(dtype)           # a NumPy or backend dtype (the usual case, in every training step)
    except (TypeError, ValueError):
        try:                               # another library's (PyTorch's), read as dtype_argument reads it
            name = dtype_argument(dtype, _INTEGER_DTYPES)
        except TypeError:                  # an unknown dtype: Tensor's rule says what is wrong
            return None
    return Tensor(data, dtype=name, backend=backend) if name in _INTEGER_DTYPES else None


def _summary_layer_range(layers, layer_range):
    """``(first, last + 1)``: the indices of the layers that :meth:`Model.summary` lists for ``layer_range``, as
    Keras 3 finds them (``keras.src.utils.summary_utils.get_layer_index_bound_by_layer_name``): the first layer
    whose name the first pattern matches (``re.match``) to the last that the second matches; the two are swapped
    when they come in the other order."""
    import re

    if layer_range is None:
        return 0, len(layers)
    if not isinstance(layer_range, (list, tuple)):
        raise TypeError("Invalid type for argument `layer_range`. Expected a list or tuple of two layer names "
                        f"(the first and the last to list). Received layer_range={layer_range!r} of type "
                        f"{type(layer_range).__name__}")
    if len(layer_range) != 2:
        raise ValueError("Invalid value for argument `layer_range`. Expected two layer names (the first and the "
                         f"last to list). Received layer_range={layer_range!r} of length {len(layer_range)}")
    if not all(isinstance(name, str) for name in layer_range):
        raise TypeError("Invalid type for argument `layer_range`. Expected two strings (layer names). Received "
                        f"layer_range={layer_range!r}")
    found = []
    for pattern in layer_range:
        try:
            matched = [i for i, layer in enumerate(layers) if re.match(pattern, layer.name)]
        except re.error as exc:
            raise ValueError(f"Invalid value for argument `layer_range`. Expected layer names or regular "
                             f"expressions. Received {pattern!r}, which is not a regular expression: {exc}") from None
        if not matched:
            raise ValueError(f"Invalid value for argument `layer_range`. Expected names of this model's layers "
                             f"({', '.join(repr(layer.name) for layer in layers)}). Received layer_range="
                             f"{list(layer_range)!r}: {pattern!r} matches no layer")
        found.append(matched)
    lower, upper = found
    if min(lower) > max(upper):     # given the other way round, as Keras takes it
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _summary_column_ends(positions, count, show_trainable, line_length):
    """The character column where each of the ``count`` columns of :meth:`Model.summary` ends (plus the "Trainable"
    column's with ``show_trainable``), from Keras 3's ``positions``: fractions of ``line_length`` when all are at
    most 1, else character columns. More positions than columns are taken, the extra ones unused, as Keras 3.15
    takes them (its functional default, 4 positions, on a Sequential's 3 columns); with ``show_trainable`` and
    fractions, Keras scales them all by 0.9 and appends 1.0, so the "Trainable" column then ends at the next
    position times 0.9 (at 1.0 when there is none)."""
    if not isinstance(positions, (list, tuple)) or not all(
            isinstance(p, numbers.Real) and not isinstance(p, bool) for p in positions):
        raise TypeError("Invalid type for argument `positions`. Expected a list of numbers, where each column "
                        f"ends (e.g. [0.45, 0.8, 1.0]). Received positions={positions!r}")
    if len(positions) < count or any(not p > 0 or not math.isfinite(p) for p in positions) or any(
            b <= a for a, b in itertools.pairwise(positions)):
        raise ValueError(f"Invalid value for argument `positions`. Expected at least {count} increasing positive "
                         f"numbers, where each column ends ({count} columns here; more are not used), as fractions "
                         f"of line_length (all at most 1, e.g. "
                         f"{[0.45, 0.8, 1.0][:count] if count == 3 else [0.3, 0.56, 0.74, 1.0]}) or as character "
                         f"columns. Received positions={list(positions)!r}")
    relative = max(positions) <= 1
    if relative and show_trainable:     # Keras makes room for the Trainable column so
        positions = [p * 0.9 for p in positions] + [1.0]
    ends = [int(p * line_length) if relative else int(p) for p in positions]
    ends = ends[:count + show_trainable] if relative else ends[:count]
    if show_trainable and not relative:
        ends.append(ends[-1] + len("Trainable") + 2)
    return ends


def holds_inputs(data) -> bool:
    """Whether ``data`` is several inputs, as :func:`~tinygradconv.layers.layer.is_structure` tells (a dict, or a list
    or tuple holding arrays, tensors, symbolic tensors or dicts), read cheaply for a Python list of samples: every
    entry at the top level, but a nested list or tuple only down its first entries, until an array, a number or a
    dict decides. ``[[0.1, 0.2], [0.3, 0.4]]`` (one array of data) costs one check per sample, not one per number.

    >>> holds_inputs([np.ones(3), np.ones(3)]), holds_inputs({"a": np.ones(3)}), holds_inputs([[1.0, 2.0]])
    (True, True, False)
    """
    if isinstance(data, dict):
        return True
    if not isinstance(data, (list, tuple)):
        return False
    for entry in data:
        while isinstance(entry, (list, tuple)) and entry:
            entry = entry[0]
        if isinstance(entry, (dict, KerasTensor)) or is_array(entry):
            return True
    return False


def weighted_loss(loss_fn, y_true, y_pred, sample_weight=None, mask=None):
    """The compiled loss ``loss_fn`` on one batch, weighted as Keras 3 weighs it: a :class:`~tinygradconv.losses.Loss`
    is given ``sample_weight`` (and reads the mask itself); a function of your own, ``f(y_true, y_pred)``, is
    called without it and its per-sample losses are weighted and reduced as Keras 3's ``LossFunctionWrapper`` does
    (:func:`~tinygradconv.losses.reduce_weighted_values`: ``sum(w * loss) / n``, and over the steps the ``mask`` of
    the predictions counts), also where the function has a ``sample_weight`` argument of its own (Keras never
    passes it one). A function that returns one number (a 0-d loss, e.g. ``((y - p) ** 2).mean()``) gets that
    number times the mean of the weights, as Keras 3 gives it (the number broadcast against the weights, then
    ``sum(w * loss) / w.size``; weights ``(batch,)`` or ``(batch, 1)`` alike)."""
    if isinstance(loss_fn, losses.Loss):
        loss = loss_fn(y_true, y_pred) if sample_weight is None else loss_fn(y_true, y_pred,
                                                                               sample_weight=sample_weight)
        check_loss_value(loss, loss_fn)
        return loss
    loss = loss_fn(y_true, y_pred)
    check_loss_value(loss, loss_fn)
    if not loss.ndim and sample_weight is not None:   # Keras: the one number weighed by each weight, averaged
        return loss * losses._as_like(sample_weight, loss, "sample_weight").mean()
    if mask is not None and (not loss.ndim or tuple(loss.shape) != tuple(mask.shape)):
        mask = None
    if mask is not None:
        own = getattr(loss, "_keras_mask", None)
        mask = mask if own is None else mask & own
    if loss.ndim and (sample_weight is not None or mask is not None):
        loss = losses.reduce_weighted_values(loss, sample_weight=sample_weight, mask=mask)
    return loss


def single_input_data(model, data, argument, names=None):
    """``data`` for ``model``, which takes one input: a list or tuple of one array (or symbolic tensor) is that one,
    as Keras 3 takes it; a list, tuple or dict of several (or a dict, for a model without input names) is
    refused, never stacked into one batch (:func:`~tinygradconv.layers.layer.several_inputs_error`, naming
    ``argument`` and the model, and saying where dicts go; ``names``: its input's name, for a functional model).

    Raises:
        ValueError: several arrays, or a dict, where one array is expected.
    """
    if isinstance(data, (list, tuple)) and len(data) == 1 and (is_array(data[0]) or isinstance(data[0], KerasTensor)):
        return data[0]
    if holds_inputs(data):
        raise several_inputs_error(model, data, argument, names)
    return data


def single_output_targets(model, data, argument):
    """Targets ``data`` for ``model``, which has one output (a ``Sequential``): a list or tuple of one array is that
    array, as Keras 3 takes ``fit(x, [y])``; of several arrays, refused, never stacked into one.

    Raises:
        ValueError: several arrays, naming ``argument`` and the model.
    """
    if isinstance(data, (list, tuple)) and data and all(is_array(d) for d in data):
        if len(data) == 1:
            return data[0]
        raise ValueError(f"Invalid value for argument `{argument}`: Model '{model.name}' ({type(model).__name__}) has "
                         f"1 output, but it received {len(data)} target arrays (a list of arrays is never stacked into "
                         "one). Pass one array.")
    return data


def check_call_keywords(model, kwargs):
    """The keywords of a call of a ``Sequential`` or functional model besides ``training``; returns ``mask`` (None
    when not given), which the model sets on its inputs (:func:`masked_inputs`), as Keras 3 does.

    Keras 3 ignores any other keyword given with data (it refuses one on symbolic tensors); here an unknown keyword
    would do nothing (a misspelt ``training`` would be ignored), so it is refused.

    Raises:
        TypeError: any other keyword, naming the model and the keyword.
    """
    mask = kwargs.pop("mask", None)
    if kwargs:
        name = next(iter(kwargs))
        raise TypeError(f"Model '{model.name}' ({type(model).__name__}) got an unexpected keyword argument {name!r}: "
                        "its call takes `training` (True, False or None) and `mask` only (Keras 3 ignores other "
                        "keywords given with data, and refuses them on symbolic tensors)")
    return mask


def masked_inputs(model, inputs, mask, names):
    """``model(x, mask=m)``: the inputs (one Tensor or array, or a list of one per input, in the order of ``names``,
    the model's input names) as Tensors carrying the masks, as Keras 3's ``Sequential`` and ``Functional`` set
    ``mask`` on their inputs. ``mask`` is one bool array or Tensor for one input, a list or tuple of one per input
    (None for an input without one), or a dict keyed by input name (a missing name: no mask). A mask of the steps is
    usually ``(batch, steps)`` for inputs ``(batch, steps, features)`` (or of indices ``(batch, steps)``). The
    caller's own Tensor is not changed (Keras sets the mask on it, so that later calls on it are masked too); the
    model receives a copy of it carrying the mask (its gradient flows to the original).

    Raises:
        ValueError: masks given for symbolic inputs (Keras ignores them there: masks exist on data only); a list of
            masks not one per input, a dict with a key that is no input's name; a mask whose shape is not the first
            axes of its input's.
        TypeError: a mask that is not boolean.
    """
    several = isinstance(inputs, (list, tuple))
    values = list(inputs) if several else [inputs]
    if any(isinstance(v, KerasTensor) for v in values):
        raise ValueError(f"Invalid value for argument `mask` of Model '{model.name}': masks are set on data, not on "
                         "symbolic tensors (Keras 3 ignores them there). Make the mask inside the model "
                         "(Embedding(mask_zero=True), Masking) or call the model on data with it")
    if isinstance(mask, dict):
        unknown = [key for key in mask if key not in names]
        if unknown:
            raise ValueError(f"Invalid value for argument `mask` of Model '{model.name}': its keys must be input "
                             f"names, {names}. Received keys {list(mask)}")
        masks = [mask.get(name) for name in names]
    elif isinstance(mask, (list, tuple)) and all(m is None or isinstance(m, (Tensor, np.ndarray)) for m in mask):
        masks = list(mask)          # one per input (nested lists of bools are one mask)
    else:
        masks = [mask]
    if len(masks) != len(values):
        raise ValueError(f"Invalid value for argument `mask` of Model '{model.name}': expected one mask (or None) per "
                         f"input, {len(values)} in all ({names}). Received {len(masks)} masks")
    out = []
    for value, given, name in zip(values, masks, names):
        if given is not None:
            # the caller's Tensor is left as it is: a copy (its gradient flows back) carries the mask
            value = value.reshape(value.shape) if isinstance(value, Tensor) else model._to_input(value)
            dtype = dtype_name(given.dtype) if isinstance(given, Tensor) else np.asarray(given).dtype.name
            if dtype != "bool":
                raise TypeError(f"Invalid type for argument `mask` of Model '{model.name}' (input {name!r}): expected "
                                f"a boolean array or Tensor (True where a step counts). Received a mask of dtype "
                                f"{dtype}")
            if not isinstance(given, Tensor):
                given = Tensor(np.asarray(given), dtype="bool", backend=value.backend)
            if tuple(given.shape) != tuple(value.shape[:given.ndim]):
                raise ValueError(f"Invalid value for argument `mask` of Model '{model.name}' (input {name!r}): its "
                                 f"shape must be the first axes of the input's {tuple(value.shape)} (usually "
                                 f"(batch, steps)). Received a mask of shape {tuple(given.shape)}")
            set_keras_mask(value, given)
        out.append(value)
    return type(inputs)(out) if several else out[0]


# Why each method refuses 0 samples, as Keras 3.15 on torch refuses them (ValueError from fit, and from evaluate on
# a model whose metrics are not built yet: after a batch, Keras' evaluate returns [] and warns "ran out of data";
# a torch RuntimeError from train_on_batch, whose loss, an empty tensor, has no gradient; an UnboundLocalError from
# predict). test_on_batch and predict_on_batch take them, as Keras does.
_EMPTY_DATA = {
    "train_on_batch": "there is nothing to train on (Keras 3 on torch fails too: the loss of an empty batch is an "
                      "empty tensor, with no gradient); test_on_batch and predict_on_batch take an empty batch",
    "predict": "Keras 3.15 fails too (an UnboundLocalError); predict_on_batch gives outputs of 0 samples",
    "evaluate": "Keras 3.15 raises too before fit, evaluate or train_on_batch has built its metrics (a predict or "
                "a call of the model is not enough), and after returns [] with a 'ran out of data' warning; "
                "test_on_batch takes an empty batch",
}


def _check_cardinality(arrays, allow_empty=False, method=None):
    """Raise Keras's "Data cardinality is ambiguous" error when x and y differ in length, and an error for 0 samples
    (naming ``method``) unless ``allow_empty``; return the number of samples."""
    sizes = {name: len(a) for name, a in arrays.items() if a is not None}
    if len(set(sizes.values())) > 1:
        detail = " ".join(f"'{name}' sizes: {size}" for name, size in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. "
                         f"{detail}")
    n = next(iter(sizes.values()))
    if n == 0 and not allow_empty:
        name = next(iter(sizes))
        where = f" of {method}" if method else ""
        why = _EMPTY_DATA.get(method, "Keras 3 refuses it too")
        raise ValueError(f"Invalid value for argument `{name}`{where}: expected at least one sample, but the data is "
                         f"empty (0 samples); {why}")
    return n


def _check_int(value, name, minimum, default=None, type_error=ValueError):
    if value is None and default is not None:
        return default
    # ValueError by default, as Keras raises for a non-integer batch_size; TypeError for epochs, as Keras
    return integer(value, name, minimum=minimum, type_error=type_error)


def _check_validation_freq(validation_freq):
    """``validation_freq`` as Keras 3's ``fit`` takes it: a strictly positive int (validate after every this many
    epochs), or a list of the epochs after which to validate, counted from 1; returned as an int or a frozenset.

    Raises:
        ValueError: anything else (a float, a string, a tuple, 0, an epoch below 1 in the list), as Keras raises
            ValueError for a value that is not a list or an int.
    """
    def epoch_number(value):
        return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) and value >= 1

    if isinstance(validation_freq, list) and all(epoch_number(epoch) for epoch in validation_freq):
        return frozenset(int(epoch) for epoch in validation_freq)
    if epoch_number(validation_freq):
        return int(validation_freq)
    raise ValueError("Invalid value for argument `validation_freq`. Expected a strictly positive integer, or a list "
                     "of the epochs after which to validate, counted from 1 (integers >= 1). "
                     f"Received validation_freq={validation_freq!r} of type {type(validation_freq).__name__}")


def _validates_after(epoch, validation_freq):
    """Whether ``fit`` validates after ``epoch`` (counted from 1), for a checked ``validation_freq``."""
    if isinstance(validation_freq, frozenset):
        return epoch in validation_freq
    return epoch % validation_freq == 0


def _check_batch_size(batch_size, name="batch_size"):
    """A positive ``batch_size`` (``validation_batch_size``), as an int.

    Keras 3 reads 0 (and ``0.0``, ``False``) as None: its array adapter tests ``if not batch_size`` and then takes
    its default, 32 samples (or enough for ``steps`` batches). 0 samples per batch is no size a student means (it
    is what ``len(x) // 100`` gives for fewer than 100 samples), so here it is refused, with that hint; pass None
    for the default.

    Raises:
        ValueError: 0, a negative number, a float or a bool (Keras raises ValueError for those but 0).
        TypeError: not a number (``"32"``; Keras fails with a ``TypeError`` from an arithmetic operation).
    """
    if isinstance(batch_size, numbers.Real) and not isinstance(batch_size, (bool, np.bool_)) and batch_size == 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly positive integer, or None for "
                         f"the default (32). Received {name}={batch_size!r}. (Keras 3 reads 0 as None, its default "
                         "of 32 samples per batch; here a batch of 0 samples is refused, as it is most likely a "
                         "mistake.)")
    # a number that is no integer (2.5) is Keras' ValueError; another type ("32") is a TypeError (found by a tester)
    return _check_int(batch_size, name, 1,
                      type_error=ValueError if isinstance(batch_size, numbers.Real) else TypeError)


def _check_steps(steps, name):
    """None (all the batches) or a positive int (Keras takes 0 as None and loops forever on a negative count)."""
    return integer(steps, name, minimum=1, optional=True)


def _check_verbose(verbose):
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError("Invalid value for argument `verbose`. Expected 'auto', 0, 1 or 2. "
                         f"Received verbose={verbose!r}")
    return int(verbose)


def _check_shuffle(shuffle):
    """``shuffle`` of :meth:`Model.fit`: True or False (NumPy's bool too), or ``"batch"``, as Keras 3 takes it for
    arrays.

    Raises:
        ValueError: a string other than ``"batch"`` (Keras 3 reads any other string, ``"False"`` included, as
            True: a full shuffle).
        TypeError: neither a bool nor a string (Keras reads ``None``, 0 and 1 by their truth value).
    """
    if isinstance(shuffle, str):
        if shuffle != "batch":
            raise ValueError("Invalid value for argument `shuffle`. Expected True, False or 'batch'. "
                             f"Received shuffle={shuffle!r}")
        return shuffle
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError("Invalid type for argument `shuffle`. Expected True, False or 'batch'. "
                        f"Received shuffle={shuffle!r} of type {type(shuffle).__name__}")
    return bool(shuffle)


def _batch_size(batch_size, n, steps):
    """``batch_size`` checked, or Keras 3's default for ``n`` samples: enough samples per batch for ``steps`` batches
    to cover them all when ``steps`` is given, else 32."""
    if batch_size is not None:
        return _check_batch_size(batch_size)
    return max(1, math.ceil(n / steps)) if steps else 32


def _batches(n, batch_size, order=None):
    """Index objects for consecutive batches of ``n`` samples (``order``: a permutation, or None)."""
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        yield order[start:stop] if order is not None else slice(start, stop)


def _ran_out_of_data(steps, argument, batches, batch_size):
    """Keras 3's warning when ``steps`` asks for more batches than the data has left."""
    warnings.warn(f"Your input ran out of data: `{argument}={steps}` asks for more batches than were left of the "
                  f"{batches} batches of size {batch_size} that the data makes, so this pass stopped early (as in "
                  f"Keras 3). Pass `{argument}` <= {batches}, or leave it None to use all the data.",
                  UserWarning, stacklevel=caller_stacklevel())     # the caller of fit/evaluate/predict


def _limited_batches(n, batch_size, steps, argument):
    """The batches of one evaluation or prediction pass: the first ``steps`` of :func:`_batches` (all for None),
    with Keras' warning when there are fewer."""
    batches = math.ceil(n / batch_size)
    if steps is not None and steps > batches:
        _ran_out_of_data(steps, argument, batches, batch_size)
    return itertools.islice(_batches(n, batch_size), steps)


class _TrainingPasses:
    """The batches of each epoch of :meth:`Model.fit`, as Keras 3's ``EpochIterator`` gives them.

    Without ``steps_per_epoch`` an epoch is one pass over the data (reshuffled when ``shuffle``). With it, epochs
    take ``steps_per_epoch`` batches each from a pass that goes on across epochs: with 5 batches per pass and
    ``steps_per_epoch=3``, epoch 1 trains on batches 1-3, epoch 2 on batches 4-5 only (the pass runs out: Keras'
    "ran out of data" warning), epoch 3 on batches 1-3 of a new pass.

    ``shuffle``: False (the data's order), True (a permutation of all samples per pass) or ``"batch"`` (Keras 3's
    array adapter: batch ``i`` holds the samples ``i * batch_size`` to ``(i + 1) * batch_size - 1``, the batches in
    order, the samples within each one permuted anew in each pass).
    """

    def __init__(self, n, batch_size, shuffle, steps_per_epoch):
        self.n, self.batch_size, self.shuffle, self.steps_per_epoch = n, batch_size, shuffle, steps_per_epoch
        self.per_pass = math.ceil(n / batch_size)
        self._rest = None         # the batches left in the current pass, or None to start a new one
        self._taken = 0           # how many of its batches were taken

    def epoch(self):
        """Yield the index objects of one epoch's batches."""
        from . import random

        if self._rest is None or self.steps_per_epoch is None:
            self._rest, self._taken = _batches(self.n, self.batch_size, self._order(random.generator())), 0
        for _ in range(self.steps_per_epoch or self.per_pass):
            if self._taken >= self.per_pass:
                _ran_out_of_data(self.steps_per_epoch, "steps_per_epoch", self.per_pass, self.batch_size)
                break
            self._taken += 1
            yield next(self._rest)
        if self._taken >= self.per_pass:
            self._rest = None

    def _order(self, generator):
        """The order of the samples in a new pass: None (the data's order), a permutation of all of them, or for
        ``"batch"`` a permutation within each block of ``batch_size`` consecutive samples."""
        if self.shuffle == "batch":
            order = np.arange(self.n)
            for start in range(0, self.n, self.batch_size):
                generator.shuffle(order[start:start + self.batch_size])     # in place, within the block
            return order
        return generator.permutation(self.n) if self.shuffle else None


def _float(value):
    """A scalar (Tensor, array or number) as a Python float."""
    if isinstance(value, Tensor):
        value = value.numpy()
    return float(np.asarray(value, dtype=np.float64).reshape(()))


class _Mean:
    """A weighted running mean: ``sum(w * v) / sum(w)`` (Keras's loss tracker weights batches by their size); the
    model's loss tracker, ``model.metrics[0]``, named ``"loss"`` as Keras 3's ``Mean`` tracker is, and a functional
    model's per-output loss trackers (``"<output name>_loss"``). As Keras 3's ``Mean`` (its ``total`` and ``count``
    are variables of ``floatx()``, float32 by default), the sums are kept in ``config.floatx()``: each batch adds
    ``float32(loss) * float32(batch size)`` to the total, and the result is ``float32(total / count)``, so that the
    logged loss (History, ``evaluate``, ``CSVLogger``) is Keras' float32 value, reported as a Python float."""

    def __init__(self, name="loss"):
        self.name = name
        self.reset_state()

    def update(self, value, weight):
        if not weight:      # a batch of 0 samples adds nothing (Keras' loss of it is empty, summing to 0)
            return
        kind = self.total.dtype.type
        self.total += kind(_float(value)) * kind(weight)
        self.count += kind(weight)

    def update_state(self, values, sample_weight=None):
        """As :class:`tinygradconv.metrics.Mean`'s: the (weighted) mean of per-sample values."""
        dtype = self.total.dtype.name
        values, count = metrics_module._samplewise(values, sample_weight, self.name, metrics_module._mean, dtype)
        self.total += values.sum(dtype=dtype)
        self.count += count

    def result(self):
        return float(self.total / self.count) if self.count else 0.0

    def reset_state(self):
        self.total = np.zeros((), config.floatx())[()]
        self.count = np.zeros((), config.floatx())[()]

    def __repr__(self):
        return f"<Mean name={self.name!r} result={self.result():.6g}>"


class _CompileMetrics:
    """``model.metrics[1]``, as Keras 3's ``CompileMetrics`` container named ``"compile_metrics"``: the metrics of
    ``compile(metrics=..., weighted_metrics=...)``, in ``.metrics`` once built (at the first batch of ``fit`` or
    ``evaluate``: ``"accuracy"`` becomes a class from the shapes of the data); ``result()`` is ``{name: result}``."""

    name = "compile_metrics"

    def __init__(self, model):
        self._model = model

    @property
    def metrics(self) -> list:
        return [metric for _, metric, _ in self._model._metrics or ()]

    def check_built(self):
        """Keras' ``ValueError`` when the compiled metrics are not made yet (before the first batch)."""
        if self._model._metrics is None and self._model._metric_specs:
            raise ValueError("Cannot get result() since the metric has not yet been built (Keras' message): the "
                             "metrics given to compile are made at the first batch of fit() or evaluate()")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every compiled metric with one batch, as Keras 3's ``CompileMetrics.update_state`` (what a
        ``train_step`` of your own calls as ``metric.update_state(y, y_pred)`` for each of ``model.metrics``): the
        metrics are made at the first call, from the shapes of ``y_true`` and ``y_pred`` (as ``fit`` makes them);
        ``y_true`` (and ``sample_weight``) may be arrays, taken as the compiled loss takes them; ``y_pred`` is
        detached. ``metrics`` ignore ``sample_weight`` and ``weighted_metrics`` take it, as in Keras 3."""
        model = self._model
        y_pred = [_detached_with_mask(p) for p in y_pred] if isinstance(y_pred, list) else _detached_with_mask(y_pred)
        y_true = model._targets(y_true, y_pred)
        sample_weight = None if sample_weight is None else model._targets(sample_weight, y_pred)
        model._update_compiled_metrics(y_true, y_pred, sample_weight)

    def result(self) -> dict:
        self.check_built()
        logs = self._model._logs()
        return {name: logs[name] for name, _, _ in self._model._metrics or ()}

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def __repr__(self):
        return "<CompileMetrics name='compile_metrics'>"


def _unique_metric_names(plain, weighted):
    """``(reported name, spec, weighted)`` for compile's metrics, named as Keras 3 reports them.

    A name seen before gets a suffix: ``mae``, ``mae_1``, ``mae_2`` among ``metrics``; among ``weighted_metrics``
    a repeated name becomes ``weighted_mae``, then ``weighted_mae_1``, ...
    """
    counts, specs = {}, []
    for name, spec in plain:
        if name in counts:
            counts[name] += 1
            name = f"{name}_{counts[name] - 1}"
        else:
            counts[name] = 1
        specs.append((name, spec, False))
    for name, spec in weighted:
        if name in counts:
            name = f"weighted_{name}"
            if name in counts:
                counts[name] += 1
                name = f"{name}_{counts[name] - 1}"
            else:
                counts[name] = 1
        else:
            counts[name] = 1
        specs.append((name, spec, True))
    return specs


def _single_input_shape(model):
    """The batch shape of ``model``'s one input when it is known (a Sequential started with ``Input`` or built by a
    call or ``build``, a functional model of one input), else None: a Sequential whose first layer is such a model
    is built at once, as Keras 3 builds it (when that model has an ``input_shape``), so that ``load_weights`` into
    a freshly made one works. A subclassed model or a plain layer has none, even built, as in Keras."""
    try:
        shape = model.input_shape
    except AttributeError:
        return None
    return tuple(shape) if isinstance(shape, tuple) else None


def check_loss_value(value, loss):
    """``TypeError`` when ``loss`` (the compiled loss, or one output's) returned something other than a Tensor: a
    NumPy array, a number or another library's tensor carries no gradient, so no weight would train (a Keras loss
    inside a lambda or ``functools.partial`` failed in ``fit`` with "No gradients provided", and on one output of
    several it left that output's layers untrained, with a warning only)."""
    if not isinstance(value, Tensor):
        name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
        raise TypeError(f"The loss {name!r} returned a {type(value).__module__}.{type(value).__name__} where a "
                        "tinygradconv Tensor was expected: no gradient flows from it, so no weight would train. "
                        "Write it with tinygradconv ops on the Tensors it receives, or use a loss name such as "
                        "'mse'")


def _data_source(x):
    """The end of ``fit``'s message when ``x`` came without ``y`` and is a source of batches rather than data (a
    generator, a PyTorch ``DataLoader``, a Keras ``PyDataset``) or an ``(x, y)`` tuple; None for arrays, lists,
    Tensors, dicts and None."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, dict)) or getattr(x, "is_columns", False):
        return None
    if isinstance(x, tuple):
        return f". Received x as a tuple of {len(x)} and no y: pass the inputs and the targets as two arguments, x, y"
    kind = type(x).__name__ if type(x).__module__ == "builtins" else f"{type(x).__module__}.{type(x).__name__}"
    return (f". Received x as a {kind}: unlike Keras, generators and datasets are not supported; pass the arrays "
            "themselves, x and y")


def _check_keras_compile_options(run_eagerly, steps_per_execution, jit_compile, auto_scale_loss):
    """Check the options of Keras 3's ``compile`` that change nothing here (see :meth:`Model.compile`); ``None``,
    which Keras takes for each (tf.keras 2's default, which ported scripts pass), too."""
    for name, value in (("run_eagerly", run_eagerly), ("auto_scale_loss", auto_scale_loss)):
        if value is not None:
            flag(value, name, "compile")
    if jit_compile is not None and not isinstance(jit_compile, (bool, np.bool_)) and jit_compile != "auto":
        raise (ValueError if isinstance(jit_compile, str) else TypeError)(
            f"compile: Invalid value for argument `jit_compile`. Expected True, False or 'auto'. Received "
            f"jit_compile={jit_compile!r}")
    if integer(steps_per_execution, "steps_per_execution", minimum=1) != 1:
        raise ValueError(f"compile: `steps_per_execution={steps_per_execution}` is not supported: every step of fit, "
                         "evaluate and predict runs one batch (and calls the callbacks' batch hooks once). Use 1.")


def refuse_foreign_compile_arguments(optimizer, loss, metrics, weighted_metrics):
    """``TypeError`` for a Keras, TensorFlow or PyTorch optimizer, loss or metric given to ``compile``, alone or in
    a list or dict (one per output): they compute on their own library's tensors (Keras' optimizer failed inside
    ``fit`` with "'Tensor' object has no attribute 'value'", its losses with "No gradients provided")."""
    refuse_foreign(optimizer, "optimizer", "an optimizer name such as 'adam' or an optimizer of "
                                            "tinygradconv.optimizers")
    loss_expected = ("a loss name such as 'mse', a loss of tinygradconv.losses or your own function of "
                     "tinygradconv tensors")
    metric_expected = "a metric name such as 'mae' or a metric of tinygradconv.metrics"
    for value, kind, expected in ((loss, "loss", loss_expected), (metrics, "metric", metric_expected),
                                  (weighted_metrics, "metric", metric_expected)):
        for entry in _leaves(value):
            refuse_foreign(entry, kind, expected)


def _is_structure(value):
    """Whether a compile argument is a list, tuple or dict of entries (one per output, Keras' forms), not one entry
    (a dict with ``class_name`` is the config of one loss or metric)."""
    return isinstance(value, (list, tuple)) or (isinstance(value, dict) and "class_name" not in value)


def _leaves(value):
    """The entries of a compile argument nested in lists, tuples and dicts (of outputs), at any depth."""
    if not _is_structure(value):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [leaf for item in items for leaf in _leaves(item)]


def _instance(obj, argument):
    """``obj()`` when ``obj`` is a class (a loss or metric class given to ``compile``, which Keras 3 instantiates
    with its defaults), else ``obj``."""
    if not isinstance(obj, type):
        return obj
    try:
        return obj()
    except TypeError as exc:
        raise ValueError(f"Invalid value in argument `{argument}`: the class {obj.__name__} cannot be built without "
                         f"arguments ({exc}). Pass an instance instead, e.g. {obj.__name__}(...).") from None


def _shape_fits(shape, expected):
    """Whether ``shape`` fits ``expected`` (an ``Input``'s shape): the same rank, and equal sizes wherever both are
    known (``None``: any size)."""
    return len(shape) == len(expected) and all(e is None or d is None or e == d for e, d in zip(expected, shape))


# said in the errors for data of another shape than a model's Input
RANK_RULE = ("data with one axis more, of size 1 at the end, or one axis fewer where the Input's last size is 1, "
             "is adjusted to its rank, as Keras 3 does")


def _rank_adjusted(value, expected):
    """Data ``value`` (a Tensor) brought to the rank of ``expected`` (an ``Input``'s batch shape) by Keras 3's rule
    for the data a model is called on (``Functional._adjust_input_rank``): one axis more, of size 1 at the end, is
    removed (``(4, 8, 1)`` for ``Input((8,))`` becomes ``(4, 8)``); one axis fewer, where the ``Input``'s last size
    is 1, is added (``(4, 8)`` for ``Input((8, 1))`` becomes ``(4, 8, 1)``). Any other rank: None (the caller says
    what it expected). Sizes are not checked here. A mask set on the data is kept. Symbolic tensors are never
    adjusted (Keras neither).

    >>> _rank_adjusted(Tensor(np.zeros((4, 8))), (None, 8, 1)).shape
    (4, 8, 1)
    >>> _rank_adjusted(Tensor(np.zeros((4, 8, 1))), (None, 8)).shape
    (4, 8)
    >>> _rank_adjusted(Tensor(np.zeros((4, 8, 2))), (None, 8)) is None
    True
    """
    shape = tuple(value.shape)
    if len(shape) == len(expected):
        return value
    if len(shape) == len(expected) + 1 and shape[-1] == 1:
        adjusted = value.reshape(shape[:-1])
    elif len(shape) == len(expected) - 1 and expected[-1] == 1:
        adjusted = value.reshape(shape + (1,))
    else:
        return None
    mask = get_keras_mask(value)
    if mask is not None:
        set_keras_mask(adjusted, mask)
    return adjusted


def _joined_batches(parts):
    """The per-batch outputs of :meth:`Model.predict` as one new C-ordered array, as Keras returns them.

    ``np.concatenate`` alone would keep the batches' memory layout, and some outputs are permuted views (a
    ``channels_first`` convolution computes its steps as rows), which ``torch.from_numpy(...).view`` or
    ``np.frombuffer`` then refuse.

    >>> a = np.arange(6.0).reshape(1, 3, 2).transpose(0, 2, 1)          # a permuted view
    >>> _joined_batches([a, a]).flags.c_contiguous, _joined_batches([a, a]).shape
    (True, (2, 2, 3))
    """
    out = np.empty((sum(len(p) for p in parts), *parts[0].shape[1:]), dtype=np.result_type(*parts))
    return np.concatenate(parts, out=out)


def _numpy_outputs(out):
    """One batch's outputs as ``predict_step`` returns them (a Tensor, a list or tuple of Tensors, or a dict of them,
    as a model of a dict of outputs returns it, nested ones too) as NumPy arrays in the same structure, a tuple as a
    tuple at any depth (``Model(x, (d1, d2))`` predicts a tuple, as its call gives one), as Keras 3 converts them
    (``tree.map_structure(convert_to_numpy, ...)``)."""
    if isinstance(out, dict):
        return {key: _numpy_outputs(value) for key, value in out.items()}
    if isinstance(out, (list, tuple)):
        return type(out)(_numpy_outputs(o) for o in out)
    return out.numpy()


def _joined_outputs(batches):
    """The batches' outputs of :meth:`Model.predict` (each from :func:`_numpy_outputs`) joined along the samples: one
    array, a list of one per output, or a dict of one per key, as Keras 3 joins them."""
    first = batches[0]
    if isinstance(first, dict):     # nested outputs: joined at every depth
        return {key: _joined_outputs([batch[key] for batch in batches]) for key in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_joined_outputs(list(parts)) for parts in zip(*batches))
    return _joined_batches(batches)


def _returned_logs(logs, return_dict):
    """What ``evaluate``/``train_on_batch`` return, as Keras: the loss alone (a float) when it is the only log, else
    the list of the logs' values in order (``metrics_names``' order); with ``return_dict`` a dict with the keys in
    sorted order, as Keras 3 sorts them (``pythonify_logs``)."""
    if return_dict:
        return dict(sorted(logs.items()))
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _class_index(key, class_weight):
    """A key of ``class_weight`` as the class index it stands for: Keras 3 looks each class up with
    ``class_weight.get(int(label))``, so a key is matched by Python's ``==``: an int, a NumPy integer, a bool
    (``True`` is class 1) or a float equal to a whole number (``1.0``) all find their class. A key that can never
    equal an integer label (a string such as ``"0"``, a number with a fractional part such as ``1.5``, ``None``),
    whose weight Keras ignores silently, is refused here; a whole number that no label equals (``-1``, ``99``) is
    accepted, as in Keras (it weighs no sample).

    Raises:
        TypeError: a key that is not a number (a string, None, a tuple).
        ValueError: a number that is not a whole number (``1.5``, NaN, an infinity).
    """
    if isinstance(key, (numbers.Integral, np.bool_)):
        return int(key)
    if isinstance(key, numbers.Real):
        if math.isfinite(key) and float(key).is_integer():
            return int(key)
        raise ValueError(f"Invalid key in argument `class_weight`. Expected integer class indices; the key {key!r} "
                         "is not a whole number, so it matches no class (Keras 3 ignores its weight, silently). "
                         f"Received class_weight={class_weight!r}")
    hint = ""
    if isinstance(key, str):
        try:
            hint = f"; write the integer {int(key)}, since the string {key!r} matches no class (Keras 3 ignores " \
                   "its weight, silently)"
        except ValueError:      # not the digits of an integer
            pass
    raise TypeError("Invalid type for a key of argument `class_weight`. Expected an integer class index (an int; "
                    "a float or bool equal to an integer, such as 1.0 or True, is read as that integer, as in "
                    "Keras 3). "
                    f"Received the key {key!r} of type {type(key).__name__} in class_weight={class_weight!r}{hint}")


def _class_weights_per_sample(class_weight, y, sample_weight):
    """One weight per sample from ``{class: weight}``, by Keras 3's rule (``class_weight_to_sample_weights``): the
    class of a sample is its label rounded (integer labels, or one column), or the arg-max of a one-hot row; a class
    not in the dict weighs 1. The keys are read by :func:`_class_index`.

    Raises:
        TypeError: ``class_weight`` is not a dict, a key is not a number or a weight is not a real number.
        ValueError: a key that is not a whole number, ``sample_weight`` given too, or targets for several outputs
            (Keras' messages), or targets that do not give one class per sample.
    """
    if not isinstance(class_weight, dict):
        raise TypeError("Invalid type for argument `class_weight`. Expected a dict {class index: weight} of "
                        f"integers to numbers. Received class_weight={class_weight!r} of type "
                        f"{type(class_weight).__name__}")
    table = {}
    for key, weight in class_weight.items():
        index = _class_index(key, class_weight)
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
            raise TypeError(f"Invalid type for a weight of argument `class_weight`. Expected a number. Received the "
                            f"weight {weight!r} of type {type(weight).__name__} for the key {key!r} in "
                            f"class_weight={class_weight!r}")
        table[index] = float(weight)
    if sample_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    if getattr(y, "is_columns", False):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    labels = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] != 1 and labels.size and (labels.min() < 0 or labels.max() > 1):
        # not one-hot (or soft) rows but, e.g., one integer label per time step: the arg-max of such a row is no
        # class (Keras fails later, on the shapes; this weighted by the position of the largest label, silently)
        raise ValueError(f"Invalid value for argument `class_weight`: it needs one class per sample, but the targets "
                         f"of shape {labels.shape} are not one-hot rows (they hold values outside [0, 1])")
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    if labels.ndim != 1:
        raise ValueError(f"Invalid value for argument `class_weight`: it needs one class per sample, but targets of "
                         f"shape {np.shape(y)} give {labels.shape[1:]} classes per sample")
    classes = np.round(labels).astype(np.int64)
    return np.array([table.get(int(c), 1.0) for c in classes])


def _is_metric(obj):
    return hasattr(obj, "update_state") and hasattr(obj, "result") and hasattr(obj, "reset_state")


def _refuse_one_value_metric(spec, argument):
    """A ``TypeError`` for a ``Mean`` or ``Sum`` (an object, its class or its name ``"mean"``/``"sum"``) given to
    compile: their ``update_state(values, sample_weight=None)`` takes one value per call, so compile's call
    ``update_state(y_true, y_pred)`` would take the predictions as sample weights and report a meaningless
    ``sum(y_true * y_pred) / sum(y_pred)``, silently (found by a tester). Keras 3 raises a ``TypeError`` at the first
    batch ("Mean.update_state() got multiple values for argument 'sample_weight'"); here compile refuses it."""
    metric = metrics_module.get(spec) if isinstance(spec, str) else spec
    cls = metric if isinstance(metric, type) else type(metric)
    one_value = {metrics_module.Mean.update_state, metrics_module.Sum.update_state}
    if isinstance(cls, type) and issubclass(cls, (metrics_module.Mean, metrics_module.Sum)) \
            and getattr(cls, "update_state", None) in one_value:
        raise TypeError(
            f"Invalid type for argument `{argument}`: {cls.__name__} takes one value per call "
            f"(update_state(values, sample_weight=None)), not (y_true, y_pred): compiled, it would take the "
            f"predictions as sample weights. Received {spec!r}. To track the mean of a value computed from y_true "
            f"and y_pred, give a function fn(y_true, y_pred) -> one value per sample, or "
            f"metrics.MeanMetricWrapper(fn, name=...); to track another value, update a Mean yourself in a "
            f"callback")


# ----------------------------------------------------------------------------------------------- Model
def _has_own_build(cls):
    """Whether a model class has a ``build`` written by its user (not ``Model``'s, ``Sequential``'s or
    ``Functional``'s): such a build is called on the first call with the input shape, as Keras 3 calls an overridden
    ``build`` (``Layer._maybe_build``); without one the model builds by running ``call``, as Keras does."""
    owner = next(klass for klass in cls.__mro__ if "build" in vars(klass))
    module = sys.modules.get(owner.__module__)      # (a class of a docstring example is not its module's)
    return not (owner.__module__.startswith("tinygradconv.") and getattr(module, owner.__name__, None) is owner)


def _detached_with_mask(y_pred):
    """``y_pred.detach()``, carrying the mask ``y_pred`` carries (``_keras_mask``), which the compiled metrics use
    as Keras 3's do."""
    detached = y_pred.detach()
    mask = getattr(y_pred, "_keras_mask", None)
    if mask is not None:
        detached._keras_mask = mask
    return detached


#: The names Keras 3's ``compile`` takes for "the crossentropy that the data's shapes call for" (any case: ``"CE"``);
#: ``keras.losses.get`` and ``metrics=`` refuse them, as here (``losses.get("ce")`` is an unknown loss).
_CROSSENTROPY_SHORTCUTS = ("crossentropy", "ce")


class _CrossentropyOfTheShapes(losses.LossFunctionWrapper):
    """The loss of ``compile(loss="ce")`` or ``loss="crossentropy"`` (any case): binary, sparse categorical or
    categorical crossentropy, chosen from the shapes of the targets and predictions by
    :func:`~tinygradconv.losses.target_kind`, as Keras 3's ``compile`` chooses (``keras/src/trainers/compile_utils.py``,
    ``get_loss``), for each output.

    As in Keras, the chosen function runs with its defaults: ``from_logits=False``, so the predictions must be
    probabilities (a ``sigmoid`` or ``softmax`` output); for logits, compile with the loss itself, e.g.
    ``SparseCategoricalCrossentropy(from_logits=True)``. Its name is the string given (``"ce"``, ``"CE"``).

    The choice is made again at each batch (Keras makes it once, at the first batch). The two differ only for
    predictions of one axis, ``(batch,)``, whose last axis is the batch: Keras keeps its first batch's choice, binary
    for a batch of one and categorical (over the batch) else.

    >>> loss = _CrossentropyOfTheShapes("ce")
    >>> round(loss([0, 1], [[0.9, 0.1], [0.2, 0.8]]).item(), 4), loss.fn.__name__
    (0.1643, 'sparse_categorical_crossentropy')
    >>> round(loss([[1.0], [0.0]], [[0.9], [0.2]]).item(), 4), loss.fn.__name__
    (0.1643, 'binary_crossentropy')
    """

    _OF_KIND = MappingProxyType({"binary": losses.binary_crossentropy,
                                 "sparse": losses.sparse_categorical_crossentropy,
                                 "categorical": losses.categorical_crossentropy})

    def __init__(self, name="crossentropy"):
        super().__init__(None, name=name)       # fn: chosen at each batch

    def call(self, y_true, y_pred):
        # chosen from the shapes as given, before LossFunctionWrapper's squeeze-or-expand rule changes them
        true_shape = y_true.shape if isinstance(y_true, Tensor) else np.shape(y_true)
        self.fn = self._OF_KIND[losses.target_kind(true_shape, y_pred.shape)]
        return super().call(y_true, y_pred)


class _LossDictOfOneOutput:
    """The loss of a one-output model compiled with a dict of losses by output name (``loss={"dense": "mse"}``).
    Keras 3.15 takes that dict in ``compile`` (and keeps it as ``model.loss`` and in saved files), then fails at the
    first batch of ``fit``, ``evaluate``, ``train_on_batch``, ``test_on_batch`` or ``compute_loss`` with a
    ``TypeError`` (``'NoneType' object is not iterable``: a ``Sequential`` has no output names); calling this raises
    that ``TypeError`` there too, saying why and what to pass. ``predict`` does not need the loss and works."""

    def __init__(self, model_name, loss):
        self.model_name, self.loss = model_name, loss

    def __call__(self, y_true, y_pred, sample_weight=None):
        example = next(iter(self.loss.values()), None)
        if example is None:
            again = "Compile again with the loss itself (a name such as loss='mse', or a function)"
        elif isinstance(example, str):
            again = f"Compile again with loss={example!r}"
        elif hasattr(example, "__name__"):     # a function: its name, not its repr (which shows an address)
            again = f"Compile again with loss={example.__name__} (the function itself)"
        else:                                   # a Loss object
            again = f"Compile again with loss={type(example).__name__}(...) (the object itself)"
        raise TypeError(f"Invalid type for argument `loss` of compile: model {self.model_name!r} has one output, so it "
                        f"takes the loss itself, not a dict of losses by output name. Received loss={self.loss!r}. "
                        f"{again} (Keras 3.15 also accepts the dict in compile and fails at the first batch, with "
                        "\"'NoneType' object is not iterable\").")

    def __repr__(self):
        return repr(self.loss)


def prediction_for_loss(loss_fn, y_pred):
    """``y_pred`` as the loss function ``loss_fn`` receives it: a float16 prediction cast to float32 for a loss of
    your own (a function, not a :class:`~tinygradconv.losses.Loss`, which casts itself), as Keras 3 wraps such a
    function in a ``LossFunctionWrapper`` of dtype ``floatx()``; else unchanged."""
    if not isinstance(loss_fn, losses.Loss) and isinstance(y_pred, Tensor) and dtype_name(y_pred.dtype) == "float16":
        return y_pred.astype("float32")
    return y_pred


def _functional_arguments(args, kwargs):
    """Whether the arguments that reach ``Model.__init__`` are those of a functional model, ``(inputs, outputs)``,
    by Keras 3's rule (``functional_init_arguments``): two positional arguments, one and ``outputs=``, or both
    ``inputs=`` and ``outputs=``."""
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


def _put_functional_behind(cls):
    """Keras 3's ``inject_functional_model_class``: ``cls`` (a subclass of :class:`Model`, made with ``(inputs,
    outputs)``) gets :class:`~tinygradconv.functional.Functional` in place of ``Model`` among its bases, at every
    level of its hierarchy, so that its own methods (a ``train_step`` of your own) come first and the functional
    model's after them. The class itself changes, for good, as in Keras; bases that are not models (mixins) are
    left alone."""
    from .functional import Functional

    if cls is Model:
        return Functional
    if issubclass(cls, Functional) or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(_put_functional_behind(base) for base in cls.__bases__)
    return cls


def _takes_functional_arguments(cls):
    """Whether ``cls(inputs, outputs)`` reaches ``Model.__init__`` as such: its constructor is Model's, takes
    ``(inputs, outputs, ...)``, or passes on ``(*args, **kwargs)``. Keras 3's rule (``functional_like_constructor``)
    asks for exactly ``(inputs, outputs, name)`` in the second case; a constructor with arguments of its own after
    ``outputs`` gets them from the config here (:func:`~tinygradconv.functional.functional_from_config`)."""
    if cls.__init__ is Model.__init__:
        return True
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    kinds = {p.kind for p in parameters}
    passes_on = {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD} <= kinds
    return passes_on or [p.name for p in parameters[:2]] == ["inputs", "outputs"]


def _python_logs(logs):
    """What a step returned, as the logs ``fit`` and ``evaluate`` go on with, as Keras 3's ``pythonify_logs``
    makes them: a dict value (``model.metrics``' ``compile_metrics`` gives ``{"mae": ...}``) is flattened into
    the logs, and one-value Tensors and NumPy scalars become Python floats (arrays of several values stay arrays).

    >>> _python_logs({"loss": np.float32(0.5), "compile_metrics": {"mae": 0.25}})
    {'loss': 0.5, 'mae': 0.25}
    """
    if not isinstance(logs, dict):
        raise TypeError(f"Invalid type for the value a step returned: expected a dict of logs ({{'loss': ..., "
                        f"...}}), as Keras' train_step, test_step return. Received {logs!r} of type "
                        f"{type(logs).__name__}")
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(_python_logs(value))
            continue
        if isinstance(value, Tensor):
            value = value.detach().numpy()
        if isinstance(value, (numbers.Number, np.generic)) or (isinstance(value, np.ndarray) and value.ndim == 0):
            value = float(value)
        flat[key] = value
    return flat


def _check_step_signature(model, method):
    """``TypeError`` for a ``train_step``/``test_step``/``predict_step`` of your own written with the signature this
    package had before 2026-12-07, ``(self, x, y, sample_weight=None)``: Keras 3's is ``(self, data)``, and a step
    called with ``data`` would fail with "missing 1 required positional argument"."""
    step = getattr(model, method)
    function = getattr(step, "__func__", step)
    if function is getattr(Model, method) or function in _CHECKED_STEPS:   # at every train_on_batch: read once
        return
    try:
        parameters = list(inspect.signature(step).parameters.values())
    except (TypeError, ValueError):
        return
    required = [p for p in parameters if p.default is inspect.Parameter.empty
                and p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if len(required) > 1:
        raise TypeError(f"Invalid type for {type(model).__name__}.{method}: expected the signature {method}(self, "
                        f"data), as Keras 3's. Received {method}{inspect.signature(step)}. Unpack the batch with "
                        "`x, y, sample_weight = tinygradconv.utils.unpack_x_y_sample_weight(data)`")
    _CHECKED_STEPS.add(function)


_CHECKED_STEPS = set()    # the steps of your own whose signature was found right (functions: a few per session)


def _logged(result):
    """A metric's result as the logs hold it: a float for one value, else a float64 array."""
    if isinstance(result, Tensor):
        result = result.detach().numpy()
    return _float(result) if np.ndim(result) == 0 else np.asarray(result, dtype=np.float64)


def _samples(data):
    """The number of samples of a batch's ``x`` or ``y`` (an array, a Tensor, :class:`Columns`, a dict of them)."""
    if isinstance(data, dict):
        data = next(iter(data.values()))
    return len(data)


def _single_output(result):
    """The one output of a model whose outputs are a dict or a list of one tensor (Keras' forms), else ``result``."""
    if isinstance(result, dict):
        result = list(result.values())
    if isinstance(result, (list, tuple)) and len(result) == 1:
        return result[0]
    return result


class Model(Layer):
    """A layer with a training loop. Subclass it, or use :class:`Sequential`.

    Args:
        name: the model's name (default: the class name in snake case, made unique).
        dtype, trainable: as for :class:`~tinygradconv.layers.Layer`.

    Subclasses create their sub-layers as attributes in ``__init__`` (after ``super().__init__()``) and implement
    ``call(inputs, training=None)``; ``training`` is ``True`` inside ``fit`` and ``False`` in ``evaluate``/``predict``,
    so pass it on to ``Dropout`` and ``BatchNormalization``. Sub-layers held in attributes (or in lists of them) are
    tracked: their weights appear in ``weights``/``trainable_weights`` and their penalties in ``losses``.

    A subclass made with symbolic ``(inputs, outputs)``, ``CustomModel(inputs, outputs)`` (Keras' guide
    "Customizing what happens in ``fit()``"), is a functional model that keeps the subclass's methods: as Keras 3
    does (``inject_functional_model_class``), the subclass gets
    :class:`~tinygradconv.functional.Functional` in place of ``Model`` among its bases, for good.

    To change what one step of ``fit``, ``evaluate`` or ``predict`` does, override :meth:`train_step`,
    :meth:`test_step` or :meth:`predict_step`, each ``(self, data)``, as in Keras 3.

    >>> import numpy as np
    >>> from tinygradconv.layers import Layer
    >>> class Affine(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, inputs):
    ...         return inputs * self.w + 1.0
    >>> class Twice(Model):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.first, self.second = Affine(), Affine()
    ...     def call(self, inputs, training=None):
    ...         return self.second(self.first(inputs, training=training), training=training)
    >>> Twice()(np.zeros((1, 2))).numpy().tolist()
    [[2.0, 2.0]]
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            # Model(inputs, outputs): a functional model, as in Keras
            from .functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        # Record the constructor arguments (as Keras 3 records a layer's: tinygradconv.layers.auto_config), so
        # that subclasses get a working get_config() for free.
        obj = super().__new__(cls)
        obj._auto_config, obj._auto_config_error = auto_config.record(cls, args, kwargs)
        return obj

    def __init__(self, *args, **kwargs):
        """``Model(name=None, dtype=None, trainable=True)`` for a model of your own (a subclass), or
        ``(inputs, outputs, name=None, trainable=True)`` for a functional model (see the class docstring)."""
        if _functional_arguments(args, kwargs):
            from .functional import Functional

            if not isinstance(self, Functional):
                _put_functional_behind(type(self))
                self._auto_config = None        # the config is the graph, as Functional's
            Functional.__init__(self, *args, **kwargs)
            return
        self._init_model(*args, **kwargs)

    def __setstate__(self, state):
        """Unpickling. A model pickled by a tinygradconv version from before ``_loss_fn`` existed (before
        2026-12-07) has no ``_loss_fn`` (the loss called on each batch): its ``loss`` was that loss (compile kept the
        resolved loss there), so it is taken as it, and such an old compiled model trains, evaluates and saves after
        loading (``loss`` keeps the loss object it held)."""
        state = dict(state)
        state.setdefault("_loss_fn", state.get("loss"))
        self.__dict__.update(state)

    def _init_model(self, name=None, dtype=None, trainable=True, **kwargs):
        super().__init__(name=name, dtype=dtype, trainable=trainable, **kwargs)
        self.stop_training = False
        self.history = None
        self.compiled = False
        self.optimizer = None
        self.loss = None        # what compile was given (Keras 3's model.loss)
        self._loss_fn = None    # the loss it stands for, called on each batch
        self._metric_specs = []  # (name, identifier) as given to compile
        self._metrics = None  # (name, metric) pairs, resolved on the first batch
        self._loss_tracker = _Mean()
        self._loss_weight = None  # compile(loss_weights=...) of a model with one output
        self._build_input_shape = None
        self._step_cache = None  # inside fit: the weights to update, found on the first batch

    def _check_initialized(self):
        if "_own_weights" not in vars(self) or "compiled" not in vars(self):
            raise RuntimeError(f"It looks like you are subclassing `Model` ({type(self).__name__}) and forgot to call "
                               "`super().__init__()` at the start of your `__init__`.")

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        """The model's sub-layers, in the order they were assigned."""
        return self._sublayers()

    def get_layer(self, name=None, index=None):
        """The sub-layer with this ``name`` (or at this ``index``)."""
        layers = self.layers
        if name is None and index is None:  # Keras' message
            raise ValueError("Provide either a layer name or layer index at `get_layer`.")
        if index is not None:
            if name is not None:
                raise ValueError("Provide only `name` or `index`, not both")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Invalid value for argument `index`: the model has {len(layers)} layers. "
                                 f"Received index={index}")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[layer.name for layer in layers]}")

    def _to_input(self, inputs):
        # Data becomes a Tensor of its own dtype here; the Input's cast comes in call() (Sequential, Functional).
        return inputs if isinstance(inputs, Tensor) else Tensor(inputs, backend=self._data_backend())  # see Model.to

    def _data_backend(self):
        """The backend that data given as arrays goes to: the model's (:meth:`to`, or its first input's), else that
        of its weights. A model built while another backend was the default keeps its weights there, and NumPy
        data went to the new default, a "different backends" error (found by a tester; a lone layer took it)."""
        if self._backend is None:
            weights = self.weights
            return weights[0].backend if weights else None
        return self._backend

    def __call__(self, inputs, *args, training=None, **kwargs):
        self._check_initialized()
        if self.built or is_symbolic(inputs) or is_symbolic([list(args), kwargs]):   # see tinygradconv.functional
            return super().__call__(inputs, *args, training=training, **kwargs)
        # First call: the sub-layers build themselves inside call(); remember the input shape for save/summary.
        shape = getattr(inputs, "shape", None)
        if shape is None and not isinstance(inputs, dict):  # a nested list of numbers has a shape; several inputs not
            try:
                shape = np.shape(inputs)
            except ValueError:
                shape = None
        own_build = _has_own_build(type(self))
        if not own_build:       # the sub-layers build inside call(); a build of the subclass's own runs first
            self.built = True   # (Layer.__call__ gives it the input shape, as Keras 3's _maybe_build does)
        try:
            outputs = super().__call__(inputs, *args, training=training, **kwargs)
        except BaseException:
            if not own_build:
                self.built = False
            raise
        if self._build_input_shape is None and shape is not None:     # the batch size kept, as Keras 3 keeps it
            self._build_input_shape = tuple(int(d) for d in tuple(shape))
        return outputs

    def build(self, input_shape):
        """Create every weight for inputs of ``input_shape`` (``None`` for unknown sizes, e.g. the batch).

        Runs the model once on zeros (unknown sizes replaced by 1), in inference mode, so the sub-layers build.
        """
        shape = tuple(input_shape)
        self._build_input_shape = (None,) + tuple(None if d is None else int(d) for d in shape[1:])
        self._run_on_zeros(shape)

    def _run_on_zeros(self, shape):
        dummy = np.zeros(tuple(1 if d is None else int(d) for d in shape), dtype=self.dtype)
        with no_grad():
            self(dummy, training=False)

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None, *, loss_weights=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training.

        Args:
            optimizer: an optimizer object (anything with ``apply(grads, variables)``) or a name/config understood
                by ``tinygradconv.optimizers.get`` (e.g. ``"sgd"``, ``"adam"``).
            loss: a name understood by ``tinygradconv.losses.get`` (e.g. ``"mse"``), Keras' shortcut ``"ce"`` or
                ``"crossentropy"`` (any case: binary, sparse categorical or categorical crossentropy from the shapes
                of each output's data, with ``from_logits=False``, as Keras), or a callable
                ``loss(y_true, y_pred) -> scalar Tensor``; a class (``losses.MeanSquaredError``) stands for its
                default instance, as in Keras 3 (so does a metric class in ``metrics``).
            metrics: a list of metric names (e.g. ``"mae"``, ``"accuracy"``), metric objects or functions. As in
                Keras 3 they ignore ``sample_weight``: every sample counts once. A metric given by name is reported
                under that name; ``"accuracy"``/``"acc"`` become binary, sparse categorical or categorical accuracy
                according to the shapes of the first batch.
            weighted_metrics: a list like ``metrics``, of metrics weighted by the ``sample_weight`` given to
                ``fit``/``evaluate`` (:math:`\\sum_i w_i m_i / \\sum_i w_i`; unweighted when no weights are given).
                As in Keras 3, one that has the name of an entry of ``metrics`` is reported as ``"weighted_<name>"``.
            loss_weights: a number that multiplies the compiled loss (not the regularization penalties), as Keras 3
                weighs the loss of a model with one output: the training loss, and the ``loss`` that ``fit`` and
                ``evaluate`` report, are ``loss_weights * loss + penalties``. Keras' per-output forms mean the same
                for the one output: ``[2.0]``, or ``{"<output name>": 2.0}`` (see below). Keyword only here (the
                third argument of Keras' ``compile``; ``metrics`` is ours, as in tf.keras 2).
            run_eagerly, jit_compile, auto_scale_loss: accepted as Keras 3 accepts them (a bool or None;
                ``jit_compile`` also ``"auto"``), so that Keras scripts run unchanged, and change nothing: every
                step here runs eagerly, nothing is compiled, and there are no mixed-precision policies whose loss
                would be scaled.
            steps_per_execution: ``1``, one batch per step, the only value supported (Keras runs several batches per
                call with more, and calls the callbacks' batch hooks once per call).

        The optimizer, losses and metrics must be tinygradconv's (names, objects or your own functions of
        tinygradconv tensors): Keras' and PyTorch's own objects compute on their own tensors, so they are refused
        here with a ``TypeError`` rather than failing inside ``fit`` with a misleading error.

        Compiling again replaces only what is given, as Keras 3: ``loss=None`` keeps the previous loss (with its
        ``loss_weights``), and ``metrics=None`` with ``weighted_metrics=None`` keeps the previous metrics of both
        kinds (``metrics=[]`` drops them); so ``model.compile(optimizer=Adam(1e-5))`` changes the optimizer only.

        Names repeat as in Keras 3: ``metrics=["mae", "mae"]`` reports ``mae`` and ``mae_1`` (then ``mae_2``, ...);
        a repeated weighted ``mae`` is ``weighted_mae``, then ``weighted_mae_1``, ...

        Keras' per-output forms, for the one output of a ``Sequential`` or subclassed model, mean what they mean in
        Keras 3 (checked against its ``fit`` and ``evaluate`` logs): ``metrics=[["mae", "mse"]]`` and
        ``metrics={"<output name>": ["mae", "mse"]}`` (or ``{"<output name>": "mae"}``) are
        ``metrics=["mae", "mse"]``, reported as ``mae`` and ``mse``, and the same for ``weighted_metrics``;
        ``loss=["mse"]`` is ``loss="mse"``. The output's name is the last layer's for a ``Sequential``; a subclassed
        model takes any one key. Keras ignores the keys and the nesting of these forms when a model has one output
        (``metrics={"typo": ["mae"]}`` and ``metrics=[["mae"], ["mse"]]`` pass); here they must describe one output
        with its name, so that a structure written for other outputs is refused rather than read as another.

        Raises:
            ValueError: an unknown optimizer, loss or metric name, an optimizer class instead of an instance (Keras'
                "Could not interpret optimizer identifier"), a metric named ``"loss"``, or two metrics that
                would still be reported under the same name after that renaming (e.g. ``["mae_1", "mae", "mae"]``,
                where Keras silently overwrites the first).
            TypeError: ``metrics``/``weighted_metrics`` not a list, or an entry that is not a metric; a Keras,
                TensorFlow or PyTorch optimizer, loss or metric; ``run_eagerly``, ``jit_compile`` or
                ``auto_scale_loss`` of another type.
            ValueError: ``jit_compile`` a string other than ``"auto"``, ``steps_per_execution`` other than 1.
            ValueError: a per-output form that does not describe one output (a key other than the output's name, a
                list of several losses, lists or weights), ``loss_weights`` that is not a number (Keras' error
                class). ``loss`` as a dict of losses by output name is taken, as Keras 3.15 takes it, and kept as
                ``model.loss``; ``fit``, ``evaluate``, ``train_on_batch``, ``test_on_batch`` and ``compute_loss``
                then raise a ``TypeError`` at the first batch, as Keras does.
            ValueError: compiling again with ``loss_weights`` but no ``loss`` (Keras keeps the previous loss and
                ignores the new weights silently).
        """
        self._check_initialized()
        loss, loss_weights, metrics, weighted_metrics = self._kept_compile_arguments(loss, loss_weights, metrics,
                                                                                     weighted_metrics)
        given_loss = loss       # model.loss, as Keras 3 keeps it: "mse" stays "mse"
        _check_keras_compile_options(run_eagerly, steps_per_execution, jit_compile, auto_scale_loss)
        refuse_foreign_compile_arguments(optimizer, loss, metrics, weighted_metrics)
        self._compile_call = {"optimizer": optimizer, "loss": loss, "metrics": metrics,   # for clone_model
                              "weighted_metrics": weighted_metrics}
        if loss_weights is not None:
            self._compile_call["loss_weights"] = loss_weights
        # Keras' per-output forms for the one output (a functional model has read its own before; these pass then)
        loss = self._one_output_loss(loss)
        metrics = self._one_output_metrics(metrics, "metrics")
        weighted_metrics = self._one_output_metrics(weighted_metrics, "weighted_metrics")
        loss_weight = self._one_output_loss_weight(loss_weights)
        # a loss or metric class stands for its default instance, as in Keras 3 (``loss=losses.MeanSquaredError``)
        loss = _instance(loss, "loss")
        if isinstance(metrics, (list, tuple)):
            metrics = [_instance(m, "metrics") for m in metrics]
        if isinstance(weighted_metrics, (list, tuple)):
            weighted_metrics = [_instance(m, "weighted_metrics") for m in weighted_metrics]
        given = {"optimizer": optimizer, "metrics": list(metrics or []),
                 # (a dict of losses for the one output is saved as given, as Keras saves it)
                 "loss": loss.loss if isinstance(loss, _LossDictOfOneOutput) else loss,
                 "weighted_metrics": list(weighted_metrics or [])}
        if optimizer is None:
            raise ValueError("Invalid value for argument `optimizer`. Expected an optimizer or its name. "
                             "Received optimizer=None")
        if isinstance(optimizer, (str, dict)):
            optimizer = self._get(optimizers, optimizer, "optimizer")
        elif isinstance(optimizer, type):       # the class itself: Keras' ValueError, with the two right forms
            name = getattr(optimizer, "__name__", repr(optimizer))
            raise ValueError(  # noqa: TRY004 (Keras raises ValueError here)
                f"Could not interpret optimizer identifier: {optimizer!r}, a class. Pass an instance, "
                f"e.g. optimizer={name}(), or its name, e.g. optimizer={name.lower()!r}.")
        elif not hasattr(optimizer, "apply"):
            raise TypeError(f"Invalid type for argument `optimizer`. Expected an optimizer (with an `apply` method) "
                            f"or its name. Received optimizer={optimizer!r}")
        if getattr(loss, "reduction", "mean") in ("none", None):
            # Keras fails later, inside fit ("grad can be implicitly created only for scalar outputs")
            raise ValueError(f"Invalid value for argument `loss`: {loss!r} has reduction={loss.reduction!r}, so it "
                             "returns one value per sample, and training needs one number. Use the default "
                             "reduction ('sum_over_batch_size') or 'sum'.")
        if loss is not None:
            if isinstance(loss, (str, dict)):
                resolved = self._get(losses, loss, "loss")
            elif callable(loss):
                resolved = loss
            else:
                raise TypeError(f"Invalid type for argument `loss`. Expected a loss name or a callable "
                                f"loss(y_true, y_pred). Received loss={loss!r}")
            loss = resolved
        specs = _unique_metric_names(self._metric_list(metrics, "metrics"),
                                     self._metric_list(weighted_metrics, "weighted_metrics"))
        names = [name for name, _, _ in specs]
        if len(set(names)) != len(names) or "loss" in names:
            raise ValueError(f"Invalid value for argument `metrics`: the names reported must be unique and not "
                             f"'loss'. Received metrics named {names} after Keras' renaming of repeated names")
        self.optimizer = optimizer
        if hasattr(optimizer, "_note_model"):      # the Keras paths of the weights, whatever step trains them (Muon)
            optimizer._note_model(self)
        # what was given, as Keras 3 keeps it; a loss's config (as a file holds it) stands for the loss it makes
        self.loss = loss if isinstance(given_loss, dict) and "class_name" in given_loss else given_loss
        self._loss_fn = loss
        self._loss_weight = loss_weight
        if loss_weight is not None:
            given["loss_weights"] = loss_weight
        self._metric_specs = specs
        self._metrics = None
        self._compile_args = given
        self.compiled = True

    def _kept_compile_arguments(self, loss, loss_weights, metrics, weighted_metrics):
        """``loss``, ``loss_weights``, ``metrics`` and ``weighted_metrics`` of a ``compile`` call, with Keras 3's rule
        for a model compiled before: ``loss=None`` keeps the previous loss (and its ``loss_weights``), and
        ``metrics=None`` with ``weighted_metrics=None`` keeps the previous metrics and weighted metrics (Keras 3's
        ``Trainer.compile`` replaces its compiled loss only when a loss is given, and its compiled metrics only when
        ``metrics`` or ``weighted_metrics`` is given: keras-team/keras#20602, which keeps a GAN's discriminator
        metrics when it is compiled again). ``metrics=[]`` drops them.

        Raises:
            ValueError: ``loss_weights`` with ``loss=None`` on a model compiled with a loss (Keras keeps its previous
                loss and weights and ignores the new weights, silently).
        """
        previous = getattr(self, "_compile_call", None) if self.compiled else None
        if not previous:
            return loss, loss_weights, metrics, weighted_metrics
        if loss is None and previous.get("loss") is not None:
            if loss_weights is not None:
                raise ValueError(f"Invalid value for argument `loss_weights`: compile(loss=None) keeps the loss that "
                                 f"model '{self.name}' was compiled with, {previous['loss']!r}, and its weights (as "
                                 f"Keras 3, which ignores the new weights). Received loss_weights={loss_weights!r}: "
                                 "pass the loss with them, e.g. compile(..., loss=model.loss, loss_weights=...)")
            loss, loss_weights = previous["loss"], previous.get("loss_weights")
        if metrics is None and weighted_metrics is None:
            metrics, weighted_metrics = previous.get("metrics"), previous.get("weighted_metrics")
        return loss, loss_weights, metrics, weighted_metrics

    # Keras' per-output forms of compile's arguments, for a model with one output ------------------------------
    def _single_output_name(self):
        """The name of the model's one output (the key of Keras' per-output dicts), or None where it is not known
        before a call (a subclassed model)."""

    def _output_entry(self, value, argument):
        """``value[name]`` for a dict of one entry keyed by the model's output name (any one key when the name is
        unknown); ``ValueError`` naming the argument, the keys received and the name expected otherwise."""
        name = self._single_output_name()
        if len(value) != 1 or (name is not None and name not in value):
            expected = f"the output's name, {name!r}" if name is not None else "one key"
            raise ValueError(f"Invalid value for argument `{argument}`: model '{self.name}' has one output, so a "
                             f"dict of {argument} takes {expected}. Received keys {list(value)} in {argument}="
                             f"{value!r}. Pass {argument}={{{name or 'output'!r}: ...}}, or the value itself.")
        return next(iter(value.values()))

    def _one_output_loss(self, loss):
        """``loss`` of a one-output model: ``["mse"]`` (and ``[["mse"]]``) as ``"mse"``, as Keras 3 takes them;
        several losses are a ``ValueError``. A dict of losses by output name is taken, as Keras 3.15 takes it, and
        fails at the first batch (:class:`_LossDictOfOneOutput`)."""
        if isinstance(loss, (list, tuple)):
            if len(loss) != 1:
                raise ValueError(f"Invalid value for argument `loss`: model '{self.name}' has one output, so it takes "
                                 f"one loss. Received a {type(loss).__name__} of {len(loss)}: loss={loss!r}. Pass one "
                                 "loss, e.g. loss='mse' (to add several, write a function of your own that returns "
                                 "their sum).")
            return self._one_output_loss(loss[0])
        if isinstance(loss, dict) and "class_name" not in loss:
            return _LossDictOfOneOutput(self.name, loss)
        return loss

    def _one_output_metrics(self, metrics, argument):
        """``metrics`` (or ``weighted_metrics``) of a one-output model as a flat list: ``[["mae", "mse"]]`` and
        ``{"<output name>": ["mae", "mse"]}`` (or ``{"<output name>": "mae"}``) as Keras 3 reads them for one output."""
        if isinstance(metrics, dict) and "class_name" not in metrics:
            value = self._output_entry(metrics, argument)
            return self._one_output_metrics(list(value) if _is_structure(value) and not isinstance(value, dict)
                                            else [value], argument)
        if isinstance(metrics, (list, tuple)) and any(_is_structure(m) for m in metrics):
            if len(metrics) != 1:
                nested = next(m for m in metrics if _is_structure(m))
                raise ValueError(f"Invalid value for argument `{argument}`: model '{self.name}' has one output, so "
                                 f"a list of lists of {argument} holds one list, for it. Received {len(metrics)} "
                                 f"entries, with {nested!r} among them: {argument}={metrics!r}. Pass one flat list, "
                                 f"e.g. {argument}={_leaves(metrics)!r}.")
            return self._one_output_metrics(metrics[0] if isinstance(metrics[0], dict) else list(metrics[0]),
                                            argument)
        return metrics

    def _one_output_loss_weight(self, loss_weights):
        """The number that ``loss_weights`` gives the one output (None for none): a number, ``[number]`` or
        ``{"<output name>": number}``, as Keras 3 takes them."""
        if loss_weights is None:      # (a functional model weighs its outputs in its own compile)
            return None
        value = loss_weights
        if isinstance(value, dict):
            value = self._output_entry(value, "loss_weights")
        elif isinstance(value, (list, tuple)):
            if len(value) != 1:       # Keras 3.15's message (it raises it on the first batch)
                raise ValueError(f"`loss_weights` must match the number of losses, got 1 losses and {len(value)} "
                                 f"weights. Model '{self.name}' has one output: pass one number, e.g. "
                                 f"loss_weights=2.0. Received loss_weights={loss_weights!r}")
            value = value[0]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ValueError(  # noqa: TRY004 - a ValueError, as Keras 3 raises
                f"Invalid value for argument `loss_weights`: expected a number (single output case), or a list "
                f"of one or a dict {{output name: number}}. Received loss_weights={loss_weights!r}")
        return float(value)

    def _metric_list(self, metrics, argument):
        """``(name, identifier)`` for each entry of a ``metrics``/``weighted_metrics`` list given to compile."""
        if metrics is None:
            return []
        if isinstance(metrics, (str, dict)) or _is_metric(metrics) or callable(metrics):
            raise TypeError(f"Invalid type for argument `{argument}`. Expected a list of metrics. Received "
                            f"{argument}={metrics!r}")
        specs = []
        for metric in metrics:
            if isinstance(metric, dict):  # a config, e.g. from a saved model
                metric = self._get(metrics_module, metric, argument)
            if isinstance(metric, str):
                self._get(metrics_module, metric, argument)  # unknown names fail here, before any training
                specs.append((metric, metric))
            elif _is_metric(metric):
                specs.append((getattr(metric, "name", type(metric).__name__), metric))
            elif callable(metric):      # a function, or a loss object (named as Keras logs it: "huber_loss")
                name = getattr(metric, "name", None) if isinstance(getattr(metric, "name", None), str) else None
                specs.append((name or getattr(metric, "__name__", type(metric).__name__), metric))
            else:
                raise TypeError(f"Invalid value in argument `{argument}`. Expected metric names, metric objects or "
                                f"functions. Received {metric!r}")
            _refuse_one_value_metric(specs[-1][1], argument)
        return specs

    @staticmethod
    def _get(module, identifier, argument):
        if module is losses and isinstance(identifier, str) and identifier.lower() in _CROSSENTROPY_SHORTCUTS:
            # Keras' compile shortcut (not losses.get's): the crossentropy that each output's shapes call for
            return _CrossentropyOfTheShapes(name=identifier)
        try:
            return module.get(identifier)
        except (ValueError, KeyError, TypeError) as exc:
            kind = {optimizers: "optimizer", losses: "loss", metrics_module: "metric"}[module]
            class_name = identifier.get("class_name") if isinstance(identifier, dict) else None
            if isinstance(class_name, str) and Model._known(module, class_name):   # a known class, a bad config
                raise ValueError(f"Invalid value for argument `{argument}`: the {kind} {class_name} cannot be made "
                                 f"from this config: {exc} (received {identifier!r})") from None
            raise ValueError(f"Invalid value for argument `{argument}`: unknown {kind} {identifier!r}. "
                             f"({exc})") from None

    @staticmethod
    def _known(module, class_name):
        """Whether ``module`` (optimizers, losses, metrics) knows the class ``class_name`` by that name."""
        try:
            module.get(class_name)
        except (ValueError, KeyError, TypeError):
            return False
        return True

    def _check_compiled(self, method):
        self._check_initialized()
        if not self.compiled:
            raise NotCompiledError(f"You must call `compile()` before using the model: `{method}()` was called on "
                                   f"model '{self.name}', which was never compiled.")

    # ------------------------------------------------------------------ metrics
    def _build_metrics(self, y_true, y_pred):
        self._metrics = [(name, self._metric_for(name, spec, y_true, y_pred), weighted)
                         for name, spec, weighted in self._metric_specs]

    @staticmethod
    def _metric_for(name, spec, y_true, y_pred):
        """The metric object of one compiled metric, reset, for targets and predictions like ``y_true``/``y_pred``."""
        if isinstance(spec, str):
            # "accuracy"/"acc" become binary, sparse categorical or categorical accuracy from the shapes of the
            # first batch, as in Keras's compile
            metric = metrics_module.get(spec, y_true=y_true.shape, y_pred=y_pred.shape)
        elif _is_metric(spec):
            metric = spec
        else:  # a function of (y_true, y_pred) giving per-sample values: their mean over the samples seen
            metric = metrics_module.MeanMetricWrapper(spec, name=name)
        metric.reset_state()
        return metric

    @property
    def metrics(self) -> list:
        """The metric objects, as Keras 3.15's ``model.metrics``: ``[]`` before ``compile``, then the loss tracker (a
        mean named ``"loss"``), a container named ``"compile_metrics"`` of the compiled metrics when ``compile`` was
        given ``metrics`` or ``weighted_metrics``, ``[]`` too (its ``.metrics``, once the first batch of ``fit`` or
        ``evaluate`` has made them), then, for a functional model of several outputs (compiled with a loss for each, or
        one loss for them all), one mean per output loss (``"<output name>_loss"``, in the order of ``evaluate``'s list)
        once the first batch (of ``fit``, ``evaluate``, ``train_on_batch``, ...) has built them, as Keras builds its
        ``CompileLoss``; their ``result()`` is the logged value. Last, compiled or not, the metrics the model holds in
        its attributes (``self.tracker = metrics.Mean(name="mine")``, directly or in a list), as Keras 3 tracks
        them: ``fit`` and ``evaluate`` reset them with the others and log their results. Not listed: metrics of
        layers (layers here have no ``add_metric``).

        ``compile_metrics``' ``update_state(y, y_pred)`` updates the compiled metrics, as in Keras' guide
        "Customizing what happens in ``fit()``" (``for metric in self.metrics: metric.update_state(y, y_pred)``,
        the loss tracker taking ``update_state(loss)``). A ``metrics`` property of your own replaces this list.

        >>> from tinygradconv import layers
        >>> model = Sequential([layers.Input((3,)), layers.Dense(1)])
        >>> model.metrics
        []
        >>> model.compile("sgd", "mse")
        >>> [metric.name for metric in model.metrics]
        ['loss']
        >>> model.compile("sgd", "mse", metrics=["mae"])
        >>> [metric.name for metric in model.metrics]
        ['loss', 'compile_metrics']
        """
        if not self.compiled:
            return self._attribute_metrics()
        listed = [self._loss_tracker]
        call = getattr(self, "_compile_call", None) or {}
        # as Keras 3.15: a container once compile was given metrics or weighted_metrics (``[]`` too), none else
        if call.get("metrics") is not None or call.get("weighted_metrics") is not None:
            listed.append(_CompileMetrics(self))
        return listed + self._built_output_loss_trackers() + self._attribute_metrics()

    def __setattr__(self, name, value):
        # Remember the attributes that hold metrics (Keras 3 tracks them): `metrics` reads only those, at every step
        super().__setattr__(name, value)
        items = value if isinstance(value, (list, tuple)) else (value,)
        holders = self.__dict__.get("_metric_attributes")
        if any(isinstance(item, metrics_module.Metric) for item in items):
            if holders is None:
                holders = {}
                object.__setattr__(self, "_metric_attributes", holders)
            holders[name] = None
        elif holders:
            holders.pop(name, None)

    def _attribute_metrics(self) -> list:
        """The :class:`~tinygradconv.metrics.Metric` objects held in the model's attributes, directly or in a list
        or tuple (holding one when assigned), in attribute order, each once (Keras 3 tracks them, and lists them
        last in ``metrics``)."""
        found = []
        for name in self.__dict__.get("_metric_attributes") or ():
            value = self.__dict__.get(name)
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, metrics_module.Metric) and all(item is not f for f in found):
                    found.append(item)
        return found

    def _built_output_loss_trackers(self) -> list:
        """The per-output loss trackers :attr:`metrics` lists (a functional model's; none here)."""
        return []

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return the results of every metric in :attr:`metrics`, as
        Keras 3's ``Model.compute_metrics`` (the end of Keras' guide's ``train_step``: ``return
        self.compute_metrics(x, y, y_pred, sample_weight)``). ``x`` is not used, as in Keras; ``y``, ``y_pred`` and
        ``sample_weight`` as :meth:`compute_loss` takes them. The loss tracker (``"loss"``) is not updated here, as
        in Keras: its ``train_step`` updates it; one of your own does so itself
        (``self.metrics[0].update_state(loss)``) or logs ``"loss"`` at 0.

        Returns:
            a dict of the results, ``{"loss": ..., "mae": ...}``, a dict result (``compile_metrics``) flattened
            into it, as Keras' ``get_metrics_result``.

        Raises:
            ValueError: ``y`` None for a model compiled with metrics.
        """
        del x           # as Keras' own, which uses it not
        if not self.compiled:
            return {metric.name: _logged(metric.result()) for metric in self.metrics}
        y_pred = self._output_list(y_pred)
        if y is not None:
            y_true = self._targets(y, y_pred)
            sample_weight = None if sample_weight is None else self._targets(sample_weight, y_pred)
            self._update_compiled_metrics(y_true, y_pred, sample_weight)
        elif self._metric_specs:
            raise ValueError(f"Invalid value for argument `y`: None, but model '{self.name}' was compiled with "
                             f"metrics {[n for n, _, _ in self._metric_specs]}, which need targets. Give `y`.")
        return self._step_logs()

    def _step_logs(self):
        """What the default steps return, as Keras 3's ``compute_metrics`` (``get_metrics_result``): the results of
        :attr:`metrics`, from the model's own trackers (:meth:`_logs`), or, when ``metrics`` is a property of your
        own, from the metrics it lists (a dict result flattened into the logs), as Keras reads them."""
        if type(self).metrics is Model.metrics:
            return self._logs()
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = _logged(result)
        return logs

    def get_metrics_result(self) -> dict:
        """``{"loss": ..., name: result, ...}``: the current values of :attr:`metrics` (since the last reset), as
        Keras 3's ``get_metrics_result`` (Python floats here, where Keras gives tensors; an array for a metric of
        several values), a functional model's per-output losses (``"a_loss"``) included, in the order of
        ``evaluate``'s logs. ``{}`` before ``compile``, as in Keras.

        Raises:
            ValueError: compiled with metrics that are not made yet (before the first batch of ``fit`` or
                ``evaluate``), as Keras raises ("Cannot get result() since the metric has not yet been built").
        """
        if not self.compiled:
            return {}
        _CompileMetrics(self).check_built()      # (refused before the metrics are made, as in Keras)
        return self._step_logs()

    def get_compile_config(self) -> dict:
        """The compile arguments as Keras 3 writes them (``compile_config`` of a ``.keras`` file: the optimizer
        with its current settings, the loss, the metrics, ...; see
        :func:`tinygradconv.keras_format.keras_compile_config`); ``{}`` before ``compile``, as Keras'
        ``get_compile_config``. :meth:`compile_from_config` compiles a model with it.

        Raises:
            ValueError: an entry that Keras cannot describe (a lambda as the loss, ...).
        """
        if not self.compiled:
            return {}
        from .keras_format import keras_compile_config

        return keras_compile_config(self)

    def compile_from_config(self, config):
        """Compile with :meth:`get_compile_config`'s output (or Keras 3's), as Keras 3's ``compile_from_config``.

        Raises:
            TypeError: ``config`` is not a dict.
            ValueError: an entry this package does not have (an unknown optimizer, loss or metric, named).
        """
        if not isinstance(config, dict):
            raise TypeError(f"Invalid type for argument `config`: expected the dict of get_compile_config(). "
                            f"Received config={config!r} of type {type(config).__name__}")
        from .keras_format import our_compile_arguments
        from .saving import _with_custom_metrics

        self.compile(**_with_custom_metrics(our_compile_arguments(config, "compile_from_config")))

    @property
    def metrics_names(self) -> list:
        """``"loss"``, then the names of ``metrics``, then those of ``weighted_metrics`` (as given to compile)."""
        return ["loss"] + [name for name, _, _ in self._metric_specs]

    def reset_metrics(self):
        """Reset the loss tracker and every metric (done at the start of each epoch and of ``evaluate``): as Keras 3,
        every metric :attr:`metrics` lists, so also those of a ``metrics`` property of your own."""
        self._reset_compiled_metrics()
        for metric in self.metrics:
            metric.reset_state()

    def _reset_compiled_metrics(self):
        """Reset the loss tracker and the metrics of ``compile``."""
        self._loss_tracker.reset_state()        # in place: model.metrics[0] is the tracker
        for _, metric, _ in self._metrics or ():
            metric.reset_state()

    def _logs(self):
        logs = {"loss": self._loss_tracker.result()}
        for name, metric, _ in self._metrics or ():
            # A float for a metric of one value (shape ()), else an array of the result's shape, as Keras 3 logs
            # them: several thresholds, or one value per class (F1Score(average=None), R2Score(
            # class_aggregation=None)) also when there is one class, array([0.4]) and not 0.4.
            logs[name] = _logged(metric.result())
        for metric in self._attribute_metrics():      # held in attributes: logged too, as Keras
            logs[metric.name] = _logged(metric.result())
        return logs

    def _update_metrics(self, y_true, y_pred, loss_value, batch, sample_weight=None):
        self._loss_tracker.update(loss_value, batch)  # Keras weights the loss by batch size, sample weights or not
        if y_true is not None:
            self._update_compiled_metrics(y_true, y_pred, sample_weight)
        elif self._metric_specs:
            raise ValueError(f"Invalid value for argument `y`: None, but model '{self.name}' was compiled with "
                             f"metrics {[n for n, _, _ in self._metric_specs]}, which need targets. Give `y`.")

    def _update_compiled_metrics(self, y_true, y_pred, sample_weight=None):
        """Update the metrics of ``compile`` (made at the first batch) with targets and predictions as Tensors."""
        if self._metrics is None:
            self._build_metrics(y_true, y_pred)
        if self._metrics:
            y_true, y_pred = y_true.detach(), _detached_with_mask(y_pred)
            for _, metric, weighted in self._metrics:
                if sample_weight is None or not weighted:  # plain metrics ignore sample_weight, as in Keras 3
                    metric.update_state(y_true, y_pred)
                else:
                    metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    # ------------------------------------------------------------------ steps
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The loss of a batch, as Keras 3's ``Model.compute_loss`` (same signature): the compiled loss of ``y``
        and ``y_pred`` (weighted by ``sample_weight`` if given), times ``loss_weights`` if compiled with it, plus
        every penalty in ``model.losses`` (``add_loss``, regularizers). ``x`` and ``training`` are not used here, as
        in Keras; an override of your own may use them (``train_step`` passes them all).

        Args:
            x: the batch's inputs.
            y: the targets: a Tensor or an array (taken in the dtype the loss computes in, see :meth:`_targets`);
                None for a model compiled without a loss (its loss comes from ``add_loss``).
            y_pred: the model's outputs on ``x``.
            sample_weight: one weight per sample, or None.
            training: whether the loss is that of a training step.

        Returns:
            a scalar Tensor.

        Raises:
            ValueError: nothing to compute, no compiled loss and no penalty (Keras' message, "No loss to compute.
                Provide a `loss` argument in `compile()`."); a compiled loss without targets ``y``.

        A loss of your own (a function, not a :class:`~tinygradconv.losses.Loss`) receives a float16 prediction cast
        to float32, as Keras 3 wraps such a function in a ``LossFunctionWrapper`` of dtype ``floatx()``; the
        targets and weights are float32 already (see :meth:`_targets`)."""
        del x, training         # as Keras' own, which uses neither
        total = None
        if self._loss_fn is not None:
            if y is None:
                raise ValueError(f"Invalid value for argument `y`: None, but model '{self.name}' was compiled with a "
                                 "loss, which needs targets. Give the targets, or compile without a loss when it "
                                 "comes from add_loss only.")
            y = self._targets(y, y_pred)
            sample_weight = None if sample_weight is None else self._targets(sample_weight, y_pred)
            total = self._compiled_loss(y, y_pred, sample_weight)
        for penalty in self.losses:
            total = penalty if total is None else total + penalty
        if total is None:       # Keras' message, raised where Keras raises it: at the first step
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _compiled_loss(self, y_true, y_pred, sample_weight=None):
        """The loss of ``compile`` (targets and weights as Tensors), times ``loss_weights`` if compiled with it."""
        mask = getattr(y_pred, "_keras_mask", None)
        loss_fn = self._loss_fn
        y_pred = prediction_for_loss(loss_fn, y_pred)
        loss = weighted_loss(loss_fn, y_true, y_pred, sample_weight, mask)
        if loss.ndim:
            loss = loss.mean()
        if getattr(self, "_loss_weight", None) is not None:     # compile(loss_weights=w): w * loss, as Keras
            loss = loss * self._loss_weight
        return loss

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """:meth:`compute_loss`, also when a ``compute_loss`` of your own has no ``training`` argument (Keras 3 added
        it in 3.3 and calls such an override without it, as here)."""
        takes_training = True
        if type(self).compute_loss is not Model.compute_loss:      # (an override: its signature, once a step)
            try:
                takes_training = "training" in inspect.signature(self.compute_loss).parameters
            except (TypeError, ValueError):
                pass
        if takes_training:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _targets(self, y, y_pred):
        """Targets (or sample weights) ``y`` as a Tensor on ``y_pred``'s backend, in the dtype the loss computes in:
        the prediction's, but float32 for a float16 prediction. Keras 3's losses cast the predictions, targets and
        weights to their own dtype (``floatx()``, float32) before computing, so a float16 model's targets and
        weights are never rounded to float16 there: a target of 7e4 (float16's largest is 65504) or a weight of
        1e-8 (below float16's smallest, 6e-8) keeps its value, and the loss its float32 value, as in Keras. The
        loss's gradient is cast back to float16 at the prediction (:class:`~tinygradconv.losses.Loss` casts the
        float16 prediction to float32, a differentiable cast). A Tensor that is already so is taken as it is
        (detached)."""
        dtype = dtype_name(y_pred.dtype)
        dtype = "float32" if dtype == "float16" else dtype
        if isinstance(y, Tensor) and y.backend is y_pred.backend and dtype_name(y.dtype) == dtype:
            return y.detach() if y.requires_grad else y
        return Tensor(y, dtype=dtype, backend=y_pred.backend)

    def zero_grad(self):
        """Forget the gradient of every weight (``grad = None``), as ``torch.nn.Module.zero_grad()`` (which Keras'
        guides call at the start of a ``train_step`` on PyTorch)."""
        for weight in self.weights:
            weight.grad = None

    def train_step(self, data):
        """One optimization step on a batch, as Keras 3's ``train_step(self, data)``; returns the logs (``loss`` and
        the metrics, running means over the epoch).

        ``data`` is the batch as ``fit`` packs it (:func:`~tinygradconv.utils.pack_x_y_sample_weight`): ``x``,
        ``(x, y)`` or ``(x, y, sample_weight)``, NumPy arrays (one per input or output in a list for a model of
        several); :func:`~tinygradconv.utils.unpack_x_y_sample_weight` unpacks it. An override of your own returns a
        dict of logs; a value that is a dict (``compile_metrics``' ``result()``) is flattened into the logs, and
        Tensors become floats, as in Keras 3.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._check_compiled("train_step")
        y_pred = self._output_list(self(x, training=True))
        y_true = None if y is None else self._targets(y, y_pred)
        sample_weight = None if sample_weight is None else self._targets(sample_weight, y_pred)
        loss = self._compute_loss(x, y_true, y_pred, sample_weight, training=True)
        variables, frozen = self._step_variables()  # after the call: a model builds its weights on its first batch
        for weight in variables:
            weight.grad = None  # forget anything accumulated outside fit
        if loss.requires_grad:  # False only when nothing is trainable
            scale = getattr(self.optimizer, "scale_loss", None)   # a LossScaleOptimizer's (Keras' train_step); an
            (loss if scale is None else scale(loss)).backward()   # optimizer of your own may have only `apply`
        if variables:  # the optimizer warns about weights without a gradient, as Keras does
            if not getattr(self.optimizer, "built", True) and hasattr(self.optimizer, "_note_paths"):
                self.optimizer._note_paths(self)    # Keras' variable paths, before it builds (Muon reads them)
            self.optimizer.apply([w.grad for w in variables], variables)
        for weight in variables + frozen:
            weight.grad = None
        self._update_metrics(y_true, y_pred, _float(loss), _samples(x if y is None else y), sample_weight)
        return self._step_logs()

    def _output_list(self, outputs):
        """The outputs of ``self(x)`` as the losses and metrics take them: as they are here; a functional model of
        a dict of outputs gives the list of the dict's values."""
        return outputs

    def _step_variables(self):
        """The trainable weights, and the frozen ones that still receive gradients (all of them when the model
        itself is set ``trainable = False``). Inside ``fit`` the list of weights is found once, on the first batch;
        their ``trainable`` flags are read at every step, so that a change takes effect at the next step, as in
        Keras 3 on torch (a layer frozen by a callback at the end of an epoch is not trained in the next one)."""
        cache = getattr(self, "_step_cache", None)
        weights = cache["weights"] if cache else self.weights
        if cache is not None:
            cache["weights"] = weights
        flagged = [w for w in weights if w.requires_grad]
        return (flagged, []) if self.trainable else ([], flagged)

    def test_step(self, data):
        """Accumulate the loss and metrics of a batch in inference mode, as Keras 3's ``test_step(self, data)``
        (``data`` as for :meth:`train_step`); returns the running logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._check_compiled("test_step")
        with no_grad():
            y_pred = self._output_list(self(x, training=False))
            y_true = None if y is None else self._targets(y, y_pred)
            sample_weight = None if sample_weight is None else self._targets(sample_weight, y_pred)
            loss = self._compute_loss(x, y_true, y_pred, sample_weight, training=False)
        self._update_metrics(y_true, y_pred, _float(loss), _samples(x if y is None else y), sample_weight)
        return self._step_logs()

    def predict_step(self, data):
        """The outputs on one batch, as Keras 3's ``predict_step(self, data)``: ``self(x, training=False)`` for
        ``data`` as for :meth:`train_step` (``predict`` gives ``x`` alone): a Tensor, a list of them for a model of
        several outputs, a dict of them for a model built with a dict of outputs. ``predict`` and
        ``predict_on_batch`` run it (yours too) without a graph and turn what it returns into NumPy arrays in the
        same structure (a tuple as a list), the batches joined per output (per key of a dict), as Keras 3."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _check_sample_weight(self, sample_weight, name="sample_weight"):
        if sample_weight is None:
            return None
        loss_fn = self.loss if getattr(self, "_output_losses", None) else self._loss_fn
        if not isinstance(loss_fn, losses.Loss):
            accepts = True      # per-output losses read their weights; a function's losses are weighted for it
        else:
            try:
                accepts = "sample_weight" in inspect.signature(loss_fn).parameters
            except (TypeError, ValueError):     # a callable without a signature to read (some builtins): taken
                accepts = True
        if not accepts:
            raise ValueError(f"`{name}` was given, but the compiled loss {loss_fn!r} has no `sample_weight` "
                             "argument. Use a loss from tinygradconv.losses (e.g. loss='mse').")
        return _as_array(sample_weight, name)

    # ------------------------------------------------------------------ fit / evaluate / predict
    def _check_labelled_data(self, method, x, y, sample_weight, hint="", allow_empty=False):
        """The checks ``fit`` and ``evaluate`` share: the model is compiled, ``x`` and ``y`` are given, and ``x``,
        ``y`` and ``sample_weight`` are arrays with the same number of samples. Returns them as arrays, and that
        number."""
        self._check_compiled(method)
        _check_step_signature(self, "test_step" if method in ("evaluate", "test_on_batch") else "train_step")
        if x is None or (y is None and not self._takes_data_without_targets()):
            source = _data_source(x) if y is None else None
            raise ValueError(f"`{method}` needs both inputs `x` and targets `y`{hint}{source or ''}")
        x = self._input_data(x)
        y = None if y is None else self._target_data(y)
        sample_weight = None if y is None else self._check_sample_weight(sample_weight)  # (Keras drops it too)
        return x, y, sample_weight, _check_cardinality({"x": x, "y": y, "sample_weight": sample_weight},
                                                       allow_empty=allow_empty, method=method)

    def _takes_data_without_targets(self):
        """Whether ``fit`` and ``evaluate`` take ``x`` without ``y``, as Keras 3 does: for a model compiled without
        a loss (its loss comes from ``add_loss``), or one whose ``train_step`` or ``test_step`` is its own. A model
        compiled with a loss needs its targets (Keras fails inside the loss)."""
        own_step = type(self).train_step is not Model.train_step or type(self).test_step is not Model.test_step
        return self._loss_fn is None or own_step

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train the model for ``epochs`` passes over ``(x, y)``.

        Args:
            x, y: inputs and targets (NumPy arrays, lists or Tensors) with the same number of samples. ``y`` may
                be left out for a model compiled without a loss (trained on its ``add_loss`` penalties) or with a
                ``train_step`` of its own, as in Keras 3 (a ``sample_weight`` is then dropped, as Keras drops it).
            batch_size: samples per gradient step (default 32, or with ``steps_per_epoch`` as many as make the data
                fill that many batches, as Keras); the last batch of an epoch may be smaller. 0 is a
                ``ValueError`` (Keras 3 reads it as None).
            epochs: the index of the final epoch (training runs epochs ``initial_epoch .. epochs - 1``).
            verbose: 0 silent, 1 a progress bar per epoch, 2 one line per epoch, ``"auto"`` = 1.
            callbacks: a list of :class:`tinygradconv.callbacks.Callback`.
            validation_split: the fraction of the data held out for validation: the *last* samples, taken before
                shuffling (as Keras does). Ignored when ``validation_data`` is given.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight_val)``, evaluated at the end of
                each epoch. Checked before the first epoch: samples shaped unlike the training samples are refused
                unless the model runs on them and ``y_val`` fits its outputs (a model that takes any length).
                With 0 samples validation is skipped, as in Keras 3 (no ``val_`` logs), with a ``UserWarning``.
            shuffle: ``True`` reshuffles the training samples before each epoch (any sample may land in any
                batch); ``False`` keeps their order; ``"batch"``, as Keras 3 for arrays, keeps the batches as the
                consecutive blocks of ``batch_size`` samples, in order (batch ``i`` holds samples
                ``i * batch_size`` to ``(i + 1) * batch_size - 1``), and shuffles only the order of the samples
                within each batch, anew each epoch. Shuffles use :func:`tinygradconv.random.generator`, so
                :func:`~tinygradconv.random.set_seed` makes them repeatable. Other strings are refused (Keras
                reads any other string as ``True``).
            class_weight: ``{class index: weight}``: each training sample is weighted by its class's weight (1 for
                a class not listed), as Keras 3 does: the class is the label itself (rounded) for integer labels or
                one column, the arg-max for one-hot rows. Validation data is not weighted. Not with
                ``sample_weight``, nor for a model with several outputs (Keras refuses both). A key is matched as
                Keras matches it, by ``==``: a float or bool equal to an integer (``1.0``, ``True``) stands for
                that class; a key that can never equal an integer label (a string such as ``"0"``, ``1.5``,
                None), whose weight Keras ignores silently, is refused. A whole-number key that no label in the
                data equals (``-1``, ``99``) is accepted and weighs nothing, as in Keras.
            sample_weight: one weight per sample, passed to the loss and the ``weighted_metrics`` of ``compile``
                (plain ``metrics`` ignore it, as in Keras 3; the reported loss is still the batch-size-weighted mean
                of the batch losses, as in Keras). A model with several outputs also takes a list of one array (or
                None) per output (:meth:`tinygradconv.functional.Functional.fit`).
            initial_epoch: the epoch to start from (for resuming).
            steps_per_epoch: the batches of each epoch (default: all, one pass over the data). As in Keras 3, the
                epochs take their batches one after the other from a pass that goes on across epochs: an epoch
                that reaches the end of the pass stops there, early, with Keras' "ran out of data" warning, and
                the next epoch starts a new pass (reshuffled when ``shuffle``). With 5 batches per pass and
                ``steps_per_epoch=3``, epochs train on batches 1-3, 4-5, 1-3, 4-5, ...
            validation_steps: the batches of each validation (default: all); always the first ones, as in Keras.
            validation_batch_size: the batch size of validation (default ``batch_size``, else chosen as for
                ``batch_size`` from ``validation_steps``).
            validation_freq: validate every this many epochs (after epochs ``freq``, ``2 * freq``, ...), or, as a
                list, after the epochs it lists, counted from 1 as Keras counts them (``[1, 5]``: after the first
                and the fifth epoch).

        Returns:
            the :class:`~tinygradconv.callbacks.History` (also ``model.history``): ``history.history["loss"]`` has
            one value per epoch, and so does each metric and its ``val_`` version.

        Raises:
            NotCompiledError: the model was not compiled.
            ValueError: bad arguments or data (checked before any training starts); nothing to train on, no loss
                compiled and no ``add_loss`` penalty (Keras' "No loss to compute", at the first batch).
            TypeError: an argument of the wrong type (``epochs`` not an integer, ``shuffle`` not a bool or a
                string, a ``class_weight`` that is not a dict with integer class keys and number weights); a
                ``train_step`` of your own with another signature than ``(self, data)``.
        """
        x, y, sample_weight, n = self._check_labelled_data("fit", x, y, sample_weight,
                                                           " (NumPy arrays, lists or Tensors)")
        if batch_size is not None:
            batch_size = _check_batch_size(batch_size)
        if validation_batch_size is not None:
            validation_batch_size = _check_batch_size(validation_batch_size, "validation_batch_size")
        else:
            validation_batch_size = batch_size      # None too: then evaluate's default, from validation_steps
        validation_freq = _check_validation_freq(validation_freq)
        steps_per_epoch = _check_steps(steps_per_epoch, "steps_per_epoch")
        validation_steps = _check_steps(validation_steps, "validation_steps")
        epochs = _check_int(epochs, "epochs", 0, type_error=TypeError)
        initial_epoch = _check_int(initial_epoch, "initial_epoch", 0, type_error=TypeError)   # as Keras
        verbose = _check_verbose(verbose)
        shuffle = _check_shuffle(shuffle)
        number(validation_split, "validation_split", low=0, high=1, high_open=True, type_error=ValueError)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("Invalid value for argument `validation_data`. Expected a tuple (x_val, y_val) or "
                                 f"(x_val, y_val, sample_weight_val). Received {type(validation_data).__name__} of "
                                 f"length {len(validation_data) if hasattr(validation_data, '__len__') else '?'}")
            val = (self._input_data(validation_data[0], "validation_data[0]"),
                   self._target_data(validation_data[1], "validation_data[1]"),
                   self._check_sample_weight(validation_data[2] if len(validation_data) == 3 else None,
                                             "validation_data[2]"))
            if _check_cardinality({"x_val": val[0], "y_val": val[1], "sample_weight_val": val[2]}, allow_empty=True):
                self._check_validation_shapes(x, y, val[0], val[1])
            else:  # Keras 3 skips validation silently; we skip it too, but say so once
                warnings.warn("`validation_data` has 0 samples: validation is skipped (as in Keras 3), so the logs "
                              "have no val_ entries", UserWarning, stacklevel=caller_stacklevel())
                val = None
        elif validation_split:
            split_at = math.floor(n * (1.0 - validation_split))
            if split_at == 0 or split_at == n:
                raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                                 f"validation and training set as specified by `validation_split={validation_split}`. "
                                 "Either provide more data, or a different value for the `validation_split` argument.")
            val = (x[split_at:], None if y is None else y[split_at:],
                   None if sample_weight is None else sample_weight[split_at:])
            x, y = x[:split_at], None if y is None else y[:split_at]
            sample_weight = None if sample_weight is None else sample_weight[:split_at]
            n = split_at
        if class_weight is not None:        # the training samples only, after the split, as Keras
            sample_weight = _class_weights_per_sample(class_weight, y, sample_weight)
        passes = _TrainingPasses(n, _batch_size(batch_size, n, steps_per_epoch), shuffle, steps_per_epoch)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps_per_epoch or passes.per_pass)
        self.stop_training = False
        self._step_cache = {}
        try:
            self._fit_epochs(x, y, sample_weight, val, callback_list, passes, validation_batch_size, validation_steps,
                             validation_freq, epochs, initial_epoch)
        finally:
            self._step_cache = None
        history = next(c for c in callback_list.callbacks if isinstance(c, callbacks_module.History))
        self.history = history
        return history

    def _check_validation_shapes(self, x, y, x_val, y_val):
        """Refuse, before the first epoch, ``validation_data`` that the model cannot be evaluated on.

        Samples shaped like the training samples pass at once. Others (e.g. longer signals for a model that takes
        any length) pass only if the model runs on ``x_val`` and ``y_val`` relates to its outputs as ``y`` does to
        its outputs on ``x``: checked on one sample of each, in inference mode.
        """
        if y is None or y_val is None:   # no targets (a model trained by add_loss): nothing to compare
            return
        if any(getattr(a, "is_columns", False) for a in (x, y, x_val, y_val)):  # several inputs or outputs
            return  # per-array shapes; a mismatch fails in the first validation pass, naming the input or output
        if x_val.shape[1:] == x.shape[1:] and y_val.shape[1:] == y.shape[1:]:
            return
        shapes = (f"validation_data has x_val of shape {x_val.shape} and y_val of shape {y_val.shape}, while the "
                  f"training data has x of shape {x.shape} and y of shape {y.shape}")
        try:
            with no_grad(), running_batches(self):
                out = self(x[:1], training=False)
                out_val = self(x_val[:1], training=False)
        except Exception as exc:
            raise ValueError(f"Invalid value for argument `validation_data`: {shapes}, and the model cannot run on "
                             f"x_val ({type(exc).__name__}: {exc})") from exc
        out, out_val = (_single_output(result) for result in (out, out_val))
        like_training = y.shape[1:] != tuple(out.shape[1:]) or y_val.shape[1:] == tuple(out_val.shape[1:])
        if y_val.ndim != y.ndim or not like_training:
            raise ValueError(f"Invalid value for argument `validation_data`: {shapes}; y_val does not fit the "
                             f"model's outputs on x_val, of shape {(None,) + tuple(out_val.shape[1:])}")

    def _fit_epochs(self, x, y, sample_weight, val, callback_list, passes, validation_batch_size, validation_steps,
                    validation_freq, epochs, initial_epoch):
        """The epoch loop of :meth:`fit`, once every argument has been checked."""
        self._initial_epoch = None
        callback_list.on_train_begin()
        # a callback may set the first epoch in on_train_begin (BackupAndRestore, resuming), as Keras 3's
        # Trainer._initial_epoch; for this fit only (Keras keeps it for later fits too)
        initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            logs = {}
            for step, index in enumerate(passes.epoch()):
                callback_list.on_train_batch_begin(step)
                batch = pack_x_y_sample_weight(x[index], None if y is None else y[index],
                                               None if sample_weight is None else sample_weight[index])
                with running_batches(self):
                    logs = _python_logs(self.train_step(batch))
                callback_list.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if val is not None and _validates_after(epoch + 1, validation_freq):
                val_logs = self.evaluate(val[0], val[1], batch_size=validation_batch_size, verbose=0,
                                         sample_weight=val[2], steps=validation_steps, return_dict=True,
                                         _callbacks=callback_list)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        finalize = getattr(self.optimizer, "finalize_variable_values", None)
        if epochs > 0 and finalize is not None:    # as Keras 3: use_ema writes the averages into the weights
            finalize(self.trainable_weights)
        callback_list.on_train_end(epoch_logs)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None, callbacks=None,
                 return_dict=False, _callbacks=None):
        """The loss (including regularization penalties) and metrics on ``(x, y)``, in inference mode.

        ``steps`` evaluates the first ``steps`` batches only (default: all; more than there are gives Keras'
        "ran out of data" warning and evaluates all). Without ``batch_size``, the batches are of 32 samples, or with
        ``steps`` as Keras makes them: as many samples as make the data fill ``steps`` batches.

        Returns:
            the loss (a float) when there are no metrics, else ``[loss, metric1, ...]``; a dict
            ``{"loss": ..., "mae": ...}`` with ``return_dict=True``. Each metric is a float, or an array where its
            result is one (several thresholds, one value per class: ``array([0.4])`` for one class), as Keras 3.
        """
        x, y, sample_weight, n = self._check_labelled_data("evaluate", x, y, sample_weight)
        verbose = _check_verbose(verbose)
        steps = _check_steps(steps, "steps")
        batch_size = _batch_size(batch_size, n, steps)
        if _callbacks is None:
            _callbacks = callbacks_module.CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                steps=steps or math.ceil(n / batch_size))
        self.reset_metrics()
        _callbacks.on_test_begin()
        logs = {}
        for step, index in enumerate(_limited_batches(n, batch_size, steps, "steps")):
            _callbacks.on_test_batch_begin(step)
            with running_batches(self):
                logs = _python_logs(self.test_step(pack_x_y_sample_weight(
                    x[index], None if y is None else y[index],
                    None if sample_weight is None else sample_weight[index])))
            _callbacks.on_test_batch_end(step, logs)
        _callbacks.on_test_end(logs)
        return _returned_logs(logs, return_dict)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimization step on one batch, as Keras 3's ``Model.train_on_batch`` (for hand-written loops).

        ``class_weight`` (``{class index: weight}``) weighs each sample by its class, as in :meth:`fit` (Keras 3
        takes it here too; it was refused, found by a tester).

        Returns:
            this batch's loss (computed before the update) when there are no metrics, else ``[loss, metric1, ...]``,
            or a dict with ``return_dict=True``; the metrics count this batch only, as in Keras 3.

        Raises:
            ValueError, TypeError: as :meth:`fit` for the data, ``sample_weight`` and ``class_weight``; a batch of 0
                samples is a ValueError, nothing changed (Keras 3 on torch raises a RuntimeError there, its loss of
                an empty batch being an empty tensor, which has no gradient).
        """
        x, y, sample_weight, _ = self._check_labelled_data("train_on_batch", x, y, sample_weight)
        if class_weight is not None:
            sample_weight = _class_weights_per_sample(class_weight, y, sample_weight)
        self.reset_metrics()
        with running_batches(self):
            logs = _python_logs(self.train_step(pack_x_y_sample_weight(x, y, sample_weight)))
        return _returned_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of one batch in inference mode, as Keras 3's ``Model.test_on_batch``; returned as
        :meth:`train_on_batch` returns them. A batch of 0 samples gives 0.0 for the loss and each metric (their
        results with nothing counted), as in Keras 3, where the loss of an empty batch is an empty tensor.

        >>> import numpy as np
        >>> from tinygradconv import layers
        >>> model = Sequential([layers.Input((3,)), layers.Dense(2)])
        >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        >>> model.test_on_batch(np.zeros((0, 3), "float32"), np.zeros((0, 2), "float32"))
        [0.0, 0.0]
        """
        x, y, sample_weight, _ = self._check_labelled_data("test_on_batch", x, y, sample_weight, allow_empty=True)
        self.reset_metrics()
        with running_batches(self):
            logs = _python_logs(self.test_step(pack_x_y_sample_weight(x, y, sample_weight)))
        return _returned_logs(logs, return_dict)

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """The model's outputs on ``x`` as a NumPy array (a list of them, or a dict of them: the structure that
        :meth:`predict_step` returns), computed in batches in inference mode (no graph);
        with ``steps``, on the first ``steps`` batches only (more than there are: Keras' "ran out of data" warning).
        ``batch_size`` defaults as in :meth:`evaluate`. A model that takes one input (a ``Sequential``) refuses a
        list of several arrays, as Keras does: they are never stacked into one."""
        self._check_initialized()
        _check_step_signature(self, "predict_step")
        x = self._input_data(x)
        n = _check_cardinality({"x": x}, method="predict")
        verbose = _check_verbose(verbose)
        steps = _check_steps(steps, "steps")
        batch_size = _batch_size(batch_size, n, steps)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=steps or math.ceil(n / batch_size))
        callback_list.on_predict_begin()
        outputs = []
        with no_grad():
            for step, index in enumerate(_limited_batches(n, batch_size, steps, "steps")):
                callback_list.on_predict_batch_begin(step)
                with running_batches(self):
                    out = self.predict_step(pack_x_y_sample_weight(x[index]))
                out = _numpy_outputs(out)
                outputs.append(out)
                callback_list.on_predict_batch_end(step, {"outputs": out})
        callback_list.on_predict_end()
        return _joined_outputs(outputs)

    def predict_on_batch(self, x):
        """The outputs on one batch, as NumPy, computed in inference mode (no graph, no callbacks) by
        :meth:`predict_step` (yours too), as Keras 3's ``predict_on_batch``; a batch of 0 samples gives outputs of 0
        samples, as there (``predict`` refuses it).

        >>> import numpy as np
        >>> from tinygradconv import layers
        >>> Sequential([layers.Input((3,)), layers.Dense(1)]).predict_on_batch(np.ones((0, 3))).shape
        (0, 1)
        """
        self._check_initialized()
        _check_step_signature(self, "predict_step")
        x = self._input_data(x)
        with no_grad(), running_batches(self):
            out = self.predict_step(pack_x_y_sample_weight(x))   # as Keras 3: a predict_step of your own is run
        return _joined_outputs([_numpy_outputs(out)])

    def _input_data(self, x, argument="x"):
        """``x`` (the inputs of :meth:`predict`, :meth:`fit`, :meth:`evaluate`, or ``validation_data[0]``) as an
        array (or one per input), with a batch axis: for a model that takes one input (``single_input``), a list of
        one array is that array and a list of several is refused (:func:`single_input_data`); so is a dict, for any
        model that gets here (a functional model with named inputs splits its dict before).

        Raises:
            ValueError: several arrays, or a dict, for one input (:func:`single_input_data`).
            TypeError: data that is not numeric (:func:`_as_array`).
        """
        if self.single_input or isinstance(x, dict):
            x = single_input_data(self, x, argument)
        return _as_array(x, argument)

    def _target_data(self, y, argument="y"):
        """``y`` (the targets of :meth:`fit`, :meth:`evaluate`, or ``validation_data[1]``) as an array with a batch
        axis: for a model with one output (``single_input``: a ``Sequential``), a list of one array is that array and
        a list of several is refused (:func:`single_output_targets`)."""
        if self.single_input:
            y = single_output_targets(self, y, argument)
        return _as_array(y, argument)

    # ------------------------------------------------------------------ summary
    def _layer_output_shapes(self):
        """Output shape of each direct sub-layer, found by running the model once on zeros (batch axis None); none
        for a model whose ``call`` takes several tensors (only the first one's shape is known: the summary shows
        "?", where it raised the call's ``TypeError``)."""
        if self._build_input_shape is None or not call_takes_one_tensor(self):
            return {}
        shapes = {}
        layers = self.layers

        def recorder(layer, call):
            def wrapped(*args, **kwargs):
                out = call(*args, **kwargs)
                if isinstance(out, Tensor):
                    shapes[id(layer)] = (None,) + out.shape[1:]
                return out
            return wrapped

        for layer in layers:  # wrap each sub-layer's call, for this one run only
            layer.call = recorder(layer, layer.call)
        try:
            dummy = np.zeros(tuple(1 if d is None else d for d in self._build_input_shape), dtype=self.dtype)
            with no_grad():
                self(dummy, training=False)
        finally:
            for layer in layers:
                del layer.call
        return shapes

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print each layer's name, class, output shape and parameter count, then the totals: as in Keras 3, once
        the optimizer of a compiled model is built (after a training step, or loaded), its variables count as
        "Optimizer params" and in the total. The arguments are Keras 3's, in its order.

        Args:
            line_length: the minimum width of the rules (default 80); columns widen to fit their contents.
            positions: where each column ends, one number per column ("Layer (type)", "Output Shape", "Param #",
                and "Connected to" for a functional model that is not a chain; more are accepted and the extra
                ones unused, as Keras 3.15 takes its functional default ``[0.3, 0.56, 0.74, 1.0]`` on a
                ``Sequential``), increasing: fractions of
                ``line_length`` when all are at most 1 (Keras 3's default is ``[0.45, 0.80, 1.0]``), else character
                columns, as Keras' docstring says ("relative or absolute positions"). A cell longer than its column
                pushes the next ones right (Keras' table wraps it). With ``show_trainable``, fractions are scaled by
                0.9 and the "Trainable" column ends at 1.0, as Keras does.
            print_fn: called with each line (default ``print``, i.e. to ``sys.stdout``).
            expand_nested: also list the layers of each nested model, below it, indented with ``"└ "`` (Keras 3).
            show_trainable: add Keras 3's "Trainable" column: ``Y`` or ``N`` (the layer's ``trainable``) for a
                layer with weights, ``-`` for one without.
            layer_range: two strings, the first and the last layer to list (both included), as Keras 3 takes
                them: each is a regular expression matched at the start of the layer names (``re.match``; a
                layer's name matches itself), the first layer matching the first and the last matching the
                second; the totals remain those of the whole model.

        Raises:
            TypeError: ``expand_nested`` or ``show_trainable`` not a bool, ``line_length`` not an integer,
                ``positions`` not a list of numbers, ``layer_range`` not two strings.
            ValueError: ``positions`` fewer than the columns (Keras: an ``IndexError``), or not increasing;
                ``layer_range`` of another length than 2, or a name that matches no layer (Keras' "Passed
                layer_names do not match the layer names in the model").

        >>> from tinygradconv import layers
        >>> inner = Sequential([layers.Input((4,)), layers.Dense(3, name="d1")], name="inner")
        >>> inner.trainable = False
        >>> Sequential([layers.Input((4,)), inner, layers.Dense(2, name="d2")], name="outer").summary(
        ...     expand_nested=True, show_trainable=True)          # doctest: +NORMALIZE_WHITESPACE
        Model: "outer"
        ________________________________________________________________________________
        Layer (type)        Output Shape  Param #  Trainable
        ================================================================================
        inner (Sequential)  (None, 3)     15       N
           └ d1 (Dense)     (None, 3)     15       N
        d2 (Dense)          (None, 2)     8        Y
        ================================================================================
        Total params: 23 (92.00 B)
        Trainable params: 8 (32.00 B)
        Non-trainable params: 15 (60.00 B)
        ________________________________________________________________________________

        >>> Sequential([layers.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b"),
        ...             layers.Dense(1, name="c")], name="m").summary(
        ...     line_length=40, positions=[0.5, 0.8, 1.0], layer_range=["b", "c"])   # doctest: +NORMALIZE_WHITESPACE
        Model: "m"
        _________________________________________
        Layer (type)        Output Shape  Param #
        =========================================
        b (Dense)           (None, 2)     8
        c (Dense)           (None, 1)     3
        =========================================
        Total params: 26 (104.00 B)
        Trainable params: 26 (104.00 B)
        Non-trainable params: 0 (0.00 B)
        _________________________________________
        """
        expand_nested, show_trainable = flag(expand_nested, "expand_nested"), flag(show_trainable, "show_trainable")
        line_length = integer(line_length, "line_length", optional=True)
        print_fn = print_fn or print
        connections = self._summary_connections()  # a functional model: which tensors each layer takes
        rows = [("Layer (type)", "Output Shape", "Param #") + (() if connections is None else ("Connected to",))
                + (("Trainable",) if show_trainable else ())]
        first, last = _summary_layer_range(self.layers, layer_range)

        def add_rows(model, depth):
            shapes = model._layer_output_shapes()
            for layer in model.layers[first:last] if depth == 0 else model.layers:
                shape = shapes.get(id(layer))
                row = (f"{'   ' * depth}{'└ ' if depth else ''}{layer.name} ({type(layer).__name__})",
                       "?" if shape is None else str(shape),
                       f"{layer.count_params():,}" if layer.built else "0 (unbuilt)")
                if connections is not None:
                    row += (connections.get(id(layer), "-") if depth == 0 else "-",)
                if show_trainable:
                    row += ("-" if not layer.weights else "Y" if layer.trainable else "N",)
                rows.append(row)
                if expand_nested and isinstance(layer, Model):
                    add_rows(layer, depth + 1)

        add_rows(self, 0)
        columns = [max(len(r[i]) for r in rows) + 2 for i in range(len(rows[0]) - 1)]
        width = max(line_length or 80, sum(columns) + max(len(r[-1]) for r in rows))
        if positions is not None:       # each column at least as wide as its position makes it
            ends = _summary_column_ends(positions, len(rows[0]) - show_trainable, show_trainable, line_length or 80)
            starts = [0] + [max(end, 0) for end in ends[:-1]]
            columns = [max(size, end - start) for size, start, end in zip(columns, starts, ends)]
            width = max(width, sum(columns) + max(len(r[-1]) for r in rows), ends[-1])

        def row(cells):
            return ("".join(cell.ljust(size) for cell, size in zip(cells, columns)) + cells[-1]).rstrip()

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * width)
        print_fn(row(rows[0]))
        print_fn("=" * width)
        for cells in rows[1:]:
            print_fn(row(cells))
        print_fn("=" * width)
        def counted(weights):   # a bool weight counts one bit, as Keras 3's summary (dtype_utils.dtype_size)
            return (sum(w.size for w in weights),
                    sum(w.size / 8 if dtype_name(w.dtype) == "bool" else w.size * np.dtype(dtype_name(w.dtype)).itemsize
                        for w in weights))

        lines = [("Trainable", *counted(self.trainable_weights)),
                 ("Non-trainable", *counted(self.non_trainable_weights))]
        optimizer = getattr(self, "optimizer", None)
        if optimizer is not None and optimizer.built:   # as Keras 3, once the optimizer has its variables
            state = optimizer.variables
            # the step count and the learning rate (and Nadam's product) are Keras' int32 and float32 scalars
            lines.append(("Optimizer", sum(v.size for v in state),
                          sum(4 if v.ndim == 0 else v.size * np.dtype(dtype_name(v.dtype)).itemsize for v in state)))
        print_fn(f"Total params: {sum(n for _, n, _ in lines):,} ({_readable_size(sum(b for _, _, b in lines))})")
        for label, count, size in lines:
            print_fn(f"{label} params: {count:,} ({_readable_size(size)})")
        print_fn("_" * width)

    def _summary_connections(self):
        """``{id(layer): "name[node][tensor], ..."}`` for :meth:`summary`'s "Connected to" column (functional
        models), or None for no such column."""

    # ------------------------------------------------------------------ saving
    def save_weights(self, filepath, overwrite=True):
        """Write the weights to ``filepath`` (a ``.npz`` file), atomically; see :mod:`tinygradconv.saving`.
        ``overwrite=False`` refuses an existing file (``FileExistsError``) where Keras 3 asks on the terminal."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights written by :meth:`save_weights` (or :meth:`save`), or Keras 3's ``.weights.h5`` and
        ``.keras`` files (by layer path, as Keras reads them); all or nothing, never unpickles.
        ``skip_mismatch=True``, as Keras 3's: the layers whose stored weights do not match are skipped (they keep
        their weights) with a ``UserWarning`` naming them, and the others are loaded."""
        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True):
        """Write the model to one file; reload it with :func:`load_model`. A path ending in ``.keras`` writes a
        Keras 3 archive (architecture, weights, and the compile state with the optimizer's variables, so that a
        loaded model trains on where it stopped; Keras' ``load_model`` reads it too); a path ending in ``.npz``
        writes our own file of the same. ``overwrite`` as in Keras 3's ``model.save``: ``True`` replaces an
        existing file; with ``False`` Keras asks on the terminal, where this raises ``FileExistsError`` (no prompt)
        and leaves the file as it was."""
        saving.save_model(self, filepath, overwrite=overwrite)

    def to_json(self, **kwargs) -> str:
        """The architecture as Keras 3's JSON (``keras.Model.to_json``: no weights; the compile arguments as
        ``compile_config``, ``{}`` before ``compile``, as Keras 3.15 writes them), for :func:`model_from_json` here
        or in Keras; ``kwargs`` go to ``json.dumps``. Sequential and functional models of layers Keras has only (a
        ValueError names the one it lacks); see :func:`tinygradconv.keras_format.model_to_json`."""
        from .keras_format import model_to_json

        return model_to_json(self, **kwargs)

    def to(self, backend=None, *more, **options):
        """Move the model's weights and everything its optimizer holds (slots, ``use_ema``'s moving averages, a
        ``LossScaleOptimizer``'s inner optimizer and its loss scale) to ``backend``, in place; returns the model, as
        PyTorch's ``Module.to`` (Keras 3 has no such method of its own: its models live on one backend; on the torch
        backend a Keras model is a ``torch.nn.Module`` and has PyTorch's).

        ``backend=None`` (``model.to(None)``, ``model.to()``) moves nothing and returns the model, as PyTorch's
        ``module.to(None)`` and ``module.to()`` keep each parameter where it is. PyTorch's keyword name
        ``device=`` is taken too: ``model.to(device="cpu")`` is ``model.to("cpu")``.

        ``backend`` is what :meth:`~tinygradconv.Tensor.to` takes as a device: a backend's name (``"numpy"``,
        ``"array_api_strict"``, ``"cupy"``) or a backend, or PyTorch's device names, ``"cpu"`` (a model on a CPU
        backend stays there; one on ``cupy`` comes to ``numpy``), ``"cuda"``, ``"cuda:N"`` or a ``torch.device``
        (``cupy``). Unlike PyTorch's, it takes no dtype (``model.to("cpu", torch.float64)``, ``model.to("float64")``,
        ``model.to(dtype=...)`` are refused, saying so): the weights' dtype is chosen when they are made, with
        ``tg.config.set_floatx("float64")`` before the model is built, or ``dtype="float64"`` for each layer, as in
        Keras. Training after a move continues exactly as it would have.

        The state of a weight follows the weight (:func:`~tinygradconv.training_state.move_model` says what is
        walked): an optimizer compiled into another model too keeps that model's state where it is.

        Raises:
            TypeError: ``backend`` of another type (a number), a dtype (its name too, ``"float64"``), more
                arguments than ``backend`` (PyTorch's ``dtype``, ``non_blocking``), or both ``backend`` and
                ``device``.
            ValueError: an unknown backend, or one that does not load here (CuPy without a GPU); an optimizer
                compiled into another model too that holds arrays of its own outside the per-weight state (an
                optimizer of your own): they may be the other model's (nothing moves).

        >>> import tinygradconv as tg
        >>> model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(1)])
        >>> model.to("cpu").weights[0].backend.name
        'numpy'
        >>> model.to(None) is model
        True
        """
        from .training_state import move_model

        if "device" in options:         # PyTorch's keyword for it
            if backend is not None:
                raise TypeError(f"Invalid type for argument `device` of Model.to: the backend is given already, as "
                                f"{backend!r}; pass one of them. Received device={options['device']!r}")
            backend = options.pop("device")
        if more or options or _names_a_dtype(backend):
            _refuse_dtype_in_to(backend, more, options)
        if backend is None:             # PyTorch's module.to(None): nothing moves
            return self
        return move_model(self, backend)

    def get_config(self):
        """The constructor arguments of a subclass, recorded when it was made, with ``trainable`` and ``dtype``, as
        Keras 3's auto config gives them (:mod:`tinygradconv.layers.auto_config`): ``{"trainable": True, "dtype":
        {...DTypePolicy...}}`` for ``class Net(Model)`` with ``__init__(self, **kw)``, and ``name`` when
        ``__init__`` takes ``name`` or ``**kwargs`` by that name.

        Keras 3.15 records no argument of a model (``Model.__new__`` gives none to the recorder), so there
        ``get_config`` of ``Net(units=3)`` raises ``NotImplementedError``; here the arguments are recorded as a
        layer's are, so ``{"units": 3, ...}``, and :meth:`from_config` and ``clone_model`` work.

        Raises:
            NotImplementedError: arguments that are not plain values (str, int, float, bool, None, in lists, tuples
                and dicts), or passed through ``*args``: Keras' error, asking for a ``get_config`` of your own.
        """
        if self._auto_config is None:
            raise auto_config.missing_config_error(self, getattr(self, "_auto_config_error", None))
        return {**auto_config.config_with_name(self, self._auto_config), "trainable": self.trainable,
                "dtype": dtype_policy_config(self.dtype)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the model; ``Model.from_config`` of a functional model's config gives a functional model, and so
        does a subclass's whose constructor takes ``(inputs, outputs)`` (Model's own, or ``(*args, **kwargs)``), as
        in Keras 3: an instance of that subclass (see the class docstring)."""
        if "input_layers" in config and (cls is Model or _takes_functional_arguments(cls)):
            from .functional import Functional, functional_from_config

            return functional_from_config(Functional if cls is Model else cls, config, custom_objects)
        parameters = inspect.signature(cls.__init__).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            # get_config adds trainable and dtype, as Keras' does; a constructor that takes neither is not given
            # them (Keras then fails, "Unable to revive model from config")
            config = {key: value for key, value in config.items()
                      if key in parameters or key not in ("trainable", "dtype")}
        return cls(**config)


#: Dtype names PyTorch users pass to ``Module.to`` (``torch.float64`` reads as ``"float64"``), besides tinygradconv's.
_DTYPE_WORDS = frozenset(("float16", "float32", "float64", "bfloat16", "double", "half", "float", "bool", "int8",
                          "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "long", "int"))


def _names_a_dtype(value):
    """Whether ``value``, given to :meth:`Model.to`, is a dtype (a name, ``"float64"``; NumPy's ``np.float64`` or
    ``np.dtype``; ``torch.float64``) rather than a backend or device."""
    if isinstance(value, str):
        return value.lower().removeprefix("torch.") in _DTYPE_WORDS
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return True
    return type(value).__name__ == "dtype" and type(value).__module__ == "torch"


def _refuse_dtype_in_to(backend, more, options):
    """The ``TypeError`` of ``model.to("float64")``, ``model.to("cpu", torch.float64)`` or ``model.to(dtype=...)``:
    :meth:`Model.to` takes a backend or device only; how to get float64 weights."""
    how = ("the weights' dtype is chosen when they are made: tg.config.set_floatx('float64') before building the "
           "model, or dtype='float64' for each layer (as Keras)")
    if _names_a_dtype(backend):
        raise TypeError(f"Invalid type for argument `backend` of Model.to: expected a backend or device ('numpy', "
                        f"'cpu', 'cuda'); Model.to takes no dtype, as PyTorch's Module.to does. Received "
                        f"backend={backend!r}, a dtype: {how}")
    received = ", ".join([repr(v) for v in more] + [f"{k}={v!r}" for k, v in options.items()])
    raise TypeError(f"Model.to() takes one argument, a backend or device ('numpy', 'cpu', 'cuda'), and no dtype "
                    f"or other option (PyTorch's Module.to takes them). Received also {received}. For float64 "
                    f"weights: {how}")


def _readable_size(size):
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


# ----------------------------------------------------------------------------------------------- Sequential
def _build_example_text(model):
    """``"e.g. (None, 8) for samples of 8 features ..."``: :func:`~tinygradconv.saving.build_example` in words."""
    example, meaning = saving.build_example(model)
    return f"e.g. {example} {'with' if example.startswith('(None, *') else 'for'} {meaning}"


def _stack_shape(shape):
    """A layer's ``compute_output_shape`` result as a ``Sequential`` passes it on and shows it: one shape as a
    tuple; several (a model of several outputs as the last layer) as the list of their shapes, a dict's in
    sorted-key order (the order of that model's ``outputs``), as Keras 3's ``output_shape`` and summary list them.
    """
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, numbers.Integral) for d in shape):
        return tuple(shape)
    return [leaf.shape for leaf in flatten(shape_leaves(shape))]


class Sequential(Model):
    """A plain stack of layers, each fed the previous one's output.

    Args:
        layers: a list of layers (more can be added with :meth:`add`).
        name, dtype, trainable: as for :class:`Model`.

    The model builds on its first call (or on :meth:`build`); ``summary`` then shows each layer's output shape.
    Once its input shape is known, data one axis off that rank by a trailing axis of size 1 is brought to it, as
    Keras 3 does (``(4, 8)`` for ``Input((8, 1))`` runs as ``(4, 8, 1)``); data of another rank is a ``ValueError``
    naming the model's input shape.

    >>> import numpy as np
    >>> from tinygradconv.layers import Layer
    >>> class AddOne(Layer):
    ...     def call(self, inputs):
    ...         return inputs + 1.0
    ...     def compute_output_shape(self, input_shape):
    ...         return input_shape
    >>> model = Sequential([AddOne(), AddOne()])
    >>> model(np.zeros((1, 2))).numpy().tolist()
    [[2.0, 2.0]]
    >>> model.pop().__class__.__name__
    'AddOne'
    """

    single_input = True     # a list of several arrays is refused (a list of one is that array, as Keras)

    def __init__(self, layers=None, name=None, dtype=None, trainable=True, **kwargs):
        super().__init__(name=name, dtype=dtype, trainable=trainable, **kwargs)
        self._layers = []
        self._output_shapes = {}
        self._input_batch_shape = None  # from an Input first element, or a first layer's input_shape=
        self._input_layer_name = None  # the name of that Input, kept in the config
        # the name of the Input Keras 3 makes for a model without one, once its input shape is known (a first layer's
        # input_shape=, build, or a first call): "input_layer", "input_layer_1", ..., from the counter Input uses
        self._made_input_name = None
        self._input_dtype = None  # an Input first element's dtype, or floatx() for input_shape= (data is cast to it)
        self._input_tensor = None  # that Input's symbolic tensor, or one made for `inputs` once the shape is known
        self._graph = None  # [(layer, node, output)]: each layer called on symbolic tensors once built (_connect)
        self._graph_error = None  # why the last _connect made no graph, for `outputs`' message
        if layers is not None:
            if isinstance(layers, Layer) or not isinstance(layers, (list, tuple)):
                raise TypeError(f"Invalid type for argument `layers`. Expected a list of layers. Received "
                                f"layers={layers!r}")
            for layer in layers:
                self.add(layer)

    @property
    def layers(self) -> list:
        return list(self._layers)

    def _sublayers(self):  # the stack is the only place a Sequential keeps layers (and this is on the hot path)
        return list(self._layers)

    def add(self, layer):
        """Append a layer to the stack.

        As in Keras 3, the first element may be ``layers.Input(shape)`` (or the first layer may have
        ``input_shape=``): the model is then built at once, and ``summary`` shows the shapes before any data. So is
        a model whose first layer is a Sequential or functional model with a known input shape (started with an
        ``Input``, or built by a call or ``build``), as Keras builds it; a subclassed model or a plain layer first
        leaves it unbuilt until it is called or built, even when that layer is built, as in Keras (and
        ``load_weights`` into it is Keras' "not yet been built" ``ValueError``). One difference: Keras waits for a
        second layer, ours builds ``Sequential([built_model])`` already.
        """
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._layers or self._input_batch_shape is not None:
                raise ValueError(f"An Input can only be the first element of a Sequential model. Received "
                                 f"{layer.name!r} after {[existing.name for existing in self._layers]}")
            self._input_batch_shape = layer.batch_shape
            self._input_layer_name = layer.name
            self._input_tensor = layer.output
            self._input_dtype = layer.dtype
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of `tinygradconv.layers.Layer` can be added to a Sequential model. "
                            f"Received: {layer!r} (of type {type(layer).__name__})")
        if layer is self:
            raise ValueError("A Sequential model cannot contain itself")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name '{layer.name}' "
                             f"is already the name of a layer in this model. Update the `name` argument to pass a "
                             "unique name.")
        if not self._layers and self._input_batch_shape is None and getattr(layer, "_input_shape_arg", None):
            self._input_batch_shape = (None, *layer._input_shape_arg)
            self._input_dtype = config.floatx()     # Keras' InputLayer(shape=...) of the default dtype
            self._name_made_input()
        if not self._layers and self._input_batch_shape is None and isinstance(layer, Model):
            self._input_batch_shape = _single_input_shape(layer)    # a model with an Input first: built, as Keras
        built_for = self._build_input_shape if self.built else None     # built before by build() or a call
        self._layers.append(layer)
        self.built = False
        shape = self._input_batch_shape if self._input_batch_shape is not None else built_for
        if shape is not None:           # the new layer built too, as Keras rebuilds (its weights saved with the rest)
            self.build(shape)

    def _name_made_input(self):
        """Name the ``Input`` Keras 3 makes for this model when its input shape becomes known without one (a first
        layer's ``input_shape=``, :meth:`build`, a first call on data): ``input_layer``, then ``input_layer_1``,
        ..., from the counter ``layers.Input`` names its layers with, as Keras' ``InputLayer`` is named. The name
        is made once, when Keras makes that ``InputLayer``, so that a session numbers them as Keras does."""
        if self._input_layer_name is None and self._made_input_name is None:
            self._made_input_name = unique_name("input_layer")

    def _input_name(self):
        """The name of the model's ``Input``: its own, or the one made for it (:meth:`_name_made_input`)."""
        return self._input_layer_name or self._made_input_name

    def _to_input(self, inputs):
        if self._input_layer_name is not None:      # floating data: named after the Input, in its dtype
            inputs = named_input_data(inputs, self._input_layer_name, self._fed_input_dtype(), self._data_backend())
        if not isinstance(inputs, Tensor):
            kept = integer_data_tensor(inputs, self._data_backend())
            if kept is not None:
                return kept             # integer or bool data: cast to the Input's dtype in call(), in one step
        return super()._to_input(inputs)

    def _fed_input_dtype(self):
        """The dtype of the model's ``Input``, which its data is cast to, as Keras' ``Functional`` casts it
        (``convert_to_tensor(x, dtype=input.dtype)``): the ``Input``'s own when the model starts with one,
        ``floatx()`` when its first layer has ``input_shape=`` (Keras makes an ``InputLayer`` of the default dtype
        of it), else its first layer's dtype, of which Keras builds the ``Input`` of a ``Sequential`` without one
        (the model's own while it has no layers)."""
        if self._input_dtype is not None:
            return self._input_dtype
        return self._layers[0].dtype if self._layers else self.dtype

    def _single_output_name(self):
        """The last layer's name: Keras' name of a Sequential's output (the key of per-output compile arguments)."""
        return self._layers[-1].name if self._layers else None

    @property
    def input_shape(self):
        """The batch shape of the model's input, once known (an ``Input``, ``input_shape=`` or a build), as Keras."""
        shape = self._input_batch_shape or self._build_input_shape
        if shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet: start it with "
                                 "layers.Input(shape), or build it (call it on data, or .build(input_shape))")
        return tuple(shape)

    @property
    def inputs(self) -> list:
        """Keras 3's ``Sequential.inputs``: once the input shape is known (see :attr:`input_shape`), a list of one
        symbolic tensor of that shape and the input's dtype (the ``Input``'s own when the model starts with one),
        which can start a functional model on the model's layers. Before that an ``AttributeError``, as in Keras.

        >>> from tinygradconv import layers
        >>> model = Sequential([layers.Dense(2)], name="stack")
        >>> model.build((4, 3))
        >>> model.inputs[0].shape, model.inputs[0].dtype
        ((4, 3), 'float32')
        """
        shape = self._input_batch_shape or self._build_input_shape
        if shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no `inputs` yet (no input shape): start it "
                                 "with layers.Input(shape), or build it (call it on data, or .build(input_shape))")
        if self._input_tensor is None or self._input_tensor.shape != tuple(shape):
            name = self._input_name()       # (the name get_config gives it)
            self._input_tensor = InputLayer(batch_shape=shape, dtype=self._fed_input_dtype(),
                                            name=name).output
        return [self._input_tensor]

    @property
    def outputs(self) -> list:
        """Keras 3's ``Sequential.outputs``: once the input shape is known (see :attr:`input_shape`), a list of the
        symbolic tensor(s) the last layer returns in the model's graph, where each layer was called once on
        symbolic tensors from :attr:`inputs`, as Keras 3 builds a ``Sequential`` model into a graph. So each layer
        has ``input`` and ``output`` too (:attr:`Layer.output <tinygradconv.layers.Layer.output>`), and
        ``models.Model(model.inputs, [layer.output for layer in model.layers])`` gives every layer's features.
        Before that an ``AttributeError``, as in Keras.

        >>> from tinygradconv import layers
        >>> model = Sequential([layers.Input((3,)), layers.Dense(4, name="hidden"), layers.Dense(1, name="out")])
        >>> model.outputs
        [<KerasTensor shape=(None, 1), dtype=float32, from layer 'out'>]
        >>> model.get_layer("hidden").output.shape
        (None, 4)
        """
        return flatten(self._stack_graph("outputs")[-1][2])

    @property
    def input(self):
        """The symbolic input of the model (``inputs[0]``, see :attr:`inputs`); for a model called on symbolic
        tensors as a layer of another model, the tensor that call received, as Keras 3 gives it (each layer's
        ``input``: :attr:`Layer.input <tinygradconv.layers.Layer.input>`), so that the features of a nested
        ``Sequential`` connect to the outer model's input. Keras 3.15's ``Sequential`` has only the second (an
        ``AttributeError`` for a model that was not called so); tf.keras 2's had the first."""
        if self._symbolic_calls():
            return _call_tensors(self, "input")
        return self.inputs[0]

    @property
    def output(self):
        """The symbolic output of the model's graph (the last layer's, see :attr:`outputs`), or the output of its
        call as a layer of another model, by the rules of :attr:`input`."""
        if self._symbolic_calls():
            return _call_tensors(self, "output")
        return self._stack_graph("output")[-1][2]

    def _symbolic_calls(self):
        """The calls of the model itself on symbolic tensors (as a layer of another model)."""
        return [node for node in _inbound_nodes(self) if not node.superseded]

    def _stack_graph(self, what):
        """The model's graph (:meth:`_connect`), made now if the input shape is known and it is missing or out of
        date; the ``AttributeError`` of :attr:`outputs` for ``what`` when there is none."""
        if self._graph is None or [entry[0] for entry in self._graph] != self._layers:
            if self._input_batch_shape is None and self._build_input_shape is None:
                raise AttributeError(f"Sequential model '{self.name}' has no `{what}` yet (no input shape): start "
                                     "it with layers.Input(shape), or build it (call it on data, or "
                                     ".build(input_shape))")
            self._connect()
        if self._graph is None:
            reason = self._graph_error or "it has no layers"
            raise AttributeError(f"Sequential model '{self.name}' has no `{what}`: its layers could not be called "
                                 f"on symbolic tensors ({reason})")
        return self._graph

    def _connect(self):
        """Call the layers one after the other on symbolic tensors from :attr:`inputs`, as Keras 3 builds a
        ``Sequential`` model whose input shape is known into a functional graph: each layer then has ``input`` and
        ``output``, and the model ``outputs``. The calls of the previous graph are kept while they still fit (the
        same input tensor and the same layers before: a layer added at the end is the only one called again), and
        the others are marked superseded, so that every layer of the stack keeps one call of its own. A stack
        that cannot be called on symbolic tensors gets no graph (``outputs`` then says why) and builds as before."""
        previous, self._graph, self._graph_error = self._graph or [], None, None
        graph, made = [], []
        # a layer without compute_output_shape is run on zeros (input_layer.shapes_from_runs): the penalties of the
        # last call on data (which the loss of a training step adds, when this runs after the first call) are kept
        penalties = [(layer, layer._call_losses) for layer in (self, *self._nested_layers())]
        if (self._input_batch_shape or self._build_input_shape) is not None and self._layers:
            x = self.inputs[0]
            try:
                for i, layer in enumerate(self._layers):
                    if i < len(previous) and previous[i][0] is layer and previous[i][1].inputs is x:
                        graph.append(previous[i])
                    else:
                        result = layer(x)
                        made.append(_inbound_nodes(layer)[-1])
                        graph.append((layer, made[-1], result))
                    x = graph[-1][2]
            except (ValueError, TypeError, NotImplementedError) as exc:
                self._graph_error = f"{type(exc).__name__}: {exc}"
                for node in made:
                    node.superseded = True
                graph = []
        for layer, kept_penalties in penalties:
            layer._call_losses = kept_penalties
        kept = {id(entry[1]) for entry in graph}
        for _, node, _ in previous:
            if id(node) not in kept:
                node.superseded = True
        self._graph = graph or None

    @property
    def output_shape(self):
        """The batch shape of the model's output, once the input shape is known (see :attr:`input_shape`)."""
        try:
            return _stack_shape(self.compute_output_shape(self.input_shape))
        except NotImplementedError:
            shapes = self._layer_output_shapes()
            if self._layers and id(self._layers[-1]) in shapes:
                return tuple(shapes[id(self._layers[-1])])
            raise AttributeError(f"Sequential model '{self.name}': the output shape is not known yet") from None

    def pop(self):
        """Remove and return the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self._output_shapes.pop(id(layer), None)
        if self._graph is not None:     # the graph ends one layer earlier (the popped layer's call superseded)
            self._connect()
        return layer

    def build(self, input_shape):
        """Build every layer for inputs of ``input_shape`` (the batch size may be ``None``).

        Output shapes come from each layer's ``compute_output_shape``; a layer without it is run on zeros (once where
        every size is known, else with two batch sizes: :func:`~tinygradconv.layers.input_layer.shapes_from_runs`).
        As in Keras 3 the shape is kept as given, batch size included: after ``build((2, 3))``, ``input_shape``
        is ``(2, 3)`` and ``output_shape`` and ``summary`` show a batch of 2 (data of any batch size still runs).

        Raises:
            TypeError: ``input_shape`` is not a tuple or list of sizes (``None``, a string, a number).
            ValueError: a size that is not a non-negative integer or ``None``, a shape a layer cannot take (its
                message, with a reminder that the first entry is the batch axis), a model without layers, or
                (as Keras) a model built already, whose shape this one contradicts (a known size that differs:
                ``build((2, 3))`` then ``build((4, 3))``; a size of ``None`` on either side matches any).
        """
        def expected():     # (an example that builds: found only when needed, on copies of the model)
            return ("Expected the input shape with the batch axis first, as a tuple of sizes (None for unknown), "
                    f"{_build_example_text(self)}.")

        if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, (tuple, list)):
            raise TypeError(f"Invalid type for argument `input_shape`. {expected()} Received input_shape="
                            f"{input_shape!r}")
        for d in input_shape:
            if d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0):
                raise ValueError(f"Invalid value for argument `input_shape`. {expected()} Received input_shape="
                                 f"{tuple(input_shape)!r}")
        configured = self._input_batch_shape
        if not self._layers and configured is None:    # Keras' message (an Input alone builds, as there)
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no layers. Call "
                             "`model.add(layer)`.")
        if configured is not None and tuple(input_shape) != tuple(configured):
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                             f"{tuple(configured)}. You cannot build it with input_shape {tuple(input_shape)}")
        built_for = self._build_input_shape if self.built and configured is None else None
        if built_for is not None and not _shape_fits(tuple(input_shape), built_for):   # as Keras (None: any size)
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                             f"{built_for}. You cannot build it with input_shape {tuple(input_shape)}")
        shape = tuple(None if d is None else int(d) for d in input_shape)    # the batch size kept, as Keras
        # the backend the weights go to loads, or its own error (CuPy without a GPU), not one taken for a shape's
        get_backend(self._backend)
        self._build_input_shape = shape
        self._name_made_input()
        for i, layer in enumerate(self._layers):
            try:
                if not layer.built:
                    layer.build(shape)
                    layer.built = True
                else:   # built already (a nested model, a layer built elsewhere): it must fit, as Keras checks
                    layer._check_built_input(shape)
                shape = _stack_shape(layer.compute_output_shape(shape))
            except ValueError as exc:
                where = (f"Model.build received input_shape={tuple(input_shape)!r}; its first entry is the "
                         "batch axis")
                if i or layer.built:       # some layers are built now: no example is tried
                    raise ValueError(f"{exc} (in layer {i}, {layer.name!r}, of the stack; {where})") from exc
                raise ValueError(f"{exc} ({where}, {_build_example_text(self)})") from exc
            except NotImplementedError:
                dummy = np.zeros(tuple(1 if d is None else d for d in shape), dtype=layer.dtype)
                with no_grad():
                    for rest in self._layers[i:]:
                        dummy = rest(dummy, training=False)
                        self._output_shapes[id(rest)] = shape[:1] + dummy.shape[1:]     # the batch size built for
                break
            self._output_shapes[id(layer)] = shape
        self.built = True
        self._connect()

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Run the stack on ``inputs`` (one array or tensor, or a symbolic tensor), as Keras 3: a list or tuple of one
        is that one. ``mask`` (a bool array or Tensor, usually ``(batch, steps)``) is set on the input, as Keras 3
        sets it (:func:`masked_inputs`): the layers pass it on and use it as they do an ``Embedding``'s mask (and the
        model warns, as Keras' does, that it does not support masking itself).

        Raises:
            ValueError: a list, tuple or dict of several arrays (never stacked into one); a mask of the wrong shape or
                with symbolic inputs.
            TypeError: a keyword other than ``training`` and ``mask`` (:func:`check_call_keywords`); ``training``
                not a bool; a mask not boolean.
        """
        mask = check_call_keywords(self, kwargs)
        inputs = single_input_data(self, inputs, "inputs")
        if mask is not None:
            inputs = masked_inputs(self, inputs, mask, [self._input_name() or "input"])
        connect = not self.built
        if connect and not is_symbolic(inputs):     # a first call on data builds: Keras makes its Input then
            self._name_made_input()
        outputs = super().__call__(inputs, *args, training=training)
        if connect and self._graph is None and self.built:  # built by this first call, on data: Keras' graph too
            self._connect()
        last = self._layers[-1] if self._layers else None
        keys = getattr(last, "_output_keys", None)
        if keys and isinstance(outputs, (list, dict)) and is_symbolic(outputs):
            # the last layer is a model of a dict of outputs: on symbolic tensors too the stack gives its dict (keyed
            # in the order it was written, as that model's own symbolic call), as Keras 3
            by_key = dict(outputs) if isinstance(outputs, dict) else dict(zip(keys, outputs))
            outputs = {key: by_key[key] for key in last._given_keys[1]}
        return outputs

    def call(self, inputs, training=None):
        x = inputs
        if isinstance(x, Tensor):
            mask = get_keras_mask(x)
            x = cast_to_input(x, self._fed_input_dtype())     # the Input casts its data, as Keras'
            if mask is not None:
                set_keras_mask(x, mask)                         # and keeps its mask
            x = self._fed_rank(x)
        batch = (self._build_input_shape or (None,))[:1]     # the batch size of a build, as Keras' summary shows
        for layer in self._layers:
            x = layer(x, training=training)
            if isinstance(x, Tensor):
                self._output_shapes[id(layer)] = batch + x.shape[1:]
        return x

    def _target_data(self, y, argument="y"):
        """As :meth:`Model._target_data`; a stack whose last layer is a model of several outputs (a dict or list of
        them) is refused here with what to do instead (:meth:`_refuse_several_outputs`)."""
        self._refuse_several_outputs(argument)
        return super()._target_data(y, argument)

    def _refuse_several_outputs(self, argument):
        """A ``ValueError`` for targets of a stack whose last layer gives several outputs. Keras 3 trains such a
        ``Sequential`` as the functional model it builds of it (a target, loss and metrics per output); ours does
        not (its training loop takes one output), so it says which model does: the functional model of the same
        layers, ``models.Model(model.inputs, model.output)``, which shares their weights. Before, a dict of
        targets was refused as for one output, and one array failed deep inside (``'dict' object has no attribute
        'dtype'``)."""
        last = self._layers[-1] if self._layers else None
        outputs = getattr(last, "_outputs", None) if isinstance(last, Model) else None
        if outputs is None or len(outputs) < 2:
            return
        names = last._output_names()
        form = f"a dict keyed {names}" if last._output_keys else f"a list of {len(names)}"
        raise ValueError(f"Invalid value for argument `{argument}`: Sequential model '{self.name}' ends in model "
                         f"'{last.name}', which has {len(names)} outputs ({names}). Training it with a target, loss "
                         "and metrics per output, as Keras 3 trains such a Sequential, is not supported on a "
                         "Sequential here: train the functional model of the same layers, which shares their "
                         f"weights, `models.Model(model.inputs, model.output)` (its fit takes y as {form}, and "
                         "compile a loss per output)")

    def _fed_rank(self, x):
        """Data ``x`` at the rank of the model's input shape, once that is known (an ``Input`` first, a first
        layer's ``input_shape=``, ``build``, or a first call), by Keras 3's rule (:func:`_rank_adjusted`): ``(4, 8)``
        for ``Input((8, 1))`` runs as ``(4, 8, 1)``. Only the rank is checked here, as Keras' ``Sequential`` checks
        it; the layers check the sizes.

        Raises:
            ValueError: data of another rank, which that rule does not adjust (``(4,)`` for ``Input((8, 1))``).
        """
        expected = self._input_batch_shape or self._build_input_shape
        if expected is None:
            return x
        adjusted = _rank_adjusted(x, expected)
        if adjusted is None:
            raise ValueError(f"Invalid value for the input of Sequential model '{self.name}': it expects data of "
                             f"shape {tuple(expected)} (any batch size; None: any size; {RANK_RULE}). Received "
                             f"data of shape {tuple(x.shape)}")
        return adjusted

    def compute_output_shape(self, input_shape):
        """The output shape for inputs of ``input_shape``, layer by layer; in the last layer's structure, as Keras
        3: a dict of shapes for a last layer that is a model of a dict of outputs (:attr:`output_shape` lists them
        in sorted-key order)."""
        shape = tuple(input_shape)
        for layer in self._layers:
            out = layer.compute_output_shape(shape)
            shape = _stack_shape(out)
        return out if self._layers and isinstance(out, dict) else shape

    def _output_dtypes(self, dtypes):
        """The dtype of the output when the model is called on data of ``dtypes`` (one), layer by layer as
        :meth:`call` computes it (the ``Input`` casts the data first, to :meth:`_fed_input_dtype`), for a symbolic
        call of the model (see :func:`~tinygradconv.layers.input_layer.output_dtypes`)."""
        dtype = out = self._fed_input_dtype()
        for layer in self._layers:
            out = output_dtypes(layer, [dtype])
            dtype = out if isinstance(out, str) else out[0]
        # the last layer's dtypes: one per output of a model of several outputs used as that layer
        return [out] if isinstance(out, str) else list(out)

    def _check_built_input(self, input_shape):
        """The model called on a symbolic tensor (used as a layer): the shape must fit its ``Input`` (``None``: any
        size), and each built layer checks the shape that reaches it (a ``Dense`` built for 4 features refuses 5),
        as Keras refuses them."""
        shape = tuple(input_shape)
        expected = self._input_batch_shape
        if expected is not None and not _shape_fits(shape[1:], expected[1:]):
            raise ValueError(f"Model '{self.name}' expects inputs of shape {tuple(expected)} (None: any size), but "
                             f"received a tensor of shape {shape}")
        for layer in self._layers:
            if layer.built:
                layer._check_built_input(shape)
            try:
                shape = _stack_shape(layer.compute_output_shape(shape))
            except NotImplementedError:
                return

    def _layer_output_shapes(self):
        if self._build_input_shape is not None and all(id(layer) not in self._output_shapes for layer in self._layers):
            try:
                shape = self._build_input_shape
                for layer in self._layers:
                    shape = _stack_shape(layer.compute_output_shape(shape))
                    self._output_shapes[id(layer)] = shape
            except NotImplementedError:
                pass
        return dict(self._output_shapes)

    def get_config(self):
        """As Keras 3: a built model's config starts with an ``InputLayer`` (its batch shape), so that
        :meth:`from_config` returns a built model; ``build_input_shape`` records the shape too."""
        layers = [keras_format.keras_layer_entry(layer) for layer in self._layers]
        config = {"name": self.name, "trainable": self.trainable, "dtype": dtype_policy_config(self.dtype)}
        if self._build_input_shape is not None:
            shape = self._input_batch_shape or self._build_input_shape
            name = self._input_name()
            layers.insert(0, keras_format.keras_layer_entry(InputLayer(batch_shape=shape, dtype=self._fed_input_dtype(),
                                                                 name=name)))
            return {**config, "layers": layers, "build_input_shape": tuple(shape)}      # (Keras' order)
        return {**config, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config` (or Keras 3's Sequential config): built when it has an input shape."""
        config = dict(config)
        shape = config.pop("build_input_shape", None)
        items = config.pop("layers", [])
        items = keras_format.our_layer_entries(items, "the Sequential config", custom_objects)  # Keras' entries
        if isinstance(config.get("dtype"), dict):  # a Keras dtype policy
            config["dtype"] = (config["dtype"].get("config") or {}).get("name")
        layers = []
        for item in items:      # (a .tgc.npz load builds an inner Sequential inside this model's name scope)
            with keras_format.inner_layers_scope(config.get("name"), item):
                layers.append(saving.deserialize_layer(item, custom_objects))
        # each layer built from its build_config before the model holds it, as Keras 3 deserializes one: outside
        # the model's name scope (its weights' paths do not start with the model's name)
        keras_format.build_layers_from_configs(layers, items, "the Sequential config")
        model = cls(layers=layers, **config)
        if not model.built and shape is not None and model.layers:
            model.build(tuple(shape))
        return model


def call_takes_one_tensor(model) -> bool:
    """Whether ``model.call`` needs one tensor only (no other argument without a default): a model whose call takes
    several (``call(self, q, v)``) cannot be built, summarised or rebuilt from the shape of its first input."""
    parameters = list(inspect.signature(type(model).call).parameters.values())[2:]     # after self and inputs
    return not any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                   for p in parameters)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False):
    """The architecture of ``model`` on new layers with new weights, as ``keras.models.clone_model``; see
    :func:`tinygradconv.cloning.clone_model`."""
    from .cloning import clone_model as clone

    return clone(model, input_tensors=input_tensors, clone_function=clone_function, call_function=call_function,
                 recursive=recursive)


def model_from_json(json_string, custom_objects=None):
    """The model described by a Keras 3 model JSON (from ``model.to_json()``, here or in Keras), with new weights,
    compiled when the JSON holds compile arguments, as ``keras.models.model_from_json``; see
    :func:`tinygradconv.keras_format.model_from_json`."""
    from .keras_format import model_from_json as from_json

    return from_json(json_string, custom_objects=custom_objects)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved with :meth:`Model.save` and reload its weights (see :mod:`tinygradconv.saving`); a
    model saved compiled comes back compiled, its optimizer's state restored, from our ``.npz`` files and from Keras
    3's ``.keras`` files (ours or Keras', see :mod:`tinygradconv.keras_format`), as Keras' ``load_model`` does;
    ``compile=False`` gives it uncompiled. ``safe_mode`` is accepted as in Keras 3 and changes nothing: this loader
    never runs code from a file.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tinygradconv import layers
    >>> model = Sequential([layers.Input((3,)), layers.Dense(1)])
    >>> model.compile("adam", "mse")
    >>> _ = model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=2, verbose=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.tgc.npz")       # or "m.keras" (needs h5py)
    >>> model.save(path)
    >>> loaded = load_model(path)
    >>> loaded.compiled, loaded.optimizer.iterations, load_model(path, compile=False).compiled
    (True, 2, False)
    """
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
