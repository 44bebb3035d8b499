"""The wire: one request to the platform, with bounded retries, typed errors and redacted logs.

``Transport`` knows the server, the app's client credentials, the timeouts and the retry
policy; it knows nothing of the token lifecycle (``_session``) or of the spec's operations
(the generated ``Platform``).
"""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any

import requests
import requests.adapters

from rcsdk import _redact
from rcsdk._constants import DEFAULT_POOL_SIZE, TOKEN_ERROR_CODES
from rcsdk._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    RateLimitError,
    RCSDKError,
    ResponseFormatError,
    TokenError,
    exception_for,
)
from rcsdk._models import ErrorBody, TokenInfo
from rcsdk._retry import backoff, parse_retry_after, rate_limit_delay
from rcsdk._version import __version__

__all__ = ["Transport", "is_token_failure", "json_body", "new_session"]

logger = logging.getLogger("rcsdk")

USER_AGENT = (
    f"rcsdk-python/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"requests/{requests.__version__}"
)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})


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
    ) -> None:
        if not app_key:
            raise ValueError("app_key is required")
        if not server.startswith(("https://", "http://")):
            raise ValueError(f"server must be an http(s) URL, not {server!r}")
        self.app_key = app_key
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.clock = clock
        self.sleep = sleep
        self.session = session or new_session()
        self.session.headers["User-Agent"] = (
            f"{user_agent} {USER_AGENT}" if user_agent else USER_AGENT
        )
        self.session.headers["Accept"] = "application/json"
        self.redactor = _redact.Redactor()
        self._basic: str | None = None
        if app_secret:
            basic = base64.b64encode(f"{app_key}:{app_secret}".encode()).decode()
            self._basic = f"Basic {basic}"
            self.redactor.add(app_secret, basic)

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
        """Send one request, with bounded retries; return a 2xx/3xx response or raise.

        ``client`` authenticates the app (token and revoke requests); ``bearer`` is an access
        token to authorize an API call with.
        """
        url = path if path.startswith(("https://", "http://")) else self.server + path
        sent_headers = dict(headers or {})
        if client and self._basic:
            sent_headers["Authorization"] = self._basic
        if bearer is not None:
            sent_headers["Authorization"] = f"Bearer {bearer}"
        # A refresh or code grant is single-use: never replay it once it may have arrived.
        replayable = method.upper() in IDEMPOTENT_METHODS and not client
        attempt, waited = 0, 0.0
        while True:
            error: RCSDKError
            sent_at = self.clock()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json=json,
                    headers=sent_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.ConnectTimeout as exc:
                error, maybe_arrived = APITimeoutError(self.describe(exc, url)), False
            except requests.Timeout as exc:
                error, maybe_arrived = APITimeoutError(self.describe(exc, url)), True
            except requests.ConnectionError as exc:
                error, maybe_arrived = APIConnectionError(self.describe(exc, url)), True
            except requests.RequestException as exc:
                error, maybe_arrived = APIConnectionError(self.describe(exc, url)), True
            else:
                self.log(method, url, params, data, response, sent_at)
                if response.status_code < 400:
                    return response
                error = self.status_error(response)
                maybe_arrived = not isinstance(error, RateLimitError) and (error.status_code != 503)
            delay = self.retry_delay(error, attempt, maybe_arrived, replayable)
            if delay is None or attempt >= self.max_retries or waited + delay > self.max_retry_wait:
                raise error
            logger.info(
                "rcsdk: %s %s failed (%s); retry %d in %.2fs",
                method,
                url,
                type(error).__name__,
                attempt + 1,
                delay,
            )
            self.sleep(delay)
            attempt, waited = attempt + 1, waited + delay

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
        """The typed exception for an error response, its message redacted."""
        body = json_or_none(response)
        fields = ErrorBody.from_json(body) if isinstance(body, Mapping) else None
        codes: tuple[str, ...] = ()
        error = description = None
        if fields is not None:
            codes = tuple(
                dict.fromkeys(
                    code
                    for code in (fields.error_code, *(e.error_code for e in fields.errors))
                    if code
                )
            )
            error, description = fields.error, fields.error_description
        retry_after: float | None = None
        if response.status_code == 429:
            retry_after = rate_limit_delay(response.headers, self.clock())
        elif response.status_code in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock())
        cls = exception_for(response.status_code, error, codes)
        detail = description or (fields.message if fields else None)
        if detail is None and fields is not None and fields.errors:
            detail = fields.errors[0].message
        if detail is None and body is None:
            detail = (response.reason or "no JSON body").strip()
        message = f"{response.status_code} {error or cls.__name__}"
        if codes:
            message += f" [{', '.join(codes)}]"
        if detail:
            message += f": {detail}"
        return cls(
            self.redactor.text(message),
            status_code=response.status_code,
            error=error,
            error_description=self.redactor.text(description) if description else None,
            error_codes=codes,
            request_id=response.headers.get("RCRequestId") or response.headers.get("X-Request-Id"),
            body=body if isinstance(body, Mapping) else None,
            retry_after=retry_after,
        )

    def token_from(self, response: requests.Response) -> TokenInfo:
        """The token response's tokens (added to the redactor), or ``ResponseFormatError``."""
        body = json_body(response)
        try:
            token = TokenInfo.from_json(body)
        except ValueError as exc:
            raise ResponseFormatError(
                f"token response unusable: {exc}", status_code=response.status_code
            ) from None
        self.redactor.add(token.access_token, token.refresh_token, token.id_token)
        return token

    def describe(self, exc: Exception, url: str) -> str:
        return self.redactor.text(f"{type(exc).__name__} on {url}: {exc}")

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
                url,
                _redact.form(params),
                _redact.form(data),
                response.status_code,
                self.clock() - sent_at,
                self.redactor.text(_redact.body(response.content)),
            )


def new_session() -> requests.Session:
    """A session whose pool keeps a connection per thread (up to DEFAULT_POOL_SIZE) open."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=DEFAULT_POOL_SIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def is_token_failure(error: AuthenticationError) -> bool:
    """A 401 that a refresh can cure: a token error code, or a 401 that names no cause."""
    return isinstance(error, TokenError) or (
        type(error) is AuthenticationError
        and not (set(error.error_codes) - TOKEN_ERROR_CODES)
        and error.error is None
    )


def json_or_none(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def json_body(response: requests.Response) -> Any:
    """The response's JSON, or ``ResponseFormatError`` when it has none."""
    body = json_or_none(response)
    if body is None:
        raise ResponseFormatError(
            f"{response.status_code} response is not JSON", status_code=response.status_code
        )
    return body
