"""Saving and loading weights and whole models: ``.npz`` archives, written atomically, read without pickle.

Format. Every file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays) holding:

* one array per weight, keyed ``"<layer path>/<weight name>"``, e.g. ``"conv1d_transpose/kernel"``. The layer path is
  the snake-case class name of each layer, numbered within its parent in order (``dense``, ``dense_1``, ...;
  ``block/dense/kernel`` for a layer inside a sub-model), as Keras 3 does, so the keys do not depend on the globally
  unique layer names and a file fits any model of the same architecture (built in the same process or not);
* the key ``"__tinygradconv__"``: UTF-8 JSON as a ``uint8`` array, with the format, and for a whole model
  (:func:`save_model`) the architecture: the model's class name and ``get_config()`` (for ``Sequential``, each
  layer's class name and config), the input shape it was built for, and the compile arguments when they are
  names or configs.

:func:`save_weights` and :func:`save_model` write the same format (``save_model`` adds the architecture), so
``load_weights`` reads either; the recommended suffixes are ``.weights.npz`` and ``.tgc.npz``. (A path ending in
``.weights.h5`` reads or writes Keras 3's weights format instead, and ``.keras`` a Keras 3 model: see
:mod:`tinygradconv.keras_format`.) Any ``.npz`` of
arrays with the right keys (e.g. written by ``np.savez``) can be loaded as weights too. A compiled model's file also
holds its optimizer's state (step count, moments, schedule position, a learning rate set as a number) under keys
``"__optimizer__/..."`` (see :mod:`tinygradconv.training_state`), restored by :func:`load_model`, so training
resumes exactly where it stopped; ``load_weights`` ignores them.

Safety. Every write goes to a temporary file in the destination's directory, is flushed and fsynced, and then
``os.replace``-d over the destination: a crash never leaves a half-written file, and the old file stays intact.
Files get ordinary permissions, those of the process umask as ``open`` gives them (:func:`atomic_write`, which the
figures and GIFs of :mod:`tinygradconv.viz` use too). Loading never unpickles: a file is checked to be a zip archive
of ``.npy`` arrays first, then read with NumPy's pickle-free loader. Everything is validated before anything is
assigned, so a failed load leaves the model unchanged.

Errors (each message names the file once):

* :class:`MissingFileError` (both a ``FileNotFoundError`` and a ``ValueError``, naming the path): no such file;
  ``IsADirectoryError``: a directory;
* :class:`SavedFileError` (a ``ValueError``): a file that is not one of our archives (the message says what it is:
  a text file, an image, a single ``.npy`` array, a zip archive of other files, a pickle...), a damaged archive
  (truncated or corrupted), an archive holding Python objects, or one that does not match the model (missing or
  unexpected keys, wrong shapes: the message names the key, layer and weight, and both shapes).

>>> import os, tempfile
>>> import numpy as np
>>> import tinygradconv as tg
>>> from tinygradconv.layers import Layer
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")
...     def call(self, inputs):
...         return inputs * self.w
>>> model = tg.models.Sequential([Scale()])
>>> _ = model(np.ones((1, 3)))
>>> path = os.path.join(tempfile.mkdtemp(), "scale.weights.npz")
>>> model.save_weights(path)
>>> sorted(np.load(path, allow_pickle=False).files)
['__tinygradconv__', 'scale/w']
"""
from __future__ import annotations

import copy
import errno
import inspect
import json
import os
import reprlib
import secrets
import stat
import threading
import warnings
import zipfile

import numpy as np

from . import _lookup, layers, losses, metrics, optimizers
from ._lookup import (
    custom_object,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    snake_case,
)
from .layers.keras_tensor import map_structure
from .layers.layer import Layer
from .training_state import optimizer_arrays, restore_optimizer, split_optimizer_arrays
from .validation import caller_stacklevel, flag, path_like

__all__ = ["MissingFileError", "SavedFileError", "atomic_write", "custom_object_scope", "deserialize_layer",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model", "load_weights",
           "register_keras_serializable", "save_model", "save_weights", "serialize_layer", "weight_keys"]

META_KEY = "__tinygradconv__"
FORMAT_VERSION = 1


class SavedFileError(ValueError):
    """A saved file that cannot be loaded: corrupted, truncated, pickled, or not matching the model."""


#: How deeply a saved file's JSON may nest lists and objects. A Keras 3 ``config.json`` nests about four levels per
#: model held in a model (38 for eleven nested models); the code that reads a config walks it recursively, so a
#: deeper one (``[[[[...]]]]``) is refused as damaged rather than let escape as a ``RecursionError``.
MAX_JSON_DEPTH = 200


#: A zip member (of a ``.npz`` or ``.keras`` file) declaring more than this many bytes (4 GiB, Keras 3's floor)
#: must not expand more than ``ZIP_MAX_EXPANSION`` times what it stores: Keras 3 writes its members uncompressed,
#: NumPy's ``savez_compressed`` rarely gains 10 times on weights, while a "zip bomb" (a member of zeros compressed
#: up to 1032 times) would fill this machine's memory when read.
ZIP_BOMB_FLOOR_BYTES = 1 << 32
ZIP_MAX_EXPANSION = 100


def refuse_zip_bomb(info, filepath):
    """Refuse, before it is read, the member ``info`` (a ``zipfile.ZipInfo``) of the archive ``filepath`` when it
    declares more than 4 GiB and more than 100 times what it stores, as Keras 3 refuses it ("Not allowed: ZIP
    member ... refusing to load a potential decompression bomb"); zipfile never reads past the declared size.

    Raises:
        SavedFileError: naming the file, the member and both sizes.
    """
    if info.file_size > ZIP_BOMB_FLOOR_BYTES and info.file_size > ZIP_MAX_EXPANSION * info.compress_size:
        raise SavedFileError(f"{filepath!r}: its member {info.filename!r} declares {info.file_size / 2**30:.3g} GiB "
                             f"but stores only {info.compress_size} bytes: not allowed, as a 'zip bomb' (a member "
                             "expanding more than 100 times) would fill this machine's memory when read; Keras 3 "
                             "refuses it too")


def load_json(text):
    """``json.loads(text)``, refusing JSON nested deeper than :data:`MAX_JSON_DEPTH` with a ``ValueError`` (as for
    JSON that does not parse: ``json.JSONDecodeError`` is one), never a ``RecursionError``.

    >>> load_json('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> load_json("[" * 300 + "]" * 300)
    Traceback (most recent call last):
    ...
    ValueError: the JSON nests lists and objects more than 200 levels deep (no saved model does)
    """
    too_deep = f"the JSON nests lists and objects more than {MAX_JSON_DEPTH} levels deep (no saved model does)"
    try:
        value = json.loads(text)
    except RecursionError:        # deeper than Python's recursion limit: the parser itself gives up
        raise ValueError(too_deep) from None
    pending = [(value, 1)]
    while pending:                # a loop, not recursion: the depth is what is being checked
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError(too_deep)
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return value


