"""Plot functions take arrays, accept ``ax=``, return axes that hold the data, and never touch pyplot."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from izh_brian import plotting as P


@pytest.fixture(scope="module")
def fig1_results():
    from izh_brian import REFERENCE_PRESETS, simulate_many

    return simulate_many([n for n, p in REFERENCE_PRESETS.items() if p.paper == "2004"])


def _lines_with(ax, x, y):
    """The lines of ``ax`` whose data equal (x, y)."""
    return [ln for ln in ax.lines
            if len(ln.get_xdata()) == len(x) and np.allclose(ln.get_xdata(), x, equal_nan=True)
            and np.allclose(ln.get_ydata(), y, equal_nan=True)]


def test_plot_trace_draws_voltage_and_stimulus_band():
    """The voltage is drawn as given; the input current is rescaled into the band beneath it,
    its lowest value at stim_offset and its highest at stim_offset + stim_height."""
    t = np.arange(0, 10, 0.5)
    v = -65 + np.sin(t)
    I = np.where(t > 3, 14.0, 0.0)
    ax = P.plot_trace(t, v, I, stim_offset=-90, stim_height=10)
    assert _lines_with(ax, t, v), "the voltage trace is not drawn as given"
    band = _lines_with(ax, t, np.where(t > 3, -80.0, -90.0))
    assert band, "the stimulus is not rescaled into [-90, -80]"
    given = Figure().add_subplot()
    assert P.plot_trace(t, v, ax=given) is given


def test_paper_grid_reproduces_fig1_layout(fig1_results):
    """2004 Fig. 1: 20 panels in 5 rows x 4 columns, lettered A-T in order, each with its voltage
    trace, the stimulus beneath, and a scale bar labelled in ms."""
    axes = P.plot_paper_grid(fig1_results, ncols=4)
    assert len(axes) == 20
    geometry = {ax.get_subplotspec().get_geometry()[:2] for ax in axes}
    assert geometry == {(5, 4)}
    letters = [ax.get_title(loc="left").split(")")[0].split("(")[-1] for ax in axes]
    assert letters == list("ABCDEFGHIJKLMNOPQRST")
    for ax, r in zip(axes, fig1_results):
        assert _lines_with(ax, r.t_ms, r.v_mV), f"panel {r.preset.panel} lacks its voltage trace"
        stim = [ln for ln in ax.lines if len(ln.get_xdata()) == len(r.t_ms)
                and np.nanmax(ln.get_ydata()) <= -85 + 1e-9]
        assert stim, f"panel {r.preset.panel} lacks the stimulus beneath the trace"
        assert any(txt.get_text().endswith(" ms") for txt in ax.texts), "no time scale bar"
        assert any(txt.get_text() == "20 mV" for txt in ax.texts), "no voltage scale bar"


def test_parameter_sweep_draws_one_row_per_parameter():
    """The parameter figure: one row per parameter, one panel per value, each panel holding its own voltage
    trace with the stimulus beneath; the unchanged neuron's panel is titled in bold with (RS)."""
    t = np.arange(0, 20, 0.25)

    def panel(value, base=False):
        return {"value": value, "t_ms": t, "v_mV": -65 + value * np.sin(t), "I": np.where(t > 5, 14.0, 0.0),
                "base": base}

    sweep = [("a", [panel(0.01), panel(0.02, True), panel(0.1)]), ("d", [panel(2.0), panel(8.0, True)])]
    axes = P.plot_parameter_sweep(sweep)
    assert [len(row) for row in axes] == [3, 2]
    assert {ax.get_subplotspec().get_geometry()[:2] for row in axes for ax in row} == {(2, 3)}
    for row, (name, panels) in zip(axes, sweep):
        for ax, p in zip(row, panels):
            assert _lines_with(ax, t, p["v_mV"]), f"{name} = {p['value']}: trace not drawn as given"
            assert ax.get_title(loc="left").startswith(f"{name} = {p['value']:g}")
            bold = ax._left_title.get_fontweight() == "bold"  # the left-hand title (matplotlib keeps it here)
            assert bold == p["base"] and ("(RS)" in ax.get_title(loc="left")) == p["base"]
    with pytest.raises(ValueError, match="at least one parameter"):
        P.plot_parameter_sweep([])
    with pytest.raises(ValueError, match="lacks v_mV"):
        P.plot_parameter_sweep([("a", [{"value": 1.0, "t_ms": t, "I": t}])])


