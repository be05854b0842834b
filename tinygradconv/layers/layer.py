"""``Layer``: the base class of every layer (and of models).

A layer owns weights (trainable Tensors created with :meth:`Layer.add_weight`) and computes ``call(inputs)``.
It is built on its first call, when the input shape is known (``build(input_shape)`` creates the weights), and
only once: when its ``build`` has returned, :meth:`Layer.add_weight` raises, as in Keras 3 (a second ``build`` of a
``Dense`` would otherwise add a second kernel and bias).

Keras conventions kept here: a weight's ``name`` is the name given to :meth:`Layer.add_weight` (``"kernel"``) and its
``path`` that name after the names of the layers whose build made it (``"d/kernel"``, ``"sequential/d/kernel"``), as
Keras 3's ``variable.name`` and ``variable.path`` (see :func:`current_path`); ``get_weights``/``set_weights``
use Keras layouts; ``losses`` holds the penalties of the last call (``add_loss``, activity regularizers) then the
regularization penalties of the trainable weights (computed from their current values), in Keras' order;
``get_config``/``from_config`` round-trip.

>>> import numpy as np
>>> from tinygradconv.layers import Layer
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.scale = self.add_weight((input_shape[-1],), initializer="ones", name="scale")
...     def call(self, inputs):
...         return inputs * self.scale
>>> Scale()(np.ones((2, 3))).shape
(2, 3)
"""
from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import itertools
import numbers
import sys
import threading
import warnings

import numpy as np

from .. import config, constraints, initializers, regularizers
from .._lookup import snake_case
from ..autograd import _state as _grad_state
from ..backend import dtype_name
from ..module_hints import install as install_module_hints
from ..tensor import Tensor
from ..validation import caller_stacklevel, flag, float_dtype_argument, integer, weight_fits
from . import auto_config
from .keras_tensor import KerasTensor, flatten, is_symbolic, map_call_arguments, map_structure

_name_counts: dict[str, int] = {}


