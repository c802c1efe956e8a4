"""The venue benchmark (run with ``./scripts/bench``); results under ``bench/results/``."""
