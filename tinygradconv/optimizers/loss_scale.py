"""Dynamic loss scaling for float16 training, as Keras 3's ``keras.optimizers.LossScaleOptimizer``: a wrapper that
unscales the gradients, skips the steps whose gradients are not finite, and adjusts the scale."""
from __future__ import annotations

import numpy as np

from ..backend import dtype_name
from ..config import _FLOAT_TYPES
from ..tensor import Tensor
from ..validation import integer, number, refuse_foreign
from .optimizer import Optimizer, _check_distinct, _variable_list, fresh_copy

#: The base optimizer's arguments that Keras' LossScaleOptimizer accepts with their default values only (older
#: configs hold them).
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with dynamic loss scaling, so that the small gradients of a float16 model do not
    underflow to 0.

    The loss is multiplied by the scale ``S`` before the backward pass (:meth:`scale_loss`; ``Model.fit`` calls it),
    so every gradient is ``S`` times too large; then each :meth:`apply` (``step``, ``apply_gradients``) does::

        if every gradient is finite:
            inner_optimizer.apply([g / S for g in grads], variables)
            counter += 1; if counter == dynamic_growth_steps: S <- 2 S, counter = 0
        else:                                   (an inf or NaN: the scale was too large)
            the step is skipped (no update, iterations unchanged); S <- S / 2, counter = 0

    ``S`` starts at ``initial_scale`` and is kept in float32 (Keras' ``dynamic_scale`` variable); the gradients
    are divided in their own dtype. A gradient of None is left out of the check and passed on as None.

    As in Keras, the wrapper has no hyperparameters of its own: ``learning_rate`` and ``iterations`` are the inner
    optimizer's (read and set through it), and weight decay, clipping and ``use_ema`` are set on the inner
    optimizer (:meth:`exclude_from_weight_decay`, :attr:`ema_weights` and :meth:`finalize_variable_values` are
    passed on to it). ``optimizer.variables`` is Keras' list: the wrapper's own step count (always 0) and rate
    (0.0), then once built ``"<name>/step_counter"`` and ``"<name>/dynamic_scale"``, then the inner optimizer's
    variables; a ``.keras`` file of a model compiled with it loads compiled here and in Keras, and training goes
    on with the same scale.

    Args:
        inner_optimizer: an optimizer of :mod:`tinygradconv.optimizers` (its weight decay, clipping and EMA apply).
        initial_scale: a finite number ``> 0``, default ``2 ** 15``.
        dynamic_growth_steps: an integer ``>= 1``, default 2000.
        name: default ``"loss_scale_optimizer"``.
        **kwargs: Keras' base arguments (``weight_decay``, ``clipnorm``, ...) with their default values only, as
            older Keras configs hold them, and ``dynamic=True``.

    Raises:
        ValueError: ``dynamic=False`` (Keras' message: set a fixed scale on the inner optimizer, which here is not
            supported), a base argument with another value than its default (Keras' message: set it on the inner
            optimizer), another argument (Keras' message), ``initial_scale`` or ``dynamic_growth_steps`` out of
            range (Keras checks neither).
        TypeError: ``inner_optimizer`` not an optimizer of this library (a Keras or PyTorch one included), a scale
            that is not a number, a growth step count that is not an integer.

    Source: Keras 3.15, ``keras/src/optimizers/loss_scale_optimizer.py``
    (https://keras.io/api/mixed_precision/loss_scale_optimizer/); Micikevicius et al., "Mixed Precision
    Training" (https://arxiv.org/abs/1710.03740), section 3.2. PyTorch's ``torch.amp.GradScaler`` does the same
    (its default ``growth_interval`` is 2000 too, its initial scale ``2 ** 16``).

    >>> import tinygradconv as tg
    >>> from tinygradconv.optimizers import SGD
    >>> w = tg.tensor([1.0])
    >>> opt = LossScaleOptimizer(SGD(0.1), initial_scale=4.0, dynamic_growth_steps=2)
    >>> _ = opt.apply([tg.tensor([8.0])], [w])            # g / 4 = 2: w = 1 - 0.1 * 2
    >>> _ = opt.apply([tg.tensor([float("inf")])], [w])   # skipped; the scale halves
    >>> round(w.item(), 4), opt.iterations, opt.dynamic_scale
    (0.8, 1, 2.0)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):     # Keras' checks and messages, in its order
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for key, default in _BASE_DEFAULTS.items():
            if key in kwargs and kwargs.pop(key) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{key}`. Instead, set `{key}` on the "
                                 "`inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            refuse_foreign(inner_optimizer, "inner_optimizer", "an optimizer of tinygradconv.optimizers")
            raise TypeError("Invalid type for argument `inner_optimizer`. Expected an optimizer of "
                            f"tinygradconv.optimizers, e.g. Adam(). Received {type(inner_optimizer).__name__}: "
                            f"{inner_optimizer!r}")
        if isinstance(inner_optimizer, LossScaleOptimizer):
            raise TypeError("Invalid type for argument `inner_optimizer`: a LossScaleOptimizer would scale the "
                            "gradients twice. Expected another optimizer, e.g. Adam()")
        self.inner_optimizer = inner_optimizer      # before the base sets `iterations` and the rate through it
        super().__init__(learning_rate=0.0, name=name)
        self.initial_scale = float(number(initial_scale, "initial_scale", low=0, low_open=True, finite=True))
        self.dynamic_growth_steps = integer(dynamic_growth_steps, "dynamic_growth_steps", minimum=1)
        self.step_counter = 0
        self.dynamic_scale = float(np.float32(self.initial_scale))
        self._wrapping = True

    # ------------------------------------------------------------------ what is the inner optimizer's
    @property
    def iterations(self) -> int:
        """The inner optimizer's step count: a skipped step does not count."""
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        if self.__dict__.get("_wrapping"):     # not the base constructor's `iterations = 0`
            self.inner_optimizer.iterations = value

    @property
    def _learning_rate(self):
        """The inner optimizer's rate as it was given (a float, a schedule or a function), read and set through
        it: the base class's ``learning_rate`` (a live view, ``assign``, a schedule evaluated at the inner
        optimizer's step count, the refusal to set a schedule's rate) and every reader of ``_learning_rate`` (the
        savers) see the wrapped optimizer's rate, as Keras' ``LossScaleOptimizer.learning_rate`` is its inner
        optimizer's. The wrapper's own rate, Keras' unused ``"<name>/learning_rate"`` variable, is the 0.0 of
        :attr:`variables`."""
        return self.inner_optimizer._learning_rate

    @_learning_rate.setter
    def _learning_rate(self, value):
        if self.__dict__.get("_wrapping"):     # not the base constructor's rate of 0.0
            self.inner_optimizer._learning_rate = value

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """The inner optimizer's :meth:`~tinygradconv.optimizers.Optimizer.exclude_from_weight_decay` (the weight
        decay is its own)."""
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    @property
    def ema_weights(self):
        """The inner optimizer's moving averages (``use_ema=True`` on it), or None."""
        return self.inner_optimizer.ema_weights

    def finalize_variable_values(self, var_list):
        """The inner optimizer's :meth:`~tinygradconv.optimizers.Optimizer.finalize_variable_values`."""
        self.inner_optimizer.finalize_variable_values(var_list)

    def _note_paths(self, model):
        """The inner optimizer learns the variables' Keras paths (it builds on them)."""
        self.inner_optimizer._note_paths(model)

    def _note_model(self, model):
        """The inner optimizer remembers the compiled model (it learns the variables' Keras paths from it)."""
        self.inner_optimizer._note_model(model)

    def state_of(self, variable) -> dict:
        """The inner optimizer's state of ``variable``."""
        return self.inner_optimizer.state_of(variable)

    # ------------------------------------------------------------------ scaling
    def scale_loss(self, loss):
        """``loss * S``: the loss to differentiate (``S`` the current scale, ``initial_scale`` before the first
        step), so that the gradients :meth:`apply` receives are ``S`` times the true ones."""
        return loss * (self.dynamic_scale if self.built else self.initial_scale)

    def build(self, variables):
        """Build the inner optimizer for ``variables`` (the wrapper's own state is the scale and its counter)."""
        variables = list(variables)
        if self.built:
            raise ValueError(f"Optimizer '{self.name}' is already built. When working with a new set of variables, "
                             "create a new optimizer instance.")
        if not self.inner_optimizer.built:
            self.inner_optimizer.build(variables)
        self.built = True

    def apply(self, grads, variables):
        """Unscale ``grads`` and apply them with the inner optimizer when all are finite; otherwise skip the step
        (see the class docstring). Returns ``iterations``.

        Raises:
            ValueError, TypeError: as :meth:`Optimizer.apply <tinygradconv.optimizers.Optimizer.apply>`, and
                ``grads`` and ``variables`` of different lengths.
        """
        grads, variables = _variable_list(grads, "apply", "grads"), _variable_list(variables, "apply")
        if len(grads) != len(variables):
            raise ValueError(f"apply(): got {len(grads)} gradients for {len(variables)} variables")
        if not grads:
            return self.iterations
        _check_distinct(variables, "apply")
        arrays = [None if g is None else _array(g, v) for g, v in zip(grads, variables)]
        if not self.built:
            self.build(variables)
        finite = all(bool(v.backend.xp.all(v.backend.xp.isfinite(a))) for a, v in zip(arrays, variables)
                     if a is not None)
        if not finite:
            self.step_counter = 0
            self.dynamic_scale = float(np.float32(self.dynamic_scale) * np.float32(0.5))
            return self.iterations
        unscaled = [None if a is None else _unscaled(a, self.dynamic_scale, v.backend.xp)
                    for a, v in zip(arrays, variables)]
        self.inner_optimizer.apply(unscaled, variables)
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter = 0
            self.dynamic_scale = float(np.float32(self.dynamic_scale) * np.float32(2.0))
        else:
            self.step_counter += 1
        return self.iterations

    # ------------------------------------------------------------------ state and Keras' variables
    @property
    def variables(self) -> list:
        """Keras' list: ``"<name>/iteration"`` (0: the wrapper's own, never counted) and ``"<name>/learning_rate"``
        (0.0), then once built ``"<name>/step_counter"`` and ``"<name>/dynamic_scale"`` (float32), then the inner
        optimizer's :attr:`~tinygradconv.optimizers.Optimizer.variables`, named as Keras 3.15 names them when the
        wrapper's ``apply`` builds them: the name ``"dense_kernel_momentum"``, the path
        ``"loss_scale_optimizer/adam/dense_kernel_momentum"`` (Keras built by ``fit`` gives ``"adam/..."``).
        Like the inner optimizer's step count, the wrapper's own four are on the backend of the variables it updates
        (after ``model.to("array_api_strict")``, that one; the default backend before it is built).
        """
        inner = self.keras_inner_variables
        home = inner[0].backend         # the inner optimizer's step count: with its variables

        def named(value, name, dtype):
            tensor = Tensor(value, dtype=dtype, backend=home)
            tensor.name, tensor.path = name, f"{self.name}/{name}"
            return tensor

        own = [named(0, "iteration", "int64"), named(0.0, "learning_rate", "float64")]
        if self.built:
            own += [named(self.step_counter, "step_counter", "int64"),
                    named(self.dynamic_scale, "dynamic_scale", "float32")]
        return own + inner

    @property
    def keras_inner_variables(self) -> list:
        """The inner optimizer's variables as Keras lists them inside the wrapper (and saves them, under
        ``optimizer/inner_optimizer/vars`` of a ``.keras`` file): those made when it is built (slots, averages),
        without its scalar state (Nadam's ``u_product``), which Keras does not
        track there (the wrapper builds it under ``no_automatic_dependency_tracking``): neither listed nor saved.
        A file restores it to where a fresh one starts (1.0 for Nadam), as Keras."""
        inner = self.inner_optimizer.variables
        if not self.built:
            return inner
        first = 1 if callable(self._learning_rate) else 2
        inner = inner[:len(inner) - len(self.inner_optimizer.scalar_state)]
        for variable in inner[first:]:      # Keras 3.15 when its apply builds the inner optimizer (not fit's build)
            variable.path = f"{self.name}/{variable.path}"
        return inner

    scalar_state = ("step_counter", "dynamic_scale")

    def _keras_unbuilt_keys(self) -> list:
        """Keras' variables of a wrapper never built: its own step count and rate (always 0, not restored), then
        the inner optimizer's step count and rate (a number only), as Keras lists and saves them."""
        return ["own_iteration", "own_learning_rate", *self.inner_optimizer._keras_unbuilt_keys()]

    def _keras_variable_keys(self, variables) -> list:
        """As :meth:`Optimizer._keras_variable_keys <tinygradconv.optimizers.Optimizer._keras_variable_keys>`:
        the wrapper's own step count and rate (not restored: Keras' are always 0), its scale and counter, then the
        inner optimizer's keys (its ``"iterations"`` is the step count)."""
        inner = self.inner_optimizer._keras_variable_keys(variables)
        return ["own_iteration", "own_learning_rate", "step_counter", "dynamic_scale",
                *inner[:len(inner) - len(self.inner_optimizer.scalar_state)]]

    def get_state(self, variables) -> dict:
        """The inner optimizer's state, and ``"step_counter"`` and ``"dynamic_scale"``."""
        return {**self.inner_optimizer.get_state(variables), "step_counter": np.asarray(self.step_counter),
                "dynamic_scale": np.asarray(self.dynamic_scale, dtype=np.float32)}

    def set_state(self, variables, state):
        """Restore :meth:`get_state`'s output (checked by the inner optimizer's ``set_state``, the counter an
        integer ``>= 0`` and the scale a finite number ``> 0``, before anything changes)."""
        state = dict(state)
        own = {key: state.pop(key) for key in ("step_counter", "dynamic_scale") if key in state}
        missing = [key for key in ("step_counter", "dynamic_scale") if key not in own]
        if missing:
            raise ValueError(f"Optimizer state keys do not match: missing {missing}")
        counter = np.asarray(own["step_counter"])
        counter = integer(counter.item() if counter.ndim == 0 else counter, "step_counter", minimum=0)
        scale = float(number(float(np.asarray(own["dynamic_scale"]).reshape(())), "dynamic_scale", low=0,
                             low_open=True, finite=True))
        for name in self.inner_optimizer.scalar_state:     # not in a .keras file: as Keras, where it stands
            state.setdefault(name, getattr(self.inner_optimizer, name))
        self.inner_optimizer.set_state(variables, state)
        self.built = True
        self.step_counter, self.dynamic_scale = counter, scale

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        """Keras' config: the name, the inner optimizer as Keras serializes it (``{"module": "keras.optimizers",
        "class_name", "config", "registered_name": None}``), ``initial_scale`` and ``dynamic_growth_steps``."""
        from . import serialize

        inner = {"module": "keras.optimizers", **serialize(self.inner_optimizer), "registered_name": None}
        return {"name": self.name, "inner_optimizer": inner, "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new wrapper (fresh state) from :meth:`get_config`'s output or Keras' (its inner optimizer read with
        :func:`~tinygradconv.optimizers.deserialize`).

        Raises:
            ValueError: no ``inner_optimizer`` in the config.
        """
        from . import deserialize

        config = dict(config)
        if "inner_optimizer" not in config:
            raise ValueError("Invalid value for argument `config`: a LossScaleOptimizer config needs "
                             f"'inner_optimizer' (the wrapped optimizer's config). Received config={config!r}")
        inner = config.pop("inner_optimizer")
        return cls(inner if isinstance(inner, Optimizer) else deserialize(inner, custom_objects), **config)

    def _fresh_copy(self):
        """A new wrapper of the same settings around a fresh copy of the inner optimizer (no state, step 0), for
        :func:`~tinygradconv.models.clone_model`."""
        return type(self)(fresh_copy(self.inner_optimizer), initial_scale=self.initial_scale,
                          dynamic_growth_steps=self.dynamic_growth_steps, name=self.name)

    def __repr__(self):
        return (f"LossScaleOptimizer({self.inner_optimizer!r}, dynamic_scale={self.dynamic_scale}, "
                f"step_counter={self.step_counter})")


def _array(gradient, variable):
    """A gradient as a backend array of ``variable``'s backend, in its own dtype (the check and the division see
    the gradient as given; the inner optimizer casts it to the variable's dtype)."""
    if isinstance(gradient, Tensor):
        array = gradient.data if gradient.backend is variable.backend else gradient.to(variable.backend).data
    else:
        array = Tensor(gradient, backend=variable.backend).data
    if dtype_name(array.dtype) not in _FLOAT_TYPES:    # integer or bool gradients: in the variable's dtype
        array = variable.backend.xp.astype(array, variable.dtype)
    return array


def _unscaled(array, scale, xp):
    """``array / scale`` in float32 at least, back in the array's dtype (the scale, a power of two times
    ``initial_scale``, may exceed float16's range)."""
    if dtype_name(array.dtype) != "float16":
        return array / xp.asarray(scale, dtype=array.dtype)
    return xp.astype(xp.astype(array, xp.float32) / xp.asarray(scale, dtype=xp.float32), array.dtype)
