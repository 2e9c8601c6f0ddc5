"""Suite files: the schema, the shipped suites, and one-line errors naming the file and key."""

from __future__ import annotations

import pytest
import yaml

from zslkit.bench.suite import load_suite, shipped_dir
from zslkit.cli import main
from zslkit.errors import ConfigError


def test_parses_every_key(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "name": "demo", "description": "two rows", "datasets": ["synthetic", "awa1"], "seeds": [3, 7],
        "set": ["trainer.iterations=5"], "allow_mixed": True, "ablation": True,
        "methods": [{"name": "a", "plugins": ""},
                    {"name": "b.2", "label": "B two", "plugins": "srn,recon", "set": ["srn.hidden=8"],
                     "published": {"table": "srgan_table1", "row": "SR-GAN"}}]}))
    suite = load_suite(path)
    assert (suite.name, suite.datasets, suite.seeds, suite.overrides) == ("demo", ("synthetic", "awa1"), (3, 7),
                                                                          ("trainer.iterations=5",))
    assert suite.allow_mixed and suite.ablation
    a, b = suite.methods
    assert (a.label, a.plugins, a.published) == ("a", "", None)
    assert (b.label, b.plugins, b.overrides, b.published.row) == ("B two", "srn,recon", ("srn.hidden=8",), "SR-GAN")


def test_cli_choices_replace_datasets_and_seeds(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("datasets: [awa1]\nset: [a.b=1]\nmethods: [{name: m}]\n")
    suite = load_suite(path)
    assert suite.name == "s" and suite.seeds == (0, 1, 2)  # defaults: file name, 3 seeds
    changed = suite.with_cli(["synthetic"], 2, ("c.d=2",))
    assert (changed.datasets, changed.seeds, changed.overrides) == (("synthetic",), (0, 1), ("a.b=1", "c.d=2"))


@pytest.mark.parametrize("name", ["table1", "table2"])
def test_shipped_suites_load_by_name(name):
    suite = load_suite(name)
    assert suite.path.resolve() == (shipped_dir() / f"{name}.yaml").resolve()
    assert suite.datasets == ("awa1", "cub", "apy", "sun") and suite.seeds == (0, 1, 2)
    assert all(m.published is not None for m in suite.methods)


def test_table2_is_the_four_ablation_rows():
    suite = load_suite("table2")
    assert [m.plugins for m in suite.methods] == ["", "recon", "srn", "srn,recon"]
    assert suite.ablation


BAD = [
    ("methods: [{name: a}]\n", "missing key 'datasets'"),
    ("datasets: [awa1]\nmethod: []\n", "method: unknown key (did you mean 'methods'?)"),
    ("datasets: [awa1]\nmethods: []\n", "methods: expected a non-empty list"),
    ("datasets: awa1\nmethods: [{name: a}]\n", "datasets: expected a non-empty list of strings"),
    ("datasets: [awa1]\nseeds: 0\nmethods: [{name: a}]\n", "seeds: expected a positive integer N"),
    ("datasets: [awa1]\nseeds: [1, 1]\nmethods: [{name: a}]\n", "seeds: [1, 1] repeats a seed"),
    ("datasets: [awa1]\nmethods: [{name: a, plugins: 3}]\n", "methods[0].plugins: expected a string, got int 3"),
    ("datasets: [awa1]\nmethods: [{name: a}, {name: a}]\n", "methods[1].name='a': two methods share this name"),
    ("datasets: [awa1]\nmethods: [{name: a/b}]\n", "methods[0].name='a/b': expected letters, digits"),
    ("datasets: [awa1]\nmethods: [{name: a, plugin: srn}]\n", "methods[0].plugin: unknown key (did you mean 'plugins'?)"),
    ("datasets: [awa1]\nallow_mixed: yes please\nmethods: [{name: a}]\n", "allow_mixed: expected true or false"),
    ("datasets: [awa1]\nmethods: [{name: a, published: {table: srgan_tabel2, row: x}}]\n",
     "methods[0].published.table: unknown published table 'srgan_tabel2' (did you mean 'srgan_table2'?)"),
    ("datasets: [awa1]\nmethods: [{name: a, published: {table: srgan_table2, row: SR-GAN:basline}}]\n",
     "methods[0].published.row: table 'srgan_table2' has no row 'SR-GAN:basline' (did you mean 'SR-GAN:baseline'?)"),
    ("name: a b\ndatasets: [awa1]\nmethods: [{name: a}]\n", "name='a b': expected letters, digits"),
    ("datasets: [awa1\nmethods: []\n", "invalid YAML"),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_bad_suites_fail_with_one_line_naming_file_and_key(tmp_path, capsys, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    message = str(info.value)
    assert message.startswith(f"suite {path}") and expected in message and "\n" not in message
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {message}"


def test_unknown_suite_name_lists_the_shipped_ones(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "tabel2"])
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: suite tabel2: no such file") and "did you mean 'table2'" in err and "table1" in err
