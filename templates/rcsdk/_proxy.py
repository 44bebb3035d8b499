"""Which proxy a client sends through, decided once when it is made (the same rule in every
language: docs/SECURITY.md, "Proxies and response size").

* ``proxy="http://host:port"`` sends every request through that proxy; ``proxy=""`` sends none
  through a proxy, whatever the environment says;
* otherwise an ``https://`` server is reached through ``https_proxy`` (or ``HTTPS_PROXY``) unless
  ``no_proxy`` (or ``NO_PROXY``) names its host;
* a plain ``http://`` server (loopback, or opted in) is never reached through a proxy from the
  environment: ``http_proxy``, ``HTTP_PROXY`` and ``ALL_PROXY`` are not read, so Basic
  credentials and tokens sent in the clear never go to a host the environment names.

The environment is read when the client is made, never per request.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from rcsdk._exceptions import UsageError

__all__ = ["Proxy", "bypassed", "choose_proxy", "parse_proxy"]

_CONTROL = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class Proxy:
    """An http:// proxy: its URL (credentials included) and its host:port (for messages)."""

    url: str
    netloc: str
    secrets: tuple[str, ...]


def parse_proxy(value: str, source: str) -> Proxy:
    """``value`` as a proxy (``http://`` assumed when no scheme is given), or ``UsageError``
    naming ``source`` (never the value: it may hold a password)."""
    usage = f"{source} must be http://[user:password@]host[:port]"
    if _CONTROL.search(value):
        raise UsageError(f"{usage}, without spaces, backslashes or control characters")
    if "://" not in value:
        value = "http://" + value
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port or 80
    except ValueError:
        raise UsageError(usage) from None
    host = parts.hostname
    if parts.scheme.lower() != "http" or not host or parts.path not in ("", "/"):
        raise UsageError(usage)
    if parts.query or parts.fragment:
        raise UsageError(usage)
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    secrets = tuple(s for s in (parts.password, urllib.parse.unquote(parts.password or "")) if s)
    return Proxy(f"http://{userinfo + '@' if userinfo else ''}{shown}", shown, secrets)


def bypassed(host: str, no_proxy: str) -> bool:
    """Whether ``no_proxy`` (comma-separated names, ``.suffix`` or ``*``) names ``host``."""
    host = host.lower().strip("[]")
    for entry in no_proxy.split(","):
        entry = entry.strip().lower()
        if entry == "*":
            return True
        if entry.count(":") == 1:  # name:port; the port does not matter
            entry = entry.partition(":")[0]
        entry = entry.strip("[]").lstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def choose_proxy(
    scheme: str, host: str, option: str | None, environ: Mapping[str, str]
) -> Proxy | None:
    """The proxy for a server (``scheme``, ``host``), by the ``proxy`` option and the
    environment; None: connect directly."""
    if option is not None:
        if not isinstance(option, str):
            raise UsageError(f"proxy must be a URL string or None, not {type(option).__name__}")
        return parse_proxy(option, "proxy") if option else None
    if scheme != "https":
        return None
    for name in ("https_proxy", "HTTPS_PROXY"):
        value = environ.get(name, "")
        if value:
            break
    else:
        return None
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    if bypassed(host, no_proxy):
        return None
    return parse_proxy(value, name)