def test_results_grid_and_save_results_figure(fig1_results, tmp_path):
    """`izh-brian run --plot` saves a grid with one panel per result, as an image file."""
    axes = P.plot_results_grid(fig1_results[:3], ncols=3)
    assert len(axes) == 3
    for ax, r in zip(axes, fig1_results[:3]):
        assert _lines_with(ax, r.t_ms, r.v_mV), f"{r.name}: its panel does not hold its voltage trace"
    path = P.save_results_figure(fig1_results[:2], tmp_path / "two.png")
    assert (tmp_path / "two.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(path).endswith("two.png")


def test_phase_plane_draws_nullclines_fixed_points_and_breaks_at_resets():
    """The v- and u-nullclines are drawn as given; stable fixed points are filled, unstable open;
    the trajectory is not drawn back along the reset (a NaN separates v = 30 from v = c)."""
    v = np.linspace(-80, 30, 50)
    u_v = 0.04 * v**2 + 5 * v + 140
    u_u = 0.2 * v
    traj_v = np.array([-70.0, -60.0, 30.0, -65.0, -60.0])
    traj_u = np.array([-14.0, -13.0, -12.0, -4.0, -4.0])
    fps = [{"v": -70.0, "u": -14.0, "stable": True, "kind": "stable node"},
           {"v": -50.0, "u": -10.0, "stable": False, "kind": "saddle"}]
    ax = P.plot_phase_plane(v, u_v, u_u, traj_v=traj_v, traj_u=traj_u, fixed_points=fps, c=-65.0)
    assert _lines_with(ax, v, u_v) and _lines_with(ax, v, u_u)
    traj = [ln for ln in ax.lines if ln.get_label() == "trajectory"][0]
    y = np.asarray(traj.get_xdata(), float)
    k = int(np.flatnonzero(np.isnan(y))[0])
    assert y[k - 1] == 30.0 and y[k + 1] == -65.0, "the reset jump must be a gap, not a line"
    filled = [ln for ln in ax.lines if ln.get_label() == "stable node"]
    opened = [ln for ln in ax.lines if ln.get_label() == "saddle"]
    assert filled and filled[0].get_markerfacecolor() != opened[0].get_markerfacecolor()


def test_phase_plane_vertical_u_nullcline():
    """For the accommodation variant the u-nullcline is the vertical line v = v_u."""
    v = np.linspace(-80, 30, 20)
    ax = P.plot_phase_plane(v, 0.04 * v**2 + 5 * v + 140, np.full_like(v, np.nan), v_u_line=-65.0)
    vert = [ln for ln in ax.lines if ln.get_label() == "u-nullcline"]
    assert vert and np.allclose(vert[0].get_xdata(), -65.0)


def test_fi_curves_plot_holds_each_curve_and_threshold():
    """One curve per neuron type, as given, and a dashed line at each theoretical threshold."""
    cur = [np.linspace(0, 5, 6), np.linspace(0, 2, 5)]
    rates = [np.array([0, 0, 2, 5, 8, 10.0]), np.array([0, 0, 30, 40, 50.0])]
    ax = P.plot_fi_curves(cur, rates, ["class 1", "class 2"], thresholds=[1.5, 0.8])
    assert _lines_with(ax, cur[0], rates[0]) and _lines_with(ax, cur[1], rates[1])
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert sorted(float(ln.get_xdata()[0]) for ln in dashed) == [0.8, 1.5]


def test_validation_matrix_image_equals_matrix():
    """The drawn image is the boolean matrix (1 = pass), rows and columns labelled by name."""
    m = np.array([[True, False, False], [False, True, True], [False, False, True]])
    names = ["x", "y", "z"]
    ax = P.plot_validation_matrix(m, names)
    img = ax.images[0].get_array()
    assert np.array_equal(np.asarray(img), m.astype(int))
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    with pytest.raises(ValueError, match="rows"):
        P.plot_validation_matrix(m, ["x", "y"])
    col = P.plot_validation_matrix(np.array([True, False]), ["p", "q"])
    assert np.asarray(col.images[0].get_array()).shape == (2, 1)


def test_numerics_table_shows_counts_and_marks_breaks():
    """Each cell shows the spike count of its (preset, configuration); a broken pattern is marked
    with '!' and tinted, a diverging run reads 'diverges'."""
    rows = [{"name": "tonic_spiking", "published_dt_ms": 0.25,
             "figure1@0.1": {"ok": True, "n_spikes": 5, "status": "ok"},
             "rk4@0.01": {"ok": False, "n_spikes": 7, "status": "breaks: x"}},
            {"name": "inhibition_induced_bursting", "published_dt_ms": 0.5,
             "figure1@0.1": {"ok": False, "n_spikes": None, "status": "breaks: diverges"},
             "rk4@0.01": {"ok": True, "n_spikes": 12, "status": "ok"}}]
    ax = P.plot_numerics_table(rows)
    cells = ax.tables[0].get_celld()
    text = {(r, c): cell.get_text().get_text() for (r, c), cell in cells.items()}
    assert text[(0, 2)] == "figure1@0.1"
    assert text[(1, 2)] == "5" and text[(1, 3)] == "7 !"
    assert text[(2, 2)] == "diverges !" and text[(2, 3)] == "12"
    assert cells[(1, 3)].get_facecolor() != cells[(1, 2)].get_facecolor()


def test_class_map_image_holds_codes_and_legend_lists_present_classes():
    """The map's image is the class code at each grid point; the legend names the classes found."""
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([10.0, 20.0])
    codes = np.array([[0, 0, 2], [2, 2, 0]])
    ax = P.plot_class_map(x, y, codes, class_names=["RS", "IB", "CH"], points={"RS": (1.0, 10.0)})
    assert np.array_equal(np.asarray(ax.images[0].get_array()), codes)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["CH", "RS"]
    labels = np.array([["RS", "FS", "RS"], ["FS", "FS", "CH"]])
    ax2 = P.plot_class_map(x, y, labels)
    assert sorted(t.get_text() for t in ax2.get_legend().get_texts()) == ["CH", "FS", "RS"]
    with pytest.raises(ValueError, match="shape"):
        P.plot_class_map(x, y, codes.T)
    # a 1-D grid (izh-brian atlas with one --grid) is one row of the same map
    ax3 = P.plot_class_map(x, None, np.array(["RS", "RS", "TC"]), xlabel="a")
    assert np.array_equal(np.asarray(ax3.images[0].get_array()), [[0, 0, 1]])  # names sorted: RS, TC
    assert ax3.get_xlabel() == "a" and list(ax3.get_yticks()) == []
    with pytest.raises(ValueError, match="1-D"):
        P.plot_class_map(x, None, labels)


def test_raster_plots_every_spike_coloured_by_population():
    """Every spike is one dot; indices at or above n_exc are inhibitory. The package has one raster and one
    colour convention: excitatory in EXC_COLOR (red), inhibitory in INH_COLOR (blue)."""
    from matplotlib.colors import to_rgba

    t = np.array([1.0, 2.0, 3.0, 4.0])
    i = np.array([0, 900, 5, 850])
    ax = P.plot_raster(t, i, 800, 200)
    ex = [ln for ln in ax.lines if ln.get_label() == "excitatory"][0]
    inh = [ln for ln in ax.lines if ln.get_label() == "inhibitory"][0]
    assert list(ex.get_ydata()) == [0, 5] and list(inh.get_ydata()) == [900, 850]
    assert to_rgba(ex.get_color()) == to_rgba(P.EXC_COLOR) == to_rgba("tab:red")
    assert to_rgba(inh.get_color()) == to_rgba(P.INH_COLOR) == to_rgba("tab:blue")


def test_speed_bars_have_the_measured_lengths():
    """One bar per configuration, its length the measured time."""
    ax = P.plot_speed(["a", "b"], [0.5, 2.0])
    assert [p.get_width() for p in ax.patches] == [0.5, 2.0]
    with pytest.raises(ValueError, match="one time per label"):
        P.plot_speed(["a"], [1.0, 2.0])


def test_save_figure_writes_png_and_pdf(tmp_path):
    """A figure is saved in each requested format, with the right file signature."""
    ax = P.plot_speed(["a"], [1.0])
    paths = P.save_figure(ax, tmp_path, "speed")
    assert [p.rsplit(".", 1)[1] for p in paths] == ["png", "pdf"]
    assert (tmp_path / "speed.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "speed.pdf").read_bytes()[:4] == b"%PDF"


def test_library_never_uses_pyplot_state(fig1_results):
    """Plotting opens no pyplot figure (nothing is shown, nothing leaks between calls)."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    P.plot_paper_grid(fig1_results[:2], ncols=2)
    P.plot_trace([0, 1], [0, 1])
    assert plt.get_fignums() == before
