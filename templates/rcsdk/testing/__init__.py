"""A local RingCentral-compatible platform for tests, demos and benchmarks.

    from rcsdk import RCSDK
    from rcsdk.testing import LocalPlatform, LOCAL_CREDENTIALS

    with LocalPlatform() as local:
        sdk = RCSDK(LOCAL_CREDENTIALS["RC_APP_KEY"], LOCAL_CREDENTIALS["RC_APP_SECRET"], local.url)
        sdk.get_platform().login_jwt(LOCAL_CREDENTIALS["RC_JWT"])

From a shell: ``python -m rcsdk.testing serve`` (or ``run -- COMMAND``, which sets the
``RC_*`` variables for the command).

Layout: ``_tables`` is generated from the spec (credentials, grants, error codes, routes);
``_records`` (users, apps, sessions, errors), ``_oauth`` (the OAuth endpoints), ``_limits``
(rate limits), ``_platform`` (``LocalPlatform``: routes and controls), ``_control`` (the HTTP
controls, ``serve --help`` lists them) and ``_http`` (the server) are static code.
"""

from rcsdk.testing._platform import LocalPlatform
from rcsdk.testing._records import App, Fault, User
from rcsdk.testing._tables import LOCAL_CREDENTIALS

__all__ = ["LOCAL_CREDENTIALS", "App", "Fault", "LocalPlatform", "User"]
