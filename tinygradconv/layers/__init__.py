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
from .adaptive_pooling import AdaptiveAveragePooling1D, AdaptiveMaxPooling1D
from .convolutional import Conv1D, Conv1DTranspose, Convolution1D, Convolution1DTranspose
from .core import Activation, Dense, Dropout, Flatten, Reshape
from .depthwise import DepthwiseConv1D, SeparableConv1D, SeparableConvolution1D
from .embedding import Embedding
from .input_layer import Input, InputLayer
from .lambda_layer import Lambda
from .layer import Layer
from .masking import Masking
from .merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .noise import GaussianDropout, GaussianNoise, SpatialDropout1D
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization
from .pooling import (
    AveragePooling1D,
    AvgPool1D,
    GlobalAveragePooling1D,
    GlobalAvgPool1D,
    GlobalMaxPool1D,
    GlobalMaxPooling1D,
    MaxPool1D,
    MaxPooling1D,
)
from .preprocessing import Rescaling
from .recurrent import GRU, LSTM, SimpleRNN
from .regularization import ActivityRegularization
from .reshaping import Cropping1D, Identity, Permute, RepeatVector, UpSampling1D, ZeroPadding1D
from .wrappers import TimeDistributed

__all__ = [
    "ELU",
    "GRU",
    "LSTM",
    "Activation",
    "ActivityRegularization",
    "AdaptiveAveragePooling1D",
    "AdaptiveMaxPooling1D",
    "Add",
    "Average",
    "AveragePooling1D",
    "AvgPool1D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv1DTranspose",
    "Convolution1D",
    "Convolution1DTranspose",
    "Cropping1D",
    "Dense",
    "DepthwiseConv1D",
    "Dropout",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAvgPool1D",
    "GlobalMaxPool1D",
    "GlobalMaxPooling1D",
    "GroupNormalization",
    "Identity",
    "Input",
    "InputLayer",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "MaxPool1D",
    "MaxPooling1D",
    "Maximum",
    "Minimum",
    "Multiply",
    "PReLU",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "SeparableConv1D",
    "SeparableConvolution1D",
    "SimpleRNN",
    "Softmax",
    "SpatialDropout1D",
    "Subtract",
    "TimeDistributed",
    "UnitNormalization",
    "UpSampling1D",
    "ZeroPadding1D",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]


def _hints():
    """Keras 3 layer names this package leaves out, each with what to use instead."""
    one_d = {"Conv": "Conv1D", "Convolution": "Conv1D", "ConvTranspose": "Conv1DTranspose",
             "Conv{}Transpose": "Conv1DTranspose", "MaxPooling": "MaxPooling1D", "MaxPool": "MaxPool1D",
             "AveragePooling": "AveragePooling1D", "AvgPool": "AvgPool1D", "GlobalMaxPooling": "GlobalMaxPooling1D",
             "GlobalAveragePooling": "GlobalAveragePooling1D", "GlobalMaxPool": "GlobalMaxPool1D",
             "GlobalAvgPool": "GlobalAvgPool1D", "UpSampling": "UpSampling1D", "ZeroPadding": "ZeroPadding1D",
             "Cropping": "Cropping1D", "SeparableConv": "SeparableConv1D", "DepthwiseConv": "DepthwiseConv1D",
             "Convolution{}Transpose": "Conv1DTranspose", "SeparableConvolution": "SeparableConv1D",
             "SpatialDropout": "SpatialDropout1D",
             "AdaptiveAveragePooling": "GlobalAveragePooling1D or AveragePooling1D",
             "AdaptiveMaxPooling": "GlobalMaxPooling1D or MaxPooling1D"}
    hints = {}
    for stem, ours in one_d.items():
        for d in ("2D", "3D"):
            name = stem.format(d) if "{}" in stem else stem + d
            hints[name] = f"tinygradconv's layers are 1-D (inputs (batch, steps, channels)): use {ours}"
    # 1-D Keras names that are not here either
    hints.update({
        "LocallyConnected1D": "Keras 2's LocallyConnected1D (gone from Keras 3) is not here: Conv1D shares its "
                              "weights across steps, or Dense on the flattened steps",
        "Deconvolution1D": "use Conv1DTranspose", "Deconv1D": "use Conv1DTranspose",
    })
    recurrent = ("the recurrent layers here are SimpleRNN, LSTM and GRU (a layer's cell is layer.cell); there is no "
                 "generic RNN(cell) wrapper, no Bidirectional and no ConvLSTM")
    hints.update({name: recurrent for name in ("Bidirectional", "RNN", "LSTMCell", "GRUCell", "SimpleRNNCell",
                                                "StackedRNNCells", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")})
    attention = "there are no attention layers here"
    hints.update({name: attention for name in ("MultiHeadAttention", "Attention", "AdditiveAttention",
                                                "GroupQueryAttention")})
    preprocessing = ("Keras' preprocessing layers are not here: prepare the data with NumPy before fit() (or "
                     "write a Layer subclass)")
    hints.update({name: preprocessing for name in (
        "CategoryEncoding", "Discretization", "Hashing", "HashedCrossing", "IntegerLookup", "StringLookup",
        "TextVectorization", "Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation",
        "RandomTranslation", "RandomZoom", "RandomContrast", "RandomBrightness", "Pipeline", "MelSpectrogram",
        "STFTSpectrogram", "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix",
        "Equalization", "MaxNumBoundingBoxes", "MixUp", "RandAugment", "RandomColorDegeneration",
        "RandomColorJitter", "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "RandomGrayscale",
        "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomSaturation",
        "RandomSharpness", "RandomShear", "Solarization")})
    wrapper = "there are no wrappers of other frameworks' models here"
    hints.update({name: wrapper for name in ("TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TFSMLayer")})
    hints["Wrapper"] = "there are no layer wrappers here: subclass tinygradconv.layers.Layer"
    for name in ("serialize", "deserialize"):
        hints[name] = "use layer.get_config() and type(layer).from_config(config) (a model: save() / load_model)"
    hints.update({
        "Dot": "there is no Dot layer: multiply([a, b]) then a sum (tg.ops.sum(x, axis=-1)), or tg.ops.matmul",
        "dot": "there is no Dot layer: multiply([a, b]) then a sum (tg.ops.sum(x, axis=-1)), or tg.ops.matmul",
        "AlphaDropout": "there is no AlphaDropout layer; use Dropout",
        "EinsumDense": "there is no EinsumDense layer: Dense acts on the last axis; other contractions in a Layer "
                       "subclass (tg.ops.matmul)",
        "RMSNormalization": "there is no RMSNormalization layer (x / sqrt(mean(x**2) + epsilon) * scale): write a "
                            "Layer subclass (LayerNormalization(rms_scaling=True) is another formula, as in Keras)",
        "SpectralNormalization": "there are no weight wrappers here (SpectralNormalization)",
        "ReversibleEmbedding": "use Embedding (the reverse projection: tg.ops.matmul(x, embeddings.T))",
        "InputSpec": "there is no InputSpec: a layer checks its input shape in build() or call()",
        "Normalization": "there is no preprocessing Normalization layer: standardize the data first, or use "
                         "BatchNormalization / LayerNormalization",
    })
    return hints


def __getattr__(name):
    from .._lookup import missing_attribute

    raise missing_attribute(__name__, name, __all__, _hints())
