"""Classical MDS: recovers known configurations, is deterministic, and its helpers keep distances."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist

from zslkit.viz.mds import classical_mds, cosine_distances, fix_signs, layout, orient_like


def known_configuration(n=12, dims=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dims)) * np.arange(dims, 0, -1)


def test_recovers_a_2d_configuration_up_to_rotation_and_reflection():
    x = known_configuration()
    emb = classical_mds(cdist(x, x))
    assert emb.coords.shape == (12, 2)
    np.testing.assert_allclose(pdist(emb.coords), pdist(x), atol=1e-9)
    assert emb.explained == pytest.approx(1.0)
    np.testing.assert_allclose(emb.coords.mean(axis=0), 0.0, atol=1e-9)  # centred


def test_three_dimensional_data_loses_its_third_axis_and_says_so():
    x = known_configuration(n=30, dims=3, seed=1)
    emb = classical_mds(cdist(x, x))
    assert 0.5 < emb.explained < 0.99
    # The two kept axes are the top principal components of the centred data.
    centred = x - x.mean(axis=0)
    top = np.linalg.svd(centred, full_matrices=False)[2][:2].T
    np.testing.assert_allclose(pdist(emb.coords), pdist(centred @ top), atol=1e-8)


def test_deterministic_with_fixed_axis_signs():
    x = known_configuration(seed=2)
    first, second = classical_mds(cdist(x, x)), classical_mds(cdist(x, x))
    np.testing.assert_array_equal(first.coords, second.coords)
    peaks = first.coords[np.abs(first.coords).argmax(axis=0), [0, 1]]
    assert (peaks > 0).all()
    # The sign rule does not depend on the order of the items: reordering them reorders the layout.
    order = np.random.default_rng(8).permutation(len(x))
    np.testing.assert_allclose(classical_mds(cdist(x[order], x[order])).coords, first.coords[order], atol=1e-9)


def test_fix_signs_flips_only_axes_whose_peak_is_negative():
    coords = np.array([[1.0, -3.0], [-2.0, 1.0], [0.5, 2.0]])
    np.testing.assert_array_equal(fix_signs(coords), coords * np.array([-1.0, -1.0]))
    np.testing.assert_array_equal(fix_signs(np.array([[3.0, 1.0], [-1.0, 0.0]])), [[3.0, 1.0], [-1.0, 0.0]])


def test_cosine_distances_match_a_brute_force_formula():
    x = np.random.default_rng(3).normal(size=(7, 5))
    expected = np.array([[1 - a @ b / np.linalg.norm(a) / np.linalg.norm(b) for b in x] for a in x])
    np.fill_diagonal(expected, 0.0)
    d = cosine_distances(x)
    np.testing.assert_allclose(d, expected, atol=1e-12)
    np.testing.assert_allclose(d, cdist(x, x, metric="cosine"), atol=1e-12)
    assert cosine_distances(np.array([[0.0, 0.0], [1.0, 2.0]]))[0, 1] == pytest.approx(1.0)


def test_layout_ignores_vector_lengths_and_has_unit_rms_radius():
    x = np.random.default_rng(4).random((10, 6))
    emb = layout(x)
    assert np.sqrt((emb.coords**2).sum(axis=1).mean()) == pytest.approx(1.0)
    scaled = x * np.random.default_rng(5).uniform(0.5, 4.0, size=(10, 1))  # cosine ignores each row's length
    np.testing.assert_allclose(layout(scaled).coords, emb.coords, atol=1e-9)


def test_orient_like_only_reflects():
    ref = known_configuration(seed=6)
    flipped = ref * np.array([-1.0, 1.0])
    np.testing.assert_array_equal(orient_like(flipped, ref), ref)
    other = known_configuration(seed=7)
    np.testing.assert_allclose(pdist(orient_like(other, ref)), pdist(other))


def test_degenerate_and_bad_inputs():
    assert classical_mds(np.zeros((1, 1))).coords.shape == (1, 2)
    assert classical_mds(np.zeros((0, 0))).coords.shape == (0, 2)
    with pytest.raises(ValueError, match="square"):
        classical_mds(np.zeros((3, 2)))
