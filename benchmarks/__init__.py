"""Benchmarks of odatakit against its peers: ``python -m benchmarks`` (see run.py and README.md)."""
