"""Muon: momentum orthogonalized by Newton-Schulz iterations for matrices, AdamW for the other variables, with
Keras 3's update rule (``keras.optimizers.Muon``).

Notation: ``W`` the variable, ``G`` its (clipped) gradient, ``lr`` the learning rate, ``t`` the 1-based step
(``iterations + 1``), ``X^T`` the transpose of a matrix's last two axes, ``|X|_F`` the Frobenius norm.
"""
from __future__ import annotations

import re

from ..validation import flag, integer, number
from .adam import in_dtype_of
from .optimizer import Optimizer, regular_expressions
from .torch_rounding import scalar_power


def newton_schulz(x, steps, a, b, c, xp):
    """Keras 3's ``zeropower_via_newtonschulz5``: an approximation of ``U V^T`` for ``x = U S V^T`` (the nearest
    semi-orthogonal matrix), over the last two axes of ``x`` (rank >= 2).

    A matrix taller than wide is transposed first (so that ``X X^T`` is the smaller product) and back at the end::

        X = x / (|x|_F + 1e-7)                   (every singular value <= 1)
        repeat `steps` times:
            A = X X^T
            X = a X + (b A + c A A) X

    Each iteration maps a singular value ``s`` to ``a s + b s^3 + c s^5``; Keras' coefficients (3.4445, -4.7750,
    2.0315, Jordan's) push every ``s`` in ``(0, 1]`` towards 1 quickly without converging exactly (the result is
    ``U S' V^T`` with ``S'`` roughly in ``[0.7, 1.2]``).
    """
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = xp.matrix_transpose(x)
    x = x / (xp.sqrt(xp.sum(x * x, axis=(-2, -1), keepdims=True)) + 1e-7)
    for _ in range(steps):
        gram = x @ xp.matrix_transpose(x)
        x = a * x + (b * gram + c * gram @ gram) @ x
    return xp.matrix_transpose(x) if tall else x


