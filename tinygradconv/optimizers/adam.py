"""Adam, AdamW, Adamax, Nadam, Lamb and Lion, with Keras 3's update rules.

Notation: ``w`` the variable, ``g`` its (clipped) gradient, ``lr`` the learning rate, ``t`` the 1-based step
(``iterations + 1``), ``b1``/``b2`` the betas, ``eps`` the epsilon; moments start at zero. As in Keras 3, the
scalars of a step (``lr``, ``t``, the betas, the bias correction, Nadam's momentum schedule) are computed in the
weight's dtype (:func:`in_dtype_of`), as Keras rounds them in float16 (the float16 sums ``x + a * y`` are
rounded once, where torch rounds some twice: :func:`~tinygradconv.optimizers.torch_rounding.add_scaled`).
"""
from __future__ import annotations

from ..validation import flag, number
from .optimizer import Optimizer
from .torch_rounding import add_scaled, in_dtype_of, scalar_power


def moving_average(xp, average, value, beta):
    """``beta * average + (1 - beta) * value``, the moments' update, as Keras 3's torch backend computes it:
    ``average * beta`` rounded, then ``(1 - beta) * value`` added to it with one rounding (``torch._foreach_mul_``
    then ``torch._foreach_add_(..., alpha=1 - beta)``: :func:`~tinygradconv.optimizers.torch_rounding.add_scaled`),
    ``beta`` and ``1 - beta`` (computed in float64) rounded to the weight's dtype.

    It equals Keras' generic ``average + (value - average) * (1 - beta)`` in exact arithmetic, but stays ``inf``
    where that form gives ``inf - inf = NaN``: once ``g * g`` overflows (``|g| > 1.8e19`` in float32) the second
    step made the weight NaN, where Keras on torch leaves it unchanged (found by a tester).
    """
    return add_scaled(xp, average * beta, value, 1 - beta)


