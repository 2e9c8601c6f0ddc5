"""Cell expansion, config keys (hash of the resolved config) and the protocol rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from zslkit.bench.cells import config_key, expand, key_of_saved
from zslkit.bench.suite import load_suite
from zslkit.config import config_to_dict, resolve_config
from zslkit.errors import ConfigError, PluginError
from zslkit.manager import config_sections, resolve_spec

from bench_support import TINY, write_suite

TWO = [{"name": "baseline", "plugins": ""}, {"name": "srn", "plugins": "srn"}]


def test_expands_methods_datasets_seeds_in_table_order(tmp_path):
    suite = load_suite(write_suite(tmp_path, TWO, seeds=[0, 5]))
    cells = expand(suite)
    assert [c.id for c in cells] == ["baseline/synthetic/seed0", "baseline/synthetic/seed5",
                                     "srn/synthetic/seed0", "srn/synthetic/seed5"]
    assert cells[2].plugins == ("acgan", "pivot", "resgen", "srn")
    assert len({c.key for c in cells}) == 4  # the seed is part of the key
    assert cells[0].folder(Path("o")) == Path("o/baseline/synthetic") / f"seed0-{cells[0].key}"
    assert (cells[0].selection, cells[0].classifier) == ("validation", "softmax")


def test_shared_overrides_skip_methods_without_that_section(tmp_path):
    cells = expand(load_suite(write_suite(tmp_path, TWO, seeds=1)))
    assert "srn.hidden=16" in cells[1].overrides and "srn.hidden=16" not in cells[0].overrides


def test_a_shared_override_no_method_uses_is_an_error(tmp_path):
    suite = load_suite(write_suite(tmp_path, TWO[:1], seeds=1, set=["srn.hidden=16"]))
    with pytest.raises(ConfigError, match=r"--set srn.hidden=16: its section is not part of any method"):
        expand(suite)


def test_key_changes_with_any_resolved_value_and_only_then(tmp_path):
    suite = load_suite(write_suite(tmp_path, TWO[:1], seeds=1))
    key = expand(suite)[0].key
    assert expand(suite)[0].key == key  # same config, same key
    assert expand(suite.with_cli(overrides=("trainer.lr=0.0002",)))[0].key != key
    assert expand(suite.with_cli(overrides=("trainer.iterations=4",)))[0].key == key  # TINY already sets 4
    assert expand(suite.with_cli(seeds=2))[1].key != key


def test_key_is_a_hash_of_plugins_config_dataset_seed():
    resolved = resolve_spec("srn")
    sections, inactive = config_sections(resolved, "synthetic")
    config = config_to_dict(resolve_config(sections, "synthetic", None, [], inactive))
    key = config_key(resolved.names, [], config, "synthetic", 1)
    assert len(key) == 10 and key == config_key(list(reversed(resolved.names)), [], config, "synthetic", 1)
    assert key != config_key(resolved.names, [], config, "synthetic", 2)
    assert key != config_key(resolved.names, [], config, "awa1", 1)
    changed = {**config, "srn": {**config["srn"], "hidden": config["srn"]["hidden"] + 1}}
    assert key != config_key(resolved.names, [], changed, "synthetic", 1)


def test_key_of_a_saved_config_matches_the_cell(tmp_path):
    cell = expand(load_suite(write_suite(tmp_path, TWO[1:], seeds=1)))[0]
    resolved = resolve_spec("srn")
    sections, inactive = config_sections(resolved, "synthetic")
    configs = resolve_config(sections, "synthetic", None, list(cell.overrides), inactive)
    saved = {"run": {"plugins": resolved.names, "spec": resolved.spec, "dataset": "synthetic", "seed": 0},
             "config": config_to_dict(configs)}
    assert key_of_saved(yaml.safe_load(yaml.safe_dump(saved, sort_keys=False))) == cell.key


def test_bad_plugin_name_fails_at_expansion_naming_suite_and_method(tmp_path):
    suite = load_suite(write_suite(tmp_path, [{"name": "typo", "plugins": "srnn"}], seeds=1, set=[]))
    with pytest.raises(PluginError, match=r"^suite .*tiny.yaml: method 'typo' on synthetic: unknown plugin or preset 'srnn'"):
        expand(suite)


def _mixed(tmp_path, **top):
    methods = [{"name": "val", "plugins": ""}, {"name": "tst", "plugins": "", "set": ["selection.mode=test"]}]
    return load_suite(write_suite(tmp_path, methods, seeds=1, **top))


def test_mixed_selection_modes_on_one_dataset_are_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        expand(_mixed(tmp_path))
    message = str(info.value)
    assert "on synthetic the methods differ in selection mode or final classifier" in message
    assert "val: validation, softmax" in message and "tst: test-selected, softmax" in message
    assert "allow_mixed: true" in message


def test_mixed_classifiers_are_refused_too(tmp_path):
    methods = [{"name": "soft", "plugins": ""}, {"name": "knn", "plugins": "", "set": ["classifier.kind=knn"]}]
    with pytest.raises(ConfigError, match="soft: validation, softmax; knn: validation, knn"):
        expand(load_suite(write_suite(tmp_path, methods, seeds=1)))


def test_allow_mixed_expands_and_keeps_each_cells_protocol(tmp_path):
    cells = expand(_mixed(tmp_path, allow_mixed=True))
    assert [(c.method.name, c.selection) for c in cells] == [("val", "validation"), ("tst", "test")]


def test_tiny_settings_are_valid_overrides():
    assert all("=" in item and "." in item.split("=")[0] for item in TINY)
