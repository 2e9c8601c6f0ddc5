"""Importable copy of the tiny run settings (conftest modules are not importable by name)."""

from conftest import tiny_sets  # noqa: F401
