"""Citizen-satisfaction survey service: the web app, CLI and database."""

__all__ = ["__version__"]

__version__ = "0.1.0"
