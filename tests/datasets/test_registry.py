"""The dataset registry (entry points, options, loading) and the data-root resolution."""

import dataclasses
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from zslkit.datasets import registry
from zslkit.datasets.base import DatasetLoader
from zslkit.datasets.paths import default_data_root, ensure_writable, resolve_data_root
from zslkit.errors import ConfigError, DataError

BUILTINS = ["apy", "awa1", "awa2", "cub", "custom", "flo", "sun", "synthetic", "tep"]


def test_builtins_are_listed_without_importing_them():
    code = ("import sys; from zslkit.datasets.registry import available; names = list(available()); "
            "print(','.join(names)); print(any(m.startswith(('zslkit.datasets.xlsa17', 'scipy', 'torch')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert set(BUILTINS) <= set(out[0].split(",")) and out[1] == "False"


@pytest.mark.parametrize("name", list(registry.available()))
def test_every_registered_loader_conforms(name):
    loader = registry.get_loader(name)
    assert isinstance(loader, DatasetLoader) and loader.name == name and loader.summary
    for field in registry.option_fields(name):
        assert field.metadata.get("help"), f"{name}.{field.name} has no help"
        assert field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    assert dataclasses.is_dataclass(registry.make_options(name))


def test_unknown_name_suggests_and_lists():
    with pytest.raises(DataError, match=r"unknown dataset 'cbu' \(did you mean 'cub'\?\); installed: apy, awa1, awa2, cub"):
        registry.get_loader("cbu")


def test_options_are_parsed_by_field_type():
    opts = registry.make_options("apy", {"val_seed": "4", "val_fraction": "0.25"})
    assert (opts.val_seed, opts.val_fraction) == (4, 0.25)
    with pytest.raises(ConfigError, match=r"dataset 'apy' has no option 'val_sed' \(did you mean 'val_seed'\?\); options: val_split"):
        registry.make_options("apy", {"val_sed": "4"})
    with pytest.raises(ConfigError, match=r"apy.val_seed='four' is not a valid int"):
        registry.make_options("apy", {"val_seed": "four"})


PLUGIN_MODULE = '''
from dataclasses import dataclass
import numpy as np
from zslkit.datasets.base import DatasetLoader, ZSLData
from zslkit.settings import opt

@dataclass
class Options:
    n: int = opt(4, "samples per class")
    flag: bool = opt(False, "a switch")

def load(root, options):
    labels = np.repeat(np.arange(4), options.n)
    idx = np.arange(labels.size)
    return ZSLData(name="mydata", features=np.ones((labels.size, 2), dtype=np.float32) * options.flag,
                   labels=labels, attributes=np.eye(4, dtype=np.float32), class_names=list("abcd"),
                   trainval=idx[labels < 3], test_seen=idx[:0], test_unseen=idx[labels == 3],
                   val_classes=np.array([0]), source=str(root))

loader = DatasetLoader(name="mydata", summary="a third-party dataset", load_fn=load, Options=Options)
misnamed = DatasetLoader(name="other", summary="x", load_fn=load, Options=Options)
not_a_loader = object()
'''


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    """Register `mypkg_data:*` entry points next to the installed ones."""
    (tmp_path / "mypkg_data.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    extra = [EntryPoint(name, value, registry.GROUP) for name, value in [
        ("mydata", "mypkg_data:loader"), ("broken", "mypkg_nowhere:loader"),
        ("misnamed", "mypkg_data:misnamed"), ("notloader", "mypkg_data:not_a_loader")]]
    real = registry.entry_points
    monkeypatch.setattr(registry, "entry_points", lambda group: list(real(group=group)) + extra)


def test_a_third_party_dataset_loads_like_a_builtin(third_party, tmp_path):
    assert "mydata" in registry.available()
    data = registry.load_dataset("mydata", root=tmp_path, options={"n": "6", "flag": "true"})
    assert len(data.labels) == 24 and data.features.max() == 1 and data.source == str(tmp_path)


@pytest.mark.parametrize("name, message", [
    ("broken", r"dataset 'broken' \(mypkg_nowhere:loader\) failed to import: ModuleNotFoundError"),
    ("misnamed", r"dataset 'misnamed' \(mypkg_data:misnamed\) calls itself 'other'"),
    ("notloader", r"dataset 'notloader' \(mypkg_data:not_a_loader\) is a object; expected a zslkit.datasets.base.DatasetLoader"),
])
def test_broken_entry_points_give_one_line_errors(third_party, name, message):
    with pytest.raises(DataError, match=message):
        registry.get_loader(name)


def test_load_dataset_validates(third_party, tmp_path):
    with pytest.raises(DataError, match=r"mydata \(.*\): trainval has 0 and test_unseen 0 samples"):
        registry.load_dataset("mydata", root=tmp_path, options={"n": "0"})


def test_load_dataset_falls_back_to_the_environment(awa1_root, monkeypatch):
    monkeypatch.setenv("ZSLKIT_DATA", str(awa1_root))
    assert registry.load_dataset("awa1").source == str(awa1_root / "AWA1")


def test_data_root_precedence(monkeypatch, tmp_path):
    env = {"ZSLKIT_DATA": str(tmp_path / "env"), "HOME": "/home/u"}
    assert resolve_data_root(str(tmp_path / "cli"), env=env) == tmp_path / "cli"
    assert resolve_data_root(None, env=env) == tmp_path / "env"
    assert resolve_data_root(None, env={"HOME": "/home/u"}) == Path("/home/u/.cache/zslkit/data")
    assert resolve_data_root("~/d", env=env) == Path("~/d").expanduser()


def test_platform_cache_folders():
    assert default_data_root("linux", {"HOME": "/h", "XDG_CACHE_HOME": "/x"}) == Path("/x/zslkit/data")
    assert default_data_root("linux", {"HOME": "/h"}) == Path("/h/.cache/zslkit/data")
    assert default_data_root("darwin", {"HOME": "/h"}) == Path("/h/Library/Caches/zslkit/data")
    assert default_data_root("win32", {"HOME": "/h", "LOCALAPPDATA": "/L"}) == Path("/L/zslkit/data")


def test_ensure_writable(tmp_path):
    assert ensure_writable(tmp_path / "new" / "root").is_dir()
    (tmp_path / "file").write_text("")
    with pytest.raises(DataError, match=r"data root .*file/sub is not writable: .*; choose another with --data-root"):
        ensure_writable(tmp_path / "file" / "sub")
