"""Performance benchmarks of gpps, as ratios to Mesa's own Boltzmann benchmark (``run.py``)."""
