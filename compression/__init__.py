"""Compression Explorer: train small MNIST networks, binarize and prune them, measure.

Modules, one idea each: ``data`` (verified MNIST), ``models`` (mlp, cnn), ``train``
(training, fine-tuning, evaluation), ``binarize``, ``prune``, ``settings`` (what to do),
``compress`` (apply settings without side effects), ``size`` (bytes), ``measure``
(accuracy + size of one setting), ``checkpoint`` (safe files), ``codecs`` (bit streams),
``compact_format`` (the ``.cxm`` file and its safe parser), ``packing`` (optional zlib/bz2/
xz), ``export`` (writing ``.cxm`` files, downloads), ``model_file`` (open either kind), ``cli``.
"""

from compression.settings import CompressionSettings

__all__ = ["CompressionSettings"]
