"""Callbacks: hooks into ``fit``, ``evaluate`` and ``predict`` (Keras 3 API).

A :class:`Callback` receives ``set_model``/``set_params`` and then calls of its hooks:
``on_train_begin/end``, ``on_epoch_begin/end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)`` (whose
default implementations call ``on_batch_begin/end``), ``on_test_begin/end``, ``on_test_batch_begin/end``,
``on_predict_begin/end`` and ``on_predict_batch_begin/end``. ``logs`` holds the running values of the epoch
(``{"loss": ..., "mae": ...}``) and, at the end of an epoch, the ``val_`` values too. Setting
``model.stop_training = True`` ends ``fit`` after the current batch.

Provided: :class:`History` (always added by ``fit``), :class:`ProgbarLogger` (added when ``verbose`` is not 0; a
``tqdm`` bar per epoch, or one line per epoch with ``verbose=2``, written to ``sys.stdout``), :class:`EarlyStopping`,
:class:`ModelCheckpoint`, :class:`TerminateOnNaN`, :class:`LearningRateScheduler`, :class:`ReduceLROnPlateau`,
:class:`CSVLogger`, :class:`LambdaCallback`, :class:`BackupAndRestore` (resume an interrupted ``fit``) and
:class:`SwapEMAWeights` (evaluate on the optimizer's moving averages of the weights).

>>> import numpy as np
>>> import tinygradconv as tg
>>> from tinygradconv.layers import Layer
>>> class Scale(Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight((1,), initializer="zeros", name="w")
...     def call(self, inputs):
...         return inputs * self.w
>>> class Plain:                       # a bare-bones SGD, any object with apply(grads, variables) works
...     learning_rate = 0.1
...     def apply(self, grads, variables):
...         for g, v in zip(grads, variables):
...             v.data = v.data - self.learning_rate * g.data
>>> model = tg.models.Sequential([Scale()])
>>> model.compile(optimizer=Plain(), loss=lambda y, p: ((y - p) ** 2).mean())
>>> stop = tg.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", epoch == 1))
>>> history = model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=10, verbose=0, callbacks=[stop])
>>> history.epoch
[0, 1]
"""
from __future__ import annotations

import collections.abc
import csv
import importlib.util
import inspect
import math
import numbers
import os
import shutil
import sys
import time
import warnings

import numpy as np

from .validation import caller_stacklevel, flag, integer, number, path_like

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "SwapEMAWeights",
           "TerminateOnNaN"]


class Callback:
    """Base class of callbacks: every hook does nothing until overridden.

    Attributes:
        model: the model being trained (set by ``set_model``).
        params: ``{"verbose": ..., "epochs": ..., "steps": ...}`` (set by ``set_params``).
    """

    def __init__(self):
        self.params = {}
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backward-compatible alias of :meth:`on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backward-compatible alias of :meth:`on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch, with the epoch's ``loss``, metrics and ``val_`` values."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_HOOKS = ("on_batch_begin", "on_batch_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
          "on_predict_batch_end", "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
          "on_predict_begin", "on_predict_end")


class CallbackList(Callback):
    """Calls each hook on every callback of a list, in order (``fit`` adds a ``History`` and a progress bar).

    Args:
        callbacks: a list of :class:`Callback`, one callback alone, or ``None``.
        add_history: append a :class:`History` unless one is in the list.
        add_progbar: append a :class:`ProgbarLogger` unless one is in the list.
        model: the model, passed to each callback's ``set_model``.
        **params: passed to each callback's ``set_params`` (``verbose``, ``epochs``, ``steps``).
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):       # one callback alone, as Keras takes it (it flattens the argument)
            callbacks = [callbacks]
        if not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"Invalid type for argument `callbacks`. Expected a list of callbacks. Received "
                            f"callbacks={callbacks!r}")
        callbacks = list(callbacks)
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"Invalid value in argument `callbacks`. Expected instances of "
                                f"tinygradconv.callbacks.Callback. Received {callback!r}")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in callbacks):
            callbacks.append(ProgbarLogger())
        if add_history and not any(isinstance(c, History) for c in callbacks):
            callbacks.append(History())
        self.callbacks = callbacks
        if model is not None:
            self.set_model(model)
        self.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def _call(self, hook, *args):
        for callback in self.callbacks:
            getattr(callback, hook)(*args)


def _sorted_logs(logs):
    """A copy of ``logs`` with its keys in sorted order, the order Keras 3 gives every callback (its CallbackList
    passes the logs through ``pythonify_logs``), so ``History.history`` has ``['accuracy', 'loss', 'val_accuracy',
    ...]``."""
    return {} if logs is None else dict(sorted(logs.items()))


def _make_hook(hook):
    if hook.startswith("on_epoch") or hook.endswith(("batch_begin", "batch_end")):
        def method(self, index, logs=None):
            self._call(hook, index, _sorted_logs(logs))
    else:
        def method(self, logs=None):
            self._call(hook, _sorted_logs(logs))
    method.__name__ = hook
    return method


for _hook in _HOOKS:
    if _hook not in ("on_batch_begin", "on_batch_end"):
        setattr(CallbackList, _hook, _make_hook(_hook))


# ----------------------------------------------------------------------------------------------- History
class History(Callback):
    """Records the logs of every epoch: ``history.history["loss"][i]`` is the loss of epoch ``i``.

    Attributes:
        history: a dict from each log name (``loss``, metrics, ``val_...``) to its list of per-epoch values.
        epoch: the list of epoch indices seen.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


