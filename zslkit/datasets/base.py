"""The in-memory form of a zero-shot benchmark, and the task views built from it.

`ZSLData` is what every loader returns: all samples, the class semantics and the
proposed split as sample indices. `ZSLTask` is what the trainer consumes: the
train/test arrays of one evaluation protocol (validation or test). Plain NumPy,
no torch, so `zslkit data info` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class ZSLData:
    """A whole benchmark: samples, class semantics and the proposed split.

    Attributes:
        name: registry name (e.g. "cub").
        features: (N, D) float32 visual features.
        labels: (N,) int64 class ids, 0-based rows of `attributes`.
        attributes: (C, A) float32 class semantics, row c = class c.
        class_names: C class names.
        trainval: sample indices (0-based) of seen-class training samples.
        test_seen: sample indices of held-out seen-class samples.
        test_unseen: sample indices of unseen-class samples.
        val_classes: class ids (a subset of the seen classes) that play the
            unseen role in validation; never test classes.
        notes: human-readable provenance ("removed 3404 test_seen images from
            train_loc (leak)", "validation classes from valclasses1.txt").
        source: where the data came from (a path or "generated, seed=0").
    """

    name: str
    features: np.ndarray
    labels: np.ndarray
    attributes: np.ndarray
    class_names: list[str]
    trainval: np.ndarray
    test_seen: np.ndarray
    test_unseen: np.ndarray
    val_classes: np.ndarray
    notes: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def seen_classes(self) -> np.ndarray:
        return np.unique(self.labels[self.trainval])

    @property
    def unseen_classes(self) -> np.ndarray:
        return np.unique(self.labels[self.test_unseen])

    @property
    def feature_dim(self) -> int:
        return int(self.features.shape[1])

    @property
    def attribute_dim(self) -> int:
        return int(self.attributes.shape[1])

    @property
    def n_classes(self) -> int:
        return int(self.attributes.shape[0])


@dataclass
class ZSLTask:
    """One protocol's arrays, ready for training and evaluation.

    For the test protocol: train = trainval, test_seen/test_unseen = the
    proposed test splits. For the validation protocol: the validation classes
    play the unseen role and a seeded fraction of the remaining seen-class
    samples plays test_seen, so no test label is ever needed to choose anything.
    Class ids stay global (rows of `attributes`) in every split.
    """

    name: str  # "test" or "validation"
    dataset: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_seen_x: np.ndarray
    test_seen_y: np.ndarray
    test_unseen_x: np.ndarray
    test_unseen_y: np.ndarray
    seen_classes: np.ndarray
    unseen_classes: np.ndarray
    attributes: np.ndarray
    class_names: list[str]
    notes: list[str] = field(default_factory=list)
    scaler: dict | None = None  # {"lo": (D,), "scale": (D,)}: x_scaled = (x - lo) * scale

    @property
    def feature_dim(self) -> int:
        return int(self.train_x.shape[1])

    @property
    def attribute_dim(self) -> int:
        return int(self.attributes.shape[1])

    @property
    def n_classes(self) -> int:
        return int(self.attributes.shape[0])


@dataclass(frozen=True)
class DatasetLoader:
    """What a `zslkit.datasets` entry point points to.

    Attributes:
        name: registry name (the entry-point name; also the config section of
            its options, e.g. `--set synthetic.n_classes=30`).
        summary: one line for `zslkit data list`.
        load_fn: `load_fn(root, options) -> ZSLData`; `root` is the data root
            (a `pathlib.Path`) or None when `needs_root` is False.
        Options: a dataclass of loader options (fields with defaults and a
            `metadata={"help": ...}`); an empty dataclass when there are none.
        needs_root: False for data that needs no files (synthetic).
        files: paths under the data root that must exist for the dataset to
            count as present in `zslkit data list`.
    """

    name: str
    summary: str
    load_fn: Any
    Options: Any
    needs_root: bool = True
    files: tuple[str, ...] = ()

    def load(self, root, options=None) -> "ZSLData":
        return self.load_fn(root, options if options is not None else self.Options())
