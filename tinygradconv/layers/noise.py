r"""Regularization layers that add noise in training: ``GaussianNoise``, ``GaussianDropout`` and
``SpatialDropout1D`` (Keras 3 semantics).

Each is the identity outside training (``training`` false or not given, as in Keras 3: ``Model.fit`` calls them
with ``training=True``). The noise is drawn from :func:`tinygradconv.random.generator` (so
:func:`tinygradconv.set_seed` makes it repeatable), or from the layer's own generator when ``seed`` is given, as
:class:`~tinygradconv.layers.Dropout` draws its mask: the same seed gives the same noise here. Keras draws from other
random streams (torch's), so the same seed does not give Keras' numbers: the tests compare the statistics, the shapes
and the identity outside training with Keras, not the noise itself.

The noise is a constant of the graph, so the gradient with respect to the input is that of ``x + noise``
(``1``), ``x * noise`` (``noise``) or the dropout mask (``mask / (1 - rate)``).

>>> import numpy as np
>>> from tinygradconv.layers import GaussianNoise
>>> layer = GaussianNoise(0.1, seed=0)
>>> bool((layer(np.zeros((2, 3))).numpy() == 0).all())            # outside training: the identity
True
>>> layer(np.zeros((2, 3)), training=True).shape
(2, 3)
"""
from __future__ import annotations

import math

from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import integer, number
from .core import Dropout, check_rank
from .layer import Layer

__all__ = ["GaussianDropout", "GaussianNoise", "SpatialDropout1D"]


