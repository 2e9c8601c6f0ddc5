"""The base class of every zslkit plugin.

Static metadata (`name`, `provides`, `requires`, `Config`) lives on the class so
that a `--plugins` spec can be resolved and checked, and `zslkit plugins show`
can print options, without building a model. The constructor only stores its
config (as scikit-learn estimators do): modules are built in
`zslkit_build_modules`, never in `__init__`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from zslkit.hookspecs import hookimpl

__all__ = ["Plugin", "hookimpl"]


class Plugin:
    """Subclass this, set the class attributes, and mark hook methods with `@hookimpl`.

    Attributes:
        name: the one name used everywhere: entry point, `--plugins`, YAML
            section, `--set NAME.key=value`, checkpoint key, log prefix.
        provides: slots this plugin fills ("generator", "critic", ...). Two
            selected plugins may not provide the same slot.
        requires: plugin names or slots that must also be selected.
        Config: a dataclass of this plugin's options; every field needs a
            default and a `metadata={"help": ...}` string.
    """

    name: ClassVar[str] = ""
    provides: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()

    @dataclasses.dataclass
    class Config:
        pass

    def __init__(self, config: Any = None):
        self.config = config if config is not None else self.Config()

    @classmethod
    def summary(cls) -> str:
        """First line of the class docstring: the one-line description."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    def state_dict(self) -> dict:
        """Non-module state to checkpoint (modules in slots are saved by the trainer).

        Values must be tensors, numbers, strings, or lists/dicts of them, so
        checkpoints load with `torch.load(weights_only=True)`.
        """
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict()` returned."""
        if state:
            raise ValueError(f"plugin {self.name!r} got state {sorted(state)} but keeps none")

    def __repr__(self) -> str:
        return f"<plugin {self.name} {self.config!r}>"
