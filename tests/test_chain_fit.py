import itertools
import warnings

import jax
import numpy as np
import pytest
from scipy.spatial import ConvexHull

import helpers.chain_fit
from helpers import chain_fisher_information, exact_moments, fit_chain, nn_correlation_bounds

BIASES = (-0.7, 0.3)
COUPLINGS = (-1.2, -0.3, 0.05, 0.8, 1.5)
# A short learning schedule for the tests of traces, warnings and step caps. All of
# them use K = 16, so the learning loop compiles once for them.
SMALL_SCHEDULE = dict(n_replicas=4, n_chains=8, n_steps=40, n_averaged=8, n_warmup=8, n_samples=4)


def enumerate_statistics(K):
    """Return every configuration's (sum_i s_i, sum_i s_i s_(i+1)), shape (2**K, 2)."""
    states = np.array(list(itertools.product((-1.0, 1.0), repeat=K)))
    return np.column_stack([states.sum(axis=1), (states[:, :-1] * states[:, 1:]).sum(axis=1)])


@pytest.mark.parametrize("K", [2, 3, 16, 32, 256])
def test_exact_fit_recovers_parameters(K):
    for b, J in itertools.product(BIASES, COUPLINGS):
        theta, correlation = exact_moments(b, J, K)
        fit = fit_chain(theta, correlation, K)
        assert abs(fit.b - b) < 1e-6, (b, J, fit.b)
        assert abs(fit.J - J) < 1e-6, (b, J, fit.J)


def test_exact_fit_with_beta():
    theta, correlation = exact_moments(0.3, -0.8, 12, beta=2.5)
    b, J = fit_chain(theta, correlation, 12, beta=2.5)[:2]
    assert b == pytest.approx(0.3, abs=1e-9)
    assert J == pytest.approx(-0.8, abs=1e-9)


def test_exact_fit_unpacks_and_reports_trace():
    theta, correlation = exact_moments(-0.3, 0.8, 32)
    b, J, stderr, method, parameter_trace, moment_trace = fit_chain(theta, correlation, 32)
    assert method == "exact"
    assert stderr == (0.0, 0.0)
    assert parameter_trace.shape == moment_trace.shape
    assert parameter_trace.shape[1] == 2
    np.testing.assert_allclose(parameter_trace[-1], [b, J], rtol=0, atol=0)
    np.testing.assert_allclose(moment_trace[-1], [theta, correlation], rtol=0, atol=1e-12)


def test_exact_fit_beyond_infinite_chain_bound():
    # theta = 0.25 and correlation -0.2 violate the infinite-chain bound
    # correlation > 1 - 4 theta = 0, yet a chain of 4 spins reaches them.
    fit = fit_chain(0.25, -0.2, 4)
    theta, correlation = exact_moments(fit.b, fit.J, 4)
    assert float(theta) == pytest.approx(0.25, abs=1e-11)
    assert float(correlation) == pytest.approx(-0.2, abs=1e-11)


