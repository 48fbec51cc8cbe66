"""Test oracle: an independent plain-numpy transcription of Izhikevich's net.m (2003).

Written from the MATLAB listing (reference section 4), line by line, with
MATLAB's 1-based ``t`` kept: the spike recorded at ``t`` is at step
``k = t - 1`` of izh_brian's grid (time ``k*dt``). It shares no code with
izh_brian (in particular not with ``izh_brian.network.netm``): it takes the random draws
(re/ri-derived parameters, the weight matrix, the thalamic input of every step)
as plain arrays.

    for t=1:1000
      I=[5*randn(Ne,1);2*randn(Ni,1)];
      fired=find(v>=30);
      firings=[firings; t+0*fired,fired];
      v(fired)=c(fired);
      u(fired)=u(fired)+d(fired);
      I=I+sum(S(:,fired),2);
      v=v+0.5*(0.04*v.^2+5*v+140-u+I);
      v=v+0.5*(0.04*v.^2+5*v+140-u+I);
      u=u+a.*(b.*v-u);
    end;
"""

import numpy as np


def netm_firings(a, b, c, d, S, I_thalamic, v_init=-65.0):
    """Run net.m; return ``firings`` as an (n_spikes, 2) int array of (t, neuron), t 1-based ms.

    ``S[i, j]`` is the weight from j onto i; ``I_thalamic[t-1]`` is the input drawn at step t.
    """
    a = np.array(a, dtype=float)
    b = np.array(b, dtype=float)
    c = np.array(c, dtype=float)
    d = np.array(d, dtype=float)
    S = np.array(S, dtype=float)
    N = a.size
    v = v_init * np.ones(N)
    u = b * v
    firings = []
    for t in range(1, I_thalamic.shape[0] + 1):
        I = np.array(I_thalamic[t - 1], dtype=float)
        fired = np.nonzero(v >= 30)[0]
        for f in fired:
            firings.append((t, f))
        v[fired] = c[fired]
        u[fired] = u[fired] + d[fired]
        I = I + S[:, fired].sum(axis=1)
        v = v + 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + I)
        v = v + 0.5 * (0.04 * v ** 2 + 5 * v + 140 - u + I)
        u = u + a * (b * v - u)
    return np.array(firings, dtype=np.int64).reshape(-1, 2)


def netm_paper_draws(seed, Ne=800, Ni=200, T=1000, we=0.5, wi=1.0):
    """net.m's own random quantities, drawn from ``numpy.random.default_rng(seed)`` in net.m's order.

    Returns a, b, c, d, S and the thalamic input (T x N), exactly as net.m builds
    them from ``re = rand(Ne,1); ri = rand(Ni,1); S = [0.5*rand(N,Ne), -rand(N,Ni)]``
    and one ``[5*randn(Ne,1); 2*randn(Ni,1)]`` per ms.
    """
    rng = np.random.default_rng(seed)
    N = Ne + Ni
    re = rng.random(Ne)
    ri = rng.random(Ni)
    a = np.r_[0.02 * np.ones(Ne), 0.02 + 0.08 * ri]
    b = np.r_[0.2 * np.ones(Ne), 0.25 - 0.05 * ri]
    c = np.r_[-65 + 15 * re ** 2, -65 * np.ones(Ni)]
    d = np.r_[8 - 6 * re ** 2, 2 * np.ones(Ni)]
    S = np.hstack([we * rng.random((N, Ne)), -wi * rng.random((N, Ni))])
    I = np.empty((T, N))
    for t in range(T):
        I[t] = np.r_[5 * np.ones(Ne), 2 * np.ones(Ni)] * rng.standard_normal(N)
    return a, b, c, d, S, I