class _Noise(Layer):
    """The seed and the draws both Gaussian layers share (the seed handled as :class:`Dropout` handles it)."""

    single_input = True

    def _init_seed(self, seed):
        self.seed = integer(seed, "seed", minimum=0, optional=True, type_error=ValueError)
        self._generator = None
        if self.seed is not None:
            from .. import random

            self._generator = random.generator(self.seed)

    def _float_input(self, inputs):
        """Integer or bool inputs as the layer's float dtype (Keras adds a float noise to them)."""
        return inputs if dtype_name(inputs.dtype).startswith("float") else inputs.astype(self.dtype)

    def _standard_normal(self, inputs):
        """A constant tensor of standard normal numbers of the input's shape and dtype, named for graphs."""
        if self._generator is not None:
            generator = self._generator
        else:
            from .. import random

            generator = random.generator()
        values = generator.standard_normal(inputs.shape).astype(dtype_name(inputs.dtype))
        noise = Tensor(values, backend=inputs.backend)
        noise.name = f"{self.name} noise"
        return noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class GaussianNoise(_Noise):
    r"""Add zero-centered Gaussian noise in training: :math:`y = x + \sigma \varepsilon`,
    :math:`\varepsilon \sim \mathcal{N}(0, 1)` drawn anew for every element at every call; outside training
    :math:`y = x`. A regularizer (and a way to augment real-valued inputs).

    Args:
        stddev: :math:`\sigma`, a number in ``[0, 1]`` (Keras' bounds; ``0`` adds nothing).
        seed: an integer ``>= 0`` for this layer's own generator (the same seed gives the same noise here; not the
            noise Keras draws from the same seed, see :mod:`tinygradconv.layers.noise`).
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Input and output shape: any; the output has the input's shape (and, in training, the layer's float dtype for
    integer inputs).

    Gradient: 1 with respect to the input (the noise is a constant).

    Raises:
        ValueError: ``stddev`` outside ``[0, 1]`` or NaN; a ``seed`` that is not an integer ``>= 0``.
        TypeError: a ``stddev`` that is not a number.

    Source: ``keras.layers.GaussianNoise`` (Keras 3.15, ``keras/src/layers/regularization/gaussian_noise.py``).

    >>> import numpy as np
    >>> y = GaussianNoise(0.5, seed=1)(np.zeros((1000, 10)), training=True).numpy()
    >>> bool(abs(y.mean()) < 0.05 and abs(y.std() - 0.5) < 0.05)
    True
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        number(stddev, "stddev", low=0, high=1)
        self.stddev = stddev
        self._init_seed(seed)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        inputs = self._float_input(inputs)
        return inputs + self._standard_normal(inputs) * self.stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    r"""Multiply by Gaussian noise of mean 1 in training: :math:`y = x \varepsilon`,
    :math:`\varepsilon \sim \mathcal{N}(1, \mathrm{rate} / (1 - \mathrm{rate}))` (standard deviation
    :math:`\sqrt{\mathrm{rate} / (1 - \mathrm{rate})}`), drawn anew for every element at every call; outside
    training :math:`y = x`. The expected output is the input, as with :class:`Dropout`.

    Args:
        rate: the drop probability of the dropout it imitates, a number in ``[0, 1)``; ``0`` changes nothing. Keras
            accepts ``rate=1`` and then fails in training (``ZeroDivisionError``): here too it is accepted (a
            config of Keras loads) and refused in training, with a ``ValueError``.
        seed: an integer ``>= 0`` for this layer's own generator (see :class:`GaussianNoise`).
        **kwargs: ``name``, ``dtype``, ``trainable``.

    Input and output shape: any; the output has the input's shape.

    Gradient: the noise :math:`\varepsilon` with respect to the input.

    Raises:
        ValueError: ``rate`` outside ``[0, 1]`` or NaN; ``rate=1`` in training; a bad ``seed``.
        TypeError: a ``rate`` that is not a number.

    Source: ``keras.layers.GaussianDropout`` (Keras 3.15, ``keras/src/layers/regularization/gaussian_dropout.py``).

    >>> import numpy as np
    >>> y = GaussianDropout(0.2, seed=1)(np.ones((1000, 10)), training=True).numpy()
    >>> bool(abs(y.mean() - 1) < 0.05 and abs(y.std() - 0.5) < 0.05)      # sqrt(0.2 / 0.8) = 0.5
    True
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        number(rate, "rate", low=0, high=1)
        self.rate = rate
        self._init_seed(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(f"Invalid value for argument `rate`. Expected a number in [0, 1) to train layer "
                             f"'{self.name}' (GaussianDropout): rate=1 gives noise of infinite standard deviation "
                             f"(Keras fails with ZeroDivisionError). Received rate={self.rate}")
        inputs = self._float_input(inputs)
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (self._standard_normal(inputs) * stddev + 1.0)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class SpatialDropout1D(Dropout):
    r"""Dropout of whole channels: in training, each channel of each sample of a ``(batch, steps, channels)``
    input is zeroed at every step with probability ``rate`` (one draw per ``(sample, channel)``, the noise shape
    ``(batch, 1, channels)``), the kept ones scaled by :math:`1 / (1 - \mathrm{rate})`; outside training the
    identity. Where neighbouring steps are strongly correlated (the features of a convolution), dropping single
    values regularizes little; dropping whole channels does (Tompson et al., 2015).

    It is :class:`Dropout` with ``noise_shape=(None, 1, None)``, so a dropped ``inf`` or NaN gives 0, as Keras' seeded
    or shaped dropout gives (``where(mask, x / keep, 0)``).

    Args:
        rate: the fraction of channels to drop, ``0 <= rate <= 1``.
        seed: an integer ``>= 0`` for this layer's own generator (the same seed gives the same mask here; Keras'
            masks come from torch's generator and differ).
        name, dtype: as for any layer (Keras' ``SpatialDropout1D`` takes no other keyword, ``trainable`` neither).

    Input shape: ``(batch, steps, channels)``, 3-D only (as Keras' input spec ``ndim=3``). Output: the same shape.

    Raises:
        ValueError: ``rate`` outside ``[0, 1]``, a bad ``seed``, an input that is not 3-D.
        TypeError: a ``rate`` that is not a number, a keyword argument other than ``name`` and ``dtype``.

    Source: ``keras.layers.SpatialDropout1D`` (Keras 3.15, ``keras/src/layers/regularization/spatial_dropout.py``).

    >>> import numpy as np
    >>> y = SpatialDropout1D(0.5, seed=0)(np.ones((2, 3, 4)), training=True).numpy()
    >>> bool((y == y[:, :1, :]).all())          # each channel is kept or dropped at every step at once
    True
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, noise_shape=(None, 1, None), seed=seed, name=name, dtype=dtype)

    def call(self, inputs, training=None):
        check_rank(self, inputs.shape, 3)
        if training and self.rate > 0 and not dtype_name(inputs.dtype).startswith("float"):
            inputs = inputs.astype(self.dtype)      # integer data give the layer's floats in training, as Keras
        return super().call(inputs, training=training)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 3)
        return tuple(input_shape)

    def get_config(self):
        """Keras 3.15's keys, which are fewer than other layers' (no ``trainable``; ``dtype`` a name)."""
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}

