"""Tokens, keyed hashes and signed values.

Tokens carry 144 random bits and are stored only as SHA-256 hashes. Values the browser
holds for us (the device cookie, the time a form was shown) are signed with an HMAC of
the service's secret, so any server process can check them and nobody can forge them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

__all__ = [
    "TOKEN_PATTERN",
    "hash_token",
    "keyed_hash",
    "keyed_hasher",
    "new_token",
    "sign",
    "unsign",
]

TOKEN_BYTES = 18  # 144 bits, above the 128 the issue asks for; 24 URL-safe characters
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24}$")


def new_token() -> str:
    """Return a fresh random token (24 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """Return an HMAC-SHA-256 of ``value``: stable per secret, useless without it.

    Used for client addresses and device ids, so they can be counted without being kept.
    """
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_hasher(secret: str, purpose: str) -> Callable[[str], str]:
    """Return :func:`keyed_hash` for one secret and purpose, prepared once (bulk use)."""
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    prepared = hmac.new(key, digestmod=hashlib.sha256)

    def digest(value: str) -> str:
        mac = prepared.copy()
        mac.update(value.encode("utf-8"))
        return mac.hexdigest()

    return digest


def _mac(secret: str, purpose: str, value: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{purpose}|{value}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def sign(secret: str, purpose: str, value: str) -> str:
    """Return ``value.signature``; ``purpose`` keeps one kind from passing for another."""
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: str, purpose: str, signed: str | None) -> str | None:
    """Return the value of a string made by :func:`sign`, or None if it was tampered with."""
    if not signed or "." not in signed:
        return None
    value, mac = signed.rsplit(".", 1)
    # Bytes: compare_digest refuses non-ASCII str, and a forged value may hold anything.
    if hmac.compare_digest(mac.encode("utf-8"), _mac(secret, purpose, value).encode("ascii")):
        return value
    return None
