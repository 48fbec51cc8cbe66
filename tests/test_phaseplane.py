"""Phase-plane analysis: nullclines, fixed points and their stability, bifurcations, f-I curves."""

from __future__ import annotations

import numpy as np
import pytest

from izh_brian import get_preset, simulate
from izh_brian.analysis import phaseplane as pp


def _rhs(v, u, a, b, I, variant="standard"):
    k2, k1, k0, v_u, g_u = pp.coefficients(variant)
    return k2 * v * v + k1 * v + k0 - u + I, a * (b * (v - v_u) - g_u * u)


def test_nullclines_are_where_each_derivative_vanishes():
    """On the v-nullcline v' = 0 and on the u-nullcline u' = 0, for every variant."""
    for variant, (a, b, I) in {"standard": (0.02, 0.2, 3.0), "class1": (0.02, -0.1, 1.0),
                               "accommodation": (0.02, 1.0, 0.5)}.items():
        nc = pp.nullclines(a, b, I, variant=variant, v_range=(-80, 0), n=41)
        dv, _ = _rhs(nc["v"], nc["u_v"], a, b, I, variant)
        assert np.allclose(dv, 0, atol=1e-9)
        if variant == "accommodation":
            assert nc["v_u_line"] == -65.0 and np.all(np.isnan(nc["u_u"]))
            _, du = _rhs(-65.0, np.linspace(-20, 20, 5), a, b, I, variant)
            assert np.allclose(du, 0)
        else:
            _, du = _rhs(nc["v"], nc["u_u"], a, b, I, variant)
            assert np.allclose(du, 0, atol=1e-12)