class _AdamHyperparameters(Optimizer):
    """What Adam, Adamax, Nadam and Lamb share: ``beta_1`` and ``beta_2`` in ``[0, 1)`` and a finite ``epsilon >= 0``,
    checked at construction and kept in the config."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = float(number(beta_1, "beta_1", low=0, high=1, high_open=True))
        self.beta_2 = float(number(beta_2, "beta_2", low=0, high=1, high_open=True))
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True))

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)


class Adam(_AdamHyperparameters):
    """Adaptive moment estimation (optionally AMSGrad).

    ::

        m <- m + (g - m) * (1 - b1)
        v <- v + (g^2 - v) * (1 - b2)
        vhat <- max(vhat, v);  v = vhat                   (amsgrad only)
        w <- w - lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1: in ``[0, 1)``, default 0.9.
        beta_2: in ``[0, 1)``, default 0.999.
        epsilon: finite, ``>= 0``, default 1e-7.
        amsgrad: use the AMSGrad variant.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0])
    >>> _ = Adam(learning_rate=0.1).apply([tg.tensor([0.5])], [w])
    >>> round(w.item(), 4)   # the first Adam step moves by about lr * sign(g)
    0.9
    """

    keras_slots = ((("m", "momentum"), ("v", "velocity")), (("vhat", "velocity_hat"),))

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, name=None,
                 **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        self.amsgrad = flag(amsgrad, "amsgrad")

    def build_state(self, variable, xp):
        state = {"m": xp.zeros_like(variable.data), "v": xp.zeros_like(variable.data)}
        if self.amsgrad:
            state["vhat"] = xp.zeros_like(variable.data)
        return state

    def update_step(self, g, w, lr, state, xp):
        lr, t, beta_1, beta_2 = in_dtype_of(w, xp, lr, self.iterations + 1, self.beta_1, self.beta_2)
        alpha = lr * xp.sqrt(1 - scalar_power(xp, beta_2, t)) / (1 - scalar_power(xp, beta_1, t))
        m = state["m"] = moving_average(xp, state["m"], g, self.beta_1)
        v = state["v"] = moving_average(xp, state["v"], g * g, self.beta_2)
        if self.amsgrad:
            v = state["vhat"] = xp.maximum(state["vhat"], v)
        return w - (m * alpha) / (xp.sqrt(v) + self.epsilon)

    def get_config(self):
        return dict(super().get_config(), amsgrad=self.amsgrad)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``w <- w * (1 - weight_decay * lr)`` before each
    Adam update.

    Args:
        learning_rate: float or schedule, default 0.001.
        weight_decay: ``>= 0``, default 0.004 (required: ``None`` raises ``ValueError``, also when assigned to
            ``weight_decay`` after construction).
        beta_1, beta_2, epsilon, amsgrad: as for :class:`Adam`.
        **kwargs: the other common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0])
    >>> _ = AdamW(learning_rate=0.1, weight_decay=0.5).apply([tg.tensor([0.0])], [w])
    >>> round(w.item(), 4)   # zero gradient: only the decay, 1 - 1 * 0.5 * 0.1
    0.95
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name=None, **kwargs):
        self._check_weight_decay(weight_decay)      # before anything else, as Keras
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)

    def _check_weight_decay(self, value):
        if value is None:       # Keras 3's message; also when set after construction
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        return super()._check_weight_decay(value)


class Adamax(_AdamHyperparameters):
    """Adam with the infinity norm.

    ::

        m <- m + (g - m) * (1 - b1)
        u <- max(b2 * u, |g|)
        w <- w - lr * m / ((1 - b1^t) * (u + eps))

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1: in ``[0, 1)``, default 0.9.
        beta_2: in ``[0, 1)``, default 0.999.
        epsilon: finite, ``>= 0``, default 1e-7.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0])
    >>> _ = Adamax(learning_rate=0.1).apply([tg.tensor([-2.0])], [w])
    >>> round(w.item(), 4)   # 1 - 0.1 * (-0.2) / (0.1 * 2)
    1.1
    """

    keras_slots = ((("m", "momentum"), ("u", "norm")),)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def build_state(self, variable, xp):
        return {"m": xp.zeros_like(variable.data), "u": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        lr, t, beta_1 = in_dtype_of(w, xp, lr, self.iterations + 1, self.beta_1)
        m = state["m"] = moving_average(xp, state["m"], g, self.beta_1)
        u = state["u"] = xp.maximum(self.beta_2 * state["u"], xp.abs(g))
        return w - (lr * m) / ((1 - scalar_power(xp, beta_1, t)) * (u + self.epsilon))


class Nadam(_AdamHyperparameters):
    """Adam with Nesterov momentum and Dozat's momentum schedule ``mu_t = b1 * (1 - 0.5 * 0.96^t)``.

    With ``P_t = mu_1 * ... * mu_t`` (a running product shared by all variables)::

        m <- m + (g - m) * (1 - b1)
        v <- v + (g^2 - v) * (1 - b2)
        mhat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
        vhat = v / (1 - b2^t)
        w <- w - lr * mhat / (sqrt(vhat) + eps)

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1: in ``[0, 1)``, default 0.9.
        beta_2: in ``[0, 1)``, default 0.999.
        epsilon: finite, ``>= 0``, default 1e-7.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([0.0], dtype="float64")
    >>> _ = Nadam(learning_rate=0.1).apply([tg.tensor([1.0])], [w])
    >>> round(w.item(), 4)   # mhat = 0.48528 * 0.1 / (1 - 0.468 * 0.48528) + 0.532 / 0.532, vhat = 1
    -0.1063
    """

    scalar_state = ("u_product",)

    keras_slots = ((("m", "momentum"), ("v", "velocity")),)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        self.u_product = 1.0

    def _mu(self, t, w, xp):
        """Dozat's momentum ``mu_t``, computed in ``w``'s dtype as Keras does."""
        beta_1, decay, t = in_dtype_of(w, xp, self.beta_1, 0.96, t)
        return beta_1 * (1.0 - 0.5 * scalar_power(xp, decay, t))

    def before_update(self, variables):
        # Keras keeps the running product in a variable of the first variable's dtype: rounded to it at every step
        w, xp = variables[0].data, variables[0].backend.xp
        (product,) = in_dtype_of(w, xp, self.u_product)
        self.u_product = float(product * self._mu(self.iterations + 1, w, xp))

    def build_state(self, variable, xp):
        return {"m": xp.zeros_like(variable.data), "v": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        t = self.iterations + 1
        u_t, u_next = self._mu(t, w, xp), self._mu(t + 1, w, xp)
        lr, t, beta_2, product = in_dtype_of(w, xp, lr, t, self.beta_2, self.u_product)
        m = state["m"] = moving_average(xp, state["m"], g, self.beta_1)
        v = state["v"] = moving_average(xp, state["v"], g * g, self.beta_2)
        m_hat = m * u_next / (1 - product * u_next) + g * (1 - u_t) / (1 - product)
        v_hat = v / (1 - scalar_power(xp, beta_2, t))
        return w - (m_hat * lr) / (xp.sqrt(v_hat) + self.epsilon)


class Lion(Optimizer):
    """Evolved sign momentum (Chen et al., 2023): every coordinate moves by exactly ``lr``.

    ::

        w <- w - lr * sign(b1 * m + (1 - b1) * g)
        m <- b2 * m + (1 - b2) * g

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1: in ``(0, 1]``, default 0.9.
        beta_2: in ``[0, 1]``, default 0.99.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0, 1.0])
    >>> _ = Lion(learning_rate=0.1).apply([tg.tensor([3.0, -0.01])], [w])
    >>> [round(v, 4) for v in w.tolist()]
    [0.9, 1.1]
    """

    keras_slots = ((("m", "momentum"),),)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1 = float(number(beta_1, "beta_1", low=0, high=1, low_open=True))
        self.beta_2 = float(number(beta_2, "beta_2", low=0, high=1))

    def build_state(self, variable, xp):
        return {"m": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        # Keras 3's torch backend, in its order: ``m * b1`` rounded, then ``torch._foreach_add_(c, g,
        # alpha=1 - b1)`` rounded once (add_scaled); ``sign(c) * lr`` is exact; m likewise with b2.
        (lr,) = in_dtype_of(w, xp, lr)
        m = state["m"]
        new_w = w - xp.sign(add_scaled(xp, m * self.beta_1, g, 1.0 - self.beta_1)) * lr
        state["m"] = add_scaled(xp, m * self.beta_2, g, 1.0 - self.beta_2)
        return new_w

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2)


class Lamb(_AdamHyperparameters):
    """Layer-wise adaptive moments (You et al., 2019): Adam's step, rescaled per variable by the trust ratio
    ``|w| / |update|``, so that every variable (a whole kernel, a whole bias) moves by ``lr`` times its own norm.

    ::

        m <- m + (g - m) * (1 - b1)
        v <- v + (g^2 - v) * (1 - b2)
        update = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
        ratio = |w| / |update|       (L2 norms over the whole variable; 1 when either norm is 0)
        w <- w - ratio * lr * update

    Unlike Adam, the epsilon is added to the *bias-corrected* root. As in Keras 3, the scalars (``lr``, ``t``,
    the betas' powers) are computed in the weight's dtype.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1: in ``[0, 1)``, default 0.9.
        beta_2: in ``[0, 1)``, default 0.999.
        epsilon: finite, ``>= 0``, default 1e-7.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    Raises:
        ValueError: a beta outside ``[0, 1)`` or a negative or infinite epsilon (Keras 3 checks neither).
        TypeError: a hyperparameter that is not a number.

    Source: Keras 3, ``keras.optimizers.Lamb`` (https://keras.io/api/optimizers/lamb/); You et al., "Large Batch
    Optimization for Deep Learning: Training BERT in 76 minutes" (https://arxiv.org/abs/1904.00962). Keras 3.15's
    ``keras.optimizers.get`` does not know the name ``"lamb"``; here it does.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([3.0, 4.0], dtype="float64")
    >>> _ = Lamb(learning_rate=0.1).apply([tg.tensor([1.0, -1.0], dtype="float64")], [w])
    >>> [round(x, 4) for x in w.tolist()]   # update ~ (1, -1), |w| = 5, ratio ~ 5 / sqrt(2): moves 0.1 * 3.5355
    [2.6464, 4.3536]
    """

    keras_slots = ((("m", "momentum"), ("v", "velocity")),)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def build_state(self, variable, xp):
        return {"m": xp.zeros_like(variable.data), "v": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        lr, t, beta_1, beta_2 = in_dtype_of(w, xp, lr, self.iterations + 1, self.beta_1, self.beta_2)
        # the moments written as Keras 3's generic update (Lamb has no torch-specific one there)
        m = state["m"] = state["m"] + (g - state["m"]) * (1 - self.beta_1)
        v = state["v"] = state["v"] + (g * g - state["v"]) * (1 - self.beta_2)
        corrected_m, corrected_v = m / (1.0 - scalar_power(xp, beta_1, t)), v / (1.0 - scalar_power(xp, beta_2, t))
        update = corrected_m / (xp.sqrt(corrected_v) + self.epsilon)
        w_norm = xp.sqrt(xp.sum(w * w))
        update_norm = xp.sqrt(xp.sum(update * update))
        ratio = xp.where((w_norm > 0) & (update_norm > 0), w_norm / update_norm, xp.ones_like(w_norm))
        return w - (ratio * lr) * update