class MissingFileError(FileNotFoundError, ValueError):
    """No file at the path given to :func:`load_model` or :func:`load_weights`: both a ``FileNotFoundError`` (an
    ``OSError`` with ``errno``, ``filename``: Python's error for a missing file, as Keras 3's ``load_weights``
    raises) and a ``ValueError`` (Keras 3's ``load_model`` of a missing ``.keras`` file: "File not found"), so
    that code written for either catches it. ``str(error)`` names the path.

    >>> import tinygradconv as tg
    >>> model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2)])
    >>> try:
    ...     model.load_weights("no_such_file.weights.npz")
    ... except ValueError as error:
    ...     print(type(error).__name__, isinstance(error, FileNotFoundError), error.filename)
    MissingFileError True no_such_file.weights.npz
    """


# ----------------------------------------------------------------------------------------------- keys
def counted_name(name, used):
    """``name`` the first time, then ``name_1``, ``name_2``, ... for each later use, counted in the dict ``used``
    (Keras 3's ``_get_unique_name``: the keys of ``.weights.npz`` files and the paths of ``.keras`` files).

    >>> used = {}
    >>> [counted_name(name, used) for name in ["dense", "conv1d", "dense", "dense"]]
    ['dense', 'conv1d', 'dense_1', 'dense_2']
    """
    count = used.get(name, 0)
    used[name] = count + 1
    return name if count == 0 else f"{name}_{count}"


def weight_keys(model) -> list:
    """``(key, weight)`` pairs for every weight of ``model``, in the order of ``model.weights``.

    >>> from tinygradconv.layers import Layer
    >>> class Bias(Layer):
    ...     def build(self, input_shape):
    ...         self.b = self.add_weight((2,), initializer="zeros", name="bias")
    ...     def call(self, inputs):
    ...         return inputs + self.b
    >>> outer = Bias(); outer.inner = Bias(); outer.build((1, 2)); outer.inner.build((1, 2))
    >>> [key for key, _ in weight_keys(outer)]
    ['bias', 'bias_1/bias']
    """
    entries = []
    seen = set()

    def walk(layer, prefix):
        used = {}
        keys = {}       # numbered in creation order, whatever the weight's place in model.weights: keys never move
        for weight in layer._own_weights:
            if id(weight) not in seen and id(weight) not in keys:
                keys[id(weight)] = prefix + counted_name((weight.name or "weight").rsplit("/", 1)[-1], used)
        for weight in layer._own_weights_in_keras_order():     # listed in the order of model.weights
            if id(weight) in keys and id(weight) not in seen:
                seen.add(id(weight))
                entries.append((keys[id(weight)], weight))
        for sub in layer._sublayers():
            walk(sub, prefix + counted_name(snake_case(type(sub).__name__), used) + "/")

    walk(model, "")
    order = model.weights
    if len(order) != len(entries) or any(a is not b for a, (_, b) in zip(order, entries)):  # pragma: no cover
        raise RuntimeError("internal error: weight keys out of step with model.weights")
    return entries


# ----------------------------------------------------------------------------------------------- writing
def atomic_write(filepath, write, *, to_path=False) -> None:
    """Write ``filepath`` through a temporary file beside it, then move that file over ``filepath``.

    Args:
        filepath: the destination (its directory must exist).
        write: called with the open temporary file (binary mode), or with its path when ``to_path=True``, for
            writers that open the file themselves (matplotlib's ``savefig``, Pillow). The temporary file has the
            same suffix as ``filepath``, so such writers still infer the format from it.

    The temporary file is flushed and fsynced before ``os.replace``, and removed if anything fails, so ``filepath``
    always holds either its old content or the complete new one. Permissions are those ``open(path, "w")`` gives:
    a new file gets the process umask's mode (``0o666 & ~umask``, e.g. ``-rw-r--r--``), not the ``0o600`` of
    ``tempfile.mkstemp``; overwriting an existing file keeps that file's mode (a ``0o600`` file stays ``0o600``),
    as ``open``, ``np.savez`` and Keras do. Every file tinygradconv writes (weights, models, figures, GIFs) goes
    through here.

    A symbolic link is written through, as ``open`` does: its target gets the new content and the link stays. An
    existing file that ``open(path, "w")`` may not write (read-only, for a user without the right to override
    that) is refused as ``open`` refuses it (``PermissionError``, as Keras and ``np.savez`` raise), although the
    move would only need the folder to be writable.

    Raises:
        FileNotFoundError: the destination's directory does not exist.
        PermissionError: the destination exists and may not be written, or its folder may not be written.
    """
    filepath = os.fspath(filepath)
    if os.path.islink(filepath):
        filepath = os.path.realpath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "Cannot save: the directory to save into does not exist", filepath)
    if os.path.isfile(filepath):      # the check open(path, "w") makes, without truncating anything
        os.close(os.open(filepath, os.O_WRONLY))
    stem, suffix = os.path.splitext(os.path.basename(filepath))
    tmp = os.path.join(directory, f".{stem}.{secrets.token_hex(6)}.tmp{suffix}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0o666 & ~umask, as open() creates files
    except OSError as exc:  # e.g. a read-only folder: name the destination, not the temporary file
        raise type(exc)(exc.errno, exc.strerror, filepath) from None
    try:
        try:  # overwriting: keep the existing file's permission bits, as open(path, "w") does
            os.chmod(tmp, stat.S_IMODE(os.stat(filepath).st_mode))
        except FileNotFoundError:
            pass
        if to_path:
            os.close(fd)
            write(tmp)
            fd = os.open(tmp, os.O_RDONLY)  # the writer closed its own handle: sync the data it wrote
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.filename == tmp:  # name the destination, not the temporary file
            raise type(exc)(exc.errno, exc.strerror, filepath) from exc
        raise
    try:  # make the rename itself durable (POSIX); harmless where directories cannot be opened
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


#: The suffix of Keras 3's weights files (``model.save_weights``), read and written by
#: :func:`~tinygradconv.keras_format.load_keras_weights` / :func:`~tinygradconv.keras_format.save_keras_weights`.
KERAS_WEIGHTS_SUFFIX = ".weights.h5"


def _is_keras_weights(filepath):
    return str(filepath).endswith(KERAS_WEIGHTS_SUFFIX)


def _check_path(filepath, argument="filepath", weights=False):
    filepath = path_like(filepath, argument)
    if not str(filepath).endswith(".npz"):
        also = (f", or `{KERAS_WEIGHTS_SUFFIX}` for Keras 3's weights format" if weights
                else ", or `.keras` for a Keras 3 model")
        raise ValueError(f"Invalid value for argument `{argument}`. The file name must end in `.npz` (e.g. "
                         f"'model.weights.npz' or 'model.tgc.npz'){also}. Received {argument}={filepath!r}")
    return filepath


def _write_npz(filepath, arrays, meta):
    """Write ``arrays`` (a dict of NumPy arrays) and the JSON ``meta`` to ``filepath``, atomically."""
    meta_bytes = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)

    def write(f):
        with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for key, array in [(META_KEY, meta_bytes), *arrays.items()]:
                with archive.open(key + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asarray(array, order="C"), allow_pickle=False)  # (0-d kept)

    atomic_write(filepath, write)


