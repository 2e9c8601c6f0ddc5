"""The registry is the test matrix: every installed plugin passes check_plugin."""

import pytest

from zslkit.manager import installed_plugins, load_plugin_class
from zslkit.testing import check_plugin, shrink_config


@pytest.mark.parametrize("name", sorted(installed_plugins()))
def test_every_installed_plugin_conforms(name):
    cls = load_plugin_class(name)
    report = check_plugin(cls, config=shrink_config(cls.Config()))
    assert report["metrics"]["T1"] is not None


def test_check_plugin_catches_a_term_without_the_plugin_prefix():
    from dataclasses import dataclass

    from zslkit.errors import PluginError
    from zslkit.plugin import Plugin, hookimpl

    class Sloppy(Plugin):
        """Names its term without its own prefix."""

        name = "sloppy"

        @dataclass
        class Config:
            pass

        @hookimpl
        def zslkit_generator_loss(self, batch, substep):
            return {"other/term": batch.fake.mean()} if substep == "main" else None

    with pytest.raises(PluginError, match="must start with 'sloppy/'"):
        check_plugin(Sloppy)


def test_check_plugin_catches_a_config_field_without_help():
    from dataclasses import dataclass

    from zslkit.plugin import Plugin

    class NoHelp(Plugin):
        """Config field lacks help."""

        name = "nohelp"

        @dataclass
        class Config:
            width: int = 3

    with pytest.raises(AssertionError, match="needs metadata"):
        check_plugin(NoHelp)


def test_check_plugin_catches_a_state_that_does_not_round_trip():
    from zslkit.plugin import Plugin, hookimpl

    class Forgetful(Plugin):
        """Keeps state but forgets it on load."""

        name = "forgetful"

        @hookimpl
        def zslkit_fit_start(self, ctx):
            self.seen = ctx.seen_classes.clone()

        def state_dict(self):
            return {"seen": self.seen}

        def load_state_dict(self, state):
            self.seen = state["seen"] * 0

    with pytest.raises(AssertionError, match="round-trip"):
        check_plugin(Forgetful)
