"""``TimeDistributed``: apply one layer to every time step of ``(batch, time, ...)`` inputs (Keras 3).

The same layer (the same weights) acts on each step ``x[:, t]``; here the time axis is folded into the batch, so
that the layer runs once on ``(batch * time, ...)`` and its output is unfolded to ``(batch, time, ...)``: one call,
no Python loop over the steps, and gradients through a ``reshape`` and the layer's own ops.

>>> import numpy as np
>>> from tinygradconv.layers import Dense, TimeDistributed
>>> TimeDistributed(Dense(8))(np.ones((2, 10, 16))).shape
(2, 10, 8)

Source: ``keras.layers.TimeDistributed`` (Keras 3.15, ``keras/src/layers/rnn/time_distributed.py``).
"""
from __future__ import annotations

from .core import check_rank
from .layer import Layer, call_takes

__all__ = ["TimeDistributed"]


class TimeDistributed(Layer):
    r"""Apply ``layer`` to every time step: :math:`y[:, t] = \mathrm{layer}(x[:, t])` for each ``t``, with the
    same weights at every step.

    Args:
        layer: a layer (an instance of :class:`~tinygradconv.layers.Layer`, a model too) that takes
            ``(batch, ...)``.

    Input shape: ``(batch, time, ...)``, at least 3-D. Output shape: ``(batch, time, ...)``, where ``...`` is the
    layer's output shape for ``(batch, ...)``.

    Computed as ``layer.call(x.reshape(batch * time, ...))`` reshaped to ``(batch, time, ...)`` (Keras 3.15 calls
    ``layer.call`` once per step and stacks the results: the same values for a layer that treats each sample on
    its own, such as ``Dense``, ``Conv1D``, the activations and pooling layers). They differ where the layer mixes
    the samples of a batch: ``BatchNormalization`` in training takes its statistics over the ``batch * time``
    samples here and over the ``batch`` samples of each step in Keras. As in Keras, the inner layer's ``call`` is
    run (not its ``__call__``), so its activity regularizer adds no loss.

    Masks: a mask of the input, ``(batch, time, ...)``, is passed on unchanged (as Keras' ``supports_masking``);
    a layer whose ``call`` takes ``mask`` gets it folded as its input is, ``(batch * time, ...)``.

    Weights: those of ``layer``, built for ``(batch, ...)`` (its ``build_config`` is Keras'). Saving: ``.npz``
    files (:func:`tinygradconv.saving.save_model`) hold it, and so do Keras' ``.keras`` and ``.weights.h5`` files,
    both ways: the inner layer's weights lie under ``layers/time_distributed/layer/vars``, where Keras puts them.

    Raises:
        TypeError: ``layer`` not a ``Layer`` (Keras raises a ``ValueError``).
        ValueError: an input of fewer than 3 axes; a mask whose first two axes are not the input's.

    >>> import numpy as np
    >>> from tinygradconv.layers import Conv1D
    >>> TimeDistributed(Conv1D(4, 3))(np.ones((2, 5, 7, 3))).shape       # 5 steps, each a (7, 3) sequence
    (2, 5, 5, 4)
    """

    single_input = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(f"Invalid type for argument `layer`. Expected a layer (a tinygradconv.layers.Layer "
                            f"instance) for TimeDistributed to wrap. Received layer={layer!r} (of type "
                            f"{type(layer).__name__})")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        check_rank(self, input_shape, 3, exact=False)
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        child = self._child_shape(input_shape)
        if not self.layer.built:
            self.layer._backend = self._backend     # its weights on the input's backend
            self.layer.build(child)
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        check_rank(self, inputs.shape, 3, exact=False)
        batch, steps, *rest = inputs.shape
        kwargs = {}
        if call_takes(self.layer, "training"):
            kwargs["training"] = training
        if mask is not None and call_takes(self.layer, "mask"):
            if mask.ndim < 2 or tuple(mask.shape[:2]) != (batch, steps):
                raise ValueError(f"Layer '{self.name}' (TimeDistributed): the mask's shape {tuple(mask.shape)} does "
                                 f"not start with the input's batch size and time steps ({batch}, {steps}) (input "
                                 f"shape {tuple(inputs.shape)})")
            kwargs["mask"] = mask.reshape(batch * steps, *mask.shape[2:])
        outputs = self.layer.call(inputs.reshape(batch * steps, *rest), **kwargs)
        return outputs.reshape(batch, steps, *outputs.shape[1:])

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def get_config(self):
        """Keras 3's config: the inner layer in Keras' form (``{"module", "class_name", "config", ...}``)."""
        from ..keras_format import keras_layer_entry  # keras_format imports the layers

        return {**super().get_config(), "layer": keras_layer_entry(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output or Keras' (the inner layer by
        :func:`tinygradconv.saving.deserialize_layer`, your own classes through ``custom_objects``)."""
        from ..keras_format import layer_arguments
        from ..saving import deserialize_layer

        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **layer_arguments(cls, config))
