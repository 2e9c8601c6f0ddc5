"""The embedded default benchmark: a seeded, in-memory "mini-AWA" with semantic crowding.

No files are read; `zslkit run --dataset synthetic` works on a fresh install and
the same options give the same arrays in every process (NumPy's
`default_rng`, one independent stream per stage).

How the data are made
---------------------
Each class c has a latent code in two parts: a *semantic* part s_c
(`latent_dim`) that the attributes describe, and a *visual-only* part p_c
(`private_dim`) that they barely see.

* Visual prototype: mu_c = prototype_scale * (V_s s_c + sqrt(private_weight) V_p p_c),
  scaled to about unit variance per dimension.
* Features: softplus(mu_c + within_class_noise * eps), eps ~ N(0, I), so they
  are non-negative and dense like pooled ResNet (ReLU) features.
* Attributes: sigmoid(A_s s_c + crowd_noise * A_p p_c + attribute_noise * e_c
  - attribute_bias), clipped to [0, 1], each class row L2-normalised (as the
  xlsa17 `att`). The noise e_c makes them only partially informative.

Semantic crowding (the paper's Fig. 1): the classes of a *crowded group* share
s_c and e_c, so their attribute rows differ only by the small, systematic
leak crowd_noise * A_p p_c (cosine similarity above 0.99), while their visual
prototypes differ through p_c as much as any two classes do. Every group
mixes seen and unseen classes (group g has 1 + g mod (crowd_size - 1) unseen
members), so the unseen classes are hard to tell apart from their seen
neighbours, and from each other, by attributes alone; a semantic rectifier can
learn from the seen members to magnify the small attribute differences.

Class names show the structure: "crowd2_b" is member b of crowded group 2,
"class17" is an ordinary class. Class ids are a seeded permutation, so seen
and unseen classes are interleaved as in real benchmarks.

Splits: a seeded `test_seen_fraction` of each seen class's samples is
test_seen, the rest trainval; test_unseen is every unseen sample;
`n_val` seen classes (seeded choice) are the validation classes.

Options (`--set synthetic.KEY=VALUE`): see `Options` below; every field has
a help string.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from zslkit.datasets.base import DatasetLoader, ZSLData
from zslkit.errors import ConfigError
from zslkit.settings import opt


@dataclass
class Options:
    seed: int = opt(0, "seed of the generator; the same options give the same data in every process")
    n_seen: int = opt(30, "number of seen classes (the validation classes are among them)")
    n_unseen: int = opt(10, "number of unseen (test) classes")
    n_val: int = opt(5, "seen classes that play the unseen role in validation")
    n_attributes: int = opt(85, "attribute dimension A")
    feature_dim: int = opt(256, "visual feature dimension D")
    latent_dim: int = opt(16, "dimension of the semantic latent code (what attributes describe)")
    private_dim: int = opt(8, "dimension of the visual-only latent code (what attributes barely see)")
    private_weight: float = opt(1.0, "share of visual prototype variance from the visual-only code, relative to the semantic code")
    samples_per_class: int = opt(150, "mean number of samples per class")
    samples_spread: float = opt(0.3, "per-class sample counts are uniform in samples_per_class * (1 +- spread)")
    test_seen_fraction: float = opt(0.2, "seeded fraction of each seen class's samples held out as test_seen")
    n_crowded_groups: int = opt(4, "number of crowded groups (classes with near-identical attributes)")
    crowd_size: int = opt(3, "classes per crowded group; each group mixes seen and unseen classes")
    crowd_noise: float = opt(0.02, "weight of the visual-only code in the attributes: the only thing telling crowded classes apart")
    attribute_noise: float = opt(0.8, "class-level noise on the attribute pre-activations (how partially informative they are)")
    attribute_bias: float = opt(1.0, "shift before the sigmoid; larger makes attributes sparser")
    prototype_scale: float = opt(1.5, "scale of the visual class prototypes")
    within_class_noise: float = opt(1.0, "standard deviation of the per-sample visual noise around the prototype")


def _check(o: Options) -> None:
    """Reject impossible option combinations with one line naming the option."""
    def bad(key, expected):
        raise ConfigError(f"synthetic.{key}={getattr(o, key)!r}: expected {expected}")

    for key in ("n_seen", "n_unseen", "n_attributes", "feature_dim", "latent_dim", "samples_per_class"):
        if getattr(o, key) < 1:
            bad(key, "a positive integer")
    if not 1 <= o.n_val < o.n_seen:
        bad("n_val", f"1 <= n_val < n_seen={o.n_seen}")
    if not 0.0 < o.test_seen_fraction < 1.0:
        bad("test_seen_fraction", "a fraction in (0, 1)")
    if not 0.0 <= o.samples_spread < 1.0:
        bad("samples_spread", "a value in [0, 1)")
    if o.private_dim < 0 or o.n_crowded_groups < 0:
        bad("private_dim" if o.private_dim < 0 else "n_crowded_groups", "a non-negative integer")
    if o.n_crowded_groups and not 2 <= o.crowd_size <= 26:
        bad("crowd_size", "2..26 (a group needs a seen and an unseen member)")
    roles = _crowd_roles(o)
    n_unseen_crowded = sum(r.count(False) for r in roles)
    if n_unseen_crowded > o.n_unseen or sum(len(r) for r in roles) - n_unseen_crowded > o.n_seen:
        bad("n_crowded_groups", f"at most as many crowded members as classes (n_seen={o.n_seen}, n_unseen={o.n_unseen})")


def _crowd_roles(o: Options) -> list[list[bool]]:
    """Per crowded group, per member: True if seen. Group g has 1 + g % (size-1) unseen."""
    roles = []
    for g in range(o.n_crowded_groups):
        n_unseen = 1 + g % max(o.crowd_size - 1, 1)
        roles.append([True] * (o.crowd_size - n_unseen) + [False] * n_unseen)
    return roles


def _class_table(o: Options, rng) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, seen flags and crowd ids (-1: none) of all classes, in a seeded class order."""
    names, seen, crowd = [], [], []
    for g, members in enumerate(_crowd_roles(o)):
        for k, is_seen in enumerate(members):
            names.append(f"crowd{g}_{string.ascii_lowercase[k]}")
            seen.append(is_seen)
            crowd.append(g)
    n_plain_seen = o.n_seen - sum(seen)
    n_plain_unseen = o.n_unseen - (len(seen) - sum(seen))
    for is_seen in [True] * n_plain_seen + [False] * n_plain_unseen:
        names.append("")
        seen.append(is_seen)
        crowd.append(-1)
    order = rng.permutation(len(names))
    names = [names[i] for i in order]
    names = [n or f"class{c:02d}" for c, n in enumerate(names)]
    return names, np.asarray(seen)[order], np.asarray(crowd)[order]


