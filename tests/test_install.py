"""A small, typed install (issue 18): what a fresh interpreter imports, the Hypothesis entry point,
``st.from_type`` for every exported class, and ``mypy --strict`` on a user's file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import odatakit

ROOT = Path(odatakit.__file__).resolve().parent.parent


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


_HIDE_HYPOTHESIS = (
    "import sys\n"
    "class Hide:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'hypothesis' or name.startswith('hypothesis.'):\n"
    "            raise ModuleNotFoundError(name)\n"
    "sys.meta_path.insert(0, Hide())\n"
)


@pytest.mark.parametrize("code", [
    "import odatakit.strategies",
    "from odatakit import strategies",
    "import odatakit.testing.strategies",
])
def test_the_strategies_import_first_in_a_fresh_interpreter(code: str) -> None:
    from importlib.metadata import entry_points

    hooks = [ep.value for ep in entry_points(group="hypothesis") if ep.value.startswith("odatakit.")]
    if hooks != ["odatakit.testing._hook:_hypothesis_setup_hook"]:
        pytest.skip(f"the installed odatakit metadata is another checkout's ({hooks}): pip install '.[test]'")
    out = _run(code + "\nfrom hypothesis import strategies as st\nimport odatakit\n"
                      "print(type(st.from_type(odatakit.Literal).example()).__name__)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "Literal"


def test_odatakit_works_without_hypothesis_installed() -> None:
    out = _run(_HIDE_HYPOTHESIS + "import odatakit\nfrom odatakit import F, Q\n"
               "print(odatakit.parse_query(str(Q().filter(F.A == 1))).filter.op, odatakit.graph().me.messages)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["eq", "https://graph.microsoft.com/v1.0/me/messages"]


def test_the_entry_point_loads_no_parser_and_no_strategies() -> None:
    """What ``import hypothesis`` costs an environment with odatakit installed: the hook module (and
    the package's attrs-only core), then the hook registers resolvers and imports nothing more."""
    code = ("import sys\nfrom odatakit.testing import _hook\n"
            "loaded = [m for m in ('lark', 'jsonschema', 'odatakit.query.parser', 'odatakit.testing.strategies')"
            " if m in sys.modules]\n"
            "before = set(sys.modules)\n_hook._hypothesis_setup_hook()\n"
            "print(loaded, sorted(m for m in set(sys.modules) - before))")
    out = _run(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] []"


def test_import_odatakit_loads_no_parser_and_no_hypothesis() -> None:
    out = _run("import sys, odatakit\nprint([m for m in ('lark', 'hypothesis', 'jsonschema', 'odatakit.strategies')"
               " if m in sys.modules])")
    assert out.stdout.strip() == "[]", out.stderr


_EXPORTED_CLASSES = sorted(
    {value for name in odatakit.__all__ if isinstance(value := getattr(odatakit, name), type)
     and not issubclass(value, BaseException)},
    key=lambda cls: cls.__name__,
)


@pytest.mark.slow  # ~80 classes × 5 draws; tests/test_strategies.py draws the registered ones quickly
@pytest.mark.parametrize("cls", _EXPORTED_CLASSES, ids=lambda cls: cls.__name__)
def test_from_type_draws_every_exported_class(cls: type) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=5, suppress_health_check=list(HealthCheck))
    @given(st.from_type(cls))
    def check(value: Any) -> None:
        assert isinstance(value, cls)

    check()


USER_FILE = '''
from decimal import Decimal
import odatakit
from odatakit import F, Q, graph, parse_query, parse_url, serialize, decode, request, read_response, Url, Request

q: Q = Q().filter(F.Subject == "Hi", F.Price > Decimal("1.5")).top(5)
url: Url = graph().me.messages
req: Request = request("GET", url, query=q)
method: str = req.method
body: bytes = req.body
text: str = serialize(parse_query(q.to_url()), url=True)
same: Url = parse_url(str(url))
value = read_response(200, b'{"a": 1}')
typed = decode(b'{"a": 1}')
ext = odatakit.OpenTypeExtension("Com.Contoso.X", {"A": 1})
reveal_type(graph().me.messages)
reveal_type(decode(b"1"))
reveal_type(odatakit.Literal)
'''


@pytest.mark.slow
def test_mypy_strict_accepts_a_users_file(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    user = tmp_path / "user.py"
    user.write_text(USER_FILE)
    # as for an installed package (site-packages, py.typed): odatakit's own internals are not the
    # user's to fix, so only the user's file reports errors; every name it uses must be typed
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n[mypy-odatakit.*]\nfollow_imports = silent\n"
                                       "[mypy-jsonschema.*]\nignore_missing_imports = True\n")
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(user)],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path,
                         env={"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stdout + out.stderr
    revealed = [line.split("Revealed type is ")[1] for line in out.stdout.splitlines() if "Revealed type" in line]
    assert revealed[0] == '"odatakit.url.parts.Url"'   # URL collections are typed, not Any
    assert "Any" not in revealed[1]                      # codec results are typed
    assert "Literal" in revealed[2]


def test_a_plain_install_pulls_only_what_parsing_urls_and_payloads_need() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {spec.split(">")[0].split("=")[0].split("<")[0].strip() for spec in project["dependencies"]}
    assert names == {"lark", "attrs", "jsonschema"}
    extras = project["optional-dependencies"]
    assert any(spec.startswith("hypothesis") for spec in extras["strategies"])
    assert any(spec.startswith("httpx") for spec in extras["http"])
    assert project["entry-points"]["hypothesis"] == {"_": "odatakit.testing._hook:_hypothesis_setup_hook"}
