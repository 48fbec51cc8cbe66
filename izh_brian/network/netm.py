r"""A plain-numpy transcription of Izhikevich's ``net.m`` (2003): the benchmark baseline.

``net.m`` is the 13-line MATLAB program published with "Simple model of
spiking neurons" (IEEE TNN 14(6), 2003). Its loop, for ``t = 1 .. T`` (1 ms
steps)::

    I = [5*randn(Ne,1); 2*randn(Ni,1)];          % thalamic input, fresh every ms
    fired = find(v >= 30);                        % from the state of the previous step
    firings = [firings; t+0*fired, fired];
    v(fired) = c(fired);  u(fired) = u(fired) + d(fired);
    I = I + sum(S(:,fired), 2);                   % spikes act in this same step
    v = v + 0.5*(0.04*v.^2 + 5*v + 140 - u + I);  % two half steps of v ...
    v = v + 0.5*(0.04*v.^2 + 5*v + 140 - u + I);  % ... for numerical stability
    u = u + a.*(b.*v - u);                        % u from the new v

This module is what :func:`benchmarks.network.benchmark_network` times the
Brian2 network against: the program as a numpy user would write it, with no
tricks beyond numpy's own vectorisation. It draws its random numbers in the
order documented in :func:`izh_brian.network.build.draw_network` (re, ri, weights,
then one normal vector per step), so a seed gives the same network and the
same thalamic input as the Brian2 build.

The test suite checks the Brian2 network against a *separate* transcription
(``tests/netm_oracle.py``), not against this one.
"""

from __future__ import annotations

import numpy as np

__all__ = ["run_netm", "run_netm_seeded"]


def run_netm(a, b, c, d, S, noise, *, v0=-65.0, vpeak=30.0, dt=1.0):
    """Run net.m's loop on given parameters, weights and thalamic input.

    Parameters
    ----------
    a, b, c, d : ndarray, shape (N,)
        Per-neuron parameters (paper units).
    S : ndarray, shape (N, N)
        ``S[i, j]`` is the weight from neuron j onto neuron i (mV/ms).
    noise : ndarray, shape (n_steps, N)
        Thalamic input of each step (mV/ms).
    v0 : float
        Initial v (mV); ``u0 = b*v0``.
    vpeak : float
        Spike cut-off (``v >= vpeak``).
    dt : float
        Step (ms); net.m uses 1.

    Returns
    -------
    steps, neurons : ndarray of int
        The step index ``k`` (spike time ``k*dt`` ms) and the neuron of each spike,
        in the order net.m records them (by step, then neuron index).
    """
    a, b, c, d = (np.asarray(x, float) for x in (a, b, c, d))
    noise = np.asarray(noise, float)
    v = np.full(a.shape[0], float(v0))
    u = b * v
    return _loop(a, b, c, d, np.asarray(S, float), lambda k: noise[k], noise.shape[0], v, u, vpeak, dt)


def _loop(a, b, c, d, S, get, n_steps, v, u, vpeak, dt):
    steps, neurons = [], []
    half = 0.5 * dt
    for k in range(n_steps):
        I = get(k).copy()
        fired = np.flatnonzero(v >= vpeak)
        if fired.size:
            steps.append(np.full(fired.size, k))
            neurons.append(fired)
            v[fired] = c[fired]
            u[fired] = u[fired] + d[fired]
            I = I + S[:, fired].sum(axis=1)
        v = v + half * (0.04 * v**2 + 5 * v + 140 - u + I)
        v = v + half * (0.04 * v**2 + 5 * v + 140 - u + I)
        u = u + dt * a * (b * v - u)
    if steps:
        return np.concatenate(steps), np.concatenate(neurons)
    return np.zeros(0, int), np.zeros(0, int)


def run_netm_seeded(ne=800, ni=200, duration_ms=1000.0, seed=0, *, we=0.5, wi=1.0, sigma_e=5.0, sigma_i=2.0):
    """net.m itself, with its random numbers drawn from ``numpy.random.default_rng(seed)``.

    Draw order (the same as :func:`izh_brian.network.build.draw_network`): ``re``
    (Ne uniforms), ``ri`` (Ni uniforms), the excitatory weight block
    ``we*rand(N, Ne)``, the inhibitory block ``-wi*rand(N, Ni)``, then each
    step a standard-normal N-vector scaled by ``sigma_e`` (excitatory) and
    ``sigma_i`` (inhibitory).

    Returns
    -------
    steps, neurons : ndarray of int
        As :func:`run_netm`; spike times are ``steps`` ms.
    """
    rng = np.random.default_rng(seed)
    n = ne + ni
    re = rng.random(ne)
    ri = rng.random(ni)
    a = np.concatenate([0.02 * np.ones(ne), 0.02 + 0.08 * ri])
    b = np.concatenate([0.2 * np.ones(ne), 0.25 - 0.05 * ri])
    c = np.concatenate([-65 + 15 * re**2, -65 * np.ones(ni)])
    d = np.concatenate([8 - 6 * re**2, 2 * np.ones(ni)])
    S = np.concatenate([we * rng.random((n, ne)), -wi * rng.random((n, ni))], axis=1)
    scale = np.concatenate([np.full(ne, sigma_e), np.full(ni, sigma_i)])
    n_steps = int(round(duration_ms))

    def get(k):
        return scale * rng.standard_normal(n)

    v = np.full(n, -65.0)
    u = b * v
    return _loop(a, b, c, d, S, get, n_steps, v, u, 30.0, 1.0)
