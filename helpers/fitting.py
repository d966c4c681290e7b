"""Fit the drive and constraint biases (b_alpha, b_gamma) to measured theta, in float64.

The model is theta(c) = sigma(2 beta (b_alpha - c * b_gamma)), the exact
equilibrium of uncoupled spins (J = 0) under the net bias b = b_alpha - c * b_gamma.
`fit_binomial` can also fit other response curves of the same linear predictor,
to test that model against data.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from scipy.special import expit, xlogy
from scipy.stats import norm

from helpers._checks import as_finite_array, check_beta
from helpers._links import check_link, link_terms


class ParameterPair(NamedTuple):
    """One number for each fitted bias."""

    b_alpha: float
    b_gamma: float


@dataclass(frozen=True)
class MeanFieldFit:
    """Result of `fit_mean_field`.

    **Fields:**

    - `b_alpha`, `b_gamma`: fitted drive and constraint biases (dimensionless).
    - `report`: scipy's `OptimizeResult` from Nelder-Mead (`x`, `fun`, `nit`, `success`, ...).
    """

    b_alpha: float
    b_gamma: float
    report: OptimizeResult


def _check_conditions(c, theta):
    c = as_finite_array(c, "c")
    theta = as_finite_array(theta, "theta")
    if c.ndim != 1 or c.shape != theta.shape:
        raise ValueError(f"c and theta must be 1-d arrays of one length, got shapes {c.shape} and {theta.shape}.")
    outside = (theta < 0) | (theta > 1)
    if outside.any():
        row = int(np.argmax(outside))
        raise ValueError(f"theta must lie in [0, 1], but row {row} has theta={theta[row]}.")
    if np.unique(c).size < 2:
        raise ValueError(f"need at least two distinct values of c to fit two biases, got c={c.tolist()}.")
    return c, theta


def mean_field_loss(params, c, theta, *, beta=1.0, floor=1e-3):
    """Return the squared-error loss that `fit_mean_field` minimises.

    Sum over conditions of (sigma(2 beta b) - max(theta, floor))^2, plus 1 for every
    pair of neighbouring conditions (sorted by c) whose predicted order differs
    from the order of their targets. The floor replaces theta = 0, which no
    finite bias reaches.
    """
    b_alpha, b_gamma = params
    order = np.argsort(c, kind="stable")
    c, theta = c[order], theta[order]
    predicted = expit(2.0 * beta * (b_alpha - c * b_gamma))
    loss = np.sum((predicted - np.maximum(theta, floor)) ** 2)
    target_step = np.sign(np.diff(theta))
    predicted_step = np.sign(np.diff(predicted))
    misordered = (target_step != 0) & (predicted_step != target_step)
    return float(loss + np.count_nonzero(misordered))


def fit_mean_field(c, theta, *, beta=1.0, floor=1e-3, start=(0.5, 2.0)):
    """Fit b_alpha, b_gamma by least squares on sigma(2 beta (b_alpha - c b_gamma)).

    Minimises `mean_field_loss` with Nelder-Mead (xatol 1e-6, fatol 1e-8) from
    `start`. On the three reference targets (c = 0, 0.5, 1; theta = 0.80, 0.26, 0.00)
    it returns b_alpha = 0.7069, b_gamma = 2.4979.

    **Arguments:**

    - `c`: constraint strengths, shape (n,).
    - `theta`: measured fractions of +1 spins in [0, 1], shape (n,).
    - `beta`: inverse temperature, > 0.
    - `floor`: smallest target used in the loss, so theta = 0 becomes `floor`.
    - `start`: initial (b_alpha, b_gamma).

    **Returns:** a `MeanFieldFit`.
    """
    beta = check_beta(beta)
    c, theta = _check_conditions(c, theta)
    start = as_finite_array(start, "start")
    if start.shape != (2,):
        raise ValueError(f"start must be one pair (b_alpha, b_gamma), got shape {start.shape}.")
    report = minimize(
        lambda params: mean_field_loss(params, c, theta, beta=beta, floor=floor),
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 10_000},
    )
    return MeanFieldFit(float(report.x[0]), float(report.x[1]), report)


class Prediction(NamedTuple):
    """Predicted theta at given constraint values, with its standard error from the fit."""

    theta: np.ndarray
    stderr: np.ndarray


@dataclass(frozen=True)
class BinomialFit:
    """Result of `fit_binomial`: maximum-likelihood biases and goodness of fit.

    **Fields:**

    - `b_alpha`, `b_gamma`: fitted biases (dimensionless).
    - `stderr`: their standard errors from the observed Fisher information.
    - `covariance`: 2x2 covariance of (b_alpha, b_gamma).
    - `theta_fit`: fitted theta per row, shape (n,).
    - `deviance`: 2 * (log-likelihood of the saturated model - that of the fit).
    - `dof`: degrees of freedom of the deviance, rows minus 2.
    - `log_likelihood`: binomial log-likelihood at the fit, without the binomial coefficients.
    - `n_iterations`: Newton steps taken.
    - `c`, `n_plus`, `n_total`: the fitted data, float64, shape (n,).
    - `beta`: inverse temperature of the fit.
    - `link`: name of the link, as passed to `fit_binomial`.
    - `pearson_residuals`: (n_plus - n_total theta_fit) / sqrt(n_total theta_fit (1 - theta_fit))
      per row, the miss in binomial standard deviations.
    - `deviance_residuals`: signed square root of each row's share of `deviance`, signed like
      n_plus - n_total theta_fit; their squares sum to `deviance`.
    """

    b_alpha: float
    b_gamma: float
    stderr: ParameterPair
    covariance: np.ndarray
    theta_fit: np.ndarray
    deviance: float
    dof: int
    log_likelihood: float
    n_iterations: int
    c: np.ndarray
    n_plus: np.ndarray
    n_total: np.ndarray
    beta: float
    link: str
    pearson_residuals: np.ndarray
    deviance_residuals: np.ndarray

    def confidence_intervals(self, level=0.95):
        """Return Wald intervals, estimate -+ z * stderr, as a `ParameterPair` of (low, high) pairs.

        z is the standard normal quantile for the two-sided `level`, 1.96 for 0.95.
        """
        level_array = as_finite_array(level, "level")
        if level_array.ndim != 0 or not 0.0 < level_array < 1.0:
            raise ValueError(f"level must be one number between 0 and 1, such as 0.95, got level={level!r}.")
        z = norm.ppf(0.5 + float(level_array) / 2.0)
        return ParameterPair(
            b_alpha=(self.b_alpha - z * self.stderr.b_alpha, self.b_alpha + z * self.stderr.b_alpha),
            b_gamma=(self.b_gamma - z * self.stderr.b_gamma, self.b_gamma + z * self.stderr.b_gamma),
        )

    def predict(self, c):
        """Return the fitted theta at constraint values c, with its standard error.

        The standard error carries the uncertainty of (b_alpha, b_gamma) to theta to
        first order (the delta method): the variance of eta = 2 beta (b_alpha - c b_gamma)
        from `covariance`, times (d theta / d eta)^2. It does not include the binomial
        noise of a new measurement at c.

        **Arguments:**

        - `c`: constraint values, a scalar or an array, any real numbers.

        **Returns:** a `Prediction` (`theta`, `stderr`), float64 arrays with the shape of c.
        """
        c = as_finite_array(c, "c")
        eta = 2.0 * self.beta * (self.b_alpha - c * self.b_gamma)
        gradient = 2.0 * self.beta * np.stack([np.ones_like(c), -c], axis=-1)
        eta_variance = np.einsum("...i,ij,...j->...", gradient, self.covariance, gradient)
        terms = link_terms(self.link, eta)
        d_theta = terms.theta * terms.d_log_theta
        return Prediction(theta=terms.theta, stderr=np.abs(d_theta) * np.sqrt(eta_variance))


def _check_counts(values, name):
    counts = as_finite_array(values, name)
    if counts.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of counts, got shape {counts.shape}.")
    negative = counts < 0
    if negative.any():
        row = int(np.argmax(negative))
        raise ValueError(f"{name} must be non-negative counts, but row {row} has {name}={counts[row]}.")
    fractional = counts != np.round(counts)
    if fractional.any():
        row = int(np.argmax(fractional))
        raise ValueError(f"{name} must be whole numbers, but row {row} has {name}={counts[row]}.")
    return counts


def _check_separation(c, n_plus, n_minus):
    """Raise ValueError when the data are separated, so that the likelihood has no finite maximum.

    With one regressor the maximum exists only if +1 and -1 units overlap in c:
    some +1 unit sits above the lowest c with a -1 unit, and some -1 unit sits
    above the lowest c with a +1 unit. This holds for every link of `fit_binomial`.
    """
    c_plus, c_minus = c[n_plus > 0], c[n_minus > 0]
    if c_plus.size == 0 or c_minus.size == 0:
        state = "+1" if c_minus.size == 0 else "-1"
        raise ValueError(
            f"every observed unit is {state}, so the fitted biases would be infinite; "
            "the data need both +1 and -1 units."
        )
    if c_plus.max() <= c_minus.min() or c_minus.max() <= c_plus.min():
        if c_plus.max() <= c_minus.min():
            low, high, threshold = "+1", "-1", (c_plus.max(), c_minus.min())
        else:
            low, high, threshold = "-1", "+1", (c_minus.max(), c_plus.min())
        raise ValueError(
            f"the data are separated: every {low} unit has c <= {threshold[0]} and every {high} unit "
            f"has c >= {threshold[1]}, so the likelihood keeps growing as |b_gamma| grows and no "
            "finite fit exists. Add conditions where both states occur across the same c."
        )


def _log_likelihood(terms, n_plus, n_minus):
    return float(np.sum(n_plus * terms.log_theta + n_minus * terms.log_one_minus_theta))


def _observed_information(design, terms, n_plus, n_minus):
    """Return minus the Hessian of the log-likelihood in the parameters of `design`."""
    curvature = n_plus * terms.d2_log_theta + n_minus * terms.d2_log_one_minus_theta
    return design.T @ (-curvature[:, None] * design)


def _expected_information(design, terms, n_total):
    """Return the Fisher information, the observed one averaged over binomial counts."""
    theta = terms.theta
    one_minus_theta = np.exp(terms.log_one_minus_theta)
    curvature = n_total * (theta * terms.d2_log_theta + one_minus_theta * terms.d2_log_one_minus_theta)
    return design.T @ (-curvature[:, None] * design)


def _is_positive_definite(matrix):
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def _check_fit_input(c, n_plus, n_total):
    c = as_finite_array(c, "c")
    n_plus = _check_counts(n_plus, "n_plus")
    n_total = _check_counts(n_total, "n_total")
    if not (c.ndim == 1 and c.shape == n_plus.shape == n_total.shape):
        raise ValueError(
            f"c, n_plus and n_total must be 1-d arrays of one length, got shapes "
            f"{c.shape}, {n_plus.shape} and {n_total.shape}."
        )
    empty = n_total == 0
    if empty.any():
        row = int(np.argmax(empty))
        raise ValueError(f"n_total must be at least 1; row {row} has n_total=0. Drop rows with no units.")
    too_many = n_plus > n_total
    if too_many.any():
        row = int(np.argmax(too_many))
        raise ValueError(
            f"n_plus cannot exceed n_total, but row {row} has n_plus={n_plus[row]:g} > n_total={n_total[row]:g}."
        )
    if np.unique(c).size < 2:
        raise ValueError(f"need at least two distinct values of c to fit two biases, got c={c.tolist()}.")
    _check_separation(c, n_plus, n_total - n_plus)
    return c, n_plus, n_total


def fit_binomial(c, n_plus, n_total, *, beta=1.0, link="logit", tol=1e-12, max_iter=100):
    """Fit b_alpha, b_gamma by maximum binomial likelihood on counts of +1 units.

    Row i has n_total[i] independent units, n_plus[i] of them at +1, at constraint
    c[i], and theta_i = F(eta_i) with the linear predictor
    eta_i = 2 beta (b_alpha - c_i b_gamma). The default link, F = sigma, is the exact
    equilibrium of uncoupled Ising spins, and the fit is then logistic regression of
    the +1 fraction on c. The other links give the same linear predictor a different
    response curve, so their biases are not Ising biases:

    - `"cloglog"`: theta = 1 - exp(-exp(eta)), which approaches 1 faster than it leaves 0.
    - `"loglog"`: theta = exp(-exp(-eta)), the mirror image, which approaches 0 faster.

    Newton's method runs in float64 from (0, 0) with c centred and scaled to [-1, 1],
    which keeps the steps well conditioned for any real c. A step that would lower
    the likelihood is halved until it does not. Where the observed information is
    not positive definite (possible away from the maximum for the non-logit links)
    the expected information takes its place. Standard errors come from the inverse
    of the observed Fisher information at the maximum. For the logit link it equals
    the expected information.

    **Arguments:**

    - `c`: constraint values, shape (n,), any real numbers with at least two distinct.
    - `n_plus`: units observed at +1 per row, whole numbers in [0, n_total].
    - `n_total`: units observed per row, whole numbers >= 1.
    - `beta`: inverse temperature, > 0. Only beta * b_alpha and beta * b_gamma are
      identified, so the fitted biases scale as 1 / beta.
    - `link`: `"logit"` (default), `"cloglog"` or `"loglog"`.
    - `tol`: the fit stops once a Newton step changes no scaled parameter by more than
      tol * (1 + the largest scaled parameter magnitude).
    - `max_iter`: maximum number of Newton steps. Needing more raises `RuntimeError`.

    **Returns:** a `BinomialFit`.

    **Raises:** `ValueError` for invalid counts, fewer than two distinct c, NaN, an
    unknown link, or separated data (all +1 on one side of some c and all -1 on the
    other), where the likelihood has no finite maximum. `RuntimeError` if Newton's
    method has not converged after max_iter steps.
    """
    beta = check_beta(beta)
    link = check_link(link)
    c, n_plus, n_total = _check_fit_input(c, n_plus, n_total)
    n_minus = n_total - n_plus

    # Internal linear predictor eta = a + s * z with z = (c - centre) / half_range in [-1, 1].
    centre = (c.max() + c.min()) / 2.0
    half_range = (c.max() - c.min()) / 2.0
    design = np.column_stack([np.ones_like(c), (c - centre) / half_range])
    params = np.zeros(2)
    terms = link_terms(link, design @ params)
    log_likelihood = _log_likelihood(terms, n_plus, n_minus)
    for iteration in range(1, max_iter + 1):
        score = design.T @ (n_plus * terms.d_log_theta + n_minus * terms.d_log_one_minus_theta)
        information = _observed_information(design, terms, n_plus, n_minus)
        if not _is_positive_definite(information):
            information = _expected_information(design, terms, n_total)
        step = np.linalg.solve(information, score)
        # Halve the step while it lowers the likelihood by more than rounding can explain.
        fraction = 1.0
        for _ in range(60):
            candidate = params + fraction * step
            candidate_terms = link_terms(link, design @ candidate)
            candidate_log_likelihood = _log_likelihood(candidate_terms, n_plus, n_minus)
            if candidate_log_likelihood >= log_likelihood - 1e-12 * (1.0 + abs(log_likelihood)):
                break
            fraction /= 2.0
        params, terms, log_likelihood = candidate, candidate_terms, candidate_log_likelihood
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(params))):
            break
    else:
        raise RuntimeError(f"fit_binomial did not converge in {max_iter} Newton steps; last step {step}.")

    # (b_alpha, b_gamma) = to_biases @ (a, s), from 2 beta (b_alpha - c b_gamma) = a + s (c - centre) / half_range.
    to_biases = np.array([[1.0, -centre / half_range], [0.0, -1.0 / half_range]]) / (2.0 * beta)
    internal_covariance = np.linalg.inv(_observed_information(design, terms, n_plus, n_minus))
    covariance = to_biases @ internal_covariance @ to_biases.T
    b_alpha, b_gamma = to_biases @ params

    theta = terms.theta
    one_minus_theta = np.exp(terms.log_one_minus_theta)
    saturated = xlogy(n_plus, n_plus / n_total) + xlogy(n_minus, n_minus / n_total)
    fitted = n_plus * terms.log_theta + n_minus * terms.log_one_minus_theta
    unit_deviance = np.maximum(2.0 * (saturated - fitted), 0.0)
    sign = np.sign(n_plus - n_total * theta)
    return BinomialFit(
        b_alpha=float(b_alpha),
        b_gamma=float(b_gamma),
        stderr=ParameterPair(*np.sqrt(np.diag(covariance))),
        covariance=covariance,
        theta_fit=theta,
        deviance=float(2.0 * (np.sum(saturated) - log_likelihood)),
        dof=int(c.size - 2),
        log_likelihood=log_likelihood,
        n_iterations=iteration,
        c=c,
        n_plus=n_plus,
        n_total=n_total,
        beta=beta,
        link=link,
        pearson_residuals=(n_plus - n_total * theta) / np.sqrt(n_total * theta * one_minus_theta),
        deviance_residuals=sign * np.sqrt(unit_deviance),
    )
