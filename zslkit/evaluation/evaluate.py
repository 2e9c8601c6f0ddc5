"""Evaluate a generator's synthesized features with the field's protocol.

`evaluate_generative` trains the configured final classifier twice — over
the unseen classes (ZSL T1) and over all classes (GZSL U, S, H) — and adds
calibrated stacking and AUSUC on the GZSL scores. Metrics come from
`zslkit.evaluation.metrics` / `.calibration`; see docs/protocol.md.

Classes are renumbered locally: seen classes first (in the order given),
then unseen ones; the ZSL classifier uses the unseen order alone.
"""

from __future__ import annotations

import numpy as np

from zslkit.errors import ConfigError
from zslkit.evaluation.calibration import ausuc, choose_gamma
from zslkit.evaluation.metrics import gzsl_from_scores, zsl_from_scores

DEFAULT_SYN_PER_CLASS = {"softmax": 300, "knn": 60}
"""Synthesized features per class when `classifier.syn_per_class` is 0
(as `ClassifierConfig`'s help says: softmax 300, GAZSL's k-NN 60)."""


def resolve_syn_per_class(config) -> int:
    """How many features per class to synthesize for this classifier config."""
    _check_config(config)
    return int(config.syn_per_class) or DEFAULT_SYN_PER_CLASS[config.kind]


def _check_config(config) -> None:
    if config.kind not in DEFAULT_SYN_PER_CLASS:
        raise ConfigError(f"classifier.kind = {config.kind!r}: expected 'softmax' or 'knn'")
    if config.seen_source not in ("real", "synthetic"):
        raise ConfigError(f"classifier.seen_source = {config.seen_source!r}: expected 'real' or 'synthetic'")


def _local(labels, classes):
    """Global class ids -> positions in `classes`; raises on a foreign id."""
    import torch

    top = max(int(labels.max()) if labels.numel() else 0, int(classes.max()) if classes.numel() else 0)
    table = torch.full((top + 1,), -1, dtype=torch.long, device=labels.device)
    table[classes.to(labels.device)] = torch.arange(classes.numel(), device=labels.device)
    local = table[labels]
    if (local < 0).any():
        raise ValueError(f"labels {sorted(set(labels[local < 0].tolist()))[:5]} are not among the classes given")
    return local


def _in(labels, classes):
    import torch

    return torch.isin(labels, classes.to(labels.device))


def _fit_and_score(config, x, y_local, n_classes, test_x, batch_size, keep=None):
    """Train the configured classifier on (x, y_local); return test scores (numpy).

    With `keep` (a dict), the trained classifier's state is stored in it under "predictor".
    """
    from zslkit.evaluation.predictor import fit_predictor, predictor_scores

    state = fit_predictor(config, x, y_local, n_classes, batch_size)
    if keep is not None:
        keep["predictor"] = state
    return predictor_scores(state, test_x).detach().double().cpu().numpy()


def _zsl_t1(config, syn_x, syn_y, test_x, test_y, unseen, batch_size):
    if test_y.numel() == 0:
        return None
    keep = _in(syn_y, unseen)
    scores = _fit_and_score(config, syn_x[keep], _local(syn_y[keep], unseen), unseen.numel(), test_x, batch_size)
    return zsl_from_scores(scores, _local(test_y, unseen).cpu().numpy())


def _gzsl_train_set(config, train_x, train_y, syn_x, syn_y, seen, unseen):
    """Seen features (real or synthetic) + synthetic unseen features."""
    import torch

    src_x, src_y = (train_x, train_y) if config.seen_source == "real" else (syn_x, syn_y)
    keep_s, keep_u = _in(src_y, seen), _in(syn_y, unseen)
    if seen.numel() and not keep_s.any():
        raise ValueError(f"no {config.seen_source} features of the seen classes to train the GZSL classifier on")
    return torch.cat([src_x[keep_s], syn_x[keep_u]]), torch.cat([src_y[keep_s], syn_y[keep_u]])


