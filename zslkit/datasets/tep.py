"""Tennessee Eastman process (TEP): zero-shot fault diagnosis on 52 process variables.

Data (read from `<data root>/tep/`, laid out as LiangjunFeng/Industrial_ZSL
`TE_mat_data/`): `dNN.mat` (training run of fault NN, 480 faulty samples) and
`dNN_te.mat` (test run, 960 samples; the fault starts after sample 160), each
with one key `data`, 52 x N (variables x samples: XMEAS(1-41), XMV(1-11)); and
the 15 x 20 binary fault-attribute matrix `attribute_matrix_en.csv` (English
headers) or `attribute_matrix.csv` (Chinese headers), first column `no` = fault
number. The underlying data are the TEP set of Chiang, Russell and Braatz
(Downs & Vogel simulator).

Classes are faults 1-15 (IDV(1)-IDV(15)): class id = fault - 1, names
"fault01".."fault15". Features are the 52 raw variables (float32, unscaled:
the pipeline's MinMax scaling is fitted on training rows only). Attributes are
the binary rows of the matrix, as published (not normalised).

Protocols (`--set tep.protocol=...`):

* ``fdat`` -- Feng & Zhao, "Fault Description Based Attribute Transfer for
  Zero-Sample Industrial Fault Diagnosis", IEEE Trans. Industrial Informatics
  17(3):1852-1862, 2021 (code: LiangjunFeng/Industrial_ZSL `TE_benchmark.py`).
  Only the training files d01..d15 are used. Three unseen faults (`group`);
  the 12 seen faults' 480 samples each are for training and all 480 samples of
  each unseen fault (from the same training files) are test_unseen. The script
  runs two groups, named here "A" = faults 4,7,10 and "B" = faults 1,6,14.
  FDAT is conventional ZSL and has no seen-class test set; so that GZSL
  metrics are defined, a seeded `test_seen_fraction` (default 0.2) of each seen
  fault's rows is held out as test_seen and the rest is trainval. Set it to 0
  for FDAT's exact training set (5760 rows). The held-out rows are random rows
  of the same runs, so they are temporally close to training rows: seen
  accuracy here is optimistic; use ``gzsl`` for an honest GZSL figure.
* ``aft`` -- Fan et al., "Attribute fusion transfer for zero-shot fault
  diagnosis", Advanced Engineering Informatics 58:102204, 2023 (code:
  foryichuanqi/ADVEI-Paper-2023.11-Zero-shot-fault-diagnosis-by-attribute-
  fusion-transfer `code/AFT.py`). Same data and splits as ``fdat``; the unseen
  faults are one of AFT's 25 triples, chosen by `triple` (0..24, see
  `AFT_TRIPLES`: five rounds of five triples, each round covering faults 1-15
  once). `group` is not used.
* ``gzsl`` -- a generalized variant defined here: training = the seen faults'
  training files (480 rows each); test_seen and test_unseen = the post-fault
  rows 161..960 (1-based) of the seen and unseen faults' `_te` files (800
  each). Test samples never appear in training, and the 160 pre-fault normal
  rows are never labelled as faults (unlike jie3040's ACGAN-FG test set).

Validation classes: `n_val` seen faults, a seeded choice (`val_seed`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zslkit.datasets.base import DatasetLoader, ZSLData
from zslkit.datasets.matfile import as_matrix, load_mat
from zslkit.errors import ConfigError, DataError
from zslkit.settings import opt

N_FAULTS = 15
N_VARIABLES = 52
N_ATTRIBUTES = 20
TRAIN_ROWS = 480
TEST_ROWS = 960
FAULT_ONSET = 160  # rows 1..160 of every _te file are normal operation
PROTOCOLS = ("fdat", "aft", "gzsl")
NAMED_GROUPS = {"A": (4, 7, 10), "B": (1, 6, 14)}  # FDAT script: [3,6,9] and [0,5,13] (0-based)

# AFT.py's 25 unseen triples, 0-based class indices (fault - 1); 5 rounds of 5.
AFT_TRIPLES = (
    (0, 2, 7), (1, 10, 11), (3, 5, 8), (4, 6, 13), (9, 12, 14),
    (0, 4, 9), (1, 3, 11), (2, 6, 13), (5, 7, 8), (10, 12, 14),
    (0, 11, 14), (1, 2, 10), (3, 8, 12), (4, 5, 13), (6, 7, 9),
    (0, 4, 13), (1, 9, 14), (2, 3, 12), (5, 10, 11), (6, 7, 8),
    (0, 4, 6), (1, 11, 13), (2, 5, 10), (3, 7, 9), (8, 12, 14),
)

# Downs & Vogel's fault definitions, for notes and reports.
FAULT_DESCRIPTIONS = {
    1: "A/C feed ratio, stream 4 (step)", 2: "B composition, stream 4 (step)",
    3: "D feed temperature (step)", 4: "reactor cooling-water inlet temperature (step)",
    5: "condenser cooling-water inlet temperature (step)", 6: "A feed loss, stream 1 (step)",
    7: "C header pressure loss, stream 4 (step)", 8: "A/B/C feed composition (random)",
    9: "D feed temperature (random)", 10: "C feed temperature (random)",
    11: "reactor cooling-water inlet temperature (random)",
    12: "condenser cooling-water inlet temperature (random)", 13: "reaction kinetics (slow drift)",
    14: "reactor cooling-water valve (sticking)", 15: "condenser cooling-water valve (sticking)",
}

CITATIONS = {
    "fdat": "Feng & Zhao, IEEE TII 17(3):1852-1862, 2021 (LiangjunFeng/Industrial_ZSL TE_benchmark.py)",
    "aft": "Fan et al., Adv. Eng. Informatics 58:102204, 2023 (foryichuanqi/ADVEI-Paper-2023.11-... code/AFT.py)",
    "gzsl": "zslkit GZSL variant: post-fault rows 161..960 of the _te files as test sets",
}


@dataclass
class Options:
    protocol: str = opt("fdat", "'fdat' (Feng & Zhao 2021), 'aft' (Fan et al. 2023, 25 triples) or 'gzsl' (test on post-fault rows of the _te files)")
    group: str = opt("4,7,10", "unseen faults for fdat/gzsl: 1-based fault numbers 'a,b,c', or a named FDAT group: 'A' (4,7,10), 'B' (1,6,14)")
    triple: int = opt(0, "aft: which of AFT's 25 unseen triples (0..24)")
    test_seen_fraction: float = opt(0.2, "fdat/aft: seeded fraction of seen-fault rows held out as test_seen (0: FDAT's exact training set)")
    split_seed: int = opt(0, "fdat/aft: seed of the test_seen hold-out")
    n_val: int = opt(3, "seen faults that play the unseen role in validation")
    val_seed: int = opt(0, "seed of the choice of validation faults")


def unseen_faults(o: Options) -> tuple[int, ...]:
    """The unseen fault numbers (1-based, sorted) that `o` selects."""
    if o.protocol not in PROTOCOLS:
        raise ConfigError(f"tep.protocol={o.protocol!r}: expected one of {', '.join(PROTOCOLS)}")
    if o.protocol == "aft":
        if not (isinstance(o.triple, int) and 0 <= o.triple < len(AFT_TRIPLES)):
            raise ConfigError(f"tep.triple={o.triple!r}: expected 0..{len(AFT_TRIPLES) - 1} (one of AFT's 25 unseen triples)")
        return tuple(sorted(c + 1 for c in AFT_TRIPLES[o.triple]))
    return _parse_group(o.group, o.n_val)


def _parse_group(group: str, n_val: int) -> tuple[int, ...]:
    expected = f"named group {' or '.join(NAMED_GROUPS)} or comma-separated fault numbers in 1..{N_FAULTS}, e.g. '4,7,10'"
    text = str(group).strip()
    if text.upper() in NAMED_GROUPS:
        return NAMED_GROUPS[text.upper()]
    try:
        faults = tuple(sorted(int(part) for part in text.split(",")))
    except ValueError:
        raise ConfigError(f"tep.group={group!r}: expected a {expected}") from None
    if not faults or min(faults) < 1 or max(faults) > N_FAULTS or len(set(faults)) != len(faults):
        raise ConfigError(f"tep.group={group!r}: expected a {expected} (distinct)")
    if N_FAULTS - len(faults) <= n_val:
        raise ConfigError(f"tep.group={group!r}: {len(faults)} unseen faults leave too few seen faults for n_val={n_val} validation faults")
    return faults


def tep_folder(root) -> Path:
    """`<root>/tep`, or a DataError saying where it looked."""
    folder = Path(root) / "tep"
    if not folder.is_dir():
        raise DataError(f"TEP data folder not found: looked in {folder}; expected d01.mat..d15.mat, "
                        f"d01_te.mat..d15_te.mat and attribute_matrix_en.csv there (set --data-root DIR or ZSLKIT_DATA)")
    return folder


def read_run(path: Path, n_rows: int) -> np.ndarray:
    """One TEP run as (samples, 52) float32; the file stores 52 x samples."""
    data = as_matrix(load_mat(path, required_keys=("data",)).get("data"), path, "data")
    if data.shape != (N_VARIABLES, n_rows):
        raise DataError(f"{path}: 'data' has shape {data.shape}; expected ({N_VARIABLES}, {n_rows}) (variables x samples)")
    if not np.isfinite(data).all():
        raise DataError(f"{path}: 'data' holds non-finite values; expected finite measurements")
    return np.ascontiguousarray(data.T, dtype=np.float32)


def read_attribute_matrix(folder: Path) -> tuple[np.ndarray, Path]:
    """The 15 x 20 binary attribute matrix: `attribute_matrix_en.csv`, else `attribute_matrix.csv`."""
    for name in ("attribute_matrix_en.csv", "attribute_matrix.csv"):
        path = folder / name
        if path.is_file():
            return _parse_attribute_csv(path), path
    raise DataError(f"TEP attribute matrix not found: looked for attribute_matrix_en.csv and attribute_matrix.csv in {folder}")


def _parse_attribute_csv(path: Path) -> np.ndarray:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as a UTF-8 CSV file ({exc.__class__.__name__})") from None
    expected = f"a header row starting with 'no' and {N_FAULTS} rows of fault number 1..{N_FAULTS} plus {N_ATTRIBUTES} 0/1 values"
    shape_ok = len(rows) == N_FAULTS + 1 and all(len(r) == N_ATTRIBUTES + 1 for r in rows)
    if not shape_ok or rows[0][0].strip().lower() != "no":
        raise DataError(f"{path}: has {len(rows)} rows of {sorted({len(r) for r in rows})} columns; expected {expected}")
    try:
        values = np.array([[float(cell) for cell in r] for r in rows[1:]])
    except ValueError:
        raise DataError(f"{path}: holds a non-numeric cell below the header; expected {expected}") from None
    if not np.array_equal(values[:, 0], np.arange(1, N_FAULTS + 1)) or not np.isin(values[:, 1:], (0, 1)).all():
        raise DataError(f"{path}: first column is not 1..{N_FAULTS} in order or a value is not 0/1; expected {expected}")
    return values[:, 1:].astype(np.float32)


def _stack(parts: list[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate (fault, rows) pieces into features and 0-based labels."""
    features = np.concatenate([rows for _, rows in parts])
    labels = np.concatenate([np.full(len(rows), fault - 1, dtype=np.int64) for fault, rows in parts])
    return features, labels


