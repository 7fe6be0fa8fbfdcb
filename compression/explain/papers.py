"""Published MNIST results on LeNet-300-100, and this project's reproductions, as data.

"Compression ratio" has two meanings in the papers, and a point is only drawn in the
meaning its source reports:

- **parameters kept** (:data:`PARAMETERS`): weights before / nonzero weights after
  (Han et al. 2015, Sparse Variational Dropout). It ignores how each weight is stored.
- **bytes stored** (:data:`BYTES`): float32 bytes / bytes stored (Deep Compression:
  1070 KB / 27 KB; BinaryConnect: 32 bits / 1 bit per weight). It counts positions,
  codes and scales too.

A pruned float32 model is ``12x`` in the first sense but only about ``10x`` in the second
(each kept weight also stores its position); a binary model with no pruning is ``1x`` and
``32x``. Each :class:`Ratio` keeps the ratio as its source states it and, where the source
gives them, the two numbers it divides, so a test can check that they agree.

The reproductions are the rows of ``bench/results/papers.md`` (``python
bench/reproduce_papers.py``): their ratios are computed here from the counts measured
there (weights 266,200 before; bytes: 1,066,440 float32 bytes over the ``.cxm`` file).
"""

from __future__ import annotations

from dataclasses import dataclass

PARAMETERS = "parameters"  # weights before / nonzero weights after
BYTES = "bytes"  # float32 bytes / bytes stored
MEANINGS = {
    BYTES: "bytes stored: float32 bytes ÷ bytes stored",
    PARAMETERS: "parameters kept: weights before ÷ nonzero weights after",
}
PAPER, REPRODUCTION = "paper", "this app"  # who measured a point
MODEL, DATASET = "mlp", "mnist"  # LeNet-300-100 on MNIST: the only pair the points are for
LENET_WEIGHTS = 266_200  # 784*300 + 300*100 + 100*10, biases not counted
LENET_FLOAT32_BYTES = 1_066_440  # 4 bytes x (266,200 weights + 410 biases)


@dataclass(frozen=True)
class Ratio:
    """A compression ratio in one meaning, as a source states it."""

    meaning: str  # PARAMETERS or BYTES
    stated: float  # the ratio as written in the source, e.g. 40 for "40x"
    before: float | None = None  # the numbers it divides, where the source gives them
    after: float | None = None
    unit: str = ""  # of before and after: "parameters", "KB", "bits per weight", "bytes"

    @property
    def value(self) -> float:
        """``before / after`` when both are given (exact), else the stated ratio."""
        if self.before is not None and self.after is not None:
            return self.before / self.after
        return self.stated


@dataclass(frozen=True)
class Reference:
    """One published or reproduced result: an error rate and its compression ratio(s)."""

    name: str  # the label on the chart
    source: str  # who measured it: PAPER or REPRODUCTION
    citation: str  # the paper and where in it, or the command that measured it
    method: str
    error: float  # test error on MNIST, a fraction (0.0159 for 1.59%)
    ratios: tuple[Ratio, ...]
    note: str = ""  # what differs from this app's LeNet-300-100, if anything

    @property
    def accuracy(self) -> float:
        return 1 - self.error

    def ratio(self, meaning: str) -> float | None:
        """The ratio in ``meaning``, or None when the source does not report it."""
        return next((r.value for r in self.ratios if r.meaning == meaning), None)


def _file_bytes(file_bytes: int) -> Ratio:
    return Ratio(BYTES, round(LENET_FLOAT32_BYTES / file_bytes, 1), LENET_FLOAT32_BYTES,
                 file_bytes, "bytes")  # fmt: skip