def _require_weights(model):
    """A ValueError naming ``model`` when it has no weights to save yet (never built)."""
    if not model.built and not model.weights:
        raise ValueError(f"Model '{model.name}' has no weights yet: build it first (call it on data, or "
                         "model.build(input_shape)).")


def _check_overwrite(filepath, overwrite):
    """Refuse to replace an existing file when ``overwrite=False``. Keras 3 asks on the terminal whether to proceed;
    a program cannot answer, so this raises instead."""
    if not flag(overwrite, "overwrite"):
        path = os.fspath(filepath)
        if os.path.exists(path):
            raise FileExistsError(errno.EEXIST, "The file exists and overwrite=False (Keras would ask whether to "
                                                "replace it): pass overwrite=True to replace it, or another path", path)


def _weights_for_saving(model):
    _require_weights(model)
    return {key: weight.numpy() for key, weight in weight_keys(model)}


def save_weights(model, filepath, overwrite=True) -> None:
    """Write the weights of ``model`` to ``filepath`` (a ``.npz`` file), atomically.

    A path ending in ``.weights.h5`` writes Keras 3's weights format instead (Sequential and functional models;
    :func:`~tinygradconv.keras_format.save_keras_weights`), which ``keras_model.load_weights`` reads.
    ``overwrite=False`` refuses an existing file with ``FileExistsError`` where Keras 3 asks on the terminal.
    """
    _check_overwrite(path_like(filepath), overwrite)
    if _is_keras_weights(path_like(filepath)):
        from .keras_format import save_keras_weights

        return save_keras_weights(model, filepath)
    filepath = _check_path(filepath, weights=True)
    meta = {"format": "tinygradconv.weights", "format_version": FORMAT_VERSION}
    _write_npz(filepath, _weights_for_saving(model), meta)


def serialize_layer(layer) -> dict:
    """``{"class_name": ..., "config": layer.get_config()}``, checked to be JSON-friendly."""
    config = layer.get_config()
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Cannot save layer '{layer.name}' ({type(layer).__name__}): its get_config() is not "
                         f"JSON-serializable ({exc})") from None
    item = {"class_name": _lookup.registered_name(type(layer)) or type(layer).__name__, "config": config}
    if not _lookup.defined_here(type(layer)):
        item["python_module"] = type(layer).__module__   # your own class: never read back as ours of that name
        # (not Keras' "module" key, which marks a Keras config)
    return item


def _library_object(obj, module):
    """``{"class_name", "config"}`` for an object with ``get_config`` (of a tinygradconv class, or of your own, found
    again through ``custom_objects`` when loading, as in Keras); a plain function by its name (yours too); names
    stay names. Your own function or class named like one of ``module``'s is refused (a ``ValueError``:
    :func:`~tinygradconv._lookup.function_name`), since it would load back as the built-in."""
    kind = {"losses": "loss", "metrics": "metric", "optimizers": "optimizer"}[module.__name__.rsplit(".", 1)[-1]]
    if obj is None or isinstance(obj, (str, dict)):
        return obj
    if hasattr(obj, "get_config") and not inspect.isclass(obj):
        return {"class_name": _lookup.class_name(obj, kind), "config": obj.get_config()}
    if inspect.isfunction(obj):
        return _lookup.function_name(obj, kind)
    raise TypeError(f"{obj!r} is not a tinygradconv {kind} object")


def _function_entry(entry, kind):
    """``{"class_name": "function", "config": name}`` (a plain function given to ``compile``, as Keras 3 writes it:
    ``{"module": "builtins", "class_name": "function", "config": name, ...}``) as that function: your own one
    registered under ``name`` (``custom_objects``), else tinygradconv's loss or metric function of that name
    (``losses.mean_squared_error``), so that the loaded ``model.loss`` is the function, as in Keras 3 (a name given to
    ``compile`` stays a name). Any other value is returned as it is; so is an unknown name (compile then says it is
    unknown)."""
    if not (isinstance(entry, dict) and entry.get("class_name") == "function" and isinstance(entry.get("config"), str)):
        return entry
    name = entry["config"]
    found = custom_object(name)
    if found is None and _lookup.builtin(kind, name) is not None:   # a loss or metric name, not a helper ("get")
        found = getattr(losses if kind == "loss" else metrics, name, None)
    return found if inspect.isfunction(found) else name


def map_compile_structure(value, entry):
    """``value``, the loss, metrics or weighted metrics of ``compile`` (one entry: a name, a function, an object or
    its config ``{"class_name": ..., "config": ...}``; or a list, tuple or dict of them per output, at any depth),
    with ``entry`` applied to each entry: lists and tuples become lists, dicts of outputs keep their keys. A dict
    with a ``"class_name"`` is an entry, not a dict of outputs. The one walk over compile arguments, for the
    loaders here and both directions of :mod:`~tinygradconv.keras_format`.

    >>> map_compile_structure({"out": ["mae", ("mse",)], "aux": {"class_name": "MeanSquaredError"}},
    ...                       lambda entry: entry if isinstance(entry, dict) else entry.upper())
    {'out': ['MAE', ['MSE']], 'aux': {'class_name': 'MeanSquaredError'}}
    """
    return map_structure(entry, value, containers=list,
                         is_leaf=lambda item: isinstance(item, dict) and "class_name" in item)


def _with_custom_metrics(config):
    """``config`` with each metric that names a custom object (your own function or class, ``custom_objects``) made
    now, while the loader's :class:`custom_object_scope` is open: a model makes its metrics at its first batch.
    Per-output lists and dicts of metrics (Keras' forms, in ``.keras`` files) keep their structure. So do per-output
    losses, each config of a loss made a loss object (names stay names), so that ``model.loss`` holds what Keras 3's
    ``compile_from_config`` gives: ``[MeanSquaredError(...), "mae"]``; so does one loss (``MeanSquaredError(...)``,
    ``"mse"``, or the function of your own that the name registers)."""
    def made(metric):       # one metric: made now when it names your own object
        metric = _function_entry(metric, "metric")
        name = metric.get("class_name") if isinstance(metric, dict) else metric
        return metrics.get(metric) if isinstance(name, str) and custom_object(name) is not None else metric

    def loss_object(loss):      # one of per-output losses: a config made a loss object, as Keras' compile_from_config
        loss = _function_entry(loss, "loss")
        return losses.get(loss) if isinstance(loss, dict) else loss

    config = dict(config, **{key: map_compile_structure(config[key] or [], made)
                             for key in ("metrics", "weighted_metrics") if key in config})
    if "loss" in config:
        config["loss"] = _function_entry(config["loss"], "loss")   # a function given to compile: the function
    loss = config.get("loss")
    if isinstance(loss, (list, tuple)) or (isinstance(loss, dict) and "class_name" not in loss):
        config["loss"] = map_compile_structure(loss, loss_object)   # (one loss's config: compile makes it)
    elif isinstance(loss, str) and inspect.isfunction(custom_object(loss)):
        config["loss"] = custom_object(loss)    # your function itself, as Keras 3's loaded model.loss (names stay)
    return config


