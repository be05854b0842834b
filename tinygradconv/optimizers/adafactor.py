"""Adafactor, with Keras 3's update rule: a second moment factored into row and column averages.

Notation: ``w`` the variable, ``g`` its (clipped) gradient, ``lr`` the learning rate, ``t`` the 1-based step
(``iterations + 1``), ``rms(x) = sqrt(mean(x^2))`` over the whole array.
"""
from __future__ import annotations

from ..validation import flag, number
from .adam import in_dtype_of
from .optimizer import Optimizer


def _rms(x, xp):
    return xp.sqrt(xp.mean(x * x))


class Adafactor(Optimizer):
    """Adaptive rates with a factored second moment (Shazeer & Stern, 2018): for a matrix, the running averages of
    ``g^2`` over its rows (``r``) and over its columns (``c``) stand for the full second moment.

    With ``b2_t = 1 - t^beta_2_decay`` (0 at the first step, then rising towards 1) and ``G = g^2 + epsilon_1``::

        rho = min(lr, 1 / sqrt(t))
        alpha = max(epsilon_2, rms(w)) * rho                    (a step relative to the weights' scale)
        rank >= 2:  r <- b2_t * r + (1 - b2_t) * mean(G, axis=-1)      (shape w.shape[:-1])
                    c <- b2_t * c + (1 - b2_t) * mean(G, axis=-2)      (shape w.shape[:-2] + w.shape[-1:])
                    v = (r / mean(r, axis=-1))[..., :, None] * c[..., None, :]
        rank < 2:   v <- b2_t * v + (1 - b2_t) * G
        u = g / sqrt(v)
        w <- w - alpha * u / max(1, rms(u) / clip_threshold)

    The last two axes are factored, so a Conv1D kernel ``(kernel_size, in, out)`` keeps ``r`` of shape
    ``(kernel_size, in)`` and ``c`` of ``(kernel_size, out)``. As in Keras 3, ``v`` is kept at the weight's full
    shape too (so the memory is not saved), and a variable of rank < 2 also has ``r`` and ``c``, int32 zeros that
    are never used (Keras' placeholders, kept so that ``optimizer.variables`` and a ``.keras`` file list what
    Keras' list). The scalars are computed in the weight's dtype, as Keras does.

    ``relative_step`` is kept (in the config, as Keras) but changes nothing: in Keras 3.15 it caps ``lr`` at
    ``1 / sqrt(t)`` for a constant rate, and ``rho`` is that same minimum, with or without it.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_2_decay: ``<= 0``, default -0.8 (0: no averaging, ``v = G`` at every step).
        epsilon_1: ``>= 0``, default 1e-30, added to ``g^2``.
        epsilon_2: ``>= 0``, default 1e-3, the smallest weight scale ``alpha`` uses.
        clip_threshold: ``> 0``, default 1.0, the largest ``rms(u)`` of a step (Adafactor's own clipping, besides
            ``clipnorm``, ``clipvalue`` and ``global_clipnorm``).
        relative_step: True or False, default True (see above).
        **kwargs: the common options of :class:`~tinygradconv.optimizers.Optimizer`.

    Raises:
        ValueError: an argument out of its range (Keras 3 checks none of them: a positive ``beta_2_decay`` makes
            ``b2_t`` negative and ``v`` can turn negative, NaN at ``sqrt``).
        TypeError: a number argument that is not a number, a ``relative_step`` that is not True or False.

    Source: Keras 3, ``keras.optimizers.Adafactor`` (https://keras.io/api/optimizers/adafactor/); Shazeer & Stern,
    "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost" (https://arxiv.org/abs/1804.04235).

    >>> import tinygradconv as tg
    >>> w = tg.tensor([[3.0, 4.0], [0.0, 0.0]], dtype="float64")
    >>> _ = Adafactor(learning_rate=0.1).apply([tg.tensor([[1.0, 1.0], [1.0, 1.0]], dtype="float64")], [w])
    >>> w.tolist()   # b2_t = 0: v = g^2 = 1, u = 1; alpha = rms(w) * 0.1 = 2.5 * 0.1
    [[2.75, 3.75], [-0.25, -0.25]]
    """

    keras_slots = ((("r", "r"), ("c", "c"), ("v", "velocity")),)

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, name=None, **kwargs):
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_2_decay = float(number(beta_2_decay, "beta_2_decay", high=0, finite=True))
        self.epsilon_1 = float(number(epsilon_1, "epsilon_1", low=0, finite=True))
        self.epsilon_2 = float(number(epsilon_2, "epsilon_2", low=0, finite=True))
        self.clip_threshold = float(number(clip_threshold, "clip_threshold", low=0, low_open=True))
        self.relative_step = flag(relative_step, "relative_step", "Adafactor")

    def build_state(self, variable, xp):
        w = variable.data
        if w.ndim < 2:      # Keras' unused placeholders
            r = c = xp.zeros((), dtype=xp.int32)
        else:
            r = xp.zeros(w.shape[:-1], dtype=w.dtype)
            c = xp.zeros(w.shape[:-2] + w.shape[-1:], dtype=w.dtype)
        return {"r": r, "c": c, "v": xp.zeros_like(w)}

    def update_step(self, g, w, lr, state, xp):
        lr, t, epsilon_2, one = in_dtype_of(w, xp, lr, self.iterations + 1, self.epsilon_2, 1.0)
        rho = xp.minimum(lr, 1 / xp.sqrt(t))        # what `relative_step` would cap lr to (see the docstring)
        alpha = xp.maximum(epsilon_2, _rms(w, xp)) * rho
        squared = g * g + self.epsilon_1
        beta_2 = 1 - t**self.beta_2_decay
        if w.ndim >= 2:
            r = state["r"] = beta_2 * state["r"] + (1 - beta_2) * xp.mean(squared, axis=-1)
            c = state["c"] = beta_2 * state["c"] + (1 - beta_2) * xp.mean(squared, axis=-2)
            rows = r / xp.mean(r, axis=-1, keepdims=True)
            v = state["v"] = xp.expand_dims(rows, axis=-1) * xp.expand_dims(c, axis=-2)
        else:
            v = state["v"] = beta_2 * state["v"] + (1 - beta_2) * squared
        u = g / xp.sqrt(v)
        u = u / xp.maximum(one, _rms(u, xp) / self.clip_threshold)
        return w - alpha * u

    @property
    def variables(self) -> list:
        """As :attr:`Optimizer.variables <tinygradconv.optimizers.Optimizer.variables>`, with Keras 3's names for
        ``r`` and ``c``: the weight's own name, the same for both (``"kernel"``, path ``"adafactor/kernel"``; ``"bias"``
        for the placeholders of a bias), where ``v`` is ``"<weight path>_velocity"`` as other slots
        (``"dense_kernel_velocity"``, path ``"adafactor/dense_kernel_velocity"``). Checked against Keras 3.15 built
        by its first ``apply``."""
        out = super().variables
        if self.built:
            first = len(out) - 3 * len(self._state)        # the slots: r, c, v for each variable in turn
            for i, (variable, _) in enumerate(self._state.values()):
                own = (variable.name or "variable").rsplit("/", 1)[-1]
                for item in out[first + 3 * i:first + 3 * i + 2]:
                    item.name, item.path = own, f"{self.name}/{own}"
        return out

    def get_config(self):
        return dict(super().get_config(), beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1,
                    epsilon_2=self.epsilon_2, clip_threshold=self.clip_threshold, relative_step=self.relative_step)
