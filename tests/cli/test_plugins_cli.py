"""`zslkit plugins list|show|resolve`: output, one-line errors, and no torch on the fast paths."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint

import pytest
import yaml

from zslkit import config as config_mod
from zslkit import discovery
from zslkit.cli import main

FAKE_PKG = "zk_cli_fake_plugins"

FAKE_SOURCE = '''
from dataclasses import dataclass

from zslkit.plugin import Plugin
from zslkit.settings import opt


class Gen(Plugin):
    """A generator [with brackets] for the CLI tests.

    Second paragraph of the docstring.
    """

    name = "gen"
    provides = ("generator",)

    @dataclass
    class Config:
        hidden: int = opt(32, "hidden units of the generator")
        dropout: float = opt(0.0, "dropout rate")


class Crit(Plugin):
    """A critic for the CLI tests."""

    name = "crit"
    provides = ("critic",)


class Alt(Plugin):
    """Another generator."""

    name = "alt"
    provides = ("generator",)

    @dataclass
    class Config:
        depth: int = opt(2, "layers")
'''


def _run_zslkit(capsys, *args):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def registry(tmp_path, monkeypatch):
    pkg = tmp_path / FAKE_PKG
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "parts.py").write_text(FAKE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = {name: EntryPoint(name, f"{FAKE_PKG}.parts:{cls}", discovery.PLUGIN_GROUP)
           for name, cls in {"gen": "Gen", "crit": "Crit", "alt": "Alt"}.items()}
    monkeypatch.setattr(discovery, "installed_plugins", lambda: dict(eps))
    monkeypatch.setattr(discovery, "installed_presets", lambda: {"base": ["gen", "crit"], "other": ["alt"]})
    monkeypatch.setattr(config_mod, "read_shipped_defaults", lambda dataset: None)
    yield eps
    for name in [m for m in sys.modules if m.startswith(FAKE_PKG)]:
        del sys.modules[name]


def _no_torch_script(argv: list[str]) -> str:
    return textwrap.dedent(f"""
        import sys
        from zslkit.cli import main
        try:
            main({argv!r})
        except SystemExit as exc:
            code = exc.code
        assert "torch" not in sys.modules, "torch was imported"
        plugin_modules = [m for m in sys.modules if m.startswith(("zslkit_plugins.", "zslkit.builtin."))]
        assert plugin_modules in ([], ["zslkit_plugins.presets"]), plugin_modules
        sys.exit(code)
    """)


def test_plugins_list_imports_no_torch_and_no_plugin():
    proc = subprocess.run([sys.executable, "-c", _no_torch_script(["plugins", "list"])],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    for name in ("resgen", "acgan", "pivot", "srn", "mlpgen", "wgancritic", "recon", "clswgan"):
        assert name in proc.stdout


def test_help_imports_no_torch():
    proc = subprocess.run([sys.executable, "-c", _no_torch_script(["--help"])],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "plugins" in proc.stdout


def test_list_shows_slots_summaries_and_presets(registry, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run_zslkit(capsys, "plugins", "list")
    assert code == 0
    gen_row = next(line for line in out.splitlines() if " gen " in line)
    assert "generator" in gen_row and "A generator [with brackets] for the CLI tests." in gen_row
    assert any("other" in line and "alt" in line for line in out.splitlines())


def test_list_shows_a_broken_plugin_without_failing(registry, capsys, monkeypatch):
    registry["ghost"] = EntryPoint("ghost", f"{FAKE_PKG}.missing:Ghost", discovery.PLUGIN_GROUP)
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = _run_zslkit(capsys, "plugins", "list")
    assert code == 0
    assert "is not installed" in next(line for line in out.splitlines() if " ghost " in line)


def test_show_prints_options_with_defaults_and_help(registry, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run_zslkit(capsys, "plugins", "show", "gen")
    assert code == 0
    assert out.startswith("gen: A generator [with brackets] for the CLI tests.")
    assert "slots:    generator" in out and "Second paragraph" in out
    hidden = next(line for line in out.splitlines() if "hidden" in line)
    assert "int" in hidden and "32" in hidden and "hidden units of the generator" in hidden
    code, out, _ = _run_zslkit(capsys, "plugins", "show", "crit")
    assert code == 0 and "no config options" in out
    code, out, _ = _run_zslkit(capsys, "plugins", "show", "other")
    assert out.strip() == "other is a preset: alt"


def test_show_a_local_file_plugin(tmp_path, capsys):
    path = tmp_path / "mine.py"
    path.write_text(FAKE_SOURCE)
    code, out, _ = _run_zslkit(capsys, "plugins", "show", f"{path}:Alt")
    assert code == 0 and out.startswith("alt: Another generator.") and "depth" in out


def test_show_unknown_plugin_is_one_line(registry, capsys):
    code, out, err = _run_zslkit(capsys, "plugins", "show", "gne")
    assert code == 2
    assert err == "error: unknown plugin 'gne' (did you mean 'gen'?); installed: alt, crit, gen\n"


def test_resolve_prints_set_notes_and_effective_config(registry, capsys, tmp_path):
    user = tmp_path / "my.yaml"
    user.write_text("trainer:\n  iterations: 7\ngen:\n  hidden: 5\n")
    code, out, _ = _run_zslkit(capsys, "plugins", "resolve", "other", "--config", str(user),
                               "--set", "alt.depth=4", "--set", "trainer.batch_size=16")
    assert code == 0
    comments = [line for line in out.splitlines() if line.startswith("#")]
    assert "# plugins: alt, crit  (canonical spec: 'alt')" in comments
    assert "# note: alt replaced gen (slot generator)" in comments
    assert f"# ignored section {user}: gen (not part of this run)" in comments
    assert "# trainer.batch_size set by --set" in comments
    data = yaml.safe_load(out)  # the output is itself a valid config file
    assert data["trainer"]["iterations"] == 7 and data["trainer"]["batch_size"] == 16
    assert data["alt"] == {"depth": 4} and "gen" not in data
    assert set(data) == {"trainer", "classifier", "selection", "data", "alt", "crit"}


@pytest.mark.parametrize("args, message", [
    (["resolve", "gne"], "error: unknown plugin or preset 'gne' (did you mean 'gen'?); installed plugins: alt, crit, gen; presets: base, other"),
    (["resolve", "alt,gen"], "error: plugins 'alt' and 'gen' both provide slot 'generator'; select one (drop the other with no:gen)"),
    (["resolve", "--set", "trainer.batch_size=abc"], "error: --set trainer.batch_size=abc: expected an integer"),
    (["resolve", "--set", "gen.hiden=3"], "error: --set gen.hiden=3: unknown key 'hiden' in section 'gen' (did you mean 'hidden'?); keys: dropout, hidden"),
    (["resolve", "--set", "alt.depth=3"], "error: --set alt.depth=3: section 'alt' is not part of this run (plugin not selected, or another dataset)"),
])
def test_resolve_errors_are_one_line_with_exit_2(registry, capsys, args, message):
    code, out, err = _run_zslkit(capsys, "plugins", *args)
    assert code == 2
    assert err == message + "\n"


def test_resolve_with_a_dataset_applies_its_defaults_and_section(registry, capsys, monkeypatch):
    shipped = {"synthetic": "trainer:\n  iterations: 11\nsynthetic:\n  seed: 4\nalt:\n  depth: 2\n"}
    monkeypatch.setattr(config_mod, "read_shipped_defaults", shipped.get)
    code, out, _ = _run_zslkit(capsys, "plugins", "resolve", "--dataset", "synthetic", "--set", "synthetic.n_seen=5")
    assert code == 0
    data = yaml.safe_load(out)
    assert data["trainer"]["iterations"] == 11
    assert data["synthetic"]["seed"] == 4 and data["synthetic"]["n_seen"] == 5
    assert "# trainer.iterations set by shipped defaults synthetic.yaml" in out.splitlines()
    code, _, err = _run_zslkit(capsys, "plugins", "resolve", "--dataset", "synthtic")
    assert code == 2 and err.startswith("error: unknown dataset 'synthtic' (did you mean 'synthetic'?)")
