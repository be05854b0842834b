"""``argparse`` types shared by the command line (:mod:`tinygradconv.__main__`) and :mod:`tinygradconv.viz.cli`.

Each turns the text of an option into a value or raises ``argparse.ArgumentTypeError`` naming what it expected and
the text received (argparse prints it as ``argument --epochs: expected a positive integer, received '0'``).

>>> positive_int("3"), non_negative_int("0"), non_negative_int_or_none("None")
(3, 0, None)
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a positive integer, received '0'
"""
from __future__ import annotations

import argparse

from .validation import integer


def _int_at_least(text, minimum, expected):
    # int() rejects text that is no integer, validation.integer one below `minimum`; argparse shows our words.
    try:
        return integer(int(text), "value", minimum=minimum)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}") from None


def positive_int(text):
    """An integer ``>= 1``."""
    return _int_at_least(text, 1, "a positive integer")


def non_negative_int(text):
    """An integer ``>= 0``."""
    return _int_at_least(text, 0, "a non-negative integer")


def non_negative_int_or_none(text):
    """An integer ``>= 0``, or ``None`` for the text ``none`` (any case)."""
    if text.lower() == "none":
        return None
    return _int_at_least(text, 0, "a non-negative integer or 'none'")
