"""Reading MATLAB files and checking the arrays in them, with one-line errors.

Every error names the file and the key at fault and says what was expected,
because a traceback out of `scipy.io` does not tell a user which of their files
is wrong. scipy is imported only when a file is actually read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zslkit.errors import DataError


def load_mat(path, required_keys=(), optional_keys=(), hint: str = "") -> dict:
    """Load the given keys of a MATLAB v4/v5/v7 file into a dict of arrays.

    Args:
        path: the `.mat` file.
        required_keys: keys that must be present (a DataError names the first missing one).
        optional_keys: keys loaded when present. Only required and optional keys are
            read, which skips big unused variables (e.g. `image_files` in res101.mat).
        hint: appended to the missing-file message: how to get the file.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "not found"
        raise DataError(f"{path} {what}" + (f"; {hint}" if hint else ""))
    names = list(required_keys) + list(optional_keys)
    arrays = _read(path, names or None)
    for key in required_keys:
        if key not in arrays:
            raise DataError(f"{path} has no key {key!r} (found: {', '.join(_keys(path)) or 'none'}); "
                            f"expected keys {', '.join(required_keys)}")
    return arrays


def _read(path: Path, names) -> dict:
    import scipy.io

    try:
        data = scipy.io.loadmat(str(path), variable_names=names)
    except MemoryError:
        raise
    except NotImplementedError:
        raise DataError(f"{path} is a MATLAB v7.3 (HDF5) file, which zslkit cannot read; "
                        f"re-save it in MATLAB with save(..., '-v7')") from None
    except Exception as exc:  # scipy raises many types for non-MATLAB bytes
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise DataError(f"{path} is not a MATLAB .mat file ({reason}); expected a MATLAB v5/v7 file") from None
    return {k: v for k, v in data.items() if not k.startswith("__")}


def _keys(path: Path) -> list[str]:
    import scipy.io

    return [name for name, _shape, _cls in scipy.io.whosmat(str(path))]


def as_matrix(arr, file, key) -> np.ndarray:
    """`arr` as a 2-D numeric array, or a DataError naming file and key."""
    arr = np.asarray(arr)
    if arr.ndim != 2 or not _is_numeric(arr):
        raise DataError(f"{file}: {key!r} has shape {arr.shape} and dtype {arr.dtype}; "
                        f"expected a 2-D numeric matrix")
    return arr


def as_index_vector(arr, file, key, n: int, base: int = 1) -> np.ndarray:
    """Check an index (or label) vector and return it as 0-based int64.

    Args:
        arr: a vector; (k,), (k, 1) and (1, k) are accepted. MATLAB stores indices
            as uint16 or double: both are cast to int64 first, so subtracting 1 can
            never wrap around.
        file, key: named in errors.
        n: the number of valid values; indices must lie in base..n-1+base.
        base: 1 for MATLAB files (a 0 means the file is 0-based: say so), 0 for npz.
    """
    arr = np.asarray(arr)
    if arr.size and (arr.ndim > 2 or (arr.ndim == 2 and 1 not in arr.shape)):
        raise DataError(f"{file}: {key!r} has shape {arr.shape}; expected a vector (k×1)")
    if not _is_numeric(arr) or arr.dtype == bool:
        raise DataError(f"{file}: {key!r} has dtype {arr.dtype}; expected integer indices")
    flat = arr.reshape(-1)
    ints = flat.astype(np.int64)
    bad = np.flatnonzero(ints != flat)
    if bad.size:
        raise DataError(f"{file}: {key!r} holds non-integer value {flat[bad[0]].item()!r}; expected integer indices")
    _check_range(ints, file, key, n, base)
    return ints - base


def _check_range(ints: np.ndarray, file, key, n: int, base: int) -> None:
    if not ints.size:
        return
    lo, hi = int(ints.min()), int(ints.max())
    expected = f"expected {base}..{n - 1 + base} ({'1-based, as MATLAB' if base else '0-based'})"
    if base == 1 and lo == 0:
        raise DataError(f"{file}: {key!r} contains 0, so it looks 0-based; {expected}")
    if base == 0 and lo >= 1 and hi == n:
        raise DataError(f"{file}: {key!r} contains {n}, so it looks 1-based; {expected}")
    if lo < base or hi > n - 1 + base:
        value = lo if lo < base else hi
        raise DataError(f"{file}: {key!r} contains {value}, out of range; {expected}")


def _is_numeric(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "biuf"