# ----------------------------------------------------------------------------------------------- progress
def _format_value(value):
    """Keras's progress-bar style: 4 decimals, or scientific notation for tiny values. An array of one value
    (``F1Score(average=None)`` of one class) is shown as that value, as Keras shows it; a longer one as a list."""
    try:
        value = float(np.asarray(value).reshape(())) if np.size(value) == 1 else float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_logs(logs):
    return " - ".join(f"{key}: {_format_value(value)}" for key, value in logs.items())


def _in_notebook():
    """Whether we run in a Jupyter kernel (its front end redraws a text bar in place, as a terminal does)."""
    return "ipykernel" in sys.modules


def _redrawn(stream):
    """Whether a bar on ``stream`` can be redrawn in place: a terminal, or a notebook's output."""
    isatty = getattr(stream, "isatty", None)
    return _in_notebook() or bool(isatty and isatty())


def _tqdm_class():
    """tqdm's notebook widget in a notebook that has ``ipywidgets``; tqdm's text bar everywhere else.

    (``tqdm.auto`` chooses the same, but warns "IProgress not found. Please update jupyter and ipywidgets" when a
    notebook lacks ``ipywidgets``; Keras prints its text bar there without a word, and so do we.)
    """
    if _in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


class ProgbarLogger(Callback):
    """Progress output on ``sys.stdout`` (so that ``capsys`` sees it), by ``params["verbose"]``.

    * ``verbose=1``: a ``tqdm`` bar per epoch (``Epoch 3/10``), with the running loss and metrics in its postfix and,
      when the epoch ends, the ``val_`` values; a bar for ``evaluate`` and ``predict`` too. In a notebook the bar is
      tqdm's widget when ``ipywidgets`` is installed, else its text bar (without tqdm's "IProgress not found"
      warning, as Keras). When ``sys.stdout`` is neither a terminal nor a notebook (piped, redirected to a file,
      captured), a redrawn bar would pile up its redraws on one line, joined by carriage returns: there each bar is
      printed once, as one line, when it is complete.
    * ``verbose=2``: one line per epoch, ``Epoch 3/10 - 0s - loss: 0.1234 - val_loss: 0.2345``.
    * ``verbose=0``: nothing (``fit`` does not even add this callback).
    """

    def __init__(self):
        super().__init__()
        self._bar = None
        self._redrawn = True        # whether the bar is redrawn in place (a terminal, a notebook), set with each bar
        self._in_fit = False
        self._start = 0.0
        self._last_postfix = 0.0

    @property
    def verbose(self):
        return self.params.get("verbose", 1)

    def _open(self, desc, total):
        self._close()
        self._start = time.perf_counter()
        self._last_postfix = 0.0
        if self.verbose == 1:
            self._redrawn = _redrawn(sys.stdout)
            # off a terminal, a delay that never ends: tqdm draws nothing, and _close prints the final bar
            self._bar = _tqdm_class()(total=total, desc=desc, file=sys.stdout, unit="step", leave=True,
                                      dynamic_ncols=False, ascii=True, delay=0 if self._redrawn else math.inf)

    def _update(self, logs):
        if self._bar is not None:
            now = time.perf_counter()
            # formatting the postfix costs more than a small training step: do it only when the bar redraws
            if logs and (now - self._last_postfix >= self._bar.mininterval
                         or self._bar.n + 1 >= (self._bar.total or 0)):
                self._bar.set_postfix_str(_format_logs(logs), refresh=False)
                self._last_postfix = now
            self._bar.update(1)

    def _close(self, logs=None):
        if self._bar is not None:
            if logs:
                self._bar.set_postfix_str(_format_logs(logs), refresh=False)
            line = None if self._redrawn else str(self._bar)     # the complete bar, as tqdm writes it
            self._bar.close()
            self._bar = None
            if line is not None:
                print(line, file=sys.stdout, flush=True)

    def _line(self, head, logs):
        elapsed = time.perf_counter() - self._start
        parts = [head, f"{elapsed:.0f}s"] + ([_format_logs(logs)] if logs else [])
        print(" - ".join(p for p in parts if p), file=sys.stdout, flush=True)

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._close()
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._open(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}", self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        self._update(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 2:
            self._line(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}", logs)
        self._close(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._open("Evaluate", self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            if self.verbose == 2:
                self._line("Evaluate", logs)
            self._close(logs)

    def on_predict_begin(self, logs=None):
        self._open("Predict", self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._update(None)

    def on_predict_end(self, logs=None):
        if self.verbose == 2:
            self._line("Predict", None)
        self._close()


# ----------------------------------------------------------------------------------------------- monitoring
_MAX_HINTS = ("acc", "auc", "precision", "recall", "f1", "fmeasure", "r2")
_MIN_HINTS = ("loss", "error", "mae", "mse", "mape", "msle", "crossentropy", "hinge", "cosh", "kl_divergence",
              "poisson")


def _direction(monitor, model, mode, who):
    """``"min"`` or ``"max"`` for a monitored quantity, decided at the end of the first epoch as in Keras 3.

    Mode ``"auto"`` follows Keras 3: ``"loss"`` and ``"val_loss"`` are minimised; another name (without its
    ``val_`` prefix) must be the reported name of a compiled metric whose direction is known (a ``_direction`` of
    ``"up"``/``"down"``, or one of this package's metric classes: accuracies are maximised, errors and
    cross-entropies minimised). Anything else, a misspelt name or a metric function of your own, raises the
    ValueError Keras raises, asking for ``mode``.
    """
    if mode in ("min", "max"):
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    for reported, metric, _ in getattr(model, "_metrics", None) or ():  # (name in the logs, metric, weighted)
        if reported != name:
            continue
        direction = getattr(metric, "_direction", None)
        if direction in ("up", "down"):
            return "max" if direction == "up" else "min"
        builtin = (type(metric).__module__ == "tinygradconv.metrics"
                   and type(metric).__name__ not in ("Mean", "MeanMetricWrapper"))
        known = type(metric).__name__.lower()  # e.g. "meanabsoluteerror", "binaryaccuracy"
        if builtin and any(hint in known for hint in _MIN_HINTS):
            return "min"
        if builtin and any(hint in known for hint in _MAX_HINTS):
            return "max"
    raise ValueError(f"{who} callback received monitor={monitor!r} but cannot determine automatically whether that "
                     "metric should be maximized or minimized (it is neither the loss nor a compiled metric of "
                     "known direction). Pass `mode='max'` in order to monitor based on the highest metric value, or "
                     "pass `mode='min'` in order to use the lowest value.")


def _improves(value, reference, mode, min_delta):
    """Whether ``value`` beats ``reference`` (None: nothing yet) by more than ``min_delta`` in direction ``mode``
    (Keras 3's ``MonitorCallback._is_improvement``)."""
    if reference is None:
        return True
    if mode == "min":
        return value + min_delta < reference
    return value - min_delta > reference


def _check_monitor(monitor):
    if not isinstance(monitor, str):
        raise TypeError(f"Invalid type for argument `monitor`. Expected a string. Received monitor={monitor!r}")
    return monitor


def _one_value(current, monitor, who):
    """The monitored value as a float; a metric with several values (an array: one per threshold or class) raises a
    ``ValueError``. An array of one value (``F1Score(average=None)`` of one class, logged as Keras logs it,
    ``array([0.4])``) is that value, as Keras compares it."""
    if np.size(current) != 1:
        raise ValueError(f"{who}: monitor={monitor!r} has one value per threshold or class ({current}); monitor a "
                         "metric with one value, e.g. Precision(thresholds=0.5)")
    return float(np.asarray(current).reshape(()))


def _check_mode(mode):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"Invalid value for argument `mode`. Expected 'auto', 'min' or 'max'. Received mode={mode!r}")
    return mode


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras 3 semantics).

    After each epoch (from ``start_from_epoch`` on) the monitored value is compared with the best so far; it
    improves when it is better by more than ``min_delta``. Training stops once ``patience`` epochs in a row have not
    improved (after at least one epoch). With ``baseline``, the patience counter restarts only on epochs that also
    beat the baseline. With ``restore_best_weights``, the weights of the best epoch are put back when training ends.

    Args:
        monitor: the log to watch (``"val_loss"``, ``"loss"``, ``"val_mae"``, ...).
        min_delta: the smallest change that counts as an improvement.
        patience: the number of epochs without improvement after which training stops.
        verbose: 1 prints a message when stopping and when restoring weights.
        mode: ``"min"``, ``"max"`` or ``"auto"``: as Keras 3, ``"loss"``/``"val_loss"`` decrease and a compiled
            metric's direction is known (accuracies increase, errors decrease); any other ``monitor`` (a misspelt
            name, a metric function of your own) raises a ValueError at the end of the first epoch asking for
            ``mode``. A monitor of known direction that is missing from the logs (``"val_loss"`` without
            validation data) only warns, each epoch.
        baseline: a value the monitored quantity must beat.
        restore_best_weights: restore the weights of the best epoch at the end of training.
        start_from_epoch: epochs to wait before monitoring starts (a warm-up).

    >>> EarlyStopping(patience=2).patience
    2
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        _check_monitor(monitor)
        number(min_delta, "min_delta")
        integer(patience, "patience", minimum=0, type_error=ValueError)
        integer(start_from_epoch, "start_from_epoch", minimum=0, type_error=ValueError)
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = _check_mode(mode)
        self.baseline = baseline
        self.restore_best_weights = flag(restore_best_weights, "restore_best_weights")
        self.start_from_epoch = int(start_from_epoch)
        self._mode = None
        self._reset()

    def _reset(self):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self._reset()
        self._mode = None

    def _is_improvement(self, value, reference):
        return _improves(value, reference, self._mode, self.min_delta)

    def on_epoch_end(self, epoch, logs=None):
        if self._mode is None:  # first, as Keras 3: a monitor of unknown direction fails even if it is missing
            self._mode = _direction(self.monitor, self.model, self.mode, "EarlyStopping")
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. Available "
                          f"metrics are: {', '.join(logs or {})}", stacklevel=caller_stacklevel())
            return
        if epoch < self.start_from_epoch:
            return
        current = _one_value(current, self.monitor, "EarlyStopping")
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # until something improves, the current weights are best
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, float(self.baseline)):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", file=sys.stdout)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                      file=sys.stdout)
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (or only its weights) at the end of each epoch, or every ``save_freq`` batches.

    Args:
        filepath: where to save, a ``.npz`` path (or a ``.keras`` path for the whole model, or with
            ``save_weights_only`` a ``.weights.h5`` path, both in Keras 3's formats); may contain ``{epoch:02d}``
            (counting from 1) and any log name, e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.npz"``.
        monitor: the log compared when ``save_best_only``.
        verbose: 1 prints a message at each save.
        save_best_only: save only when ``monitor`` improved on the best value so far (the file is then the best
            model seen). An epoch whose logs lack ``monitor`` (``validation_freq > 1``) warns and saves nothing:
            Keras 3.15 saves there, overwriting the best model with one it never compared.
        save_weights_only: write only the weights (``model.save_weights``) instead of the whole model
            (``model.save``).
        mode: ``"min"``, ``"max"`` or ``"auto"``, as for :class:`EarlyStopping`.
        save_freq: ``"epoch"`` or a number of batches.
        initial_value_threshold: with ``save_best_only``, save only values better than this one.

    Files are written atomically by :mod:`tinygradconv.saving`.

    >>> ModelCheckpoint("best.npz", save_best_only=True).monitor
    'val_loss'
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        filepath = path_like(filepath)
        name = str(filepath)
        if name.endswith(".keras") and save_weights_only:
            raise ValueError(f"Invalid value for argument `filepath`. With save_weights_only=True the file name must "
                             f"end in `.npz` or `.weights.h5` (a .keras file holds a whole model). Received "
                             f"filepath={filepath!r}")
        if name.endswith(".weights.h5") and not save_weights_only:
            raise ValueError(f"Invalid value for argument `filepath`. A `.weights.h5` file holds only weights: pass "
                             f"save_weights_only=True, or save the whole model as `.npz` or `.keras`. Received "
                             f"filepath={filepath!r}")
        if not name.endswith((".npz", ".keras", ".weights.h5")):
            raise ValueError(f"Invalid value for argument `filepath`. The file name must end in `.npz` (weights and "
                             f"models are saved as .npz archives), `.keras` (a whole model, Keras 3 format) or, with "
                             f"save_weights_only=True, `.weights.h5` (Keras 3's weights format). "
                             f"Received filepath={filepath!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, numbers.Integral)
                                     or save_freq <= 0):
            raise ValueError(f"Invalid value for argument `save_freq`. Expected 'epoch' or a positive integer. "
                             f"Received save_freq={save_freq!r}")
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = flag(save_best_only, "save_best_only")
        self.save_weights_only = flag(save_weights_only, "save_weights_only")
        self.mode = _check_mode(mode)
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = initial_value_threshold
        self._mode = None
        self._batches_seen = 0
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._epoch, logs, batch=batch)

    def on_epoch_end(self, epoch, logs=None):
        if self._mode is None:  # as Keras 3, even without save_best_only: an unknown monitor fails here
            self._mode = _direction(self.monitor, self.model, self.mode, "ModelCheckpoint")
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _path(self, epoch, logs, batch=None):
        try:
            values = dict(logs or {})
            if batch is not None:
                values["batch"] = batch + 1
            return self.filepath.format(epoch=epoch + 1, **values)
        except (KeyError, IndexError, ValueError) as exc:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {exc!r}') from None

    def _save(self, epoch, logs, batch=None):
        logs = logs or {}
        path = self._path(epoch, logs, batch)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.",
                              stacklevel=caller_stacklevel())
                return
            if self._mode is None:
                self._mode = _direction(self.monitor, self.model, self.mode, "ModelCheckpoint")
            if np.ndim(current) > 0:    # an array, even of one value: as Keras, warn and save (no "best")
                warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                              "Falling back to `save_best_only=False`.", stacklevel=caller_stacklevel())
                self._write(path, epoch)
                return
            current = float(current)
            if not _improves(current, self.best, self._mode, 0.0):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}", file=sys.stdout)
                return
            if self.verbose > 0:
                previous = "None" if self.best is None else f"{self.best:.5f}"       # Keras' words
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {previous} to {current:.5f}, saving model "
                      f"to {path}", file=sys.stdout)
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving model to {path}", file=sys.stdout)
        self._write(path, epoch)

    def _write(self, path, epoch):
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose > 0:        # Keras' second line, once the file is written
            print(f"Epoch {epoch + 1}: finished saving model to {path}", file=sys.stdout)


