"""Compression Explorer: train small MNIST networks, binarize and prune them, measure.

Modules, one idea each: ``data`` (verified MNIST), ``models`` (mlp, cnn), ``train``
(training, fine-tuning, evaluation), ``binarize``, ``prune``, ``settings`` (what to do),
``compress`` (apply settings without side effects), ``size`` (bytes), ``report``
(accuracy + size of one setting), ``checkpoint`` (safe files), ``cli``.
"""

from .settings import CompressionSettings

__all__ = ["CompressionSettings"]
