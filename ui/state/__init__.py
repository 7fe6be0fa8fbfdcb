"""What the app keeps: the shared data sets and baselines (never changed in place), each
person's own models and results, and the measurement cache with its background worker."""
