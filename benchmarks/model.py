"""Service models against their baselines, in one run: ``python -m benchmarks.model`` (``--quick``).

* load: ``odatakit.csdl.load`` of Microsoft Graph v1.0 ``$metadata`` (3.5 MB) against the bare
  ``xml.etree.ElementTree.fromstring`` of the same bytes (target ≤ 1.5×); for the record also the
  hardened parser alone with no element handlers (expat's floor);
* memory: what the model keeps alive against what the element tree keeps alive (tracemalloc,
  target ≤ 2×);
* check: ``Model.check`` of a realistic Graph request against parsing that request
  (``odatakit.parse_url``; target ≤ 3×).

Medians over repeats, the two contenders timed in turn within each repeat; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import statistics
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import odatakit  # noqa: E402
from odatakit import csdl  # noqa: E402
from odatakit.model import xml as _xml  # noqa: E402

GRAPH = ROOT / "tests" / "data" / "models" / "graph-v1.0-metadata.xml.gz"
REQUEST = ("me/messages?$filter=receivedDateTime ge 2016-01-01T00:00:00Z and from/emailAddress/address eq 'a@b.c' "
           "and importance eq 'high' and hasAttachments&$select=subject,from,receivedDateTime,importance"
           "&$orderby=receivedDateTime desc&$expand=attachments($select=name,size;$filter=size gt 1000)&$top=25")


def median_times(contenders: dict[str, Callable[[], object]], repeat: int, number: int = 1) -> dict[str, float]:
    """Seconds per call, the median over ``repeat`` rounds, contenders interleaved in each round."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, run in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                run()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def retained(build: Callable[[], Any]) -> int:
    """Bytes still allocated while the built object is alive (tracemalloc, after a collection)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return after - before


def measure(quick: bool) -> dict[str, Any]:
    data = gzip.decompress(GRAPH.read_bytes())
    repeat = 3 if quick else 9
    load = median_times({"ElementTree.fromstring": lambda: ET.fromstring(data), "csdl.load": lambda: csdl.load(data),
                         "hardened parse only": lambda: _xml._hardened().Parse(data, True)},
                        repeat)
    memory = {"element tree": retained(lambda: ET.fromstring(data)), "model": retained(lambda: csdl.load(data))}
    model = csdl.load(data)
    assert model.check(REQUEST) == [], model.check(REQUEST)
    url = odatakit.parse_url(REQUEST)
    number = 20 if quick else 200
    check = median_times({"parse_url": lambda: odatakit.parse_url(REQUEST), "check (text)": lambda: model.check(REQUEST),
                          "check (parsed Url)": lambda: model.check(url)}, repeat, number)
    return {
        "load_seconds": load, "load_ratio": load["csdl.load"] / load["ElementTree.fromstring"],
        "parse_only_ratio": load["hardened parse only"] / load["ElementTree.fromstring"],
        "memory_bytes": memory, "memory_ratio": memory["model"] / memory["element tree"],
        "check_seconds": check, "check_ratio": check["check (text)"] / check["parse_url"],
        "check_parsed_ratio": check["check (parsed Url)"] / check["parse_url"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.model", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args(argv)
    figures = measure(args.quick)
    load, memory, check = figures["load_seconds"], figures["memory_bytes"], figures["check_seconds"]
    print(f"Graph v1.0 $metadata: {GRAPH.name}")
    print(f"  load      ElementTree.fromstring {load['ElementTree.fromstring'] * 1000:8.1f} ms   "
          f"csdl.load {load['csdl.load'] * 1000:8.1f} ms   ratio {figures['load_ratio']:.2f}× (target ≤ 1.5×)")
    print(f"            the hardened parse alone, no element handlers {load['hardened parse only'] * 1000:.1f} ms "
          f"({figures['parse_only_ratio']:.2f}×)")
    average = Path("/proc/loadavg")
    print(f"  load average {' '.join(average.read_text().split()[:3]) if average.exists() else 'n/a'}")
    print(f"  memory    element tree {memory['element tree'] / 2**20:8.1f} MiB   model {memory['model'] / 2**20:8.1f} MiB"
          f"   ratio {figures['memory_ratio']:.2f}× (target ≤ 2×)")
    print(f"  check     parse_url {check['parse_url'] * 1e6:8.0f} µs   check {check['check (text)'] * 1e6:8.0f} µs   "
          f"ratio {figures['check_ratio']:.2f}× (target ≤ 3×); check of the parsed Url "
          f"{check['check (parsed Url)'] * 1e6:.0f} µs ({figures['check_parsed_ratio']:.2f}×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
