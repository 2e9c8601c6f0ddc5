"""Shared test helpers: where the real public data lives, and fake xlsa17 folders.

The xlsa17 ResNet-101 features (`res101.mat`) are not redistributable in small
pieces, so tests pair the REAL `att_splits.mat` (and class lists) with a
generated `res101.mat` whose labels are consistent with the real splits.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # shared helper modules, e.g. tiny_settings

XLSA17_FOLDERS = {"awa1": "AWA1", "awa2": "AWA2", "cub": "CUB", "sun": "SUN", "apy": "APY", "flo": "FLO"}


def shared_data_dir() -> Path:
    """The shared public data folder ($ZSLKIT_TEST_DATA, else ../shared/data); skips the test if absent."""
    path = Path(os.environ.get("ZSLKIT_TEST_DATA", REPO.parent / "shared" / "data"))
    if not (path / "xlsa17").is_dir():
        pytest.skip(f"shared data not found at {path} (set ZSLKIT_TEST_DATA to the shared data folder)")
    return path


def make_xlsa17_folder(tmp_path, dataset: str, feature_dim: int = 2048, seed: int = 0,
                       class_lists: bool = True) -> Path:
    """Build `<tmp_path>/<DS>/` like a real xlsa17 download and return the data root `tmp_path`.

    The folder gets the real `att_splits.mat` (and, if `class_lists`, the real
    `*classes*.txt`) from the shared data, plus a generated `res101.mat`:
    `features` feature_dim×N float32 (class mean + noise, non-negative like ReLU
    features) and `labels` N×1, 1-based. AWA2 uses its real per-image labels; for
    the others, images are dealt round-robin to the classes of the xlsa17 class
    lists so that every split is consistent: in the older files (train_loc/val_loc
    present) train_loc images get trainclasses1, val_loc images valclasses1;
    otherwise trainval and test_seen images get trainvalclasses; test_unseen
    images always get testclasses. FLO has no class lists: its 102 classes are
    split 62 train / 20 val / 20 test by a fixed permutation.

    Args:
        tmp_path: the data root to create the folder in.
        dataset: "awa1", ..., or the folder name ("AWA1", ...).
        feature_dim: D; 2048 as in xlsa17, smaller keeps tests fast.
        seed: seed of the generated features.
        class_lists: copy the class-list .txt files (valclasses1.txt, ...) too.
    """
    import scipy.io

    ds = XLSA17_FOLDERS.get(dataset.lower(), dataset.upper())
    src = shared_data_dir() / "xlsa17" / ds
    folder = Path(tmp_path) / ds
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "att_splits.mat", folder / "att_splits.mat")
    if class_lists:
        for txt in src.glob("*classes*.txt"):
            shutil.copyfile(txt, folder / txt.name)
    splits = scipy.io.loadmat(str(src / "att_splits.mat"))
    labels = fake_labels(src, splits)
    rng = np.random.default_rng(seed)
    means = rng.random((splits["att"].shape[1], feature_dim), dtype=np.float32)
    features = means[labels - 1] + rng.standard_normal((labels.size, feature_dim), dtype=np.float32) * 0.1
    np.abs(features, out=features)
    scipy.io.savemat(str(folder / "res101.mat"), {"features": features.T, "labels": labels[:, None]})
    return Path(tmp_path)


def fake_labels(src: Path, splits: dict) -> np.ndarray:
    """1-based per-image labels consistent with the real splits of one xlsa17 folder."""
    if (src / "res101_labels.npy").is_file():
        return np.load(src / "res101_labels.npy").astype(np.int64)
    loc = {k: splits[k].astype(np.int64).ravel() - 1 for k in splits if k.endswith("_loc")}
    n = max(int(v.max()) for v in loc.values()) + 1
    classes = _class_lists(src, splits)
    if "train_loc" in loc and "val_loc" in loc:
        groups = [(loc["train_loc"], classes["train"]), (loc["val_loc"], classes["val"])]
    else:
        groups = [(np.concatenate([loc["trainval_loc"], loc["test_seen_loc"]]), classes["trainval"])]
    groups.append((loc["test_unseen_loc"], classes["test"]))
    labels = np.zeros(n, dtype=np.int64)
    for images, ids in groups:
        images = np.sort(images)
        labels[images] = np.asarray(ids)[np.arange(images.size) % len(ids)] + 1
    assert labels.min() >= 1, "every image belongs to a split"
    return labels


def _class_lists(src: Path, splits: dict) -> dict:
    """0-based class ids of the xlsa17 class lists (train/val = split 1)."""
    n_classes = splits["att"].shape[1]
    if "allclasses_names" not in splits:  # FLO
        perm = np.random.default_rng(102).permutation(n_classes)
        train, val, test = perm[:62], perm[62:82], perm[82:]
        return {"train": train, "val": val, "trainval": np.concatenate([train, val]), "test": test}
    names = [str(np.asarray(x).reshape(-1)[0]).strip() for x in splits["allclasses_names"].reshape(-1)]
    lookup = {name: i for i, name in enumerate(names)}
    files = {"train": "trainclasses1.txt", "val": "valclasses1.txt", "trainval": "trainvalclasses.txt",
             "test": "testclasses.txt"}
    return {key: [lookup[ln.strip()] for ln in (src / f).read_text().splitlines() if ln.strip()]
            for key, f in files.items()}


def write_tiny_xlsa17(folder, res: dict | None = None, splits: dict | None = None, drop=()) -> Path:
    """Write a tiny valid xlsa17 pair into `folder` and return it; override or drop keys to break it.

    5 classes c0..c4 with 10 images each (N = 50, D = 4, A = 3). Classes c0-c2 are
    seen (8 trainval + 2 test_seen images each), c3-c4 unseen. No train_loc/val_loc
    and no class lists, so the validation classes come from the seeded draw.
    `res` and `splits` replace keys of res101.mat and att_splits.mat; `drop` removes keys.
    """
    import scipy.io

    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(5), 10)
    image = np.arange(50).reshape(5, 10)
    col = lambda idx: (np.sort(np.asarray(idx).ravel()) + 1).astype(np.uint16)[:, None]  # noqa: E731
    base_res = {"features": rng.random((4, 50)), "labels": (labels + 1)[:, None].astype(np.float64)}
    base_splits = {
        "att": rng.random((3, 5)),
        "trainval_loc": col(image[:3, :8]), "test_seen_loc": col(image[:3, 8:]), "test_unseen_loc": col(image[3:]),
        "allclasses_names": np.array([f"c{i}" for i in range(5)], dtype=object)[:, None],
    }
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, base, new in (("res101.mat", base_res, res), ("att_splits.mat", base_splits, splits)):
        content = {k: v for k, v in {**base, **(new or {})}.items() if k not in drop}
        scipy.io.savemat(str(folder / name), content)
    return folder


@pytest.fixture
def xlsa17_folder(tmp_path):
    """A factory: `xlsa17_folder("cub", feature_dim=16)` -> data root holding a fake CUB folder."""
    def make(dataset: str, feature_dim: int = 2048, seed: int = 0, class_lists: bool = True) -> Path:
        return make_xlsa17_folder(tmp_path, dataset, feature_dim, seed, class_lists)
    return make


@pytest.fixture(scope="session")
def awa1_root(tmp_path_factory) -> Path:
    """A fake AWA1 data root (D = 16), built once per session: read it, never modify it."""
    return make_xlsa17_folder(tmp_path_factory.mktemp("awa1"), "awa1", feature_dim=16)


@pytest.fixture
def tiny_xlsa17():
    """The `write_tiny_xlsa17(folder, res=None, splits=None, drop=())` writer, as a fixture."""
    return write_tiny_xlsa17


@pytest.fixture
def shared_data() -> Path:
    """`shared_data_dir()` as a fixture (skips when the shared data is absent)."""
    return shared_data_dir()
