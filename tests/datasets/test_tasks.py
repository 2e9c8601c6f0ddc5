"""Protocol tasks (test / validation) and MinMax scaling fitted on training features only."""

import dataclasses

import numpy as np
import pytest

from zslkit.datasets.base import ZSLData
from zslkit.datasets.registry import load_dataset
from zslkit.datasets.tasks import hold_out, make_task, minmax_scale
from zslkit.errors import ConfigError

ARRAYS = ("train_x", "train_y", "test_seen_x", "test_seen_y", "test_unseen_x", "test_unseen_y",
          "seen_classes", "unseen_classes")


def toy(n_per_class=(10, 10, 7, 5, 3, 8, 8)) -> ZSLData:
    """Classes 0-4 seen (all samples in trainval except 2 test_seen of class 0), 5-6 unseen; val class 1."""
    labels = np.repeat(np.arange(len(n_per_class)), n_per_class)
    idx = np.arange(labels.size)
    test_seen = idx[labels == 0][:2]
    trainval = np.setdiff1d(idx[labels < 5], test_seen)
    rng = np.random.default_rng(1)
    return ZSLData(
        name="toy", features=rng.normal(size=(labels.size, 6)).astype(np.float32), labels=labels,
        attributes=rng.random((7, 4)).astype(np.float32), class_names=[f"k{i}" for i in range(7)],
        trainval=trainval, test_seen=test_seen, test_unseen=idx[labels >= 5], val_classes=np.array([1]),
    )


def test_test_task_uses_the_proposed_split():
    data = toy()
    task = make_task(data, "test")
    assert np.array_equal(task.train_x, data.features[data.trainval])
    assert np.array_equal(task.test_unseen_y, data.labels[data.test_unseen])
    assert task.seen_classes.tolist() == [0, 1, 2, 3, 4] and task.unseen_classes.tolist() == [5, 6]
    assert task.name == "test" and task.dataset == "toy"


def test_validation_task_partitions_trainval():
    data = toy()
    task = make_task(data, "validation", val_seen_fraction=0.2, split_seed=0)
    assert task.unseen_classes.tolist() == [1] and task.seen_classes.tolist() == [0, 2, 3, 4]
    assert set(task.test_unseen_y) == {1} and len(task.test_unseen_y) == 10
    # per class: round(0.2 * n) held out, at least 1, never all (class 0 has 8 trainval samples)
    held = np.bincount(task.test_seen_y, minlength=7)
    assert held[[0, 2, 3, 4]].tolist() == [2, 1, 1, 1]
    assert len(task.train_y) + len(task.test_seen_y) + len(task.test_unseen_y) == len(data.trainval)
    rows = {r.tobytes() for r in np.concatenate([task.train_x, task.test_seen_x, task.test_unseen_x])}
    assert rows == {r.tobytes() for r in data.features[data.trainval]}, "a partition of trainval"
    assert any("validation: 1 validation classes as unseen" in n for n in task.notes)


def test_validation_never_reads_test_samples():
    data = toy()
    clean = make_task(data, "validation", split_seed=3)
    poisoned = dataclasses.replace(data, labels=data.labels.copy(), features=data.features.copy())
    for split in (data.test_seen, data.test_unseen):
        poisoned.labels[split] = 0
        poisoned.features[split] = np.nan
    dirty = make_task(poisoned, "validation", split_seed=3)
    for name in ARRAYS:
        assert np.array_equal(getattr(clean, name), getattr(dirty, name)), name


def test_validation_split_is_seeded():
    data = toy()
    a, b = (make_task(data, "validation", split_seed=5) for _ in range(2))
    c = make_task(data, "validation", split_seed=6)
    assert np.array_equal(a.test_seen_x, b.test_seen_x)
    assert not np.array_equal(a.test_seen_x, c.test_seen_x)


def test_zero_fraction_gives_zsl_only_validation():
    task = make_task(toy(), "validation", val_seen_fraction=0.0)
    assert task.test_seen_x.shape == (0, 6) and len(task.train_y) == 23


def test_hold_out_keeps_one_training_sample_per_class():
    held = hold_out(np.arange(5), np.array([0, 0, 1, 2, 2]), fraction=0.9, seed=0)
    assert np.bincount(np.array([0, 0, 1, 2, 2])[held], minlength=3).tolist() == [1, 0, 1]


def test_bad_arguments():
    with pytest.raises(ConfigError, match=r"task mode 'train' is unknown"):
        make_task(toy(), "train")
    with pytest.raises(ConfigError, match=r"data.val_seen_fraction=1.0"):
        make_task(toy(), "validation", val_seen_fraction=1.0)


def test_minmax_is_fitted_on_training_features_only():
    task = make_task(toy(), "test")
    task.train_x[:, 3] = 2.5  # a constant dimension
    scaled = minmax_scale(task)
    lo, hi = task.train_x.min(0), task.train_x.max(0)
    for d in (0, 1, 2, 4, 5):
        assert scaled.train_x[:, d].min() == 0 and scaled.train_x[:, d].max() == pytest.approx(1)
        expected = (task.test_unseen_x[:, d] - lo[d]) / (hi[d] - lo[d])
        assert np.allclose(scaled.test_unseen_x[:, d], expected, atol=1e-6)
    assert not scaled.test_unseen_x[:, 3].any() and not scaled.train_x[:, 3].any()
    assert scaled.test_seen_x.dtype == np.float32
    assert "1 constant dimensions set to 0" in scaled.notes[-1]
    shifted = dataclasses.replace(task, test_unseen_x=task.test_unseen_x + 100)
    assert np.array_equal(minmax_scale(shifted).train_x, scaled.train_x), "test data never shapes the scaler"
    assert minmax_scale(shifted).test_unseen_x.max() > 1, "no clipping of test features"


def test_validation_task_on_a_real_split(awa1_root):
    data = load_dataset("awa1", awa1_root)
    task = minmax_scale(make_task(data, "validation"))
    assert (task.seen_classes.size, task.unseen_classes.size) == (27, 13)
    assert len(task.test_unseen_y) == int(np.isin(data.labels[data.trainval], data.val_classes).sum())
    assert task.train_x.min() == 0 and task.train_x.max() == 1
