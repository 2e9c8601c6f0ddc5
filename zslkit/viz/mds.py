"""Classical (Torgerson) multidimensional scaling in NumPy, for the paper's Fig. 1 and Fig. 3.

The paper draws its class maps with MDS [19]. We use *classical* MDS: one
eigendecomposition, no iterations and no random start, so the same features
always give the same picture.

Dissimilarity: the cosine distance 1 - cos(x_i, x_j). It matches the
similarity delta that SRN's structure loss (Eq. 2) compares, so two classes sit
close in a panel exactly when delta calls them similar, and the panels show
the structure SRN was trained to align. Cosine distances are not Euclidean,
so the doubly centred matrix can have negative eigenvalues; they are dropped
(the usual treatment), and `Embedding.explained` says how much of the
positive eigenvalue mass the two drawn axes keep.

Determinism: eigenvectors are defined only up to sign, so each axis is
flipped to make its largest-magnitude coordinate positive. Panels are not
Procrustes-aligned (no rotation is fitted between them): each is its own
MDS, scaled to unit RMS radius, and `orient_like` only reflects axes, which
keeps every distance of the layout intact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Embedding:
    """An MDS layout: `coords` (n, dims), and `explained`, the share (0..1) of the
    positive eigenvalue mass of the centred Gram matrix that those dims keep."""

    coords: np.ndarray
    explained: float


def cosine_distances(x) -> np.ndarray:
    """(n, n) cosine distances 1 - cos(x_i, x_j) of the rows of x, in [0, 2]; a zero row is at distance 1."""
    x = np.asarray(x, dtype=np.float64)
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    d = np.clip(1.0 - unit @ unit.T, 0.0, 2.0)
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    return d


def classical_mds(dissimilarity, dims: int = 2) -> Embedding:
    """Classical MDS of a symmetric (n, n) dissimilarity matrix into `dims` axes.

    B = -1/2 J D^2 J (J the centring matrix); the coordinates are the top
    eigenvectors of B scaled by the square roots of their (clipped) eigenvalues.
    For Euclidean distances of an n x dims configuration this recovers it up to
    rotation, reflection and translation. Axis signs are fixed (see module doc).
    """
    d = np.asarray(dissimilarity, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"classical_mds: expected a square dissimilarity matrix, got shape {d.shape}")
    n = d.shape[0]
    if n == 0:
        return Embedding(np.zeros((0, dims)), 1.0)
    centre = np.eye(n) - 1.0 / n
    gram = -0.5 * centre @ (d**2) @ centre
    values, vectors = np.linalg.eigh((gram + gram.T) / 2)  # ascending order
    k = min(dims, n)
    top = np.clip(values[::-1][:k], 0.0, None)
    coords = np.zeros((n, dims))
    coords[:, :k] = vectors[:, ::-1][:, :k] * np.sqrt(top)
    positive = float(values[values > 0].sum())
    explained = float(top.sum() / positive) if positive > 0 else 1.0
    return Embedding(fix_signs(coords), explained)


def fix_signs(coords: np.ndarray) -> np.ndarray:
    """Flip each axis so that its largest-magnitude coordinate is positive (a deterministic choice)."""
    coords = np.array(coords, dtype=np.float64)
    if coords.size == 0:
        return coords
    peak = coords[np.argmax(np.abs(coords), axis=0), np.arange(coords.shape[1])]
    coords *= np.where(peak < 0, -1.0, 1.0)
    return coords


def layout(features, dims: int = 2) -> Embedding:
    """The panel layout of some class vectors: cosine distances -> classical MDS -> unit RMS radius.

    Scaling each panel to unit RMS radius makes panels comparable by eye
    (spread relative to the panel, not absolute cosine values).
    """
    emb = classical_mds(cosine_distances(features), dims)
    radius = float(np.sqrt((emb.coords**2).sum(axis=1).mean()))
    return Embedding(emb.coords / radius if radius > 0 else emb.coords, emb.explained)


def orient_like(coords: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Reflect axes of `coords` (never rotate) so each agrees in sign with the same axis of `reference`.

    A reflection keeps every pairwise distance, so this only makes
    neighbouring panels easier to compare; rows must be the same items.
    """
    coords = np.array(coords, dtype=np.float64)
    agree = (coords * np.asarray(reference, dtype=np.float64)).sum(axis=0)
    coords *= np.where(agree < 0, -1.0, 1.0)
    return coords
