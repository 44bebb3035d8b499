# Copied verbatim from templates/rcsdk/_pkce.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_pkce.py and run `make generate`.
"""PKCE (RFC 7636): a random code verifier and its S256 challenge; the ``state`` nonce.

Imported by ``authorize_url`` when it is first called, not with ``rcsdk`` (``secrets``)."""

from __future__ import annotations

import base64
import hashlib
import secrets


def make_code_verifier() -> str:
    """A 64-character verifier from the unreserved alphabet (43 to 128 are allowed)."""
    return secrets.token_urlsafe(48)


def make_state() -> str:
    """A random ``state`` for an authorization request (CSRF protection)."""
    return secrets.token_urlsafe(16)


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
