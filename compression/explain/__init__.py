"""Numbers that explain a compressed model: histograms, first-layer pictures, mistakes,
the Learn page's live examples, sparse timings."""
