"""The xlsa17 benchmarks (Xian et al., TPAMI 2018): AWA1, AWA2, CUB, SUN, APY, FLO.

Each dataset is a folder `<data root>/<AWA1|AWA2|CUB|SUN|APY|FLO>` holding
`res101.mat` (`features` 2048×N, `labels` N×1, 1-based rows of `att`) and
`att_splits.mat` (`att` A×C, `trainval_loc`, `test_seen_loc`, `test_unseen_loc`,
1-based image indices, and `allclasses_names`, absent for FLO).

Two versions of `att_splits.mat` circulate. The older one (2017/Jan 2018) also has
`train_loc`/`val_loc`, which hold all images of the train/validation classes
*including the test_seen images*; those are removed here (and the removal noted),
and the validation classes are the classes of `val_loc`. The newer one (2019) has
neither; the validation classes then come from `valclasses1.txt` next to the
`.mat` files when present, else from a seeded draw of the seen classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zslkit.datasets.base import DatasetLoader, ZSLData
from zslkit.datasets.matfile import as_index_vector, as_matrix, load_mat
from zslkit.errors import ConfigError, DataError
from zslkit.settings import opt
from zslkit.suggest import did_you_mean

SPLITS = ("trainval", "test_seen", "test_unseen")

FOLDERS = {"awa1": "AWA1", "awa2": "AWA2", "cub": "CUB", "sun": "SUN", "apy": "APY", "flo": "FLO"}

SUMMARIES = {
    "awa1": "Animals with Attributes 1: 50 animals, 85 attributes (xlsa17, ResNet-101)",
    "awa2": "Animals with Attributes 2: 50 animals, 85 attributes (xlsa17, ResNet-101)",
    "cub": "CUB-200-2011 birds: 200 species, 312 attributes (xlsa17, ResNet-101)",
    "sun": "SUN Attribute scenes: 717 classes, 102 attributes (xlsa17, ResNet-101)",
    "apy": "aPascal-aYahoo objects: 32 classes, 64 attributes (xlsa17, ResNet-101)",
    "flo": "Oxford Flowers 102: 102 classes, 1024-d sentence embeddings (xlsa17, ResNet-101)",
}


@dataclass
class Options:
    val_split: int = opt(1, "which xlsa17 valclassesK.txt (K = 1, 2, 3) names the validation classes when att_splits.mat has no train_loc/val_loc")
    val_seed: int = opt(0, "seed of the validation-class draw when the files name no validation classes")
    val_fraction: float = opt(0.2, "fraction of seen classes drawn as validation classes in that case (xlsa17: about 1/5)")


def read_folder(folder: Path, name: str, options, hint: str = "") -> ZSLData:
    """Read one xlsa17-layout folder into a `ZSLData` (checks come later, in the registry).

    Args:
        folder: the folder with res101.mat and att_splits.mat.
        name: the dataset name recorded in the result (and used in errors).
        options: any object with `val_split`, `val_seed` and `val_fraction`.
        hint: how to get a missing file, appended to the not-found message.
    """
    att_file, res_file = folder / "att_splits.mat", folder / "res101.mat"
    splits = load_mat(att_file, ("att",) + tuple(f"{k}_loc" for k in SPLITS),
                      ("train_loc", "val_loc", "allclasses_names"), hint=hint)
    res = load_mat(res_file, ("features", "labels"), hint=hint)
    att = as_matrix(splits["att"], att_file, "att")
    names, notes = _class_names(splits, att_file, att.shape[1])
    features, labels = _features_labels(res, res_file, att.shape[1])
    idx = {k: as_index_vector(splits[f"{k}_loc"], att_file, f"{k}_loc", len(labels)) for k in SPLITS}
    val_classes, val_notes = _validation_classes(folder, splits, labels, idx, names, options, name)
    return ZSLData(
        name=name, features=features, labels=labels,
        attributes=np.ascontiguousarray(att.T, dtype=np.float32), class_names=names,
        val_classes=val_classes, notes=notes + val_notes, source=str(folder), **idx,
    )


def _features_labels(res: dict, file: Path, n_classes: int):
    feats = as_matrix(res["features"], file, "features")
    labels = as_index_vector(res["labels"], file, "labels", n_classes)
    if feats.shape[1] != len(labels):
        raise DataError(f"{file}: 'features' has shape {feats.shape} for {len(labels)} labels; "
                        f"expected D×N = (D, {len(labels)}), one column per image")
    # MATLAB stores D×N column-major, so the transpose is already C-contiguous.
    return np.ascontiguousarray(feats.T, dtype=np.float32), labels


def _class_names(splits: dict, file: Path, n_classes: int):
    raw = splits.get("allclasses_names")
    if raw is None:
        names = [f"class_{i + 1:03d}" for i in range(n_classes)]
        return names, [f"no allclasses_names in {file.name}: classes named class_001..{names[-1]}"]
    names = [_to_str(x) for x in np.asarray(raw, dtype=object).reshape(-1)]
    if len(names) != n_classes:
        raise DataError(f"{file}: 'allclasses_names' has {len(names)} names but 'att' has {n_classes} "
                        f"columns; expected one name per class")
    return names, []


def _to_str(cell) -> str:
    arr = np.asarray(cell).reshape(-1)
    return str(arr[0]).strip() if arr.size else ""


def _validation_classes(folder, splits, labels, idx, names, options, name):
    if "train_loc" in splits and "val_loc" in splits:
        return _from_train_val_loc(folder / "att_splits.mat", splits, labels, idx["test_seen"], names)
    listed = folder / f"valclasses{options.val_split}.txt"
    if listed.is_file():
        return _from_class_list(listed, names)
    seen = np.unique(labels[idx["trainval"]])
    return seeded_val_classes(seen, options.val_fraction, options.val_seed, name)


def _from_train_val_loc(file: Path, splits: dict, labels, test_seen, names):
    """Older xlsa17: drop the test_seen images from train_loc/val_loc, read val classes off val_loc."""
    notes, kept = [], {}
    for key in ("train_loc", "val_loc"):
        loc = as_index_vector(splits[key], file, key, len(labels))
        leak = np.isin(loc, test_seen)
        if leak.any():
            notes.append(f"removed {int(leak.sum())} test_seen images from {key} (leak in older xlsa17)")
        kept[key] = loc[~leak]
    train_c, val_c = (np.unique(labels[kept[k]]) for k in ("train_loc", "val_loc"))
    shared = np.intersect1d(train_c, val_c)
    if shared.size:
        raise DataError(f"{file}: train_loc and val_loc share {shared.size} classes (e.g. {names[shared[0]]!r}); "
                        f"expected disjoint training and validation classes")
    notes.append(f"validation classes: the {val_c.size} classes of val_loc")
    return val_c, notes


def _from_class_list(path: Path, names):
    """Newer xlsa17: validation classes named in valclassesK.txt."""
    wanted = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    lookup = {n: i for i, n in enumerate(names)}
    for cls in wanted:
        if cls not in lookup:
            raise DataError(f"{path}: class {cls!r} is not in allclasses_names{did_you_mean(cls, lookup)}; "
                            f"expected class names from att_splits.mat")
    ids = np.array(sorted({lookup[c] for c in wanted}), dtype=np.int64)
    return ids, [f"validation classes: {ids.size} classes from {path.name}"]


def seeded_val_classes(seen, fraction: float, seed: int, section: str):
    """Draw round(fraction × seen) validation classes (at least 1, leaving at least 1 to train)."""
    if not 0 < fraction < 1:
        raise ConfigError(f"{section}.val_fraction={fraction}: expected a fraction strictly between 0 and 1")
    seen = np.asarray(seen, dtype=np.int64)
    if seen.size < 2:
        return np.empty(0, dtype=np.int64), []
    k = min(max(int(round(seen.size * fraction)), 1), seen.size - 1)
    ids = np.sort(np.random.default_rng(seed).choice(seen, size=k, replace=False))
    return ids, [f"validation classes: {k} of {seen.size} seen classes drawn with seed {seed} "
                 f"(fraction {fraction}; the files name none)"]


def _make_loader(name: str) -> DatasetLoader:
    folder_name = FOLDERS[name]
    hint = (f"get it with `zslkit data download {name}` or copy the xlsa17 {folder_name} folder "
            f"(res101.mat and att_splits.mat) there")

    def load(root, options) -> ZSLData:
        folder = Path(root) / folder_name
        if not folder.is_dir():
            raise DataError(f"dataset {name!r} not found: looked for {folder}; {hint}")
        return read_folder(folder, name, options, hint)

    return DatasetLoader(name=name, summary=SUMMARIES[name], load_fn=load, Options=Options,
                         files=(f"{folder_name}/res101.mat", f"{folder_name}/att_splits.mat"))


load_awa1 = _make_loader("awa1")
load_awa2 = _make_loader("awa2")
load_cub = _make_loader("cub")
load_sun = _make_loader("sun")
load_apy = _make_loader("apy")
load_flo = _make_loader("flo")
