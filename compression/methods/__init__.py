"""Compression methods, one module each: the math on tensors and the description of its
controls (:class:`~compression.methods.controls.Method`).

:data:`METHODS` lists them in the order they apply: a *positions* method first (which
weights exist), then at most one *values* method per layer (what the survivors become:
binarization, k-bit quantization or weight sharing, one at a time), then the *encoding*
(Huffman coding: how the streams are written; it changes no weight).
The command line, the settings' validation, the sweeps, the share link and the pages
all read this registry.
"""

from __future__ import annotations

from compression.methods.binarize import BINARIZE
from compression.methods.controls import Control, Method
from compression.methods.huffman_coding import HUFFMAN
from compression.methods.prune import PRUNE
from compression.methods.quantize import QUANTIZE
from compression.methods.weight_sharing import SHARE

METHODS: dict[str, Method] = {
    method.name: method for method in (PRUNE, BINARIZE, QUANTIZE, SHARE, HUFFMAN)
}


def encodings() -> tuple[str, ...]:
    """The names of the *encoding* methods (how streams are written, no weight changes)."""
    return tuple(name for name, method in METHODS.items() if method.encoding)


def all_controls() -> tuple[Control, ...]:
    """Every method's controls, in registry order; a control two methods share (the
    per-channel scale of the values methods) once."""
    controls = {}
    for method in METHODS.values():
        for control in method.controls:
            controls.setdefault(control.field, control)
    return tuple(controls.values())


def method_of(field_name: str) -> Method:
    """The method a settings field belongs to."""
    return next(method for method in METHODS.values() if field_name in method.fields)
