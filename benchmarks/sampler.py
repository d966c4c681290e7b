"""Time helpers.sample_theta: the first call (trace and compile) and a second call with new values.

Run with `.venv/bin/python benchmarks/sampler.py`. Prints one line per batch size.
"""

import time

import jax
import numpy as np

import helpers
import helpers.sampling


def time_call(b, n_chains, seed):
    start = time.perf_counter()
    mean, _ = helpers.sample_theta(
        b, helpers.J_REFERENCE, helpers.K_REFERENCE, key=jax.random.key(seed), n_chains=n_chains,
        **helpers.REFERENCE_SCHEDULE,
    )
    mean.sum()  # sample_theta returns numpy arrays, so the work has finished here
    return time.perf_counter() - start


def main():
    schedule = helpers.REFERENCE_SCHEDULE
    sweeps = schedule["n_warmup"] + (schedule["n_samples"] - 1) * schedule["steps_per_sample"]
    print(f"K = {helpers.K_REFERENCE}, {sweeps} sweeps per chain, jax {jax.__version__}, devices {jax.devices()}")
    for n_conditions, n_chains in [(3, 2000), (5, 2000), (101, 400)]:
        traces_before = helpers.sampling.trace_count
        b = np.linspace(-1.8, 0.7, n_conditions)
        first = time_call(b, n_chains, seed=0)
        second = time_call(b + 0.01, n_chains, seed=1)
        recompiled = helpers.sampling.trace_count - traces_before - 1
        chain_sweeps = n_conditions * n_chains * sweeps
        print(
            f"{n_conditions:4d} conditions x {n_chains:5d} chains: first call {first:5.2f} s, "
            f"second call {second:5.2f} s ({chain_sweeps / second / 1e6:.2f} M chain-sweeps/s), "
            f"extra compilations on the second call: {recompiled}"
        )


if __name__ == "__main__":
    main()
