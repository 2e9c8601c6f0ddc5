"""The custom dataset: the documented .npz layout, xlsa17-layout folders, and bad inputs."""

import numpy as np
import pytest

from zslkit.datasets.custom import NPZ_OPTIONAL, NPZ_REQUIRED, Options, load_custom
from zslkit.datasets.registry import load_dataset
from zslkit.errors import ConfigError, DataError


def worked_example(path, **changes):
    """The README's example: 10 classes x 30 samples, classes 8-9 unseen; `changes` override keys."""
    rng = np.random.default_rng(0)
    n_classes, n_per_class, d, a = 10, 30, 64, 12
    labels = np.repeat(np.arange(n_classes), n_per_class)
    idx = np.arange(labels.size)
    seen = labels < 8
    arrays = dict(
        features=rng.random((labels.size, d)).astype(np.float32),
        labels=labels,
        attributes=rng.random((n_classes, a)).astype(np.float32),
        trainval=idx[seen & (idx % n_per_class < 24)],
        test_seen=idx[seen & (idx % n_per_class >= 24)],
        test_unseen=idx[~seen],
        class_names=np.array([f"class{c}" for c in range(n_classes)]),
        val_classes=np.array([6, 7]),
    )
    arrays.update(changes)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def load(path, **options):
    return load_dataset("custom", options={"path": str(path), **options})


def test_worked_example_loads_as_documented(tmp_path):
    data = load(worked_example(tmp_path / "mydata.npz"))
    assert (data.features.shape, data.attributes.shape) == ((300, 64), (10, 12))
    assert (len(data.trainval), len(data.test_seen), len(data.test_unseen)) == (192, 48, 60)
    assert data.seen_classes.tolist() == list(range(8)) and data.unseen_classes.tolist() == [8, 9]
    assert data.val_classes.tolist() == [6, 7] and data.class_names[9] == "class9"
    assert data.name == "custom" and data.source == str(tmp_path / "mydata.npz")


def test_every_documented_key_is_in_the_docstring():
    import zslkit.datasets.custom as custom

    for key in NPZ_REQUIRED + NPZ_OPTIONAL:
        assert f"\n   {key} " in custom.__doc__


def test_optional_keys_have_defaults(tmp_path):
    data = load(worked_example(tmp_path / "d.npz", class_names=None, val_classes=None), val_seed="3")
    assert data.class_names[:2] == ["class_000", "class_001"]
    assert data.val_classes.size == 2 and np.isin(data.val_classes, np.arange(8)).all()
    assert any("seed 3" in note for note in data.notes)


def test_an_xlsa17_layout_folder_is_read_like_the_builtins(tmp_path, tiny_xlsa17):
    data = load(tiny_xlsa17(tmp_path / "mine"))
    assert data.name == "custom" and data.features.shape == (50, 4) and data.class_names[3] == "c3"


def test_path_is_required():
    with pytest.raises(ConfigError, match=r"custom dataset needs --set custom.path=FILE_OR_DIR"):
        load_custom.load(None, Options())


@pytest.mark.parametrize("changes, message", [
    (dict(labels=np.arange(299) % 10), r"'labels' has shape \(299,\); expected \(300,\)"),
    (dict(attributes=np.ones(10)), r"'attributes' has shape \(10,\) and dtype float64; expected a 2-D"),
    (dict(test_unseen=np.arange(240, 301)), r"'test_unseen' contains 300, so it looks 1-based; expected 0..299"),
    (dict(labels=np.repeat(np.arange(10), 30).astype(float) + 0.5), r"'labels' holds non-integer value 0.5"),
    (dict(class_names=np.array(["only", "two"])), r"'class_names' has shape \(2,\) .*expected \(10,\) strings"),
    (dict(val_classes=np.array([10])), r"'val_classes' contains 10, so it looks 1-based"),
])
def test_bad_npz_contents(tmp_path, changes, message):
    with pytest.raises(DataError, match=message) as exc:
        load(worked_example(tmp_path / "bad.npz", **changes))
    assert "bad.npz" in str(exc.value) and "\n" not in str(exc.value)


def test_overlapping_splits_and_nan_are_caught_by_the_checks(tmp_path):
    with pytest.raises(DataError, match=r"custom .*trainval and test_seen overlap in 1 samples \(e.g. sample 24\)"):
        load(worked_example(tmp_path / "o.npz", trainval=np.arange(25)))
    features = np.ones((300, 64), dtype=np.float32)
    features[5, 1] = np.inf
    with pytest.raises(DataError, match=r"features contain inf at row 5, column 1"):
        load(worked_example(tmp_path / "n.npz", features=features))


def test_missing_key(tmp_path):
    with pytest.raises(DataError, match=r"m.npz has no key 'trainval'; expected keys features, labels"):
        load(worked_example(tmp_path / "m.npz", trainval=None))


def test_files_that_are_not_npz(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"\x80\x04garbage that would unpickle")
    with pytest.raises(DataError, match=r"x.npz is not a .npz archive"):
        load(tmp_path / "x.npz")
    (tmp_path / "x.csv").write_text("1,2\n")
    with pytest.raises(DataError, match=r"x.csv is neither a folder nor a .npz file"):
        load(tmp_path / "x.csv")
    with pytest.raises(DataError, match=r"custom.path .*nope.npz not found"):
        load(tmp_path / "nope.npz")
    np.savez(tmp_path / "obj.npz", features=np.array([None, 1], dtype=object))
    with pytest.raises(DataError, match=r"obj.npz holds an object array"):
        load(tmp_path / "obj.npz")
