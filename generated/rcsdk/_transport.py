# Copied verbatim from templates/rcsdk/_transport.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_transport.py and run `make generate`.
"""The wire: one request to the platform, with bounded retries, typed errors and redacted logs.

``Transport`` knows the server, the app's client credentials, the timeouts and the retry
policy; it knows nothing of the token lifecycle (``_session``) or of the spec's operations
(the generated ``Platform``).

What it guarantees, before and while a request is sent:

* tokens and credentials go to the platform's origin only (``_urls``): a path starts with
  ``/`` or is an absolute URL on the server's own scheme, host and port; anything else, and
  control characters in paths, headers or login fields, is a ``UsageError`` and nothing is sent;
* plain ``http://`` only to loopback, unless ``allow_insecure_http`` (logged as a WARNING);
* redirects are never followed: a 3xx is a ``RedirectError`` naming where it pointed;
* every attempt ends within ``timeout`` seconds in total (``_deadline``), however slowly the
  server drips its answer;
* ``~/.netrc`` and URL credentials never replace the SDK's ``Authorization``;
* a proxy only as ``_proxy`` decides, once, when the transport is made (the environment's
  proxies for https only); CA bundles from the environment (``REQUESTS_CA_BUNDLE``,
  ``CURL_CA_BUNDLE``) are read then too, never per request;
* no answer is read past ``max_response_bytes``, before or after decompression
  (``ResponseTooLargeError``, ``_wire``);
* a forked child starts with fresh connections;
* messages, error fields, bodies and DEBUG logs are redacted (``_redact``).
"""

from __future__ import annotations

import base64
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import requests

from rcsdk import _answers, _budget, _redact
from rcsdk._answers import backoff
from rcsdk._budget import MemoryRateLimitBudget, RateLimitBudget
from rcsdk._constants import (
    ANNOUNCE_WAIT,
    IDEMPOTENT_METHODS,
    MAX_RESPONSE_BYTES,
    RETRY_STATUSES,
    __version__,
)
from rcsdk._deadline import deadline
from rcsdk._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
    RCSDKError,
    RedirectError,
    ResponseFormatError,
    ResponseTooLargeError,
)
from rcsdk._fork import renew_in_child
from rcsdk._models import TokenInfo
from rcsdk._proxy import Proxy, choose_proxy
from rcsdk._urls import check_field, check_headers, is_loopback, origin_of
from rcsdk._wire import Outgoing, SessionWire, Wire

__all__ = ["Transport"]

logger = logging.getLogger("rcsdk")

