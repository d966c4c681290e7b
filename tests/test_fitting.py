import numpy as np
import pytest
from scipy.special import expit

from helpers import fit_binomial, fit_mean_field, load_reference_targets


def test_fit_mean_field_reproduces_reference_fit():
    training, _ = load_reference_targets()
    fit = fit_mean_field(training.c, training.theta)
    assert fit.b_alpha == pytest.approx(0.7069, abs=1e-4)
    assert fit.b_gamma == pytest.approx(2.4979, abs=1e-4)
    assert fit.report.success


def test_fit_mean_field_recovers_exact_targets():
    c = np.array([0.0, 0.3, 0.6, 1.0])
    theta = expit(2.0 * (0.4 - c * 1.7))
    fit = fit_mean_field(c, theta, start=(0.0, 1.0))
    assert fit.b_alpha == pytest.approx(0.4, abs=1e-4)
    assert fit.b_gamma == pytest.approx(1.7, abs=1e-4)


@pytest.mark.parametrize(
    "c, theta, message",
    [
        ([0.0, 1.0], [0.5, 1.2], "theta must lie in"),
        ([0.0, 1.0], [-0.1, 0.5], "theta must lie in"),
        ([0.5, 0.5], [0.2, 0.3], "two distinct values of c"),
        ([0.0, np.nan], [0.2, 0.3], "c must be finite"),
        ([0.0, 1.0, 2.0], [0.2, 0.3], "one length"),
    ],
)
def test_fit_mean_field_rejects_bad_input(c, theta, message):
    with pytest.raises(ValueError, match=message):
        fit_mean_field(c, theta)


def test_fit_binomial_recovers_parameters_from_expected_counts():
    c = np.linspace(-1.0, 2.0, 7)
    n_total = np.full(7, 1_000_000)
    n_plus = np.round(n_total * expit(2.0 * (0.3 - c * 0.8)))
    fit = fit_binomial(c, n_plus, n_total)
    assert fit.b_alpha == pytest.approx(0.3, abs=1e-3)
    assert fit.b_gamma == pytest.approx(0.8, abs=1e-3)
    assert fit.dof == 5
    assert fit.deviance < 1e-2


def test_fit_binomial_matches_logistic_regression_on_reference_counts():
    training, _ = load_reference_targets()
    fit = fit_binomial(training.c, training.n_plus, training.n_observed)
    # At the maximum the score vanishes: observed and fitted +1 counts agree in total
    # and in their first moment in c.
    fitted = fit.theta_fit * training.n_observed
    assert fitted.sum() == pytest.approx(training.n_plus.sum(), rel=1e-10)
    assert fitted @ training.c == pytest.approx(training.n_plus @ training.c, rel=1e-10)
    assert fit.stderr.b_alpha > 0
    assert fit.stderr.b_gamma > 0


def test_fit_binomial_scales_with_beta():
    c = np.array([0.0, 0.5, 1.0])
    base = fit_binomial(c, [80, 26, 3], [100, 100, 100])
    hot = fit_binomial(c, [80, 26, 3], [100, 100, 100], beta=2.0)
    assert hot.b_alpha == pytest.approx(base.b_alpha / 2.0, rel=1e-9)
    assert hot.b_gamma == pytest.approx(base.b_gamma / 2.0, rel=1e-9)


@pytest.mark.parametrize(
    "c, n_plus, n_total, message",
    [
        ([0.0, 1.0], [5, 11], [10, 10], "n_plus cannot exceed n_total; row 1"),
        ([0.0, 1.0], [-1, 3], [10, 10], "non-negative"),
        ([0.0, 1.0], [2.5, 3], [10, 10], "whole numbers; row 0"),
        ([0.0, 1.0], [2, 0], [10, 0], "n_total must be at least 1; row 1"),
        ([0.3, 0.3], [2, 5], [10, 10], "two distinct values of c"),
        ([0.0, np.nan], [2, 5], [10, 10], "c must be finite"),
        ([0.0, 1.0], [2, np.nan], [10, 10], "n_plus must be finite"),
        ([0.0, 0.5, 1.0], [10, 10, 0], [10, 10, 10], "separated"),
        ([0.0, 0.5, 1.0], [10, 4, 0], [10, 10, 10], "separated"),
        ([0.0, 0.5, 1.0], [0, 0, 7], [10, 10, 10], "separated"),
        ([0.0, 0.5, 1.0], [10, 10, 10], [10, 10, 10], "every observed unit is \\+1"),
    ],
)
def test_fit_binomial_rejects_bad_input(c, n_plus, n_total, message):
    with pytest.raises(ValueError, match=message):
        fit_binomial(c, n_plus, n_total)
