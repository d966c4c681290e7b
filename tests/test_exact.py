import numpy as np
import pytest

from helpers import brute_force_theta, exact_moments, exact_theta, mean_field_theta, uncoupled_theta

BIASES = (-1.3, -0.2, 0.0, 0.4, 2.0)
COUPLINGS = (-1.5, -0.3, 0.0, 0.3, 1.5)


@pytest.mark.parametrize("K", [2, 3, 5, 8, 12])
def test_exact_theta_matches_enumeration(K):
    for b in BIASES:
        for J in COUPLINGS:
            assert float(exact_theta(b, J, K)) == pytest.approx(brute_force_theta(b, J, K), abs=1e-12), (b, J)


@pytest.mark.parametrize("b, J", [(-50.0, -50.0), (50.0, -50.0), (-50.0, 50.0), (3.0, -50.0), (-0.5, 50.0)])
def test_exact_theta_extreme_values_match_enumeration(b, J):
    for K in (2, 7, 12):
        assert float(exact_theta(b, J, K)) == pytest.approx(brute_force_theta(b, J, K), abs=1e-10)


def test_exact_theta_matches_enumeration_up_to_range_limit():
    grid = np.linspace(-100.0, 100.0, 9)
    for K in (2, 5, 12):
        for b in grid:
            for J in grid:
                assert float(exact_theta(b, J, K)) == pytest.approx(brute_force_theta(b, J, K), abs=1e-10), (K, b, J)


@pytest.mark.parametrize("b, J, beta", [(150.0, 0.0, 1.0), (0.1, -101.0, 1.0), (60.0, 0.0, 2.0)])
def test_exact_theta_beyond_range_raises(b, J, beta):
    with pytest.raises(ValueError, match="outside the accurate range"):
        exact_theta(b, J, 8, beta=beta)


def test_exact_theta_with_beta_matches_enumeration():
    assert float(exact_theta(0.3, -0.7, 9, beta=2.5)) == pytest.approx(
        brute_force_theta(0.3, -0.7, 9, beta=2.5), abs=1e-12
    )


def test_exact_theta_large_chain_is_finite():
    b = np.linspace(-50.0, 50.0, 11)
    theta = exact_theta(b, 50.0, 10_000)
    assert np.all(np.isfinite(theta))
    assert np.all((theta >= 0.0) & (theta <= 1.0))
    assert np.all(np.diff(theta) >= 0.0)
    assert float(exact_theta(0.0, 50.0, 10_000)) == pytest.approx(0.5, abs=1e-12)
    assert float(exact_theta(0.0, -50.0, 10_001)) == pytest.approx(0.5, abs=1e-12)


def test_exact_theta_strong_coupling_single_spin():
    # With beta*J = 50 the whole chain of 10,000 spins flips together, so theta is
    # sigma(2 * K * b) for one giant spin of moment K.
    K, b = 10_000, 1e-4
    assert float(exact_theta(b, 50.0, K)) == pytest.approx(float(uncoupled_theta(K * b)), abs=1e-9)


def test_exact_theta_keeps_array_shape():
    b = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    assert exact_theta(b, 0.4, 16).shape == (2, 3)
    assert exact_theta(b, np.array([[0.1], [0.5]]), 16).shape == (2, 3)


def test_exact_theta_is_sigmoid_without_coupling():
    b = np.linspace(-3.0, 3.0, 13)
    for K in (2, 16, 1000):
        np.testing.assert_allclose(exact_theta(b, 0.0, K), uncoupled_theta(b), rtol=0, atol=1e-14)


def test_nearest_neighbour_correlation_matches_enumeration():
    import itertools

    K = 6
    states = np.array(list(itertools.product((-1.0, 1.0), repeat=K)))
    for b, J in [(0.3, -0.8), (-1.0, 1.2), (0.0, 0.5)]:
        log_weight = b * states.sum(axis=1) + J * (states[:, :-1] * states[:, 1:]).sum(axis=1)
        weight = np.exp(log_weight - log_weight.max())
        expected = weight @ (states[:, :-1] * states[:, 1:]).mean(axis=1) / weight.sum()
        _, correlation = exact_moments(b, J, K)
        assert float(correlation) == pytest.approx(expected, abs=1e-12)


def test_mean_field_equals_exact_without_coupling():
    b = np.linspace(-2.0, 2.0, 9)
    np.testing.assert_allclose(mean_field_theta(b, 0.0, 16), exact_theta(b, 0.0, 16), rtol=0, atol=1e-14)


def test_sigmoid_error_grows_with_coupling():
    couplings = (0.0, 0.1, 0.3, 0.6, 1.0, 1.5)
    errors = [abs(float(uncoupled_theta(-0.2) - exact_theta(-0.2, J, 16))) for J in couplings]
    assert errors[0] < 1e-15
    assert np.all(np.diff(errors) > 0)


def test_sigmoid_error_does_not_vanish_with_chain_length():
    errors = [abs(float(uncoupled_theta(-0.2) - exact_theta(-0.2, 0.5, K))) for K in (16, 256, 10_000)]
    assert min(errors) > 0.1


def test_mean_field_is_close_only_at_weak_coupling():
    weak = abs(float(mean_field_theta(-0.2, 0.05, 16) - exact_theta(-0.2, 0.05, 16)))
    strong = abs(float(mean_field_theta(-0.2, 0.5, 16) - exact_theta(-0.2, 0.5, 16)))
    assert weak < 1e-3
    assert strong > 0.05


def test_mean_field_theta_keeps_array_shape():
    assert mean_field_theta(np.zeros((4, 2)), 0.3, 8).shape == (4, 2)


@pytest.mark.parametrize("function", [exact_theta, mean_field_theta, brute_force_theta])
@pytest.mark.parametrize("K", [1, 0, -3])
def test_chain_length_below_two_raises(function, K):
    with pytest.raises(ValueError, match="K must be at least 2"):
        function(0.1, 0.2, K)


@pytest.mark.parametrize("K", [2.5, "16", True])
def test_chain_length_not_integer_raises(K):
    with pytest.raises(TypeError, match="whole number"):
        exact_theta(0.1, 0.2, K)


@pytest.mark.parametrize("b", [np.nan, np.inf, [0.1, np.nan]])
def test_non_finite_bias_raises(b):
    with pytest.raises(ValueError, match="b must be finite"):
        exact_theta(b, 0.2, 16)


@pytest.mark.parametrize("beta", [0.0, -1.0, np.nan])
def test_invalid_beta_raises(beta):
    with pytest.raises(ValueError, match="beta"):
        exact_theta(0.1, 0.2, 16, beta=beta)


@pytest.mark.parametrize("b", [None, "0.3"])
def test_bias_not_a_number_raises(b):
    with pytest.raises(TypeError, match="b must be a real number"):
        exact_theta(b, 0.2, 16)


def test_shapes_that_do_not_broadcast_raise():
    with pytest.raises(ValueError, match="shapes do not broadcast together: b \\(3,\\), J \\(2,\\)"):
        exact_theta(np.zeros(3), np.zeros(2), 16)


def test_brute_force_rejects_arrays():
    with pytest.raises(ValueError, match="single numbers"):
        brute_force_theta(np.zeros(2), 0.1, 4)


def test_mean_field_names_antiferromagnetic_cycle():
    with pytest.raises(RuntimeError, match="antiferromagnetic"):
        mean_field_theta(0.01, -5.0, 16, max_iter=200)