class ReduceLROnPlateau(Callback):
    """Multiply the optimizer's learning rate by ``factor`` when a monitored quantity has stopped improving
    (Keras 3's ``keras.callbacks.ReduceLROnPlateau``).

    At the end of each epoch the monitored value is compared with the best so far (an improvement beats it by more
    than ``min_delta``, as for :class:`EarlyStopping`). After ``patience`` epochs in a row without improvement the
    rate becomes ``max(lr * factor, min_lr)`` (unless it is already at ``min_lr`` or below), and then ``cooldown``
    epochs pass without counting. The rate of each epoch (before any reduction at its end) is logged as
    ``learning_rate``, so it appears in the history.

    Args:
        monitor: the log to watch (``"val_loss"``, ``"loss"``, ``"val_mae"``, ...).
        factor: the multiplier, ``0 <= factor < 1``.
        patience: the number of epochs without improvement after which the rate is reduced.
        verbose: 1 prints a message at each reduction.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (decided as for :class:`EarlyStopping`).
        min_delta: the smallest change that counts as an improvement.
        cooldown: after a reduction, the next ``cooldown - 1`` epochs are not counted as epochs without
            improvement (Keras counts the cooldown down at the start of the check, so ``cooldown=1`` skips none).
        min_lr: the lowest rate it reduces to.

    Raises:
        ValueError: ``factor >= 1`` (Keras' check), a negative ``factor``, ``patience``, ``cooldown`` or
            ``min_lr``, or an unknown ``mode`` (Keras warns and uses ``"auto"``); at the end of the first epoch, a
            ``monitor`` whose direction ``"auto"`` cannot decide.

    >>> ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2).factor
    0.5
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__()
        _check_monitor(monitor)
        if number(factor, "factor", low=0) >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = integer(patience, "patience", minimum=0, type_error=ValueError)
        self.verbose = verbose
        self.mode = _check_mode(mode)
        self.min_delta = abs(float(number(min_delta, "min_delta")))
        self.cooldown = integer(cooldown, "cooldown", minimum=0, type_error=ValueError)
        self.min_lr = float(number(min_lr, "min_lr", low=0))
        self._mode = None
        self._reset()

    def _reset(self):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        """Whether the epochs after the last reduction are still being waited out."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self._mode is None:  # first, as Keras 3: a monitor of unknown direction fails even if it is missing
            self._mode = _direction(self.monitor, self.model, self.mode, "ReduceLROnPlateau")
        logs = {} if logs is None else logs
        optimizer = _optimizer_of(self.model)
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {', '.join(logs)}.", stacklevel=caller_stacklevel())
            return
        current = _one_value(current, self.monitor, "ReduceLROnPlateau")
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if _improves(current, self.best, self._mode, self.min_delta):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        rate = logs["learning_rate"]
        if self.wait >= self.patience and rate > np.float32(self.min_lr):    # Keras compares with a float32 min_lr
            new_rate = max(rate * self.factor, self.min_lr)
            optimizer.learning_rate = new_rate
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_rate}.", file=sys.stdout)
            self.cooldown_counter = self.cooldown
            self.wait = 0


