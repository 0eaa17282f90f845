"""Scale benchmarks (scripts, never timed tests): `python -m benchmarks.run --help`."""
