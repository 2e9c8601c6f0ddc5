"""The synthetic benchmark: shapes, determinism, and the semantic crowding it promises."""

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from zslkit.datasets.synthetic import Options, crowded_groups, generate, load_synthetic
from zslkit.errors import ConfigError


@pytest.fixture(scope="module")
def data():
    return generate()


def digest(d) -> str:
    h = hashlib.sha256()
    for a in (d.features, d.labels, d.attributes, d.trainval, d.test_seen, d.test_unseen, d.val_classes):
        h.update(np.ascontiguousarray(a).tobytes())
    h.update("|".join(d.class_names).encode())
    return h.hexdigest()


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_shapes_and_splits(data):
    o = Options()
    assert data.features.shape[1] == o.feature_dim and data.features.dtype == np.float32
    assert data.attributes.shape == (o.n_seen + o.n_unseen, o.n_attributes)
    assert data.labels.dtype == np.int64 and len(data.class_names) == data.n_classes
    assert len(data.seen_classes) == o.n_seen and len(data.unseen_classes) == o.n_unseen
    assert data.features.min() >= 0, "features are non-negative like ReLU features"
    assert np.allclose(np.linalg.norm(data.attributes, axis=1), 1, atol=1e-5)
    assert data.attributes.min() >= 0
    counts = np.bincount(data.labels)
    assert counts.min() >= 100 and counts.max() <= 200
    parts = [data.trainval, data.test_seen, data.test_unseen]
    assert sum(map(len, parts)) == len(data.labels) == len(np.unique(np.concatenate(parts)))
    assert set(data.labels[data.test_seen]) == set(data.seen_classes)
    assert 0.15 < len(data.test_seen) / (len(data.test_seen) + len(data.trainval)) < 0.25
    assert len(data.val_classes) == o.n_val and set(data.val_classes) <= set(data.seen_classes)


def test_loader_entry(data):
    assert load_synthetic.needs_root is False and load_synthetic.name == "synthetic"
    assert digest(load_synthetic.load(None)) == digest(data)
    assert any("seed=0" in n for n in data.notes) and any("crowding" in n for n in data.notes)


def test_same_options_same_data_across_processes(data):
    code = (
        "import sys; sys.path.insert(0, %r); from test_synthetic import digest; "
        "from zslkit.datasets.synthetic import generate; print(digest(generate()))"
    ) % str(__import__("pathlib").Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest(data) == digest(generate())


def test_seed_and_options_change_data(data):
    other = generate(Options(seed=1))
    assert digest(other) != digest(data)
    assert not np.allclose(other.attributes, data.attributes)
    small = generate(Options(feature_dim=32, n_attributes=10, samples_per_class=20))
    assert small.features.shape[1] == 32 and small.attributes.shape[1] == 10


def test_fast():
    import time

    def seconds():
        start = time.perf_counter()
        generate(Options(seed=3))
        return time.perf_counter() - start

    assert min(seconds() for _ in range(3)) < 0.5  # best of 3: other jobs may share the cores


def test_crowded_groups_span_seen_and_unseen(data):
    groups = crowded_groups(data)
    assert len(groups) == Options().n_crowded_groups
    seen = set(data.seen_classes)
    for g in groups:
        assert len(g) == Options().crowd_size
        assert any(c in seen for c in g) and any(c not in seen for c in g)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crowded_attributes_near_identical_but_visual_means_distinct(seed):
    data = generate(Options(seed=seed))
    means = np.stack([data.features[data.labels == c].mean(0) for c in range(data.n_classes)])
    for g in crowded_groups(data):
        pairs = [(a, b) for i, a in enumerate(g) for b in g[i + 1:]]
        attr = np.mean([cosine(data.attributes[a], data.attributes[b]) for a, b in pairs])
        vis = np.mean([cosine(means[a], means[b]) for a, b in pairs])
        assert attr > 0.98, f"crowd {g}: attribute cosine {attr:.4f}"
        assert vis < 0.95 and attr - vis > 0.05, f"crowd {g}: visual cosine {vis:.4f}"
    plain = [c for c in range(data.n_classes) if not data.class_names[c].startswith("crowd")]
    plain_attr = np.mean([cosine(data.attributes[a], data.attributes[b]) for a in plain for b in plain if a < b])
    assert plain_attr < 0.8, "ordinary classes are not crowded"


def _half_split(data, rng):
    fit, held = {}, {}
    for c in range(data.n_classes):
        idx = rng.permutation(np.flatnonzero(data.labels == c))
        fit[c], held[c] = idx[: len(idx) // 2], idx[len(idx) // 2:]
    return fit, held


def _attribute_map(data):
    """Least-squares map from features to attributes, fitted on seen-class training samples."""
    x, y = data.features[data.trainval], data.labels[data.trainval]
    x1 = np.c_[x, np.ones(len(x))]
    w = np.linalg.solve(x1.T @ x1 + 1e-6 * np.eye(x1.shape[1]), x1.T @ data.attributes[y])
    return lambda idx: np.c_[data.features[idx], np.ones(len(idx))] @ w


def _accuracies(data, classes, held, fit, predict_attr):
    idx = np.concatenate([held[c] for c in classes])
    y = data.labels[idx]
    means = np.stack([data.features[fit[c]].mean(0) for c in classes])
    dist = ((data.features[idx, None, :] - means[None]) ** 2).sum(-1)
    ncm = np.mean(classes[dist.argmin(1)] == y)
    pred = predict_attr(idx)
    pred /= np.linalg.norm(pred, axis=1, keepdims=True)
    via_attr = np.mean(classes[(pred @ data.attributes[classes].T).argmax(1)] == y)
    return ncm, via_attr


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_visual_means_separate_crowds_but_attributes_confuse_them(seed):
    data = generate(Options(seed=seed))
    fit, held = _half_split(data, np.random.default_rng(0))
    predict_attr = _attribute_map(data)
    ncm, via_attr = zip(*(_accuracies(data, g, held, fit, predict_attr) for g in crowded_groups(data)))
    assert min(ncm) > 0.95, ncm
    assert np.mean(via_attr) < 0.7, via_attr  # chance is 1/3
    plain_unseen = np.array([c for c in data.unseen_classes if not data.class_names[c].startswith("crowd")])
    _, plain_attr = _accuracies(data, plain_unseen, held, fit, predict_attr)
    assert plain_attr > 0.6 > 2 / len(plain_unseen), "attributes are informative outside the crowds"


@pytest.mark.parametrize("change, key", [
    (dict(n_val=0), "n_val"),
    (dict(n_val=30), "n_val"),
    (dict(test_seen_fraction=1.0), "test_seen_fraction"),
    (dict(n_crowded_groups=20), "n_crowded_groups"),
    (dict(crowd_size=1), "crowd_size"),
])
def test_bad_options(change, key):
    with pytest.raises(ConfigError, match=f"synthetic.{key}="):
        generate(Options(**change))
