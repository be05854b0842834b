"""PyTorch's ``torch.set_grad_enabled``, beside :func:`~tinygradconv.autograd.no_grad` and
:func:`~tinygradconv.autograd.enable_grad` (kept out of ``autograd.py``, the engine core, so that the core stays short
enough to read in one sitting: ``tests/test_engine_size.py``)."""
from __future__ import annotations

from .autograd import _GradMode, _state


class set_grad_enabled(_GradMode):
    """Turn the recording of graphs on (``True``) or off (``False``) in this thread, as ``torch.set_grad_enabled``.

    As PyTorch's, the mode changes when it is called, so it works three ways: as a function
    (``tg.set_grad_enabled(False)`` until it is turned back on), as a context manager (``with
    tg.set_grad_enabled(is_training):``, which restores the previous mode on exit, also after an exception) and as
    a decorator (``@tg.set_grad_enabled(False)``: the function runs in that mode; the decoration itself leaves the
    mode as it was). :func:`no_grad` and :func:`enable_grad` are its ``False`` and ``True`` context managers.

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

    def __enter__(self):
        pass                        # (the mode was set when called)

    def __call__(self, function):   # as a decorator: back to the mode before, each call runs in this one
        _state.enabled = self.previous
        return _GradMode(self.enabled)(function)