def test_regular_spiking_rests_at_minus_70_with_threshold_saddle_at_minus_50():
    """With no input the RS cell (a=0.02, b=0.2) has a stable node at v = -70 mV (its rest) and
    a saddle at v = -50 mV (its threshold): roots of 0.04 v^2 + 4.8 v + 140 = 0."""
    fps = pp.fixed_points(0.02, 0.2, 0.0)
    assert [round(f.v, 9) for f in fps] == [-70.0, -50.0]
    assert [f.kind for f in fps] == ["stable node", "saddle"]
    assert fps[0].stable and not fps[1].stable
    assert fps[0].u == pytest.approx(-14.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_points_are_equilibria_and_eigenvalues_match_the_jacobian(seed):
    """Each reported fixed point makes both derivatives vanish; its eigenvalues are those of the
    finite-difference Jacobian of the vector field there."""
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(20):
        a, b, I = rng.uniform(0.005, 0.2), rng.uniform(-0.1, 0.3), rng.uniform(-5, 3)
        fps = pp.fixed_points(a, b, I)
        # equilibria: 0.04 v^2 + (5 - b) v + 140 + I = 0, two when the discriminant is positive
        assert len(fps) == (2 if (5 - b) ** 2 - 4 * 0.04 * (140 + I) > 0 else 0), (a, b, I)
        checked += len(fps)
        for f in fps:
            dv, du = _rhs(f.v, f.u, a, b, I)
            assert abs(dv) < 1e-8 and abs(du) < 1e-8
            h = 1e-6
            J = np.array([[(_rhs(f.v + h, f.u, a, b, I)[k] - _rhs(f.v - h, f.u, a, b, I)[k]) / (2 * h),
                           (_rhs(f.v, f.u + h, a, b, I)[k] - _rhs(f.v, f.u - h, a, b, I)[k]) / (2 * h)]
                          for k in (0, 1)])
            ev = np.sort_complex(np.linalg.eigvals(J))
            assert np.allclose(ev, np.sort_complex(np.asarray(f.eigenvalues, complex)), atol=1e-5)
    assert checked >= 10  # the loop really compared fixed points


def test_classify_eigenvalues_names_every_planar_type():
    """Opposite real signs: saddle; complex pair: focus; same real sign: node; stability by sign."""
    assert pp.classify_eigenvalues([-1, 2]) == "saddle"
    assert pp.classify_eigenvalues([-1, -2]) == "stable node"
    assert pp.classify_eigenvalues([1, 2]) == "unstable node"
    assert pp.classify_eigenvalues([-0.1 + 1j, -0.1 - 1j]) == "stable focus"
    assert pp.classify_eigenvalues([0.1 + 1j, 0.1 - 1j]) == "unstable focus"
    assert pp.classify_eigenvalues([1j, -1j]) == "center"


def test_integrator_rests_on_a_node_resonator_on_a_focus():
    """2004 Fig. 1 L (integrator) rests on a stable node (real eigenvalues, no preferred frequency);
    K (resonator) on a stable focus, whose damped oscillation has the frequency Im(lambda)/2pi."""
    L, K = get_preset("integrator"), get_preset("resonator")
    rest_L = pp.fixed_points(L.a, L.b, 0.0, variant=L.variant)[0]
    rest_K = pp.fixed_points(K.a, K.b, 0.0, variant=K.variant)[0]
    assert rest_L.kind == "stable node" and rest_L.oscillation_hz == 0
    assert rest_K.kind == "stable focus"
    lam = np.asarray(rest_K.eigenvalues, complex)
    assert rest_K.oscillation_hz == pytest.approx(abs(lam[0].imag) / (2 * np.pi) * 1000)
    assert 5 < rest_K.oscillation_hz < 100


def test_bifurcations_of_class_1_and_class_2_neurons():
    """Class 2 (H: a=0.2, b=0.26) loses rest in an Andronov-Hopf bifurcation at I = 0.4 (v = -60),
    before the saddle-node at I = 0.4225; class 1 (G, 4.1 v + 108, b = -0.1) in a saddle-node at
    I = 2.25 with no Hopf. The fixed-point analysis agrees on either side of each threshold."""
    H = pp.bifurcation(0.2, 0.26)
    assert H["kind"] == "Andronov-Hopf"
    assert H["I_hopf"] == pytest.approx(0.4) and H["v_hopf"] == pytest.approx(-60.0)
    assert H["I_saddle_node"] == pytest.approx(0.4225)
    below = pp.fixed_points(0.2, 0.26, 0.39)[0]
    above = pp.fixed_points(0.2, 0.26, 0.41)[0]
    assert below.kind == "stable focus" and above.kind == "unstable focus"

    G = pp.bifurcation(0.02, -0.1, variant="class1")
    assert G["kind"] == "saddle-node" and G["I_hopf"] is None
    assert G["I_saddle_node"] == pytest.approx(2.25)
    assert len(pp.fixed_points(0.02, -0.1, 2.24, variant="class1")) == 2
    assert pp.fixed_points(0.02, -0.1, 2.26, variant="class1") == []
    with pytest.raises(ValueError, match="accommodation"):
        pp.bifurcation(0.02, 1.0, variant="accommodation")
    with pytest.raises(ValueError, match="unknown equation variant"):
        pp.bifurcation(0.02, 0.2, variant="nope")


def test_phase_plane_of_a_result_uses_its_trajectory_and_input():
    """The trajectory is the simulated (v, u); the nullclines are drawn at the drive (the step
    of 14) or at rest (0) as asked."""
    r = simulate("tonic_spiking")
    d = pp.phase_plane(r)
    assert d["I"] == 14.0 and d["I_rest"] == 0.0
    assert np.array_equal(d["trajectory_v"], r.v_mV) and np.array_equal(d["trajectory_u"], r.u)
    assert d["fixed_points"] == []  # at I = 14 the RS-like cell fires tonically: no equilibrium
    assert [f.kind for f in d["fixed_points_rest"]] == ["stable node", "saddle"]
    assert pp.phase_plane(r, I="rest")["I"] == 0.0
    with pytest.raises(ValueError, match="drive"):
        pp.phase_plane(r, I="max")


def test_fi_curves_class_1_starts_slow_class_2_starts_fast():
    """Simulated in one NeuronGroup: the class 1 neuron starts firing at a low rate just above its
    saddle-node current; the class 2 neuron jumps to a rate of tens of Hz at onset. Both rates grow
    with I, and nothing fires well below threshold."""
    fi = pp.fi_curves(duration_ms=600.0, transient_ms=150.0)
    assert fi["n_neurons"] == sum(len(c) for c in fi["currents"])
    (I1, r1), (I2, r2) = zip(fi["currents"], fi["rates_hz"])
    on1, rate1 = pp.onset_rate(I1, r1)
    on2, rate2 = pp.onset_rate(I2, r2)
    assert rate1 < 8.0, f"class 1 onset rate {rate1} Hz is not low"
    assert rate2 > 20.0, f"class 2 onset rate {rate2} Hz is not a jump"
    assert 2.25 <= on1 < 2.6
    assert r1[-1] > rate1 and r2[-1] > rate2
    assert np.all(r1[I1 < 2.0] == 0) and np.all(r2[I2 < 0.2] == 0)


def test_fi_rate_matches_a_separate_step_simulation():
    """The rate of one f-I neuron (constant I through I_ext) equals the steady rate of the same
    neuron simulated alone under a step of the same I through the stimulus table."""
    H = get_preset("class_2_excitable")
    fi = pp.fi_curves(["class_2_excitable"], [1.0], duration_ms=600.0, transient_ms=200.0)
    r = simulate(pp.step_preset(H.a, H.b, H.c, H.d, 1.0, onset_ms=0.0, duration_ms=600.0, dt=H.dt, V0=H.V0))
    late = r.spike_times_ms[r.spike_times_ms >= 200.0]
    assert fi["rates_hz"][0][0] == pytest.approx(1000.0 / np.mean(np.diff(late)), rel=0.02)


def test_bad_input_is_named():
    """Malformed calls raise a ValueError that names the value."""
    with pytest.raises(ValueError, match="transient_ms"):
        pp.fi_curves(duration_ms=100.0, transient_ms=200.0)
    with pytest.raises(ValueError, match="currents"):
        pp.fi_curves(["class_2_excitable"], [np.nan])
    with pytest.raises(ValueError, match="a must be a finite number"):
        pp.step_preset(a=float("nan"))
    with pytest.raises(ValueError, match="n must be"):
        pp.nullclines(0.02, 0.2, n=1)
