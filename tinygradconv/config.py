"""Global settings: float type, image data format, default backend.

Values come, in increasing order of priority, from the built-in defaults, the JSON file
``~/.tinygradconv/config.json`` (or ``$TINYGRADCONV_HOME/config.json``), the environment variables
``TINYGRADCONV_FLOATX``, ``TINYGRADCONV_IMAGE_DATA_FORMAT`` and ``TINYGRADCONV_BACKEND``, and finally the setter
functions below.

The file and the environment are read once, when the package is imported. A value that is not one of the choices
(``floatx``: ``"float16"``, ``"float32"``, ``"float64"``; ``image_data_format``: ``"channels_last"``,
``"channels_first"``, in any case; ``backend``: ``"numpy"``, ``"cupy"``, ``"array_api_strict"``; ``epsilon``, file
only: a number between 0 and 1) makes that import raise a ``ValueError`` naming the setting, the file or variable
it came from and the value, as Keras 3 refuses a bad ``KERAS_BACKEND`` or ``keras.json`` when it is imported.
On the command line (``python -m tinygradconv info``, or the ``tinygradconv`` script) the same message is printed
as argparse prints a bad argument, without a traceback, and the exit status is 2.
Whether the chosen backend loads here (CuPy needs a GPU) is found out when it is first used.

>>> from tinygradconv import config
>>> config.floatx()
'float32'
"""
from __future__ import annotations

import json
import os
from pathlib import Path

_FLOAT_TYPES = ("float16", "float32", "float64")
_DATA_FORMATS = ("channels_last", "channels_first")

#: The backends' names, the one list of them: :mod:`tinygradconv.backend` loads each with its function
#: ``_load_<name>`` (:func:`tinygradconv.backend.known_backends`); whether one loads on this machine is found out
#: when it is first used.
BACKENDS = ("numpy", "cupy", "array_api_strict")

_DEFAULTS = {"floatx": "float32", "image_data_format": "channels_last", "backend": "numpy", "epsilon": 1e-7}

#: The choices of each setting that the environment may set too, from ``TINYGRADCONV_<NAME>``.
_CHOICES = {"floatx": _FLOAT_TYPES, "image_data_format": _DATA_FORMATS, "backend": BACKENDS}


def config_path() -> Path:
    """Where the configuration file lives (it need not exist)."""
    home = os.environ.get("TINYGRADCONV_HOME")
    base = Path(home) if home else Path.home() / ".tinygradconv"
    return base / "config.json"


def _load() -> dict:
    """The settings, each checked with the place it came from named in the error: a bad value in the file or the
    environment is a ``ValueError`` at import (as Keras 3 refuses a bad ``KERAS_BACKEND`` or ``keras.json``), which
    says which file or variable to mend."""
    settings = dict(_DEFAULTS)
    sources = dict.fromkeys(_DEFAULTS, "the default")
    path = config_path()
    if path.is_file() or path.is_dir():     # a folder in its place is an error (IsADirectoryError), not "absent"
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError, RecursionError) as exc:    # RecursionError: lists nested thousands deep
            raise ValueError(f"Could not read the configuration file {path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError(f"The configuration file {path} must hold a JSON object. Received: {loaded!r}")
        for key in _DEFAULTS.keys() & loaded.keys():
            settings[key], sources[key] = loaded[key], f"the configuration file {path}"
    for key, choices in _CHOICES.items():
        if os.environ.get(name := f"TINYGRADCONV_{key.upper()}"):
            settings[key], sources[key] = os.environ[name], f"the environment variable {name}"
        value = settings[key]
        value = value.lower() if key == "image_data_format" and isinstance(value, str) else value
        if value not in choices:
            raise ValueError(f"Invalid value for the setting `{key}` from {sources[key]}: expected one of "
                             f"{choices}. Received {key}={settings[key]!r}")
        settings[key] = value
    epsilon = settings["epsilon"]
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
        raise ValueError(f"Invalid value for the setting `epsilon` from {sources['epsilon']}: expected a number "
                         f"between 0 and 1 (Keras' default is 1e-7). Received epsilon={epsilon!r}")
    return settings


def _check_floatx(value):
    if value not in _FLOAT_TYPES:
        raise ValueError(f"Invalid value for argument `floatx`. Expected one of {_FLOAT_TYPES}. "
                         f"Received floatx={value!r}")


def floatx() -> str:
    """The default float type of new tensors and weights (``"float32"`` unless configured)."""
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    """Set the default float type: ``"float16"``, ``"float32"`` or ``"float64"``."""
    _check_floatx(value)
    _settings["floatx"] = value


def epsilon() -> float:
    """The fuzz factor used to avoid division by zero (Keras' ``epsilon()``, 1e-7)."""
    return _settings["epsilon"]


def image_data_format() -> str:
    """``"channels_last"`` (the default: ``(batch, steps, channels)``) or ``"channels_first"``."""
    return _settings["image_data_format"]


def set_image_data_format(value: str) -> None:
    """Set the layout used when a layer or op gets ``data_format=None``."""
    _settings["image_data_format"] = standardize_data_format(value)


def standardize_data_format(value) -> str:
    """Lower-case and check a data format; ``None`` means the configured one.

    >>> standardize_data_format("Channels_First")
    'channels_first'
    """
    if value is None:
        return image_data_format()
    fmt = str(value).lower()
    if fmt not in _DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={fmt}"
        )
    return fmt


def default_backend_name() -> str:
    """The backend chosen by the configuration file or ``TINYGRADCONV_BACKEND`` (default ``"numpy"``)."""
    return _settings["backend"]


try:
    _settings = _load()
except ValueError as error:      # `python -m tinygradconv info` prints the message and exits with status 2
    from .scripts import exit_on_command_line

    exit_on_command_line(error)
    raise
