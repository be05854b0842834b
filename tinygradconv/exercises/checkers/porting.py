"""The checker of tutorial 09, porting PyTorch code: one step of ``torch.optim.SGD`` (momentum, Nesterov, weight
decay; ``dampening=0``, PyTorch's default), written as PyTorch documents it and compared with this package's Keras
SGD.

The two rules take the same steps (docs/keras_compatibility.md, "Optimizers: the learning rate and the rounding of
a step"), written with other variables: PyTorch keeps a buffer of gradients, ``b <- momentum * b + g`` (``b = g`` at
the first step), and steps ``p <- p - lr * b``; Keras keeps the step itself, ``m <- momentum * m - lr * g`` (``m = 0``
at first), and steps ``p <- p + m``. So ``m = -lr * b`` at every step, with a constant learning rate. PyTorch's
``weight_decay`` is an L2 term added to the gradient, ``g = grad + weight_decay * p``, before the momentum; Keras'
``weight_decay`` shrinks the weight apart from the gradient (decoupled, as AdamW's), so the reference here is Keras'
SGD without it, given PyTorch's ``g``.

Source: ``torch.optim.SGD`` (PyTorch documentation, its algorithm box), Keras 3 ``SGD``.
"""
from __future__ import annotations

import functools

import numpy as np

from ...optimizers import SGD
from ..reports import _answer, _call, _compare_arrays, _fail, _settings, time_limited
from .common import _known_mistake, _tensor
from .own_work import _own_work

__all__ = ["check_torch_sgd_step"]

_TORCH_SGD = ("torch.optim.SGD: g = grad + weight_decay * param; buffer = g at the first step (buffer None), else "
              "momentum * buffer + g; then param - learning_rate * (g + momentum * buffer) with nesterov=True, "
              "param - learning_rate * buffer without")


@time_limited
def check_torch_sgd_step(fn, cases=20, steps=5, seed=0):
    """``fn(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov)`` returns ``(new_param,
    new_buffer)``: one step of ``torch.optim.SGD(params, lr=learning_rate, momentum=momentum,
    weight_decay=weight_decay, nesterov=nesterov)`` (``dampening=0``) on float64 arrays of one shape; ``buffer`` is
    ``None`` at the first step, as PyTorch's ``momentum_buffer`` before it exists, and the one ``fn`` returned after.
    Compared, step after step, with :class:`tinygradconv.optimizers.SGD` (Keras' rule, whose velocity is ``-lr``
    times PyTorch's buffer) given PyTorch's gradient ``grad + weight_decay * param``. ``momentum`` is never 0 here
    (PyTorch keeps no buffer then).

    >>> def fn(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):   # a first guess: plain SGD
    ...     return param - learning_rate * grad, grad
    >>> check_torch_sgd_step(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_torch_sgd_step: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_torch_sgd_step", _answer("check_torch_sgd_step", fn))
    cases, steps, seed = _settings("check_torch_sgd_step", cases=cases, steps=steps, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):
        n = int(rng.integers(1, 5))
        lr, momentum = float(rng.choice([0.01, 0.1, 0.5])), float(rng.choice([0.5, 0.9]))
        weight_decay = float(rng.choice([0.0, 0.01, 0.1])) if case % 3 else 0.1     # some decay in every third
        nesterov = bool(case % 2)
        variable = _tensor(rng.standard_normal(n), True)
        optimizer = SGD(learning_rate=lr, momentum=momentum, nesterov=nesterov)
        param, buffer = variable.numpy().copy(), None
        for step in range(1, steps + 1):
            grad = rng.standard_normal(n)
            inputs = {"param": param, "grad": grad, "buffer": buffer, "learning_rate": lr, "momentum": momentum,
                      "weight_decay": weight_decay, "nesterov": nesterov}
            variable.grad = _tensor(grad + weight_decay * variable.numpy())      # PyTorch's g, to Keras' rule
            optimizer.step([variable])
            expected_param = variable.numpy()
            expected_buffer = -np.asarray(optimizer.state_of(variable)["m"], dtype=np.float64) / lr
            received = _call("check_torch_sgd_step", fn, inputs, explain_error=_none_buffer_error)
            if not isinstance(received, (tuple, list)) or len(received) != 2:
                _fail("check_torch_sgd_step", inputs, expected_param, received,
                      "expected a pair (new_param, new_buffer)")
            try:
                new_param = _compare_arrays("check_torch_sgd_step", inputs, expected_param, received[0],
                                            explain=functools.partial(_parameter_mistake, inputs=inputs))
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (the new parameter, at step {step})") from None
            try:
                buffer = _compare_arrays("check_torch_sgd_step", inputs, expected_buffer, received[1],
                                         explain=functools.partial(_buffer_mistake, inputs=inputs,
                                                                   expected=expected_buffer))
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (the new buffer, at step {step})") from None
            param = new_param
    return True


def _none_buffer_error(exc):
    """A sentence when the answer fails on the first step's ``buffer=None`` (``None * 0.9``, ``None + g``)."""
    if isinstance(exc, TypeError) and "NoneType" in str(exc):
        return ("at the first step buffer is None (PyTorch has no momentum buffer yet): torch.optim.SGD then "
                "starts it as a copy of g, buffer = g; test `buffer is None` before using it")
    return None