def _compile_config(model):
    """The compile arguments as JSON (names and configs of library objects), or None if any cannot be saved."""
    args = getattr(model, "_compile_args", None)
    if not getattr(model, "compiled", False) or args is None:
        return None
    def entry(obj, module):     # a function (ours or yours) marked as one, to load back as the function, not a name
        item = _library_object(obj, module)
        return {"class_name": "function", "config": item} if inspect.isfunction(obj) else item

    try:
        config = {"optimizer": _library_object(model.optimizer, optimizers),  # its current settings
                  "loss": entry(args["loss"], losses),
                  "metrics": [entry(m, metrics) for m in args["metrics"]],
                  "weighted_metrics": [entry(m, metrics) for m in args.get("weighted_metrics", [])]}
        if args.get("loss_weights") is not None:      # a number (a model of one output), written only when given
            config["loss_weights"] = float(args["loss_weights"])
        json.dumps(config)
    except (TypeError, ValueError) as exc:     # e.g. a lambda as the loss
        warnings.warn(f"The compile arguments of model {model.name!r} cannot be saved ({exc}): the model will load "
                      "uncompiled, without its optimizer's state; compile it again after loading",
                      stacklevel=caller_stacklevel())
        return None
    return config


def save_model(model, filepath, overwrite=True) -> None:
    """Write the architecture (JSON) and the weights of ``model`` to one ``.npz`` file, atomically.

    A path ending in ``.keras`` writes a Keras 3 archive instead (see :mod:`tinygradconv.keras_format`).
    ``overwrite`` as in Keras 3's ``model.save``: ``True`` (the default) replaces an existing file; with ``False``
    Keras asks on the terminal whether to replace it, where this raises ``FileExistsError`` (no prompt), leaving
    the file as it was.

    The architecture is written as JSON (nothing is pickled): a layer of your own class whose config JSON cannot
    hold (made with a NumPy array or a function as an argument, without a ``get_config`` of its own; or a
    ``get_config()`` returning one) is refused with a ``ValueError`` naming the layer, the argument and what to
    do, before anything is written (Keras' automatic config raises a bare ``NotImplementedError``). Keep only the
    weights with ``save_weights`` then.
    """
    _check_overwrite(path_like(filepath), overwrite)
    if str(getattr(filepath, "__fspath__", lambda: filepath)()).endswith(".keras"):
        from .keras_format import save_keras

        return save_keras(model, filepath)
    filepath = _check_path(filepath)
    from .keras_format import check_own_configs

    # a layer of your own whose config JSON cannot hold (a NumPy array as an argument): named before writing
    check_own_configs(model, f"Cannot save model '{model.name}' as {os.fspath(filepath)!r}", "a .npz file")
    weights = _weights_for_saving(model)
    shape = getattr(model, "_build_input_shape", None)
    if shape is None and weights:
        raise ValueError(f"Cannot save model '{model.name}': its input shape is unknown (its layers were built "
                         "outside the model). Call the model on data, or model.build(input_shape), first.")
    from . import __version__

    meta = {"format": "tinygradconv.model", "format_version": FORMAT_VERSION, "tinygradconv_version": __version__,
            "model": serialize_layer(model), "build_input_shape": None if shape is None else list(shape),
            "compile_config": _compile_config(model),
            # the paths the weights were trained with, which the config cannot always tell (see _load_model)
            "weight_paths": [w.path for w in model.weights]}
    if meta["compile_config"] is not None:  # the optimizer's state, to resume training (tinygradconv.training_state)
        weights.update(optimizer_arrays(model))
    _write_npz(filepath, weights, meta)


# ----------------------------------------------------------------------------------------------- reading
# The first bytes of files people load by mistake, to say what a file is when it is not one of our archives.
_FILE_KINDS = (
    (b"\x93NUMPY", "a single NumPy .npy array"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"\x89HDF\r\n\x1a\n", ("an HDF5 file (e.g. Keras .h5 weights; a file of Keras 3's save_weights is read as "
                           "such when its name ends in .weights.h5)")),
    (b"\x80", "a Python pickle"),
)
_NOT_OURS = "is not a tinygradconv archive (a .npz file written by save_weights or save)"


def _file_kind(head: bytes) -> str:
    """What a file that is not a zip archive is, from its first bytes: ``"a PNG image"``, ``"a text file"``..."""
    if not head:
        return "an empty file"
    for magic, kind in _FILE_KINDS:
        if head.startswith(magic):
            return kind
    for cut in range(4):  # the head may end inside a multi-byte UTF-8 character
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if all(c.isprintable() or c.isspace() for c in text):
            return "a text file"
        break
    return "not a zip archive"


class _DamagedMember(Exception):
    """Raised inside :func:`_read_npz` for the member ``key`` (its ``__cause__``: what NumPy or zipfile raised)
    that cannot be read, so that the message names it."""

    def __init__(self, key, exc):
        super().__init__(key, exc)
        self.key = key


