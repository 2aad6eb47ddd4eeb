"""Measure odatakit's speed: start-up, parse, serialize, payload decode/encode, URL parse.

Run: ``python benchmarks/run.py`` (``--quick`` for fewer repetitions). Prints a table; the goals it
is read against are in benchmarks/README.md. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import odatakit  # noqa: E402

FILTERS = {
    "short": "Id eq 'Com.Contoso.Referral'",
    "graph": "Extensions/any(f:f/Id eq 'Com.Contoso.Referral') and receivedDateTime ge 2016-01-01T00:00:00Z",
    "mixed": (
        "startswith(Subject,'Re:') and (Importance eq 'High' or From/EmailAddress/Address in "
        "('a@contoso.com','b@contoso.com')) and not IsRead and Size add 1 gt 1024 mul 2"
    ),
}
QUERY = (
    "$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')"
    "&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')&$select=Subject,From&$top=10"
)
URL = (
    "https://outlook.office.com/api/v2.0/me/messages('AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl===')"
    "/extensions('Com.Contoso.Referral')"
)
PAYLOAD = {
    "@odata.context": "https://outlook.office.com/api/v2.0/$metadata#Me/Messages('AAMk=')/Extensions/$entity",
    "@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension",
    "@odata.id": "https://outlook.office.com/api/v2.0/Users('ddfc984d')/Messages('AAMk=')/Extensions('Com.Contoso.Referral')",
    "Id": "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral",
    "ExtensionName": "Com.Contoso.Referral",
    "CompanyName": "Wingtip Toys",
    "DealValue@odata.type": "#Int64",
    "DealValue": 500050,
    "ExpirationDate": "2015-12-03T10:00:00.000Z",
    "TopModels@odata.type": "#Collection(Int32)",
    "TopModels": [3001, 4002, 5003],
}


def per_call(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and best time of one call, in microseconds, over ``repeat`` timed batches."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    runs = [t / number * 1e6 for t in timer.repeat(repeat=repeat, number=number)]
    return statistics.median(runs), min(runs)


def start_up() -> list[tuple[str, float]]:
    """Wall time of a fresh interpreter that imports odatakit and parses one filter (cache warm)."""
    code = "import odatakit; odatakit.parse_filter(\"Id eq 'x'\")"
    results = []
    for label, command in (
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("import odatakit + first parse", [sys.executable, "-c", code]),
    ):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(command, check=True, cwd=ROOT)
            times.append((time.perf_counter() - started) * 1000)
        results.append((label, statistics.median(times)))
    return results


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true")
    args = options.parse_args()
    repeat = 3 if args.quick else 7
    rows: list[tuple[str, str, str]] = []

    for label, millis in start_up():
        rows.append((f"start-up: {label}", f"{millis:.0f} ms", ""))

    for name, text in FILTERS.items():
        tree = odatakit.parse_filter(text)
        median, best = per_call(lambda: odatakit.parse_filter(text), repeat)
        rows.append((f"parse_filter ({name}, {len(text)} chars)", f"{median:.1f} µs", f"{len(text) / median:.2f} chars/µs"))
        median, best = per_call(lambda: odatakit.serialize(tree), repeat)
        rows.append((f"serialize ({name})", f"{median:.1f} µs", ""))

    big = " or ".join(f"Id eq {n}" for n in range(20_000))
    started = time.perf_counter()
    odatakit.parse_filter(big)
    elapsed = time.perf_counter() - started
    rows.append((f"parse_filter (20,000-way or, {len(big) / 1e6:.2f} MB)", f"{elapsed * 1000:.0f} ms", f"{len(big) / elapsed / 1e6:.2f} MB/s"))

    query = odatakit.parse_query(QUERY)
    rows.append(("parse_query (Data Extensions example)", f"{per_call(lambda: odatakit.parse_query(QUERY), repeat)[0]:.1f} µs", ""))
    rows.append(("serialize(query, url=True)", f"{per_call(lambda: odatakit.serialize(query, url=True), repeat)[0]:.1f} µs", ""))
    rows.append(("parse_url (Outlook extension URL)", f"{per_call(lambda: odatakit.parse_url(URL), repeat)[0]:.1f} µs", ""))
    text = json.dumps(PAYLOAD)
    value = odatakit.decode(text)
    rows.append(("decode (open extension, JSON text)", f"{per_call(lambda: odatakit.decode(text), repeat)[0]:.1f} µs", ""))
    rows.append(("encode (open extension)", f"{per_call(lambda: odatakit.encode(value), repeat)[0]:.1f} µs", ""))
    rows.append(("validate (open extension)", f"{per_call(lambda: odatakit.validate(PAYLOAD), repeat)[0]:.1f} µs", ""))

    width = max(len(row[0]) for row in rows)
    print(f"{'measure'.ljust(width)} | median | rate")
    print(f"{'-' * width}-|--------|-----")
    for label, median_text, rate in rows:
        print(f"{label.ljust(width)} | {median_text} | {rate}")


if __name__ == "__main__":
    main()