def _latent_codes(o: Options, crowd: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Semantic codes s, attribute noise e (both shared inside a crowd) and visual-only codes p."""
    n = len(crowd)
    s = rng.standard_normal((n, o.latent_dim))
    e = rng.standard_normal((n, o.n_attributes))
    p = rng.standard_normal((n, o.private_dim))
    for g in range(o.n_crowded_groups):
        members = np.flatnonzero(crowd == g)
        s[members] = s[members[0]]
        e[members] = e[members[0]]
    return s, e, p


def _attributes(o: Options, s, e, p, rng) -> np.ndarray:
    """Sigmoid-squashed noisy map of the codes, rows L2-normalised like xlsa17 `att`."""
    a_s = rng.standard_normal((o.latent_dim, o.n_attributes)) / np.sqrt(o.latent_dim)
    a_p = rng.standard_normal((o.private_dim, o.n_attributes)) / np.sqrt(max(o.private_dim, 1))
    pre = s @ a_s + o.crowd_noise * (p @ a_p) + o.attribute_noise * e
    att = np.clip(1.0 / (1.0 + np.exp(-(2.0 * pre - o.attribute_bias))), 0.0, 1.0)
    return att / np.maximum(np.linalg.norm(att, axis=1, keepdims=True), 1e-12)


def _prototypes(o: Options, s, p, rng) -> np.ndarray:
    """Visual class means: a random linear map of both codes, about unit variance per dimension."""
    v_s = rng.standard_normal((o.latent_dim, o.feature_dim)) / np.sqrt(o.latent_dim)
    v_p = rng.standard_normal((o.private_dim, o.feature_dim)) / np.sqrt(max(o.private_dim, 1))
    mu = s @ v_s + np.sqrt(o.private_weight) * (p @ v_p)
    return o.prototype_scale * mu / np.sqrt(1.0 + o.private_weight)


def _samples(o: Options, protos: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative features (softplus of prototype + noise) and their labels."""
    lo = max(1, int(round(o.samples_per_class * (1 - o.samples_spread))))
    hi = max(lo, int(round(o.samples_per_class * (1 + o.samples_spread))))
    counts = rng.integers(lo, hi + 1, size=len(protos))
    labels = np.repeat(np.arange(len(protos), dtype=np.int64), counts)
    x = rng.standard_normal((len(labels), o.feature_dim), dtype=np.float32)
    x *= np.float32(o.within_class_noise)
    x += protos.astype(np.float32)[labels]
    return np.logaddexp(np.float32(0.0), x), labels


def _splits(o: Options, labels, seen, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """trainval/test_seen (seeded, per seen class), test_unseen and validation classes."""
    trainval, test_seen = [], []
    for c in np.flatnonzero(seen):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = max(1, int(round(o.test_seen_fraction * len(idx))))
        test_seen.append(idx[:n_test])
        trainval.append(idx[n_test:])
    test_unseen = np.flatnonzero(~seen[labels])
    val = np.sort(rng.choice(np.flatnonzero(seen), size=o.n_val, replace=False))
    return np.sort(np.concatenate(trainval)), np.sort(np.concatenate(test_seen)), test_unseen, val


def _notes(o: Options, names: list[str], seen: np.ndarray, crowd: np.ndarray) -> list[str]:
    notes = [f"generated in memory by zslkit.datasets.synthetic (seed={o.seed}); same options, same data"]
    for g in range(o.n_crowded_groups):
        members = [f"{names[c]} ({'seen' if seen[c] else 'unseen'})" for c in np.flatnonzero(crowd == g)]
        notes.append(f"semantic crowding: group {g} has near-identical attributes but distinct visual features: {', '.join(members)}")
    notes.append(f"validation classes: seeded choice of {o.n_val} seen classes")
    return notes


def generate(options: Options | None = None) -> ZSLData:
    """Build the synthetic benchmark for `options` (defaults: 40 classes, 85 attributes, 256-d features)."""
    o = options if options is not None else Options()
    _check(o)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(o.seed).spawn(5)]
    names, seen, crowd = _class_table(o, streams[0])
    s, e, p = _latent_codes(o, crowd, streams[1])
    attributes = _attributes(o, s, e, p, streams[2]).astype(np.float32)
    features, labels = _samples(o, _prototypes(o, s, p, streams[3]), streams[3])
    trainval, test_seen, test_unseen, val = _splits(o, labels, seen, streams[4])
    return ZSLData(
        name="synthetic", features=features, labels=labels, attributes=attributes,
        class_names=names, trainval=trainval, test_seen=test_seen, test_unseen=test_unseen,
        val_classes=val.astype(np.int64), notes=_notes(o, names, seen, crowd),
        source=f"generated, seed={o.seed}",
    )


def crowded_groups(data: ZSLData) -> list[np.ndarray]:
    """Class ids of each crowded group, read back from the class names ("crowd<g>_<k>")."""
    groups: dict[int, list[int]] = {}
    for c, name in enumerate(data.class_names):
        if name.startswith("crowd"):
            groups.setdefault(int(name[5:].split("_")[0]), []).append(c)
    return [np.asarray(groups[g]) for g in sorted(groups)]


def _load(root, options: Options) -> ZSLData:
    return generate(options)


load_synthetic = DatasetLoader(
    name="synthetic",
    summary="embedded seeded mini-AWA (40 classes, 85 attributes) with semantic crowding; no files needed",
    load_fn=_load,
    Options=Options,
    needs_root=False,
)

__all__ = ["Options", "generate", "crowded_groups", "load_synthetic"]
