import jax
import numpy as np
import pytest

import helpers.sampling
from helpers import J_REFERENCE, REFERENCE_SCHEDULE, exact_moments, exact_theta, sample_configurations, sample_theta

K = 16
SCHEDULE = {"n_warmup": 200, "n_samples": 50, "steps_per_sample": 2}


@pytest.mark.parametrize(
    "b, J",
    [(-0.5, J_REFERENCE), (0.7, J_REFERENCE), (-0.2, 1.0), (0.3, -1.0), (0.1, 1.5)],
    ids=["weak-negative-b", "weak-positive-b", "strong-ferro", "strong-antiferro", "very-strong-ferro"],
)
def test_sample_theta_within_four_se_of_exact(b, J):
    mean, se = sample_theta(np.array([b]), J, K, key=jax.random.key(11), n_chains=2000, **SCHEDULE)
    exact = float(exact_theta(b, J, K))
    assert se[0] > 0
    assert abs(mean[0] - exact) <= 4 * se[0], (mean[0], exact, se[0])


@pytest.mark.parametrize("J", [J_REFERENCE, 1.0, -1.0], ids=["weak", "strong-ferro", "strong-antiferro"])
def test_standard_error_is_honest(J):
    # 400 independent estimates of the same theta: their z-scores against the exact
    # value must look standard normal. The bounds allow for 400 draws: the mean of
    # z has standard deviation 0.05 and its standard deviation about 0.035.
    b = np.full(400, -0.2)
    mean, se = sample_theta(b, J, K, key=jax.random.key(5), n_chains=64, **SCHEDULE)
    z = (mean - exact_theta(b, J, K)) / se
    assert abs(z.mean()) < 0.25
    assert 0.85 < z.std() < 1.15
    assert np.mean(np.abs(z) < 2) > 0.9


def test_sample_theta_does_not_recompile_for_same_shapes():
    kwargs = dict(n_chains=8, n_warmup=3, n_samples=2, steps_per_sample=1)
    sample_theta(np.zeros(3), 0.1, 6, key=jax.random.key(0), **kwargs)
    count = helpers.sampling.trace_count
    sample_theta(np.array([0.5, -1.0, 2.0]), -0.4, 6, key=jax.random.key(1), beta=2.0, **kwargs)
    assert helpers.sampling.trace_count == count


def test_sample_theta_keeps_shape_and_is_reproducible():
    b = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    first = sample_theta(b, 0.2, 8, key=jax.random.key(3), n_chains=4, **REFERENCE_SCHEDULE)
    second = sample_theta(b, 0.2, 8, key=jax.random.key(3), n_chains=4, **REFERENCE_SCHEDULE)
    other = sample_theta(b, 0.2, 8, key=jax.random.key(4), n_chains=4, **REFERENCE_SCHEDULE)
    assert first[0].shape == first[1].shape == (3, 2)
    np.testing.assert_array_equal(first[0], second[0])
    assert not np.array_equal(first[0], other[0])


GOOD = dict(key=jax.random.key(0), n_chains=4, n_warmup=1, n_samples=1, steps_per_sample=1)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"K": 1}, ValueError, "K must be at least 2"),
        ({"n_chains": 1}, ValueError, "n_chains must be at least 2"),
        ({"n_samples": 0}, ValueError, "n_samples must be at least 1"),
        ({"n_warmup": -1}, ValueError, "n_warmup must be at least 0"),
        ({"steps_per_sample": 0}, ValueError, "steps_per_sample must be at least 1"),
        ({"n_chains": 2.5}, TypeError, "n_chains must be a whole number"),
        ({"key": 0}, TypeError, "jax.random.key"),
        ({"b": np.nan}, ValueError, "b must be finite"),
        ({"J": [np.inf]}, ValueError, "J must be finite"),
        ({"beta": 0.0}, ValueError, "beta"),
        ({"J": 1e39}, ValueError, "float32 sampler"),
        ({"b": [0.1, 2e4]}, ValueError, "beta\\*b = 20000"),
        ({"b": np.zeros(3), "J": np.zeros(2)}, ValueError, "shapes do not broadcast"),
    ],
)
def test_sample_theta_rejects_bad_input(change, error, message):
    arguments = dict(b=0.1, J=0.2, K=4, **GOOD) | change
    with pytest.raises(error, match=message):
        sample_theta(**arguments)


def test_sample_configurations_match_exact_moments():
    b, J, K, n = -0.3, 0.8, 32, 4000
    spins = sample_configurations(b, J, K, key=jax.random.key(8), n_configurations=n, n_warmup=100)
    assert spins.shape == (n, K)
    assert spins.dtype == np.int8
    assert set(np.unique(spins)) == {-1, 1}
    theta, correlation = exact_theta(b, J, K), exact_moments(b, J, K)[1]
    # One configuration per chain, so the per-configuration values are independent.
    theta_each = (spins == 1).mean(axis=1)
    correlation_each = (spins[:, :-1] * spins[:, 1:]).mean(axis=1)
    assert abs(theta_each.mean() - theta) <= 4 * theta_each.std(ddof=1) / np.sqrt(n)
    assert abs(correlation_each.mean() - correlation) <= 4 * correlation_each.std(ddof=1) / np.sqrt(n)


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"K": 1}, ValueError, "K must be at least 2"),
        ({"n_configurations": 0}, ValueError, "n_configurations must be at least 1"),
        ({"n_warmup": 0}, ValueError, "n_warmup must be at least 1"),
        ({"key": 0}, TypeError, "jax.random.key"),
        ({"b": [0.1, 0.2]}, ValueError, "single numbers"),
        ({"J": np.nan}, ValueError, "J must be finite"),
    ],
)
def test_sample_configurations_rejects_bad_input(change, error, message):
    arguments = dict(b=0.1, J=0.2, K=4, key=jax.random.key(0), n_configurations=3, n_warmup=2) | change
    with pytest.raises(error, match=message):
        sample_configurations(**arguments)