USER_AGENT = (
    f"rcsdk-python/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"requests/{requests.__version__}"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class Transport:
    """Sends requests for one app to one server.

    ``app_secret`` may be ``None`` (or empty) for a public app: client requests then send
    ``client_id`` in the body instead of Basic credentials.
    """

    def __init__(
        self,
        app_key: str,
        app_secret: str | None,
        server: str,
        *,
        timeout: float,
        max_retries: int,
        max_retry_wait: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        session: requests.Session | None = None,
        user_agent: str | None = None,
        allow_insecure_http: bool = False,
        proxy: str | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.origin = origin_of(server, allow_insecure_http=allow_insecure_http)
        if self.origin.scheme == "http" and not is_loopback(self.origin.host):
            logger.warning(
                "rcsdk: plain HTTP to %s (allow_insecure_http=True): the app secret and tokens "
                "cross the network unencrypted",
                self.origin.netloc,
            )
        self.max_response_bytes = max_response_bytes
        self.proxy: Proxy | None = choose_proxy(
            self.origin.scheme, self.origin.host, proxy, os.environ
        )
        self.app_key = app_key
        self.server = self.origin.base
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.clock = clock
        self.sleep = sleep
        agent = f"{user_agent} {USER_AGENT}" if user_agent else USER_AGENT
        self.wire: Wire | SessionWire = (
            Wire(agent, self.proxy, timeout)
            if session is None
            else SessionWire(session, self.server, agent, self.proxy, timeout)
        )
        self.redactor = _redact.Redactor()
        if self.proxy is not None:
            self.redactor.add(*self.proxy.secrets)
        self.budget: RateLimitBudget = MemoryRateLimitBudget(clock)
        self.on_long_wait: Callable[[RateLimitError], None] = lambda error: None
        """Told of each wait on a rate limit longer than ``ANNOUNCE_WAIT`` (the platform's
        ``rate_limit_wait`` event), after its WARNING line."""
        self._checked_bearer: str | None = None
        """Asked before every request, told after (X-Rate-Limit-*); the store may share one."""
        self._basic: str | None = None
        if app_secret:
            basic = base64.b64encode(f"{app_key}:{app_secret}".encode()).decode()
            self._basic = f"Basic {basic}"
            self.redactor.add(app_secret, basic)
        renew_in_child(self)

    def _after_fork(self) -> None:
        """In a forked child: fresh connection pools, never the parent's sockets."""
        self.wire.after_fork()

    def client_form(self, form: dict[str, str]) -> dict[str, str]:
        """Public apps identify themselves in the body; confidential ones use Basic auth."""
        if self._basic is None:
            form = {**form, "client_id": self.app_key}
        return form

    def send(
        self,
        method: str,
        path: str,
        *,
        client: bool = False,
        bearer: str | None = None,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request, with bounded retries; return a 2xx response (or a 304) or raise.

        ``client`` authenticates the app (token and revoke requests); ``bearer`` is an access
        token to authorize an API call with. Nothing is sent when ``path`` could reach another
        host than the platform, or a header or form field of a client request carries a control
        character (``UsageError``). Each attempt ends within ``timeout`` seconds in total.
        """
        url = self.origin.url(path)
        check_headers(headers)
        if client:
            for key, value in (data or {}).items():
                check_field(key, value)
        sent_headers = dict(headers or {})
        if client and self._basic:
            sent_headers["Authorization"] = self._basic
        if bearer is not None:
            if bearer is not self._checked_bearer:  # checked once per token, not per call
                check_field("access token", bearer)
                self._checked_bearer = bearer
            sent_headers["Authorization"] = f"Bearer {bearer}"
        # A refresh or code grant is single-use: never replay it once it may have arrived.
        replayable = method.upper() in IDEMPOTENT_METHODS and not client
        route = _budget.route_of(method, url)
        attempt, waited = 0, 0.0
        while True:
            error: RCSDKError
            group: str | None = None
            grant = _budget.take(
                self.budget,
                route,
                lease=self.timeout,
                sleep=self.sleep,
                max_wait=self.max_retry_wait,
                fail_fast=self.max_retries == 0,
                announce=self.announce,
            )
            sent_at = self.clock()
            response: requests.Response | None = None
            with deadline(self.timeout) as limit:
                try:
                    answer = self.wire.exchange(
                        Outgoing(method, url, params, data, json, sent_headers),
                        self.max_response_bytes,
                    )
                except requests.RequestException as exc:
                    error, maybe_arrived = self.connection_error(
                        exc, _redact.url(url), limit.expired
                    )
                except ResponseTooLargeError as exc:
                    error, maybe_arrived = exc, True
                else:
                    if limit.expired:
                        # The deadline cut the answer short: what arrived is not the answer.
                        answer.close()
                        error, maybe_arrived = self.timed_out(_redact.url(url)), True
                    else:
                        response = answer
            _budget.settle(self.budget, route, grant, response, self.clock())
            if response is not None:
                self.log(method, url, params, data, response, sent_at)
                if response.status_code in REDIRECT_STATUSES:
                    raise self.redirect_error(response)
                if response.status_code < 400:
                    return response
                error = self.status_error(response)
                group = response.headers.get("X-Rate-Limit-Group")
                maybe_arrived = not isinstance(error, RateLimitError) and (error.status_code != 503)
            delay = self.retry_delay(error, attempt, maybe_arrived, replayable)
            if delay is None or attempt >= self.max_retries or waited + delay > self.max_retry_wait:
                if attempt and type(error) in (APIConnectionError, APITimeoutError):
                    error = type(error)(f"{error} ({attempt + 1} attempts)")
                raise error
            if isinstance(error, RateLimitError) and delay > ANNOUNCE_WAIT:
                self.announce(
                    f"rcsdk: rate limited ({group or 'unnamed'} group) on {method} "
                    f"{_redact.url(url)}; waiting {delay:.0f} s before retrying (pass "
                    "max_retries=0 to fail fast with RateLimitError instead)",
                    error,
                )
            else:
                logger.info(
                    "rcsdk: %s %s failed (%s); retry %d in %.2fs",
                    method,
                    _redact.url(url),
                    type(error).__name__,
                    attempt + 1,
                    delay,
                )
            self.sleep(delay)
            attempt, waited = attempt + 1, waited + delay

    def announce(self, line: str, error: RateLimitError) -> None:
        """A long wait on a rate limit, where a person sees it: a WARNING (shown without any
        logging set up, by Python's last-resort handler) and the ``rate_limit_wait`` event."""
        logger.warning("%s", line)
        self.on_long_wait(error)

    def timed_out(self, shown: str) -> APITimeoutError:
        return APITimeoutError(
            self.redactor.text(f"no complete answer within {self.timeout:g} s from {shown}")
        )

    def connection_error(
        self, exc: requests.RequestException, shown: str, expired: bool
    ) -> tuple[APIConnectionError, bool]:
        """The error for a failed attempt, and whether the request may have arrived."""
        if expired or isinstance(exc, requests.ReadTimeout):
            return self.timed_out(shown), True
        via = f" via proxy {self.proxy.netloc}" if self.proxy is not None else ""
        if isinstance(exc, requests.ConnectTimeout):
            message = (
                f"cannot connect to {self.origin.netloc}{via}: no answer within {self.timeout:g} s"
            )
            return APITimeoutError(self.redactor.text(message)), False
        reason = _answers.refusal(exc)
        if reason is not None:
            message = f"cannot connect to {self.origin.netloc}{via}: {reason}"
            return APIConnectionError(self.redactor.text(message)), False
        return APIConnectionError(self.describe(exc, shown + via)), True

    def redirect_error(self, response: requests.Response) -> RedirectError:
        return _answers.redirect_error(response, self.redactor, self.origin.netloc)

    def retry_delay(
        self, error: RCSDKError, attempt: int, maybe_arrived: bool, replayable: bool
    ) -> float | None:
        """How long to wait before retrying ``error``, or None when it must not be retried."""
        if isinstance(error, RateLimitError):
            return error.retry_after
        if maybe_arrived and not replayable:
            return None
        if isinstance(error, InternalServerError) and error.status_code in RETRY_STATUSES:
            if error.retry_after is not None:
                return error.retry_after
            return backoff(attempt)
        if isinstance(error, APIConnectionError):
            return backoff(attempt)
        return None

    def status_error(self, response: requests.Response) -> APIStatusError:
        return _answers.status_error(response, self.redactor, self.clock())

    def token_from(self, response: requests.Response) -> TokenInfo:
        """The token response's tokens (added to the redactor), or ``ResponseFormatError``."""
        body = _answers.json_body(response)
        try:
            token = TokenInfo.from_json(body)
        except ValueError as exc:
            raise ResponseFormatError(
                f"token response unusable: {exc}", status_code=response.status_code
            ) from None
        self.redactor.add_tokens(token.access_token, token.refresh_token, token.id_token)
        return token

    def describe(self, exc: Exception, shown: str) -> str:
        return self.redactor.text(f"{type(exc).__name__} on {shown}: {_answers.reason(exc)}")

    def log(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        response: requests.Response,
        sent_at: float,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "rcsdk: %s %s params=%s form=%s -> %s in %.3fs: %s",
                method,
                self.redactor.text(_redact.url(url)),
                self.redactor.value(_redact.form(params)),
                self.redactor.value(_redact.form(data)),
                response.status_code,
                self.clock() - sent_at,
                self.redactor.text(_redact.body(response.content)),
            )
