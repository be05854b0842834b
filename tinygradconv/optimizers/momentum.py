"""SGD (with momentum and Nesterov), RMSprop, Adagrad and Adadelta, with Keras 3's update rules.

Notation: ``w`` the variable, ``g`` its (clipped) gradient, ``lr`` the learning rate, ``eps`` the epsilon. All
state starts at zero except Adagrad's accumulator, which starts at ``initial_accumulator_value``.
"""
from __future__ import annotations

from ..validation import flag, number
from .optimizer import Optimizer
from .torch_rounding import add_scaled, in_dtype_of


class SGD(Optimizer):
    """Gradient descent, optionally with momentum.

    ``momentum == 0``: ``w <- w - lr g``. Otherwise, with the velocity ``m`` (initially 0)::

        m <- momentum * m - lr * g
        w <- w + m                          (nesterov=False)
        w <- w + momentum * m - lr * g      (nesterov=True)

    Args:
        learning_rate: float or schedule, default 0.01.
        momentum: in ``[0, 1]``, default 0.
        nesterov: use Nesterov momentum.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name`` (see
            :class:`~tinygradconv.optimizers.Optimizer`).

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SGD(learning_rate=0.1)
    >>> for _ in range(50):
    ...     opt.zero_grad([w])
    ...     (w * w).sum().backward()
    ...     _ = opt.step([w])
    >>> [round(v, 4) for v in w.tolist()]
    [0.0, -0.0]
    """

    keras_slots = ((("m", "momentum"),),)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.momentum = float(number(momentum, "momentum", low=0, high=1))
        self.nesterov = flag(nesterov, "nesterov")

    def build_state(self, variable, xp):
        return {"m": xp.zeros_like(variable.data)} if self.momentum != 0 else {}

    def update_step(self, g, w, lr, state, xp):
        (lr,) = in_dtype_of(w, xp, lr)
        if self.momentum == 0:
            return add_scaled(xp, w, g, -lr)
        m = state["m"] = add_scaled(xp, state["m"] * self.momentum, g, -lr)
        if self.nesterov:
            return add_scaled(xp, add_scaled(xp, w, g, -lr), m, self.momentum)
        return w + m

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    ::

        v <- rho * v + (1 - rho) * g^2
        a <- rho * a + (1 - rho) * g                    (centered only)
        step = lr * g / sqrt(v - a^2 + eps)             (centered; v + eps otherwise)
        m <- momentum * m + step;  w <- w - m           (momentum > 0; else w <- w - step)

    Args:
        learning_rate: float or schedule, default 0.001.
        rho: discount factor in ``[0, 1)``, default 0.9.
        momentum: in ``[0, 1]``, default 0.
        epsilon: finite, ``>= 0``, added under the square root, default 1e-7.
        centered: normalise by the estimated variance instead of the second moment.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([10.0])
    >>> _ = RMSprop(learning_rate=0.1).apply([tg.tensor([10.0])], [w])
    >>> round(w.item(), 5)   # 10 - 0.1 * 10 / sqrt(0.1 * 100 + 1e-7)
    9.68377
    """

    keras_slots = ((("v", "velocity"),), (("m", "momentum"),), (("a", "average_gradient"),))

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name=None,
                 **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho = float(number(rho, "rho", low=0, high=1, high_open=True))
        self.momentum = float(number(momentum, "momentum", low=0, high=1))
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True))
        self.centered = flag(centered, "centered")

    def build_state(self, variable, xp):
        state = {"v": xp.zeros_like(variable.data)}
        if self.momentum > 0:
            state["m"] = xp.zeros_like(variable.data)
        if self.centered:
            state["a"] = xp.zeros_like(variable.data)
        return state

    def update_step(self, g, w, lr, state, xp):
        (lr,) = in_dtype_of(w, xp, lr)
        rho = self.rho
        v = state["v"] = add_scaled(xp, state["v"] * rho, g * g, 1 - rho)
        denominator = v + self.epsilon
        if self.centered:
            a = state["a"] = add_scaled(xp, state["a"] * rho, g, 1 - rho)
            denominator = denominator - a * a
        increment = (g * lr) / xp.sqrt(denominator)
        if self.momentum > 0:
            m = state["m"] = state["m"] * self.momentum + increment
            return w - m
        return w - increment

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                    centered=self.centered)


class Adagrad(Optimizer):
    """Per-coordinate rates that shrink with the sum of squared gradients.

    ::

        acc <- acc + g^2                    (acc starts at initial_accumulator_value)
        w <- w - lr * g / sqrt(acc + eps)

    Args:
        learning_rate: float or schedule, default 0.001.
        initial_accumulator_value: ``>= 0``, default 0.1.
        epsilon: finite, ``>= 0``, default 1e-7.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([1.0])
    >>> _ = Adagrad(learning_rate=0.1, initial_accumulator_value=0.0).apply([tg.tensor([3.0])], [w])
    >>> round(w.item(), 5)   # 1 - 0.1 * 3 / sqrt(9)
    0.9
    """

    keras_slots = ((("acc", "accumulator"),),)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = float(number(initial_accumulator_value, "initial_accumulator_value",
                                                      low=0))
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True))

    def build_state(self, variable, xp):
        return {"acc": xp.full_like(variable.data, self.initial_accumulator_value)}

    def update_step(self, g, w, lr, state, xp):
        (lr,) = in_dtype_of(w, xp, lr)
        acc = state["acc"] = state["acc"] + g * g
        return w - (g * lr) / xp.sqrt(acc + self.epsilon)

    def get_config(self):
        return dict(super().get_config(), initial_accumulator_value=self.initial_accumulator_value,
                    epsilon=self.epsilon)


class Adadelta(Optimizer):
    """Adagrad with a moving window, scaled by the running RMS of past updates.

    With ``rms(x) = sqrt(x + eps)``::

        Eg <- rho * Eg + (1 - rho) * g^2
        d = -rms(Ed) * g / rms(Eg)
        Ed <- rho * Ed + (1 - rho) * d^2
        w <- w + lr * d

    Args:
        learning_rate: float or schedule, default 0.001 (the paper's form is 1.0).
        rho: decay rate in ``[0, 1)``, default 0.95.
        epsilon: finite, ``>= 0``, default 1e-7.
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    >>> import tinygradconv as tg
    >>> w = tg.tensor([0.0], dtype="float64")
    >>> _ = Adadelta(learning_rate=1.0, rho=0.0, epsilon=1.0).apply([tg.tensor([1.0])], [w])
    >>> round(w.item(), 5)   # -sqrt(0 + 1) * 1 / sqrt(1 + 1)
    -0.70711
    """

    keras_slots = ((("Eg", "accumulated_grad"), ("Ed", "accumulated_delta_var")),)

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho = float(number(rho, "rho", low=0, high=1, high_open=True))
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True))

    def build_state(self, variable, xp):
        return {"Eg": xp.zeros_like(variable.data), "Ed": xp.zeros_like(variable.data)}

    def update_step(self, g, w, lr, state, xp):
        # Keras 3's torch backend, in its order: each running average is ``x * rho`` rounded, then
        # ``torch._foreach_add_(x, y, alpha=1 - rho)`` (rounded once: add_scaled), and the weight is
        # ``_foreach_add_(w, delta, alpha=lr)``; the Python scalars rho, 1 - rho, eps are rounded to w's dtype.
        rho, eps = self.rho, self.epsilon
        (lr,) = in_dtype_of(w, xp, lr)
        eg = state["Eg"] = add_scaled(xp, state["Eg"] * rho, g * g, 1 - rho)
        delta = -((xp.sqrt(state["Ed"] + eps) * g) / xp.sqrt(eg + eps))
        state["Ed"] = add_scaled(xp, state["Ed"] * rho, delta * delta, 1 - rho)
        return add_scaled(xp, w, delta, lr)

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)