def _kept(weights: int) -> Ratio:
    return Ratio(PARAMETERS, round(LENET_WEIGHTS / weights, 1), LENET_WEIGHTS, weights,
                 "weights")  # fmt: skip


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "Han 2015", PAPER,
        "S. Han, J. Pool, J. Tran, W. J. Dally. Learning both Weights and Connections for "
        "Efficient Neural Networks. NeurIPS 2015, arXiv:1506.02626, Table 1",
        "magnitude pruning + retraining", 0.0159,
        (Ratio(PARAMETERS, 12, 267_000, 22_000, "parameters"),),
    ),
    Reference(
        "Deep Compression", PAPER,
        "S. Han, H. Mao, W. J. Dally. Deep Compression. ICLR 2016, arXiv:1510.00149, Table 1",
        "pruning + trained quantization + Huffman coding", 0.0158,
        (Ratio(BYTES, 40, 1070, 27, "KB"),),
    ),
    Reference(
        "Sparse VD", PAPER,
        "D. Molchanov, A. Ashukha, D. Vetrov. Variational Dropout Sparsifies Deep Neural "
        "Networks. ICML 2017, arXiv:1701.05369, Table 1",
        "sparse variational dropout", 0.0192,
        (Ratio(PARAMETERS, 68),),
    ),
    Reference(
        "BinaryConnect", PAPER,
        "M. Courbariaux, Y. Bengio, J.-P. David. BinaryConnect. NeurIPS 2015, "
        "arXiv:1511.00363, Table 2 (deterministic)",
        "binary weights (±1), trained", 0.0129,
        (Ratio(BYTES, 32, 32, 1, "bits per weight"),),
        note="a larger MLP (3 hidden layers of 1024 units); the ratio counts weights only",
    ),
    Reference(
        "ours: Han 2015 recipe", REPRODUCTION,
        "python bench/reproduce_papers.py (bench/results/papers.md): iterative prune + "
        "retrain, 6 cuts, distilled",
        "magnitude pruning + retraining", 0.0169,
        (_kept(21_776), _file_bytes(104_241)),
    ),
    Reference(
        "ours: Deep Compression recipe", REPRODUCTION,
        "python bench/reproduce_papers.py (bench/results/papers.md): prune + 32 shared "
        "values per layer, centroids retrained + Huffman coding",
        "pruning + weight sharing + Huffman coding", 0.0174,
        (_kept(20_600), _file_bytes(26_143)),
    ),
    Reference(
        "ours: smallest below 2%", REPRODUCTION,
        "python bench/reproduce_papers.py (bench/results/papers.md): prune to 2.8% / 4% / "
        "18% + 4 shared values per layer, retrained + Huffman coding",
        "pruning + weight sharing + Huffman coding", 0.0195,
        (_kept(7_966), _file_bytes(10_012)),
    ),
    Reference(
        "ours: BinaryConnect-like", REPRODUCTION,
        "python bench/reproduce_papers.py (bench/results/papers.md): binarization-aware "
        "training, all layers binary",
        "binary weights (±a), trained", 0.0204,
        (_kept(266_200), _file_bytes(35_059)),
    ),
)  # fmt: skip


def shown_for(model_name: str, dataset: str) -> bool:
    """The references are for LeNet-300-100 (the ``mlp``) on MNIST only."""
    return (model_name, dataset) == (MODEL, DATASET)


def hidden_reason(model_name: str, dataset: str) -> str | None:
    """Why the references are not drawn for this model and data set (None: they are)."""
    if shown_for(model_name, dataset):
        return None
    return (
        f"The published results are for LeNet-300-100 (the mlp) on MNIST; this baseline is "
        f"the {model_name} on {dataset}, whose accuracy and size they cannot be compared "
        "with, so they are hidden."
    )


def reference_points(meaning: str) -> list[dict]:
    """One row per reference that reports a ratio in ``meaning``: ``name``, ``source``,
    ``ratio``, ``accuracy``, ``citation``, ``note``. The others are left out."""
    if meaning not in MEANINGS:
        raise ValueError(f"a compression ratio means one of {sorted(MEANINGS)}, got {meaning!r}")
    return [
        {
            "name": ref.name,
            "source": ref.source,
            "ratio": ref.ratio(meaning),
            "accuracy": ref.accuracy,
            "citation": ref.citation,
            "note": ref.note,
        }
        for ref in REFERENCES
        if ref.ratio(meaning) is not None
    ]


def left_out(meaning: str) -> list[str]:
    """Names of the references that do not report a ratio in ``meaning``."""
    return [ref.name for ref in REFERENCES if ref.ratio(meaning) is None]
