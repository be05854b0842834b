"""The checkers of tutorial 05, an optimizer update: one step of SGD with momentum, and one of Adam, as Keras does
them."""
from __future__ import annotations

import functools

import numpy as np

from ...optimizers import SGD, Adam
from ..reports import (
    _answer,
    _call,
    _compare_arrays,
    _fail,
    _lower_precision,
    _precision_note,
    _readable,
    _settings,
    _show,
    time_limited,
)
from .common import (
    _known_mistake,
    _tensor,
)
from .own_work import _own_work

__all__ = ["check_adam_step", "check_sgd_momentum"]


@time_limited
def check_sgd_momentum(fn, cases=20, steps=5, seed=0):
    """``fn(param, grad, velocity, learning_rate, momentum, nesterov)`` returns ``(new_param, new_velocity)``: one
    step of Keras' SGD with momentum (``velocity`` starts at zeros). Compared, step after step, with
    :class:`tinygradconv.optimizers.SGD` on the same gradients.

    >>> def fn(param, grad, velocity, learning_rate, momentum, nesterov):   # a first guess: plain SGD
    ...     return param - learning_rate * grad, velocity
    >>> check_sgd_momentum(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_sgd_momentum: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_sgd_momentum", _answer("check_sgd_momentum", fn))
    cases, steps, seed = _settings("check_sgd_momentum", cases=cases, steps=steps, seed=seed)
    rng = np.random.default_rng(seed)
    for case in range(cases):
        n = int(rng.integers(1, 5))
        lr, momentum = float(rng.choice([0.01, 0.1, 0.5])), float(rng.choice([0.0, 0.5, 0.9]))
        nesterov = bool(case % 2)
        variable = _tensor(rng.standard_normal(n), True)
        optimizer = SGD(learning_rate=lr, momentum=momentum, nesterov=nesterov)
        param, velocity = variable.numpy().copy(), np.zeros(n)
        for step in range(steps):
            grad = rng.standard_normal(n)
            inputs = {"param": param, "grad": grad, "velocity": velocity, "learning_rate": lr, "momentum": momentum,
                      "nesterov": nesterov}
            variable.grad = _tensor(grad)
            optimizer.step([variable])
            received = _call("check_sgd_momentum", fn, inputs)
            if not isinstance(received, (tuple, list)) or len(received) != 2:
                _fail("check_sgd_momentum", inputs, variable.numpy(), received,
                      "expected a pair (new_param, new_velocity)")
            keras_w = variable.numpy()
            keras_m = np.asarray(optimizer.state_of(variable)["m"], dtype=np.float64) if momentum else None
            try:
                new_param = _compare_arrays("check_sgd_momentum", inputs, keras_w, received[0],
                                            explain=functools.partial(_sgd_parameter_mistake, inputs=inputs,
                                                                      keras_w=keras_w, keras_m=keras_m))
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (the new parameter, at step {step + 1})") from None
            if momentum:    # Keras' velocity (the optimizer's own state), not another convention's
                try:
                    velocity = _compare_arrays("check_sgd_momentum", inputs, keras_m, received[1],
                                               explain=functools.partial(_pytorch_momentum_buffer, inputs=inputs))
                except AssertionError as error:
                    raise AssertionError(
                        f"{error}\n  (the new velocity, at step {step + 1}: in Keras' SGD, without Nesterov, the "
                        "velocity is exactly what is added to the parameter, learning rate and sign included)"
                    ) from None
            param = new_param       # without momentum the velocity is not compared, nor read: it stays zeros
    return True



_KERAS_SGD = ("Keras' SGD: m <- momentum * m - learning_rate * grad, then w <- w + m, or with nesterov=True "
              "w <- w + momentum * m - learning_rate * grad (with the new m)")



def _sgd_parameter_mistake(got, inputs, keras_w, keras_m):
    """The likely slip behind a wrong new parameter of an SGD step: with Nesterov, a step that does not look ahead
    along the new velocity, else Keras' formulas; ``None`` for a near miss (rounding: the generic note says more).
    ``keras_w``, ``keras_m``: Keras' new parameter and velocity (``None`` without momentum)."""
    # The plain momentum step w + m (m the new velocity) and a look-ahead along the old velocity,
    # w + momentum * velocity - learning_rate * grad, are one and the same formula: the hint names both.
    if inputs["nesterov"] and keras_m is not None and np.allclose(got, inputs["param"] + keras_m, rtol=1e-7,
                                                                  atol=1e-9):
        return ("this is the plain momentum step w + m, which is also a look-ahead along the old velocity, "
                "w + momentum * velocity - learning_rate * grad (velocity: the one given); with nesterov=True Keras "
                "looks ahead along the new velocity: w <- w + momentum * m - learning_rate * grad, m the new "
                "velocity")
    return None if np.allclose(got, keras_w, rtol=1e-4, atol=1e-6) else _KERAS_SGD



