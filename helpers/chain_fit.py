"""Fit the bias b and coupling J of a uniform open chain to its mean spin and bond correlation.

The chain has K spins s_i in {-1, +1} and energy
E(s) = -beta * (b * sum_i s_i + J * sum_i s_i s_(i+1)), with open ends. Its
sufficient statistics are sum_i s_i and sum_i s_i s_(i+1), so the maximum-likelihood
(b, J) for independent configurations is the pair whose model moments equal the
data moments: theta, the mean fraction of +1 spins, and the mean nearest-neighbour
correlation <s_i s_(i+1)> in +-1 units.
"""

import warnings
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats
from thrml.block_management import Block
from thrml.block_sampling import SamplingSchedule
from thrml.models.ising import IsingTrainingSpec, estimate_moments

from helpers._checks import as_finite_array, check_beta, check_chain_length, check_positive_int
from helpers.exact import exact_moments
from helpers.model import build_chain

# Schedule of the sampling-based fit when the caller does not set one. Each of
# n_replicas independent runs takes n_steps learning steps. Each step starts
# n_chains chains from random spins, discards n_warmup sweeps and averages the
# moments over n_samples states, steps_per_sample sweeps apart. The last
# n_averaged iterates of each run are averaged. Near the fit each step removes half
# of the remaining distance (learning_rate 0.5), so the 30 steps before averaging
# shrink the starting error by 2^-30. Noise-free iterations from the default start,
# on exact moments, reached every exact fit with |b|, |J| <= 3 on a grid of 2122
# pairs (theta, correlation) for K from 2 to 256 to within 1e-6 in those 30 steps.
# Sixteen runs give the standard error 15 degrees of freedom. The schedule was run
# with 12 to 24 keys for each (b, J, K) in (-0.14, 0.62, 16), (-0.3, 0.8, 32),
# (0.3, -0.3, 32), (0.3, 0.5, 16), (-0.7, -1.0, 16), (0.3, 1.0, 16), (0.2, -1.2, 4)
# and (-0.5, 0.3, 8). Every fit lay within 3.4 standard errors of the exact fit. Per case
# and parameter, (fit - exact) / standard error had a mean between -0.9 and +0.5 and
# a root mean square between 0.6 and 1.5.
# NOTE: the warm-up bias is not in the standard error. At (0.05, 1.0, 64) the 32
# warm-up sweeps leave the sampled mean spin about 0.006 low, so b comes out about
# 8 standard errors high. With n_warmup=64 those fits lay within 1.7 standard errors.
# Strong ferromagnetic coupling in long chains needs such a longer warm-up.
LEARNING_SCHEDULE = {
    "n_replicas": 16,
    "n_chains": 32,
    "n_steps": 80,
    "n_averaged": 50,
    "learning_rate": 0.5,
    "n_warmup": 32,
    "n_samples": 16,
    "steps_per_sample": 1,
}

METHODS = ("exact", "thrml")

# Number of times the sampling-based learning loop has been traced (and so
# compiled) in this process. Tests read it to check that a second call with the
# same shapes reuses the compiled code.
trace_count = 0

_NEWTON_MAX_ITERATIONS = 100
_NEWTON_RESIDUAL_TOLERANCE = 1e-13
_DERIVATIVE_STEP = 1e-5
# The central differences of _moment_jacobian carry an absolute error near 1e-11 per
# spin. Below this smallest eigenvalue per spin, the inverse covariance loses more
# than about 3e-4 of relative accuracy.
_MIN_COVARIANCE_EIGENVALUE_PER_SPIN = 1e-7
# Largest change of beta*b or beta*J in one learning step. With the default schedule
# the steps near the fit are far smaller, so the cap acts while the iterates travel
# from a distant start.
_MAX_NATURAL_STEP = 0.25
# Lag-1 autocorrelation of the constant-step iterates below which fit_chain warns
# that the steps overshoot, and the fewest iterates per run it is computed from.
_OVERSHOOT_AUTOCORRELATION = -0.5
_MIN_AUTOCORRELATION_ITERATES = 8


