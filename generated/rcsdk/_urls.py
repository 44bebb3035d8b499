# Copied verbatim from templates/rcsdk/_urls.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_urls.py and run `make generate`.
"""Where a request may go: the platform's own origin only, and input that cannot change that.

Every URL rcsdk sends a token or credential to is checked here first, before a byte is sent:

* the ``server`` is an ``http(s)`` URL without credentials, query or fragment; plain ``http`` is
  refused for a host other than loopback unless the caller opts in (``allow_insecure_http``);
* a path starts with ``/`` (never ``//``), or is an absolute URL on the server's own origin
  (scheme, host and port); ``@``, backslashes and control characters are refused;
* header and form values carry no CR, LF or other control characters.

Every refusal is a ``UsageError`` that names the argument and the problem.
"""

from __future__ import annotations

import ipaddress
import re
import string
import urllib.parse
from collections.abc import Mapping
from typing import Any

import urllib3.util

from rcsdk import _redact
from rcsdk._exceptions import UsageError

__all__ = ["Origin", "check_field", "check_headers", "origin_of"]

DEFAULT_PORTS = {"http": 80, "https": 443}
# A str code point in U+D800..U+DFFF is always unpaired (a pair is one code point in Python).
_SURROGATE = re.compile("[\ud800-\udfff]")
# http.client's rule for a header name (RFC 9110 token characters).
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits)


def _shown(value: str, limit: int = 60) -> str:
    """A value for a message: credentials (``user:pw@``) and secret-named parameters blanked,
    then repr (control characters visible), cut short."""
    text = repr(re.sub(r"(//)[^/?#@]*@", rf"\1{_redact.REDACTED}@", _redact.named(value)))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _control(value: str) -> str | None:
    """The first control character in ``value`` (as an escape), or None."""
    for char in value:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return repr(char)[1:-1]
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine's loopback interface, known without a DNS lookup: a
    literal loopback address (127.0.0.0/8, ::1) or exactly ``localhost`` (not ``localhost.``,
    ``x.localhost`` or ``127.0.0.1.``: names that DNS answers for)."""
    host = host.lower()
    if host == "localhost":
        return True
    if _IPV4.match(host):
        return host.startswith("127.")
    try:
        return ipaddress.IPv6Address(host.strip("[]")) == _IPV6_LOOPBACK
    except ValueError:
        return False


# The one reading of a server's host that every rcsdk client shares: a name of dot-separated
# labels (letters, digits, '-', '_') whose last label is not a number, a dotted-quad IPv4 address
# in plain decimal, or a bracketed IPv6 address. Anything else (a trailing dot, '%', non-ASCII,
# 127.1, 0x7f.0.0.1, a zone id) is refused: URL parsers read such hosts differently.
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?\Z")
_LABEL = re.compile(r"[a-z0-9_-]+\Z")
_IPV4 = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\Z"
)
_IPV6_LOOPBACK = ipaddress.IPv6Address("::1")


def host_of(server: str) -> tuple[str, int | None]:
    """The host (lower case, IPv6 compressed in brackets) and port of ``server``'s authority,
    read by the shared rule above; ``UsageError`` when it does not follow it."""
    match = _AUTHORITY.match(server)
    authority = match.group(1) if match else ""
    if "@" in authority:
        raise UsageError(
            "server must not carry credentials (user:password@): rcsdk authenticates itself"
        )
    parts = _HOST_PORT.match(authority)
    port = int(parts.group(2)) if parts and parts.group(2) else None
    if parts is None or port == 0 or (port or 0) > 65535:
        raise UsageError(f"server has no valid host and port: {_shown(server)}")
    host = parts.group(1).lower()
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]", port
        except ValueError:
            raise UsageError(f"server has an invalid IPv6 address: {_shown(server)}") from None
    labels = host.split(".")
    numeric = labels[-1].isdigit() or labels[-1].startswith("0x")
    if not all(_LABEL.match(label) for label in labels) or (numeric and not _IPV4.match(host)):
        raise UsageError(
            f"server host {_shown(host)} is not a name (letters, digits, '-' and '_' between "
            "dots, no trailing dot), a dotted-quad IPv4 address or a bracketed IPv6 address"
        )
    return host, port


CHECKED_LIMIT = 1024


class Origin:
    """The server a platform talks to: its origin (scheme, host, port) and base URL."""

    __slots__ = ("_checked", "base", "host", "netloc", "port", "scheme")

    def __init__(self, scheme: str, host: str, port: int, base: str) -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.base = base
        default = DEFAULT_PORTS[scheme]
        bracketed = f"[{host}]" if ":" in host else host
        self.netloc = bracketed if port == default else f"{bracketed}:{port}"
        # Targets already found safe, and their URLs: an app calls the same few paths again and
        # again, and the check (two URL parsers) would otherwise cost more than the rest of a call.
        self._checked: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Origin({self.scheme}://{self.netloc})"

    @property
    def key(self) -> str:
        """``scheme://host:port``, the port always written: what auth data records as its origin
        (every rcsdk client writes the same string for the same server)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, target: Any, argument: str = "path") -> str:
        """The URL for ``target``: a path on this server, or an absolute URL on its origin.

        Raises ``UsageError`` (naming ``argument``) for anything that could reach another host.
        """
        if isinstance(target, str) and target in self._checked:
            return self._checked[target]
        if not isinstance(target, str):
            raise UsageError(f"{argument} must be a string, not {type(target).__name__}")
        if not target:
            raise UsageError(f"{argument} is empty: pass an API path such as '/restapi/v1.0/...'")
        control = _control(target)
        if control is not None:
            raise UsageError(
                f"{argument} contains a control character ({control}): {_shown(target)}"
            )
        if "\\" in target:
            raise UsageError(f"{argument} contains a backslash: {_shown(target)}")
        if " " in target or not target.isascii():
            raise UsageError(
                f"{argument} contains a space or a non-ASCII character (percent-encode it): "
                f"{_shown(target)}"
            )
        if target.startswith("//"):
            raise UsageError(
                f"{argument} starts with '//' (a URL to another host): {_shown(target)}; "
                "an API path starts with a single '/'"
            )
        if target.startswith("/"):
            url = self.base + target
        elif target.lower().startswith(("http://", "https://")):
            url = target
            self._same_origin(url, argument)
        else:
            raise UsageError(
                f"{argument} must start with '/' (or be a URL on {self.scheme}://{self.netloc}),"
                f" not {_shown(target)}"
            )
        # Check again with the parser the HTTP library uses: both must agree on the host.
        self._same_origin(url, argument)
        if len(self._checked) >= CHECKED_LIMIT:
            self._checked.clear()
        self._checked[target] = url
        return url

    def _same_origin(self, url: str, argument: str) -> None:
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
            parsed = urllib3.util.parse_url(url)
        except ValueError as exc:
            raise UsageError(f"{argument} is not a valid URL ({exc}): {_shown(url)}") from None
        if parts.username is not None or parts.password is not None or parsed.auth:
            raise UsageError(f"{argument} must not carry credentials (user@): {_shown(url)}")
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        their = (scheme, host, port or DEFAULT_PORTS.get(scheme))
        lib_scheme = (parsed.scheme or "").lower()
        lib = (
            lib_scheme,
            (parsed.host or "").strip("[]").lower(),
            parsed.port or DEFAULT_PORTS.get(lib_scheme),
        )
        mine = (self.scheme, self.host, self.port)
        if their != mine or lib != mine:
            shown = f"{scheme}://{parts.netloc}" if parts.netloc else _shown(url)
            raise UsageError(
                f"{argument} points to {shown}, not to the platform "
                f"({self.scheme}://{self.netloc}): rcsdk sends its tokens only to the platform"
            )


