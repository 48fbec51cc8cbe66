"""The model's equations: Izhikevich (2003, 2004) and the 2007 variants as Brian2 equations."""

from __future__ import annotations

__all__ = [
    "VARIANTS",
    "EQUATIONS",
    "NEST_EQUATIONS",
]


#: Coefficients of the three equation variants: (k2, k1, k0, v_u in mV, g_u).
VARIANTS = {
    "standard": (0.04, 5.0, 140.0, 0.0, 1.0),
    "class1": (0.04, 4.1, 108.0, 0.0, 1.0),
    "accommodation": (0.04, 5.0, 140.0, -65.0, 0.0),
}


#: Brian2 explicit methods accepted as scheme names.
BRIAN2_METHODS = ("euler", "rk2", "rk4", "heun")


#: The model equations. ``I_stim`` reads the sampled protocol of each neuron from
#: one flat table (see :func:`make_stimulus_function`); ``I_ext`` is a free
#: per-neuron current for synapses, noise or a constant drive.
EQUATIONS = """
dv/dt = k2*v**2/(mV*ms) + k1*v/ms + k0*mV/ms - u + I_stim(int(t_in_timesteps / stride), stim_offset, stim_len) + I_ext : volt
du/dt = a*(b*(v - v_u)/ms - g_u*u)/ms : volt/second
a : 1
b : 1
c : volt
d : volt/second
k2 : 1
k1 : 1
k0 : 1
v_u : volt
g_u : 1
vpeak : volt
I_ext : volt/second
stim_offset : integer (constant)
stim_len : integer (constant)
stride : integer (constant)
h : second (constant)
"""


#: The NEST schemes' extra variables: ``vn`` is v in mV, the state NEST integrates (``v`` mirrors it
#: in volts); the mV copies of c, vpeak and v_min, NEST's ``I_e`` and step ``h`` (mV/ms, ms) and a
#: second table of the delta-synapse weights arriving in each step (mV). See izh_brian.model.nest_exact.
NEST_EQUATIONS = EQUATIONS + """
v_min : volt
vn : 1
c_mV : 1
vpeak_mV : 1
v_min_mV : 1
I_e : 1
h_ms : 1 (constant)
w_offset : integer (constant)
w_len : integer (constant)
"""