class ChainParameters(NamedTuple):
    """One number for b and one for J."""

    b: float
    J: float


class ChainFit(NamedTuple):
    """Result of `fit_chain`. Unpacks as `b, J, *rest`, so `b, J = fit[:2]` also works.

    **Fields:**

    - `b`: fitted bias per spin (dimensionless, energy in units of 1/beta).
    - `J`: fitted nearest-neighbour coupling. J > 0 favours aligned neighbours.
    - `stderr`: `ChainParameters(b, J)` of the fit's own error for the given
      moments. It is 0 for method "exact", which solves the moment equations to
      1e-13. For method "thrml" it is the standard deviation over independent
      replica runs divided by sqrt(n_replicas). It covers the Monte Carlo noise but
      not the sampler's warm-up bias, and it leaves out the sampling error of the
      data moments, which `chain_fisher_information` gives.
    - `method`: "exact" or "thrml".
    - `parameter_trace`: the iterates (b, J). Method "exact": Newton iterates,
      shape (n_iterations + 1, 2). Method "thrml": shape (n_replicas, n_steps + 1, 2),
      starting point included.
    - `moment_trace`: model (theta, correlation) at each iterate. Method "exact":
      exact values, shape (n_iterations + 1, 2). Method "thrml": the sampled
      estimates that set each step, shape (n_replicas, n_steps, 2).
    """

    b: float
    J: float
    stderr: ChainParameters
    method: str
    parameter_trace: np.ndarray
    moment_trace: np.ndarray


def nn_correlation_bounds(theta, K):
    """Return the open interval (lowest, highest) of correlations that a chain with this theta can have.

    The uniform open chain is an exponential family with sufficient statistics
    (sum_i s_i, sum_i s_i s_(i+1)). A pair of moments is reached by some finite
    (b, J) if and only if it lies in the interior of the convex hull of the values
    those statistics take on single configurations. The top edge of that hull is the
    correlation 1 of the all-up and all-down states. The bottom edge joins the
    configurations with the most domain walls for each number u of up spins,
    min(2u, 2(K - u), K - 1) walls, and is piecewise linear in theta. For large K it
    approaches 1 - 4 min(theta, 1 - theta), the bound of the infinite chain, which
    is stricter than this one at any finite K.

    **Arguments:**

    - `theta`: mean fraction of +1 spins, a scalar or an array with entries in [0, 1].
    - `K`: number of spins, at least 2.

    **Returns:** `(lowest, highest)`, float64 arrays with the shape of theta. A
    correlation strictly between them is reachable when 0 < theta < 1.
    """
    K = check_chain_length(K)
    theta = as_finite_array(theta, "theta")
    n_up = np.arange(K + 1)
    max_walls = np.minimum(np.minimum(2 * n_up, 2 * (K - n_up)), K - 1)
    lowest = np.interp(theta, n_up / K, 1.0 - 2.0 * max_walls / (K - 1))
    return lowest, np.ones_like(lowest)


def _check_moments(theta, nn_correlation, K):
    """Return (theta, nn_correlation) as floats, or raise ValueError naming the value and the fix."""
    theta_array = as_finite_array(theta, "theta")
    correlation_array = as_finite_array(nn_correlation, "nn_correlation")
    if theta_array.ndim != 0 or correlation_array.ndim != 0:
        raise ValueError(
            f"theta and nn_correlation must be single numbers, got shapes {theta_array.shape} and "
            f"{correlation_array.shape}. Call fit_chain once per pair of moments."
        )
    theta, correlation = float(theta_array), float(correlation_array)
    if not 0.0 < theta < 1.0:
        raise ValueError(
            f"theta must lie strictly between 0 and 1, got theta={theta}. Only an infinite bias makes "
            "every spin +1 or every spin -1, so check the data."
        )
    if not -1.0 < correlation < 1.0:
        raise ValueError(
            f"nn_correlation must lie strictly between -1 and 1, got nn_correlation={correlation}. "
            "It is the mean of s_i * s_(i+1) for spins s = +-1, so check its units."
        )
    lowest, _ = nn_correlation_bounds(theta, K)
    if correlation <= lowest:
        raise ValueError(
            f"nn_correlation={correlation} is too low for theta={theta} in an open chain of K={K} spins. "
            f"A chain with this fraction of +1 spins cannot alternate that often, so the correlation "
            f"must exceed {float(lowest):.6g}. Check that both moments come from the same "
            "configurations and the same K."
        )
    return theta, correlation


