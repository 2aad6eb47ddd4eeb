"""Coverage-guided fuzzing with atheris (libFuzzer for Python).

``python -m fuzz TARGET [CORPUS…] [-libfuzzer_flag=…]`` fuzzes one target (see
``fuzz/targets.py``) until stopped or a finding; ``python -m fuzz --all SECONDS`` writes the
seed corpus and runs every target for SECONDS each, one after another (the bounded CI run),
printing executions per target and failing on any finding. A finding's input is written to
``fuzz/crashes/`` (``-artifact_prefix``); replay it with ``python -m fuzz TARGET FILE``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRASHES = HERE / "crashes"
#: libFuzzer's per-input time limit in the bounded runs: far above any real input, so only a
#: hang reaches it (libFuzzer reports it as a finding, with the input).
HANG_SECONDS = 20


def fuzz(target_name: str, argv: list[str]) -> None:
    """Run libFuzzer on one target in this process (never returns)."""
    import atheris

    with atheris.instrument_imports(include=["odatakit", "lark"]):
        import odatakit  # noqa: F401  (instrumented here, before the targets import it)
    from .targets import TARGETS

    if target_name not in TARGETS:
        sys.exit(f"unknown target {target_name!r}; targets: {', '.join(TARGETS)}")
    check = TARGETS[target_name].check
    atheris.Setup([sys.argv[0], *argv], check)
    atheris.Fuzz()


def run_all(seconds: int, targets: list[str]) -> int:
    """Each target for ``seconds`` on a fresh seed corpus; 0 when none had a finding."""
    from .seeds import write
    from .targets import TARGETS

    CRASHES.mkdir(exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory(prefix="odatakit-corpus-") as folder:
        write(Path(folder))
        for name in targets or list(TARGETS):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "fuzz", name, str(Path(folder) / name), f"-max_total_time={seconds}",
                 f"-timeout={HANG_SECONDS}", f"-artifact_prefix={CRASHES}/{name}-", "-print_final_stats=1"],
                cwd=HERE.parent, capture_output=True, text=True,
            )
            runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", result.stderr)
            took = time.perf_counter() - started
            print(f"{name:12} {runs.group(1) if runs else '?':>8} executions in {took:5.1f} s"
                  f"{'' if result.returncode == 0 else '  FINDING'}", flush=True)
            if result.returncode != 0:
                failed.append(name)
                print(_finding_report(result.stdout + result.stderr), file=sys.stderr)
    return 1 if failed else 0


def _finding_report(output: str) -> str:
    """What a CI log must keep of a finding: the Python traceback (libFuzzer's progress lines
    would push it out of a plain tail), the input as a Python literal, and libFuzzer's summary."""
    parts = []
    uncaught = output.find("=== Uncaught Python exception")
    if uncaught >= 0:
        ended = re.compile(r"^==\d+== ERROR", re.M).search(output, uncaught)
        parts.append(output[uncaught:ended.start() if ended else None][:6000])
    written = re.search(r"Test unit written to (\S+)", output)
    if written and Path(written.group(1)).is_file():
        parts.append(f"input: {Path(written.group(1)).read_bytes()!r}")
    parts.append(output[-1500:])
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--all":
        return run_all(int(argv[1]), argv[2:])
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    fuzz(argv[0], argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
