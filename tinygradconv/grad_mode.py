"""The grad modes: :func:`no_grad`, :func:`enable_grad` and PyTorch's ``torch.set_grad_enabled`` (kept out of
``autograd.py``, the engine core, so that the core stays short enough to read in one sitting:
``tests/test_engine_size.py``; the engine reads the mode from ``autograd._state``, per thread).

Each works as a context manager and as a decorator. A decorated generator function runs in the mode each time
the generator is resumed (``next``, ``send``, ``throw``, ``close``), not only while the generator object is
made, which runs none of its body; the caller's mode holds between, as PyTorch's decorators wrap a generator
function (``torch.autograd.grad_mode``).

>>> import tinygradconv as tg
>>> @tg.no_grad()
... def modes():
...     yield tg.is_grad_enabled()
...     yield tg.is_grad_enabled()
>>> steps = modes()
>>> next(steps), tg.is_grad_enabled(), next(steps)
(False, True, False)
"""
from __future__ import annotations

import contextlib
import functools
import inspect

from .autograd import _state


class _GradMode(contextlib.ContextDecorator):
    """Recording ``enabled`` (or not) inside a ``with`` block or a decorated function, the mode before restored on
    the way out (after an exception too)."""

    def __init__(self, enabled):
        self.enabled = enabled

    def _recreate_cm(self):  # a fresh instance per decorated call, so recursive calls restore the right mode
        return _GradMode(self.enabled)

    def __enter__(self):
        self.previous = _state.enabled
        _state.enabled = self.enabled

    def __exit__(self, *exc):
        _state.enabled = self.previous
        return False

    def __call__(self, function):
        if inspect.isgeneratorfunction(function):     # around each resumption, not only the call (see the module)
            return _resumed_in_mode(self.enabled, function)
        return super().__call__(function)


def no_grad(function=None):
    """Context manager (and decorator: ``@no_grad()``, or ``@no_grad`` as PyTorch 2 allows) in which ops record no
    graph: for inference and updates. A decorated generator function runs without recording each time it is
    resumed, as PyTorch's (see the module).

    See https://pytorch.org/docs/stable/generated/torch.no_grad.html"""
    return _GradMode(False) if function is None else _GradMode(False)(function)


def enable_grad():
    """Context manager (and decorator) that turns recording back on inside ``no_grad``; a decorated generator
    function records each time it is resumed (see the module). PyTorch's ``set_grad_enabled(mode)`` is
    :class:`set_grad_enabled` (``tg.set_grad_enabled``).

    See https://pytorch.org/docs/stable/generated/torch.enable_grad.html"""
    return _GradMode(True)


class set_grad_enabled(_GradMode):
    """Turn the recording of graphs on (``True``) or off (``False``) in this thread, as ``torch.set_grad_enabled``.

    As PyTorch's, the mode changes when it is called, so it works three ways: as a function
    (``tg.set_grad_enabled(False)`` until it is turned back on), as a context manager (``with
    tg.set_grad_enabled(is_training):``, which sets the mode on entry, so that one object can be entered again,
    and on exit restores the mode from before the call, also after an exception) and as a decorator
    (``@tg.set_grad_enabled(False)``: the function runs in that mode; a generator function runs in it each time
    it is resumed, not only when it is called; the decoration itself leaves the mode as it was).
    :func:`no_grad` and :func:`enable_grad` are its ``False`` and ``True`` context managers.

    Raises:
        TypeError: ``mode`` is not a bool (``1``, ``None``), as PyTorch refuses it.

    See https://pytorch.org/docs/stable/generated/torch.autograd.grad_mode.set_grad_enabled.html

    >>> import tinygradconv as tg
    >>> x = tg.tensor([1.0], requires_grad=True)
    >>> with tg.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    False
    >>> _ = tg.set_grad_enabled(False); (x * 2).requires_grad, tg.is_grad_enabled()
    (False, False)
    >>> _ = tg.set_grad_enabled(True); (x * 2).requires_grad
    True
    """

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"Invalid type for argument `mode` of set_grad_enabled: expected a bool (True or False), "
                            f"as PyTorch. Received {mode!r} of type {type(mode).__name__}")
        super().__init__(mode)
        self.previous = _state.enabled
        _state.enabled = mode

    def __enter__(self):            # (set when called too; again here, for a second `with` of this object)
        _state.enabled = self.enabled

    def __call__(self, function):   # as a decorator: back to the mode before, each call runs in this one
        _state.enabled = self.previous
        return _GradMode(self.enabled)(function)


def _resumed_in_mode(enabled, generator_function):
    """``generator_function`` decorated so that its body runs with recording ``enabled`` each time the generator
    is resumed (``next``, ``send``, ``throw``, ``close``), and the caller's mode holds between, as PyTorch's
    decorators wrap a generator. (Entering the mode only around the call would run none of the body in it.)"""

    @functools.wraps(generator_function)
    def generator(*args, **kwargs):
        inner = generator_function(*args, **kwargs)
        resume, value = inner.send, None
        while True:
            try:
                with _GradMode(enabled):
                    produced = resume(value)
            except StopIteration as stop:
                return stop.value
            try:
                resume, value = inner.send, (yield produced)
            except GeneratorExit:
                with _GradMode(enabled):
                    inner.close()
                raise
            except BaseException as error:  # noqa: BLE001 - thrown in by the caller: passed on, in the mode
                resume, value = inner.throw, error

    return generator
