"""Exact equilibrium values of the open Ising chain with uniform b and J.

The chain has K spins s_i in {-1, +1} and energy
E(s) = -beta * (b * sum_i s_i + J * sum_i s_i s_{i+1}), with open ends.
"""

import itertools

import numpy as np

from helpers._checks import as_finite_array, broadcast_finite, check_beta, check_chain_length


def _normalized(matrix):
    """Divide each matrix in a stack by its largest entry, which keeps powers finite."""
    return matrix / np.max(matrix, axis=(-2, -1), keepdims=True)


def _block_power_sums(M, first, second, n):
    """Return sum_j M^j X M^(n-1-j) for X = first and X = second, up to one common factor.

    Both sums are off-diagonal blocks of the n-th power of the block matrix
    [[M, first, second], [0, M, 0], [0, 0, M]], computed by repeated squaring.
    Every entry is non-negative, so no step subtracts and nothing cancels.
    """
    zero = np.zeros_like(M)
    block = np.block([[M, first, second], [zero, M, zero], [zero, zero, M]])
    power = np.broadcast_to(np.eye(6), block.shape).copy()
    while n:
        if n & 1:
            power = _normalized(power @ block)
        block = _normalized(block @ block)
        n >>= 1
    return power[..., 0:2, 2:4], power[..., 0:2, 4:6]


def _chain_moments(b, J, K, beta):
    """Return (theta, mean nearest-neighbour correlation <s_i s_(i+1)> in +-1 units).

    Z = u^T M^(K-1) u with the symmetric transfer matrix M = D^(1/2) Q D^(1/2),
    Q[s, s'] = exp(beta J s s'), D = diag(exp(beta b), exp(-beta b)) and
    u = D^(1/2) (1, 1). The probability that site i is up inserts the projector
    E+ = diag(1, 0) between M^(i-1) and M^(K-i); summing over i gives an
    off-diagonal block of a block-matrix power. Bonds work the same way with the
    aligned and anti-aligned parts of M. Entries are scaled by
    exp(-|beta J| - |beta b|) so that none overflows.
    """
    hb, hJ = beta * b, beta * J
    scale = np.abs(hJ) + np.abs(hb)
    half_up = np.exp((hb - np.abs(hb)) / 2.0)
    half_down = np.exp((-hb - np.abs(hb)) / 2.0)
    u = np.stack([half_up, half_down], axis=-1)
    aligned = np.exp(hJ - scale)
    anti = np.exp(-hJ - scale)
    M = np.empty(b.shape + (2, 2))
    M[..., 0, 0] = aligned * half_up**2
    M[..., 1, 1] = aligned * half_down**2
    M[..., 0, 1] = M[..., 1, 0] = anti * half_up * half_down

    def quadratic_form(X):
        return np.einsum("...i,...ij,...j->...", u, X, u)

    E_up = np.zeros_like(M)
    E_up[..., 0, 0] = 1.0
    E_down = np.zeros_like(M)
    E_down[..., 1, 1] = 1.0
    up_sum, down_sum = _block_power_sums(M, E_up, E_down, K)
    n_up, n_down = quadratic_form(up_sum), quadratic_form(down_sum)
    theta = n_up / (n_up + n_down)

    M_aligned = M * np.eye(2)
    M_anti = M - M_aligned
    aligned_sum, anti_sum = _block_power_sums(M, M_aligned, M_anti, K - 1)
    n_aligned, n_anti = quadratic_form(aligned_sum), quadratic_form(anti_sum)
    correlation = (n_aligned - n_anti) / (n_aligned + n_anti)
    return theta, correlation


def exact_theta(b, J, K, beta=1.0):
    """Return the exact mean fraction of +1 spins of an open chain, by transfer matrices.

    theta is the probability of s_i = +1 averaged over the K sites, computed in
    float64 by repeated squaring of non-negative transfer matrices, so the cost
    grows like log K and no step cancels. Tested against enumeration to 1e-10 for
    |beta*b| and |beta*J| up to 100; larger values raise ValueError.

    **Arguments:**

    - `b`: uniform bias per spin (dimensionless); a scalar or an array.
    - `J`: uniform nearest-neighbour coupling; a scalar or an array broadcastable with b.
      J > 0 favours aligned neighbours.
    - `K`: number of spins, at least 2.
    - `beta`: inverse temperature, > 0.

    **Returns:** float64 array with the broadcast shape of b and J (a 0-d array for scalars).
    """
    theta, _ = _moments(b, J, K, beta)
    return theta


def exact_moments(b, J, K, beta=1.0):
    """Return (theta, mean nearest-neighbour correlation) of an open chain, exactly.

    The correlation is <s_i s_(i+1)> in +-1 units, averaged over the K - 1 bonds.
    Arguments, accuracy and shapes are those of `exact_theta`; both arrays have the
    broadcast shape of b and J.
    """
    return _moments(b, J, K, beta)


# Largest |beta*b| and |beta*J| at which the scaled transfer matrices stay clear of
# float64 underflow; tests compare with enumeration up to this bound.
MAX_SCALED_PARAMETER = 100.0


def _moments(b, J, K, beta):
    K = check_chain_length(K)
    beta = check_beta(beta)
    b, J = broadcast_finite(b=b, J=J)
    for name, value in (("b", b), ("J", J)):
        too_large = np.abs(beta * value) > MAX_SCALED_PARAMETER
        if too_large.any():
            raise ValueError(
                f"beta*{name} = {beta * value[too_large].flat[0]:g} is outside the accurate range "
                f"|beta*{name}| <= {MAX_SCALED_PARAMETER:g} of the transfer matrices; "
                "use a smaller beta or rescale b and J."
            )
    return _chain_moments(b, J, K, beta)


def brute_force_theta(b, J, K, beta=1.0):
    """Return theta of the open chain by summing over all 2**K states (K <= 20).

    A slow, independent reference for `exact_theta`, for scalars b and J only.
    """
    K = check_chain_length(K)
    beta = check_beta(beta)
    if K > 20:
        raise ValueError(f"brute_force_theta enumerates 2**K states; K={K} is too many, use K <= 20.")
    b = as_finite_array(b, "b")
    J = as_finite_array(J, "J")
    if b.ndim != 0 or J.ndim != 0:
        raise ValueError(f"brute_force_theta takes single numbers b and J, got shapes {b.shape} and {J.shape}.")
    b, J = float(b), float(J)
    states = np.array(list(itertools.product((-1.0, 1.0), repeat=K)))
    energy = -beta * (b * states.sum(axis=1) + J * (states[:, :-1] * states[:, 1:]).sum(axis=1))
    log_weight = -energy - np.max(-energy)
    weight = np.exp(log_weight)
    fraction_up = (states > 0).mean(axis=1)
    return float(weight @ fraction_up / weight.sum())