def origin_of(server: Any, *, allow_insecure_http: bool = False) -> Origin:
    """Check ``server`` and return its origin; raise ``UsageError`` when it cannot be used."""
    if not isinstance(server, str):
        raise UsageError(
            f"server must be a URL string such as 'https://platform.ringcentral.com', "
            f"not {type(server).__name__}"
        )
    if not server.isascii() or _control(server) is not None or "\\" in server or " " in server:
        raise UsageError(
            "server contains a control character, space, backslash or non-ASCII character: "
            f"{_shown(server)}"
        )
    try:
        parts = urllib.parse.urlsplit(server)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"server is not a valid URL ({exc}): {_shown(server)}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise UsageError(f"server must be an http(s) URL with a host, not {_shown(server)}")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            "server must not carry credentials (user:password@): rcsdk authenticates itself"
        )
    if parts.query or server.rstrip("/").endswith("?"):
        raise UsageError(f"server must not have a query (?...): {_shown(server)}")
    if parts.fragment or "#" in server:
        raise UsageError(f"server must not have a fragment (#...): {_shown(server)}")
    host, _ = host_of(server)
    if scheme == "http" and not is_loopback(host) and not allow_insecure_http:
        raise UsageError(
            f"server {scheme}://{parts.netloc} uses plain HTTP: the app secret, passwords and "
            "tokens would cross the network unencrypted. Use https://, or pass "
            "allow_insecure_http=True if this network is trusted."
        )
    origin = Origin(scheme, host.strip("[]"), port or DEFAULT_PORTS[scheme], "")
    origin.base = f"{scheme}://{origin.netloc}{parts.path.rstrip('/')}"
    return origin


def check_field(name: str, value: Any) -> None:
    """Refuse a credential or header value with a line break or other control character, or
    with a lone surrogate (it has no UTF-8 form: sending it would fail untyped, mid-request)."""
    if isinstance(value, str):
        control = _control(value)
        if control is not None:
            raise UsageError(f"{name} contains a control character ({control})")
        if not value.isascii() and _SURROGATE.search(value):
            raise UsageError(f"{name} contains a lone surrogate (not valid Unicode text)")


def check_headers(headers: Mapping[str, Any] | None) -> None:
    """Refuse header names that are not tokens and values with CR, LF or other controls."""
    for key, value in (headers or {}).items():
        if not isinstance(key, str) or not key or not set(key) <= _TOKEN_CHARS:
            raise UsageError(f"header name {_shown(str(key))} is not a valid HTTP header name")
        if not isinstance(value, (str, bytes)):
            raise UsageError(f"header {key} must be a string, not {type(value).__name__}")
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        control = _control(text.replace("\t", " "))
        if control is not None:
            raise UsageError(f"header {key} contains a control character ({control})")
        if not text.isascii():
            # One rule in every language: HTTP libraries send other characters differently.
            raise UsageError(f"header {key} contains a non-ASCII character")