def _optimizer_of(model):
    """The compiled optimizer of ``model``, which must have a ``learning_rate`` (Keras' error otherwise)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError('Optimizer must have a "learning_rate" attribute.')
    return optimizer


class TerminateOnNaN(Callback):
    """Stop training as soon as the (running) loss of a batch is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training", file=sys.stdout)
            self.model.stop_training = True


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of each epoch to ``schedule(epoch, lr)`` (or ``schedule(epoch)``).

    The learning rate of each epoch is also logged as ``learning_rate`` (so it appears in the history).

    Args:
        schedule: a function of the epoch index (from 0) and the current learning rate, returning the new rate.
        verbose: 1 prints the new rate at each epoch, Keras' line after a blank line: ``"\\nEpoch 1:
            LearningRateScheduler setting learning rate to 0.005."``, the rate as the schedule returned it. The
            current rate given to the schedule is float64 here, Keras' a float32 value widened to a Python float, so
            ``lambda epoch, lr: lr * 0.5`` from 0.01 gives (and prints) ``0.005`` here, ``0.004999999888241291`` in
            Keras; a schedule that does not use ``lr`` prints the same in both.

    >>> scheduler = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError("Invalid type for argument `schedule`. Expected a function. "
                            f"Received schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose
        try:
            parameters = inspect.signature(schedule).parameters.values()
            positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            self._two_args = len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)
        except (TypeError, ValueError):
            self._two_args = True

    def _optimizer(self):
        return _optimizer_of(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self._optimizer()
        current = float(np.asarray(optimizer.learning_rate))
        rate = self.schedule(epoch, current) if self._two_args else self.schedule(epoch)
        if isinstance(rate, bool) or not isinstance(rate, (numbers.Real, np.floating)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {rate!r}")  # noqa: TRY004
        optimizer.learning_rate = float(rate)
        if self.verbose > 0:
            # Keras' line, a blank line first; the rate as the schedule returned it (a float32 prints as its float)
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(rate)}.",
                  file=sys.stdout)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self._optimizer().learning_rate))


