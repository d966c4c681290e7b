"""Input checks shared by the helpers. Each error names the value and the fix."""

import numbers

import jax
import numpy as np


def check_chain_length(K):
    """Return K as an int, or raise ValueError unless it is a whole number >= 2."""
    if isinstance(K, bool) or not isinstance(K, numbers.Integral):
        raise TypeError(f"K must be a whole number of spins, got {K!r} of type {type(K).__name__}.")
    if K < 2:
        raise ValueError(f"K must be at least 2 spins for a chain with couplings, got K={K}.")
    return int(K)


def check_positive_int(value, name, minimum=1):
    """Return value as an int, or raise unless it is a whole number >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r} of type {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {name}={value}.")
    return int(value)


def as_finite_array(value, name):
    """Return value as a float64 array, or raise ValueError naming the first non-finite entry."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a real number or an array of them, got {value!r}.") from error
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {index}" if array.ndim else ""
        raise ValueError(f"{name} must be finite, got {array[bad].flat[0]}{where}; replace NaN or inf values.")
    return array


def check_beta(beta):
    """Return beta as a float, or raise unless it is finite and > 0."""
    beta_array = as_finite_array(beta, "beta")
    if beta_array.ndim != 0 or beta_array <= 0:
        raise ValueError(f"beta must be one positive number (inverse temperature), got beta={beta!r}.")
    return float(beta_array)


def check_key(key):
    """Raise TypeError unless key is a typed JAX PRNG key."""
    if not (isinstance(key, jax.Array) and jax.numpy.issubdtype(key.dtype, jax.dtypes.prng_key)):
        raise TypeError(f"key must be a JAX PRNG key made with jax.random.key(seed), got {key!r}.")


def broadcast_finite(**arrays):
    """Return the named values as finite float64 arrays broadcast to one shape.

    Raises ValueError naming the shapes when they do not broadcast together.
    """
    checked = {name: as_finite_array(value, name) for name, value in arrays.items()}
    try:
        return np.broadcast_arrays(*checked.values())
    except ValueError:
        shapes = ", ".join(f"{name} {array.shape}" for name, array in checked.items())
        raise ValueError(f"shapes do not broadcast together: {shapes}; pass arrays of one shape or scalars.") from None