class Muon(Optimizer):
    """Muon (Jordan et al., 2024; Liu et al., 2025): each 2-D weight moves by its momentum made (nearly)
    orthogonal, every other variable by AdamW, as Keras 3's ``keras.optimizers.Muon``.

    **Which variables take which path** (Keras' rules, decided when the optimizer is built): AdamW for a variable
    whose rank is not 2 (biases, scalars, and convolution kernels too: Keras does not flatten them), for one whose
    name holds ``"embedding"`` (any case) when ``exclude_embeddings`` is True, and for one whose name matches one
    of the regular expressions of ``exclude_layers`` (``re.search``); Muon for every other (Dense kernels). Both
    match Keras' ``variable.path``, which each weight holds (``weight.path``, from the layers inside whose build it
    was made): ``"<model>/<layer>/<weight>"`` in a Sequential or subclassed model, ``"<layer>/<weight>"`` in a
    functional one, the same used by hand; a Tensor that is no layer's weight is matched on its name. A pattern
    that names a layer and not the model (``exclude_layers=["output_dense"]``, as Keras' docs advise) also survives
    a Sequential model's loading from a ``.keras`` file, whose loaded layers lose the model's name from their
    paths, here as in Keras.

    **The Muon step** for a matrix ``W`` of shape ``(m, n)``, with the momentum ``M`` starting at 0 and ``mu =
    momentum``::

        M <- M + (G + (mu - 1) * M)                   (= mu * M + G)
        N = G + mu * M   (nesterov=True)   or   N = M
        O = newton_schulz(N, ns_steps, muon_a, muon_b, muon_c)      (see :func:`newton_schulz`)
        W <- W - lr * O * sqrt(max(m, n)) * rms_rate         (rms_rate=None: W <- W - lr * O)

    The ``sqrt(max(m, n)) * rms_rate`` factor (Moonlight's) gives the update the root-mean-square size of an Adam
    update, so that Adam's learning rate and weight decay can be used.

    **The AdamW step** (the other variables), Adam with ``lr_a = lr * adam_lr_ratio``, moments ``M`` and ``V``
    starting at 0, in the weight's dtype::

        M <- M + (G - M) * (1 - adam_beta_1)
        V <- V + (G^2 - V) * (1 - adam_beta_2)
        W <- W - lr_a * sqrt(1 - adam_beta_2^t) / (1 - adam_beta_1^t) * M / (sqrt(V) + epsilon)

    **Weight decay**, before the step: ``W <- W - W * d * lr`` with ``d = weight_decay`` on the Muon path and ``d =
    adam_weight_decay`` on the AdamW path (either None: no decay there; each is applied without the other, so
    ``weight_decay=None`` still decays the AdamW variables by ``adam_weight_decay``, as Keras). Variables
    excluded by :meth:`~tinygradconv.optimizers.Optimizer.exclude_from_weight_decay` take neither.

    The slots, as Keras names them in ``optimizer.variables`` and ``.keras`` files: ``"<path>_momentum"`` for every
    variable and, right after it, ``"<path>_velocity"`` for the AdamW ones.

    Args:
        learning_rate: float or schedule, default 0.001.
        adam_beta_1: in ``[0, 1)``, default 0.9.
        adam_beta_2: in ``[0, 1)``, default 0.999.
        adam_weight_decay: None or a finite number ``>= 0``, default 0.004: the decay of the AdamW variables.
        epsilon: ``>= 0``, default 1e-7 (AdamW path).
        weight_decay: None or a finite number ``>= 0``, default 0.004: the decay of the Muon variables.
        exclude_layers: None or a list of regular expressions, default None (``[]`` in the config, as Keras).
        exclude_embeddings: True (default) or False.
        muon_a, muon_b, muon_c: finite numbers, default 3.4445, -4.7750, 2.0315.
        adam_lr_ratio: a finite number ``>= 0``, default 1.
        momentum: in ``[0, 1]``, default 0.95.
        ns_steps: an integer ``>= 0``, default 5 (0: the momentum is only normalized to ``|N|_F = 1``).
        nesterov: True (default) or False.
        rms_rate: None or a finite number ``> 0``, default 0.2.
        **kwargs: the other common options of :class:`~tinygradconv.optimizers.Optimizer` (``clipnorm``,
            ``use_ema``, ...).

    Raises:
        ValueError: an argument out of its range, a pattern of ``exclude_layers`` that is not a regular expression
            (Keras 3.15 checks none of them: a negative rate or ``adam_beta_1 = 1`` gives NaN weights there).
        TypeError: a number argument that is not a number, a flag that is not True or False, ``exclude_layers`` a
            string (each character would be a pattern) or holding something other than strings.

    Source: Keras 3.15, ``keras/src/optimizers/muon.py`` (https://keras.io/api/optimizers/muon/); K. Jordan et al.,
    "Muon: An optimizer for hidden layers in neural networks" (https://kellerjordan.github.io/posts/muon/,
    https://github.com/KellerJordan/Muon); J. Liu et al., "Muon is Scalable for LLM Training"
    (https://arxiv.org/abs/2502.16982), for ``rms_rate``.

    >>> import tinygradconv as tg
    >>> kernel = tg.tensor([[0.0, 0.0], [0.0, 0.0]], dtype="float64")
    >>> opt = Muon(learning_rate=0.1, weight_decay=None, nesterov=False, ns_steps=0, rms_rate=None)
    >>> _ = opt.apply([tg.tensor([[3.0, 0.0], [0.0, 4.0]], dtype="float64")], [kernel])
    >>> [[round(x, 4) for x in row] for row in kernel.tolist()]   # M = G, O = G / |G|_F = G / 5, W = -0.1 * O
    [[-0.06, 0.0], [0.0, -0.08]]
    """

    keras_slots = ((("m", "momentum"), ("v", "velocity")),)

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, exclude_layers=None, exclude_embeddings=True, muon_a=3.4445,
                 muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True,
                 rms_rate=0.2, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, name=name, **kwargs)
        self.adam_beta_1 = float(number(adam_beta_1, "adam_beta_1", low=0, high=1, high_open=True))
        self.adam_beta_2 = float(number(adam_beta_2, "adam_beta_2", low=0, high=1, high_open=True))
        self.epsilon = float(number(epsilon, "epsilon", low=0, finite=True))
        self.adam_weight_decay = None if adam_weight_decay is None else float(
            number(adam_weight_decay, "adam_weight_decay", low=0, finite=True))
        expected = "Expected None or a list of strings (regular expressions), e.g. exclude_layers=['output_dense']"
        self.exclude_layers = regular_expressions(exclude_layers, "exclude_layers", expected)
        self.exclude_embeddings = flag(exclude_embeddings, "exclude_embeddings", "Muon")
        self.muon_a = float(number(muon_a, "muon_a", finite=True))
        self.muon_b = float(number(muon_b, "muon_b", finite=True))
        self.muon_c = float(number(muon_c, "muon_c", finite=True))
        self.adam_lr_ratio = number(adam_lr_ratio, "adam_lr_ratio", low=0, finite=True)
        self.momentum = float(number(momentum, "momentum", low=0, high=1))
        self.ns_steps = integer(ns_steps, "ns_steps", minimum=0)
        self.nesterov = flag(nesterov, "nesterov", "Muon")
        self.rms_rate = None if rms_rate is None else float(
            number(rms_rate, "rms_rate", low=0, low_open=True, finite=True))

    def uses_adamw(self, variable) -> bool:
        """Whether ``variable`` (a Tensor) takes the AdamW step (Keras' ``_should_use_adamw``): its rank is not 2,
        or its Keras path (its name when no model gave the paths) holds ``"embedding"`` (with
        ``exclude_embeddings``), or matches a pattern of ``exclude_layers``."""
        if variable.ndim != 2:
            return True
        name = self._path_of(variable)
        if self.exclude_embeddings and "embedding" in name.lower():
            return True
        return any(re.search(pattern, name) for pattern in self.exclude_layers)

    def build_state(self, variable, xp):
        state = {"m": xp.zeros_like(variable.data)}
        if self.uses_adamw(variable):      # the velocity marks the AdamW path, as in Keras
            state["v"] = xp.zeros_like(variable.data)
        return state

    def _apply_weight_decay(self, variables, lr):
        """Keras' ``Muon._apply_weight_decay``: ``W <- W - W * d * lr``, ``d`` the decay of the variable's path
        (in the weight's dtype)."""
        for v in variables:
            decay = self.adam_weight_decay if "v" in self.state_of(v) else self.weight_decay
            if decay is None or not self._use_weight_decay(v):
                continue
            decay, rate = in_dtype_of(v._data, v.backend.xp, decay, lr)
            v._data = v._data - v._data * decay * rate

    def update_step(self, g, w, lr, state, xp):
        if "v" in state:
            return self._adamw_step(g, w, lr * self.adam_lr_ratio, state, xp)
        m = state["m"] = state["m"] + (g + state["m"] * (self.momentum - 1))
        n = g + self.momentum * m if self.nesterov else m
        update = newton_schulz(n, self.ns_steps, self.muon_a, self.muon_b, self.muon_c, xp)
        (lr,) = in_dtype_of(w, xp, lr)
        step = lr * update
        if self.rms_rate is not None:
            step = step * (max(w.shape[0], w.shape[1]) ** 0.5) * self.rms_rate
        return w - step

    def _adamw_step(self, g, w, lr, state, xp):
        lr, t, beta_1, beta_2 = in_dtype_of(w, xp, lr, self.iterations + 1, self.adam_beta_1, self.adam_beta_2)
        alpha = lr * xp.sqrt(1 - scalar_power(xp, beta_2, t)) / (1 - scalar_power(xp, beta_1, t))
        m = state["m"] = state["m"] + (g - state["m"]) * (1 - self.adam_beta_1)
        v = state["v"] = state["v"] + (g * g - state["v"]) * (1 - self.adam_beta_2)
        return w - (m * alpha) / (xp.sqrt(v) + self.epsilon)

    def get_config(self):
        return dict(super().get_config(), adam_beta_1=self.adam_beta_1, adam_beta_2=self.adam_beta_2,
                    epsilon=self.epsilon, exclude_layers=list(self.exclude_layers), muon_a=self.muon_a,
                    muon_b=self.muon_b, muon_c=self.muon_c, adam_lr_ratio=self.adam_lr_ratio,
                    momentum=self.momentum, ns_steps=self.ns_steps, nesterov=self.nesterov,
                    exclude_embeddings=self.exclude_embeddings, adam_weight_decay=self.adam_weight_decay,
                    rms_rate=self.rms_rate)
