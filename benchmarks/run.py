"""odatakit against its peers, side by side in one run: parse, serialize, build, cold start, codec.

Run from a checkout: ``python -m benchmarks`` (``--quick`` for a smoke run, ``--json PATH`` for
where the figures go). Each row is a median over repeats, the contenders timed in turn within
each repeat so a busy machine slows them alike; ratios are taken between medians of the same run.
The peer (PyPI ``odata-query``, ``pip install '.[bench]'``) is left out cleanly when absent.
Nothing here asserts a time: the targets are printed beside the ratios (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``python benchmarks/run.py`` from anywhere
    sys.path.insert(0, str(ROOT))

import lark  # noqa: E402

import odatakit  # noqa: E402
from benchmarks.corpus import FILTERS, QUERIES  # noqa: E402
from benchmarks.messages import messages_page  # noqa: E402
from odatakit import F, fn  # noqa: E402
from odatakit.payload.values import describe  # noqa: E402

try:
    from odata_query.grammar import ODataLexer, ODataParser
except ImportError:  # the peer column is left out, not the run
    ODataLexer = ODataParser = None

#: The shared examples sit beside the checkout (``../shared``) or beside a worktree's parent.
EXAMPLES = next((folder / "shared" / "examples" / "outlook-data-extensions.json" for folder in (ROOT.parent, ROOT.parent.parent)
                 if (folder / "shared" / "examples" / "outlook-data-extensions.json").is_file()),
                ROOT.parent / "shared" / "examples" / "outlook-data-extensions.json")
FIRST_FILTER = "Extensions/any(f:f/Id eq 'Com.Contoso.Referral')"
#: The cold start's query string: $select, $filter, $orderby and $top, as Graph clients send them.
FIRST_QUERY = QUERIES[0]

#: The tokenize-only floor: one regular expression, scanned once, yielding (kind, text) pairs for
#: every OData token class the corpus uses. No pure-Python parser of the same text can do less.
FLOOR = re.compile(r"""
 (?P<string>'(?:[^']|'')*')
