"""A trained final classifier as plain tensors, so a run folder can classify new features.

The state is a dict of tensors and numbers (it loads with
`torch.load(weights_only=True)`): the softmax layer's weight and bias, or the
k-NN reference features with their labels.
"""

from __future__ import annotations


def fit_predictor(config, x, y_local, n_classes: int, batch_size: int) -> dict:
    """Train the configured final classifier on (x, y_local)."""
    from zslkit.evaluation import classifiers

    if config.kind == "knn":
        return {"kind": "knn", "x": x.detach().float(), "y": y_local.detach().long(), "k": int(config.k),
                "n_classes": int(n_classes)}
    model = classifiers.train_softmax(x, y_local, n_classes, epochs=config.epochs, lr=config.lr,
                                      beta1=config.beta1, batch_size=batch_size, device=x.device)
    return {"kind": "softmax", "weight": model[0].weight.detach(), "bias": model[0].bias.detach(),
            "n_classes": int(n_classes)}


def predictor_scores(state: dict, test_x):
    """(n, n_classes) scores of `test_x` (log-probabilities or k-NN vote scores)."""
    import torch

    from zslkit.evaluation import classifiers

    if state["kind"] == "knn":
        return classifiers.knn_scores(state["x"], state["y"], test_x.to(state["x"].device), k=state["k"],
                                      n_classes=state["n_classes"])
    weight, bias = state["weight"], state["bias"]
    with torch.no_grad():
        parts = [torch.log_softmax(test_x[i:i + 8192].to(weight.device, weight.dtype) @ weight.T + bias, dim=1)
                 for i in range(0, test_x.shape[0], 8192)]
    return torch.cat(parts) if parts else torch.zeros(0, state["n_classes"], device=weight.device)
