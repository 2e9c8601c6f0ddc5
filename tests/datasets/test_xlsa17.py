"""xlsa17 loaders on the real att_splits.mat files (with generated features), and their errors."""

import numpy as np
import pytest
import scipy.io

from zslkit.datasets.checks import KNOWN_SIZES
from zslkit.datasets.matfile import as_index_vector, load_mat
from zslkit.datasets.registry import load_dataset
from zslkit.datasets.xlsa17 import FOLDERS, Options, read_folder
from zslkit.errors import ConfigError, DataError

# seen / unseen / validation class counts of the xlsa17 proposed splits (split 1)
CLASS_COUNTS = {"awa1": (40, 10, 13), "awa2": (40, 10, 13), "cub": (150, 50, 50),
                "sun": (645, 72, 65), "apy": (20, 12, 5), "flo": (82, 20, 20)}


def real_splits(shared, ds):
    return scipy.io.loadmat(str(shared / "xlsa17" / FOLDERS[ds] / "att_splits.mat"))


@pytest.mark.parametrize("ds", sorted(FOLDERS))
def test_every_dataset_loads_with_its_published_sizes(xlsa17_folder, shared_data, ds):
    data = load_dataset(ds, xlsa17_folder(ds, feature_dim=8))
    splits = real_splits(shared_data, ds)
    assert tuple(map(len, (data.trainval, data.test_seen, data.test_unseen))) == KNOWN_SIZES[ds]
    assert (data.seen_classes.size, data.unseen_classes.size, data.val_classes.size) == CLASS_COUNTS[ds]
    assert data.features.dtype == np.float32 and data.features.shape == (len(data.labels), 8)
    assert data.attributes.dtype == np.float32 and np.allclose(data.attributes, splits["att"].T)
    # uint16 indices are cast before subtracting 1; nothing wraps around
    assert data.trainval.dtype == np.int64
    assert np.array_equal(data.test_unseen, splits["test_unseen_loc"].astype(np.int64).ravel() - 1)


def test_features_are_transposed_columns_of_res101(xlsa17_folder):
    root = xlsa17_folder("apy", feature_dim=5)
    res = scipy.io.loadmat(str(root / "APY" / "res101.mat"))
    data = load_dataset("apy", root)
    assert np.array_equal(data.features[123], res["features"][:, 123].astype(np.float32))
    assert np.array_equal(data.labels, res["labels"].ravel() - 1)


def test_older_files_lose_the_test_seen_leak_and_take_val_classes_from_val_loc(xlsa17_folder, shared_data):
    data = load_dataset("awa2", xlsa17_folder("awa2", feature_dim=4))  # AWA2 has real per-image labels
    assert "removed 4031 test_seen images from train_loc (leak in older xlsa17)" in data.notes
    assert "removed 1851 test_seen images from val_loc (leak in older xlsa17)" in data.notes
    listed = (shared_data / "xlsa17" / "AWA2" / "valclasses1.txt").read_text().split()
    assert sorted(data.class_names[c] for c in data.val_classes) == sorted(listed)


def test_awa1_leak_count_matches_the_known_overlap(awa1_root):
    data = load_dataset("awa1", awa1_root)
    assert "removed 3404 test_seen images from train_loc (leak in older xlsa17)" in data.notes


def test_newer_files_take_val_classes_from_valclasses_txt(xlsa17_folder):
    root = xlsa17_folder("cub", feature_dim=4)
    data = load_dataset("cub", root)
    assert data.class_names[0] == "002.Laysan_Albatross", "att column order = allclasses_names, not folder order"
    listed = (root / "CUB" / "valclasses1.txt").read_text().split()
    assert sorted(data.class_names[c] for c in data.val_classes) == sorted(listed)
    assert "validation classes: 50 classes from valclasses1.txt" in data.notes
    second = load_dataset("cub", root, {"val_split": "2"})
    assert sorted(second.class_names[c] for c in second.val_classes) == sorted((root / "CUB" / "valclasses2.txt").read_text().split())


def test_without_class_lists_the_val_classes_are_a_seeded_draw(xlsa17_folder):
    root = xlsa17_folder("apy", feature_dim=4, class_lists=False)
    a, b = load_dataset("apy", root), load_dataset("apy", root)
    other = load_dataset("apy", root, {"val_seed": "7"})
    assert np.array_equal(a.val_classes, b.val_classes) and a.val_classes.size == 4
    assert not np.array_equal(a.val_classes, other.val_classes)
    assert np.isin(a.val_classes, a.seen_classes).all()
    assert any("4 of 20 seen classes drawn with seed 0" in n for n in a.notes)
    with pytest.raises(ConfigError, match=r"apy.val_fraction=1.5"):
        load_dataset("apy", root, {"val_fraction": "1.5"})


def test_flo_has_generated_class_names(xlsa17_folder):
    data = load_dataset("flo", xlsa17_folder("flo", feature_dim=4))
    assert data.class_names[0] == "class_001" and data.class_names[-1] == "class_102"
    assert data.attribute_dim == 1024


