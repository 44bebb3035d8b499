"""The entry point, ``RCSDK``: one app on one server, and its platform."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from rcsdk._constants import PRODUCTION_SERVER
from rcsdk._exceptions import UsageError
from rcsdk._platform import Platform
from rcsdk._settings import Settings

__all__ = ["RCSDK"]

logger = logging.getLogger("rcsdk")


class RCSDK:
    """The SDK: one app on one server, and its platform.

    ``RCSDK(app_key, app_secret, server)`` as in the original SDK; keyword options go to
    ``Platform`` (``store``, ``timeout``, ``refresh_margin``, ``auto_refresh``, ...).
    """

    def __init__(
        self,
        app_key: str,
        app_secret: str | None,
        server: str = PRODUCTION_SERVER,
        *,
        settings: Settings | None = None,
        **options: Any,
    ) -> None:
        self.settings = settings or Settings(server=server, app_key=app_key, app_secret=app_secret)
        self._platform = Platform(app_key, app_secret, server, settings=self.settings, **options)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> RCSDK:
        """Build the SDK from ``RC_SERVER``, ``RC_APP_KEY`` and ``RC_APP_SECRET``.

        ``sdk.settings`` keeps every ``RC_*`` variable, and the platform's logins use them for
        arguments left out: ``platform.login_jwt()`` logs in with ``RC_JWT``. ``RC_SERVER``
        defaults to production, and a WARNING says so (a sandbox or local app's credentials
        fail there).
        """
        settings = Settings.from_env(environ)
        if not settings.app_key:
            raise UsageError("RC_APP_KEY is not set")
        if not settings.server:
            logger.warning(
                "rcsdk: no server given (RC_SERVER is not set): using production, %s",
                PRODUCTION_SERVER,
            )
        return cls(
            settings.app_key,
            settings.app_secret,
            settings.server or PRODUCTION_SERVER,
            settings=settings,
            **options,
        )

    def get_platform(self) -> Platform:
        """The platform: logins, tokens and authenticated calls."""
        return self._platform

    @property
    def platform(self) -> Platform:
        return self._platform

    def __repr__(self) -> str:
        return f"RCSDK(app_key={self._platform.app_key!r}, server={self._platform.server!r})"
