"""Layers: the ``Layer`` base class, convolutions and the layers small models need."""
from .layer import Layer

__all__ = ["Layer"]
