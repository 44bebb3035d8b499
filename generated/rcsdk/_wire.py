# Copied verbatim from templates/rcsdk/_wire.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_wire.py and run `make generate`.
"""One HTTP exchange: the request out, the whole answer in (never past a size limit), as a
``requests.Response``.

``Wire`` sends over urllib3 directly (the pools ``requests`` would use, without the session
machinery around them: per call that machinery cost more than the rest of the client together),
and prepares what it sends as ``requests`` does, so what reaches the server is the same: the URL
requoted, forms and JSON encoded by requests' own code. Its connection pools are watched by
``_deadline``; its proxy is the one ``_proxy`` chose. ``SessionWire`` sends through a caller's
``requests.Session`` instead (their adapters, mounts and hooks apply).

Either way the body is read here (``read_body``): a declared length over the limit is refused
before the body, a body of unknown length is counted while it arrives, and gzip and deflate are
inflated in bounded steps, so no answer holds more than ``limit + 1`` bytes
(``ResponseTooLargeError``). Failures are requests' exceptions, as ``requests`` raises them.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, cast

import requests
import requests.adapters
import requests.cookies
import requests.structures
import requests.utils
import urllib3
import urllib3.exceptions

from rcsdk._constants import DEFAULT_POOL_SIZE
from rcsdk._deadline import DeadlineAdapter, watched_pools
from rcsdk._exceptions import ResponseTooLargeError
from rcsdk._proxy import Proxy

__all__ = ["Outgoing", "SessionWire", "Wire", "read_body"]

ACCEPT_ENCODING = "gzip, deflate"
"""Only what ``read_body`` inflates itself, in bounded steps."""
_READ_STEP = 65536
"""Bytes read (and inflated) at a time from a body of unknown length."""
_URLS_KEPT = 256
"""Prepared URLs remembered (paths with ids vary: the memo is cleared when full)."""


class Outgoing(NamedTuple):
    """One request as the transport hands it to a wire."""

    method: str
    url: str
    params: Mapping[str, Any] | None
    data: Mapping[str, Any] | None
    json: Any
    headers: Mapping[str, str]


class Wire:
    """Exchanges over urllib3 pools of its own (``DEFAULT_POOL_SIZE`` connections per host)."""

    def __init__(self, user_agent: str, proxy: Proxy | None, timeout: float) -> None:
        self.headers = {
            "User-Agent": user_agent,
            "Accept-Encoding": ACCEPT_ENCODING,
            "Accept": "application/json",
            "Connection": "keep-alive",
        }
        self.proxy = proxy
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.pools = self.new_pools()
        self._urls: dict[str, str] = {}

    def new_pools(self) -> urllib3.PoolManager:
        """The pools (a ``ProxyManager`` through a proxy), verifying TLS against the CA bundle
        that ``requests`` would use (the environment's, read now, or certifi's)."""
        environ = os.environ
        bundle = (
            environ.get("REQUESTS_CA_BUNDLE")
            or environ.get("CURL_CA_BUNDLE")
            or requests.utils.DEFAULT_CA_BUNDLE_PATH
        )
        options: dict[str, Any] = {
            "maxsize": DEFAULT_POOL_SIZE,
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": bundle,
        }
        pools: urllib3.PoolManager
        if self.proxy is None:
            pools = urllib3.PoolManager(**options)
        else:
            auth = urllib3.util.parse_url(self.proxy.url).auth
            headers = urllib3.make_headers(proxy_basic_auth=auth) if auth else None
            pools = urllib3.ProxyManager(self.proxy.url, proxy_headers=headers, **options)
        watched_pools(pools)
        return pools

    def after_fork(self) -> None:
        """Fresh pools, never the parent's sockets (dropped, not closed: they are the parent's)."""
        self.pools = self.new_pools()

    def url(self, url: str, params: Mapping[str, Any] | None) -> str:
        """The URL as requests would send it (requoted, with ``params``), remembered without
        params."""
        if params:
            prepared = requests.PreparedRequest()
            prepared.prepare_url(url, params)
            return cast(str, prepared.url)
        sent = self._urls.get(url)
        if sent is None:
            prepared = requests.PreparedRequest()
            prepared.prepare_url(url, None)
            sent = cast(str, prepared.url)
            if len(self._urls) >= _URLS_KEPT:
                self._urls.clear()
            self._urls[url] = sent
        return sent

    def exchange(self, out: Outgoing, limit: int) -> requests.Response:
        request = requests.PreparedRequest()
        request.method = method = out.method.upper()
        request.url = url = self.url(out.url, out.params)
        request.headers = requests.structures.CaseInsensitiveDict(self.headers)
        request.headers.update(out.headers)
        if out.data or out.json is not None or method not in ("GET", "HEAD"):
            request.prepare_body(out.data, None, out.json)
        try:
            answer = self.pools.urlopen(
                method,
                url,
                body=request.body,
                headers=request.headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=False,
                timeout=self.timeout,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _requests_error(exc) from exc
        response = requests.Response()
        response.status_code = answer.status
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        response.raw = answer
        response.reason = answer.reason or ""
        response.url = url
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.request = request
        if "Set-Cookie" in response.headers:  # as requests keeps them, for response.cookies
            _extract_cookies(response.cookies, request, answer)
        try:
            read_body(response, limit)
        except BaseException:
            answer.close()  # the rest of the answer is not read: the connection goes with it
            answer.release_conn()
            raise
        return response


class SessionWire:
    """Exchanges through a caller's ``requests.Session`` (its pools get deadlines too, unless it
    brings an adapter of its own). Every request names the proxy for both schemes (None: direct),
    so the session sends where ``_proxy`` decided even when it reads the environment."""

    def __init__(
        self,
        session: requests.Session,
        server: str,
        user_agent: str,
        proxy: Proxy | None,
        timeout: float,
    ) -> None:
        self.session = session
        self.timeout = timeout
        if type(session.get_adapter(server + "/")) is requests.adapters.HTTPAdapter:
            session.mount(server + "/", DeadlineAdapter(pool_maxsize=DEFAULT_POOL_SIZE))
        session.headers["User-Agent"] = user_agent
        session.headers["Accept"] = "application/json"
        session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        chosen = proxy.url if proxy else None
        # requests types proxies as str only; None is its "no proxy for this scheme".
        self.proxies = cast("dict[str, str]", {"http": chosen, "https": chosen, "all": None})

    def after_fork(self) -> None:
        """Fresh pools in every adapter of the session (the parent's are dropped, not closed)."""
        for adapter in self.session.adapters.values():
            if isinstance(adapter, requests.adapters.HTTPAdapter):
                adapter.init_poolmanager(
                    getattr(adapter, "_pool_connections", 10),
                    getattr(adapter, "_pool_maxsize", DEFAULT_POOL_SIZE),
                    block=getattr(adapter, "_pool_block", False),
                )
                adapter.proxy_manager = {}

    def exchange(self, out: Outgoing, limit: int) -> requests.Response:
        response = self.session.request(
            out.method,
            out.url,
            params=out.params,
            data=out.data,
            json=out.json,
            headers=out.headers,
            timeout=self.timeout,
            allow_redirects=False,
            auth=_keep_headers,
            proxies=self.proxies,
            stream=True,
        )
        try:
            read_body(response, limit)
        except BaseException:
            response.close()
            raise
        return response


_extract_cookies: Callable[..., None] = requests.cookies.extract_cookies_to_jar


def _keep_headers(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth that changes nothing: requests then consults neither ~/.netrc nor URL userinfo."""
    return request


def _requests_error(exc: BaseException) -> requests.RequestException:
    """urllib3's failure as the exception ``requests`` raises for it."""
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError) and not isinstance(
        exc, urllib3.exceptions.NewConnectionError
    ):
        return requests.ConnectTimeout(exc)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        return requests.ReadTimeout(exc)
    if isinstance(exc, urllib3.exceptions.ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return requests.exceptions.SSLError(exc)
    return requests.ConnectionError(exc)


def too_large(response: requests.Response, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the answer is longer than max_response_bytes ({limit}): not read further",
        status_code=response.status_code,
    )


def read_body(response: requests.Response, limit: int) -> None:
    """Read the whole body of a streamed ``response`` into it, gzip and deflate inflated here,
    or raise ``ResponseTooLargeError`` as soon as it (or what it inflates to) passes ``limit``.

    At most ``limit + 1`` bytes are ever held, compressed or not. Read errors are requests'
    ``ConnectionError`` (``ContentDecodingError`` for a corrupt compressed body).
    """
    raw = response.raw
    headers = response.headers
    length = headers.get("Content-Length")
    known = length is not None and length.isdigit()
    if known and int(length) > limit:  # type: ignore[arg-type]
        raise too_large(response, limit)
    encoding = headers.get("Content-Encoding", "").strip().lower()
    decoder: Any = None
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = _Deflate()
    try:
        if known and decoder is None:
            # The usual answer: its length is said and within the limit, so read it at once.
            body: bytes = raw.read(decode_content=False) or b""
        else:
            parts: list[bytes] = []
            size = 0
            while chunk := raw.read(_READ_STEP, decode_content=False):
                if decoder is not None:
                    chunk = decoder.decompress(chunk, limit - size + 1)
                size += len(chunk)
                if size > limit:
                    raise too_large(response, limit)
                parts.append(chunk)
            if decoder is not None:
                tail = decoder.flush()
                size += len(tail)
                if size > limit:
                    raise too_large(response, limit)
                parts.append(tail)
            body = b"".join(parts)
    except zlib.error as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise requests.ConnectionError(exc) from exc
    response._content = body


class _Deflate:
    """``deflate`` as servers send it: zlib-wrapped, or (wrongly, but often) raw."""

    def __init__(self) -> None:
        self._decoder: Any = zlib.decompressobj()
        self._first = True

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._first:
            self._first = False
            try:
                return bytes(self._decoder.decompress(data, max_length))
            except zlib.error:
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        return bytes(self._decoder.decompress(data, max_length))

    def flush(self) -> bytes:
        return bytes(self._decoder.flush())