def _moment_jacobian(natural, K):
    """Return d(m, correlation) / d(beta b, beta J) by central differences of the exact moments.

    The result is diag(1/K, 1/(K - 1)) times the covariance of the sufficient statistics.
    Steps of 1e-5 keep the truncation and rounding errors near 1e-10.
    """
    columns = []
    for direction in np.eye(2):
        step = _DERIVATIVE_STEP * direction
        plus = exact_moments(*(natural + step), K)
        minus = exact_moments(*(natural - step), K)
        columns.append(np.array([2.0 * (plus[0] - minus[0]), plus[1] - minus[1]]) / (2.0 * _DERIVATIVE_STEP))
    return np.column_stack(columns)


def _statistics_covariance(natural, K):
    """Return the covariance of (sum_i s_i, sum_i s_i s_(i+1)) at natural = (beta b, beta J), symmetrised.

    Raises ValueError where the central differences cannot give it accurately.
    """
    covariance = np.diag([K, K - 1.0]) @ _moment_jacobian(natural, K)
    covariance = 0.5 * (covariance + covariance.T)
    finite = np.all(np.isfinite(covariance))
    smallest = np.linalg.eigvalsh(covariance)[0] if finite else np.nan
    if not smallest >= _MIN_COVARIANCE_EIGENVALUE_PER_SPIN * K:
        found = f"is {smallest:.3g}" if finite else "is not finite"
        raise ValueError(
            f"beta*b = {natural[0]:g}, beta*J = {natural[1]:g} with K={K} is outside the range where the "
            "Fisher information can be computed. The smallest eigenvalue of the covariance of the sufficient "
            f"statistics {found}, and central differences of the float64 moments lose eigenvalues below "
            f"{_MIN_COVARIANCE_EIGENVALUE_PER_SPIN * K:.3g}. The chain is nearly frozen in its lowest-energy "
            "configurations, so one configuration carries almost no information about b and J. Use smaller "
            "|b| and |J|, or a smaller beta."
        )
    return covariance


def chain_fisher_information(b, J, K, beta=1.0):
    """Return the 2x2 Fisher information of (b, J) carried by one configuration of the chain.

    For this exponential family the information is beta^2 times the covariance of the
    sufficient statistics (sum_i s_i, sum_i s_i s_(i+1)). It is computed from central
    differences of `exact_moments` and symmetrised. For N independent configurations,
    the delta-method covariance of the fitted (b, J) is inv(information) / N.

    The central differences have an absolute error near 1e-11 per spin, so the function
    accepts only parameters where the smallest eigenvalue of the covariance exceeds
    1e-7 per spin. There the inverse, which sets the standard errors, has a relative
    error below 3e-4 (checked against enumeration of chains of 4, 8 and 13 spins).
    Outside lie nearly frozen chains: at J = 0, for example, |beta*b| above about 7
    for K = 16 and above about 5.5 for K = 256.

    **Arguments:**

    - `b`, `J`: bias and coupling of the chain, single numbers.
    - `K`: number of spins, at least 2.
    - `beta`: inverse temperature, > 0.

    **Returns:** float64 array of shape (2, 2), ordered (b, J).

    **Raises:** `ValueError` for non-finite values, K < 2, beta <= 0, or parameters
    where the information is too small to compute accurately.
    """
    K = check_chain_length(K)
    beta = check_beta(beta)
    b_array = as_finite_array(b, "b")
    J_array = as_finite_array(J, "J")
    if b_array.ndim != 0 or J_array.ndim != 0:
        raise ValueError(
            f"b and J must be single numbers, got shapes {b_array.shape} and {J_array.shape}. "
            "Call chain_fisher_information once per pair."
        )
    natural = beta * np.array([float(b_array), float(J_array)])
    return beta**2 * _statistics_covariance(natural, K)