def _read_npz(filepath):
    """``(arrays, meta)`` from a ``.npz`` file; ``meta`` is None for a plain archive. Never unpickles."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise MissingFileError(errno.ENOENT, "No such file", filepath)
    if os.path.isdir(filepath):
        raise IsADirectoryError(errno.EISDIR, "Expected a .npz file (or, for load_model, a .keras file or a folder "
                                "of Keras' model.save(folder, zipped=False), which holds config.json), found a "
                                "directory", filepath)
    with open(filepath, "rb") as f:  # our own handle: np.load leaks its own when the archive is damaged
        head = f.read(512)
        if not head.startswith(b"PK"):  # every zip archive (so every .npz) starts so
            raise SavedFileError(f"{filepath!r} {_NOT_OURS}: it is {_file_kind(head)}")
        f.seek(0)
        arrays = {}
        try:
            with np.load(f, allow_pickle=False) as data:
                others = [name for name in data.zip.namelist() if not name.endswith(".npy")]
                if {"config.json", "model.weights.h5"} <= set(others):    # a .keras file by another name
                    raise SavedFileError(
                        f"{filepath!r} {_NOT_OURS}: it looks like a Keras 3 .keras archive (it holds "
                        f"{', '.join(others[:5])}): name it with the .keras suffix (in lower case), as Keras 3 "
                        "does, by which load_model and load_weights read it as one")
                if others:
                    raise SavedFileError(f"{filepath!r} {_NOT_OURS}: it is a zip archive of other files "
                                         f"({', '.join(others[:5])}{', ...' if len(others) > 5 else ''})")
                for info in data.zip.infolist():
                    refuse_zip_bomb(info, filepath)
                    if stat.S_ISLNK(info.external_attr >> 16):   # zipfile reads the link's text, never follows it
                        raise SavedFileError(f"{filepath!r}: its member {info.filename!r} is a symbolic link, not "
                                             "an array: not allowed (a .npz file holds its arrays itself)")
                for key in data.files:
                    try:
                        arrays[key] = data[key]
                    except ValueError as exc:
                        if "allow_pickle" not in str(exc):
                            raise _DamagedMember(key, exc) from exc
                        raise SavedFileError(f"{filepath!r} holds Python objects (pickled data) under key {key!r}, "
                                             "not numbers: tinygradconv never unpickles, as unpickling can run any "
                                             "code") from None
                    except Exception as exc:    # zlib, CRC, an unknown compression method: name the member
                        raise _DamagedMember(key, exc) from exc
                    if not isinstance(arrays[key], np.ndarray):    # NumPy gives the bytes of a member that
                        raise SavedFileError(                      # does not start as a .npy file does
                            f"{filepath!r} is a damaged .npz archive: its member '{key}.npy' is not a NumPy .npy "
                            f"array (it starts with {bytes(arrays[key][:16])!r})")
        except (SavedFileError, PermissionError):
            raise
        except _DamagedMember as damaged:
            exc = damaged.__cause__
            raise SavedFileError(f"{filepath!r} is a damaged .npz archive (truncated or corrupted): its member "
                                 f"'{damaged.key}.npy' cannot be read: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # BadZipFile, EOFError, zlib errors, a bad .npy header...: a damaged archive
            raise SavedFileError(f"{filepath!r} is a damaged .npz archive (truncated or corrupted): "
                                 f"{type(exc).__name__}: {exc}") from exc
    meta = None
    if META_KEY in arrays:
        raw = arrays.pop(META_KEY)
        try:
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise ValueError(f"expected a 1-D uint8 array, found {raw.dtype} with shape {raw.shape}")
            meta = load_json(raw.tobytes().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise SavedFileError(f"{filepath!r}: corrupted metadata under key {META_KEY!r}: {exc}") from None
        if not isinstance(meta, dict):
            raise SavedFileError(f"{filepath!r}: corrupted metadata under key {META_KEY!r}: not a JSON object")
        version = meta.get("format_version", 0)
        if isinstance(version, bool) or not isinstance(version, int):    # "2" > 1 was a bare TypeError
            raise SavedFileError(f"{filepath!r}: corrupted metadata under key {META_KEY!r}: format_version "
                                 f"{version!r} is not an integer")
        if version > FORMAT_VERSION:
            raise SavedFileError(f"{filepath!r} was written in format version {version}, newer "
                                 f"than this tinygradconv reads ({FORMAT_VERSION}); upgrade tinygradconv")
    return arrays, meta


def _layer_of(key):
    """The layer path of a weight key: ``"block/dense"`` for ``"block/dense/kernel"``, ``""`` for the model's own."""
    return key.rsplit("/", 1)[0] if "/" in key else ""


def bool_for_bool(array, weight) -> bool:
    """Whether ``array`` holds bools for a bool ``weight`` (``add_weight(dtype="bool", trainable=False)``, which
    Keras 3 stores as bool data); the loaders refuse bool data for any other weight."""
    return array.dtype.kind == "b" and str(weight.dtype) == "bool"


def _skip_mismatches(entries, arrays, filepath):
    """``entries`` less the weights of every layer whose stored arrays do not match it (a missing or unexpected
    weight, another shape, not numbers), with one ``UserWarning`` naming those layers and why, as Keras 3's
    ``load_weights(skip_mismatch=True)`` skips a layer it cannot load; arrays of layers the model does not have
    are ignored, as Keras ignores them."""
    by_layer = {}
    for key, weight in entries:
        by_layer.setdefault(_layer_of(key), []).append((key, weight))
    stored = {}
    for key in arrays:
        stored.setdefault(_layer_of(key), set()).add(key)
    kept, skipped = [], []
    for path, layer_entries in by_layer.items():
        expected = {key for key, _ in layer_entries}
        reason = None
        if stored.get(path, set()) != expected:
            reason = (f"expected the weights {sorted(expected)}, the file has "
                      f"{sorted(stored.get(path, set())) or 'none'}")
        else:
            for key, weight in layer_entries:
                array = arrays[key]
                if ((array.dtype.kind not in "fiu" and not bool_for_bool(array, weight))
                        or tuple(array.shape) != tuple(weight.shape)):
                    reason = (f"weight '{key}' has shape {tuple(weight.shape)}, the file has {array.dtype} data of "
                              f"shape {tuple(array.shape)}")
                    break
        if reason is None:
            kept.extend(layer_entries)
        else:
            # the layer's own name, from its weight's path: 'sequential/d1/kernel' -> 'd1'
            named = (layer_entries[0][1].path or "").rpartition("/")[0].rpartition("/")[2]
            also = f", layer '{named}'" if named and named != path else ""
            skipped.append(f"'{path or '(the model itself)'}'{also} ({reason})")
    if skipped:
        warnings.warn(f"{filepath!r}: skip_mismatch=True: {len(skipped)} layer(s) could not be loaded and keep "
                      f"their current weights: {'; '.join(skipped)}", UserWarning, stacklevel=caller_stacklevel())
    return kept


def _assign(model, arrays, filepath, skip_mismatch=False):
    """Check every array against the model's weights, then (only then) assign them all; with ``skip_mismatch``,
    leave out (with a warning) the layers whose arrays do not match, as Keras 3 skips them."""
    entries = weight_keys(model)
    if skip_mismatch:
        entries = _skip_mismatches(entries, arrays, filepath)
        arrays = {key: arrays[key] for key, _ in entries}
    expected = dict(entries)
    missing = [key for key in expected if key not in arrays]
    extra = [key for key in arrays if key not in expected]
    if missing or extra:
        hint = ""
        if not entries:
            hint = (f" Model '{model.name}' has no weights yet: build it first (call it on data, or "
                    "model.build(input_shape)).")
        raise SavedFileError(f"{filepath!r} does not match model '{model.name}': "
                             f"missing keys {missing}, unexpected keys {extra}.{hint}")
    values = []
    for key, weight in entries:
        array = arrays[key]
        if array.dtype.kind not in "fiu" and not bool_for_bool(array, weight):
            raise SavedFileError(f"{filepath!r}: weight '{key}' (model weight '{weight.path or weight.name}') has "
                                 f"dtype {array.dtype}; expected numbers (bools for a bool weight only)")
        if tuple(array.shape) != tuple(weight.shape):
            raise SavedFileError(f"{filepath!r}: shape mismatch for weight '{key}' (model weight "
                                 f"'{weight.path or weight.name}'): the model expects shape {tuple(weight.shape)}, "
                                 f"the file has shape {tuple(array.shape)}")
        values.append(array)
    for (_, weight), array in zip(entries, values):
        weight.data = weight.backend.asarray(array, dtype=weight.dtype)


