"""The TEP loader against the real shared data: protocols, sizes, attribute values, bad inputs."""

import os
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from zslkit.datasets.checks import validate
from zslkit.datasets.tep import AFT_TRIPLES, Options, load, load_tep
from zslkit.errors import ConfigError, DataError, ZslkitError

REPO = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    path = Path(os.environ.get("ZSLKIT_TEST_DATA", REPO.parent / "shared" / "data"))
    if not (path / "tep").is_dir():
        pytest.skip(f"TEP data not found at {path / 'tep'} (set ZSLKIT_TEST_DATA to the shared data folder)")
    return path


@pytest.fixture(scope="module")
def root():
    return shared_data_dir()


def raw(root, name):
    return scipy.io.loadmat(str(root / "tep" / name))["data"].T


def count(data, split, cls):
    return int(np.sum(data.labels[getattr(data, split)] == cls))


def test_fdat_group_a_sizes(root):
    d = validate(load_tep.load(root))
    assert d.features.shape == (7200, 52) and d.features.dtype == np.float32
    assert d.attributes.shape == (15, 20) and d.class_names[0] == "fault01" and d.class_names[14] == "fault15"
    assert list(d.unseen_classes) == [3, 6, 9]
    assert len(d.trainval) + len(d.test_seen) == 5760 and len(d.test_unseen) == 1440
    assert len(d.test_seen) == 12 * 96 and all(count(d, "test_seen", c) == 96 for c in d.seen_classes)
    assert len(d.val_classes) == 3 and set(d.val_classes) <= set(d.seen_classes)
    assert any("Feng & Zhao" in n for n in d.notes)


def test_fdat_rows_are_the_training_files(root):
    d = load(root, Options(group="B"))
    assert list(d.unseen_classes) == [0, 5, 13]
    for fault in (1, 2, 14):
        np.testing.assert_array_equal(d.features[d.labels == fault - 1], raw(root, f"d{fault:02d}.mat").astype(np.float32))
    exact = load(root, Options(group="1,6,14", test_seen_fraction=0))
    assert len(exact.trainval) == 5760 and len(exact.test_seen) == 0


def test_fdat_hold_out_is_seeded(root):
    a, b = load(root, Options(split_seed=3)), load(root, Options(split_seed=3))
    np.testing.assert_array_equal(a.test_seen, b.test_seen)
    assert not np.array_equal(a.test_seen, load(root).test_seen)


