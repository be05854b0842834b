"""Layers: the ``Layer`` base class, convolutions and the layers small models need.

Every layer is built on its first call and keeps Keras' weight layouts:

>>> import numpy as np
>>> from tinygradconv.layers import Conv1DTranspose
>>> layer = Conv1DTranspose(32, 3, strides=2, activation="relu")
>>> layer(np.random.rand(4, 10, 128)).shape     # (10 - 1) * 2 + max(3, 2) = 21 steps
(4, 21, 32)
>>> layer.kernel.shape                          # (kernel_size, filters, in_channels)
(3, 32, 128)
"""
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .convolutional import Conv1D, Conv1DTranspose, Convolution1DTranspose
from .core import Activation, Dense, Dropout, Flatten, Reshape
from .input_layer import Input, InputLayer
from .layer import Layer
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .normalization import BatchNormalization, LayerNormalization
from .reshaping import Cropping1D, UpSampling1D, ZeroPadding1D

__all__ = ["ELU", "Activation", "Add", "Average", "BatchNormalization", "Concatenate", "Conv1D", "Conv1DTranspose",
           "Convolution1DTranspose", "Cropping1D", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer",
           "LayerNormalization", "LeakyReLU", "Maximum", "Minimum", "Multiply", "PReLU", "ReLU", "Reshape", "Softmax",
           "Subtract", "UpSampling1D", "ZeroPadding1D"]