def _csv_value(value):
    """A log value as Keras 3.15's ``CSVLogger`` writes it: a string as it is; anything else iterable but a 0-d
    array (an array of one value or several, a list, a tuple: a metric with several thresholds) as the text
    ``"[a, b]"``, double quotes included, each element as ``str`` writes it (a ``float32`` 0.1 as ``0.1``), which
    the CSV writer then quotes again (three double quotes on each side of ``[0.5]`` in the file, as in Keras'
    files); others (a number, a NumPy scalar, a 0-d array) as they are.

    >>> _csv_value(np.array([0.5], dtype="float32")), _csv_value(np.float32(0.5)), _csv_value((1, 2))
    ('"[0.5]"', np.float32(0.5), '"[1, 2]"')
    """
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Stream the logs of each epoch to a CSV file: a header ``epoch,<sorted log names>``, then one row per epoch.

    The columns are those of the first epoch's logs. Where these hold no validation values, a ``val_`` column is
    added for each of them, as Keras 3 does, so that ``validation_freq > 1`` loses nothing; epochs without a value
    there get ``NA`` (every epoch of a fit without validation data, as in Keras).

    The file is a log, written row by row and flushed after each epoch (not rewritten atomically); ``epoch`` counts
    from 0, as in Keras. The bytes are Keras 3.15's for the same logs: CSV of Python's ``excel`` dialect (rows end
    with ``\\r\\n``, cells holding the separator or a quote are quoted), numbers as ``str`` writes them, and a value
    with several elements (an array, even of one element, a list) as ``"[a, b]"`` with its double quotes, which
    the CSV quoting doubles (three double quotes on each side of ``[0.5]``), as Keras writes it. A real ``fit``
    can still write other digits than Keras' where the logs differ: metrics here are float64 by default (Keras'
    float32 ``[0.6666667, 0.75]`` is ``[0.6666666666666666, 0.75]`` here).

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: append to an existing file (writing the header only if the file is empty) instead of overwriting.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"Invalid value for argument `separator`. Expected a single character. "
                             f"Received separator={separator!r}")
        self.filename = path_like(filename, "filename")
        self.sep = separator
        self.append = flag(append, "append")
        self.keys = None
        self.writer = None
        self.csv_file = None
        self._write_header = True

    def on_train_begin(self, logs=None):
        mode = "w"
        self._write_header = True
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as f:
                    self._write_header = not f.readline()
            mode = "a"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")  # noqa: SIM115 - kept open by design
        self.keys = None
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(key.startswith("val_") for key in self.keys):
                # as Keras: validation may come in later epochs only (validation_freq > 1), so its columns are
                # there from the start, "NA" where an epoch has none (also in a fit without validation)
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            # Keras' dialect: csv.excel with the separator, so rows end with "\r\n" as in Keras' files
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect="excel",
                                         delimiter=self.sep, extrasaction="ignore")
            if self._write_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None


