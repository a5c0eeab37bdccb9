"""Fixtures of the indices API tests."""

from __future__ import annotations

from tests.indices.demo import fx_demo_url

__all__ = ["fx_demo_url"]
