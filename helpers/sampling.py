"""Batched THRML block-Gibbs estimates of theta and independent spin configurations, each in one compiled call."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from thrml.block_management import Block
from thrml.block_sampling import SamplingSchedule, sample_states

from helpers._checks import as_finite_array, broadcast_finite, check_beta, check_chain_length, check_key, check_positive_int
from helpers.model import build_chain

# Schedule that the notebooks use for the weakly coupled reference chain: with
# |J| << 1 a chain decorrelates from its random start within a few sweeps, so 100 sweeps of
# warm-up is ample, and 50 states 2 sweeps apart give each chain a low-noise average.
REFERENCE_SCHEDULE = {"n_warmup": 100, "n_samples": 50, "steps_per_sample": 2}

# Number of times the sampler has been traced (and so compiled) in this process.
# Tests read it to check that a second call with the same shapes reuses the compiled code.
trace_count = 0


# THRML samples in float32. Beyond this size a field or coupling only saturates the
# conditional probabilities, and near float32's limit it overflows to inf.
MAX_SCALED_PARAMETER = 1e4


def _check_float32_range(values, name):
    too_large = np.abs(values) > MAX_SCALED_PARAMETER
    if too_large.any():
        raise ValueError(
            f"{name} = {values[too_large].flat[0]:g} is outside |{name}| <= {MAX_SCALED_PARAMETER:g}, "
            "the range that THRML's float32 sampler handles; rescale b, J or beta."
        )


def _run_chain(chain, schedule, chain_key):
    """Run one chain from uniformly random spins; return its recorded states, shape (n_samples, K).

    n_warmup sweeps remove the random start before the first recorded state.
    """
    init_key, run_key = jax.random.split(chain_key)
    init_keys = jax.random.split(init_key, len(chain.free_blocks))
    init = [jax.random.bernoulli(k, 0.5, (len(block.nodes),)) for k, block in zip(init_keys, chain.free_blocks)]
    return sample_states(run_key, chain.program, schedule, init, [], [Block(chain.nodes)])[0]


@partial(jax.jit, static_argnames=("K", "n_chains", "n_warmup", "n_samples", "steps_per_sample"))
def _chain_thetas(key, b, J, beta, *, K, n_chains, n_warmup, n_samples, steps_per_sample):
    """Return per-chain time-averaged theta, shape (len(b), n_chains), for flat b and J."""
    global trace_count
    trace_count += 1
    schedule = SamplingSchedule(n_warmup, n_samples, steps_per_sample)

    def one_condition(condition_key, b_one, J_one):
        chain = build_chain(b_one, J_one, K, beta)

        def one_chain(chain_key):
            return jnp.mean(_run_chain(chain, schedule, chain_key), dtype=jnp.float32)

        return jax.vmap(one_chain)(jax.random.split(condition_key, n_chains))

    condition_keys = jax.random.split(key, b.shape[0])
    return jax.vmap(one_condition)(condition_keys, b, J)


def sample_theta(b, J, K, *, key, n_chains, n_warmup, n_samples, steps_per_sample, beta=1.0):
    """Estimate theta for every entry of b with THRML's block Gibbs sampler, in one compiled call.

    Each condition runs n_chains independent chains from random starts. A chain
    does n_warmup sweeps (one sweep updates the even sites, then the odd sites),
    then records n_samples states, steps_per_sample sweeps apart, and averages the
    fraction of +1 spins over them. The estimate is the mean over chains and its
    standard error is the standard deviation over chains divided by sqrt(n_chains).
    Because the chains are independent, that error is honest whatever the
    autocorrelation within a chain, provided n_warmup is long enough to forget the
    start.

    A second call with the same K, n_chains, schedule and number of conditions
    reuses the compiled sampler. New values of b, J, beta or key do not recompile.

    **Arguments:**

    - `b`: uniform bias per spin (dimensionless), a scalar or an array.
    - `J`: uniform nearest-neighbour coupling, broadcastable with b; J > 0 favours alignment.
    - `K`: number of spins in the open chain, at least 2.
    - `key`: a JAX PRNG key (keyword only).
    - `n_chains`: independent chains per condition, at least 2.
    - `n_warmup`: sweeps discarded before the first recorded state, at least 0.
    - `n_samples`: states recorded per chain, at least 1.
    - `steps_per_sample`: sweeps between recorded states, at least 1.
    - `beta`: inverse temperature, > 0.

    **Returns:** `(theta, standard_error)`, float64 arrays with the broadcast shape of b and J.
    """
    K = check_chain_length(K)
    n_chains = check_positive_int(n_chains, "n_chains", minimum=2)
    n_warmup = check_positive_int(n_warmup, "n_warmup", minimum=0)
    n_samples = check_positive_int(n_samples, "n_samples", minimum=1)
    steps_per_sample = check_positive_int(steps_per_sample, "steps_per_sample", minimum=1)
    beta = check_beta(beta)
    check_key(key)
    b, J = broadcast_finite(b=b, J=J)
    _check_float32_range(beta * b, "beta*b")
    _check_float32_range(beta * J, "beta*J")

    thetas = _chain_thetas(
        key,
        jnp.asarray(b.ravel(), dtype=jnp.float32),
        jnp.asarray(J.ravel(), dtype=jnp.float32),
        jnp.float32(beta),
        K=K,
        n_chains=n_chains,
        n_warmup=n_warmup,
        n_samples=n_samples,
        steps_per_sample=steps_per_sample,
    )
    thetas = np.asarray(thetas, dtype=np.float64)
    mean = thetas.mean(axis=1)
    standard_error = thetas.std(axis=1, ddof=1) / np.sqrt(n_chains)
    return mean.reshape(b.shape), standard_error.reshape(b.shape)


@partial(jax.jit, static_argnames=("K", "n_configurations", "n_warmup"))
def _final_states(key, b, J, beta, *, K, n_configurations, n_warmup):
    """Return the state of each independent chain after n_warmup sweeps, shape (n_configurations, K)."""
    chain = build_chain(b, J, K, beta)
    # With n_samples = 1 THRML records only the state at the end of warm-up.
    schedule = SamplingSchedule(n_warmup, 1, 1)
    chain_keys = jax.random.split(key, n_configurations)
    return jax.vmap(lambda chain_key: _run_chain(chain, schedule, chain_key)[0])(chain_keys)


def sample_configurations(b, J, K, *, key, n_configurations, n_warmup, beta=1.0):
    """Draw independent spin configurations of an open chain with THRML's block Gibbs sampler.

    Each configuration is the last state of its own chain, which starts from uniformly
    random spins and runs n_warmup sweeps (even sites, then odd sites). The
    configurations are therefore independent draws from the Boltzmann distribution,
    up to the bias that n_warmup sweeps leave from the random start. All chains run in
    one compiled call.

    **Arguments:**

    - `b`: uniform bias per spin (dimensionless), one number.
    - `J`: uniform nearest-neighbour coupling, one number. J > 0 favours alignment.
    - `K`: number of spins in the open chain, at least 2.
    - `key`: a JAX PRNG key (keyword only).
    - `n_configurations`: number of configurations, one chain each, at least 1.
    - `n_warmup`: sweeps each chain runs before its state is recorded, at least 1.
    - `beta`: inverse temperature, > 0.

    **Returns:** int8 array of shape (n_configurations, K) with entries -1 and +1, sites in chain order.
    """
    K = check_chain_length(K)
    n_configurations = check_positive_int(n_configurations, "n_configurations", minimum=1)
    n_warmup = check_positive_int(n_warmup, "n_warmup", minimum=1)
    beta = check_beta(beta)
    check_key(key)
    b = as_finite_array(b, "b")
    J = as_finite_array(J, "J")
    _check_float32_range(beta * b, "beta*b")
    _check_float32_range(beta * J, "beta*J")
    if b.ndim != 0 or J.ndim != 0:
        raise ValueError(f"b and J must be single numbers, got shapes {b.shape} and {J.shape}.")

    states = _final_states(
        key,
        jnp.float32(b),
        jnp.float32(J),
        jnp.float32(beta),
        K=K,
        n_configurations=n_configurations,
        n_warmup=n_warmup,
    )
    return np.where(np.asarray(states), 1, -1).astype(np.int8)