class LambdaCallback(Callback):
    """A callback made of plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Accepts any hook name as a keyword argument (``on_train_begin=lambda logs: ...``, ``on_batch_end=...``).
    """

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in _HOOKS:
                raise ValueError(f"Unknown hook {name!r} for LambdaCallback. Expected one of {list(_HOOKS)}")
            if not callable(fn):
                raise TypeError(f"Invalid type for argument `{name}`: expected a function, received {fn!r}")
            setattr(self, name, _lambda_hook(name, fn))


def _lambda_hook(name, fn):
    if name.endswith(("batch_begin", "batch_end")) or name.startswith("on_epoch"):
        def hook(index, logs=None):
            return fn(index, logs)
    else:
        def hook(logs=None):
            return fn(logs)
    return hook


class BackupAndRestore(Callback):
    """Back up the training state during ``fit``, and restore it at the start of the next ``fit`` after an
    interruption (Keras 3's ``keras.callbacks.BackupAndRestore``).

    At the end of each epoch (or every ``save_freq`` batches) the callback writes, into ``backup_dir``, the model's
    weights with its optimizer's state (step count, moments, averages and the learning rate when it is a number:
    :mod:`tinygradconv.training_state`; Keras keeps that rate as an optimizer variable, so a rate changed by a
    callback is restored, and a schedule is evaluated at the restored step count) and the epoch. When ``fit`` is
    interrupted (an exception, a killed process), the files stay; the next ``fit`` with a ``BackupAndRestore`` on
    the same ``backup_dir`` loads them in ``on_train_begin`` and starts at the first epoch not completed, so it goes
    on with the same weights, optimizer state and epoch as if it had not stopped (after a backup on a batch, the
    epoch it was in starts again, with the weights of that batch, as in Keras; this holds in a resumed ``fit`` too,
    where Keras 3.15 records epoch 0). A ``fit`` that ends normally deletes ``backup_dir`` (the whole directory, as
    Keras does) unless ``delete_checkpoint=False``. The model, its compile arguments and ``fit``'s arguments must be
    the same in both runs, as Keras asks.

    Files: ``latest.weights.npz`` (our ``.npz`` weights format, with the optimizer's arrays, as ``model.save``
    writes them: read without unpickling; its metadata holds the epoch, the batch and the model's build input
    shape; a backup written before 2026-12-07 held the learning rate there, and still resumes with it) and
    ``training_metadata.json`` (``{"epoch": ..., "batch": ...}`` as Keras writes it, written after the ``.npz`` and
    never read back). Everything needed to resume is in the one ``.npz``,
    written atomically (:func:`tinygradconv.saving.atomic_write`), so a crash while saving leaves the previous
    backup whole, and never pairs the weights of one epoch with the epoch of another. Keras writes
    ``latest.weights.h5`` instead (its weights format with its optimizer's variables), so a backup directory of
    one library does not resume in the other: ours refuses Keras' (below), and deletes nothing in it. A model not
    built yet (a ``Sequential`` without an ``Input``, which Keras builds before ``on_train_begin``) is built from
    the shape in the backup before its weights are restored.

    Args:
        backup_dir: the directory of the backup (made when needed); not to be shared with other files, nor with
            another training run or callback: it is deleted at the end of ``fit``.
        save_freq: ``"epoch"`` (back up at the end of each epoch), a positive number of batches (back up every
            ``save_freq`` batches, counted across epochs as Keras counts them), or ``False`` (never back up: Keras
            keeps it for backups on preemption, which tinygradconv does not have; Keras 3.15 then backs up after
            every batch).
        double_checkpoint: keep the previous backup too (``latest.weights.npz.bkp``,
            ``training_metadata.json.bkp``), restored when the latest ``.npz`` cannot be read (a damaged file).
        delete_checkpoint: delete ``backup_dir`` when ``fit`` ends normally.

    Raises:
        ValueError: an empty ``backup_dir`` (Keras' "Empty `backup_dir` argument passed"), a ``save_freq`` that is
            not ``"epoch"``, ``False`` or a positive integer; in ``fit``, a ``backup_dir`` that is a file, or
            holds Keras' backup (``latest.weights.h5``) or a ``training_metadata.json`` without our
            ``latest.weights.npz`` (naming ``backup_dir`` and its files), a model that is not built and a backup
            without its input shape (Keras' "you model must be built before you call `fit()`"), an optimizer's
            state that does not fit the compiled optimizer (another optimizer, or a saved learning rate where the
            optimizer now follows a schedule: Keras warns "Skipping variable loading for optimizer" and resumes
            with a fresh optimizer).
        TypeError: ``backup_dir`` is not a path, or is a ``bytes`` path; a flag that is not a bool.
        SavedFileError: a backup that does not fit the model (another architecture), or that cannot be read
            (damaged), and no previous one (``double_checkpoint``) that does.

    Source: Keras 3 documentation, ``keras.callbacks.BackupAndRestore`` (https://keras.io/api/callbacks/).

    >>> import tempfile
    >>> backup = BackupAndRestore(os.path.join(tempfile.mkdtemp(), "backup"))
    >>> os.path.basename(backup._weights_path)
    'latest.weights.npz'
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if backup_dir is not None and not isinstance(backup_dir, (str, os.PathLike)):
            path_like(backup_dir, "backup_dir")     # the TypeError naming the argument, for what is not a path
        if not backup_dir:
            raise ValueError(f"Invalid value for argument `backup_dir`. Expected the path of a directory (Keras: "
                             f"'Empty `backup_dir` argument passed'). Received backup_dir={backup_dir!r}")
        backup_path = path_like(backup_dir, "backup_dir")
        if not isinstance(backup_path, str):     # b"/tmp/x", or a PathLike giving bytes: os.path.join fails later
            raise TypeError(f"Invalid type for argument `backup_dir`. Expected a str or a pathlib.Path (a bytes "
                            f"path cannot be joined with the backup's file names). Received {backup_dir!r}")
        if save_freq is not False and save_freq != "epoch" and (
                isinstance(save_freq, bool) or not isinstance(save_freq, numbers.Integral) or save_freq <= 0):
            raise ValueError(f"Invalid value for argument `save_freq`. Expected 'epoch', a positive integer or "
                             f"False. Received: save_freq={save_freq!r}")
        self.backup_dir = backup_path
        self.save_freq = save_freq
        self.double_checkpoint = flag(double_checkpoint, "double_checkpoint")
        self.delete_checkpoint = flag(delete_checkpoint, "delete_checkpoint")
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.npz")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        from .saving import SavedFileError

        self._check_backup_dir()
        if not os.path.exists(self._weights_path) and not os.path.exists(self._prev_weights_path):
            return          # nothing to resume: a first fit
        try:
            self._load_model()
        except (OSError, SavedFileError):
            # the latest backup cannot be read (damaged): the previous one, when double_checkpoint kept it
            if not os.path.exists(self._prev_weights_path):
                raise
            _copy_atomically(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy_atomically(self._prev_training_metadata_path, self._training_metadata_path)
            self._load_model()

    def _check_backup_dir(self):
        """Refuse a ``backup_dir`` that holds a backup we did not write: resuming would skip epochs on fresh
        weights, and ``on_train_end`` would delete the files."""
        directory = self.backup_dir
        if os.path.exists(directory) and not os.path.isdir(directory):
            raise ValueError(f"Invalid value for argument `backup_dir`. Expected a directory (or a path to make "
                             f"one at). Received backup_dir={directory!r}, which is a file")
        if not os.path.isdir(directory):
            return
        names = sorted(os.listdir(directory))
        if any(name.startswith("latest.weights.h5") for name in names):
            raise ValueError(f"Invalid value for argument `backup_dir`: it holds a backup of Keras' "
                             f"BackupAndRestore ({', '.join(names[:6])}), which "
                             f"tinygradconv cannot resume from (its weights are in Keras' format). Expected a "
                             f"directory of tinygradconv's backup (latest.weights.npz), or none. Received "
                             f"backup_dir={directory!r}; give another directory, or delete that one yourself")
        if os.path.exists(self._training_metadata_path) and not (
                os.path.exists(self._weights_path) or os.path.exists(self._prev_weights_path)):
            raise ValueError(f"Invalid value for argument `backup_dir`: it holds training_metadata.json but no "
                             f"latest.weights.npz (nor its .bkp), so there are no weights to resume from "
                             f"(it holds {names[:6]}). Received backup_dir={directory!r}; give another "
                             f"directory, or delete that one yourself")

    def _load_model(self):
        """Restore the weights, the optimizer's state, its learning rate and the epoch from the backup."""
        from . import saving
        from .training_state import (
            LEARNING_RATE,
            _rate_is_a_number,
            restore_optimizer,
            split_optimizer_arrays,
        )

        arrays, meta = saving._read_npz(self._weights_path)
        backup = (meta or {}).get("backup")
        if not isinstance(backup, dict) or not isinstance(backup.get("epoch"), int):
            raise saving.SavedFileError(f"{self._weights_path!r} is not a backup of BackupAndRestore: it does not "
                                        f"hold the epoch it was written at")
        if not self.model.built:
            shape = backup.get("build_input_shape")
            if shape is None:
                raise ValueError(f"To use the BackupAndRestore callback, your model must be built before you "
                                 f"call `fit()` (Keras' message). Model '{self.model.name}' is unbuilt, and the "
                                 f"backup {self._weights_path!r} does not hold its input shape: build it "
                                 "beforehand by calling it on a batch of data.")
            self.model.build(tuple(shape))
        weights, optimizer_state = split_optimizer_arrays(arrays)
        rate = backup.get("learning_rate")      # where backups written before 2026-12-07 kept a rate (a number)
        if optimizer_state and LEARNING_RATE not in optimizer_state and isinstance(rate, float) and \
                _rate_is_a_number(getattr(self.model, "optimizer", None)):
            optimizer_state[LEARNING_RATE] = np.asarray(rate)
        saving._assign(self.model, weights, self._weights_path)
        restore_optimizer(self.model, optimizer_state, self._weights_path)    # with the learning rate
        self.model._initial_epoch = backup["epoch"]     # read by fit after on_train_begin, as Keras'

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch     # a backup on a batch of this epoch starts it again (also when resumed)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _should_save_on_batch(self, batch):
        """Keras' count: the batches since the last backup, across epochs (``batch`` counts from 0 in each)."""
        if self.save_freq in ("epoch", False):
            return False
        added = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen   # a new epoch
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self):
        import json

        from . import saving
        from .training_state import optimizer_arrays

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for latest, previous in ((self._weights_path, self._prev_weights_path),
                                     (self._training_metadata_path, self._prev_training_metadata_path)):
                if os.path.exists(latest):
                    _copy_atomically(latest, previous)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        backup = dict(metadata)
        shape = getattr(self.model, "_build_input_shape", None)
        if shape is not None:
            backup["build_input_shape"] = list(shape)
        # the .npz holds everything needed to resume (one file, replaced at once): the weights and the optimizer's
        # state with its learning rate (training_state.optimizer_arrays); the JSON, Keras' metadata, is written
        # after it, for people and tools, and never read back
        arrays = {**saving._weights_for_saving(self.model), **optimizer_arrays(self.model)}
        saving._write_npz(self._weights_path, arrays, {"format": "tinygradconv.weights",
                                                       "format_version": saving.FORMAT_VERSION, "backup": backup})
        text = json.dumps(metadata).encode("utf-8")
        saving.atomic_write(self._training_metadata_path, lambda f: f.write(text))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _copy_atomically(source, destination):
    """Copy the file ``source`` over ``destination`` through :func:`~tinygradconv.saving.atomic_write`."""
    from .saving import atomic_write

    with open(source, "rb") as f:
        data = f.read()
    atomic_write(destination, lambda out: out.write(data))


