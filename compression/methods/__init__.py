"""Compression methods, one module each: the math on tensors, its settings, its bytes."""
