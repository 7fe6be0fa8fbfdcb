"""Compression Explorer's engine: train small MNIST networks, compress them, measure them.

Top level: ``settings`` (what to do), ``compress`` (apply it without side effects),
``models``, ``data``, ``train``, ``measure`` (one setting measured), ``size`` (bytes),
``cli``. Sub-packages: ``methods`` (one module per compression method), ``sweeps``
(many settings at once), ``files`` (checkpoints and the ``.cxm`` format), ``explain``
(numbers behind the charts and lessons), ``figures`` (Plotly, no torch).

Nothing is imported here, so ``compression.figures`` can be used without loading torch.
"""