class SwapEMAWeights(Callback):
    """Put the optimizer's moving averages of the weights (EMA, "Polyak averaging") into the model while it is
    evaluated, and the trained weights back after (Keras 3's ``keras.callbacks.SwapEMAWeights``).

    ``evaluate`` (and the validation of each ``fit`` epoch) and ``predict`` with this callback then run on the
    averaged weights: ``on_test_begin`` / ``on_predict_begin`` swap them in, ``on_test_end`` / ``on_predict_end``
    swap them back, in place (each weight's array and its average exchange places; nothing is copied). With
    ``swap_on_epoch=True`` the averages are also swapped in at the end of each epoch and out at the start of the
    next, so that the callbacks after this one in the list (``ModelCheckpoint``) see, and save, the averaged
    weights; after the last epoch the model keeps them, and the averages are set to them too, as Keras does (the
    optimizer then writes its averages into the model at the end of ``fit``: see
    :meth:`~tinygradconv.optimizers.Optimizer.finalize_variable_values`).

    The optimizer must keep the averages: any optimizer of :mod:`tinygradconv.optimizers` made with
    ``use_ema=True`` (as in Keras), e.g. ``SGD(0.1, use_ema=True, ema_momentum=0.9)``, or one of your own (any
    object with ``apply(grads, variables)``, see :meth:`~tinygradconv.models.Model.compile`) that has
    ``use_ema = True`` and ``ema_weights``: one tensor per trainable weight of the model, in the order of
    ``model.trainable_weights``, holding its average (the interface of
    :attr:`~tinygradconv.optimizers.Optimizer.ema_weights`). Before the optimizer's first step there are no
    averages yet: the first swap is then the ``ValueError`` below, as in Keras.

    Args:
        swap_on_epoch: also swap at the end and start of each epoch (for the callbacks after this one).

    Raises:
        ValueError: at the first swap (not when made, as in Keras), an optimizer without ``use_ema=True`` (Keras'
            message, "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received:
            use_ema=False"), or without ``ema_weights`` of one tensor per trainable weight.
        TypeError: ``swap_on_epoch`` is not a bool.

    One difference: Keras 3.15's ``on_predict_end`` does not swap back (its test reads the flag the wrong way
    round), so after ``predict`` the Keras model keeps the averaged weights, and its averages the trained ones;
    here ``predict`` swaps back, as ``evaluate`` does in both.

    Source: Keras 3 documentation, ``keras.callbacks.SwapEMAWeights`` (https://keras.io/api/callbacks/).

    >>> import tinygradconv as tg
    >>> model = tg.models.Sequential([tg.layers.Input((2,)), tg.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> model.evaluate(np.ones((2, 2)), np.ones((2, 1)), callbacks=[SwapEMAWeights()])
    Traceback (most recent call last):
    ...
    ValueError: SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: use_ema=False
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = flag(swap_on_epoch, "swap_on_epoch")
        self._ema_weights_in_model = False

    def _averages(self):
        """The pairs (weight, its average), checked as Keras checks the optimizer."""
        optimizer = getattr(self.model, "optimizer", None)
        use_ema = getattr(optimizer, "use_ema", False)
        averages = getattr(optimizer, "ema_weights", None)
        if not use_ema or averages is None:
            raise ValueError(f"SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: "
                             f"use_ema={use_ema}" + ("" if not use_ema else " (and no `ema_weights` to swap)"))
        weights = self.model.trainable_weights
        averages = list(averages)
        if len(averages) != len(weights) or any(not hasattr(average, "data") for average in averages):
            raise ValueError(f"Invalid value for the optimizer's `ema_weights`. Expected one tensor per trainable "
                             f"weight of model '{self.model.name}' ({len(weights)}). Received {len(averages)} "
                             f"values")
        return list(zip(weights, averages))

    def _swap_variables(self):
        for weight, average in self._averages():
            weight.data, average.data = average.data, weight.data

    def _finalize_ema_values(self):
        for weight, average in self._averages():
            average.data = weight.backend.asarray(weight.data, copy=True)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True
            if epoch == self.params.get("epochs", 0) - 1:    # the last epoch: the model keeps the averages
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end
