"""Huffman coding as an *encoding* method: how the stored streams are written, not what
the weights become (Deep Compression's third stage, Han et al. 2016).

It changes no weight, so a model is the same with it on or off; only its size is. With
it on, the size accounting (:func:`compression.size.layer_size` with ``huffman=True``)
and the ``.cxm`` file Huffman-code each stream that is smaller so: the K-bit integer
codes or the shared-value indices, and the delta code's runs of zeros. A stream costs
``ceil(sum_s n_s * l_s / 8)`` bytes of codes plus a table of one length byte per symbol
(:mod:`compression.files.huffman`).
"""

from __future__ import annotations

from compression.methods.controls import FLAG, Control, Method

HUFFMAN_CODE = Control(
    field="huffman",
    kind=FLAG,
    name="Huffman coding",
    label="Huffman-code",
    help=(
        "Store the integer codes, shared-value indices and zero-run lengths with Huffman "
        "codes (frequent symbols get short codes) wherever that, table included, is smaller."
    ),
    cli_help="Huffman-code each stored stream where that is smaller, code tables included",
    url_key="huffman",
)

HUFFMAN = Method(name="huffman", title="Huffman coding", controls=(HUFFMAN_CODE,), encoding=True)
