"""Benchmarks: speed and memory of the real bot against a baseline measured in the same run.

`python -m bench` (or `make bench`) builds a synthetic platform, runs each case, prints a table
and writes JSON to bench/results/. See bench/README.md for the cases, the figures and how to
reproduce them.
"""