|(?P<datetime>\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))
|(?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})
|(?P<date>\d{4}-\d\d-\d\d)
|(?P<number>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
|(?P<name>[@$]?[^\W\d]\w*(?:\.[^\W\d]\w*)*)
|(?P<space>\s+)
|(?P<punct>[()/,:;=\-\[\]{}])
""", re.VERBOSE)


def floor_tokens(text: str) -> list[tuple[str | None, str]]:
    return [(match.lastgroup, match.group()) for match in FLOOR.finditer(text)]


#: Corpus filters built with odatakit.query.builder; each must build the tree its text parses to.
BUILDS: list[tuple[str, Callable[[], Any]]] = [
    ("Id eq 'Com.Contoso.Referral'", lambda: F.Id == "Com.Contoso.Referral"),
    ("Extensions/any(f:f/Id eq 'Com.Contoso.Referral')",
     lambda: F.Extensions.any(lambda f: f.Id == "Com.Contoso.Referral", name="f")),
    ("isRead eq false and importance eq 'high'", lambda: (F.isRead == False) & (F.importance == "high")),  # noqa: E712
    ("from/emailAddress/address eq 'rufus@contoso.com'", lambda: F["from"].emailAddress.address == "rufus@contoso.com"),
    ("contains(subject, 'annual review') or contains(bodyPreview, 'annual review')",
     lambda: fn.contains(F.subject, "annual review") | fn.contains(F.bodyPreview, "annual review")),
    ("toRecipients/any(r:r/emailAddress/address eq 'dana@contoso.com')",
     lambda: F.toRecipients.any(lambda r: r.emailAddress.address == "dana@contoso.com", name="r")),
    ("department in ('Sales','Marketing','Finance','Legal','HR','Engineering')",
     lambda: F.department.in_(["Sales", "Marketing", "Finance", "Legal", "HR", "Engineering"])),
    ("length(subject) gt 20 and indexof(subject,'urgent') ge 0",
     lambda: (fn.length(F.subject) > 20) & (fn.indexof(F.subject, "urgent") >= 0)),
    ("Price mul Quantity gt 1000 and Discount le 0.25",
     lambda: (F.Price * F.Quantity > 1000) & (F.Discount <= odatakit.parse_literal("0.25"))),
    ("members/all(m:m/accountEnabled eq true)", lambda: F.members.all(lambda m: m.accountEnabled == True, name="m")),  # noqa: E712
    ("not (isDraft eq true) and parentFolderId ne null",
     lambda: ~(F.isDraft == True) & (F.parentFolderId != None)),  # noqa: E711, E712
    ("importance eq 'high' or importance eq 'normal' or importance eq 'low'",
     lambda: (F.importance == "high") | (F.importance == "normal") | (F.importance == "low")),
]


@attrs.frozen
class Row:
    """One line of the table: what was measured, its median (in ``unit``), and a ratio."""

    measure: str
    median: float
    unit: str
    ratio: float | None = None
    ratio_label: str = ""
    target: str = ""

    @property
    def holds(self) -> bool | None:
        if self.ratio is None or not self.target:
            return None
        sign, bound = self.target[0], float(self.target[1:].rstrip("×"))
        return self.ratio >= bound if sign == "≥" else self.ratio <= bound


def interleaved(contenders: dict[str, Callable[[], object]], repeat: int, number: int,
                clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Median seconds per call of each contender; every repeat times each one in turn.
    ``clock=time.process_time`` counts this process's CPU time only, not its waits for a core."""
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    for function in contenders.values():
        function()  # warm: caches, first-call imports
    for _ in range(repeat):
        for name, function in contenders.items():
            started = clock()
            for _ in range(number):
                function()
            runs[name].append((clock() - started) / number)
    return {name: statistics.median(times) for name, times in runs.items()}


#: The parse of the 12 query strings on c595f4d (before the hand-written option parsers), as a
#: multiple of the tokenize-only floor in the same run: 5.37×, 5.14×, 5.40× in three runs (load
#: average 1.9–2.3). The floor is the yardstick that makes two runs on a busy machine comparable.
BEFORE_QUERY_FLOOR = 5.3


def _grammar_only(parse: Callable[[str], object], text: str) -> object:
    """``parse(text)`` with the hand-written path and the lean driver off: Lark parses everything."""
    from odatakit.query import parser

    fast, driver, simple = parser._fast, parser._driver, parser._SIMPLE_OPTIONS
    parser._fast, parser._driver, parser._SIMPLE_OPTIONS = (lambda: None), (lambda: None), {}  # type: ignore[assignment]
    try:
        return parse(text)
    finally:
        parser._fast, parser._driver, parser._SIMPLE_OPTIONS = fast, driver, simple  # type: ignore[assignment]


def _refused(parse: Callable[[str], object], text: str) -> None:
    try:
        parse(text)
    except odatakit.ODataSyntaxError:
        return
    raise AssertionError("the broken text parsed")


def cold_start(repeat: int) -> dict[str, dict[str, float]]:
    """Medians over ``repeat`` interleaved runs of a fresh interpreter that imports a parser and
    parses one text: ``wall`` seconds, and ``cpu`` seconds (user + system of the child: steadier
    than wall time on a shared machine, where a child may wait for a core).

    The children may write bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped from their environment)
    and two warm-up runs each fill the bytecode and Lark caches: as after ``pip install``, which
    compiles every module, and as odata-query already is in site-packages."""
    import os
    import resource

    snippets = {
        "python -c pass": "pass",
        "odatakit filter": f"import odatakit; odatakit.parse_filter({FIRST_FILTER!r})",
        "odatakit query": f"import odatakit; odatakit.parse_query({FIRST_QUERY!r})",
    }
    if ODataParser is not None:
        snippets["odata-query"] = (
            "from odata_query.grammar import ODataLexer, ODataParser; "
            f"ODataParser().parse(ODataLexer().tokenize({FIRST_FILTER!r}))"
        )
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    commands = {name: [sys.executable, "-c", code] for name, code in snippets.items()}
    for _ in range(2):
        for command in commands.values():
            subprocess.run(command, check=True, cwd=ROOT, env=environment)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, check=True, cwd=ROOT, env=environment)
            walls[name].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {name: {"wall": statistics.median(walls[name]), "cpu": statistics.median(cpus[name])} for name in commands}