def unique_name(prefix):
    """``conv1d_transpose``, then ``conv1d_transpose_1``, ``..._2``, ... (as Keras names layers)."""
    count = _name_counts.get(prefix, 0)
    _name_counts[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


# Keras 3.15's layers that are built when made (``self.built = True`` in their ``__init__``): their ``build`` never
# runs, so Keras' ``get_build_config`` gives None for them, and ``.keras`` files write them without a
# ``build_config`` (checked in Keras 3.15: ``keras.layers.Dropout(0.5)(x)``, then ``get_build_config()``)
_BUILT_WHEN_MADE_IN_KERAS = frozenset({"Activation", "Dropout", "ELU", "LeakyReLU", "ReLU", "Reshape", "Softmax",
                                       "GaussianDropout", "GaussianNoise", "Identity", "UnitNormalization",
                                       "ActivityRegularization"})


def _built_when_made_in_keras(cls) -> bool:
    """Whether ``cls`` is (or derives from) one of this package's layers that Keras 3 builds when made."""
    return any(base.__name__ in _BUILT_WHEN_MADE_IN_KERAS and base.__module__.startswith("tinygradconv.")
               for base in cls.__mro__)


# Keras 3.15's layers, among this package's, that pass a mask on (``supports_masking`` is True for them; checked in
# Keras 3.15 on torch: ``keras.layers.Dense(2).supports_masking``; tests/test_layers_masks_s46_f6.py compares every
# layer). The others (Conv1D, Flatten, Reshape, the windowed and max pooling layers) drop a mask with Keras' warning;
# GlobalAveragePooling1D, Embedding, Masking and the merge layers say so themselves (their own ``supports_masking``
# and ``compute_mask``).
_PASSES_MASKS_IN_KERAS = frozenset({"Activation", "BatchNormalization", "Dense", "Dropout", "ELU", "GaussianDropout",
                                    "GaussianNoise", "GroupNormalization", "Identity", "LayerNormalization",
                                    "LeakyReLU", "PReLU", "ReLU", "Softmax", "UnitNormalization"})


def _passes_masks_in_keras(cls) -> bool:
    """Whether ``cls`` is (or derives from) one of this package's layers that pass a mask on in Keras 3."""
    return any(base.__name__ in _PASSES_MASKS_IN_KERAS and base.__module__.startswith("tinygradconv.")
               for base in cls.__mro__)


def get_keras_mask(x):
    """The mask ``x`` carries (a bool Tensor, True where a step counts), or None: Keras 3's
    ``backend.get_keras_mask``. A layer that makes a mask (``Embedding(mask_zero=True)``, ``Masking``) sets it on
    its output as the attribute ``_keras_mask``, as Keras 3 does on its backend's tensors; an op on the tensor gives a
    new tensor without it (masks travel from layer to layer, not through ops)."""
    return getattr(x, "_keras_mask", None) if isinstance(x, Tensor) else None


def set_keras_mask(x, mask) -> None:
    """Attach ``mask`` (a bool Tensor, or None to remove it) to the Tensor ``x``: Keras 3's
    ``backend.set_keras_mask``."""
    if mask is None:
        x.__dict__.pop("_keras_mask", None)
    else:
        x._keras_mask = mask


def dtype_policy_config(name: str) -> dict:
    """Keras 3's serialization of the dtype policy ``name`` (a ``DTypePolicy``), as a layer's ``get_config`` writes
    its ``dtype`` in Keras 3.15 and as ``.keras`` files hold it.

    >>> dtype_policy_config("float64")
    {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float64'}, 'registered_name': None}
    """
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def policy_dtype(dtype):
    """The dtype name inside Keras' serialized ``DTypePolicy`` (``{"class_name": "DTypePolicy", "config": {"name":
    "float64"}, ...}``, what :func:`dtype_policy_config` and Keras' ``get_config`` write), as Keras 3's layers take
    it for ``dtype=``; any other value unchanged. (A mixed policy such as ``"mixed_float16"`` is then refused by the
    dtype check, naming it: tinygradconv computes in the weights' dtype.)

    Raises:
        ValueError: a dict that is not a serialized ``DTypePolicy`` with a ``name``.

    >>> policy_dtype(dtype_policy_config("float16")), policy_dtype("float32")
    ('float16', 'float32')
    """
    if not isinstance(dtype, dict):
        return dtype
    inner = dtype.get("config")
    if dtype.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy") or not isinstance(inner, dict) \
            or "name" not in inner:
        raise ValueError("Invalid value for argument `dtype`. Expected a dtype name or Keras' serialized dtype "
                         "policy, {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, "
                         f"'registered_name': None}}. Received dtype={dtype!r}")
    return inner["name"]


class _NameScopes(threading.local):
    """The name scopes open in this thread (Keras 3's ``name_scope_stack``): ``(name, layer, parent)`` entries,
    ``parent`` the path a layer's scope starts from once it is fixed (see :func:`layer_scope`), else None."""
    def __init__(self):
        self.stack = []


_NAME_SCOPES = _NameScopes()


def current_path() -> str:
    """The path of the name scopes open now, ``"outer/inner"`` (``""`` when none is), as Keras 3's ``current_path``:
    a weight made now gets the path ``"<current path>/<weight name>"``. A layer opens its scope while it builds and
    while it is called, so a weight's path names the layers inside whose build it was made: a ``Dense`` built alone
    gives ``"dense/kernel"``, one built by a ``Sequential`` model ``"sequential/dense/kernel"``, an ``LSTM``'s cell
    ``"lstm/lstm_cell/kernel"``. A layer's scope always starts where its first one did (Keras' ``_parent_path``): a
    layer built alone keeps its path when a model holds it later.

    >>> from tinygradconv.layers import Dense
    >>> from tinygradconv.models import Sequential
    >>> d = Dense(2, name="d")
    >>> d.build((None, 3))
    >>> d.kernel.name, d.kernel.path
    ('kernel', 'd/kernel')
    >>> m = Sequential([Dense(2, name="e")], name="m")
    >>> m.build((None, 3))
    >>> [w.path for w in m.weights]
    ['m/e/kernel', 'm/e/bias']
    """
    parts = []
    for name, _, parent in _NAME_SCOPES.stack:
        if parent is not None:
            parts = [p for p in parent.split("/") if p]
        parts.append(name)
    return "/".join(parts)


class layer_scope:
    """The name scope of ``layer`` (Keras 3's ``name_scope(layer.name, caller=layer)``), a context manager: its name
    is added to :func:`current_path` (not twice when the scope open last is already this layer's). ``fix_parent``
    (the scope of a build or a call, Keras' ``_open_name_scope``): the path the scope starts from is fixed the first
    time (``layer._parent_path``), so that a layer's weights keep one path whatever calls it later. A class rather
    than a generator: it runs at every layer call."""
    __slots__ = ("fix_parent", "layer", "pushed")

    def __init__(self, layer, fix_parent=True):
        self.layer, self.fix_parent, self.pushed = layer, fix_parent, False

    def __enter__(self):
        layer, stack = self.layer, _NAME_SCOPES.stack
        name = layer.name
        if stack and stack[-1][1] is layer and stack[-1][0] == name:
            return self
        parent = layer.__dict__.get("_parent_path")
        if parent is None and self.fix_parent:
            parent = layer.__dict__["_parent_path"] = current_path()
        stack.append((name, layer, parent))
        self.pushed = True
        return self

    def __exit__(self, *exc):
        if self.pushed:
            _NAME_SCOPES.stack.pop()
            self.pushed = False


@contextlib.contextmanager
def model_name_scope(name):
    """The name scope of a model named ``name`` that is not made yet (a loader builds its inner models before it),
    as :class:`layer_scope` opens a layer's: inside, :func:`current_path` starts with ``name``, so that a nested
    ``Sequential`` built while its config is read gets the paths it had when its model built it
    (``"top/b/a/kernel"``, not ``"b/a/kernel"``)."""
    _NAME_SCOPES.stack.append((name, None, None))
    try:
        yield
    finally:
        _NAME_SCOPES.stack.pop()


def _build_then_lock(build):
    """Wrap a layer class's ``build`` so that, once the outermost ``build`` of a layer returns, the layer is built
    and takes no new weights (:meth:`Layer.add_weight` raises), as Keras 3 wraps ``build``: a ``build`` called again
    added a second kernel and bias beside the first (found by a tester). A ``build`` that calls ``super().build()``
    first may still add weights after it: only the outermost call locks. The arguments of the first outermost build
    are kept by name (``{"input_shape": (2, 4)}``), as Keras' ``build_wrapper`` keeps them: they are the layer's
    :meth:`Layer.get_build_config`, which ``.keras`` files hold."""
    @functools.wraps(build)
    def build_then_lock(self, *args, **kwargs):
        depth = self.__dict__.get("_build_depth", 0)
        self.__dict__["_build_depth"] = depth + 1
        try:
            with layer_scope(self):         # the weights it makes are "<path>/<layer name>/<weight>" (Keras)
                if depth == 0:
                    self.__dict__["_path"] = current_path()
                build(self, *args, **kwargs)
        finally:
            self.__dict__["_build_depth"] = depth
        if depth == 0:
            if self.__dict__.get("_build_shapes_dict") is None:   # the first build's shapes (a merge layer's call
                # builds again on data: the shapes it was built with stay, as Keras writes them)
                arguments = inspect.signature(build).bind(self, *args, **kwargs).arguments
                self.__dict__["_build_shapes_dict"] = {key: value for key, value in list(arguments.items())[1:]}
            self.built = self._state_locked = True

    build_then_lock.locks_when_built = True
    return build_then_lock



#: Numbers the eager calls of all layers, 0, 1, 2, ...: with the layer's name, it tells one call from another.
_CALL_NUMBERS = itertools.count()


def _made_by_call(outputs, inputs, args, kwargs):
    """Whether ``outputs`` (a Tensor) is not one of the tensors the call was given: a layer that
    returns its input unchanged (``Identity``, ``Dropout`` in inference) leaves its name alone. One identity test
    for the usual single input; a walk over the few arguments only when there are several."""
    if outputs is inputs:
        return False
    if not (args or len(kwargs) > ("training" in kwargs) or is_structure(inputs)):    # training: a bool or None
        return True
    return not any(outputs is given for given in flatten([inputs, list(args), list(kwargs.values())]))

#: Keras 3's values of ``add_weight(aggregation=...)`` (``keras/src/backend/common/variables.py``)
_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")


def _check_keras_only_weight_arguments(autocast, aggregation, overwrite_with_gradient):
    """The arguments of Keras 3's ``add_weight`` that change nothing here, checked as Keras checks them (see
    :meth:`Layer.add_weight`); ``overwrite_with_gradient=True``, which our optimizers would not honour, refused."""
    flag(autocast, "autocast", "add_weight")
    if not isinstance(aggregation, (str, type(None))) or aggregation not in _AGGREGATIONS:
        raise ValueError("Invalid value for argument `aggregation`. Expected one of `None`, `'none'`, `'mean'`, "
                         f"`'sum'`, `'only_first_replica'`. Received: aggregation={aggregation!r}")
    if flag(overwrite_with_gradient, "overwrite_with_gradient", "add_weight"):
        raise ValueError("Invalid value for argument `overwrite_with_gradient` of add_weight: True is not supported "
                         "here. In Keras 3 it makes the optimizer replace the weight by its gradient (float8 "
                         "training); tinygradconv's optimizers would update it as an ordinary weight instead. "
                         "Received overwrite_with_gradient=True. Expected False (the default)")



def _check_integer_weight(layer_name, name, dtype, init, trainable):
    """Refuse an integer or bool weight that Keras 3 cannot make either (see :meth:`Layer.add_weight`): a trainable
    one (no gradient) or one from a random initializer. TypeErrors: the dtype is what does not fit."""
    where = f"of add_weight (weight '{name}' of layer '{layer_name}')"
    kind = "a bool" if dtype == "bool" else "an integer"
    if trainable:
        raise TypeError(f"Invalid type for argument `dtype` {where}: a trainable weight must be floating-point "
                        f"({kind} weight has no gradient); received dtype={dtype!r} with trainable=True. "
                        f"Pass trainable=False (a counter, a table of indices, a mask), or a float dtype")
    if isinstance(init, initializers.Initializer) and not isinstance(
            init, (initializers.Zeros, initializers.Ones, initializers.Constant)):
        raise TypeError(f"Invalid type for argument `dtype` {where}: the initializer {type(init).__name__} makes "
                        f"floating-point values; received dtype={dtype!r}. {kind.capitalize()} weight takes "
                        "initializer='zeros', 'ones', Constant(value) or a function of yours")

#: class -> whether its constructor arguments are recorded for its get_config (see Layer.__new__)
_RECORDS_ARGUMENTS: dict = {}


def _records_arguments(cls):
    """Whether ``cls`` is a layer class of your own that does not write ``get_config``: Keras 3's auto config then
    gives its constructor arguments (:mod:`tinygradconv.layers.auto_config`)."""
    found = _RECORDS_ARGUMENTS.get(cls)
    if found is None:
        module = sys.modules.get(cls.__module__)
        ours = cls.__module__.startswith("tinygradconv.") and getattr(module, cls.__name__, None) is cls
        found = _RECORDS_ARGUMENTS[cls] = cls.get_config is Layer.get_config and not ours   # (a class of a
        # docstring example is not its module's)
    return found


class Layer:
    """Base class of layers.

    Args:
        name: the layer's name (default: the class name in snake case, made unique).
        dtype: the dtype of its weights and computations (default ``config.floatx()``): ``"float16"``,
            ``"float32"`` or ``"float64"``, as a name, a NumPy dtype or type (``np.float64``) or a PyTorch dtype.
        trainable: whether its weights are trained.

    Subclasses implement ``build(input_shape)`` (create weights) and ``call(inputs[, training])``, and usually
    ``compute_output_shape`` and ``get_config``.

    Inputs of another float dtype are cast to the layer's, as Keras casts them. Integer and bool inputs are cast
    too by the layers that compute in floats (``casts_integer_inputs``): those with their own weights or means
    (``Dense``, ``Conv1D``, ``Conv1DTranspose``, ``PReLU``, the normalizations, ``Average``) and the float
    activations (``Softmax``, ``ELU``, ``LeakyReLU``, and ``Activation`` with one such as ``sigmoid``), whose
    outputs are then of the layer's dtype, as Keras' symbolic tensors say (Keras promotes ``int32`` with
    ``float32`` to ``float32``, where NumPy gives ``float64``; on integer data Keras 3.15 on torch fails in the
    convolutions and in those activation layers, with PyTorch's "expected scalar type"); the others keep them, as
    in Keras (``Flatten`` of ``int32`` data is ``int32``).
    """

    #: Whether integer and bool inputs are cast to the layer's float dtype (see the class docstring).
    casts_integer_inputs = False
    #: Whether the layer takes one tensor only: a list, tuple or dict of tensors is then refused by ``__call__``.
    #: Every built-in layer class but the merge layers sets it (a test checks each); a layer of your own may take
    #: structures, so False here.
    single_input = False

    def __new__(cls, *args, **kwargs):
        # A layer class of your own without a get_config: its constructor arguments, recorded for get_config as
        # Keras 3 records them (see tinygradconv.layers.auto_config)
        layer = super().__new__(cls)
        if _records_arguments(cls):
            layer.__dict__["_auto_config"], layer.__dict__["_auto_config_error"] = auto_config.record(cls, args,
                                                                                                      kwargs)
        return layer

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not getattr(cls.build, "locks_when_built", False):    # its own build, or a mixin's
            cls.build = _build_then_lock(cls.build)

    def __getstate__(self):
        """A copy (``copy.deepcopy``, ``pickle``) leaves out the penalties of the last call (:attr:`losses` of
        ``add_loss``): op outputs, part of that call's graph, which is not copied (they are recomputed by the next
        call). A fitted model with an activity regularizer could be neither pickled nor deep-copied."""
        return {**self.__dict__, "_call_losses": []}

    def __init__(self, name=None, dtype=None, trainable=True, **kwargs):
        input_shape = kwargs.pop("input_shape", None)  # Keras 3: the first layer of a Sequential may say its input
        input_dim = kwargs.pop("input_dim", None)      # Keras 3: input_shape=(input_dim,)
        if input_dim is not None:
            if input_shape is not None:
                raise ValueError("Do not pass both `input_shape` and `input_dim` to a layer (Keras' rule). Received "
                                 f"input_shape={input_shape!r}, input_dim={input_dim!r}")
            input_shape = (input_dim,)
        # every Keras 3 layer takes an activity regularizer (found by a tester: only Dense and the convolutions did)
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        # a ValueError for a name that is not a string too, as Keras 3 raises it (with Keras' words); "/" separates
        # the layer from the weight name (Keras refuses it too)
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. Received: "
                             f"name={name} (of type {type(name)})")
        if not isinstance(trainable, (bool, np.bool_)):     # Keras 3's ValueError at construction, in its words
            raise ValueError(f"Expected `trainable` to be a boolean. Received: trainable={trainable} "  # noqa: TRY004
                             f"(of type {type(trainable)})")
        # (checked before a name is used up); Keras' serialized DTypePolicy (our get_config's) is taken too
        dtype = config.floatx() if dtype is None else float_dtype_argument(policy_dtype(dtype))
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.dtype = dtype
        self._trainable = flag(trainable, "trainable")     # no sub-layers yet: the setter would pass it to none
        self.built = False
        self._state_locked = False  # True once a build has finished: add_weight then refuses (Keras 3)
        self._own_weights: list[Tensor] = []
        self._trainable_variables: list[Tensor] = []  # the weights created trainable: `trainable` switches them
        self._regularizers: list = []  # (weight, regularizer) pairs
        self._call_losses: list[Tensor] = []
        self._backend = None  # the backend of the first input: weights are created there
        self._input_shape_arg = None
        if input_shape is not None:
            if not isinstance(input_shape, (list, tuple)) or not all(
                    d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0)
                    for d in input_shape):
                raise ValueError(f"Invalid value for argument `input_shape`. Expected a tuple of non-negative "
                                 f"integers or None (one sample, without the batch axis). Received "
                                 f"input_shape={input_shape!r}")
            self._input_shape_arg = tuple(input_shape)
        self.activity_regularizer = regularizers.get(activity_regularizer)   # after the checks above, as Keras

    @property
    def trainable(self) -> bool:
        """Whether the layer's weights are trained (and, for ``BatchNormalization``, whether ``training=True``
        uses batch statistics). Setting it sets every sub-layer's too, as Keras 3 does: a frozen model freezes all
        its layers, nested ones included, and unfreezing it unfreezes them all. As in Keras, the flag is kept on
        each weight (``requires_grad``): a layer unfrozen inside a frozen model trains again.

        The setter takes any value as Python's ``bool()`` reads it, as Keras 3's setter does (``value =
        bool(value)``): ``layer.trainable = 1`` or ``np.bool_(True)`` is True, ``0``, ``None`` or
        ``np.bool_(False)`` is False, and so is ``[]``; beware that any non-empty string, ``"False"`` too, is True.
        The constructor's ``trainable=`` takes only a bool (a ``ValueError`` otherwise, as Keras' constructor).

        >>> from tinygradconv.layers import Dense
        >>> layer = Dense(2)
        >>> layer.trainable = np.bool_(False)
        >>> layer.trainable
        False
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)       # as Keras 3's setter (see the getter)
        for weight in self._trainable_variables:     # those created trainable (not BN's moving statistics)
            weight.requires_grad_(self._trainable)
        for layer in self._sublayers():
            layer.trainable = self._trainable

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, *, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False, name=None):
        """Create a weight Tensor of ``shape``, as Keras 3's ``Layer.add_weight`` does (same argument order).

        Args:
            shape: the weight's shape (default ``()``, a scalar).
            initializer: a name (``"zeros"``, ``"glorot_uniform"``, ...), a config or a callable
                ``initializer(shape, dtype=...)``. Default: ``"glorot_uniform"`` for a floating-point weight,
                ``"zeros"`` for an integer one, as in Keras. An integer weight takes ``"zeros"``, ``"ones"``,
                ``Constant(value)`` (cast: ``Constant(2.7)`` is 2, as Keras casts it) or a callable of yours; the
                random initializers make floating-point values only.
            dtype: the weight's dtype (default: the layer's). An integer dtype (``"int32"``, e.g. a step counter)
                or ``"bool"`` (a mask) makes a non-trainable weight, as in Keras: it has no gradient, optimizers
                never see it, and ``get_weights``/``set_weights`` and the saved files (``.weights.h5``, ``.keras``,
                ``.npz``) keep its dtype; Keras 3 writes and reads a bool weight as bool data too, and its summary
                counts it one bit.
            trainable: whether the optimizer updates it (``requires_grad``); ``False`` for an integer or bool
                weight.
            regularizer: a penalty on the weight, added to :attr:`losses`.
            constraint: applied to the weight after each optimizer update.
            autocast: a bool, accepted as Keras 3 takes it, with no effect: in Keras it lets a mixed-precision
                policy cast the weight to the compute dtype when it is read; there are no mixed-precision policies
                here (a weight is used in its own dtype).
            aggregation: ``None``, ``"none"``, ``"mean"``, ``"sum"`` or ``"only_first_replica"``, as Keras 3 takes
                it, with no effect: in Keras it says how the copies of the weight on several devices are combined in
                distributed training, which does not exist here.
            overwrite_with_gradient: ``False`` only (Keras' default). In Keras 3, ``True`` makes the optimizer
                replace the weight by its gradient instead of updating it (float8 training's scales); our optimizers
                do not honour it, so ``True`` raises rather than train the weight as an ordinary one.
            name: the weight's name (keyword only; default ``"variable"``, numbered within the layer), its ``name``;
                its ``path`` is ``"<layer name>/<name>"`` after the names of the layers inside whose build (or call)
                it is made, as Keras 3's ``variable.path`` (:func:`current_path`): ``"d/kernel"`` for a ``Dense``
                built alone, ``"sequential/d/kernel"`` for one built by a ``Sequential`` model.

        Only ``shape``, ``initializer`` and ``dtype`` may be given by position: the Keras 2 order
        ``add_weight("kernel", shape)`` raises ``ValueError``, as in Keras 3.

        The initial value is copied into the weight: a callable initializer that returns an array it keeps does not
        share memory with the weight.

        Returns:
            the new weight, a leaf :class:`~tinygradconv.tensor.Tensor`.

        Raises:
            TypeError: ``autocast`` or ``overwrite_with_gradient`` not a bool; an integer or bool ``dtype`` with
                ``trainable=True`` (Keras on torch: "Only Tensors of floating point and complex dtype can require
                gradients") or with a random initializer (Keras on torch: "check_uniform_bounds" not implemented
                for 'Int' / 'Bool').
            ValueError: ``aggregation`` not one of Keras' values; ``overwrite_with_gradient=True`` (not honoured
                here); a name given by position; a weight whose creation would take more than this machine's memory
                (:func:`~tinygradconv.validation.weight_fits`), before anything is allocated; a layer already built
                (its ``build`` has finished: a second ``build`` would add a second set of weights), as Keras 3.
        """
        if self._state_locked:
            raise ValueError(f"Layer '{self.name}' is already built, so it cannot add weights any more: create every "
                             "weight in `build()` (or `__init__()`), as in Keras 3. Calling `build()` again on a "
                             "built layer would make a second set of weights; make a new layer instead")
        if isinstance(shape, str):
            raise ValueError(  # noqa: TRY004 - a ValueError, as Keras 3 raises
                f"`name` must be passed as a keyword argument. Received: add_weight({shape!r}, ...). "
                f"Use: add_weight(shape=..., name={shape!r}).")
        _check_keras_only_weight_arguments(autocast, aggregation, overwrite_with_gradient)
        shape = _weight_shape(shape)
        dtype = dtype_name(dtype) if dtype is not None else self.dtype
        floating = "float" in dtype
        if initializer is None:     # Keras' defaults: glorot_uniform for a float weight, zeros for another
            initializer = "glorot_uniform" if floating else "zeros"
        if name is None:  # Keras' default name, numbered within the layer
            taken = {w.name for w in self._own_weights}
            name, count = "variable", 0
            while name in taken:
                count += 1
                name = f"variable_{count}"
        init = initializers.get(initializer)
        trainable = flag(trainable, "trainable", "add_weight")
        if not floating:
            _check_integer_weight(self.name, name, dtype, init, trainable)
        made_here = isinstance(init, initializers.Initializer)      # generated in float64, then cast
        weight_fits(self.name, name, shape, dtype, float64_first=made_here)
        # an integer weight: zeros, ones or a constant made in float64 and cast (Constant(2.7) is 2, as Keras)
        value = init(shape, dtype=dtype if floating or not made_here else "float64")
        value = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
        # a weight created in a frozen layer is frozen too, until the layer is unfrozen (Keras' _track_variable)
        weight = Tensor(value, dtype=dtype, requires_grad=trainable and self.trainable, backend=self._backend)
        if trainable:
            self._trainable_variables.append(weight)
        weight.name = name
        with layer_scope(self, fix_parent=False):       # Keras' name_scope(self.name, caller=self)
            weight.path = current_path() + "/" + name
        weight.constraint = constraints.get(constraint)
        if regularizer is not None:
            self._regularizers.append((weight, regularizers.get(regularizer)))
        self._own_weights.append(weight)
        return weight

    def __setattr__(self, name, value):
        # Remember which attributes may hold sub-layers, so that collecting weights does not scan every attribute
        # on every training step. Lists, tuples and dicts are remembered whatever they hold now: they may grow
        # later (Keras 3 tracks them too, nested ones included: its TrackedList and TrackedDict).
        object.__setattr__(self, name, value)
        holders = self.__dict__.setdefault("_layer_attributes", {})
        # (a property's setter keeps the value elsewhere: `layer.trainable = []` is False, as in Keras)
        if (isinstance(value, (Layer, list, tuple, dict, set)) and name not in _INTERNAL_CONTAINERS
                and not isinstance(getattr(type(self), name, None), property)):
            holders[name] = None
        else:
            holders.pop(name, None)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        self.__dict__.get("_layer_attributes", {}).pop(name, None)

    def _sublayers(self):
        """Layers held in attributes, directly or in lists, tuples and dicts (a dict's values in its order), nested
        ones too (``[[Dense(3)], [Dense(2)]]``), in attribute order, each container walked depth first: the order
        in which Keras 3 tracks them (``Layer._layers``), which gives the order of :attr:`weights`."""
        found = []
        values = self.__dict__
        for name in self._layer_attributes:
            value = values[name]
            if isinstance(value, Layer):                    # the common cases first, without layers_in's walk
                if value is not self:
                    found.append(value)
            elif type(value) is list and all(isinstance(v, Layer) and v is not self for v in value):
                found.extend(value)
            else:
                found.extend(layers_in(value, self))
        return found

    def _own_weights_in_keras_order(self) -> list:
        """This layer's own weights (not its sub-layers') in Keras 3's order (``Layer.weights`` and
        ``save_own_variables``: ``_trainable_variables + _non_trainable_variables``): those created trainable first,
        then the others, each in creation order. A layer of your own that makes a non-trainable weight before a
        trainable one (``shift``, then ``scale``) lists ``scale``, ``shift``, as Keras does, so that
        ``set_weights(keras_model.get_weights())`` and ``.keras`` files put each value in its weight. Freezing a
        layer (``trainable = False``) does not change the order, as in Keras."""
        own = self._own_weights
        created_trainable = self._trainable_variables
        if len(created_trainable) in (0, len(own)):        # all made trainable, or none: creation order
            return list(own)
        ids = {id(w) for w in created_trainable}
        return [w for w in own if id(w) in ids] + [w for w in own if id(w) not in ids]

    @property
    def weights(self) -> list:
        """All weights: this layer's own (those created trainable first, as Keras 3), then those of its
        sub-layers."""
        out = self._own_weights_in_keras_order()
        seen = {id(w) for w in out}         # a weight shared by two sub-layers is listed once, where it first shows
        for layer in self._sublayers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def trainable_weights(self) -> list:
        """The weights the optimizer updates: none for a frozen layer; else every weight (its own and its
        sub-layers') whose flag is on, as Keras 3 (a sub-layer unfrozen inside a frozen one counts again once the
        outer layer is trainable)."""
        if not self.trainable:
            return []
        return [w for w in self.weights if w.requires_grad]

    @property
    def non_trainable_weights(self) -> list:
        """The weights the optimizer leaves alone: every weight of a frozen layer; else those whose flag is off
        (``BatchNormalization``'s moving statistics, a frozen sub-layer's weights), in the order of :attr:`weights`,
        as Keras 3."""
        trainable = self.trainable_weights
        return [w for w in self.weights if all(w is not t for t in trainable)]

    # Keras 3's other names for these lists (``keras.layers.Layer.variables``, ``trainable_variables``,
    # ``non_trainable_variables``): PyTorch users know `parameters()`, Keras 3 users know these.
    @property
    def variables(self) -> list:
        """Keras 3's ``Layer.variables``: every weight, in the order of :attr:`weights` (this layer's own, then its
        sub-layers'), and the same Tensors (not copies).

        One difference: Keras also lists here the state of the random seed of each layer that draws random numbers
        (``Dropout``'s ``seed_generator_state``, a non-trainable integer variable); layers here draw from
        :func:`tinygradconv.random.generator` or their own NumPy generator, which are not weights, so ``variables``
        is the list of ``weights``.

        >>> import numpy as np
        >>> from tinygradconv.layers import BatchNormalization, Dense
        >>> from tinygradconv.models import Sequential
        >>> model = Sequential([Dense(2, name="d"), BatchNormalization(name="bn")], name="m")
        >>> _ = model(np.ones((3, 4)))
        >>> [w.name for w in model.variables]
        ['kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance']
        >>> [w.path for w in model.non_trainable_variables]
        ['m/bn/moving_mean', 'm/bn/moving_variance']
        >>> model.layers[0].trainable = False
        >>> [w.path for w in model.trainable_variables]
        ['m/bn/gamma', 'm/bn/beta']
        """
        return self.weights

    @property
    def trainable_variables(self) -> list:
        """Keras 3's ``Layer.trainable_variables``: the weights the optimizer updates, as :attr:`trainable_weights`
        (none for a frozen layer)."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        """Keras 3's ``Layer.non_trainable_variables``: the other weights, as :attr:`non_trainable_weights` (all of
        them for a frozen layer; Keras adds its random-seed states, see :attr:`variables`)."""
        return self.non_trainable_weights

    def count_params(self) -> int:
        """The number of scalars in all weights.

        Raises:
            ValueError: the layer is not built yet (its weights do not exist), as Keras 3 raises (it returned 0).
        """
        if not self.built and not self.weights:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             "You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(w.size for w in self.weights))

    def get_weights(self) -> list:
        """The weights as NumPy arrays, in Keras layouts and order: copies, which never share the weights' memory."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from arrays of the right shapes (same order as :meth:`get_weights`).

        The values are *copied* into the weights (as Keras' ``variable.assign`` does): changing the arrays afterwards
        does not change the layer. Every shape is checked before anything is assigned.

        Raises:
            ValueError: a wrong number of arrays, a wrong shape, or a layer that has no weights yet because it
                was never built (build it, or call it on data, first).
            TypeError: a single array instead of a list of them (Keras takes its rows for the arrays and reports
                a wrong number of weights).
        """
        own = self.weights
        if isinstance(weights, (np.ndarray, Tensor)):        # its rows would be taken for the arrays
            raise TypeError(f"Layer '{self.name}': set_weights expects a list of arrays, one per weight "
                            f"({[w.path for w in own]}); received a single array of shape {tuple(weights.shape)}. "
                            "Pass a list, e.g. set_weights([kernel, bias]) (the order of get_weights())")
        weights = list(weights)
        if len(weights) != len(own) and not self.built:
            raise ValueError(f"Cannot set the weights of '{self.name}' ({type(self).__name__}): it is not built "
                             f"yet, so it has {'no' if not own else f'only {len(own)}'} weights, and {len(weights)} "
                             "arrays were given. Build it first: call it on a batch of data, or "
                             ".build(input_shape).")
        if len(weights) != len(own):
            raise ValueError(f"Layer '{self.name}' expects {len(own)} weight arrays "
                             f"({[w.path for w in own]}), but received {len(weights)}")
        arrays = []
        for w, value in zip(own, weights):
            value = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            if value.shape != w.shape:
                raise ValueError(f"Layer '{self.name}': weight '{w.path}' has shape {w.shape}, but the array "
                                 f"received has shape {value.shape}")
            if value.dtype.kind not in "biuf":
                raise TypeError(f"Layer '{self.name}': weight '{w.path}' takes numbers, but the array received "
                                f"holds {value.dtype} values")
            arrays.append(value)
        for w, value in zip(own, arrays):  # only after every shape was checked: all or nothing
            w.data = w.backend.asarray(value, dtype=w.dtype, copy=True)  # never the caller's array

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss) -> None:
        """Add a scalar penalty (a Tensor) to the losses of the current call."""
        self._call_losses.append(loss)

    @property
    def losses(self) -> list:
        """The losses added by the last call, then the regularization penalties of the weights (current values), in
        Keras 3's order (``Layer.losses``): first this layer's call losses (``add_loss``, activity regularizer), then
        those of every nested layer in the order of :meth:`_nested_layers`, then one penalty per regularized weight
        in the order of ``trainable_weights``: a frozen layer's or weight's penalty is left out, as Keras 3
        (``Layer._get_regularization_losses``) leaves it out of the loss."""
        nested = self._nested_layers()
        out = list(self._call_losses)
        for layer in nested:
            out.extend(layer._call_losses)
        penalties = {id(w): reg for layer in (self, *nested) for w, reg in layer._regularizers}
        out.extend(penalties[id(w)](w) for w in self.trainable_weights if id(w) in penalties)
        return out

    def _nested_layers(self) -> list:
        """Every layer inside this one, once each, in the order Keras 3 walks them (``Layer._flatten_layers``):
        depth first, where the sub-layers of a visited layer are queued at the front one after the other, so that
        they come out in reverse order (sub-layers ``[a, b]`` of a nested layer are visited ``b``, then ``a``; the
        top layer's own sub-layers keep their order)."""
        queue, seen, out = collections.deque(self._sublayers()), set(), []
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            queue.extendleft(layer._sublayers())
        return out

    # ------------------------------------------------------------------ masks
    @property
    def supports_masking(self) -> bool:
        """Whether the layer passes a mask on (Keras 3's ``supports_masking``): the mask its input carries, or the
        one :meth:`compute_mask` makes, is set on its output. True for the layers Keras 3.15 marks so (``Dense``,
        ``Activation``, ``Dropout``, the normalizations, the activation layers, ``GlobalAveragePooling1D``,
        ``Masking``, ``Embedding(mask_zero=True)``) and for a layer of your own that overrides
        :meth:`compute_mask`; settable (``self.supports_masking = True`` in ``__init__``, the Keras idiom). A layer
        that does not support masking and receives a masked input warns, as Keras 3, and its output has no mask."""
        value = self.__dict__.get("_supports_masking")
        if value is None:
            cls = type(self)
            value = _passes_masks_in_keras(cls) or cls.compute_mask is not Layer.compute_mask
        return value

    @supports_masking.setter
    def supports_masking(self, value):
        self.__dict__["_supports_masking"] = bool(value)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the output, from the input's (``previous_mask``, a bool Tensor or None): Keras 3's default
        returns it unchanged. Used only when :attr:`supports_masking` is True."""
        return previous_mask

    # ------------------------------------------------------------------ calling
    @_build_then_lock
    def build(self, input_shape) -> None:
        """Create the weights, knowing the input shape. The default creates none."""
        self.built = True

    def call(self, inputs, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    def _to_input(self, inputs):
        """``inputs`` as a Tensor for ``call``: float data (a Tensor, a NumPy array, lists of numbers) of the layer's
        dtype, as Keras 3 casts floats to the compute dtype; integer and bool data keep their dtype (a NumPy array
        of them too: ``Flatten()(np.ones((2, 3), "int32"))`` is int32, as in Keras), unless the layer computes in
        floats (``casts_integer_inputs``: Dense, Conv1D, normalization...), which casts them to its dtype."""
        if not isinstance(inputs, Tensor):
            from ..models import integer_data_tensor  # models imports this module: looked up here

            kept = integer_data_tensor(inputs, self._backend)
            if kept is None:
                return Tensor(inputs, dtype=self.dtype, backend=self._backend)
            inputs = kept
        name = dtype_name(inputs.dtype)
        if name != self.dtype and (name.startswith("float") or self.casts_integer_inputs):
            cast = inputs.astype(self.dtype)  # Keras casts float inputs to the layer's dtype
            if cast._ctx is None and cast.name is None:
                # no gradient recorded the cast (the data need none): the copy is a new leaf, and plot_graph titled
                # it "input" where a float32 x was titled "x" (found by a teacher): it keeps the data's name
                cast.name = inputs.name
            return cast
        return inputs

    def _to_argument(self, value):
        """An argument of ``call`` other than ``inputs``: a NumPy array made a Tensor of its dtype, then a float one
        cast to the layer's dtype, as Keras 3 converts them (integers and bools, such as a mask, keep theirs);
        anything else as it is."""
        if isinstance(value, (np.ndarray, np.generic)):      # a NumPy number too, as Keras 3 converts it
            value = Tensor(np.asarray(value), dtype=dtype_name(value.dtype), backend=self._backend)
        if isinstance(value, Tensor) and dtype_name(value.dtype).startswith("float"):
            return self._to_input(value)
        return value

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Build the layer on its first call (``build`` gets the input shape), then return ``call(inputs)``.

        ``inputs``: a Tensor, a NumPy array or nested lists of numbers (one input), or, as in Keras 3, a list, tuple
        or dict of them, at any depth (several inputs: ``call`` receives the same structure of Tensors and ``build``
        the same structure of shapes, lists holding them). Symbolic tensors (from ``layers.Input``), alone or in
        such a structure, record a call of the functional API instead (see
        :func:`~tinygradconv.layers.input_layer.symbolic_call`). ``training`` (a bool or None) is passed on to a
        ``call`` that takes it.

        >>> import numpy as np
        >>> class Difference(Layer):
        ...     def call(self, parts):
        ...         return parts["a"] - parts["b"]
        >>> Difference()({"a": np.ones((1, 2)), "b": np.ones((1, 2))}).numpy().tolist()
        [[0.0, 0.0]]

        Other arguments (``args``, ``kwargs``) go to ``call`` as they are given, as in Keras 3: a layer of your own
        with ``call(self, query, value)`` is called as ``layer(q, v)`` or ``layer(q, value=v)``. NumPy arrays and
        Tensors among them are converted as ``inputs`` is (float ones to the layer's dtype); symbolic tensors among
        them are inputs of the recorded call (a model gets them from the graph). ``build`` gets the shape of
        ``inputs`` only, unless it takes several arguments named after those of ``call``, as Keras 3 matches them:
        ``build(self, query_shape, value_shape)`` gets one shape for each (:func:`build_arguments`). As in Keras
        3, only tensors (and NumPy numbers) may come by position: Python numbers, strings and bools (``training``
        too) are passed by name. ``training`` given to a call on symbolic tensors
        (``Dropout(0.5)(x, training=True)``) is recorded with it, as Keras records it: the model then applies it
        unless it is called with a ``training`` of its own.

        >>> class Attend(Layer):
        ...     def call(self, query, value):
        ...         return query * value.sum(axis=-1, keepdims=True)
        >>> Attend()(np.ones((1, 2)), np.full((1, 3), 2.0)).numpy().tolist()
        [[6.0, 6.0]]

        Masks, as Keras 3 (see :attr:`supports_masking`): the mask a Tensor input carries (``_keras_mask``, set by
        ``Embedding(mask_zero=True)`` or ``Masking``) is given to a ``call`` that takes ``mask`` (unless a mask is
        given), and set on the output by a layer that supports masking (:meth:`compute_mask`); another layer warns
        that it drops it. Several inputs (a list, tuple or dict) give ``call`` and :meth:`compute_mask` their masks
        in the same structure (None for an input without one), as Keras 3 does.

        Each op that records a gradient during the call keeps which layer call ran it (``tensor._ctx.layer_call``,
        the innermost layer's when a model calls its layers): :func:`~tinygradconv.viz.plot_graph` titles the
        tensors it makes ``"dense_1/matmul"`` and a layer's second call ``"dense_1 (call 2)"``.

        A layer that takes one tensor (``single_input``: every built-in layer but the merge layers) refuses a list,
        tuple or dict of tensors, as Keras' input specs refuse several (``Layer "dense" expects 1 input(s), but it
        received 2 input tensors``): two arrays are never stacked into one batch.

        Raises:
            TypeError: ``training`` not a bool; ``call`` returned something other than Tensors.
            ValueError: a structure of tensors given to a layer that takes one (:func:`several_inputs_error`); a
                number, string or bool given by position after ``inputs``.
        """
        if self.single_input and is_structure(inputs):
            raise several_inputs_error(self, inputs)
        if args:
            _check_positional_tensors(self, args)
        if is_symbolic(inputs) or is_symbolic([list(args), kwargs]):
            # The functional API: record the call, compute no values (imported here: input_layer imports this module).
            from .input_layer import symbolic_call

            if args or kwargs:      # what call() would refuse, refused where the model is written (as Keras)
                _check_call_arguments(self, inputs, args, kwargs)
            if training is not None:    # recorded with the call, as Keras 3 records it (see Node.call_again)
                kwargs["training"] = flag(training, "training", f"Layer '{self.name}'")
            with layer_scope(self):     # a build here makes weights under this layer's path (Keras' _maybe_build)
                return symbolic_call(self, inputs, *args, **kwargs)
        # Every op recorded from here to the return is tagged with this call (the innermost layer's, when a model
        # calls its layers), so that plot_graph titles it "dense_1/matmul" and tells two calls of a layer apart.
        calls = _grad_state.layer_calls
        _grad_state.layer_calls = calls + ((self.name, next(_CALL_NUMBERS)),)
        try:
            with layer_scope(self):     # the layers built inside the call get paths under this one's (Keras)
                return self._call_eagerly(inputs, args, kwargs, training)
        finally:
            _grad_state.layer_calls = calls

    def _call_eagerly(self, inputs, args, kwargs, training):
        """The body of :meth:`__call__` on tensors (not symbolic ones): convert, build, call, name the outputs."""
        structured = is_structure(inputs)
        if structured:      # several inputs: a list, tuple or dict of arrays, at any depth
            # their masks in the inputs' structure (a dict for a dict), as Keras 3 gives them; None if there is none
            given = map_structure(get_keras_mask, inputs)
            previous_mask = given if any(m is not None for m in flatten(given)) else None
            inputs = map_structure(lambda x: None if x is None else _converted_keeping_mask(self, x), inputs)
            shape = map_structure(lambda x: None if x is None else x.shape, inputs, containers=list)
        else:
            previous_mask = get_keras_mask(inputs)
            inputs = _converted_keeping_mask(self, inputs)
            shape = inputs.shape
        if not self.built:
            first = next(x for x in flatten(inputs) if x is not None)
            self._backend = first.backend
            self.build(**build_arguments(self, shape, inputs, args, kwargs))   # which locks the layer
            self.built = True
        if args or kwargs:      # after the build: the first input's backend is the layer's
            args, kwargs = map_call_arguments(self._to_argument, args, kwargs)
        self._call_losses = []
        if training is not None:                # "False" would read as true (found by a tester)
            flag(training, "training", f"Layer '{self.name}'")
        if call_takes(self, "training"):
            kwargs["training"] = training
        if kwargs.get("mask") is not None:      # a mask given to the call is the one passed on (Keras' rule)
            previous_mask = kwargs["mask"]
        elif (previous_mask is not None or structured) and not args and call_takes(self, "mask"):
            # Keras 3 gives call() the input's mask, when call() takes `mask`: for several inputs, one per input in
            # their structure (None for an input without one, [None, None] when neither has one)
            kwargs["mask"] = previous_mask if previous_mask is not None else given
        outputs = self.call(inputs, *args, **kwargs)
        _check_outputs(self, outputs)
        self._set_output_mask(inputs, outputs, previous_mask)
        if isinstance(outputs, Tensor):
            if outputs.name is None and _made_by_call(outputs, inputs, args, kwargs):
                outputs.name = self.name    # plot_graph titles the box "dense_1", the layer that made it
        elif outputs is not None:
            # several outputs: "split:0", "split:1", numbered as Keras numbers a layer's output tensors (the tensor
            # index of their _keras_history, None entries counted) and as TensorFlow names an op's outputs
            for index, output in enumerate(flatten(outputs)):
                if isinstance(output, Tensor) and output.name is None and _made_by_call(output, inputs, args, kwargs):
                    output.name = f"{self.name}:{index}"
        if self.activity_regularizer is not None:
            # one penalty per output tensor, each divided by its batch size, as Keras 3 (tree.flatten(outputs)):
            # an LSTM with return_state=True adds three, for the output, h and c
            for output in flatten(outputs):
                if isinstance(output, Tensor):
                    batch = output.shape[0] if output.ndim else 1
                    self.add_loss(self.activity_regularizer(output) / max(batch, 1))
        return outputs

    def _set_output_mask(self, inputs, outputs, previous_mask):
        """Keras 3's ``_set_mask_metadata``: a layer that supports masking sets :meth:`compute_mask`'s mask on each
        output that has none yet; any other layer given a masked input warns that the mask is dropped."""
        if previous_mask is None and type(self).compute_mask is Layer.compute_mask:
            return          # the usual case, no mask anywhere: nothing to set (the default passes None on)
        if not self.supports_masking:
            if previous_mask is not None and any(m is not None for m in flatten(previous_mask)):
                warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input with a mask "
                              "attached to it. However, this layer does not support masking and will therefore "
                              "destroy the mask information. Downstream layers will not see the mask.",
                              stacklevel=caller_stacklevel())
            return
        flat = [t for t in flatten(outputs) if isinstance(t, Tensor)]
        if not flat or all(get_keras_mask(t) is not None for t in flat):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(flat, flatten(masks) if isinstance(masks, (list, tuple)) else [masks]):
            if get_keras_mask(tensor) is None and mask is not None:
                set_keras_mask(tensor, mask)

    def compute_output_shape(self, input_shape):
        raise NotImplementedError(f"{type(self).__name__} does not implement compute_output_shape()")

    # ------------------------------------------------------------------ the functional API
    @property
    def input(self):
        """The symbolic tensor (a list of them for several) that the layer's call on symbolic tensors received, as
        Keras 3's ``Layer.input``: see :attr:`output`, which follows the same rules."""
        return _call_tensors(self, "input")

    @property
    def output(self):
        """The symbolic tensor (a list of them for several) that the layer's call on symbolic tensors returned, as
        Keras 3's ``Layer.output``: the layer was called on ``layers.Input`` (or on tensors made from one), or is a
        layer of a ``Sequential`` model whose input shape is known (Keras builds such a model into a graph, calling
        each layer once). So a model that returns the features of inner layers can be made from them, the Keras
        pattern of feature extraction:

        >>> import numpy as np
        >>> from tinygradconv import layers, models
        >>> model = models.Sequential([layers.Input((8, 2)), layers.Conv1D(4, 3, name="c1"),
        ...                            layers.Conv1D(3, 3, name="c2"), layers.Dense(1)])
        >>> model.get_layer("c1").output
        <KerasTensor shape=(None, 6, 4), dtype=float32, from layer 'c1'>
        >>> features = models.Model(model.inputs, [layer.output for layer in model.layers])
        >>> [f.shape for f in features.predict(np.ones((2, 8, 2)))]
        [(2, 6, 4), (2, 4, 3), (2, 4, 1)]

        Raises:
            AttributeError: the layer was never called on symbolic tensors (a call on data records no graph), as
                Keras raises it ("has never been called and thus has no defined output").

        A layer called on symbolic tensors several times (shared by two calls or two models) gives its first
        call's tensor, as Keras 3.15; the tensor each call returned (``y = layer(x)``) is the one to use there.
        """
        return _call_tensors(self, "output")

    def _check_built_input(self, input_shape) -> None:
        """Once built, check an input shape against what the weights were built for (Keras' ``input_spec``).

        Called on symbolic calls of a built layer, so that reusing it on a tensor of another width fails where
        the model is written, as in Keras. The default checks nothing; layers with weights override it and raise
        :func:`incompatible_input`'s ``ValueError``.
        """

    # ------------------------------------------------------------------ config
    def get_build_config(self):
        """The shapes the layer was built with, as Keras 3's ``Layer.get_build_config`` gives them (``.keras`` files
        hold it as each layer's ``build_config``): ``{"input_shape": shape}`` for a ``build`` of one argument (the
        shape as ``build`` received it: ``(2, 4)`` after a call on a batch of 2, ``(None, 4)`` when built by a model
        from ``layers.Input((4,))``); ``{"shapes_dict": {"a_shape": ..., "b_shape": ...}}`` for a ``build`` of
        several (see :meth:`__call__`); None for a layer not built (or built without its ``build``), and, as in
        Keras 3.15, always None for ``Activation``, ``Dropout``, ``ELU``, ``LeakyReLU``, ``ReLU``, ``Reshape``,
        ``Softmax``, ``GaussianNoise``, ``GaussianDropout``, ``Identity`` and ``UnitNormalization`` (and classes
        derived from them: ``SpatialDropout1D``), which Keras builds when they are made, so that their ``build``
        never records a shape (``Flatten``, ``Cropping1D``, ``UpSampling1D`` and ``ZeroPadding1D`` do record it,
        there as here).

        >>> from tinygradconv.layers import Dense, Dropout
        >>> dense = Dense(3)
        >>> _ = dense(np.ones((2, 4)))
        >>> dense.get_build_config()
        {'input_shape': (2, 4)}
        >>> dropout = Dropout(0.5)
        >>> _ = dropout(np.ones((2, 4)))
        >>> dropout.get_build_config() is None
        True
        """
        shapes = self.__dict__.get("_build_shapes_dict")
        if shapes is None or _built_when_made_in_keras(type(self)):
            return None
        if len(shapes) == 1:
            return {"input_shape": next(iter(shapes.values()))}
        return {"shapes_dict": dict(shapes)}

    def build_from_config(self, config) -> None:
        """Build the layer from :meth:`get_build_config`'s output, as Keras 3's ``Layer.build_from_config``:
        ``build(config["input_shape"])``, or ``build(**config["shapes_dict"])``; nothing for None or ``{}``."""
        if config:
            if "input_shape" in config:
                self.build(config["input_shape"])
            elif "shapes_dict" in config:
                self.build(**config["shapes_dict"])

    def get_config(self) -> dict:
        """The constructor arguments, as JSON-friendly values, as Keras 3.15 writes them: ``dtype`` as Keras'
        serialized ``DTypePolicy`` (:func:`dtype_policy_config`; the constructor and :meth:`from_config` take it
        or a plain name), ``activity_regularizer`` only when there is one.

        A layer class of your own that does not override ``get_config`` gets its constructor arguments too, recorded
        when the layer was made, as Keras 3's auto config gives them (:mod:`tinygradconv.layers.auto_config`):
        ``NoCfg(2).get_config()`` of ``class NoCfg(Layer)`` with ``__init__(self, units, **kw)`` is ``{"units": 2,
        "trainable": True, "dtype": ...}`` (no ``name``: Keras keeps it only when ``__init__`` takes ``name`` or
        ``**kwargs`` by that name), so ``from_config``, ``clone_model`` and saving work without more code.

        Raises:
            NotImplementedError: such a layer made with arguments that are not plain values (str, int, float, bool,
                None, in lists, tuples and dicts), or passed through ``*args``: Keras 3's error, which asks for a
                ``get_config`` of your own.

        >>> from tinygradconv.layers import Dropout
        >>> Dropout(0.5, name="drop").get_config()["dtype"]["config"]
        {'name': 'float32'}
        """
        from .core import serialize  # (core imports this module)

        config = {"name": self.name}
        if _records_arguments(type(self)):      # a class of your own without get_config: Keras' auto config
            arguments = self.__dict__.get("_auto_config")
            if arguments is None:
                raise auto_config.missing_config_error(self, self.__dict__.get("_auto_config_error"))
            config = auto_config.config_with_name(self, arguments)
        config.update(trainable=self.trainable, dtype=dtype_policy_config(self.dtype))
        if self.activity_regularizer is not None:   # in Keras' form, as every layer's objects (core.serialize)
            config["activity_regularizer"] = serialize(self.activity_regularizer, "regularizer")
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild a layer from :meth:`get_config`'s output, or from Keras 3's (``keras.layers.Dense(2).get_config()``,
        with its ``DTypePolicy`` and ``{"module": "keras.initializers", ...}`` objects), translated as the model
        loaders translate it (:func:`tinygradconv.keras_format.layer_arguments`): Keras' arguments that our layers
        lack are accepted only with the value that switches the feature off (``quantization_config=None``,
        ``renorm=False``, ``rms_scaling=False``, ...), others are a ``ValueError`` that names them."""
        from ..keras_format import layer_arguments  # (keras_format imports the layers)

        return cls(**layer_arguments(cls, config))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}, built={self.built}>"


# model.parameters(), layer.zero_grad(), model.cpu(): an AttributeError that says what to write instead
install_module_hints(Layer)


def _call_tensors(layer, what):
    """``layer.input`` or ``layer.output`` (``what``): the tensors of the layer's first call on symbolic tensors that
    is not superseded (Keras' node 0), alone when there is one; when every call is superseded (a layer popped from a
    ``Sequential`` model), the first one's, as Keras keeps it; the ``AttributeError`` of :attr:`Layer.output` when
    the layer was never called on symbolic tensors."""
    every = layer.__dict__.get("_inbound_nodes", ())
    nodes = [node for node in every if not node.superseded] or list(every)
    if not nodes:
        raise AttributeError(
            f"Layer '{layer.name}' ({type(layer).__name__}) has never been called on a symbolic tensor and thus has "
            f"no defined {what} (a call on data, or building it, records no graph). Call it on one first, e.g. "
            f"y = layer(layers.Input(shape)), or read `{what}` of a layer of a Sequential model that starts with "
            f"layers.Input(shape) (or is built).")
    tensors = nodes[0].input_tensors if what == "input" else list(nodes[0].outputs)
    return tensors[0] if len(tensors) == 1 else tensors


def _check_outputs(layer, outputs):
    """``TypeError`` when ``layer``'s ``call`` returned something other than Tensors (alone, or in a list, tuple or
    dict): a NumPy array or another library's tensor carries no gradient, so the weights before it would silently
    stop training (``Conv1D(3, 2, activation=keras.activations.relu)`` trained nothing before this check, and
    neither did the layers before a ``call`` that returns ``np.maximum(x, 0)``)."""
    if isinstance(outputs, Tensor):
        return
    entries = outputs.values() if isinstance(outputs, dict) else outputs if isinstance(outputs, (list, tuple)) else None
    if entries is not None:
        for entry in entries:
            if entry is not None:          # a missing entry of a structure (``(z, None)``), as Keras takes it
                _check_outputs(layer, entry)
        return
    activation = getattr(layer, "activation", None)
    culprit = (f"its activation {getattr(activation, '__name__', activation)!r} returned it: an activation must be "
               "a name such as 'relu', a function of tinygradconv.activations or your own function of tinygradconv "
               "tensors" if activation is not None else "write `call` with tinygradconv ops")
    raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}) computed a {type(outputs).__module__}."
                    f"{type(outputs).__name__} where a tinygradconv Tensor was expected: no gradient flows through "
                    f"it, so the weights before it would not train; {culprit}")


def is_array(value) -> bool:
    """Whether ``value`` is one array of data: a Tensor, a NumPy array, or another library's tensor (PyTorch,
    CuPy, ...: it has a ``shape``, a ``dtype`` and ``__array__``), not a NumPy scalar.

    >>> is_array(np.ones(3)), is_array([1.0, 2.0]), is_array(np.float32(1))
    (True, False, False)
    """
    if isinstance(value, (Tensor, np.ndarray)):
        return True
    return (not isinstance(value, (np.generic, KerasTensor)) and hasattr(value, "__array__")
            and hasattr(value, "shape") and hasattr(value, "dtype"))


def is_structure(inputs) -> bool:
    """Whether a layer's inputs are several (as Keras 3 takes them: a dict, or a list or tuple holding arrays,
    tensors, symbolic tensors or dicts, at any depth) rather than one array given as nested lists of numbers.

    >>> is_structure([np.ones(3), np.ones(3)]), is_structure({"a": np.ones(3)}), is_structure([[1.0, 2.0]])
    (True, True, False)
    """
    if isinstance(inputs, dict):
        return True
    return isinstance(inputs, (list, tuple)) and any(
        is_array(x) or isinstance(x, KerasTensor) or is_structure(x) for x in inputs)


def several_inputs_error(layer, inputs, argument=None, names=None) -> ValueError:
    """The ``ValueError`` for ``inputs``, a list, tuple or dict of tensors (:func:`is_structure`), given to
    ``layer``, which takes one tensor. For a model, ``argument`` is the argument that received them (``"inputs"``
    of a call, ``"x"`` of ``predict``, ``fit`` or ``evaluate``, ``"validation_data[0]"``) and ``names`` the name of
    a functional model's one input (a dict keyed by it is the other way to pass it). The tensors counted are the
    leaves that are not None:

    - several: Keras' "expects 1 input(s), but it received 2 input tensors" (its input specs), with the layer
      named;
    - a list or tuple holding one (Keras refuses it too, with a shape error; a model takes a list of one array as
      that array, and never gets here with one): pass the tensor itself;
    - a dict, for a model without input names: dicts of arrays are for functional models with named ``Input``
      layers (Keras 3 refuses a dict given to a ``Sequential``: "The structure of `inputs` doesn't match").

    >>> print(several_inputs_error(Layer(name="layer"), [np.ones(3), np.ones(3)]))
    Layer 'layer' (Layer) expects 1 input, but it received 2 input tensors (a list of 2). Pass one tensor or array (a list of arrays is never stacked into one).
    >>> print(several_inputs_error(Layer(name="layer"), [np.ones(3), None]))
    Layer 'layer' (Layer) expects 1 input, but it received a list holding one tensor: pass the tensor itself.
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    count = sum(leaf is not None for leaf in flatten(inputs))
    who = f"{'Model' if argument else 'Layer'} '{layer.name}' ({type(layer).__name__})"
    expected = f"1 named input with keys {names}" if names else "1 input"
    keyed = f", or a dict {{{names[0]!r}: array}}" if names else ""
    if isinstance(inputs, dict) and not names:
        received = f"a dict with keys {list(inputs)}"
        advice = ": pass the tensor itself"
        if argument:
            advice = (". A dict of arrays, one per named Input layer, is taken by functional models "
                      "(models.Model(inputs, outputs)); this model has a single input: pass the array itself")
    elif count == 1:
        received = f"a {type(inputs).__name__} holding one tensor"
        advice = f": pass the tensor itself{keyed}"
    else:
        kind = type(inputs).__name__
        held = f"a dict with keys {list(inputs)}" if isinstance(inputs, dict) else f"a {kind} of {count}"
        received = f"{count} input tensors ({held})"
        advice = f". Pass one {'array' if names else 'tensor or array'}{keyed} (a list of arrays is never stacked " \
                 "into one)"
    return ValueError(f"{f'Invalid value for argument `{argument}`: ' if argument else ''}{who} expects {expected}, "
                      f"but it received {received}{advice}.")


