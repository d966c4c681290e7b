import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit

from helpers import DATA_DIR, fit_binomial, fit_mean_field, load_reference_targets


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


def test_fit_mean_field_rejects_non_finite_start():
    with pytest.raises(ValueError, match="start must be finite"):
        fit_mean_field([0.0, 1.0], [0.6, 0.3], start=(np.nan, 1.0))


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
        ([0.0, 1.0], [5, 11], [10, 10], "n_plus cannot exceed n_total, but row 1"),
        ([0.0, 1.0], [-1, 3], [10, 10], "non-negative"),
        ([0.0, 1.0], [2.5, 3], [10, 10], "whole numbers, but row 0"),
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


# statsmodels fits the same likelihood on the design [1, c], whose coefficients are
# (2 beta b_alpha, -2 beta b_gamma). It fits the logit link by IRLS and the other
# links by Newton's method, whose standard errors come from the observed information
# as in fit_binomial.
STATSMODELS_LINKS = {
    "logit": (sm.families.links.Logit, "IRLS"),
    "cloglog": (sm.families.links.CLogLog, "newton"),
    "loglog": (sm.families.links.LogLog, "newton"),
}


def beetle_counts():
    """Return (log10 dose, beetles alive, beetles exposed) of the Bliss (1935) table."""
    dose, n_beetles, n_killed = np.loadtxt(
        DATA_DIR / "bliss_1935_beetle_mortality.csv", delimiter=",", skiprows=1, unpack=True
    )
    return dose, n_beetles - n_killed, n_beetles


def simulated_counts():
    """Return (c, n_plus, n_total) drawn from a known logistic curve, c on both sides of 0."""
    rng = np.random.default_rng(20240611)
    c = np.linspace(-3.0, 5.0, 12)
    n_total = rng.integers(5, 400, size=c.size)
    n_plus = rng.binomial(n_total, expit(2.0 * 0.7 * (-0.4 - c * 0.6)))
    return c, n_plus, n_total


def statsmodels_fit(c, n_plus, n_total, link):
    family_link, method = STATSMODELS_LINKS[link]
    model = sm.GLM(
        np.column_stack([n_plus, n_total - n_plus]),
        sm.add_constant(c),
        family=sm.families.Binomial(link=family_link()),
    )
    return model.fit(method=method, tol=1e-14, maxiter=200)


@pytest.mark.parametrize("data", [beetle_counts, simulated_counts])
@pytest.mark.parametrize("beta", [1.0, 0.7])
def test_fit_binomial_matches_statsmodels(data, beta):
    c, n_plus, n_total = data()
    fit = fit_binomial(c, n_plus, n_total, beta=beta)
    reference = statsmodels_fit(c, n_plus, n_total, "logit")
    np.testing.assert_allclose(fit.theta_fit, reference.fittedvalues, rtol=0, atol=1e-6)
    assert fit.b_alpha == pytest.approx(reference.params[0] / (2 * beta), rel=1e-6)
    assert fit.b_gamma == pytest.approx(-reference.params[1] / (2 * beta), rel=1e-6)
    assert fit.stderr.b_alpha == pytest.approx(reference.bse[0] / (2 * beta), rel=1e-4)
    assert fit.stderr.b_gamma == pytest.approx(reference.bse[1] / (2 * beta), rel=1e-4)
    assert fit.deviance == pytest.approx(reference.deviance, rel=1e-8)
    assert fit.dof == reference.df_resid


@pytest.mark.parametrize("link", ["cloglog", "loglog"])
@pytest.mark.parametrize("data", [beetle_counts, simulated_counts])
def test_fit_binomial_links_match_statsmodels(data, link):
    c, n_plus, n_total = data()
    fit = fit_binomial(c, n_plus, n_total, link=link)
    reference = statsmodels_fit(c, n_plus, n_total, link)
    np.testing.assert_allclose(fit.theta_fit, reference.fittedvalues, rtol=0, atol=1e-6)
    assert fit.b_alpha == pytest.approx(reference.params[0] / 2, rel=1e-6)
    assert fit.b_gamma == pytest.approx(-reference.params[1] / 2, rel=1e-6)
    assert fit.stderr.b_alpha == pytest.approx(reference.bse[0] / 2, rel=1e-4)
    assert fit.stderr.b_gamma == pytest.approx(reference.bse[1] / 2, rel=1e-4)
    assert fit.deviance == pytest.approx(reference.deviance, rel=1e-8)


@pytest.mark.parametrize("link", ["logit", "cloglog", "loglog"])
def test_fit_binomial_residuals_match_statsmodels(link):
    c, n_plus, n_total = beetle_counts()
    fit = fit_binomial(c, n_plus, n_total, link=link)
    reference = statsmodels_fit(c, n_plus, n_total, link)
    np.testing.assert_allclose(fit.pearson_residuals, reference.resid_pearson, rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.deviance_residuals, reference.resid_deviance, rtol=0, atol=1e-8)
    assert np.sum(fit.deviance_residuals**2) == pytest.approx(fit.deviance, rel=1e-10)


def test_fit_binomial_predict_matches_statsmodels():
    c, n_plus, n_total = simulated_counts()
    fit = fit_binomial(c, n_plus, n_total)
    reference = statsmodels_fit(c, n_plus, n_total, "logit")
    new_c = np.array([-4.0, 0.3, 2.5, 7.0])
    prediction = fit.predict(new_c)
    expected = reference.get_prediction(sm.add_constant(new_c))
    np.testing.assert_allclose(prediction.theta, expected.predicted, rtol=0, atol=1e-6)
    np.testing.assert_allclose(prediction.stderr, expected.se, rtol=1e-4)