def _infinite_chain_start(theta, correlation):
    """Return (beta b, beta J) of the infinite chain with these moments, or (0, 0) if it has none.

    An infinite uniform chain is a stationary Markov chain, so its pair probabilities
    p++ = (1 + 2m + c)/4, p-- = (1 - 2m + c)/4 and p+- = (1 - c)/4 fix
    beta J = log(p++ p-- / p+-^2) / 4 and beta b = log(p++ / p--) / 2 - artanh(m).
    """
    m = 2.0 * theta - 1.0
    p_up_up = (1.0 + 2.0 * m + correlation) / 4.0
    p_down_down = (1.0 - 2.0 * m + correlation) / 4.0
    p_up_down = (1.0 - correlation) / 4.0
    if min(p_up_up, p_down_down, p_up_down) <= 0.0:
        return np.zeros(2)
    coupling = 0.25 * np.log(p_up_up * p_down_down / p_up_down**2)
    bias = 0.5 * np.log(p_up_up / p_down_down) - np.arctanh(m)
    return np.array([bias, coupling])


def _fit_exact(theta, correlation, K):
    """Solve for the natural parameters (beta b, beta J) by damped Newton steps on exact moments."""
    target = np.array([2.0 * theta - 1.0, correlation])

    def residual(natural):
        model_theta, model_correlation = exact_moments(natural[0], natural[1], K)
        return np.array([2.0 * float(model_theta) - 1.0, float(model_correlation)]) - target

    natural = _infinite_chain_start(theta, correlation)
    current = residual(natural)
    iterates, moments = [natural.copy()], [current + target]
    for _ in range(_NEWTON_MAX_ITERATIONS):
        if np.max(np.abs(current)) < _NEWTON_RESIDUAL_TOLERANCE:
            break
        step = -np.linalg.solve(_moment_jacobian(natural, K), current)
        # The moment map is the gradient of the convex log-partition function, so the
        # Newton direction lowers |residual|^2. Halve the step until it does (Armijo rule).
        length = 1.0
        while True:
            candidate = natural + length * step
            trial = residual(candidate)
            if np.sum(trial**2) <= (1.0 - 1e-4 * length) * np.sum(current**2) or length < 1e-10:
                break
            length /= 2.0
        if np.array_equal(candidate, natural):
            break
        natural, current = candidate, trial
        iterates.append(natural.copy())
        moments.append(current + target)
    if np.max(np.abs(current)) > 1e-11:
        raise RuntimeError(
            f"fit_chain's Newton solve stopped with moment residual {np.max(np.abs(current)):.1e} at "
            f"beta*b={natural[0]:.6g}, beta*J={natural[1]:.6g}. The moments lie so close to the edge of "
            "the reachable region that b or J is too large to compute, so check the moments."
        )
    moments = np.array(moments)
    moments[:, 0] = (moments[:, 0] + 1.0) / 2.0
    return natural, np.array(iterates), moments