#: A layer's and a model's own bookkeeping containers, never searched for sub-layers (the fit-time cache of
#: weights, the compile arguments and the output shapes of a model among them).
_INTERNAL_CONTAINERS = frozenset({"_own_weights", "_trainable_variables", "_regularizers", "_call_losses",
                                  "_step_cache", "_compile_call", "_output_shapes"})


def layers_in(value, owner=None) -> list:
    """The layers in ``value``: itself if it is a layer, else those in it if it is a list, tuple, set or dict (a
    dict's values, in its order; a set's in its iteration order), nested containers walked depth first, each
    container once; ``owner`` left out (a layer
    holding itself). The order in which Keras 3's ``Tracker`` tracks the layers of an attribute."""
    found, seen = [], set()

    def walk(item):
        if isinstance(item, Layer):
            if item is not owner:
                found.append(item)
        elif isinstance(item, (list, tuple, dict, set)) and id(item) not in seen:
            seen.add(id(item))
            for inner in (item.values() if isinstance(item, dict) else item):
                walk(inner)

    walk(value)
    return found


def build_arguments(layer, input_shape, inputs, args, kwargs) -> dict:
    """The keyword arguments of ``layer.build`` for its first call ``layer(inputs, *args, **kwargs)``, by Keras 3's
    rule (``Layer._maybe_build``, ``update_shapes_dict_for_target_fn``):

    - a ``build`` of one argument (``build(self, input_shape)``, whatever its name) gets ``input_shape``, the
      shape (or structure of shapes) of ``inputs``;
    - a ``build`` of several gets one shape per tensor argument of ``call``, each by the name of that argument
      with ``_shape`` added: ``build(self, a_shape, b_shape)`` for ``call(self, a, b)``. An argument of ``call``
      that received no tensor (None, a number) is not passed, so the ``build``'s default is used. A list, tuple or
      dict of tensors gives a list or dict of shapes, as ``input_shape`` does. ``mask`` is never passed.

    Tensors are Tensors, arrays (NumPy, another library's) and symbolic tensors (``layers.Input``).

    Raises:
        ValueError: a ``build`` of several arguments where one does not end in ``_shape``, or names no argument of
            ``call``, in Keras 3's words.

    >>> class Pair(Layer):
    ...     def build(self, a_shape, b_shape):
    ...         self.w = self.add_weight((a_shape[-1], b_shape[-1]), initializer="ones", name="w")
    ...     def call(self, a, b):
    ...         return (a @ self.w) * b
    >>> Pair()(np.ones((2, 3)), np.full((2, 4), 2.0)).numpy().tolist()
    [[6.0, 6.0, 6.0, 6.0], [6.0, 6.0, 6.0, 6.0]]
    """
    parameters = [p for p in inspect.signature(layer.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if len(parameters) == 1:
        return {parameters[0].name: input_shape}
    call_parameters = inspect.signature(type(layer).call).parameters
    if not call_takes(layer, "training"):       # (a symbolic call records it; such a call() is not given it)
        kwargs = {key: value for key, value in kwargs.items() if key != "training"}
    _check_call_arguments(layer, inputs, args, kwargs)
    bound = inspect.signature(type(layer).call).bind(layer, inputs, *args, **kwargs)
    bound.apply_defaults()
    shapes = {}
    for position, (name, value) in enumerate(bound.arguments.items()):
        if position == 0 or name == "mask" or call_parameters[name].kind in (inspect.Parameter.VAR_POSITIONAL,
                                                                             inspect.Parameter.VAR_KEYWORD):
            continue          # self; a mask and the catch-alls are left out, as Keras leaves them out
        if position == 1:
            shapes[f"{name}_shape"] = input_shape
        elif _is_tensor(value):
            shapes[f"{name}_shape"] = tuple(value.shape)
        elif isinstance(value, (list, tuple, dict)) and value and all(
                leaf is None or _is_tensor(leaf) for leaf in flatten(value)):
            shapes[f"{name}_shape"] = map_structure(lambda t: None if t is None else tuple(t.shape), value,
                                                    containers=list)
    out = {}
    for parameter in parameters:
        name = parameter.name
        lead = ("For a `build()` method with more than one argument, all arguments should have a `_shape` suffix "
                "and match an argument from `call()`. E.g. `build(self, foo_shape, bar_shape)`. For layer "
                f"'{type(layer).__name__}', ")
        if not name.endswith("_shape"):
            raise ValueError(f"{lead}received `build()` argument `{name}`, which does not end in `_shape`.")
        if name[:-len("_shape")] not in call_parameters:
            raise ValueError(f"{lead}received `build()` argument `{name}`, but `call()` does not have argument "
                             f"`{name[:-len('_shape')]}`.")
        if name in shapes:
            out[name] = shapes[name]
    return out


def _is_tensor(value) -> bool:
    """A tensor argument of a call, for :func:`build_arguments`: a Tensor, an array, a symbolic tensor."""
    return isinstance(value, KerasTensor) or is_array(value)


def _check_call_arguments(layer, inputs, args, kwargs):
    """A ``TypeError`` naming the layer when ``call`` does not take these arguments (``Dense(2)(x, foo=1)``): on
    symbolic tensors a built layer is not run, and the model failed only when run."""
    try:
        inspect.signature(type(layer).call).bind(layer, inputs, *args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"Layer '{layer.name}' ({type(layer).__name__}): its call() does not take these arguments: "
                        f"{exc}") from None


def _check_positional_tensors(layer, args):
    """Keras 3's rule: the arguments of a call given by position after the first are tensors (or arrays, NumPy
    numbers, structures of them, or None); a Python number, string or bool there is a ``ValueError`` saying to
    pass it by name (so ``layer(x, True)`` is refused: ``training=True``)."""
    for leaf in flatten(list(args)):
        if isinstance(leaf, (numbers.Number, str, bytes)) and not isinstance(leaf, np.generic):
            raise ValueError(  # noqa: TRY004 - a ValueError, as Keras 3 raises
                f"Layer '{layer.name}' ({type(layer).__name__}): only tensors may be passed by position "
                f"after the first argument (as in Keras 3). Pass this one by name, as a keyword argument: {leaf!r} "
                f"(of type {type(leaf).__name__})")


def _converted_keeping_mask(layer, x):
    """``layer._to_input(x)``, carrying the mask ``x`` carries (a cast to the layer's dtype keeps it, as in Keras)."""
    mask = get_keras_mask(x)
    converted = layer._to_input(x)
    if mask is not None and converted is not x:
        set_keras_mask(converted, mask)
    return converted


def call_takes(call, argument, any_keyword=False) -> bool:
    """Whether ``call`` takes an argument named ``argument``: Keras 3's rule (its ``_call_has_training_arg``,
    ``_call_has_mask_arg``, and ``Lambda``'s ``_fn_expects_mask_arg``), by which ``training`` and ``mask`` are passed
    only to a ``call`` that names them; a ``**kwargs`` does not count (Keras passes neither to ``call(self, x,
    **kwargs)``), unless ``any_keyword`` (the question is then whether the call accepts the keyword at all).

    Args:
        call: a layer or a layer class (its ``call``, whose parameters are read once per class), or a function (a
            ``Lambda``'s); one whose parameters Python cannot read (some builtins) takes nothing.
        argument: the name, ``"training"``, ``"mask"``, ...
        any_keyword: count a ``**kwargs`` parameter as taking every name.

    >>> class Scale(Layer):
    ...     def call(self, x, training=None, **kwargs):
    ...         return x
    >>> call_takes(Scale, "training"), call_takes(Scale(), "mask"), call_takes(Scale, "mask", any_keyword=True)
    (True, False, True)
    >>> call_takes(lambda t, mask=None: t, "mask")
    True
    """
    if isinstance(call, Layer):
        call = type(call)
    names, var_keyword = _class_call_parameters(call) if isinstance(call, type) else _parameters(call)
    return argument in names or (any_keyword and var_keyword)


def _parameters(function):
    """The names of ``function``'s parameters, and whether one is ``**kwargs`` (none when Python cannot tell)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return frozenset(), False
    return frozenset(p.name for p in parameters), any(p.kind is p.VAR_KEYWORD for p in parameters)


@functools.cache
def _class_call_parameters(cls):
    """:func:`_parameters` of ``cls.call``, read once per class."""
    return _parameters(cls.call)


def incompatible_input(layer, input_shape, axis=None, value=None, ndim=None) -> ValueError:
    """Keras 3's input-spec error for ``layer``: the expected size of ``axis`` (or the expected rank ``ndim``)."""
    shape = tuple(input_shape)
    if ndim is not None:
        return ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected ndim={ndim}, "
                          f"found ndim={len(shape)}. Full shape received: {shape}")
    return ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: expected axis {axis} of "
                      f"input shape to have value {value}, but received input with shape {shape}")


