"""Schedule-Free AdamW (Defazio et al., 2024), with Keras 3's update rule (``keras.optimizers.ScheduleFreeAdamW``).

Notation: ``y`` the variable (the point where the gradient is taken), ``g`` its (clipped) gradient, ``lr`` the
learning rate, ``t`` the 1-based step (``iterations + 1``), ``b1``/``b2`` the betas, ``eps`` the epsilon.
"""
from __future__ import annotations

from ..validation import integer, number
from .adam import in_dtype_of
from .optimizer import Optimizer
from .torch_rounding import scalar_power


class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW: no learning-rate schedule needed; an average of the iterates does the schedule's work.

    Three sequences: ``z`` (the "momentum" slot, where the Adam-scaled gradient steps are taken; it starts as the
    weight), ``x`` (the running average of the ``z``'s, meant for evaluation; not stored, recovered from ``y`` and
    ``z``) and ``y`` (the weight itself, an interpolation of the two). With ``v`` (the "velocity" slot) starting at
    0 and ``lr_t = lr * min(t / warmup_steps, 1)`` (``lr_t = lr`` when ``warmup_steps == 0``), one step is::

        v <- v + (g^2 - v) * (1 - b2)
        z_new = z - lr_t * g / (sqrt(v / (1 - b2^t)) + eps)
        x = (y - (1 - b1) * z) / b1                     (the average so far, from the *old* z)
        x_new = (1 - 1/t) * x + (1/t) * z_new           (uniform average of z_1 ... z_t)
        y <- (1 - b1) * z_new + b1 * x_new
        z <- z_new

    Decoupled ``weight_decay`` (default None) multiplies ``y`` by ``1 - weight_decay * lr`` before the step, as in
    every optimizer here and in Keras. The weights during training are ``y``; Keras (and this class) do not swap in
    ``x`` for evaluation, which the paper recommends: ``x = (y - (1 - b1) * z) / b1`` from the weights and
    ``state_of(w)["z"]``.

    **Keras on torch differs** from this, its own source and the paper from the second step on: its
    ``momentum_old = momentum.value`` is a view of the slot that the next line updates in place, so it computes
    ``x`` from the *new* ``z`` (``x = (y - (1 - b1) * z_new) / b1``); on TensorFlow ``momentum.value`` is the
    variable itself, updated in place the same way (read in Keras' source, not run). Keras on JAX and NumPy, whose
    arrays are values, and the reference implementation (facebookresearch/schedule_free) use the old ``z``, as
    here. Checked by running Keras 3.15 on torch, with and without that aliasing.

    Args:
        learning_rate: float or schedule, default 0.0025.
        beta_1: in ``(0, 1]``, default 0.9 (``x`` is recovered by dividing by it).
        beta_2: in ``[0, 1)``, default 0.999.
        epsilon: ``>= 0``, default 1e-8.
        warmup_steps: an integer ``>= 0``, default 0: the rate rises linearly over the first ``warmup_steps``
            steps.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    Raises:
        ValueError: an argument out of its range (Keras 3.15 checks none: ``beta_1 = 0`` gives NaN weights there).
        TypeError: an argument that is not a number (``warmup_steps``: not an integer).

    Source: Keras 3.15, ``keras/src/optimizers/schedule_free_adamw.py``
    (https://keras.io/api/optimizers/); A. Defazio et al., "The Road Less Scheduled"
    (https://arxiv.org/abs/2405.15682), Algorithm 1 with Adam's second moment.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0], dtype="float64")
    >>> opt = ScheduleFreeAdamW(learning_rate=0.1)
    >>> _ = opt.apply([tg.tensor([2.0], dtype="float64")], [w])
    >>> round(w.item(), 6), round(float(opt.state_of(w)["z"][0]), 6)   # t = 1: z moves by about lr, and y = z
    (0.9, 0.9)
    """

    keras_slots = ((("z", "momentum"), ("v", "velocity")),)

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1 = float(number(beta_1, "beta_1", low=0, high=1, low_open=True))
        self.beta_2 = float(number(beta_2, "beta_2", low=0, high=1, high_open=True))
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True))
        self.warmup_steps = integer(warmup_steps, "warmup_steps", minimum=0)

    def build_state(self, variable, xp):
        # z starts as the weight (a copy: the weight's array is replaced, never changed in place, but a copy is
        # what Keras keeps too)
        return {"z": xp.asarray(variable.data, copy=True), "v": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        lr, t, beta_1, beta_2, epsilon = in_dtype_of(w, xp, lr, self.iterations + 1, self.beta_1, self.beta_2,
                                                     self.epsilon)
        if self.warmup_steps > 0:
            (warmup,) = in_dtype_of(w, xp, self.warmup_steps)
            lr = lr * xp.minimum(t / warmup, xp.ones_like(t))
        z = state["z"]
        v = state["v"] = state["v"] + (g * g - state["v"]) * (1 - beta_2)
        z_new = state["z"] = z - (lr * g) / (xp.sqrt(v / (1 - scalar_power(xp, beta_2, t))) + epsilon)
        weight = 1.0 / t
        x = (w - (1 - beta_1) * z) / beta_1
        x_new = (1 - weight) * x + weight * z_new
        return (1 - beta_1) * z_new + beta_1 * x_new

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                    warmup_steps=self.warmup_steps)
