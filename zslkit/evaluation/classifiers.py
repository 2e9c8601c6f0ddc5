"""The two final classifiers of generative ZSL, trained on synthesized features.

* `train_softmax` — f-CLSWGAN's CLASSIFIER (Xian et al., CVPR 2018): one
  linear layer + log-softmax, NLL loss, Adam(lr=1e-3, betas=(0.5, 0.999)),
  25 epochs, mini-batches of as many samples as synthesized features per
  class, reshuffled every epoch with the torch global RNG. Weights start at
  N(0, 0.02) and biases at 0 (f-CLSWGAN's `weights_init`). Unlike the
  original, no epoch is picked by looking at test accuracy: the model after
  the last epoch is used.
* `knn_scores` — GAZSL's cosine k-NN vote (Zhu et al., CVPR 2018): each test
  feature takes its k most cosine-similar training features; each neighbour
  votes for its class.

Both run on the device of their inputs, score the whole test set in a few
large batches (no Python loop over samples) and are deterministic under
`torch.manual_seed` (k-NN uses no randomness at all).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

KNN_TIE_WEIGHT = 1e-3
"""Weight (in votes) of the nearest-similarity tie-break of `knn_scores`."""


def _linear_logsoftmax(in_dim: int, n_classes: int) -> nn.Module:
    model = nn.Sequential(nn.Linear(in_dim, n_classes), nn.LogSoftmax(dim=1))
    nn.init.normal_(model[0].weight, 0.0, 0.02)
    nn.init.zeros_(model[0].bias)
    return model


def train_softmax(
    x: Tensor,
    y_local: Tensor,
    n_classes: int,
    *,
    epochs: int = 25,
    lr: float = 1e-3,
    beta1: float = 0.5,
    batch_size: int,
    device=None,
) -> nn.Module:
    """Train f-CLSWGAN's softmax classifier; returns the model (eval mode).

    x: (n, d) features; y_local: (n,) class ids in [0, n_classes). The model
    maps (m, d) features to (m, n_classes) log-probabilities. Each epoch
    visits every sample once, in a fresh `torch.randperm` order; the last
    batch of an epoch may be smaller.
    """
    device = torch.device(device) if device is not None else x.device
    x, y_local = x.to(device, torch.float32), y_local.to(device, torch.long)
    if x.shape[0] == 0 or batch_size < 1:
        raise ValueError(f"softmax classifier needs samples and batch_size >= 1 (got {x.shape[0]}, {batch_size})")
    model = _linear_logsoftmax(x.shape[1], n_classes).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, 0.999))
    loss_fn = nn.NLLLoss()
    n = x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n).to(device)
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y_local[idx]).backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def predict_scores(model: nn.Module, x: Tensor, chunk: int = 8192) -> Tensor:
    """Scores of a trained classifier on x, in chunks of `chunk` rows."""
    param = next(model.parameters())
    parts = [model(x[i : i + chunk].to(param.device, param.dtype)) for i in range(0, x.shape[0], chunk)]
    return torch.cat(parts) if parts else x.new_zeros((0, model[0].out_features))


@torch.no_grad()
def knn_scores(
    train_x: Tensor,
    train_y_local: Tensor,
    test_x: Tensor,
    *,
    k: int = 20,
    n_classes: int,
    chunk: int = 1024,
) -> Tensor:
    """Cosine k-NN vote scores, (n_test, n_classes), on the inputs' device.

    score[i, c] = (votes of class c among the k nearest training features of
    test sample i + KNN_TIE_WEIGHT * (1 + s[i, c]) / 2) / k, where s[i, c] is
    the highest cosine similarity between sample i and any training feature
    of class c (-1 for a class without training features). The argmax is
    GAZSL's majority vote; ties between equally voted classes go to the class
    holding the nearest neighbour (GAZSL's `mode` took the lowest label
    instead), and classes without votes are still ranked by similarity, which
    gives calibrated stacking a meaningful order. Scores lie in [0, 1.001].
    """
    device = train_x.device
    k = min(int(k), train_x.shape[0])
    if k < 1:
        raise ValueError("k-NN classifier needs at least one training feature")
    y = train_y_local.to(device, torch.long)
    train_n = nn.functional.normalize(train_x.float(), dim=1)
    parts = []
    for start in range(0, test_x.shape[0], chunk):
        q = nn.functional.normalize(test_x[start : start + chunk].to(device).float(), dim=1)
        sim = q @ train_n.T
        top = sim.topk(k, dim=1).indices
        votes = torch.zeros(q.shape[0], n_classes, device=device)
        votes.scatter_add_(1, y[top], torch.ones_like(top, dtype=votes.dtype))
        nearest = torch.full((q.shape[0], n_classes), -1.0, device=device)
        nearest.scatter_reduce_(1, y.expand_as(sim), sim, reduce="amax", include_self=True)
        parts.append((votes + KNN_TIE_WEIGHT * (1.0 + nearest.clamp(-1, 1)) / 2.0) / k)
    return torch.cat(parts) if parts else torch.zeros(0, n_classes, device=device)