@pytest.mark.parametrize("K", [2, 3, 4, 5, 8, 11])
def test_correlation_bounds_match_convex_hull(K):
    statistics = enumerate_statistics(K)
    points = np.column_stack([(1.0 + statistics[:, 0] / K) / 2.0, statistics[:, 1] / (K - 1)])
    hull = ConvexHull(points)
    theta = np.linspace(0.01, 0.99, 99)
    lowest, highest = nn_correlation_bounds(theta, K)
    # Each hull facet is normal . x + offset <= 0. The lowest correlation at each theta
    # is where the lower facets meet that vertical line.
    normal, offset = hull.equations[:, :2], hull.equations[:, 2]
    lower = normal[:, 1] < -1e-12
    from_hull = np.max(-(normal[lower, 0, None] * theta + offset[lower, None]) / normal[lower, 1, None], axis=0)
    np.testing.assert_allclose(lowest, from_hull, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(highest, 1.0)


def test_fisher_information_matches_enumeration():
    b, J, K, beta = -0.3, 0.8, 10, 1.3
    statistics = enumerate_statistics(K)
    log_weight = beta * statistics @ np.array([b, J])
    weight = np.exp(log_weight - log_weight.max())
    weight /= weight.sum()
    centred = statistics - weight @ statistics
    covariance = centred.T @ (weight[:, None] * centred)
    np.testing.assert_allclose(chain_fisher_information(b, J, K, beta=beta), beta**2 * covariance, rtol=1e-7)


@pytest.mark.parametrize(
    "b, J, K, message",
    [
        (500.0, 0.1, 8, r"beta\*b = 500"),
        (12.0, 0.1, 8, "outside the range where the Fisher information can be computed"),
        (0.0, 30.0, 8, "nearly frozen"),
        (6.0, 0.0, 256, "Use smaller"),
    ],
)
def test_fisher_information_rejects_frozen_chain(b, J, K, message):
    with pytest.raises(ValueError, match=message):
        chain_fisher_information(b, J, K)


def test_fisher_information_accurate_where_accepted():
    K = 8
    statistics = enumerate_statistics(K)
    accepted = 0
    for b, J in itertools.product(np.arange(-10.0, 10.5, 1.0), repeat=2):
        try:
            information = chain_fisher_information(b, J, K)
        except ValueError:
            continue
        accepted += 1
        log_weight = statistics @ np.array([b, J])
        weight = np.exp(log_weight - log_weight.max())
        weight /= weight.sum()
        centred = statistics - weight @ statistics
        inverse = np.linalg.inv(centred.T @ (weight[:, None] * centred))
        error = np.max(np.abs(np.linalg.inv(information) - inverse)) / np.max(np.abs(inverse))
        assert error < 3e-4, (b, J, error)
    assert accepted > 150


# Pairs of moments, given as the (b, J) of a chain or directly as (theta, correlation),
# for the comparison of THRML learning with the exact fit.
THRML_CASES = {
    "theta 0.3 correlation 0.6": ("moments", 0.3, 0.6, 16),
    "ferromagnetic K 32": ("parameters", -0.3, 0.8, 32),
    "antiferromagnetic K 16": ("parameters", -0.7, -1.0, 16),
    "strong coupling K 16": ("parameters", 0.3, 1.0, 16),
}


@pytest.mark.parametrize("case", THRML_CASES)
def test_thrml_fit_within_four_standard_errors(case):
    kind, first, second, K = THRML_CASES[case]
    theta, correlation = (first, second) if kind == "moments" else map(float, exact_moments(first, second, K))
    exact = fit_chain(theta, correlation, K)
    for seed in range(3):
        fit = fit_chain(theta, correlation, K, method="thrml", key=jax.random.key(seed))
        assert fit.method == "thrml"
        assert 0.0 < fit.stderr.b < 0.005, (seed, fit.stderr)
        assert 0.0 < fit.stderr.J < 0.005, (seed, fit.stderr)
        assert abs(fit.b - exact.b) <= 4 * fit.stderr.b, (seed, fit.b, exact.b, fit.stderr.b)
        assert abs(fit.J - exact.J) <= 4 * fit.stderr.J, (seed, fit.J, exact.J, fit.stderr.J)


def test_thrml_fit_starts_at_infinite_chain_fit():
    theta, correlation = 0.3, 0.6
    fit = fit_chain(theta, correlation, 16, method="thrml", key=jax.random.key(3), **SMALL_SCHEDULE)
    newton_start = fit_chain(theta, correlation, 16).parameter_trace[0]
    np.testing.assert_allclose(fit.parameter_trace[:, 0], np.broadcast_to(newton_start, (4, 2)), atol=1e-6)


def test_thrml_fit_caps_step_far_from_fit():
    beta = 2.0
    fit = fit_chain(0.3, 0.6, 16, method="thrml", key=jax.random.key(3), beta=beta, start=(2.0, -1.0), **SMALL_SCHEDULE)
    steps = np.abs(np.diff(fit.parameter_trace, axis=1))
    assert np.max(steps) <= 0.25 / beta + 1e-6
    assert np.max(steps[:, 0]) == pytest.approx(0.25 / beta, abs=1e-6)


def test_thrml_fit_traces_and_compiles_once():
    first = fit_chain(0.4, 0.3, 16, method="thrml", key=jax.random.key(0), **SMALL_SCHEDULE)
    count = helpers.chain_fit.trace_count
    second = fit_chain(
        0.2, 0.5, 16, method="thrml", key=jax.random.key(1), beta=2.0, start=(0.1, 0.1), learning_rate=0.3,
        **SMALL_SCHEDULE,
    )
    assert helpers.chain_fit.trace_count == count
    assert first.parameter_trace.shape == (4, 41, 2)
    assert first.moment_trace.shape == (4, 40, 2)
    np.testing.assert_allclose(second.parameter_trace[:, 0], 0.1, rtol=1e-6)


def test_thrml_fit_is_reproducible():
    first = fit_chain(0.4, 0.3, 16, method="thrml", key=jax.random.key(7), **SMALL_SCHEDULE)
    second = fit_chain(0.4, 0.3, 16, method="thrml", key=jax.random.key(7), **SMALL_SCHEDULE)
    np.testing.assert_array_equal(first.parameter_trace, second.parameter_trace)


def test_thrml_fit_warns_when_not_converged():
    theta, correlation = exact_moments(-0.3, 0.8, 16)
    with pytest.warns(RuntimeWarning, match="have not converged.*raise n_steps"):
        fit_chain(
            theta, correlation, 16, method="thrml", key=jax.random.key(2), start=(0.0, 0.0), learning_rate=0.02,
            **SMALL_SCHEDULE,
        )


def test_thrml_fit_warns_when_steps_overshoot():
    # This test uses the default schedule, because the noisy steps of SMALL_SCHEDULE hit
    # the step cap and the cap damps the alternation.
    with pytest.warns(RuntimeWarning, match="overshoot.*Lower learning_rate"):
        fit_chain(0.3, 0.6, 16, method="thrml", key=jax.random.key(2), learning_rate=1.9)


def test_thrml_fit_silent_when_converged():
    theta, correlation = exact_moments(0.3, -0.3, 32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fit_chain(theta, correlation, 32, method="thrml", key=jax.random.key(4))


def test_thrml_fit_rejects_frozen_chain():
    theta, correlation = exact_moments(8.0, 0.1, 16)
    with pytest.raises(ValueError, match="nearly frozen chain.*Use method='exact'"):
        fit_chain(float(theta), float(correlation), 16, method="thrml", key=jax.random.key(0))


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"theta": 0.0}, ValueError, "theta must lie strictly between 0 and 1"),
        ({"theta": 1.0}, ValueError, "theta must lie strictly between 0 and 1"),
        ({"theta": -0.2}, ValueError, "theta must lie strictly between 0 and 1"),
        ({"theta": 1.3}, ValueError, "theta must lie strictly between 0 and 1"),
        ({"nn_correlation": 1.0}, ValueError, "nn_correlation must lie strictly between -1 and 1"),
        ({"nn_correlation": -1.0}, ValueError, "nn_correlation must lie strictly between -1 and 1"),
        ({"nn_correlation": 2.0}, ValueError, "nn_correlation must lie strictly between -1 and 1"),
        ({"theta": 0.1, "nn_correlation": 0.0}, ValueError, "too low for theta=0.1"),
        ({"theta": 0.9, "nn_correlation": 0.5}, ValueError, "too low for theta=0.9"),
        ({"theta": 0.4, "nn_correlation": -0.9}, ValueError, "too low for theta=0.4"),
        ({"theta": np.nan}, ValueError, "theta must be finite"),
        ({"nn_correlation": np.inf}, ValueError, "nn_correlation must be finite"),
        ({"theta": [0.2, 0.3]}, ValueError, "single numbers"),
        ({"theta": "half"}, TypeError, "theta must be a real number"),
        ({"K": 1}, ValueError, "K must be at least 2"),
        ({"K": 16.0}, TypeError, "K must be a whole number"),
        ({"beta": -1.0}, ValueError, "beta"),
        ({"method": "mcmc"}, ValueError, "method must be one of"),
        ({"key": jax.random.key(0)}, ValueError, "key apply only to method='thrml'"),
        ({"n_chains": 16}, ValueError, "n_chains apply only to method='thrml'"),
        ({"start": (0.1, 0.2)}, ValueError, "start apply only to method='thrml'"),
        ({"method": "thrml"}, TypeError, "needs key"),
        ({"method": "thrml", "key": 3}, TypeError, "needs key"),
    ],
)
def test_fit_chain_rejects_bad_input(arguments, error, message):
    call = {"theta": 0.3, "nn_correlation": 0.4, "K": 16} | arguments
    with pytest.raises(error, match=message):
        fit_chain(call.pop("theta"), call.pop("nn_correlation"), call.pop("K"), **call)