@partial(
    jax.jit,
    static_argnames=("K", "n_replicas", "n_chains", "n_steps", "n_warmup", "n_samples", "steps_per_sample"),
)
def _boltzmann_learning(
    key,
    target,
    start,
    step_sizes,
    inverse_jacobian,
    beta,
    *,
    K,
    n_replicas,
    n_chains,
    n_steps,
    n_warmup,
    n_samples,
    steps_per_sample,
):
    """Run n_replicas independent learning runs and return their parameter and moment traces.

    inverse_jacobian is the inverse of d(m, correlation) / d(beta b, beta J), which turns
    the moment mismatch into a Newton step. Returns `(parameters, moments)` with shapes
    (n_replicas, n_steps + 1, 2) and (n_replicas, n_steps, 2). The moments are
    (m, correlation) in +-1 units.
    """
    global trace_count
    trace_count += 1
    schedule = SamplingSchedule(n_warmup, n_samples, steps_per_sample)

    def model_moments(step_key, parameters):
        chain = build_chain(parameters[0], parameters[1], K, beta)
        edges = list(zip(chain.nodes[:-1], chain.nodes[1:]))
        # All spins are visible, so the positive phase needs no sampling, and the data
        # enter through the target moments alone. The negative phase samples the model.
        spec = IsingTrainingSpec(
            chain.model,
            data_blocks=[Block(chain.nodes)],
            conditioning_blocks=[],
            positive_sampling_blocks=[],
            negative_sampling_blocks=chain.free_blocks,
            schedule_positive=schedule,
            schedule_negative=schedule,
        )

        def one_chain(chain_key):
            init_key, run_key = jax.random.split(chain_key)
            init_keys = jax.random.split(init_key, len(chain.free_blocks))
            init = [
                jax.random.bernoulli(k, 0.5, (len(block.nodes),)) for k, block in zip(init_keys, chain.free_blocks)
            ]
            return estimate_moments(
                run_key, chain.nodes, edges, spec.program_negative, spec.schedule_negative, init, []
            )

        spin_means, bond_means = jax.vmap(one_chain)(jax.random.split(step_key, n_chains))
        return jnp.stack([jnp.mean(spin_means), jnp.mean(bond_means)])

    def one_replica(replica_key):
        def step(parameters, inputs):
            step_key, step_size = inputs
            moments = model_moments(step_key, parameters)
            # target - moments is the log-likelihood gradient of one configuration, divided
            # by beta K for b and by beta (K - 1) for J. The inverse Jacobian turns it into a
            # Newton step in (beta b, beta J). Far from the fit a step is cut to at most
            # _MAX_NATURAL_STEP in each parameter, so that it cannot overshoot by much.
            natural_step = step_size * (inverse_jacobian @ (target - moments))
            natural_step = natural_step * jnp.minimum(1.0, _MAX_NATURAL_STEP / jnp.max(jnp.abs(natural_step)))
            new_parameters = parameters + natural_step / beta
            return new_parameters, (new_parameters, moments)

        step_keys = jax.random.split(replica_key, n_steps)
        _, (parameters, moments) = jax.lax.scan(step, start, (step_keys, step_sizes))
        return jnp.concatenate([start[None], parameters]), moments

    return jax.vmap(one_replica)(jax.random.split(key, n_replicas))


def _learning_step_sizes(learning_rate, n_steps, n_averaged):
    """Return the step size of each of n_steps Boltzmann-learning steps, shape (n_steps,).

    The first n_steps - n_averaged steps use learning_rate. The k-th of the last
    n_averaged steps (k = 0, 1, ...) uses learning_rate / sqrt(k + 1). With a constant
    step size the iterates keep fluctuating. Because the moments are not linear in
    (b, J), the mean of the fluctuating iterates is then biased by an amount that grows
    with the step size. The decaying steps shrink that bias while the iterates are
    averaged.
    """
    burn_in = np.full(n_steps - n_averaged, learning_rate)
    averaged = learning_rate / np.sqrt(np.arange(1, n_averaged + 1))
    return np.concatenate([burn_in, averaged])