def _hold_out(labels: np.ndarray, idx: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split `idx` per class into (kept, held out), holding out a seeded `fraction`."""
    rng = np.random.default_rng(seed)
    kept, held = [], []
    for c in np.unique(labels[idx]):
        rows = rng.permutation(idx[labels[idx] == c])
        n = int(round(fraction * len(rows)))
        held.append(rows[:n])
        kept.append(rows[n:])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held))


def _build_fdat(folder: Path, unseen: tuple[int, ...], o: Options):
    """FDAT/AFT: training files only; unseen faults' rows are test_unseen."""
    if not 0.0 <= o.test_seen_fraction < 1.0:
        raise ConfigError(f"tep.test_seen_fraction={o.test_seen_fraction!r}: expected a fraction in [0, 1)")
    parts = [(f, read_run(folder / f"d{f:02d}.mat", TRAIN_ROWS)) for f in range(1, N_FAULTS + 1)]
    features, labels = _stack(parts)
    is_unseen = np.isin(labels + 1, unseen)
    trainval, test_seen = _hold_out(labels, np.flatnonzero(~is_unseen), o.test_seen_fraction, o.split_seed)
    return features, labels, trainval, test_seen, np.flatnonzero(is_unseen)


def _build_gzsl(folder: Path, unseen: tuple[int, ...], o: Options):
    """GZSL: seen training files for training; post-fault `_te` rows for both test sets."""
    seen = [f for f in range(1, N_FAULTS + 1) if f not in unseen]
    train = [(f, read_run(folder / f"d{f:02d}.mat", TRAIN_ROWS)) for f in seen]
    test = [(f, read_run(folder / f"d{f:02d}_te.mat", TEST_ROWS)[FAULT_ONSET:]) for f in range(1, N_FAULTS + 1)]
    features, labels = _stack(train + test)
    n_train = sum(len(rows) for _, rows in train)
    test_idx = np.arange(n_train, len(labels))
    test_unseen = test_idx[np.isin(labels[test_idx] + 1, unseen)]
    test_seen = np.setdiff1d(test_idx, test_unseen)
    return features, labels, np.arange(n_train), test_seen, test_unseen


def _validation_faults(unseen: tuple[int, ...], o: Options) -> np.ndarray:
    seen = np.array([f - 1 for f in range(1, N_FAULTS + 1) if f not in unseen])
    if not 1 <= o.n_val < len(seen):
        raise ConfigError(f"tep.n_val={o.n_val!r}: expected 1..{len(seen) - 1} (fewer than the {len(seen)} seen faults)")
    return np.sort(np.random.default_rng(o.val_seed).choice(seen, size=o.n_val, replace=False)).astype(np.int64)


def _notes(o: Options, unseen, val, att_path: Path, n_test_seen: int) -> list[str]:
    notes = [f"protocol {o.protocol}: {CITATIONS[o.protocol]}"]
    if o.protocol == "aft":
        notes.append(f"AFT triple {o.triple}: {list(AFT_TRIPLES[o.triple])} (0-based class indices)")
    notes.append("unseen faults: " + "; ".join(f"{f} {FAULT_DESCRIPTIONS[f]}" for f in unseen))
    if o.protocol == "gzsl":
        notes.append(f"train: seen faults' dNN.mat ({TRAIN_ROWS} rows each); tests: rows {FAULT_ONSET + 1}..{TEST_ROWS} of dNN_te.mat")
    else:
        notes.append(f"only training files d01..d15 are used; test_seen = seeded {o.test_seen_fraction:g} of seen-fault rows "
                     f"({n_test_seen} rows, split_seed={o.split_seed}; not part of the published protocol)")
    notes.append(f"validation faults (val_seed={o.val_seed}): {', '.join(str(int(c) + 1) for c in val)}")
    notes.append(f"attributes: {att_path.name} (15 faults x 20 binary attributes)")
    return notes


def load(root, options: Options | None = None) -> ZSLData:
    """Load TEP from `<root>/tep` under the protocol of `options` (see the module docstring)."""
    o = options if options is not None else Options()
    unseen = unseen_faults(o)
    val = _validation_faults(unseen, o)
    folder = tep_folder(root)
    attributes, att_path = read_attribute_matrix(folder)
    build = _build_gzsl if o.protocol == "gzsl" else _build_fdat
    features, labels, trainval, test_seen, test_unseen = build(folder, unseen, o)
    return ZSLData(
        name="tep", features=features, labels=labels, attributes=attributes,
        class_names=[f"fault{f:02d}" for f in range(1, N_FAULTS + 1)],
        trainval=trainval.astype(np.int64), test_seen=test_seen.astype(np.int64),
        test_unseen=test_unseen.astype(np.int64), val_classes=val,
        notes=_notes(o, unseen, val, att_path, len(test_seen)), source=str(folder),
    )


load_tep = DatasetLoader(
    name="tep",
    summary="Tennessee Eastman zero-shot fault diagnosis (52 variables, 15 faults, 20 attributes; FDAT/AFT/GZSL)",
    load_fn=load,
    Options=Options,
)
