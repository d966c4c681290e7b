"""Fit the drive and constraint biases (b_alpha, b_gamma) to measured theta, in float64.

The model is theta(c) = sigma(2 beta (b_alpha - c * b_gamma)), the exact
equilibrium of uncoupled spins (J = 0) under the net bias b = b_alpha - c * b_gamma.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.optimize import OptimizeResult, minimize
from scipy.special import expit, xlogy

from helpers._checks import as_finite_array, check_beta


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
        raise ValueError(f"theta must lie in [0, 1]; row {row} has theta={theta[row]}.")
    if np.unique(c).size < 2:
        raise ValueError(f"need at least two distinct values of c to fit two biases, got c={c.tolist()}.")
    return c, theta


def mean_field_loss(params, c, theta, *, beta=1.0, floor=1e-3):
    """Return the squared-error loss that `fit_mean_field` minimises.

    Sum over conditions of (sigma(2 beta b) - max(theta, floor))^2, plus 1 for every
    pair of neighbouring conditions (sorted by c) whose predicted order differs
    from the order of their targets. The floor stands in for theta = 0, which no
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
    report = minimize(
        lambda params: mean_field_loss(params, c, theta, beta=beta, floor=floor),
        np.asarray(start, dtype=np.float64),
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 10_000},
    )
    return MeanFieldFit(float(report.x[0]), float(report.x[1]), report)


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


def _check_counts(values, name):
    counts = as_finite_array(values, name)
    if counts.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array of counts, got shape {counts.shape}.")
    negative = counts < 0
    if negative.any():
        row = int(np.argmax(negative))
        raise ValueError(f"{name} must be non-negative counts; row {row} has {name}={counts[row]}.")
    fractional = counts != np.round(counts)
    if fractional.any():
        row = int(np.argmax(fractional))
        raise ValueError(f"{name} must be whole numbers; row {row} has {name}={counts[row]}.")
    return counts


def _check_separation(c, n_plus, n_minus):
    """Raise ValueError when the data are separated, so that the likelihood has no finite maximum.

    With one regressor the maximum exists only if +1 and -1 units overlap in c:
    some +1 unit sits above the lowest c with a -1 unit, and some -1 unit sits
    above the lowest c with a +1 unit.
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


def fit_binomial(c, n_plus, n_total, *, beta=1.0, tol=1e-12, max_iter=100):
    """Fit b_alpha, b_gamma by maximum binomial likelihood on counts of +1 units.

    Row i has n_total[i] independent units, n_plus[i] of them at +1, at constraint
    c[i], and theta_i = sigma(2 beta (b_alpha - c_i b_gamma)). This is logistic
    regression of the +1 fraction on c. Newton's method runs in float64 from
    (0, 0). Standard errors come from the inverse of the observed Fisher
    information, which equals the expected information for this link.

    **Arguments:**

    - `c`: constraint values, shape (n,), any real numbers with at least two distinct.
    - `n_plus`: units observed at +1 per row, whole numbers in [0, n_total].
    - `n_total`: units observed per row, whole numbers >= 1.
    - `beta`: inverse temperature, > 0.

    **Returns:** a `BinomialFit`.

    **Raises:** `ValueError` for invalid counts, fewer than two distinct c, NaN, or
    separated data (all +1 on one side of some c and all -1 on the other).
    """
    beta = check_beta(beta)
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
            f"n_plus cannot exceed n_total; row {row} has n_plus={n_plus[row]:g} > n_total={n_total[row]:g}."
        )
    if np.unique(c).size < 2:
        raise ValueError(f"need at least two distinct values of c to fit two biases, got c={c.tolist()}.")
    _check_separation(c, n_plus, n_total - n_plus)

    # Linear predictor eta = X @ (b_alpha, b_gamma) with X = 2 beta [1, -c].
    X = 2.0 * beta * np.column_stack([np.ones_like(c), -c])
    params = np.zeros(2)
    for iteration in range(1, max_iter + 1):
        theta = expit(X @ params)
        weight = n_total * theta * (1.0 - theta)
        information = X.T @ (weight[:, None] * X)
        score = X.T @ (n_plus - n_total * theta)
        step = np.linalg.solve(information, score)
        params = params + step
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(params))):
            break
    else:
        raise RuntimeError(f"fit_binomial did not converge in {max_iter} Newton steps; last step {step}.")

    theta = expit(X @ params)
    weight = n_total * theta * (1.0 - theta)
    covariance = np.linalg.inv(X.T @ (weight[:, None] * X))
    n_minus = n_total - n_plus
    log_likelihood = float(np.sum(xlogy(n_plus, theta) + xlogy(n_minus, 1.0 - theta)))
    saturated = float(np.sum(xlogy(n_plus, n_plus / n_total) + xlogy(n_minus, n_minus / n_total)))
    return BinomialFit(
        b_alpha=float(params[0]),
        b_gamma=float(params[1]),
        stderr=ParameterPair(*np.sqrt(np.diag(covariance))),
        covariance=covariance,
        theta_fit=theta,
        deviance=2.0 * (saturated - log_likelihood),
        dof=int(c.size - 2),
        log_likelihood=log_likelihood,
        n_iterations=iteration,
    )
