"""dynagen benchmark suite; run it with ``python benchmarks/run.py`` (see run.py)."""
