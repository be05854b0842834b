"""Layers: the ``Layer`` base class, convolutions and the layers small models need."""
from .convolutional import Conv1D, Conv1DTranspose, Convolution1DTranspose
from .core import Activation, Dense, Dropout, Flatten, Reshape
from .layer import Layer
from .normalization import BatchNormalization, LayerNormalization
from .reshaping import Cropping1D, UpSampling1D, ZeroPadding1D

__all__ = ["Layer"]
__all__ += ["Activation", "BatchNormalization", "Cropping1D", "Dense", "Dropout", "Flatten", "LayerNormalization",
            "Reshape", "UpSampling1D", "ZeroPadding1D"]
__all__ += ["Conv1D", "Conv1DTranspose", "Convolution1DTranspose"]
