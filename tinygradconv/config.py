"""Global settings: float type, image data format, default backend.

Values come, in increasing order of priority, from the built-in defaults, the JSON file
``~/.tinygradconv/config.json`` (or ``$TINYGRADCONV_HOME/config.json``), the environment variables
``TINYGRADCONV_FLOATX``, ``TINYGRADCONV_IMAGE_DATA_FORMAT`` and ``TINYGRADCONV_BACKEND``, and finally the setter
functions below.

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

_DEFAULTS = {
    "floatx": "float32",
    "image_data_format": "channels_last",
    "backend": "numpy",
    "epsilon": 1e-7,
}


def config_path() -> Path:
    """Where the configuration file lives (it need not exist)."""
    home = os.environ.get("TINYGRADCONV_HOME")
    base = Path(home) if home else Path.home() / ".tinygradconv"
    return base / "config.json"


def _load() -> dict:
    settings = dict(_DEFAULTS)
    path = config_path()
    if path.is_file():
        try:
            loaded = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"Could not read the configuration file {path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError(f"The configuration file {path} must hold a JSON object. Received: {loaded!r}")
        settings.update({k: v for k, v in loaded.items() if k in _DEFAULTS})
    for key in ("floatx", "image_data_format", "backend"):
        env = os.environ.get(f"TINYGRADCONV_{key.upper()}")
        if env:
            settings[key] = env
    _check_floatx(settings["floatx"])
    settings["image_data_format"] = standardize_data_format(settings["image_data_format"])
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


_settings = _load()