_NO_DECAY = ("the weight decay is missing: torch.optim.SGD adds weight_decay * param to the gradient first, "
             "g = grad + weight_decay * param, and uses g everywhere after (momentum, Nesterov)")
_DECOUPLED = ("this is decoupled weight decay, param * (1 - learning_rate * weight_decay), as Keras' and AdamW's "
              "weight_decay; torch.optim.SGD's is an L2 term added to the gradient before the momentum: "
              "g = grad + weight_decay * param")
# The step along the new buffer, momentum * buffer + g, and a look-ahead along the old buffer, g + momentum * buffer
# (the one given), are one and the same formula: the hint names both.
_NO_LOOK_AHEAD = ("this is the step along the new buffer, which is also a look-ahead along the old one, g + momentum "
                  "* buffer (the buffer given); with nesterov=True PyTorch looks ahead along the buffer just "
                  "updated: param - learning_rate * (g + momentum * new_buffer) (at the first step new_buffer = g, "
                  "a step of (1 + momentum) * g)")
_NO_MOMENTUM = ("this step forgets the momentum: without Nesterov PyTorch steps along the new buffer, "
                "momentum * buffer + g")
_KERAS_VELOCITY = ("this is Keras' velocity, m = momentum * m - learning_rate * g, the step itself; PyTorch's "
                   "buffer leaves out the learning rate and the sign: buffer = momentum * buffer + g")
_BUFFER_NO_DECAY = ("the buffer leaves out the weight decay: PyTorch accumulates g = grad + weight_decay * param, "
                    "not grad")


def _torch_parts(inputs):
    """PyTorch's gradient ``g`` and new buffer for this step, from the inputs, with the weight decay and without."""
    param, grad, buffer, momentum = inputs["param"], inputs["grad"], inputs["buffer"], inputs["momentum"]

    def new_buffer(g):
        return g if buffer is None else momentum * buffer + g

    g = grad + inputs["weight_decay"] * param
    return g, new_buffer(g), grad, new_buffer(grad)


def _parameter_mistake(got, inputs):
    """The slip behind a wrong new parameter: the weight decay left out, or decoupled (as Keras' and AdamW's), the
    Nesterov look-ahead left out (or, the same, taken along the old buffer), or without Nesterov the momentum left
    out; ``None`` for a near miss (rounding: the generic note says more); otherwise the rule, in PyTorch's words."""
    param, lr, momentum, wd = inputs["param"], inputs["learning_rate"], inputs["momentum"], inputs["weight_decay"]
    g, b, g_plain, b_plain = _torch_parts(inputs)

    def step(g, b):
        return g + momentum * b if inputs["nesterov"] else b

    mistakes = []
    if wd:
        mistakes += [(param - lr * step(g_plain, b_plain), _NO_DECAY),
                     (param * (1 - lr * wd) - lr * step(g_plain, b_plain), _DECOUPLED)]
    if inputs["nesterov"]:
        mistakes.append((param - lr * b, _NO_LOOK_AHEAD))
    elif inputs["buffer"] is not None:
        mistakes.append((param - lr * g, _NO_MOMENTUM))
    known = _known_mistake(got, *mistakes)
    if known:
        return known
    return None if np.allclose(got, param - lr * step(g, b), rtol=1e-4, atol=1e-6) else _TORCH_SGD


def _buffer_mistake(got, inputs, expected):
    """A sentence when the buffer returned is Keras' velocity (the step, learning rate and sign included), or left
    without the weight decay; otherwise the rule."""
    mistakes = [(-inputs["learning_rate"] * expected, _KERAS_VELOCITY)]
    if inputs["weight_decay"]:
        mistakes.append((_torch_parts(inputs)[3], _BUFFER_NO_DECAY))
    return _known_mistake(got, *mistakes) or _TORCH_SGD