def cold_rows(starts: int, notes: dict[str, Any]) -> list[Row]:
    """The cold-start rows: odatakit (a filter; a whole query string) against odata-query (the
    same filter), wall and CPU time, ratios within this run; the load average goes to ``notes``."""
    import os

    load_before = os.getloadavg()
    taken = cold_start(starts)
    notes["cold_start_load_average"] = [round(value, 2) for value in (*load_before, *os.getloadavg())]
    rows = [Row("cold start: python -c pass", taken["python -c pass"]["wall"] * 1e3, "ms")]
    peer = taken.get("odata-query")
    for name, label in (("odatakit filter", "import odatakit + parse one filter"),
                        ("odatakit query", "import odatakit + parse one Graph query string")):
        ours = taken[name]
        if peer is None:
            rows.append(Row(f"cold start: {label}", ours["wall"] * 1e3, "ms"))
            continue
        rows.append(Row(f"cold start: {label}", ours["wall"] * 1e3, "ms",
                        ours["wall"] / peer["wall"], "odatakit / odata-query", "≤0.8×"))
        rows.append(Row(f"cold start, CPU time: {label}", ours["cpu"] * 1e3, "ms",
                        ours["cpu"] / peer["cpu"], "odatakit / odata-query", "≤0.8×"))
    if peer is not None:
        rows.append(Row("cold start: import odata_query + parse one filter", peer["wall"] * 1e3, "ms"))
        rows.append(Row("cold start, CPU time: import odata_query + parse one filter", peer["cpu"] * 1e3, "ms"))
    return rows