def test_fit_binomial_predict_at_data_is_theta_fit():
    c, n_plus, n_total = simulated_counts()
    fit = fit_binomial(c, n_plus, n_total)
    np.testing.assert_allclose(fit.predict(c).theta, fit.theta_fit, rtol=1e-12)
    assert fit.predict(0.5).theta.shape == ()


def test_fit_binomial_intervals_match_statsmodels():
    c, n_plus, n_total = beetle_counts()
    fit = fit_binomial(c, n_plus, n_total)
    reference = statsmodels_fit(c, n_plus, n_total, "logit").conf_int(alpha=0.05)
    intervals = fit.confidence_intervals(0.95)
    assert intervals.b_alpha == pytest.approx(tuple(reference[0] / 2), rel=1e-6)
    assert intervals.b_gamma == pytest.approx(tuple(-reference[1][::-1] / 2), rel=1e-6)


@pytest.mark.parametrize("level", [0.0, 1.0, 95, np.nan, [0.9, 0.95]])
def test_fit_binomial_intervals_reject_bad_level(level):
    c, n_plus, n_total = beetle_counts()
    fit = fit_binomial(c, n_plus, n_total)
    with pytest.raises(ValueError, match="level"):
        fit.confidence_intervals(level)


def test_fit_binomial_reproduces_published_beetle_fit():
    # Logistic fit of the killed fraction on log10 dose, as published with the data:
    # intercept -60.72, slope 34.27, deviance 11.23 on 6 degrees of freedom. The
    # survival fraction is the +1 fraction, so the killed logit is -2 (b_alpha - c b_gamma).
    dose, n_alive, n_beetles = beetle_counts()
    fit = fit_binomial(dose, n_alive, n_beetles)
    assert -2 * fit.b_alpha == pytest.approx(-60.72, abs=0.005)
    assert 2 * fit.b_gamma == pytest.approx(34.27, abs=0.005)
    assert fit.deviance == pytest.approx(11.23, abs=0.005)
    assert fit.dof == 6


def test_fit_binomial_is_equivariant_under_rescaled_c():
    dose, n_alive, n_beetles = beetle_counts()
    low, width = dose.min(), np.ptp(dose)
    raw = fit_binomial(dose, n_alive, n_beetles)
    scaled = fit_binomial((dose - low) / width, n_alive, n_beetles)
    assert scaled.b_gamma == pytest.approx(raw.b_gamma * width, rel=1e-9)
    assert scaled.b_alpha == pytest.approx(raw.b_alpha - raw.b_gamma * low, rel=1e-9)
    assert scaled.stderr.b_gamma == pytest.approx(raw.stderr.b_gamma * width, rel=1e-6)
    np.testing.assert_allclose(scaled.theta_fit, raw.theta_fit, rtol=1e-9)
    assert scaled.deviance == pytest.approx(raw.deviance, rel=1e-9)


def test_fit_binomial_keeps_its_data():
    c, n_plus, n_total = simulated_counts()
    fit = fit_binomial(c, n_plus, n_total, beta=0.5, link="cloglog")
    np.testing.assert_array_equal(fit.c, c)
    np.testing.assert_array_equal(fit.n_plus, n_plus)
    np.testing.assert_array_equal(fit.n_total, n_total)
    assert fit.beta == 0.5
    assert fit.link == "cloglog"


@pytest.mark.parametrize(
    "c, n_plus, n_total, message",
    [
        ([0.0, np.inf], [2, 5], [10, 10], "c must be finite"),
        ([0.0, 1.0], [2, 5], [10, np.nan], "n_total must be finite"),
        ([0.0, 1.0], [2, 5], [10, -10], "n_total must be non-negative"),
        ([0.0, 1.0], [2, 5], [10, 10.5], "n_total must be whole numbers, but row 1"),
        ([0.0, 1.0, 2.0], [2, 5], [10, 10], "one length"),
        ([[0.0, 1.0]], [[2, 5]], [[10, 10]], "1-d array"),
        ([], [], [], "two distinct values of c"),
        ([0.0, 0.5, 1.0], [0, 0, 0], [10, 10, 10], "every observed unit is -1"),
        ([0.0, 0.5, 1.0], [5, 3, 0], [5, 10, 10], "separated"),
        ([-2.0, 3.0, 8.0], [0, 3, 10], [10, 10, 10], "separated"),
    ],
)
def test_fit_binomial_rejects_more_bad_input(c, n_plus, n_total, message):
    with pytest.raises(ValueError, match=message):
        fit_binomial(c, n_plus, n_total)


@pytest.mark.parametrize("link", ["cloglog", "loglog"])
def test_fit_binomial_links_detect_separation(link):
    with pytest.raises(ValueError, match="separated"):
        fit_binomial([0.0, 0.5, 1.0], [10, 4, 0], [10, 10, 10], link=link)


@pytest.mark.parametrize("link", ["probit", "Logit", None])
def test_fit_binomial_rejects_unknown_link(link):
    with pytest.raises(ValueError, match="link must be one of"):
        fit_binomial([0.0, 0.5, 1.0], [8, 5, 2], [10, 10, 10], link=link)


@pytest.mark.parametrize("beta", [0.0, -1.0, np.nan])
def test_fit_binomial_rejects_bad_beta(beta):
    with pytest.raises(ValueError, match="beta"):
        fit_binomial([0.0, 0.5, 1.0], [8, 5, 2], [10, 10, 10], beta=beta)