def _pytorch_momentum_buffer(got, inputs):
    """A sentence when the velocity returned is PyTorch's momentum buffer, ``momentum * velocity + grad``."""
    if np.allclose(got, inputs["momentum"] * inputs["velocity"] + inputs["grad"], rtol=1e-7, atol=1e-9):
        return ("this is PyTorch's momentum buffer (buf <- momentum * buf + grad, the learning rate applied "
                "afterwards, as torch.optim.SGD does, Nesterov or not); Keras' velocity is the step itself, "
                "m <- momentum * m - learning_rate * grad")
    return None



@time_limited
def check_adam_step(fn, cases=20, steps=5, seed=0):
    """``fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)`` returns ``(param, m, v)`` after
    one step of Keras' Adam (``iteration`` counts from 1; ``m`` and ``v`` start at zeros). Compared, step after
    step, with :class:`tinygradconv.optimizers.Adam` on the same gradients: the parameter, then ``m`` and ``v``
    against the optimizer's own moments (the raw moving averages, not the bias-corrected ones).

    >>> import numpy as np
    >>> def fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):   # a first guess: plain SGD
    ...     return param - learning_rate * grad, m, v
    >>> check_adam_step(fn)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_adam_step: your function disagrees with the framework on this case.
    ...
    """
    fn = _own_work("check_adam_step", _answer("check_adam_step", fn))
    cases, steps, seed = _settings("check_adam_step", cases=cases, steps=steps, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(cases):
        n = int(rng.integers(1, 5))
        lr, b1, b2 = float(rng.choice([0.001, 0.01, 0.1])), float(rng.choice([0.9, 0.5])), 0.999
        eps = 1e-7
        variable = _tensor(rng.standard_normal(n), True)
        optimizer = Adam(learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps)
        param, m, v = variable.numpy().copy(), np.zeros(n), np.zeros(n)
        for step in range(1, steps + 1):
            grad = rng.standard_normal(n)
            inputs = {"param": param, "grad": grad, "m": m, "v": v, "iteration": step, "learning_rate": lr,
                      "beta_1": b1, "beta_2": b2, "epsilon": eps}
            variable.grad = _tensor(grad)
            optimizer.step([variable])
            received = _call("check_adam_step", fn, inputs)
            if not isinstance(received, (tuple, list)) or len(received) != 3:
                _fail("check_adam_step", inputs, variable.numpy(), received, "expected a triple (param, m, v)")
            try:
                new_param = _compare_arrays("check_adam_step", inputs, variable.numpy(), received[0], rtol=1e-6,
                                            atol=1e-9, explain=functools.partial(_adam_step_mistake, inputs=inputs))
            except AssertionError as error:
                raise AssertionError(f"{error}\n  (the new parameter, at step {step})") from None
            state = optimizer.state_of(variable)       # Keras' m and v (the optimizer's own state)
            moments = {"m": np.asarray(state["m"], dtype=np.float64), "v": np.asarray(state["v"], dtype=np.float64)}
            new = {}                                   # the student's m and v, as float64, for the next step
            for position, (which, beta) in enumerate((("m", b1), ("v", b2)), start=1):
                explain = functools.partial(_adam_moment_mistake, which, received=received, moments=moments,
                                            beta=beta, step=step, inputs=inputs)
                try:
                    new[which] = _compare_arrays("check_adam_step", inputs, moments[which], received[position],
                                                 rtol=1e-6, atol=1e-12, explain=explain)
                except AssertionError as error:
                    raise AssertionError(f"{error}\n  (the new {which}, at step {step})") from None
            param, m, v = new_param, new["m"], new["v"]
    return True






def _adam_step_mistake(got, inputs):
    """A sentence when ``got``, the new parameter of an Adam step, is a known slip (:func:`_known_mistake`):
    the step added (ascent), epsilon inside the square root (``sqrt(v_hat + epsilon)``, ``sqrt(v + epsilon)``;
    Keras adds it to ``sqrt(v)``), no bias correction at all, or the bias correction with ``iteration`` one step
    off."""
    param, grad, t, lr = inputs["param"], inputs["grad"], inputs["iteration"], inputs["learning_rate"]
    b1, b2, eps = inputs["beta_1"], inputs["beta_2"], inputs["epsilon"]
    m = inputs["m"] + (grad - inputs["m"]) * (1 - b1)
    v = inputs["v"] + (grad * grad - inputs["v"]) * (1 - b2)

    def alpha(iteration):
        return lr * np.sqrt(1 - b2 ** iteration) / (1 - b1 ** iteration)

    inside = ("epsilon is inside the square root: your step divides by {}; Keras adds epsilon after the square root "
              "is taken, to sqrt(v) of the raw v (the bias correction goes into the step size instead)")
    off_by_one = (f"the bias correction uses iteration {{}} at step {t}: iteration counts from 1 (the first step "
                  "has iteration=1); use the iteration given, as it is, in both corrections")
    uncorrected = ("no bias correction: m and v start at zeros, so their first values are too small, by the factors "
                   "1 - beta_1 ** iteration and 1 - beta_2 ** iteration; Keras divides both out in the step size "
                   "(not in m and v), each where its moment enters the step: v's under the square root")
    ascent = ("your parameter moved up the gradient: the step was added, param + alpha * m / (sqrt(v) + epsilon) "
              "exactly; an optimizer descends the loss, against the gradient, so the step is subtracted")
    mistakes = [(param + alpha(t) * m / (np.sqrt(v) + eps), ascent),
                (param - lr * (m / (1 - b1 ** t)) / np.sqrt(v / (1 - b2 ** t) + eps),
                 inside.format("sqrt(v_hat + epsilon)")),
                (param - alpha(t) * m / np.sqrt(v + eps), inside.format("sqrt(v + epsilon)")),
                (param - lr * m / (np.sqrt(v) + eps), uncorrected),
                (param - alpha(t + 1) * m / (np.sqrt(v) + eps), off_by_one.format(t + 1))]
    if t > 1:
        mistakes.append((param - alpha(t - 1) * m / (np.sqrt(v) + eps), off_by_one.format(t - 1)))
    # tight: epsilon (1e-7) inside or outside the square root moves the step by about 1e-7 of itself
    return _known_mistake(got, *mistakes, rtol=1e-9, atol=1e-12)



def _adam_moment_mistake(which, got, received, moments, beta, step, inputs):
    """The likely slip behind a wrong ``m`` or ``v`` (``got``, as float64) of an Adam step: the two swapped, or
    bias-corrected moments returned as the state, else the formula Keras uses. When the result is in a lower
    precision (float32, float16) and the difference is no more than that precision's rounding, the formula is right
    and the note is on the dtype (``None``: the generic note of :func:`_compare_arrays` gives it)."""
    def close(value, reference):
        array = _readable(value)
        if array is None or array.dtype.kind not in "biuf":   # refused anyway (complex, text), and not cast
            return False
        value = array.astype(np.float64)
        return value.shape == reference.shape and np.allclose(value, reference, rtol=1e-6, atol=1e-12)

    mine = received[1 if which == "m" else 2]
    dtype = _readable(mine).dtype                     # read already: _compare_arrays calls this once it has
    if _within_rounding(dtype, got, moments[which], which, beta, inputs):
        # the generic note of _compare_arrays when the printouts agree, the same note here when they do not
        return None if _show(np.asarray(moments[which])) == _show(mine) else _precision_note(dtype)
    if close(received[1], moments["v"]) and close(received[2], moments["m"]):
        return "m and v are swapped: return (param, m, v) in that order"
    corrected = moments[which] / (1 - beta ** step)
    letter = "1" if which == "m" else "2"
    if close(mine, corrected):
        return (f"you returned the bias-corrected {which}_hat = {which} / (1 - beta_{letter} ** iteration); the state "
                f"to return is the raw moving average {which}, the bias correction only enters the parameter's step")
    if which == "m":
        return "Keras' first moment is m <- beta_1 * m + (1 - beta_1) * grad, without bias correction"
    return "Keras' second moment is v <- beta_2 * v + (1 - beta_2) * grad ** 2, without bias correction"



def _within_rounding(dtype, got, expected, which, beta, inputs):
    """Whether a float32 (or float16) moment (``dtype``: the result's) differs from Keras' float64 one by no more
    than computing the right formula in that precision would: a few roundings of the two terms ``beta * previous``
    and ``(1 - beta) * new`` (``new`` is ``grad`` for ``m``, ``grad ** 2`` for ``v``), each element against its
    own terms' size, and of ``beta`` itself (``np.float32(0.999)``: its rounding error, relative to ``beta``, is
    a thousand times larger relative to ``1 - beta``, and moves the result by ``beta * (previous - new)`` times
    it)."""
    if not _lower_precision(dtype):
        return False
    new = inputs["grad"] if which == "m" else inputs["grad"] ** 2
    size = (np.abs(beta * inputs[which]) + np.abs((1 - beta) * new) + np.abs(expected)
            + np.abs(beta) * (np.abs(inputs[which]) + np.abs(new)))
    return bool(np.all(np.abs(got - expected) <= 1e-12 + 1e-6 * np.abs(expected) + 8 * np.finfo(dtype).eps * size))