def load_weights(model, filepath, skip_mismatch=False) -> None:
    """Load weights saved by :func:`save_weights` (or :func:`save_model`) into ``model``: all or nothing.

    A path ending in ``.weights.h5`` is read as a file of Keras 3's ``model.save_weights``, and one ending in
    ``.keras`` as a Keras 3 model archive, whose weights are read as Keras 3's ``load_weights`` reads them
    (:func:`~tinygradconv.keras_format.load_keras_weights`): by layer path, into the same architecture.

    ``skip_mismatch=True``, as in Keras 3: a layer whose stored weights do not match it (another shape, another
    number of weights, none stored) is skipped, keeping its weights, with one ``UserWarning`` naming the skipped
    layers; the other layers are loaded. Keras may load part of a layer before finding a mismatch; here a layer
    is loaded whole or not at all.

    Raises:
        ValueError: ``model`` is not built yet, as Keras 3 raises for every format ("You are loading weights into a
            model that has not yet been built"), before the file is read: a model that built some of its layers
            only (a ``Sequential`` whose first layer was built on its own, which Keras does not build either) would
            otherwise fail on keys or counts that do not say why.
        SavedFileError: a file that does not fit the model (see above), or is not one of these formats.
        MissingFileError: no such file (a ``FileNotFoundError``, as Keras 3's ``load_weights`` raises, and a
            ``ValueError``).
    """
    filepath = path_like(filepath)
    skip_mismatch = flag(skip_mismatch, "skip_mismatch", "load_weights")
    if not model.built:
        raise ValueError(not_built_message(model))
    from .keras_format import is_keras_folder, load_keras_weights

    if is_keras_folder(filepath):       # Keras 3 refuses it too ("File format not supported")
        raise SavedFileError(f"{filepath!r} is a folder of Keras' model.save(folder, zipped=False): load_weights "
                             f"reads files only, as in Keras. Give its weights file, model.load_weights("
                             f"{os.path.join(filepath, 'model.weights.h5')!r}), or load the whole model with "
                             f"models.load_model({filepath!r})")
    if _is_keras_weights(filepath) or str(filepath).endswith(".keras"):
        return load_keras_weights(model, filepath, skip_mismatch=skip_mismatch)
    arrays, _ = _read_npz(filepath)
    _assign(model, split_optimizer_arrays(arrays)[0], filepath, skip_mismatch)


_STEPS_LAYERS = ("Conv1D", "Conv1DTranspose", "UpSampling1D", "ZeroPadding1D", "Cropping1D", "DepthwiseConv1D",
                 "SeparableConv1D", "SpatialDropout1D")


def build_example(model):
    """``(shape, meaning)``: an input shape that ``model`` builds with, and what it stands for, e.g.
    ``("(None, 8)", "samples of 8 features (the first layer is a Dense)")``; used by the messages of
    ``Model.build`` and ``load_weights`` for a model that is not built.

    For a ``Sequential`` that starts with a ``Dense`` or a layer of sequences, candidate shapes are tried on a copy
    of the model, most familiar first (8 features for a ``Dense``; 16 steps of 1 channel for a layer of sequences,
    then longer signals and more channels, in the first layer's ``data_format``), so that the example fits every
    layer: a kernel longer than 16 steps, ``groups``, cropping. Other models, and a stack that no candidate fits,
    get the data's own shape in general.

    >>> from tinygradconv import layers, models
    >>> build_example(models.Sequential([layers.Dense(2)]))
    ('(None, 8)', 'samples of 8 features (the first layer is a Dense)')
    >>> build_example(models.Sequential([layers.Conv1D(4, 20, groups=2)]))
    ('(None, 64, 2)', 'samples of 64 steps of 2 channels (the first layer is a Conv1D)')
    """
    generic = "(None, *x.shape[1:])", "the shape of your data x, batch axis first"
    stack = getattr(model, "layers", None) if type(model).__name__ == "Sequential" else None
    if (not stack or type(stack[0]).__name__ not in ("Dense", *_STEPS_LAYERS) or any(layer.built for layer in stack)
            or _trying_examples.active):
        return generic
    _trying_examples.active = True         # a copy that fails to build asks for an example too: not again
    try:
        return _first_example_that_builds(model, stack) or generic
    finally:
        _trying_examples.active = False


class _TryingExamples(threading.local):
    active = False


_trying_examples = _TryingExamples()


def _first_example_that_builds(model, stack):
    """The first candidate of :func:`build_example` that a copy of ``model`` builds with, as ``(shape,
    meaning)``; None when none does."""
    first = stack[0]
    kind = type(first).__name__
    channels_first = getattr(first, "data_format", "channels_last") == "channels_first"
    sequences = [(None, steps, channels) for steps in (16, 64, 256, 1024) for channels in (1, 2, 4, 8)]
    candidates = [(None, 8), *sequences] if kind == "Dense" else [*sequences, (None, 8)]
    for shape in candidates:
        if len(shape) == 3 and channels_first:
            shape = (None, shape[2], shape[1])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                copy.deepcopy(model).build(shape)
        except (ValueError, TypeError):
            continue
        if len(shape) == 2:
            return str(shape), f"samples of {shape[1]} features (the first layer is a {kind})"
        steps, channels = (shape[2], shape[1]) if channels_first else shape[1:]
        order = ", channels first" if channels_first else ""
        return str(shape), (f"samples of {steps} steps of {channels} channel{'s' if channels > 1 else ''}{order} "
                            f"(the first layer is a {kind})")
    return None


def _build_hint(model) -> str:
    """How to build ``model``: on a batch of data, or with :func:`build_example`'s shape."""
    shape, meaning = build_example(model)
    joint = "with" if shape.startswith("(None, *") else "for"
    return f"e.g. model(x[:1]) on a batch of your data x, or model.build({shape}) {joint} {meaning}."


def not_built_message(model) -> str:
    """Keras 3's message for ``load_weights`` into a model that is not built, with the model named, how to build
    it (an input shape that fits its first layer) and, for a ``Sequential`` whose first layer is built (which
    Keras does not build at construction either), why.

    >>> import tinygradconv as tg
    >>> print(not_built_message(tg.models.Sequential([tg.layers.Dense(3, name="h"), tg.layers.Dense(1)],
    ...                                               name="mlp")))   # doctest: +NORMALIZE_WHITESPACE
    You are loading weights into a model that has not yet been built (model 'mlp'). Try building the model first
    by calling it on some data or by using build(), e.g. model(x[:1]) on a batch of your data x, or
    model.build((None, 8)) for samples of 8 features (the first layer is a Dense).
    """
    message = (f"You are loading weights into a model that has not yet been built (model '{model.name}'). Try "
               f"building the model first by calling it on some data or by using build(), {_build_hint(model)}")
    first = (getattr(model, "layers", None) or [None])[0]
    if type(model).__name__ == "Sequential" and first is not None and first.built:
        message += (f" Its first layer '{first.name}' ({type(first).__name__}) is built, but a Sequential is built "
                    "when it is made only if it starts with layers.Input(shape), a layer given input_shape=, or a "
                    "Sequential or functional model whose input shape is known, and then has another layer, as in "
                    "Keras 3.")
    return message