def _weight_shape(shape) -> tuple:
    """``add_weight``'s ``shape`` as a tuple of non-negative ints, refused with Keras 3's messages otherwise
    (``Cannot convert '(2.5,)' to a shape. Found invalid dimension '2.5' ...``). One difference: Keras reads a bool
    dimension as 0 or 1; here it is refused like a float, as every shape in the package (``reshape`` too).

    >>> _weight_shape([2, 3]), _weight_shape(None)
    ((2, 3), ())
    >>> _weight_shape((2.5,))
    Traceback (most recent call last):
    ...
    ValueError: Cannot convert '(2.5,)' to a shape. Found invalid dimension '2.5' of type '<class 'float'>'.
    """
    if shape is None:
        return ()
    if not isinstance(shape, (tuple, list)) and not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    dims = tuple(shape)
    if any(n is None for n in dims):
        raise ValueError("Shapes used to initialize variables must be fully-defined (no `None` dimensions). "
                         f"Received: shape={shape}")
    checked = []
    for n in dims:
        try:
            checked.append(integer(n, "shape", minimum=None))
        except TypeError:
            raise ValueError(f"Cannot convert '{shape}' to a shape. Found invalid dimension '{n}' of type "
                             f"'{type(n)}'.") from None
    if any(n < 0 for n in checked):
        raise ValueError(f"Cannot convert '{shape}' to a shape. Negative dimensions are not allowed.")
    return tuple(checked)