def _fit_thrml(theta, correlation, K, beta, key, schedule, start):
    """Fit (b, J) by sampling-based moment matching and return a ChainFit."""
    step_sizes = _learning_step_sizes(schedule["learning_rate"], schedule["n_steps"], schedule["n_averaged"])
    # The exact fit only scales the steps. The iterates settle where the sampled
    # moments match the data, so any bias of the sampler shows up in the result.
    exact_natural, _, _ = _fit_exact(theta, correlation, K)
    try:
        covariance = _statistics_covariance(exact_natural, K)
    except ValueError as error:
        raise ValueError(
            f"fit_chain(method='thrml') cannot fit theta={theta}, nn_correlation={correlation} with K={K}: the "
            f"exact fit beta*b = {exact_natural[0]:g}, beta*J = {exact_natural[1]:g} is a nearly frozen chain, "
            "whose sampled moments cannot resolve b and J. Use method='exact'."
        ) from error
    inverse_jacobian = np.linalg.inv(np.diag([1.0 / K, 1.0 / (K - 1.0)]) @ covariance)
    if start is None:
        start = _infinite_chain_start(theta, correlation) / beta
    parameters, moments = _boltzmann_learning(
        key,
        jnp.asarray([2.0 * theta - 1.0, correlation], dtype=jnp.float32),
        jnp.asarray(start, dtype=jnp.float32),
        jnp.asarray(step_sizes, dtype=jnp.float32),
        jnp.asarray(inverse_jacobian, dtype=jnp.float32),
        jnp.float32(beta),
        K=K,
        n_replicas=schedule["n_replicas"],
        n_chains=schedule["n_chains"],
        n_steps=schedule["n_steps"],
        n_warmup=schedule["n_warmup"],
        n_samples=schedule["n_samples"],
        steps_per_sample=schedule["steps_per_sample"],
    )
    parameters = np.asarray(parameters, dtype=np.float64)
    moments = np.asarray(moments, dtype=np.float64)
    moments[..., 0] = (moments[..., 0] + 1.0) / 2.0

    window = parameters[:, -schedule["n_averaged"] :, :]
    replica_estimates = window.mean(axis=1)
    estimate = replica_estimates.mean(axis=0)
    stderr = replica_estimates.std(axis=0, ddof=1) / np.sqrt(schedule["n_replicas"])
    _warn_if_unconverged(parameters, schedule["n_averaged"], schedule["learning_rate"])
    return ChainFit(
        b=float(estimate[0]),
        J=float(estimate[1]),
        stderr=ChainParameters(float(stderr[0]), float(stderr[1])),
        method="thrml",
        parameter_trace=parameters,
        moment_trace=moments,
    )


