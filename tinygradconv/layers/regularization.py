"""``ActivityRegularization``: the identity, adding a penalty on its input to the model's losses (Keras 3).

>>> import numpy as np
>>> from tinygradconv.layers import ActivityRegularization
>>> layer = ActivityRegularization(l1=0.5)
>>> layer(np.array([[1.0, -3.0], [2.0, 0.0]])).shape
(2, 2)
>>> float(layer.losses[0])          # 0.5 * (1 + 3 + 2 + 0) / 2 samples
1.5

Source: ``keras.layers.ActivityRegularization`` (Keras 3.15, ``keras/src/layers/regularization/``).
"""
from __future__ import annotations

from .. import regularizers
from .layer import Layer

__all__ = ["ActivityRegularization"]


class ActivityRegularization(Layer):
    r"""Pass the input on unchanged and add :math:`(l_1 \sum |x| + l_2 \sum x^2) / \mathrm{batch}` to
    :attr:`losses` at each call (``fit`` adds it to the loss it minimizes).

    The penalty is Keras 3's: the layer's ``activity_regularizer`` is ``regularizers.L1L2(l1, l2)``, and a layer's
    activity penalty is divided by the batch size (the output's first axis), as Keras 3.15 divides it. The sums run
    over every element of the batch.

    Args:
        l1: the L1 factor (a non-negative number).
        l2: the L2 factor (a non-negative number).

    Input and output shape: any, the same (``(batch, ...)``). The mask of the input, if any, is passed on, as
    Keras passes it.

    Gradient: the output's gradient, plus that of the penalty when it is part of the loss
    (:math:`l_1 \operatorname{sign}(x) + 2 l_2 x`, divided by the batch size).

    Raises:
        ValueError: ``l1`` or ``l2`` negative, infinite, NaN or not a number (Keras' ``validate_float_arg``).

    >>> import numpy as np
    >>> from tinygradconv import layers, models
    >>> model = models.Sequential([layers.Input((2,)), layers.Dense(2), ActivityRegularization(l2=0.01)])
    >>> _ = model(np.ones((4, 2)))
    >>> len(model.losses)
    1
    """

    single_input = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)        # Keras' own config never holds one; ours neither
        penalty = regularizers.L1L2(l1=l1, l2=l2)       # Keras' checks and errors
        super().__init__(activity_regularizer=penalty, **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = l1, l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
