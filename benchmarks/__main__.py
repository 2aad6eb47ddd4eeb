"""``python -m benchmarks``: the benchmark runner (see benchmarks/run.py)."""

from benchmarks.run import main

raise SystemExit(main())
