"""The Semantic Rectifying Network R (Sec. 2.2, Eq. 1 and Eq. 2) and the rectification score.

R is an MLP A -> hidden -> A with LeakyReLU and a Sigmoid output. It is
pre-trained on the seen classes with Eq. 2, then frozen, and R(s) is fed to
the generator beside s (conditioning input "srn/rectified").

Eq. 2: L_R = (1/|Cs|^2) sum_i sum_j (cos(p_i, p_j) - cos(R(s_i), R(s_j)))^2
           + E_s ||s - R(s)||_2^2
with p the visual pivots of Eq. 1 (class means of the real seen features).
Each pre-training step uses every seen class (|Cs| rows: a full batch).

The pure functions below (pivots, cosine-similarity matrix, the two losses,
the rectification score) are what the plugin, the tests and `zslkit viz` use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from zslkit.plugin import Plugin, hookimpl
from zslkit.settings import opt
from zslkit.trainer.context import TrainContext

REPORT_EVERY = 50


def row_index(ids: Tensor, size: int, device) -> Tensor:
    """(size,) map from class id to its position in `ids` (-1 for ids not in it)."""
    ids = ids.to(device)
    rows = torch.full((size,), -1, dtype=torch.long, device=device)
    rows[ids] = torch.arange(len(ids), device=device)
    return rows


def class_means(x: Tensor, y: Tensor, classes: Tensor) -> Tensor:
    """Eq. 1: the visual pivot p_c = (1/N_c) sum_i v_i^c of each class in `classes`.

    x: (N, D) features; y: (N,) class ids; classes: (K,) the ids wanted, in
    the order of the returned (K, D) rows. Samples of other classes are
    ignored; a wanted class without samples is an error.
    """
    y = y.to(x.device)
    r = row_index(classes, int(max(classes.max(), y.max())) + 1, x.device)[y]
    keep = r >= 0
    x, r = x[keep].float(), r[keep]
    sums = x.new_zeros(len(classes), x.shape[1]).index_add_(0, r, x)
    counts = x.new_zeros(len(classes)).index_add_(0, r, torch.ones_like(x[:, 0]))
    if bool((counts == 0).any()):
        raise ValueError(f"class_means: no samples of classes {classes.cpu()[counts.cpu() == 0].tolist()}")
    return sums / counts.unsqueeze(1)


def cosine_matrix(v: Tensor) -> Tensor:
    """(K, K) cosine similarities delta(v_i, v_j) of the rows of v."""
    unit = F.normalize(v.float(), dim=1, eps=1e-12)
    return unit @ unit.T


def structure_loss(pivot_similarity: Tensor, rectified: Tensor) -> Tensor:
    """Eq. 2, first term: (1/K^2) sum_ij (delta(p_i, p_j) - delta(R(s_i), R(s_j)))^2.

    `pivot_similarity` is `cosine_matrix(pivots)` (a constant during
    pre-training, so it is computed once); `rectified` is R(s) of the same K
    classes in the same order.
    """
    return ((pivot_similarity - cosine_matrix(rectified)) ** 2).mean()


def semantic_loss(semantics: Tensor, rectified: Tensor) -> Tensor:
    """Eq. 2, second term: the mean over classes of ||s - R(s)||_2^2."""
    return ((semantics.float() - rectified.float()) ** 2).sum(dim=1).mean()


def upper_pearson(a: Tensor, b: Tensor) -> float:
    """Pearson correlation of the strict upper triangles (i < j) of two KxK matrices; NaN if undefined."""
    i, j = torch.triu_indices(a.shape[0], a.shape[0], offset=1, device=a.device)
    u, v = a[i, j].double(), b[i, j].double()
    if u.numel() < 2:
        return math.nan
    u, v = u - u.mean(), v - v.mean()
    return float((u * v).sum() / torch.sqrt((u * u).sum() * (v * v).sum()))


def rectification_score(pivots: Tensor, semantics: Tensor) -> float:
    """Agreement of class structure: Pearson r between the upper triangles of the
    cosine-similarity matrices of the visual pivots and of the semantics (s or R(s))."""
    return upper_pearson(cosine_matrix(pivots), cosine_matrix(semantics))


def build_rectifier(dim: int, hidden: int, slope: float) -> nn.Sequential:
    """R: Linear(A, hidden) -> LeakyReLU -> Linear(hidden, A) -> Sigmoid."""
    return nn.Sequential(nn.Linear(dim, hidden), nn.LeakyReLU(slope), nn.Linear(hidden, dim), nn.Sigmoid())


class SRNPlugin(Plugin):
    """Semantic Rectifying Network R(s): pre-trained on Eq. 2, frozen, conditions G on [s, R(s)]."""

    name = "srn"
    provides = ("rectifier",)

    @dataclass
    class Config:
        hidden: int = opt(1024, "hidden units of R's one hidden layer")
        negative_slope: float = opt(0.2, "LeakyReLU slope of R's hidden layer")
        iterations: int = opt(2000, "pre-training steps of R on Eq. 2 (each step sees every seen class)")
        lr: float = opt(1e-4, "Adam learning rate of R's pre-training (Algorithm 1's 1e-4)")
        beta1: float = opt(0.5, "Adam beta1 of R's pre-training")
        beta2: float = opt(0.9, "Adam beta2 of R's pre-training")
        structure_weight: float = opt(1.0, "weight of the structure loss in Eq. 2 (paper: 1)")
        semantic_weight: float = opt(1.0, "weight of the semantic loss in Eq. 2 (paper: 1)")

    def __init__(self, config=None):
        super().__init__(config)
        self.pivots = None  # (n_seen, D) visual pivots of the seen classes (Eq. 1)
        self.seen = None  # (n_seen,) their global class ids
        self.losses = {}  # Eq. 2 terms after pre-training
        self._unseen = None  # (task, unseen class ids, their test-feature pivots): diagnostic cache

    @hookimpl
    def zslkit_condition_dims(self, ctx: TrainContext) -> dict:
        return {"srn/rectified": ctx.attribute_dim}

    @hookimpl
    def zslkit_build_modules(self, ctx: TrainContext, register) -> None:
        cfg = self.config
        register("rectifier", build_rectifier(ctx.attribute_dim, cfg.hidden, cfg.negative_slope), "frozen")

    @hookimpl
    def zslkit_pretrain(self, ctx: TrainContext) -> None:
        """Algorithm 1, lines 1-5: train R on Eq. 2 with its own Adam, full batch of seen classes."""
        cfg, net = self.config, ctx.modules["rectifier"]
        self.seen = ctx.seen_classes.clone()
        self.pivots = class_means(ctx.train_x, ctx.train_y, self.seen)
        semantics, target = ctx.semantics[self.seen], cosine_matrix(self.pivots)
        optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))
        for step in range(1, cfg.iterations + 1):
            optimizer.zero_grad(set_to_none=True)
            terms = self._terms(net, semantics, target)
            (cfg.structure_weight * terms["structure"] + cfg.semantic_weight * terms["semantic"]).backward()
            optimizer.step()
            if step % REPORT_EVERY == 0 or step == cfg.iterations:
                ctx.report("srn pretrain", step, cfg.iterations, {k: float(v.detach()) for k, v in terms.items()})
        with torch.no_grad():
            self.losses = {k: float(v) for k, v in self._terms(net, semantics, target).items()}

    @staticmethod
    def _terms(net, semantics: Tensor, pivot_similarity: Tensor) -> dict:
        rectified = net(semantics)
        return {"structure": structure_loss(pivot_similarity, rectified), "semantic": semantic_loss(semantics, rectified)}

    @hookimpl
    def zslkit_condition(self, ctx: TrainContext, semantics: Tensor) -> dict:
        with torch.no_grad():
            return {"srn/rectified": ctx.modules["rectifier"](semantics)}

    @hookimpl
    def zslkit_extra_metrics(self, ctx: TrainContext, result: dict) -> dict | None:
        """Rectification scores: how well the class structure of s and R(s) matches the visual pivots.

        "srn/rect_seen_s", "srn/rect_seen_rs": seen classes of the task, pivots
        from the training features. "srn/diag_unseen_s", "srn/diag_unseen_rs":
        a labelled diagnostic for the task's unseen classes, whose pivots come
        from their *test* features (`ctx.task.test_unseen_x`); they are reported
        only and never used for any choice (selection, calibration, tuning).
        A score needing fewer than three classes is left out.
        """
        if self.pivots is None:
            return None
        net, dev = ctx.modules["rectifier"], ctx.device
        with torch.no_grad():
            scores = self._scores("rect_seen", net, self.pivots.to(dev), ctx.semantics[self.seen.to(dev)])
            classes, pivots = self._unseen_pivots(ctx)
            if len(classes):
                scores.update(self._scores("diag_unseen", net, pivots, ctx.semantics[classes]))
        return {k: v for k, v in scores.items() if math.isfinite(v)}

    def _unseen_pivots(self, ctx: TrainContext) -> tuple[Tensor, Tensor]:
        """Class ids and pivots of the task's unseen test features, computed once per task."""
        if self._unseen is None or self._unseen[0] is not ctx.task:
            x = torch.as_tensor(ctx.task.test_unseen_x, dtype=torch.float32, device=ctx.device)
            y = torch.as_tensor(ctx.task.test_unseen_y, dtype=torch.long, device=ctx.device)
            classes = torch.unique(y)
            pivots = class_means(x, y, classes) if len(classes) else x[:0]
            self._unseen = (ctx.task, classes, pivots)
        return self._unseen[1], self._unseen[2]

    @staticmethod
    def _scores(prefix: str, net, pivots: Tensor, semantics: Tensor) -> dict:
        if len(pivots) < 3:
            return {}
        return {f"srn/{prefix}_s": rectification_score(pivots, semantics),
                f"srn/{prefix}_rs": rectification_score(pivots, net(semantics))}

    def state_dict(self) -> dict:
        if self.pivots is None:
            return {}
        return {"pivots": self.pivots, "seen": self.seen, "losses": dict(self.losses)}

    def load_state_dict(self, state: dict) -> None:
        self.pivots, self.seen = state.get("pivots"), state.get("seen")
        self.losses = dict(state.get("losses", {}))