def payloads() -> list[bytes]:
    """Every JSON body (request and response) of the Outlook Data Extensions examples, as bytes."""
    if not EXAMPLES.is_file():
        return []
    bodies = []
    for exchange in json.loads(EXAMPLES.read_text("utf-8")):
        for key in ("request_body", "response_body"):
            if isinstance(exchange.get(key), dict):
                bodies.append(json.dumps(exchange[key]).encode("utf-8"))
    return bodies


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import odata_query
        peer = getattr(odata_query, "__version__", None) or _version("odata-query")
    except ImportError:
        peer = "absent"
    import os

    return {
        "cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
        "implementation": platform.python_implementation(), "os": platform.platform(terse=True),
        "lark": lark.__version__, "odata-query": peer,
    }


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def measure(quick: bool, only_parse: bool = False) -> tuple[list[Row], dict[str, Any]]:
    repeat, number, starts = (3, 2, 3) if quick else (15, 20, 15)
    rows: list[Row] = []
    notes: dict[str, Any] = {"corpus": len(FILTERS)}

    # -- parse: odatakit, the peer and the floor, on the strings all of them accept -------------
    accepted = list(FILTERS)
    if ODataParser is not None:
        lexer, peer_parser = ODataLexer(), ODataParser()
        rejected = []
        for text in FILTERS:
            try:
                peer_parser.parse(lexer.tokenize(text))
            except Exception as error:  # noqa: BLE001  (any refusal: the string is left out)
                rejected.append({"filter": text, "error": f"{type(error).__name__}: {error}"})
        accepted = [text for text in FILTERS if text not in {r["filter"] for r in rejected}]
        notes["odata_query_rejects"] = rejected
    contenders: dict[str, Callable[[], object]] = {
        "odatakit": lambda: [odatakit.parse_filter(text) for text in accepted],
        "floor": lambda: [floor_tokens(text) for text in accepted],
    }
    if ODataParser is not None:
        contenders["odata-query"] = lambda: [peer_parser.parse(lexer.tokenize(text)) for text in accepted]
    parse = interleaved(contenders, repeat, number)
    count = len(accepted)
    rows.append(Row(f"parse $filter corpus ({count} strings): odatakit", parse["odatakit"] * 1e3, "ms"))
    if "odata-query" in parse:
        rows.append(Row(f"parse $filter corpus ({count} strings): odata-query 0.10", parse["odata-query"] * 1e3, "ms",
                        parse["odata-query"] / parse["odatakit"], "odata-query / odatakit", "≥5×"))
    rows.append(Row(f"tokenize-only floor ({count} strings, one regex scan)", parse["floor"] * 1e3, "ms",
                    parse["odatakit"] / parse["floor"], "odatakit / floor", "≤3×"))

    # -- whole query strings, and one long list parsed and refused ------------------------------
    queries = interleaved({
        "odatakit": lambda: [odatakit.parse_query(text) for text in QUERIES],
        "floor": lambda: [floor_tokens(text) for text in QUERIES],
        "grammar": lambda: [_grammar_only(odatakit.parse_query, text) for text in QUERIES],
    }, repeat, number)
    rows.append(Row(f"parse whole query strings ({len(QUERIES)} Outlook/Graph strings): odatakit",
                    queries["odatakit"] * 1e3, "ms"))
    rows.append(Row(f"tokenize-only floor ({len(QUERIES)} query strings)", queries["floor"] * 1e3, "ms",
                    queries["odatakit"] / queries["floor"], "odatakit / floor", "≤3×"))
    rows.append(Row(f"whole query strings, speed-up over c595f4d (its odatakit / floor: {BEFORE_QUERY_FLOOR}×)",
                    queries["odatakit"] * 1e3, "ms", BEFORE_QUERY_FLOOR / (queries["odatakit"] / queries["floor"]),
                    "c595f4d's floor ratio / this run's", "≥3×"))
    rows.append(Row("whole query strings through the grammar alone (Lark, accelerators off)", queries["grammar"] * 1e3, "ms",
                    queries["grammar"] / queries["odatakit"], "grammar / odatakit"))
    names = 4_000 if quick else 40_000
    long_select = ",".join(f"P{index}" for index in range(names))
    lists = interleaved({
        "parse": lambda: odatakit.parse_select(long_select),
        "refuse": lambda: _refused(odatakit.parse_select, long_select + ","),
    }, max(3, repeat // 5), 1)
    rows.append(Row(f"$select of {names:,} names", lists["parse"] * 1e3, "ms"))
    rows.append(Row(f"$select of {names:,} names ending in ',' (an error)", lists["refuse"] * 1e3, "ms",
                    lists["refuse"] / lists["parse"], "error / success", "≤2×"))
    if only_parse:
        return rows, notes

    # -- serialize the parsed trees; build the same queries with the builder ------------------
    trees = [odatakit.parse_filter(text) for text in FILTERS]
    built_texts = [text for text, _ in BUILDS]
    for text, build in BUILDS:
        if build().node != odatakit.parse_filter(text):
            raise AssertionError(f"the builder's tree for {text!r} is not the parser's")
    timed = interleaved({
        "parse": lambda: [odatakit.parse_filter(text) for text in FILTERS],
        "serialize": lambda: [odatakit.serialize(tree) for tree in trees],
        "parse_built": lambda: [odatakit.parse_filter(text) for text in built_texts],
        "build": lambda: [build().node for _, build in BUILDS],
        "build_serialize": lambda: [str(build()) for _, build in BUILDS],
    }, repeat, number)
    rows.append(Row(f"serialize the parsed trees ({len(trees)} trees)", timed["serialize"] * 1e3, "ms",
                    timed["parse"] / timed["serialize"], "parse / serialize", "≥5×"))
    rows.append(Row(f"build the same queries with odatakit.query.builder ({len(BUILDS)} filters)", timed["build"] * 1e3, "ms",
                    timed["parse_built"] / timed["build"], "parse / build"))
    rows.append(Row(f"build + serialize to text ({len(BUILDS)} filters)", timed["build_serialize"] * 1e3, "ms",
                    timed["parse_built"] / timed["build_serialize"], "parse / (build + serialize)"))

    # -- cold start -----------------------------------------------------------------------------
    rows += cold_rows(starts, notes)

    rows += payload_rows(quick, notes)
    return rows, notes


def payload_rows(quick: bool, notes: dict[str, Any]) -> list[Row]:
    """The codec against ``json``: decode + encode, validate, memory and growth, on the Outlook
    example bodies and on Graph-style pages of 1,000 and 10,000 messages (``messages.py``)."""
    rows: list[Row] = []
    repeat, number = (3, 1) if quick else (5, 1)
    bodies = payloads()
    notes["payloads"] = len(bodies)
    pages = {count: messages_page(count) for count in ((200, 400) if quick else (1000, 10000))}
    sets = ([(f"{len(bodies)} Outlook extension bodies", bodies)] if bodies else []) + \
        [(f"a page of {count:,} Graph messages, 8-property extension each", [page]) for count, page in pages.items()]
    codec_times = {}
    for label, texts in sets:
        calls = number if len(texts) == 1 else 20 * number  # the 12 small bodies: enough calls to time
        timed = interleaved({
            "odatakit": lambda: [odatakit.encode_json(odatakit.decode(text)) for text in texts],
            "json": lambda: [json.dumps(json.loads(text)) for text in texts],
            "decode": lambda: [odatakit.decode(text) for text in texts],
            "loads": lambda: [json.loads(text) for text in texts],
        }, repeat, calls)
        codec_times[label] = timed["odatakit"]
        rows.append(Row(f"decode + encode_json: {label}", timed["odatakit"] * 1e3, "ms",
                        timed["odatakit"] / timed["json"], "odatakit / (json.loads + json.dumps)", "≤3×"))
        rows.append(Row(f"decode alone: {label}", timed["decode"] * 1e3, "ms", timed["decode"] / timed["loads"],
                        "decode / json.loads"))
    for label, texts in sets[:-1]:  # what reading the values costs: every value typed (10,000: minutes)
        calls = number if len(texts) == 1 else 20 * number
        timed = interleaved({
            "read": lambda: [odatakit.encode_json(_read_every_value(odatakit.decode(text))) for text in texts],
            "check": lambda: [odatakit.encode_json(odatakit.decode(text, check=True)) for text in texts],
            "json": lambda: [json.dumps(json.loads(text)) for text in texts],
        }, repeat, calls)
        rows.append(Row(f"decode + read every value + encode_json: {label}", timed["read"] * 1e3, "ms",
                        timed["read"] / timed["json"], "odatakit / (json.loads + json.dumps)"))
        rows.append(Row(f"decode(check=True) + encode_json: {label}", timed["check"] * 1e3, "ms",
                        timed["check"] / timed["json"], "odatakit / (json.loads + json.dumps)"))
    small, large = list(pages)
    rows.append(Row(f"growth: decode + encode of {large:,} messages against {small:,}",
                    codec_times[sets[-1][0]] * 1e3, "ms",
                    codec_times[sets[-1][0]] / codec_times[sets[-2][0]] * small / large,
                    "time per message, large / small", "≤1.15×"))
    rows += validate_rows(sets, small, large, 3 * repeat)
    page = pages[small]
    rows.append(Row(f"memory of decoded values: {small:,} messages", held_bytes(lambda: odatakit.decode(page)) / 2**20, "MiB",
                    held_bytes(lambda: odatakit.decode(page)) / held_bytes(lambda: json.loads(page)),
                    "decode / json.loads", "≤1.5×"))
    return rows


def _read_every_value(value: Any) -> Any:
    """``value`` after reading each of its values (``decode`` types an object when it is read)."""
    for _ in describe(value):
        pass
    return value


def validate_rows(sets: list[tuple[str, list[bytes]]], small: int, large: int, repeat: int = 5) -> list[Row]:
    """``validate`` against ``json.loads`` on each payload set; the last two are pages of ``small``
    and ``large`` messages (the growth row). Three times the codec rows' repeats: one validate of a
    page is a single call, and on a shared machine a median of five of them moved by ±30% a run."""
    rows: list[Row] = []
    number = 1
    validate_times = {}
    for label, texts in sets:
        calls = number if len(texts) == 1 else 20 * number  # the 12 small bodies: enough calls to time
        timed = interleaved({
            "validate": lambda: [odatakit.validate(text) for text in texts],
            "loads": lambda: [json.loads(text) for text in texts],
        }, repeat, calls)
        validate_times[label] = timed["validate"]
        rows.append(Row(f"validate: {label}", timed["validate"] * 1e3, "ms", timed["validate"] / timed["loads"],
                        "validate / json.loads", "≤5×"))
    for label, texts in sets:  # the same in CPU time: a validate block lasts 5–10× a json.loads block, so
        calls = number if len(texts) == 1 else 20 * number  # it meets more of the other processes' turns
        timed = interleaved({
            "validate": lambda: [odatakit.validate(text) for text in texts],
            "loads": lambda: [json.loads(text) for text in texts],
        }, repeat, calls, time.process_time)
        rows.append(Row(f"validate, CPU time: {label}", timed["validate"] * 1e3, "ms",
                        timed["validate"] / timed["loads"], "validate / json.loads", "≤5×"))
    small_label, large_label = sets[-2][0], sets[-1][0]
    rows.append(Row(f"growth: validate of {large:,} messages against {small:,}", validate_times[large_label] * 1e3,
                    "ms", validate_times[large_label] / validate_times[small_label] * small / large,
                    "time per message, large / small", "≤1.15×"))
    return rows


def held_bytes(make: Callable[[], object]) -> int:
    """Bytes still allocated by what ``make`` returns (tracemalloc), held while measured: the
    benchmark's memory rows and the payload memory tests read it the same way."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = make()
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return size


def table(rows: list[Row]) -> str:
    header = ("measure", "median", "ratio", "target", "")
    lines = [header]
    for row in rows:
        ratio = f"{row.ratio:.2f}× ({row.ratio_label})" if row.ratio is not None else ""
        verdict = {True: "holds", False: "MISSED", None: ""}[row.holds]
        unit_format = "{:.1f} {}" if row.median < 100 else "{:.0f} {}"
        lines.append((row.measure, unit_format.format(row.median, row.unit), ratio, row.target, verdict))
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]

    def render(line: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"

    return "\n".join([render(lines[0]), "|" + "|".join("-" * (width + 2) for width in widths) + "|",
                      *map(render, lines[1:])])


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="a smoke run: few repeats (CI)")
    options.add_argument("--json", type=Path, default=None,
                         help="where the figures go (default: benchmarks/results.json, "
                              "or results-payloads.json with --payloads)")
    options.add_argument("--payloads", action="store_true", help="only the payload rows (codec, validate, memory)")
    options.add_argument("--parse", action="store_true", help="only the parse rows (corpus, query strings, long lists)")
    options.add_argument("--cold", action="store_true", help="only the cold-start rows (fresh interpreters)")
    args = options.parse_args(argv)
    if args.json is None:
        args.json = ROOT / "benchmarks" / ("results-payloads.json" if args.payloads else
                                           "results-parse.json" if args.parse else
                                           "results-cold.json" if args.cold else "results.json")
    about = machine()
    if args.payloads:
        notes: dict[str, Any] = {}
        rows = payload_rows(args.quick, notes)
    elif args.cold:
        notes = {}
        rows = cold_rows(3 if args.quick else 15, notes)
    else:
        rows, notes = measure(args.quick, only_parse=args.parse)
    print(f"Machine: {about['cpu']}, {about['cores']} cores; {about['implementation']} {about['python']}; "
          f"lark {about['lark']}; odata-query {about['odata-query']}; {about['os']}")
    print(table(rows))
    if "cold_start_load_average" in notes:
        print("Load average during the cold start (1, 5, 15 min; before, after): "
              f"{notes['cold_start_load_average']}")
    rejected = notes.get("odata_query_rejects")
    if rejected:
        print(f"odata-query rejects {len(rejected)} of {notes['corpus']} corpus filters; they are left out of every parse row:")
        for entry in rejected:
            print(f"  {entry['filter']}  ({entry['error']})")
    elif rejected is not None:
        print(f"odata-query accepts all {notes['corpus']} corpus filters.")
    if ODataParser is None:
        print("odata-query is not installed (pip install '.[bench]'): its rows are left out.")
    document = {"machine": about, "quick": args.quick, "notes": notes,
                "rows": [{**attrs.asdict(row), "holds": row.holds} for row in rows]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