def _lookup_class(class_name, custom_objects, filepath=None):
    """The layer or model class named ``class_name`` in a saved config: from ``custom_objects``, the registry (and
    :func:`custom_object_scope`), then tinygradconv's own. A registered name ``"package>Name"`` (older ``.npz``
    files wrote it as the class name) is also found under ``"Name"`` in ``custom_objects`` or a scope."""
    def given(name):    # in custom_objects, or registered (or in a scope) as a class
        return bool(custom_objects and name in custom_objects) or isinstance(custom_object(name), type)

    short = class_name.split(">")[-1] if isinstance(class_name, str) else class_name
    if short != class_name and not given(class_name) and given(short):
        class_name = short
    if custom_objects and class_name in custom_objects:
        cls = custom_objects[class_name]
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise SavedFileError(f"custom_objects[{class_name!r}] must be your layer or model class (a subclass of "
                                 f"tinygradconv.layers.Layer), for the layer of class {class_name!r}; received "
                                 f"{cls!r}")
        return cls
    custom = _given_layer_class(class_name)
    if custom is not None:
        return custom
    # Imported here, not at the top: tinygradconv.models imports this module (Model.save, Model.get_config).
    from . import functional, models

    for module in (layers, models, functional):
        cls = getattr(module, class_name, None)
        if isinstance(cls, type) and issubclass(cls, Layer):
            return cls
    where = f" in {filepath!r}" if filepath else ""
    variable = short if isinstance(short, str) and short.isidentifier() else "MyLayer"
    raise SavedFileError(f"Unknown layer or model class {class_name!r}{where}. If it is your own class, pass "
                         f"custom_objects={{{short!r}: {variable}}}.")


def _given_layer_class(name, custom_objects=None):
    """The layer class of your own that ``custom_objects`` (first), the registry or a :func:`custom_object_scope`
    gives ``name``; None when none gives a ``Layer`` subclass. (A loader that finds something else given there
    says so: :func:`_lookup_class`.)"""
    found = (custom_objects or {}).get(name)
    if found is None:
        found = custom_object(name)
    return found if isinstance(found, type) and issubclass(found, Layer) else None


def own_layer_class(custom_objects):
    """A function from a class name to the layer class of your own that ``custom_objects`` (or the registry, or a
    :func:`custom_object_scope`) gives it, or None: how ``from_config`` finds the classes of Keras' entries of
    classes of your own (:func:`~tinygradconv.keras_format.our_layer_entries`)."""
    return lambda name: _given_layer_class(name, custom_objects)


def class_names_to_try(item) -> tuple:
    """The names to find the class of a layer's description ``item`` by, in turn, as Keras 3's
    ``deserialize_keras_object`` looks them up: its ``registered_name`` first, when it is another name (Keras 3
    writes a registered class as ``registered_name: "package>Name"`` beside ``class_name: "Name"``), then its
    ``class_name``.

    >>> class_names_to_try({"class_name": "Scale", "registered_name": "my_package>Scale"})
    ('my_package>Scale', 'Scale')
    >>> class_names_to_try({"class_name": "Dense", "registered_name": None})
    ('Dense',)
    """
    registered, name = item.get("registered_name"), item.get("class_name")
    return (registered, name) if isinstance(registered, str) and registered != name else (name,)


def _class_of_entry(item, custom_objects):
    """The class of a layer's description, by :func:`class_names_to_try`: its ``registered_name`` when that name is
    in ``custom_objects`` or registered as a layer class (as Keras 3 and
    :func:`~tinygradconv.keras_format.keras_layer_entry` write a registered class, ``"package>Name"``), else its
    ``class_name`` (``custom_objects={"Name": cls}``, and files that wrote ``class_name: "package>Name"``)."""
    *first, name = class_names_to_try(item)
    for registered in first:     # in custom_objects (anything: _lookup_class names a wrong one), or registered
        if (custom_objects and registered in custom_objects) or _given_layer_class(registered) is not None:
            return _lookup_class(registered, custom_objects)
    return _lookup_class(name, custom_objects)


def deserialize_layer(item, custom_objects=None):
    """Rebuild a layer (or model) from :func:`serialize_layer`'s output, or from Keras 3's
    (``keras.layers.serialize(layer)``, which has a ``module`` key), translated as the model loaders translate it
    (:func:`tinygradconv.keras_format.our_layer_entries`: the same layers and the same refusals, named)."""
    if not isinstance(item, dict) or "class_name" not in item or not isinstance(item.get("config", {}), dict):
        raise SavedFileError(f"Malformed layer description: expected {{'class_name': ..., 'config': {{...}}}}, "
                             f"received {item!r}")
    from .keras_format import our_layer_entries

    # Keras' own description of a layer (or ours of a layer Keras has): translated
    item = our_layer_entries([item], "deserialize_layer", custom_objects)[0]
    cls = _class_of_entry(item, custom_objects)
    config = item.get("config", {})
    if (isinstance(item.get("python_module"), str) and not item["python_module"].startswith("tinygradconv")
            and _lookup.defined_here(cls)):
        name = item["class_name"]
        error = SavedFileError(f"layer {config.get('name')!r} is of your own class {name!r} (module "
                               f"{item['python_module']!r}), not tinygradconv's {name}: pass it when loading, "
                               f"custom_objects={{{name!r}: {name.split('>')[-1]}}}")
        error.own_class = (config.get("name"), name)     # read by clone_model, whose hint is another
        raise error
    with custom_object_scope(custom_objects):   # the layer's own functions (activation, ...) by name
        try:
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                return cls.from_config(config, custom_objects=custom_objects)
            return cls.from_config(config)
        except SavedFileError:      # a nested layer's, named already
            raise
        except (ValueError, TypeError) as exc:     # a bad argument, e.g. kernel_size=[0] in a hand-edited file
            hint = custom_objects_hint(exc)
            if not hint:
                raise type(exc)(f"layer {config.get('name')!r} ({item['class_name']}): {exc}") from None
            raise SavedFileError(f"layer {config.get('name')!r}: {exc}. {hint}") from None


