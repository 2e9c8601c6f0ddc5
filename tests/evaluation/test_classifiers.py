"""The softmax (f-CLSWGAN) and cosine k-NN vote (GAZSL) final classifiers."""

import math

import pytest
import torch

from zslkit.evaluation.classifiers import KNN_TIE_WEIGHT, knn_scores, predict_scores, train_softmax


def blobs(n_per_class, seed, dim=8, classes=4):
    g = torch.Generator().manual_seed(seed)
    centres = torch.eye(classes, dim) * 4.0
    y = torch.arange(classes).repeat_interleave(n_per_class)
    return centres[y] + torch.randn(y.numel(), dim, generator=g), y


def test_softmax_learns_a_separable_problem():
    torch.manual_seed(0)
    x, y = blobs(60, seed=1)
    model = train_softmax(x, y, 4, batch_size=60)
    test_x, test_y = blobs(100, seed=2)
    logp = predict_scores(model, test_x)
    assert torch.allclose(logp.exp().sum(1), torch.ones(len(test_y)), atol=1e-5)  # log-probabilities
    assert (logp.argmax(1) == test_y).float().mean() > 0.95


def test_softmax_uses_f_clswgan_optimiser_settings():
    torch.manual_seed(0)
    x, y = blobs(5, seed=1)
    model = train_softmax(x, y, 4, epochs=1, lr=0.01, beta1=0.3, batch_size=5)
    assert isinstance(model[1], torch.nn.LogSoftmax) and model[0].out_features == 4
    assert not model.training


def test_softmax_is_deterministic_under_a_seed():
    x, y = blobs(20, seed=1)

    def weights(seed):
        torch.manual_seed(seed)
        return train_softmax(x, y, 4, epochs=3, batch_size=7)[0].weight.detach().clone()

    assert torch.equal(weights(5), weights(5))
    assert not torch.equal(weights(5), weights(6))


def test_softmax_rejects_empty_training_set():
    with pytest.raises(ValueError, match="needs samples"):
        train_softmax(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), 2, batch_size=4)


def knn_hand_data():
    train_x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.5], [-1.0, 0.0]])
    train_y = torch.tensor([0, 1, 0, 1, 2])
    return train_x, train_y


def test_knn_vote_by_hand():
    train_x, train_y = knn_hand_data()
    # similarities to (2, 0): 1, .707, 0, .894, -1 -> top-3 votes: class 0 once, class 1 twice
    scores = knn_scores(train_x, train_y, torch.tensor([[2.0, 0.0]]), k=3, n_classes=4)
    near = [1.0, 2 / math.sqrt(5), -1.0, -1.0]  # class 3 has no training feature
    votes = [1, 2, 0, 0]
    expected = [(v + KNN_TIE_WEIGHT * (1 + s) / 2) / 3 for v, s in zip(votes, near)]
    assert scores.tolist()[0] == pytest.approx(expected, abs=1e-6)
    assert int(scores.argmax()) == 1  # the majority beats the single nearest neighbour


def test_knn_tie_goes_to_the_class_of_the_nearest_neighbour():
    train_x, train_y = knn_hand_data()
    # k=2: class 0 (sim 1) and class 1 (sim .894) get one vote each
    scores = knn_scores(train_x, train_y, torch.tensor([[1.0, 0.0]]), k=2, n_classes=3)
    assert int(scores.argmax()) == 0
    # class 2 has no vote but is ranked by its (low) similarity, above nothing
    assert 0 <= scores[0, 2] < scores[0, 1]


def test_knn_matches_a_loop_vote_and_is_chunk_independent():
    g = torch.Generator().manual_seed(0)
    train_x, train_y = torch.randn(90, 6, generator=g), torch.randint(0, 5, (90,), generator=g)
    test_x = torch.randn(40, 6, generator=g)
    scores = knn_scores(train_x, train_y, test_x, k=7, n_classes=5)
    assert torch.allclose(scores, knn_scores(train_x, train_y, test_x, k=7, n_classes=5, chunk=3))
    for i, q in enumerate(test_x):
        sims = [float(torch.nn.functional.cosine_similarity(q, t, dim=0)) for t in train_x]
        top = sorted(range(90), key=lambda j: -sims[j])[:7]
        votes = [sum(train_y[j] == c for j in top) for c in range(5)]
        best = max(range(5), key=lambda c: (votes[c], max(s for s, t in zip(sims, train_y) if t == c)))
        assert int(scores[i].argmax()) == best
        assert scores[i].mul(7).round().tolist() == [float(v) for v in votes]


def test_k_larger_than_training_set_is_clipped():
    train_x, train_y = knn_hand_data()
    scores = knn_scores(train_x, train_y, torch.tensor([[1.0, 0.0]]), k=50, n_classes=3)
    assert scores.mul(5).round().tolist() == [[2.0, 2.0, 1.0]]
