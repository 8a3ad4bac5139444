"""Telling a web link from a local file, wherever the app is handed either."""

from __future__ import annotations


def is_url(value: object) -> bool:
    """Whether `value` is an http(s) link (anything else is taken as a path)."""
    return isinstance(value, str) and value.startswith(("http://", "https://"))