def _warn_if_unconverged(parameters, n_averaged, learning_rate):
    """Warn when the iterates overshoot or still drift, because the standard error then understates the error.

    parameters has shape (n_replicas, n_steps + 1, 2). Near the fit each step shrinks
    the distance to the fixed point by the factor 1 - learning_rate, so the lag-1
    autocorrelation of the constant-step iterates is about 1 - learning_rate. A value
    below -0.5 means that each step overshoots by more than half the distance. The
    drift of a run is the mean of the second half of its averaged window minus the mean
    of the first half. The runs are independent, so their spread gives the drift a
    standard error.
    """
    constant_steps = parameters[:, : parameters.shape[1] - n_averaged, :]
    tail = constant_steps[:, constant_steps.shape[1] // 2 :, :]
    if tail.shape[1] >= _MIN_AUTOCORRELATION_ITERATES:
        centred = tail - tail.mean(axis=1, keepdims=True)
        lagged = (centred[:, 1:] * centred[:, :-1]).sum(axis=(0, 1))
        autocorrelation = lagged / np.maximum((centred**2).sum(axis=(0, 1)), np.finfo(np.float64).tiny)
        if np.any(autocorrelation < _OVERSHOOT_AUTOCORRELATION):
            warnings.warn(
                f"fit_chain(method='thrml'): successive iterates alternate around the fit (lag-1 "
                f"autocorrelation of (b, J) = ({autocorrelation[0]:+.2f}, {autocorrelation[1]:+.2f})), so the "
                f"steps overshoot and the stated standard error is unreliable. Lower learning_rate "
                f"(now {learning_rate:g}, default {LEARNING_SCHEDULE['learning_rate']:g}).",
                RuntimeWarning,
                stacklevel=4,
            )
            return

    window = parameters[:, -n_averaged:, :]
    half = window.shape[1] // 2
    drift = window[:, half:, :].mean(axis=1) - window[:, :half, :].mean(axis=1)
    mean_drift = drift.mean(axis=0)
    drift_stderr = drift.std(axis=0, ddof=1) / np.sqrt(drift.shape[0])
    z = np.abs(mean_drift) / np.maximum(drift_stderr, np.finfo(np.float64).tiny)
    # A converged fit exceeds this Student-t quantile with probability 1e-3 per parameter.
    if np.any(z > stats.t.ppf(1.0 - 0.5e-3, df=drift.shape[0] - 1)):
        warnings.warn(
            f"fit_chain(method='thrml'): the averaged iterates still drift by (b, J) = "
            f"({mean_drift[0]:+.2g}, {mean_drift[1]:+.2g}), {z.max():.1f} standard errors, so the runs "
            "have not converged and the stated standard error is too small. If the runs start far from the fit "
            f"or learning_rate (now {learning_rate:g}) is small, raise n_steps while keeping n_averaged. If the "
            "moment estimates of single steps are noisy, lower learning_rate or raise n_chains.",
            RuntimeWarning,
            stacklevel=4,
        )


def _check_schedule(overrides):
    """Return LEARNING_SCHEDULE updated by the non-None overrides, each checked."""
    schedule = dict(LEARNING_SCHEDULE)
    schedule.update({name: value for name, value in overrides.items() if value is not None})
    # The convergence check compares the two halves of each run's averaged window.
    minimums = {"n_replicas": 2, "n_chains": 1, "n_steps": 1, "n_averaged": 4, "n_warmup": 0, "n_samples": 1}
    minimums["steps_per_sample"] = 1
    for name, minimum in minimums.items():
        schedule[name] = check_positive_int(schedule[name], name, minimum=minimum)
    if schedule["n_averaged"] > schedule["n_steps"]:
        raise ValueError(
            f"n_averaged={schedule['n_averaged']} exceeds n_steps={schedule['n_steps']}. "
            "Average at most the iterates that the run makes."
        )
    rate = as_finite_array(schedule["learning_rate"], "learning_rate")
    if rate.ndim != 0 or rate <= 0:
        raise ValueError(
            f"learning_rate must be one positive number, got learning_rate={schedule['learning_rate']!r}."
        )
    schedule["learning_rate"] = float(rate)
    return schedule


def fit_chain(
    theta,
    nn_correlation,
    K,
    *,
    beta=1.0,
    method="exact",
    key=None,
    start=None,
    n_replicas=None,
    n_chains=None,
    n_steps=None,
    n_averaged=None,
    learning_rate=None,
    n_warmup=None,
    n_samples=None,
    steps_per_sample=None,
):
    """Fit the bias b and coupling J of a uniform open chain to its theta and bond correlation.

    Maximum likelihood for independent configurations of the chain reduces to moment
    matching: find (b, J) whose exact theta and mean nearest-neighbour correlation
    equal the given ones. The solution is unique whenever it exists.

    Method "exact" solves the two equations with Newton steps on the transfer-matrix
    moments of `exact_moments`, in float64, from the infinite-chain closed form, until
    both moments match to 1e-13. The Jacobian is the covariance of the sufficient
    statistics, taken by central differences.

    Method "thrml" runs Boltzmann learning: ascent on the log-likelihood, whose gradient
    is beta * (data moment - model moment). Each step estimates the model moments with
    THRML's `estimate_moments` on the negative-phase program of an `IsingTrainingSpec`,
    from n_chains chains that start at random spins, discard n_warmup sweeps and record
    n_samples states. The step in (beta b, beta J) is
    learning_rate * inv(A) (m_data - m_model, c_data - c_model), where m = 2 theta - 1
    and A = d(m, c) / d(beta b, beta J) at the exact fit. A is diag(1/K, 1/(K - 1))
    times the Fisher information of one configuration (`chain_fisher_information`)
    divided by beta^2. This natural-gradient step is a Newton step, so near the fit each
    step shrinks the distance to the fixed point by the factor 1 - learning_rate,
    whatever theta, nn_correlation and K are. A plain gradient step shrinks it by
    1 - learning_rate * (eigenvalue of A). For |beta b| and |beta J| up to 2 those
    eigenvalues range from below 0.1 to above 10, so no single plain step size is both
    stable and fast. No step changes beta b or beta J by more than 0.25. The exact fit
    sets only the size and direction of the steps. The iterates settle where the sampled
    moments match the data, so the result checks THRML's estimates. On a general graph,
    where no exact fit exists, a covariance of the sufficient statistics estimated from
    samples can take the place of A.

    The first n_steps - n_averaged steps use learning_rate. The k-th of the last
    n_averaged steps (k = 0, 1, ...) uses learning_rate / sqrt(k + 1), and those iterates
    are averaged. n_replicas independent runs go in one compiled call (`jax.lax.scan`
    over steps, `jax.vmap` over replicas and chains). The result is the mean of the runs'
    averages, and its standard error is their spread divided by sqrt(n_replicas), with
    n_replicas - 1 degrees of freedom. It covers the Monte Carlo noise. It does not
    cover the bias that n_warmup sweeps from random spins leave in each moment estimate,
    which grows with the coupling and with K. A `RuntimeWarning` reports iterates that
    alternate around the fit (lower learning_rate) or still drift while they are
    averaged (raise n_steps). A later call with the same K and schedule integers reuses
    the compiled loop. New moments, key, start, learning_rate or beta do not recompile it.

    **Arguments:**

    - `theta`: mean fraction of +1 spins, strictly between 0 and 1.
    - `nn_correlation`: mean of s_i s_(i+1) over the K - 1 bonds, in +-1 units. It must
      lie inside `nn_correlation_bounds(theta, K)`.
    - `K`: number of spins, at least 2.
    - `beta`: inverse temperature, > 0. The fit returns b and J in units of 1/beta.
    - `method`: "exact" or "thrml".

    Only for method "thrml" (defaults in `LEARNING_SCHEDULE`):

    - `key`: a JAX PRNG key, required.
    - `start`: initial (b, J). The default is the closed-form fit of the infinite chain
      with the same moments, which is also the Newton start of method "exact", or
      (0, 0) where the moments lie below the infinite-chain bound.
    - `n_replicas`: independent learning runs, at least 2. Their spread sets the standard error.
    - `n_chains`: chains per run and step.
    - `n_steps`: learning steps per run.
    - `n_averaged`: final iterates averaged per run, at least 4 and at most n_steps.
    - `learning_rate`: fraction of the Newton step taken, > 0. Near the fit the steps
      overshoot above 1 and diverge above 2.
    - `n_warmup`: sweeps discarded per chain and step, at least 0.
    - `n_samples`: states recorded per chain and step, at least 1.
    - `steps_per_sample`: sweeps between recorded states, at least 1.

    **Returns:** a `ChainFit`, which unpacks as `(b, J, stderr, method, parameter_trace,
    moment_trace)`.

    **Raises:** `ValueError` for moments outside the reachable region, non-finite
    values, K < 2, an unknown method, or schedule arguments given with method
    "exact". `TypeError` for a missing or invalid key with method "thrml".
    `RuntimeError` if Newton's method stops short of 1e-11 in the moments.
    """
    K = check_chain_length(K)
    beta = check_beta(beta)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got method={method!r}.")
    theta, correlation = _check_moments(theta, nn_correlation, K)
    overrides = {
        "n_replicas": n_replicas,
        "n_chains": n_chains,
        "n_steps": n_steps,
        "n_averaged": n_averaged,
        "learning_rate": learning_rate,
        "n_warmup": n_warmup,
        "n_samples": n_samples,
        "steps_per_sample": steps_per_sample,
    }

    if method == "exact":
        thrml_only = [name for name, value in overrides.items() if value is not None]
        if key is not None:
            thrml_only.insert(0, "key")
        if start is not None:
            thrml_only.append("start")
        if thrml_only:
            raise ValueError(
                f"{', '.join(thrml_only)} apply only to method='thrml'. Drop them or pass method='thrml'."
            )
        natural, iterates, moments = _fit_exact(theta, correlation, K)
        return ChainFit(
            b=float(natural[0] / beta),
            J=float(natural[1] / beta),
            stderr=ChainParameters(0.0, 0.0),
            method="exact",
            parameter_trace=iterates / beta,
            moment_trace=moments,
        )

    if not (isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)):
        raise TypeError(f"method='thrml' needs key, a JAX PRNG key made with jax.random.key(seed), got {key!r}.")
    if start is not None:
        start = as_finite_array(start, "start")
        if start.shape != (2,):
            raise ValueError(f"start must be one pair (b, J), got shape {start.shape}.")
    schedule = _check_schedule(overrides)
    return _fit_thrml(theta, correlation, K, beta, key, schedule, start)