def test_missing_dataset_folder_says_where_and_how(tmp_path):
    with pytest.raises(DataError, match=r"looked for .*AWA1; get it with `zslkit data download awa1`"):
        load_dataset("awa1", tmp_path)


def test_split_sizes_of_a_known_dataset_are_checked(tmp_path, tiny_xlsa17):
    tiny_xlsa17(tmp_path / "CUB")
    with pytest.raises(DataError, match=r"cub .*trainval has 24 samples; expected 7057"):
        load_dataset("cub", tmp_path)


def read_tiny(folder):
    return read_folder(folder, "tiny", Options())


def test_tiny_folder_reads(tmp_path, tiny_xlsa17):
    data = read_tiny(tiny_xlsa17(tmp_path))
    assert data.features.shape == (50, 4) and data.class_names == ["c0", "c1", "c2", "c3", "c4"]
    assert data.val_classes.size == 1 and data.val_classes[0] in (0, 1, 2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(drop=["labels"]), r"res101.mat has no key 'labels' \(found: features\)"),
    (dict(drop=["test_seen_loc"]), r"att_splits.mat has no key 'test_seen_loc'"),
    (dict(res={"features": np.ones((4, 49))}), r"'features' has shape \(4, 49\) for 50 labels; expected D×N = \(D, 50\)"),
    (dict(res={"features": np.ones((4, 50, 2))}), r"'features' has shape \(4, 50, 2\) and dtype float64; expected a 2-D"),
    (dict(res={"labels": np.full((50, 1), 6.0)}), r"'labels' contains 6, out of range; expected 1..5"),
    (dict(res={"labels": np.arange(50)[:, None] % 5}), r"'labels' contains 0, so it looks 0-based; expected 1..5"),
    (dict(splits={"trainval_loc": np.arange(0, 24)[:, None]}), r"'trainval_loc' contains 0, so it looks 0-based"),
    (dict(splits={"test_unseen_loc": np.full((2, 3), 40)}), r"'test_unseen_loc' has shape \(2, 3\); expected a vector"),
    (dict(splits={"test_seen_loc": np.array([[9.5]])}), r"'test_seen_loc' holds non-integer value 9.5"),
    (dict(splits={"att": np.ones((3, 4))}), r"'allclasses_names' has 5 names but 'att' has 4 columns"),
])
def test_bad_files_give_one_line_errors(tmp_path, tiny_xlsa17, kwargs, message):
    folder = tiny_xlsa17(tmp_path, **kwargs)
    with pytest.raises(DataError, match=message) as exc:
        read_tiny(folder)
    assert "\n" not in str(exc.value) and str(folder) in str(exc.value)


def test_old_style_train_and_val_must_not_share_classes(tmp_path, tiny_xlsa17):
    image = np.arange(50).reshape(5, 10) + 1
    folder = tiny_xlsa17(tmp_path, splits={"train_loc": image[:2].reshape(-1, 1), "val_loc": image[1:3].reshape(-1, 1)})
    with pytest.raises(DataError, match=r"train_loc and val_loc share 1 classes \(e.g. 'c1'\)"):
        read_tiny(folder)


def test_unknown_name_in_valclasses_txt(tmp_path, tiny_xlsa17):
    folder = tiny_xlsa17(tmp_path)
    (folder / "valclasses1.txt").write_text("c1\ncx1\n")
    with pytest.raises(DataError, match=r"valclasses1.txt: class 'cx1' is not in allclasses_names \(did you mean 'c1'\?\)"):
        read_tiny(folder)


def test_not_a_matlab_file(tmp_path, tiny_xlsa17):
    folder = tiny_xlsa17(tmp_path)
    (folder / "res101.mat").write_bytes(b"<html>not found</html>" * 10)
    with pytest.raises(DataError, match=r"res101.mat is not a MATLAB .mat file \(Unknown mat file type"):
        read_tiny(folder)


def test_matlab_v73_files_get_their_own_advice(tmp_path):
    path = tmp_path / "v73.mat"
    path.write_bytes(b"MATLAB 7.3 MAT-file".ljust(116) + bytes(8) + b"\x00\x02IM" + bytes(512))
    with pytest.raises(DataError, match=r"v73.mat is a MATLAB v7.3 \(HDF5\) file.*-v7"):
        load_mat(path, ["features"])


def test_missing_file_names_path_and_hint(tmp_path):
    with pytest.raises(DataError, match=r"nothere.mat not found; bring your own"):
        load_mat(tmp_path / "nothere.mat", ["x"], hint="bring your own")


def test_index_vectors_cast_before_shifting():
    idx = as_index_vector(np.array([[65535], [1]], dtype=np.uint16), "f.mat", "k", 65535)
    assert idx.dtype == np.int64 and idx.tolist() == [65534, 0]
    assert as_index_vector(np.array([0, 4]), "f.npz", "k", 5, base=0).tolist() == [0, 4]
    with pytest.raises(DataError, match=r"'k' contains 5, so it looks 1-based; expected 0..4"):
        as_index_vector(np.array([1, 5]), "f.npz", "k", 5, base=0)