def test_attribute_values(root):
    att = load(root).attributes
    assert set(np.unique(att)) == {0.0, 1.0}
    np.testing.assert_array_equal(att[0], [1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(np.flatnonzero(att[12]), [15, 16])  # fault 13: model parameter, slow drift
    np.testing.assert_array_equal(np.flatnonzero(att[14]), [12, 17, 18, 19])  # fault 15: condenser valve sticking


def test_chinese_csv_fallback_gives_same_matrix(root, tmp_path):
    folder = linked_copy(root, tmp_path, skip={"attribute_matrix_en.csv"})
    d = load(folder.parent)
    np.testing.assert_array_equal(d.attributes, load(root).attributes)
    assert any("attribute_matrix.csv" in n for n in d.notes)


def test_aft_triples(root):
    assert len(AFT_TRIPLES) == 25
    for r in range(5):
        faults = sorted(c for t in AFT_TRIPLES[5 * r: 5 * r + 5] for c in t)
        assert faults == list(range(15)), f"round {r} covers every fault once"
    for k in (0, 13, 24):
        d = validate(load(root, Options(protocol="aft", triple=k)))
        assert list(d.unseen_classes) == sorted(AFT_TRIPLES[k])
        assert len(d.test_unseen) == 1440 and len(d.trainval) + len(d.test_seen) == 5760
        assert any(f"AFT triple {k}" in n for n in d.notes)


def test_gzsl_sizes_and_post_fault_rows(root):
    d = validate(load(root, Options(protocol="gzsl")))
    assert len(d.trainval) == 12 * 480
    assert len(d.test_seen) == 12 * 800 and len(d.test_unseen) == 3 * 800
    assert all(count(d, "test_seen", c) == 800 for c in d.seen_classes)
    for fault in (1, 4, 15):
        rows = d.test_unseen if fault - 1 in d.unseen_classes else d.test_seen
        got = d.features[rows][d.labels[rows] == fault - 1]
        np.testing.assert_array_equal(got, raw(root, f"d{fault:02d}_te.mat")[160:960].astype(np.float32))
    train_rows = {r.tobytes() for r in d.features[d.trainval]}
    assert not any(r.tobytes() in train_rows for r in d.features[np.concatenate([d.test_seen, d.test_unseen])])


def linked_copy(root, tmp_path, skip=()):
    folder = tmp_path / "tep"
    folder.mkdir()
    for f in (root / "tep").iterdir():
        if f.name not in skip:
            (folder / f.name).symlink_to(f)
    return folder


def one_line(exc):
    assert "\n" not in str(exc.value)
    return str(exc.value)


def test_missing_folder_says_where_it_looked(tmp_path):
    with pytest.raises(DataError) as exc:
        load(tmp_path)
    assert str(tmp_path / "tep") in one_line(exc)


def test_missing_file(root, tmp_path):
    folder = linked_copy(root, tmp_path, skip={"d05.mat"})
    with pytest.raises(DataError) as exc:
        load(folder.parent)
    assert "d05.mat" in one_line(exc) and "not found" in str(exc.value)


def test_wrong_shape(root, tmp_path):
    folder = linked_copy(root, tmp_path, skip={"d02_te.mat"})
    scipy.io.savemat(str(folder / "d02_te.mat"), {"data": np.zeros((960, 52))})
    with pytest.raises(DataError) as exc:
        load(folder.parent, Options(protocol="gzsl"))
    assert "d02_te.mat" in one_line(exc) and "(52, 960)" in str(exc.value)


def test_bad_attribute_csv(root, tmp_path):
    folder = linked_copy(root, tmp_path, skip={"attribute_matrix_en.csv"})
    lines = (root / "tep" / "attribute_matrix_en.csv").read_text().splitlines()
    (folder / "attribute_matrix_en.csv").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(DataError) as exc:
        load(folder.parent)
    assert "attribute_matrix_en.csv" in one_line(exc) and "15 rows" in str(exc.value)


def test_no_attribute_file(root, tmp_path):
    folder = linked_copy(root, tmp_path, skip={"attribute_matrix_en.csv", "attribute_matrix.csv"})
    with pytest.raises(DataError) as exc:
        load(folder.parent)
    assert "attribute_matrix_en.csv" in one_line(exc)


@pytest.mark.parametrize("options, expected", [
    (Options(group="C"), "A or B"),
    (Options(group="4,7,16"), "1..15"),
    (Options(group="4,4,7"), "distinct"),
    (Options(protocol="aft", triple=25), "0..24"),
    (Options(protocol="zsl"), "fdat, aft, gzsl"),
    (Options(n_val=12), "n_val"),
])
def test_bad_options(tmp_path, options, expected):
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, options)  # options are checked before any file is read
    assert expected in one_line(exc)
    assert isinstance(exc.value, ZslkitError)


@pytest.mark.parametrize("args, expected", [
    (["--set", "tep.protocol=aft", "--set", "tep.triple=25"], "tep.triple=25: expected 0..24"),
    (["--set", "tep.group=Z"], "named group A or B"),
    ([], "TEP data folder not found: looked in"),
])
def test_bad_input_through_cli(tmp_path, capsys, args, expected):
    from zslkit.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["data", "info", "tep", "--data-root", str(tmp_path), *args])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and err.startswith("error: ") and "\n" not in err
    assert expected in err
