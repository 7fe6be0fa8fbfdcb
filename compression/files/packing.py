"""An optional general-purpose compressor over the compact file's streams (standard library).

``pack(streams, name)`` and ``unpack(body, name, size)``; ``unpack`` produces at most
``size`` bytes however the input claims to expand (no decompression bombs), and uses a
fixed memory budget for xz.
"""

from __future__ import annotations

import bz2
import lzma
import zlib

COMPRESSORS = ("none", "zlib", "bz2", "lzma")  # index = compressor code in the file header
# xz with an 8 MiB dictionary (a whole model file fits), decoded within 32 MiB of memory
_LZMA_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 2**23}]
_LZMA_MEMORY_LIMIT = 2**25


class PackingError(ValueError):
    """Packed data is damaged or does not unpack to the expected length."""


def pack(streams: bytes, compressor: str) -> bytes:
    """``streams`` as stored in the file: unchanged ("none"), or zlib/bz2/xz at level 9."""
    if compressor == "none":
        return streams
    if compressor == "zlib":
        return zlib.compress(streams, 9)
    if compressor == "bz2":
        return bz2.compress(streams, 9)
    if compressor == "lzma":
        return lzma.compress(streams, format=lzma.FORMAT_XZ, filters=_LZMA_FILTERS)
    raise ValueError(f"unknown compressor {compressor!r}; choose one of {COMPRESSORS}")


def unpack(body: bytes, compressor: str, size: int) -> bytes:
    """Exactly ``size`` bytes unpacked from the whole of ``body``, or :class:`PackingError`."""
    if compressor == "none":
        if len(body) != size:
            raise PackingError(f"{len(body):,} bytes of weights follow, {size:,} declared")
        return body
    unpacker = {
        "zlib": zlib.decompressobj,
        "bz2": bz2.BZ2Decompressor,
        "lzma": lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ, _LZMA_MEMORY_LIMIT),
    }[compressor]()
    try:
        unpacked = unpacker.decompress(body, size + 1)  # one byte more shows "too long"
    except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError) as error:
        raise PackingError(f"the {compressor} data is damaged ({error})") from None
    leftover = getattr(unpacker, "unconsumed_tail", b"") + unpacker.unused_data
    if len(unpacked) != size or not unpacker.eof or leftover:
        raise PackingError(f"the {compressor} data does not unpack to the {size:,} bytes declared")
    return unpacked
