"""Your own dataset: `--dataset custom --set custom.path=FILE_OR_DIR`.

Two layouts are accepted.

1. A folder in the xlsa17 layout: `res101.mat` (`features` D×N, `labels` N×1,
   1-based) and `att_splits.mat` (`att` A×C, `trainval_loc`, `test_seen_loc`,
   `test_unseen_loc`, 1-based; optional `allclasses_names`, `train_loc`/`val_loc`).
   It is read exactly like the built-in xlsa17 datasets, `valclasses1.txt` included.

2. A single NumPy `.npz` file (`numpy.savez`) with these keys, all indices 0-based:

   =============== ========= ====================================================
   key             shape     meaning
   =============== ========= ====================================================
   features        (N, D)    one visual feature vector per sample (any D)
   labels          (N,)      integer class id of each sample, 0..C-1
   attributes      (C, A)    one semantic vector per class; row c = class c
   trainval        (n1,)     sample indices of the seen-class training samples
   test_seen       (n2,)     sample indices of held-out seen-class samples
                             (may be empty: ZSL-only data)
   test_unseen     (n3,)     sample indices of the unseen-class samples
   class_names     (C,)      optional: class names (a string array)
   val_classes     (k,)      optional: seen class ids used as unseen in
                             validation; default: a seeded draw of about 1/5
                             of the seen classes (`custom.val_seed`,
                             `custom.val_fraction`)
   =============== ========= ====================================================

   The three splits must be disjoint, test_unseen classes must not occur in
   trainval, and every value must be finite.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zslkit.datasets.base import DatasetLoader, ZSLData
from zslkit.datasets.matfile import as_index_vector, as_matrix
from zslkit.datasets.xlsa17 import read_folder, seeded_val_classes
from zslkit.errors import ConfigError, DataError
from zslkit.settings import opt

NPZ_REQUIRED = ("features", "labels", "attributes", "trainval", "test_seen", "test_unseen")
NPZ_OPTIONAL = ("class_names", "val_classes")


@dataclass
class Options:
    path: str = opt("", "a folder in the xlsa17 layout (res101.mat + att_splits.mat) or a .npz file (required)")
    val_split: int = opt(1, "xlsa17 folders: which valclassesK.txt names the validation classes")
    val_seed: int = opt(0, "seed of the validation-class draw when the data name no validation classes")
    val_fraction: float = opt(0.2, "fraction of seen classes drawn as validation classes in that case")


def _load(root, options) -> ZSLData:
    if not options.path:
        raise ConfigError("custom dataset needs --set custom.path=FILE_OR_DIR (an xlsa17-layout folder or a .npz file)")
    path = Path(options.path).expanduser()
    if path.is_dir():
        hint = "a custom folder needs res101.mat and att_splits.mat in the xlsa17 layout"
        return read_folder(path, "custom", options, hint)
    if not path.exists():
        raise DataError(f"custom.path {path} not found; expected an xlsa17-layout folder or a .npz file")
    if path.suffix.lower() != ".npz":
        raise DataError(f"custom.path {path} is neither a folder nor a .npz file; expected an xlsa17-layout folder or a .npz file")
    return read_npz(path, options)


def read_npz(path: Path, options) -> ZSLData:
    """Read the documented `.npz` layout (see the module docstring)."""
    arrays = _npz_arrays(path)
    features = as_matrix(arrays["features"], path, "features")
    attributes = as_matrix(arrays["attributes"], path, "attributes")
    n, n_classes = len(features), len(attributes)
    labels = _vector(arrays["labels"], path, "labels", n, n_classes)
    idx = {key: as_index_vector(arrays[key], path, key, n, base=0) for key in NPZ_REQUIRED[3:]}
    names = _class_names(arrays, path, n_classes)
    if "val_classes" in arrays:
        val = np.unique(as_index_vector(arrays["val_classes"], path, "val_classes", n_classes, base=0))
        notes = [f"validation classes: {val.size} classes from val_classes in {path.name}"]
    else:
        val, notes = seeded_val_classes(np.unique(labels[idx["trainval"]]), options.val_fraction, options.val_seed, "custom")
    return ZSLData(name="custom", features=features.astype(np.float32, copy=False), labels=labels,
                   attributes=attributes.astype(np.float32), class_names=names, val_classes=val,
                   notes=notes, source=str(path), **idx)


def _npz_arrays(path: Path) -> dict:
    # Check the zip magic first: np.load would try to unpickle arbitrary bytes.
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path} is not a .npz archive; expected a file written by numpy.savez")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files if key in NPZ_REQUIRED + NPZ_OPTIONAL}
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise DataError(f"{path} is not a valid .npz archive ({exc}); expected a file written by numpy.savez") from None
        raise DataError(f"{path} holds an object array; expected numeric arrays (and strings for class_names)") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path} is not a valid .npz archive ({exc}); expected a file written by numpy.savez") from None
    for key in NPZ_REQUIRED:
        if key not in arrays:
            raise DataError(f"{path} has no key {key!r}; expected keys {', '.join(NPZ_REQUIRED)} "
                            f"(optional: {', '.join(NPZ_OPTIONAL)})")
    return arrays


def _vector(arr, path: Path, key: str, n: int, n_classes: int) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.shape != (n,):
        raise DataError(f"{path}: {key!r} has shape {arr.shape}; expected ({n},), one per row of features")
    return as_index_vector(arr, path, key, n_classes, base=0)


def _class_names(arrays: dict, path: Path, n_classes: int) -> list[str]:
    if "class_names" not in arrays:
        return [f"class_{i:03d}" for i in range(n_classes)]
    names = np.asarray(arrays["class_names"])
    if names.shape != (n_classes,) or names.dtype.kind not in "US":
        raise DataError(f"{path}: 'class_names' has shape {names.shape} and dtype {names.dtype}; "
                        f"expected ({n_classes},) strings, one per row of attributes")
    return [str(s) for s in names]


load_custom = DatasetLoader(
    name="custom",
    summary="your own data: an xlsa17-layout folder or a .npz file (--set custom.path=...)",
    load_fn=_load,
    Options=Options,
    needs_root=False,
)
