"""Password hashes: argon2id through argon2-cffi, with its RFC 9106 default parameters.

A stored hash carries its own parameters, so raising them later only needs
:func:`needs_rehash` at the next successful login.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_PASSWORD_LENGTH", "hash_password", "needs_rehash", "verify_password"]

MIN_PASSWORD_LENGTH = 10


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    # Verified against when the account does not exist or cannot log in, so that the
    # answer takes as long as for a real account and does not tell which usernames exist.
    return _hasher().hash("decoy password, never a real one")


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (salted, parameters included)."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a missing or foreign hash never does."""
    usable = stored_hash is not None and stored_hash.startswith("$argon2")
    target = stored_hash if stored_hash is not None and usable else _decoy_hash()
    try:
        return _hasher().verify(target, password) and usable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored_hash)