def custom_objects_hint(exc, cloning=False):
    """For the ``ValueError`` of an unknown name (an activation, an initializer, ... that ``_lookup.lookup``
    did not find; also when re-raised by another error), how to pass your own object of that name when loading (or,
    with ``cloning``, when cloning: inside a scope, as Keras' ``clone_model`` needs); ``""`` for any other error."""
    while exc is not None and not hasattr(exc, "unknown_name"):     # the look-up's error, re-raised by a caller
        exc = exc.__cause__ or exc.__context__
    kind, name = getattr(exc, "unknown_name", (None, None))
    if kind is None:
        return ""
    variable = name if isinstance(name, str) and name.isidentifier() else "my_object"
    scope = f"tinygradconv.saving.custom_object_scope({{{name!r}: {variable}}})"
    if cloning:
        return f"If {name!r} is your own {kind}, clone inside {scope}, as in Keras."
    tinygradconv_own = ""
    if kind == "optimizer":     # a Keras file's optimizer of another library, or a Keras subclass of your own
        tinygradconv_own = (f" The object must be a tinygradconv optimizer class built from the file's config (e.g. "
                            f"custom_objects={{{name!r}: tinygradconv.optimizers.SGD}}, or a subclass of one of "
                            "your own), not a Keras class, which cannot train a tinygradconv model.")
    return (f"If {name!r} is your own {kind}, pass it when loading: custom_objects={{{name!r}: {variable}}}, or "
            f"load inside {scope}.{tinygradconv_own}")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild the model saved by :func:`save_model` in ``filepath`` and load its weights.

    Args:
        filepath: the ``.npz`` file (or a Keras 3 ``.keras`` file: see :mod:`tinygradconv.keras_format`).
        custom_objects: ``{"name": object}`` for your own layer and model classes and for your own functions
            (activations, initializers, regularizers, constraints, losses, metrics) named in the file, as in Keras
            (looked up before :func:`get_custom_objects` and the built-ins; see :class:`custom_object_scope`).
        compile: compile the model again with the saved optimizer, loss and metrics (when they were saved), and
            restore the optimizer's state, as Keras 3's ``load_model(compile=True)``; ``False``: an uncompiled
            model. For our ``.npz`` files and ``.keras`` files alike (those written by Keras too).
        safe_mode: accepted for Keras 3 compatibility (``True`` or ``False``), with no effect here. In Keras it
            refuses to deserialize ``Lambda`` layers and other code stored in the file (marshalled Python
            bytecode); this loader never runs code from a file in either mode: it reads JSON and numeric arrays
            only (never unpickles), and builds only registered classes or those in ``custom_objects``.

    Raises:
        MissingFileError: no such file (a ``FileNotFoundError`` and a ``ValueError``: Keras 3's ``load_model``
            raises a ``ValueError`` there).
        IsADirectoryError: a directory in place of an ``.npz`` file.
        SavedFileError: a damaged file, a weights-only file, an unknown class, or a directory in place of a
            ``.keras`` file (a ``ValueError``, as Keras 3 raises there).
        TypeError: ``filepath`` is not a path (``None``, a number); ``compile`` or ``safe_mode`` is not a bool.
    """
    filepath = path_like(filepath)
    flag(safe_mode, "safe_mode", "load_model")
    compile = flag(compile, "compile", "load_model")
    with custom_object_scope(custom_objects):
        return _load_model(filepath, custom_objects, compile)


def _restore_paths(model, paths, filepath):
    """Give the weights of a model read from a ``.tgc.npz`` file the paths they had when it was saved (the file's
    ``weight_paths``, one per weight in ``model.weights`` order; files written before 2026-12-07 have none). The
    loader builds the layers inside their model, as the model built them, but an inner ``Sequential`` started with
    an ``Input`` was built before its model held it (``"b/a/kernel"``, not ``"top/b/a/kernel"``) and its config
    does not say so. The paths name the optimizer's slots and are what ``Muon(exclude_layers=...)`` and
    ``exclude_from_weight_decay`` match, so a resumed optimizer finds its own state again.

    Raises:
        SavedFileError: ``weight_paths`` that is not a list of strings.
    """
    if paths is None:
        return
    if not (isinstance(paths, list) and all(isinstance(p, str) for p in paths)):
        raise SavedFileError(f"{filepath!r}: corrupted metadata: weight_paths {reprlib.repr(paths)} is not a list of "
                             "strings")
    weights = model.weights
    if len(paths) == len(weights):          # (another number: _assign names the difference)
        for weight, path in zip(weights, paths):
            weight.path = path


def _load_model(filepath, custom_objects, compile):
    if _is_keras_weights(filepath) and os.path.isfile(filepath):    # (it said "not a tinygradconv archive" before)
        raise SavedFileError(f"{filepath!r} is a weights file (Keras 3's model.save_weights, or ours, writes "
                             ".weights.h5 files): it holds only weights, no architecture. Build the model in code "
                             "and call model.load_weights(path) instead")
    from .keras_format import is_keras_folder, layers_built_in_their_model, load_keras

    # a Keras 3 archive (see tinygradconv.keras_format), or its files unzipped (Keras' save(folder, zipped=False))
    if str(filepath).endswith(".keras") or is_keras_folder(filepath):
        return load_keras(filepath, custom_objects, compile=compile)
    arrays, meta = _read_npz(filepath)
    if meta is None or "model" not in meta:
        raise SavedFileError(f"{filepath!r} holds only weights, no architecture: build the model in code and call "
                             "model.load_weights(path) instead")
    try:
        # the layers built inside their model, as when it was saved, an inner Sequential inside the outer one's
        # name scope: their weights keep the paths they were trained with ("top/b/a/kernel"; a Muon that excludes
        # "top/b" finds them again; _restore_paths below sets those the config cannot tell); Keras' from_config
        # builds them first, outside the model's scope (keras_format.build_layers_from_configs), as a .keras
        # file is loaded
        with layers_built_in_their_model():
            model = deserialize_layer(meta["model"], custom_objects)
    except (ValueError, TypeError) as exc:     # a damaged or hand-edited config too: the file is named
        raise SavedFileError(f"{filepath!r}: {exc}") from None
    shape = meta.get("build_input_shape")
    if shape is not None:

        def is_shape(s):
            return isinstance(s, list) and all(d is None or type(d) is int for d in s)

        # a functional model of several inputs has one shape per input (its config builds it), a list of shapes
        if not (is_shape(shape) or isinstance(shape, list) and shape and all(is_shape(s) for s in shape)):
            raise SavedFileError(f"{filepath!r}: corrupted metadata: build_input_shape {shape!r} is not a list of "
                                 "integers and nulls")
        if not model.built:
            from .models import call_takes_one_tensor

            if not call_takes_one_tensor(model):
                raise SavedFileError(
                    f"{filepath!r}: model {model.name!r} ({type(model).__name__}) calls on several tensors, so it "
                    "cannot be built again from the shape of its first input: make it in code, call it once on data "
                    "to build it, then model.load_weights(path)")
            model.build(tuple(shape))
    _restore_paths(model, meta.get("weight_paths"), filepath)
    arrays, optimizer_state = split_optimizer_arrays(arrays)
    _assign(model, arrays, filepath)
    config = meta.get("compile_config")
    if compile and config:
        try:
            model.compile(**_with_custom_metrics(config))
        except (ValueError, TypeError) as exc:
            hint = custom_objects_hint(exc)
            warnings.warn(f"{filepath!r}: the model was loaded but could not be compiled again ({exc}); "
                          f"{hint + ' Or c' if hint else 'c'}all model.compile(...) yourself",
                          stacklevel=caller_stacklevel())
        else:
            try:
                restore_optimizer(model, optimizer_state, filepath)
            except ValueError as exc:
                raise SavedFileError(str(exc)) from None
    return model
