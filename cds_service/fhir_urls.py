"""FHIR URLs compared as URLs, not as strings: the allow-list, and where the token may go.

A URL is split (``urllib.parse``) into scheme, host, port and path segments, and two
URLs are compared segment by segment: ``https://fhir.example/r4x`` is not under
``https://fhir.example/r4``, and the default port is the same as no port. Refused
outright, because an HTTP client or server would resolve them after our check and
reach a path outside the one we checked (httpx, for one, removes ``..`` segments
before sending):

* dot segments (``.``, ``..``), also percent-encoded (``%2e``, ``.%2E``, ``%252e``),
  and segments that decode to a ``/`` or ``\\``;
* user info (``user@host``), a ``%`` in the host, backslashes, spaces and control
  characters;
* any scheme but ``http`` and ``https``.

``allowed_base(url, allowlist)`` is the request's ``fhirServer`` in normal form when an
allow-list entry is a prefix of it at a segment boundary (``None`` otherwise; ``*``
allows any well-formed base). ``under_base(url, base)`` says whether a URL (a
``link[next]``, an absolute reference) lies under that base: only such URLs are ever
requested, so the bearer token goes nowhere else. ``relative_to(url, base)`` is the
part of such a URL after the base (``Medication/m1``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Characters no URL we request may hold: controls, space, backslash, DEL.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
#: Rounds of percent-decoding a segment gets before the dot check (``%252e`` -> ``.``).
_DECODE_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class FhirUrl:
    """A URL reduced to what decides where a request goes."""

    scheme: str
    host: str
    port: int
    segments: tuple[str, ...]
    query: str
    fragment: str

    def base_string(self) -> str:
        """Scheme, host, non-default port and path, without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if _DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        path = "".join("/" + segment for segment in self.segments)
        return f"{self.scheme}://{host}{port}{path}"


def _dot_segment(segment: str) -> bool:
    """Whether a path segment is, or decodes to, a dot segment or holds a separator."""
    for _ in range(_DECODE_ROUNDS):
        if segment in (".", "..") or "/" in segment or "\\" in segment:
            return True
        decoded = unquote(segment)
        if decoded == segment:
            return False
        segment = decoded
    return True  # still changing after several rounds: refuse rather than guess


def parse_url(url: object) -> FhirUrl | None:
    """The parts of an absolute http(s) URL, or ``None`` when it is refused (see module)."""
    if not isinstance(url, str) or _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc or "%" in host:
        return None
    segments = parts.path.split("/")
    if segments[0]:  # a path that does not start with "/" after the host
        return None
    segments = segments[1:]
    if segments and segments[-1] == "":
        segments = segments[:-1]
    if any(_dot_segment(segment) for segment in segments):
        return None
    return FhirUrl(
        scheme=scheme,
        host=host,
        port=port if port is not None else _DEFAULT_PORTS[scheme],
        segments=tuple(segments),
        query=parts.query,
        fragment=parts.fragment,
    )


def _is_prefix(base: FhirUrl, url: FhirUrl) -> bool:
    same_origin = (base.scheme, base.host, base.port) == (url.scheme, url.host, url.port)
    return same_origin and url.segments[: len(base.segments)] == base.segments


def allowed_base(url: object, allowlist: Iterable[str]) -> str | None:
    """``url`` in normal form when it is a FHIR base the allow-list admits, else ``None``.

    A base carries no query and no fragment. ``*`` in the allow-list admits any base
    that passes the checks of ``parse_url``.
    """
    candidate = parse_url(url)
    if candidate is None or candidate.query or candidate.fragment:
        return None
    for entry in allowlist:
        if entry == "*":
            return candidate.base_string()
        prefix = parse_url(entry)
        if prefix is not None and not prefix.query and _is_prefix(prefix, candidate):
            return candidate.base_string()
    return None


def under_base(url: object, base: str) -> bool:
    """Whether ``url`` lies under ``base`` (the base itself, with or without a query, counts)."""
    parsed, root = parse_url(url), parse_url(base)
    return parsed is not None and root is not None and _is_prefix(root, parsed)


def relative_to(url: object, base: str) -> str | None:
    """The path of ``url`` after ``base`` (``Medication/m1``), ``None`` when not under it."""
    parsed, root = parse_url(url), parse_url(base)
    if parsed is None or root is None or not _is_prefix(root, parsed):
        return None
    return "/".join(parsed.segments[len(root.segments) :])


#: A web origin, as a CSP source expression may name it: scheme, host, optional port.
_ORIGIN_RE = re.compile(
    r"https?://[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?|https?://\[[0-9a-f:]+\](?::\d{1,5})?"
)


def origin_of(url: str) -> str | None:
    """The origin (``scheme://host[:port]``, lower case) of an http(s) URL, else ``None``.

    ``None`` too for URLs with user information or characters a CSP source could not
    hold: the result goes into a Content-Security-Policy as it is.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    return origin if _ORIGIN_RE.fullmatch(origin) else None
