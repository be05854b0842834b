"""PyTorch's ``torch.set_grad_enabled``, beside :func:`~tinygradconv.autograd.no_grad` and
:func:`~tinygradconv.autograd.enable_grad` (kept out of ``autograd.py``, the engine core, so that the core stays short
enough to read in one sitting: ``tests/test_engine_size.py``)."""
from __future__ import annotations

import functools
import inspect

from .autograd import _GradMode, _state


class set_grad_enabled(_GradMode):
    """Turn the recording of graphs on (``True``) or off (``False``) in this thread, as ``torch.set_grad_enabled``.

    As PyTorch's, the mode changes when it is called, so it works three ways: as a function
    (``tg.set_grad_enabled(False)`` until it is turned back on), as a context manager (``with
    tg.set_grad_enabled(is_training):``, which sets the mode on entry, so that one object can be entered again,
    and on exit restores the mode from before the call, also after an exception) and as a decorator
    (``@tg.set_grad_enabled(False)``: the function runs in that mode; a generator function runs in it each time
    it is resumed, not only when it is called; the decoration itself leaves the mode as it was).
    :func:`no_grad` and :func:`enable_grad` are its ``False`` and ``True`` context managers (as decorators of a
    generator function, they set the mode only while it is called, which runs none of its body: decorate it
    with ``set_grad_enabled``, or enter ``no_grad()`` inside it).

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
        if inspect.isgeneratorfunction(function):
            return _resumed_in_mode(self.enabled, function)
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
