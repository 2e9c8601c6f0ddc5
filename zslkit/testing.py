"""`check_plugin`: the conformance check every plugin (ours or a third party's) runs.

    from zslkit.testing import check_plugin
    check_plugin(MyPlugin)                      # defaults
    check_plugin(MyPlugin, config=MyPlugin.Config(hidden=32))

It checks metadata, config round-trip, hook names, a tiny training run on a
tiny synthetic task (every loss term and metric the plugin returns is a finite
scalar named "<plugin>/..."), and that `state_dict()` survives
`torch.save` / `torch.load(weights_only=True)`. It raises AssertionError with a
message naming what failed.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from pathlib import Path

TINY_TRAINER = dict(iterations=3, batch_size=16, n_critic=2, eval_every=3, log_every=1, checkpoint_every=3,
                    noise_dim=8)
TINY_CLASSIFIER = dict(epochs=2, syn_per_class=8)
TINY_DATA = dict(n_seen=6, n_unseen=3, n_val=2, n_attributes=12, feature_dim=24, samples_per_class=20,
                 n_crowded_groups=1)
SMALL_HIDDEN = 32


def tiny_task(seed: int = 0):
    """A tiny, scaled test task from the synthetic generator."""
    from zslkit.datasets.synthetic import load_synthetic
    from zslkit.datasets.tasks import make_task, minmax_scale

    options = load_synthetic.Options(**{k: v for k, v in TINY_DATA.items()
                                        if k in {f.name for f in dataclasses.fields(load_synthetic.Options)}},
                                     seed=seed)
    return minmax_scale(make_task(load_synthetic.load(None, options), "test"))


def tiny_configs(plugins) -> dict:
    """Core sections at toy sizes, plus each plugin's config (hidden sizes shrunk if it has one)."""
    from zslkit.settings import ClassifierConfig, DataConfig, SelectionConfig, TrainerConfig

    configs = {"trainer": TrainerConfig(**TINY_TRAINER), "classifier": ClassifierConfig(**TINY_CLASSIFIER),
               "selection": SelectionConfig(mode="last"), "data": DataConfig()}
    for plugin in plugins:
        configs[plugin.name] = plugin.config
    return configs


def shrink_config(config):
    """The same config at toy sizes (hidden widths, pre-training steps) for fast checks."""
    names = {f.name for f in dataclasses.fields(config)}
    changes = {k: SMALL_HIDDEN for k in ("hidden",) if k in names}
    changes.update({k: 5 for k in ("iterations",) if k in names})
    return dataclasses.replace(config, **changes)


def check_metadata(cls) -> None:
    assert isinstance(cls.name, str) and cls.name, f"{cls!r}: class attribute 'name' must be a non-empty string"
    assert isinstance(cls.provides, tuple), f"{cls.name}: 'provides' must be a tuple of slot names"
    assert isinstance(cls.requires, tuple), f"{cls.name}: 'requires' must be a tuple"
    assert cls.summary(), f"{cls.name}: the class needs a docstring (its first line is the summary)"
    assert dataclasses.is_dataclass(cls.Config), f"{cls.name}: Config must be a dataclass"
    for field in dataclasses.fields(cls.Config):
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        assert has_default, f"{cls.name}: Config.{field.name} needs a default"
        assert field.metadata.get("help"), f"{cls.name}: Config.{field.name} needs metadata={{'help': ...}}"


def check_config_roundtrip(cls, config) -> None:
    from zslkit.config import config_to_dict, configs_from_dict

    data = config_to_dict({cls.name: config})
    back = configs_from_dict({cls.name: cls.Config}, data)[cls.name]
    assert back == config, f"{cls.name}: config does not round-trip through YAML ({config} != {back})"


def companions(cls) -> list:
    """The default base plugins the tiny run needs beside `cls` (minus slots it provides)."""
    from zslkit.discovery import installed_presets, plugin_metadata
    from zslkit.plugin_loading import load_plugin_class

    chosen = []
    for name in installed_presets().get("base", []):
        if name == cls.name or set(plugin_metadata(name).provides) & set(cls.provides):
            continue
        chosen.append(load_plugin_class(name))
    return chosen


def check_plugin(cls, config=None, seed: int = 0) -> dict:
    """Run every conformance check on a plugin class; returns the tiny run's terms and metrics."""
    import torch

    from zslkit.manager import register_plugins

    check_metadata(cls)
    config = config if config is not None else cls.Config()
    check_config_roundtrip(cls, config)
    plugin = cls(config)
    others = [other(shrink_config(other.Config())) for other in companions(cls)]
    plugin_set = register_plugins([plugin, *others])
    terms, record = _tiny_run(plugin_set, seed)
    own = {k: v for k, v in terms.items() if k.split(":", 1)[1].startswith(f"{cls.name}/")}
    for name, value in own.items():
        assert value == value and abs(value) != float("inf"), f"{cls.name}: loss term {name} is not finite ({value})"
    for name, value in record.get("extra", {}).items():
        assert isinstance(value, float) and value == value, f"metric {name} is not a finite float ({value})"
    state = plugin.state_dict()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    restored = cls(config)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    _assert_same_state(cls.name, state, restored.state_dict())
    return {"terms": own, "metrics": record}


def _tiny_run(plugin_set, seed: int):
    import torch

    from zslkit.display import Display
    from zslkit.runstore import RunStore
    from zslkit.trainer.phase import PhasePlan, run_phase

    configs = tiny_configs(plugin_set.plugins)
    plan = PhasePlan("final", tiny_task(seed), configs["trainer"].iterations, {configs["trainer"].iterations}, seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp))
        store.create()
        result, _ = run_phase(plan, plugin_set, configs, torch.device("cpu"), store, Display(quiet=True))
    assert result.history, "the tiny run did not evaluate"
    return result.last_terms, result.history[-1]


def _assert_same_state(name, a, b) -> None:
    import torch

    assert type(a) is type(b), f"{name}: state_dict round-trip changed {type(a).__name__} to {type(b).__name__}"
    if isinstance(a, dict):
        assert a.keys() == b.keys(), f"{name}: state_dict keys changed ({sorted(a)} vs {sorted(b)})"
        for key in a:
            _assert_same_state(f"{name}.{key}", a[key], b[key])
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), f"{name}: tensor changed in state_dict round-trip"
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{name}: length changed in state_dict round-trip"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same_state(f"{name}[{i}]", x, y)
    else:
        assert a == b, f"{name}: value changed in state_dict round-trip ({a!r} vs {b!r})"
