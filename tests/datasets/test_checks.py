"""checks.validate: every broken dataset fails with a one-line error naming dataset, key and value."""

import dataclasses

import numpy as np
import pytest

from zslkit.datasets.base import ZSLData
from zslkit.datasets.checks import validate
from zslkit.errors import DataError


def small(**changes) -> ZSLData:
    """4 classes x 6 samples: a-c seen (4 trainval + 2 test_seen each), d unseen; `changes` break it."""
    labels = np.repeat(np.arange(4), 6)
    seen = np.flatnonzero(labels < 3)
    data = ZSLData(
        name="toy", features=np.random.default_rng(0).random((24, 5), dtype=np.float32), labels=labels,
        attributes=np.eye(4, 3, dtype=np.float32), class_names=["a", "b", "c", "d"],
        trainval=seen[seen % 6 < 4], test_seen=seen[seen % 6 >= 4], test_unseen=np.flatnonzero(labels == 3),
        val_classes=np.array([1]), source="toy.npz",
    )
    return dataclasses.replace(data, **changes)


def test_valid_data_passes_and_is_returned():
    data = small()
    assert validate(data, (12, 6, 6)) is data


def test_empty_test_seen_is_allowed_for_zsl_only_data():
    validate(small(test_seen=np.empty(0, dtype=np.int64)))


def nan_features():
    f = small().features.copy()
    f[7, 2] = np.nan
    return f


def inf_attributes():
    a = small().attributes.copy()
    a[1, 0] = np.inf
    return a


@pytest.mark.parametrize("changes, message", [
    (dict(features=nan_features()), r"features contain nan at row 7, column 2; expected finite values"),
    (dict(attributes=inf_attributes()), r"attributes contain inf at row 1, column 0"),
    (dict(labels=np.repeat(np.arange(4), 6)[:-1]), r"labels have shape \(23,\) but features have 24 samples"),
    (dict(labels=np.repeat(np.array([0, 1, 2, 4]), 6)), r"label 4 is out of range; expected 0..3"),
    (dict(features=np.ones(24)), r"features have shape \(24,\); expected \(N, D\)"),
    (dict(attributes=np.eye(3, 3)), r"attributes have shape \(3, 3\) for 4 class names"),
    (dict(test_seen=np.array([4, 5, 0])), r"trainval and test_seen overlap in 1 samples \(e.g. sample 0\)"),
    (dict(test_unseen=np.array([18, 19, 24])), r"test_unseen holds index 24; expected 0..23"),
    (dict(trainval=np.array([0, 0, 1])), r"trainval lists some samples twice"),
    (dict(trainval=np.array([[0, 1]])), r"trainval has shape \(1, 2\)"),
    (dict(test_unseen=np.array([], dtype=np.int64)), r"trainval has 12 and test_unseen 0 samples; expected both non-empty"),
    (dict(trainval=np.array([0, 1, 18]), test_unseen=np.arange(19, 24)), r"test_unseen classes \[d\] also occur in trainval"),
    (dict(test_seen=np.array([4, 5, 18]), test_unseen=np.arange(19, 24)), r"test_seen holds classes \[d\] that are not in trainval"),
    (dict(val_classes=np.array([3])), r"val_classes \[d\] must be a non-empty proper subset of the 3 seen classes"),
    (dict(val_classes=np.array([0, 1, 2])), r"val_classes \[a, b, c\] must be a non-empty proper subset"),
    (dict(val_classes=np.array([], dtype=np.int64)), r"val_classes \[\] must be a non-empty proper subset"),
])
def test_broken_data_is_rejected(changes, message):
    with pytest.raises(DataError, match=r"^toy \(toy.npz\): " + message) as exc:
        validate(small(**changes))
    assert "\n" not in str(exc.value)


def test_split_sizes_are_compared_with_the_known_ones():
    with pytest.raises(DataError, match=r"test_seen has 6 samples; expected 7 \(trainval/test_seen/test_unseen = 12/7/6\)"):
        validate(small(), (12, 7, 6))
