"""NEST's ``izhikevich`` update (models/izhikevich.cpp) as Brian2 functions, bit for bit in float64.

Brian2 would store v in volts (one rounding per conversion), reorder sums in its optimiser and compile
with ``-ffast-math`` (fused multiply-adds, reassociation): each rounds differently from NEST's mV/ms
arithmetic, and differences of 1e-15 grow until a spike moves a step. So the NEST schemes keep v in mV
(``vn``) and do the arithmetic inside these functions, written by hand in NEST's units and order; every
intermediate goes through a ``volatile`` double so no compiler fuses or reorders it. ``v`` (volts)
mirrors ``vn``; a value written to ``v`` from outside (``G.v = ...``) is taken over at the next step.
"""

from __future__ import annotations

import numpy as np
from brian2 import Function, second, volt

__all__ = ["nest_functions", "MV"]

#: One millivolt in volts, the factor between the mirror ``v`` and the state ``vn``.
MV = 0.001

_C = r'''
cdef extern from *:
    """
    static inline double izh_mv(double si, double mv) {
        volatile double back = mv * 0.001;
        if (back == si) return mv;
        return si / 0.001;
    }
    static inline double izh_si(double mv) { volatile double x = mv * 0.001; return x; }
    static inline double izh_nest_rhs(double v, double u, double I, double I_e, double I_ext,
                                      double k2, double k1, double k0) {
        volatile double t = k2 * v; t = t * v;
        volatile double s = k1 * v; t = t + s; t = t + k0; t = t - u; t = t + I; t = t + I_e;
        t = t + I_ext;
        return t;
    }
    static inline double izh_nest_v(int own, int ci, double v, double u, double I, double I_e,
                                    double I_ext, double w, double h, double k2, double k1, double k0) {
        if (!own) return v;
        volatile double x;
        if (ci) {
            x = izh_nest_rhs(v, u, I, I_e, I_ext, k2, k1, k0); x = h * x; x = x + w; x = v + x;
            return x;
        }
        volatile double hh = h * 0.5; volatile double y = v;
        x = izh_nest_rhs(y, u, I, I_e, I_ext, k2, k1, k0); x = x + w; x = hh * x; y = y + x;
        x = izh_nest_rhs(y, u, I, I_e, I_ext, k2, k1, k0); x = x + w; x = hh * x; y = y + x;
        return y;
    }
    static inline double izh_nest_u(int own, double v, double u, double h, double a, double b,
                                    double v_u, double g_u) {
        if (!own) return u;
        volatile double vu = v_u / 0.001; volatile double x = v - vu; x = b * x;
        volatile double g = g_u * u; x = x - g; volatile double ha = h * a; x = ha * x; x = u + x;
        return x;
    }
    static inline double izh_nest_clamp(int own, double v, double vmin) {
        if (own && v < vmin) return vmin;
        return v;
    }
    """
    double izh_mv(double, double)
    double izh_si(double)
    double izh_nest_v(int, int, double, double, double, double, double, double, double, double, double, double)
    double izh_nest_u(int, double, double, double, double, double, double, double)
    double izh_nest_clamp(int, double, double)
'''


def _np_mv(si, mv):
    si, mv = np.asarray(si, dtype=float), np.asarray(mv, dtype=float)
    return np.where(mv * MV == si, mv, si / MV)


def _np_rhs(v, u, I, I_e, I_ext, k2, k1, k0):
    # NEST's order: 0.04 * v * v + 5.0 * v + 140.0 - u + I + I_e (then I_ext, 0 for single neurons).
    return (((((k2 * v) * v + k1 * v) + k0) - u) + I + I_e) + I_ext


def _np_v(own, ci, v, u, I, I_e, I_ext, w, h, k2, k1, k0):
    v = np.asarray(v, dtype=float)
    with np.errstate(all="ignore"):
        if np.all(np.asarray(ci) != 0):
            new = v + (h * _np_rhs(v, u, I, I_e, I_ext, k2, k1, k0) + w)
        else:
            hh = h * 0.5
            new = v + hh * (_np_rhs(v, u, I, I_e, I_ext, k2, k1, k0) + w)
            new = new + hh * (_np_rhs(new, u, I, I_e, I_ext, k2, k1, k0) + w)
    return np.where(np.asarray(own) != 0, new, v)


def _np_u(own, v, u, h, a, b, v_u, g_u):
    u = np.asarray(u, dtype=float)
    with np.errstate(all="ignore"):
        new = u + (h * a) * (b * (v - np.asarray(v_u) / MV) - g_u * u)
    return np.where(np.asarray(own) != 0, new, u)


def _np_clamp(own, v, vmin):
    v = np.asarray(v, dtype=float)
    return np.where((np.asarray(own) != 0) & (v < vmin), vmin, v)


_SPECS = {
    # name: (python implementation, argument units, argument types, return unit)
    "izh_mv": (_np_mv, [volt, 1], ["float", "float"], 1),
    "izh_si": (lambda mv: np.asarray(mv, dtype=float) * MV, [1], ["float"], volt),
    "izh_nest_v": (_np_v, [1, 1, 1, volt / second, volt / second, 1, volt / second, 1, 1, 1, 1, 1],
                   ["integer", "integer"] + ["float"] * 10, 1),
    "izh_nest_u": (_np_u, [1, 1, volt / second, 1, 1, 1, volt, 1], ["integer"] + ["float"] * 7, volt / second),
    "izh_nest_clamp": (_np_clamp, [1, 1, 1], ["integer", "float", "float"], 1),
}


def nest_functions() -> dict:
    """The Brian2 functions of the NEST update by name, for a group's namespace (numpy and Cython)."""
    out = {}
    for name, (impl, units, types, ret) in _SPECS.items():
        f = Function(impl, arg_units=units, return_unit=ret, arg_types=types, return_type="float",
                     stateless=True)
        f.implementations.add_implementation("numpy", impl)
        if not out:  # one Cython block holds all five; the others depend on it
            f.implementations.add_implementation("cython", _C, name=name)
        else:
            f.implementations.add_implementation("cython", "", name=name, dependencies={"izh_mv": out["izh_mv"]})
        out[name] = f
    return out
