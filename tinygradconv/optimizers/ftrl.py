"""Ftrl ("Follow The Regularized Leader"), with Keras 3's update rule.

Notation: ``w`` the variable, ``g`` its (clipped) gradient, ``lr`` the learning rate, ``p`` the
``learning_rate_power`` (``<= 0``), ``l1``/``l2`` the regularization strengths.
"""
from __future__ import annotations

from ..validation import number
from .adam import in_dtype_of
from .optimizer import Optimizer


class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013), the optimizer of large sparse linear models (click
    prediction): per-coordinate rates as Adagrad's, and an L1 strength that sets weights exactly to 0.

    With the accumulator ``n`` (starting at ``initial_accumulator_value``) and the linear term ``z`` (starting at
    0)::

        g_s = g + 2 * l2_shrinkage * w                     (the gradient with the shrinkage penalty)
        n_new = n + g^2                                    (the plain gradient)
        z <- z + g_s - (n_new^(-p) - n^(-p)) / lr * w
        quadratic = n_new^(-p) / lr + 2 * (l2 + beta / (2 * lr))
        w <- (clip(z, -l1, l1) - z) / quadratic            (0 where |z| <= l1)
        n <- n_new

    With ``p = -0.5`` (the default), ``n^(-p)`` is ``sqrt(n)``, and ``w = -(z - sign(z) * l1) / ((beta + sqrt(n)) / lr
    + 2 * l2)`` outside the dead zone ``|z| <= l1``. As in Keras 3, the learning rate is in the weight's dtype.

    With ``initial_accumulator_value=0`` and ``l2 = beta = 0``, a coordinate whose gradients have all been 0 so far
    has ``quadratic = 0`` and becomes NaN (0 / 0), in Keras 3.15 too: keep the default 0.1, or set an ``l2`` or
    ``beta``.

    Args:
        learning_rate: float or schedule ``> 0`` (Ftrl divides by it), default 0.001.
        learning_rate_power: ``<= 0``, default -0.5; 0 keeps the rate fixed.
        initial_accumulator_value: ``>= 0``, default 0.1.
        l1_regularization_strength: ``>= 0``, default 0.0.
        l2_regularization_strength: ``>= 0``, default 0.0 (a stabilization term of the update, as in the paper).
        l2_shrinkage_regularization_strength: ``>= 0``, default 0.0 (an L2 penalty ``s * |w|^2`` added to the
            loss: its gradient ``2 * s * w`` is added to ``g``, not to the accumulator).
        beta: ``>= 0``, default 0.0, the paper's beta.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    Raises:
        ValueError: an argument out of its range (Keras' rules for the first five, with Keras' argument names; a
            negative ``beta``, which Keras accepts, is refused too), a learning rate of 0 (given, assigned, or given
            by a schedule at a step: Keras divides by it and makes every weight NaN).
        TypeError: an argument that is not a number.

    Source: Keras 3, ``keras.optimizers.Ftrl`` (https://keras.io/api/optimizers/ftrl/); McMahan et al., "Ad Click
    Prediction: a View from the Trenches" (https://research.google.com/pubs/archive/41159.pdf).

    >>> import tinygradconv as tg
    >>> w = tg.tensor([0.0, 0.0], dtype="float64")
    >>> opt = Ftrl(learning_rate=0.1, initial_accumulator_value=0.0, l1_regularization_strength=0.5)
    >>> _ = opt.apply([tg.tensor([2.0, 0.3], dtype="float64")], [w])
    >>> w.tolist()   # z = g; -(2 - 0.5) / (sqrt(4) / 0.1) = -0.075, and |0.3| <= l1 gives exactly 0
    [-0.075, 0.0]
    """

    keras_slots = ((("accumulator", "accumulator"), ("linear", "linear")),)

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.learning_rate_power = float(number(learning_rate_power, "learning_rate_power", high=0, finite=True))
        self.initial_accumulator_value = float(number(initial_accumulator_value, "initial_accumulator_value",
                                                      low=0, finite=True))
        strengths = {"l1_regularization_strength": l1_regularization_strength,
                     "l2_regularization_strength": l2_regularization_strength,
                     "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength, "beta": beta}
        for argument, value in strengths.items():
            setattr(self, argument, float(number(value, argument, low=0, finite=True)))

    def _check_learning_rate(self, learning_rate):
        checked = super()._check_learning_rate(learning_rate)
        if not callable(checked) and checked == 0:
            raise ValueError("Invalid value for argument `learning_rate`: Ftrl divides by the learning rate. "
                             f"Expected a number > 0 or a schedule. Received learning_rate={learning_rate!r}")
        return checked

    def before_update(self, variables):
        # a schedule or function may reach 0 (a cosine decay's end): refused before any weight changes (the
        # weight decay just applied is a factor 1 - weight_decay * 0 = 1)
        if callable(self._learning_rate) and self._current_rate() == 0:
            raise ValueError(f"Invalid value for argument `learning_rate`: Ftrl divides by the learning rate, and "
                             f"the `learning_rate` {self._learning_rate!r} gave 0 at iteration {self.iterations}. "
                             "Expected a rate > 0 at every step (e.g. a CosineDecay with alpha > 0)")

    def build_state(self, variable, xp):
        return {"accumulator": xp.full_like(variable.data, self.initial_accumulator_value),
                "linear": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        (lr,) = in_dtype_of(w, xp, lr)
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrunk = g + (2 * self.l2_shrinkage_regularization_strength) * w
        n, n_new = state["accumulator"], state["accumulator"] + g * g
        z = state["linear"] = state["linear"] + (shrunk - ((n_new**power - n**power) / lr) * w)
        quadratic = n_new**power / lr + 2 * l2
        state["accumulator"] = n_new
        l1 = self.l1_regularization_strength
        return (xp.clip(z, -l1, l1) - z) / quadratic

    def get_config(self):
        return dict(super().get_config(), learning_rate_power=self.learning_rate_power,
                    initial_accumulator_value=self.initial_accumulator_value,
                    l1_regularization_strength=self.l1_regularization_strength,
                    l2_regularization_strength=self.l2_regularization_strength,
                    l2_shrinkage_regularization_strength=self.l2_shrinkage_regularization_strength, beta=self.beta)
