"""Config layering, type checks, errors with suggestions, and the YAML round trip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import pytest
import yaml

from zslkit import config as config_mod
from zslkit.config import (config_to_dict, configs_from_dict, describe_fields, read_shipped_defaults,
                           resolve_config, save_yaml_atomic)
from zslkit.errors import ConfigError
from zslkit.settings import CORE_SECTIONS, TrainerConfig, opt


@dataclass
class ToyConfig:
    width: int = opt(8, "hidden width")
    rate: float = opt(0.5, "a rate")
    flag: bool = opt(False, "a switch")
    label: str = opt("x", "a label")
    limit: Optional[int] = opt(None, "an optional limit")
    dims: tuple[int, ...] = opt((1, 2), "layer sizes")
    weights: list[float] = opt([1.0], "weights")
    pair: tuple[int, str] = opt((0, "a"), "a pair")
    mode: Literal["fast", "slow"] = opt("fast", "speed")


SECTIONS = {"trainer": TrainerConfig, "toy": ToyConfig}


@pytest.fixture
def shipped(monkeypatch):
    """Replace the shipped per-dataset defaults with texts given by the test."""
    texts: dict[str, str] = {}
    monkeypatch.setattr(config_mod, "read_shipped_defaults", lambda dataset: texts.get(dataset))
    return texts


def _write(tmp_path, text, name="user.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_only():
    configs = resolve_config(SECTIONS, None, None, [])
    assert configs["toy"] == ToyConfig()
    assert configs["trainer"].batch_size == 1024
    assert configs.origins == {} and configs.ignored == []


def test_precedence_defaults_dataset_user_set(shipped, tmp_path):
    shipped["cub"] = "trainer:\n  batch_size: 64\n  iterations: 10\n  n_critic: 3\ntoy:\n  width: 2\n"
    user = _write(tmp_path, "trainer:\n  iterations: 20\n  n_critic: 4\n")
    configs = resolve_config(SECTIONS, "cub", user, ["trainer.n_critic=5"])
    trainer = configs["trainer"]
    assert (trainer.batch_size, trainer.iterations, trainer.n_critic, trainer.lr) == (64, 20, 5, 1e-4)
    assert configs["toy"].width == 2
    assert configs.origins["trainer.batch_size"] == "shipped defaults cub.yaml"
    assert configs.origins["trainer.iterations"] == str(user)
    assert configs.origins["trainer.n_critic"] == "--set"
    assert resolve_config(SECTIONS, "awa2", None, [])["trainer"].batch_size == 1024  # no file, no defaults


def test_inactive_sections_are_ignored_in_files_but_not_in_set(shipped, tmp_path):
    shipped["cub"] = "srn:\n  hidden: 3\n"
    user = _write(tmp_path, "pivot:\n  weight: 2\nsun:\n  split: 1\n")
    configs = resolve_config(SECTIONS, "cub", user, [], inactive={"srn", "pivot", "sun"})
    assert configs.ignored == ["shipped defaults cub.yaml: srn", f"{user}: pivot", f"{user}: sun"]
    with pytest.raises(ConfigError, match=r"--set srn.hidden=3: section 'srn' is not part of this run"):
        resolve_config(SECTIONS, None, None, ["srn.hidden=3"], inactive={"srn"})


def test_unknown_section_and_key_suggest_with_file_and_line(tmp_path):
    user = _write(tmp_path, "trainer:\n  iterations: 3\n  batchsize: 4\n")
    with pytest.raises(ConfigError, match=rf"^{user}:3: unknown key 'batchsize' in section 'trainer' "
                                          r"\(did you mean 'batch_size'\?\); keys: adam, batch_size, beta1"):
        resolve_config(SECTIONS, None, user, [])
    user = _write(tmp_path, "trainr:\n  iterations: 3\n")
    with pytest.raises(ConfigError, match=rf"^{user}:1: unknown section 'trainr' \(did you mean 'trainer'\?\); "
                                          r"sections: toy, trainer$"):
        resolve_config(SECTIONS, None, user, [])
    with pytest.raises(ConfigError, match=r"^--set toy.widht=3: unknown key 'widht' in section 'toy' \(did you mean 'width'\?\)"):
        resolve_config(SECTIONS, None, None, ["toy.widht=3"])
    with pytest.raises(ConfigError, match=r"^--set tooy.width=3: unknown section 'tooy' \(did you mean 'toy'\?\)"):
        resolve_config(SECTIONS, None, None, ["tooy.width=3"])


def test_shipped_file_errors_name_the_file(shipped):
    shipped["cub"] = "toy:\n  widht: 3\n"
    with pytest.raises(ConfigError, match=r"^shipped defaults cub.yaml:2: unknown key 'widht'"):
        resolve_config(SECTIONS, "cub", None, [])


@pytest.mark.parametrize("item, message", [
    ("trainer.batch_size=abc", "--set trainer.batch_size=abc: expected an integer"),
    ("trainer.batch_size=1.5", "--set trainer.batch_size=1.5: expected an integer"),
    ("toy.flag=maybe", "--set toy.flag=maybe: expected true or false"),
    ("toy.rate=fast", "--set toy.rate=fast: expected a number"),
    ("toy.limit=x", "--set toy.limit=x: expected an integer or null"),
    ("toy.dims=[1, a]", "--set toy.dims=[1, a]: expected a list whose items are each an integer"),
    ("toy.pair=[1]", "--set toy.pair=[1]: expected a list of 2 items"),
    ("toy.mode=medium", "--set toy.mode=medium: expected one of 'fast', 'slow'"),
    ("toy.width", "--set toy.width: expected section.key=value (e.g. trainer.batch_size=512)"),
    ("width=3", "--set width=3: expected section.key=value (e.g. trainer.batch_size=512)"),
])
def test_set_type_errors(item, message):
    with pytest.raises(ConfigError) as info:
        resolve_config(SECTIONS, None, None, [item])
    assert str(info.value) == message


@pytest.mark.parametrize("raw, expected", [
    ("true", True), ("false", False), ("yes", True), ("no", False), ("1", True), ("0", False), ("on", True),
])
def test_set_bool_spellings(raw, expected):
    assert resolve_config(SECTIONS, None, None, [f"toy.flag={raw}"])["toy"].flag is expected


def test_set_values_parse_by_field_type():
    configs = resolve_config(SECTIONS, None, None, [
        "toy.rate=2", "trainer.lr=1e-3", "toy.label=123", "toy.limit=null", "toy.dims=[4, 5]",
        "toy.weights=[1, 2.5]", "toy.pair=[3, b]", "toy.mode=slow",
    ])
    toy = configs["toy"]
    assert toy.rate == 2.0 and isinstance(toy.rate, float)
    assert configs["trainer"].lr == 1e-3
    assert toy.label == "123" and toy.limit is None
    assert toy.dims == (4, 5) and toy.weights == [1.0, 2.5] and toy.pair == (3, "b") and toy.mode == "slow"
    assert resolve_config(SECTIONS, None, None, ["toy.limit=7"])["toy"].limit == 7


def test_yaml_values_are_checked_strictly(tmp_path):
    user = _write(tmp_path, "toy:\n  flag: 1\n")
    with pytest.raises(ConfigError, match=rf"^{user}:2: toy.flag=1: expected true or false$"):
        resolve_config(SECTIONS, None, user, [])
    user = _write(tmp_path, "toy:\n  rate: 1e-4\n  width: 3\n  flag: yes\n  dims: [7]\n")
    toy = resolve_config(SECTIONS, None, user, [])["toy"]  # PyYAML reads 1e-4 as a string
    assert (toy.rate, toy.width, toy.flag, toy.dims) == (1e-4, 3, True, (7,))


def test_invalid_or_non_mapping_yaml(tmp_path):
    user = _write(tmp_path, "trainer:\n  iterations: [1, 2\n")
    with pytest.raises(ConfigError, match=rf"^{user}:\d+: invalid YAML: "):
        resolve_config(SECTIONS, None, user, [])
    user = _write(tmp_path, "- trainer\n")
    with pytest.raises(ConfigError, match=r"expected a mapping of sections \(e.g. 'trainer:'\), got list"):
        resolve_config(SECTIONS, None, user, [])
    user = _write(tmp_path, "trainer: 3\n")
    with pytest.raises(ConfigError, match=r"section 'trainer' must be a mapping of key: value, got int"):
        resolve_config(SECTIONS, None, user, [])
    with pytest.raises(ConfigError, match=r"config file .*missing.yaml does not exist"):
        resolve_config(SECTIONS, None, tmp_path / "missing.yaml", [])
    assert resolve_config(SECTIONS, None, _write(tmp_path, ""), [])["toy"] == ToyConfig()


def test_validation_in_post_init_becomes_a_config_error():
    @dataclass
    class Checked:
        size: int = opt(1, "positive size")

        def __post_init__(self):
            if self.size <= 0:
                raise ValueError(f"size must be positive, got {self.size}")

    with pytest.raises(ConfigError, match=r"^section 'checked': size must be positive, got -1$"):
        resolve_config({"checked": Checked}, None, None, ["checked.size=-1"])


def test_round_trip_through_yaml():
    configs = resolve_config({**CORE_SECTIONS, "toy": ToyConfig}, None, None,
                             ["toy.dims=[3]", "toy.limit=4", "classifier.kind=knn"])
    data = yaml.safe_load(yaml.safe_dump(config_to_dict(configs)))
    assert data["toy"]["dims"] == [3]
    back = configs_from_dict({**CORE_SECTIONS, "toy": ToyConfig}, {**data, "gone": {"x": 1}})
    assert dict(back) == dict(configs)
    assert back.ignored == ["saved config: gone"]
    with pytest.raises(ConfigError, match=r"saved config: unknown key 'hiden' in section 'toy'"):
        configs_from_dict({"toy": ToyConfig}, {"toy": {"hiden": 3}})


def test_describe_fields():
    rows = {name: (type_str, default, help_text) for name, type_str, default, help_text in describe_fields(ToyConfig)}
    assert rows["width"] == ("int", 8, "hidden width")
    assert rows["weights"] == ("list[float]", [1.0], "weights")
    assert rows["limit"][0] == "Optional[int]" and rows["limit"][1] is None
    assert rows["mode"][0] == "Literal['fast', 'slow']"


def test_save_yaml_atomic(tmp_path):
    path = tmp_path / "run" / "config.yaml"
    save_yaml_atomic(path, {"a": [1, 2]})
    save_yaml_atomic(path, {"b": {"c": "d"}})
    assert yaml.safe_load(path.read_text()) == {"b": {"c": "d"}}
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]
    with pytest.raises(yaml.representer.RepresenterError):
        save_yaml_atomic(path, {"bad": object()})
    assert yaml.safe_load(path.read_text()) == {"b": {"c": "d"}}
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]


def test_read_shipped_defaults_of_an_unknown_dataset_is_none():
    assert read_shipped_defaults("no_such_dataset") is None
    assert read_shipped_defaults("../etc/passwd") is None
