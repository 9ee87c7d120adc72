"""The ``equalcity`` command: wiring only; each command lives in its own module."""

from __future__ import annotations

from equalcity.cli.main import main

__all__ = ["main"]
