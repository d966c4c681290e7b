"""Closed-form and mean-field predictions of theta for the open Ising chain."""

import numpy as np
from scipy.special import expit

from helpers._checks import as_finite_array, broadcast_finite, check_beta, check_chain_length


def uncoupled_theta(b, beta=1.0):
    """Return sigma(2 beta b), the exact fraction of +1 spins when J = 0, for any K.

    With no coupling the spins are independent and P(s = +1) = e^(beta b) /
    (e^(beta b) + e^(-beta b)) = sigma(2 beta b). Array b gives an array of its shape.
    """
    beta = check_beta(beta)
    return expit(2.0 * beta * as_finite_array(b, "b"))


def mean_field_theta(b, J=0.0, K=16, beta=1.0, *, tol=1e-12, max_iter=100_000):
    """Return the naive mean-field theta of an open chain of K spins.

    Each site feels its neighbours only through their mean spins:
    m_i = tanh(beta * (b + J * (m_(i-1) + m_(i+1)))), with one neighbour at each end.
    The equations are solved by damped fixed-point iteration from the uncoupled
    solution, and theta = (1 + mean_i m_i) / 2. With J = 0 this is sigma(2 beta b),
    which is exact. With J != 0 it is an approximation: its error grows with |J|.
    For J > 0 and b = 0 the iteration stays on the symmetric solution m = 0.

    **Arguments:**

    - `b`: uniform bias (dimensionless); a scalar or an array.
    - `J`: uniform coupling, a scalar or an array broadcastable with b; J > 0 favours alignment.
    - `K`: number of spins, at least 2.
    - `beta`: inverse temperature, > 0.

    **Returns:** float64 array with the broadcast shape of b and J.

    **Raises:** `RuntimeError` if the iteration has not converged after max_iter sweeps.
    """
    K = check_chain_length(K)
    beta = check_beta(beta)
    b, J = broadcast_finite(b=b, J=J)
    if not np.any(J):
        return uncoupled_theta(b, beta)

    field = beta * b[..., None]
    coupling = beta * J[..., None]
    m = np.broadcast_to(np.tanh(field), b.shape + (K,)).copy()
    for _ in range(max_iter):
        neighbours = np.zeros_like(m)
        neighbours[..., 1:] += m[..., :-1]
        neighbours[..., :-1] += m[..., 1:]
        update = np.tanh(field + coupling * neighbours)
        change = np.max(np.abs(update - m), initial=0.0)
        m = 0.5 * m + 0.5 * update
        if change < tol:
            return (1.0 + m.mean(axis=-1)) / 2.0
    hint = (
        "for strong antiferromagnetic coupling the damped iteration can cycle, and naive mean field "
        "is a poor model there anyway; use exact_theta"
        if np.any(J < 0)
        else "raise max_iter or loosen tol"
    )
    raise RuntimeError(
        f"mean_field_theta did not converge in {max_iter} sweeps (last change {change:.2e}); {hint}."
    )
