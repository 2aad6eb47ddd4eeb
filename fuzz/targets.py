"""The fuzz targets: one check per entry point that takes text or JSON, shared by the atheris
runner (``python -m fuzz``) and the test suite (which replays seeds and past findings).

Each check takes the fuzzer's bytes and returns normally when the entry point gave one of its
documented outcomes: a result, or its documented error (``ODataSyntaxError`` for text,
``PayloadError`` for payloads). Anything else escapes: another exception is a finding, and so
is a result that does not survive its round trip (print → parse, encode → decode), which is
raised as ``Finding``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

import odatakit
from odatakit import ODataSyntaxError, PayloadError

__all__ = ["Finding", "Target", "TARGETS", "text_of"]


class Finding(AssertionError):
    """An outcome the entry point does not document: a round trip that changes the result."""


@attrs.frozen
class Target:
    """One fuzz target: the entry point it drives and the check that runs one input."""

    name: str
    check: Callable[[bytes], None]
    entry_point: str


def text_of(data: bytes) -> str:
    """The fuzzer's bytes as text: UTF-8, with bytes that are not UTF-8 as lone surrogates
    (``surrogateescape``), so the parsers also meet the str values UTF-8 cannot hold."""
    return data.decode("utf-8", "surrogateescape")


def _query_check(parse: Callable[[str], Any]) -> Callable[[bytes], None]:
    def check(data: bytes) -> None:
        text = text_of(data)
        try:
            node = parse(text)
        except ODataSyntaxError:
            return
        for url in (False, True):
            printed = odatakit.serialize(node, url=url)
            if parse(printed) != node:
                raise Finding(f"{text!r} parsed, but its printed form {printed!r} reads differently")

    return check


def _check_url(data: bytes) -> None:
    from odatakit.url import render

    text = text_of(data)
    try:
        url = odatakit.parse_url(text)
    except ODataSyntaxError:
        return
    printed = render(url)
    if odatakit.parse_url(printed) != url:
        raise Finding(f"{text!r} parsed, but its rendered form {printed!r} reads differently")


def _check_context_url(data: bytes) -> None:
    text = text_of(data)
    try:
        odatakit.parse_context_url(text)
    except ODataSyntaxError:
        return


def _options(data: bytes) -> dict[str, Any]:
    """Decoder options drawn from the input's length, so a seed is still a plain payload."""
    return {"infer": ("spec", "odatalib")[len(data) % 2], "ieee754_compatible": (None, False, True)[len(data) % 3]}


def _same(a: Any, b: Any) -> bool:
    return a == b or repr(a) == repr(b)  # repr: NaN is not equal to itself


def _check_decode(data: bytes) -> None:
    options = _options(data)
    try:
        value = odatakit.decode(data, check=True, **options)
    except PayloadError as error:  # the lazy decode must refuse it too: at once or on the first read
        try:
            odatakit.encode(odatakit.decode(data, **options), version="4.01")  # encode reads every value
        except PayloadError:
            return
        raise Finding(f"decode(check=True) refused {data!r} ({error}); read lazily it had no fault") from None
    lazy = odatakit.decode(data, **options)
    if not _same(lazy, value):
        raise Finding(f"{data!r}: the lazy value reads as {lazy!r}, the checked one as {value!r}")
    ieee = bool(options["ieee754_compatible"])
    # encode annotates what the spec's inference would read as another type; a bare value carries
    # no annotation at all (encode's docstring), so it reads back only under its own inference
    infer = "spec" if isinstance(value, odatakit.Structured) else options["infer"]
    for version in ("4.0", "4.01"):
        try:
            text = odatakit.encode_json(value, version=version, ieee754_compatible=ieee)
        except PayloadError:
            continue  # e.g. a Decimal whose 4.0 positional form would be huge: refused, by design
        again = odatakit.decode(text, infer=infer, ieee754_compatible=ieee)
        if not _same(again, value):
            raise Finding(f"{data!r} decoded to {value!r}; written as {text!r} it reads as {again!r}")


def _check_validate(data: bytes) -> None:
    options = _options(data)
    faults = odatakit.validate(data, **options)
    if not all(isinstance(fault, odatakit.Fault) for fault in faults):
        raise Finding(f"validate({data!r}) returned something other than faults: {faults!r}")
    if not faults:
        try:
            odatakit.decode(data, **options)
        except PayloadError as error:
            raise Finding(f"validate found nothing wrong with {data!r}, decode did: {error}") from None


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("query", _query_check(odatakit.parse_query), "parse_query"),
        Target("filter", _query_check(odatakit.parse_filter), "parse_filter"),
        Target("expand", _query_check(odatakit.parse_expand), "parse_expand"),
        Target("url", _check_url, "parse_url"),
        Target("context_url", _check_context_url, "parse_context_url"),
        Target("decode", _check_decode, "decode"),
        Target("validate", _check_validate, "validate"),
    )
}