def _gzsl_metrics(scores, y, seen_mask, gamma, steps) -> dict:
    """U, S, H, then calibrated stacking and AUSUC when both domains are tested."""
    out = gzsl_from_scores(scores, y, seen_mask)
    out.update(cs_gamma=None, cs_U=None, cs_S=None, cs_H=None, AUSUC=None)
    if out["U"] is None or out["S"] is None:
        return out
    g = choose_gamma(scores, y, seen_mask, steps=steps) if gamma is None else float(gamma)
    cs = gzsl_from_scores(scores, y, seen_mask, g)
    out.update(cs_gamma=g, cs_U=cs["U"], cs_S=cs["S"], cs_H=cs["H"], AUSUC=ausuc(scores, y, seen_mask))
    return out


def _syn_per_class(syn_y, unseen) -> int:
    """Synthesized features per unseen class (their mean count, rounded)."""
    counts = (syn_y.unsqueeze(1) == unseen.to(syn_y.device).unsqueeze(0)).sum(0)
    return int(round(float(counts.double().mean()))) if counts.numel() else 0


def evaluate_generative(
    *, train_x, train_y, syn_x, syn_y, test_seen_x, test_seen_y, test_unseen_x, test_unseen_y,
    seen_classes, unseen_classes, config, gamma=None, keep=None,
) -> dict:
    """ZSL T1 and GZSL U/S/H, calibrated stacking and AUSUC of synthesized features.

    All inputs are torch tensors on one device; labels are GLOBAL class ids
    (rows of the attribute matrix) and `seen_classes` / `unseen_classes` are
    long tensors of global ids. `syn_x, syn_y` cover the unseen classes, and
    the seen ones too when `config.seen_source == "synthetic"`. `config` is a
    `zslkit.settings.ClassifierConfig`. Classifier randomness comes from the
    torch global RNG: seed it before calling for a reproducible result.

    T1: classifier over the unseen classes, trained on their synthetic
    features, per-class mean top-1 on the unseen test set. U, S, H: one
    classifier over seen + unseen classes (seen from real `train_x` or
    synthetic features); U on the unseen test set, S on the seen test set.
    cs_*: the same after calibrated stacking with `gamma`, or, when gamma is
    None, with the gamma of best H chosen on THIS data (call it so only on
    validation data, or in the explicitly test-selected mode); the gamma used
    is returned as cs_gamma. AUSUC is a fraction in [0, 1]; accuracies are
    percent. Metrics that the data cannot define (e.g. S, H, cs_*, AUSUC when
    the seen test set is empty) are None.
    """
    import torch

    _check_config(config)
    n_syn = _syn_per_class(syn_y, unseen_classes)
    batch = int(config.batch_size) or n_syn or resolve_syn_per_class(config)
    result = {"T1": _zsl_t1(config, syn_x, syn_y, test_unseen_x, test_unseen_y, unseen_classes, batch)}
    classes = torch.cat([seen_classes, unseen_classes])
    test_x, test_y = torch.cat([test_seen_x, test_unseen_x]), torch.cat([test_seen_y, test_unseen_y])
    if test_y.numel():
        x, y = _gzsl_train_set(config, train_x, train_y, syn_x, syn_y, seen_classes, unseen_classes)
        scores = _fit_and_score(config, x, _local(y, classes), classes.numel(), test_x, batch, keep)
        seen_mask = np.arange(classes.numel()) < seen_classes.numel()
        y_local = _local(test_y, classes).cpu().numpy()
        result.update(_gzsl_metrics(scores, y_local, seen_mask, gamma, config.gamma_steps))
    else:
        result.update(dict.fromkeys(["U", "S", "H", "cs_gamma", "cs_U", "cs_S", "cs_H", "AUSUC"]))
    result.update(classifier=config.kind, n_syn_per_class=n_syn)
    return result
