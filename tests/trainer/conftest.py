"""Fixtures of the trainer tests."""

import pytest

from tiny_settings import tiny_sets


@pytest.fixture
def tiny_args():
    return tiny_sets
