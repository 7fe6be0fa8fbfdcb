"""Many settings measured at once: sensitivity sweeps, the trade-off grid, and the fast
paths behind them (activation reuse, sparse inputs, masks from one sort)."""
