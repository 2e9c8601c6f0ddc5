"""The embedded default benchmark: a seeded, in-memory "mini-AWA" with semantic crowding.

No files are read; `zslkit run --dataset synthetic` works on a fresh install and
the same options give the same arrays in every process (NumPy's
`default_rng`, one independent stream per stage).

What it is for
--------------
SR-GAN's premise (the paper's Fig. 1): some classes sit almost on top of each
other in attribute space (wolf, dog, cat) although they look different, and a
semantic rectifier R, trained on the seen classes to make the attribute
similarity structure match the visual one, can pull them apart. This set was
*designed* so that such a rectification exists, is the same for every class,
and can therefore be learnt from the seen classes and transfer to unseen
ones: the visual differences that the raw attribute cosine similarity
underweights are predictable from a few faint attributes.

(The first version of this generator hid the crowd-separating signal in a
random 8-d attribute subspace under about 12 times more class-level attribute
noise, and half of every class's visual prototype came from a code that
reached the attributes only through that buried leak. R could then only
memorise the seen classes: its rectification score rose on seen classes and
fell on unseen ones.)

How the data are made
---------------------
Each class c has a *coarse* code s_c (`latent_dim`: body size, habitat, diet,
...) and a *fine* code p_c (`fine_dim`: coat pattern, face shape, ...).

Each class also has a *hidden* code h_c (`hidden_dim`) that no attribute
describes: what real attributes miss about appearance, and what bounds how
well any attribute-to-feature map can do on unseen classes.

* Visual prototype: mu_c = prototype_scale * (V_s s_c + sqrt(fine_weight) V_p p_c
  + sqrt(hidden_weight) V_h h_c) / sqrt(1 + fine_weight + hidden_weight), about
  unit variance per dimension; by default the fine code shapes appearance
  twice as much as the coarse one.
* Features: softplus(mu_c + within_class_noise * eps), eps ~ N(0, I), so they
  are non-negative and dense like pooled ResNet (ReLU) features.
* Attributes: a seeded `fine_fraction` of the columns are *fine* attributes,
  the rest *coarse*. Coarse columns: sigmoid(2 (A_s s_c + attribute_noise e_c)
  - attribute_bias). Fine columns: fine_scale * sigmoid(2 (A_f p_c +
  fine_noise f_c) - attribute_bias). Each class row is then L2-normalised (as
  the xlsa17 `att`). e_c and f_c are class-level noise, so attributes are only
  partially informative. The fine attributes are faint (fine_scale < 1) and
  few, so the raw cosine similarity of attribute rows barely sees the fine
  code although it drives most of the visual similarity: a rectifier has to
  re-weight them, and one re-weighting suits every class.

Semantic crowding: the classes of a *crowded group* share s_c and e_c, so
their coarse attributes are identical and their rows differ only in the faint
fine columns (attribute cosine 0.96 to 0.99, above any two ordinary
classes), while their visual prototypes differ through p_c. Every group mixes
seen and unseen classes (groups alternate one and two unseen members), so a
rectifier sees seen members whose only attribute differences are fine ones,
and the unseen members are hard to tell apart from their seen neighbours, and
from each other, by raw attributes.

Learnability also needs few directions of class variation: R is an MLP fitted
on 25 to 30 seen classes, and with many idiosyncratic directions (a wide
coarse code, strong attribute noise) it memorises them instead of learning a
re-weighting. The defaults (a 6-d coarse and a 4-d fine code, moderate noise)
were chosen for that by comparing validation-protocol scores (seen classes
playing unseen, as in `benchmarks/srn_weight_sweep.py`).

Class names show the structure: "crowd2_b" is member b of crowded group 2,
"class17" is an ordinary class. Class ids are a seeded permutation, so seen
and unseen classes are interleaved as in real benchmarks. The notes list the
crowded groups and the fine attribute columns (`fine_attribute_columns`).

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
    latent_dim: int = opt(6, "dimension of the coarse class code (what the coarse attributes describe)")
    fine_dim: int = opt(4, "dimension of the fine class code (what the few, faint fine attributes describe)")
    fine_weight: float = opt(2.0, "share of visual prototype variance from the fine code, relative to the coarse code")
    fine_fraction: float = opt(0.2, "fraction of the attribute columns that are fine attributes")
    fine_scale: float = opt(0.4, "amplitude of the fine attributes relative to the coarse ones (small: cosine similarity underweights them)")
    fine_noise: float = opt(0.1, "class-level noise on the fine attribute pre-activations")
    samples_per_class: int = opt(150, "mean number of samples per class")
    samples_spread: float = opt(0.3, "per-class sample counts are uniform in samples_per_class * (1 +- spread)")
    test_seen_fraction: float = opt(0.2, "seeded fraction of each seen class's samples held out as test_seen")
    n_crowded_groups: int = opt(4, "number of crowded groups (classes whose attributes differ only in the fine columns)")
    crowd_size: int = opt(4, "classes per crowded group; groups alternate one and two unseen members")
    attribute_noise: float = opt(0.3, "class-level noise on the coarse attribute pre-activations (shared inside a crowded group)")
    attribute_bias: float = opt(1.0, "shift before the sigmoid; larger makes attributes sparser")
    prototype_scale: float = opt(1.5, "scale of the visual class prototypes")
    within_class_noise: float = opt(1.0, "standard deviation of the per-sample visual noise around the prototype")
    hidden_dim: int = opt(4, "dimension of a per-class visual code that no attribute describes (what attributes miss)")
    hidden_weight: float = opt(1.0, "share of visual prototype variance from that hidden code, relative to the coarse code (0: attributes explain all of it)")


def _check(o: Options) -> None:
    """Reject impossible option combinations with one line naming the option."""
    def bad(key, expected):
        raise ConfigError(f"synthetic.{key}={getattr(o, key)!r}: expected {expected}")

    for key in ("n_seen", "n_unseen", "feature_dim", "latent_dim", "fine_dim", "samples_per_class"):
        if getattr(o, key) < 1:
            bad(key, "a positive integer")
    if o.n_attributes < 2:
        bad("n_attributes", "an integer >= 2 (coarse and fine attributes)")
    if not 1 <= o.n_val < o.n_seen:
        bad("n_val", f"1 <= n_val < n_seen={o.n_seen}")
    for key in ("test_seen_fraction", "fine_fraction"):
        if not 0.0 < getattr(o, key) < 1.0:
            bad(key, "a fraction in (0, 1)")
    if not 0.0 <= o.samples_spread < 1.0:
        bad("samples_spread", "a value in [0, 1)")
    if o.n_crowded_groups < 0:
        bad("n_crowded_groups", "a non-negative integer")
    if o.n_crowded_groups and not 2 <= o.crowd_size <= 26:
        bad("crowd_size", "2..26 (a group needs a seen and an unseen member)")
    roles = _crowd_roles(o)
    n_unseen_crowded = sum(r.count(False) for r in roles)
    if n_unseen_crowded > o.n_unseen or sum(len(r) for r in roles) - n_unseen_crowded > o.n_seen:
        bad("n_crowded_groups", f"at most as many crowded members as classes (n_seen={o.n_seen}, n_unseen={o.n_unseen})")


def _crowd_roles(o: Options) -> list[list[bool]]:
    """Per crowded group, per member: True if seen. Groups alternate 1 and 2 unseen (at most size - 1)."""
    roles = []
    for g in range(o.n_crowded_groups):
        n_unseen = min(1 + g % 2, o.crowd_size - 1)
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


def _fine_columns(o: Options, rng) -> np.ndarray:
    """Sorted ids of the fine attribute columns: a seeded choice, interleaved with the coarse ones."""
    n_fine = min(max(1, int(round(o.fine_fraction * o.n_attributes))), o.n_attributes - 1)
    return np.sort(rng.permutation(o.n_attributes)[:n_fine])


def fine_attribute_columns(options: Options | None = None) -> np.ndarray:
    """The fine attribute columns of `generate(options)` (without generating the data)."""
    o = options if options is not None else Options()
    _check(o)
    return _fine_columns(o, _streams(o)[5])


def _latent_codes(o: Options, crowd: np.ndarray, n_fine: int, rng) -> dict:
    """Coarse code s and its attribute noise e (both shared inside a crowd), fine code p and its noise f."""
    n = len(crowd)
    codes = {"s": rng.standard_normal((n, o.latent_dim)), "e": rng.standard_normal((n, o.n_attributes - n_fine)),
             "p": rng.standard_normal((n, o.fine_dim)), "f": rng.standard_normal((n, n_fine))}
    for g in range(o.n_crowded_groups):
        members = np.flatnonzero(crowd == g)
        codes["s"][members] = codes["s"][members[0]]
        codes["e"][members] = codes["e"][members[0]]
    return codes


def _attributes(o: Options, codes: dict, fine: np.ndarray, rng) -> np.ndarray:
    """Coarse and faint fine columns, each a sigmoid of a noisy linear map of its code; rows L2-normalised."""
    coarse = np.setdiff1d(np.arange(o.n_attributes), fine)
    a_s = rng.standard_normal((o.latent_dim, len(coarse))) / np.sqrt(o.latent_dim)
    a_f = rng.standard_normal((o.fine_dim, len(fine))) / np.sqrt(o.fine_dim)

    def squash(pre):
        return 1.0 / (1.0 + np.exp(-(2.0 * pre - o.attribute_bias)))

    att = np.empty((len(codes["s"]), o.n_attributes))
    att[:, coarse] = squash(codes["s"] @ a_s + o.attribute_noise * codes["e"])
    att[:, fine] = o.fine_scale * squash(codes["p"] @ a_f + o.fine_noise * codes["f"])
    return att / np.maximum(np.linalg.norm(att, axis=1, keepdims=True), 1e-12)


def _prototypes(o: Options, s, p, hidden_rng, rng) -> np.ndarray:
    """Visual class means: a random linear map of the codes, about unit variance per dimension."""
    v_s = rng.standard_normal((o.latent_dim, o.feature_dim)) / np.sqrt(o.latent_dim)
    v_p = rng.standard_normal((o.fine_dim, o.feature_dim)) / np.sqrt(o.fine_dim)
    mu = s @ v_s + np.sqrt(o.fine_weight) * (p @ v_p)
    if o.hidden_weight > 0:  # own stream: the other stages' draws do not move with it
        h = hidden_rng.standard_normal((len(s), o.hidden_dim))
        v_h = hidden_rng.standard_normal((o.hidden_dim, o.feature_dim)) / np.sqrt(o.hidden_dim)
        mu = mu + np.sqrt(o.hidden_weight) * (h @ v_h)
    return o.prototype_scale * mu / np.sqrt(1.0 + o.fine_weight + o.hidden_weight)


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


def _notes(o: Options, names: list[str], seen: np.ndarray, crowd: np.ndarray, fine: np.ndarray) -> list[str]:
    notes = [f"generated in memory by zslkit.datasets.synthetic (seed={o.seed}); same options, same data"]
    for g in range(o.n_crowded_groups):
        members = [f"{names[c]} ({'seen' if seen[c] else 'unseen'})" for c in np.flatnonzero(crowd == g)]
        notes.append(f"semantic crowding: group {g} has near-identical attributes but distinct visual features: {', '.join(members)}")
    notes.append(f"fine attributes (faint, visually important): columns {', '.join(map(str, fine))}")
    notes.append(f"validation classes: seeded choice of {o.n_val} seen classes")
    return notes


def _streams(o: Options) -> list:
    """One independent generator per stage, so changing one stage leaves the others' draws alone."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(o.seed).spawn(7)]


def generate(options: Options | None = None) -> ZSLData:
    """Build the synthetic benchmark for `options` (defaults: 40 classes, 85 attributes, 256-d features)."""
    o = options if options is not None else Options()
    _check(o)
    streams = _streams(o)
    names, seen, crowd = _class_table(o, streams[0])
    fine = _fine_columns(o, streams[5])
    codes = _latent_codes(o, crowd, len(fine), streams[1])
    attributes = _attributes(o, codes, fine, streams[2]).astype(np.float32)
    features, labels = _samples(o, _prototypes(o, codes["s"], codes["p"], streams[6], streams[3]), streams[3])
    trainval, test_seen, test_unseen, val = _splits(o, labels, seen, streams[4])
    return ZSLData(
        name="synthetic", features=features, labels=labels, attributes=attributes,
        class_names=names, trainval=trainval, test_seen=test_seen, test_unseen=test_unseen,
        val_classes=val.astype(np.int64), notes=_notes(o, names, seen, crowd, fine),
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

__all__ = ["Options", "generate", "crowded_groups", "fine_attribute_columns", "load_synthetic"]