@pytest.mark.parametrize(
    "schedule, error, message",
    [
        ({"n_replicas": 1}, ValueError, "n_replicas must be at least 2"),
        ({"n_chains": 0}, ValueError, "n_chains must be at least 1"),
        ({"n_steps": 10, "n_averaged": 11}, ValueError, "n_averaged=11 exceeds n_steps=10"),
        ({"n_averaged": 3}, ValueError, "n_averaged must be at least 4"),
        ({"n_warmup": -1}, ValueError, "n_warmup must be at least 0"),
        ({"n_samples": 2.5}, TypeError, "n_samples must be a whole number"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be one positive number"),
        ({"learning_rate": np.nan}, ValueError, "learning_rate must be finite"),
        ({"start": (0.1, 0.2, 0.3)}, ValueError, "start must be one pair"),
        ({"start": (0.0, np.inf)}, ValueError, "start must be finite"),
    ],
)
def test_thrml_fit_rejects_bad_schedule(schedule, error, message):
    with pytest.raises(error, match=message):
        fit_chain(0.3, 0.4, 16, method="thrml", key=jax.random.key(0), **schedule)


def test_correlation_bounds_reject_short_chain():
    with pytest.raises(ValueError, match="K must be at least 2"):
        nn_correlation_bounds(0.5, 1)
