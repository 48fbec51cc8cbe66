"""The plan of a LEMS run (izh_brian.lems.plan), checked before Brian2 builds or runs anything.

jLEMS advances the populations in the file's order, one cell after another, and hands a spike over a
zero-delay connection at once: a cell after the spiking one feels it within the step, a cell before it in
the next step. A Brian2 group advances its cells together, so the plan must cut a population wherever a cell
receives a zero-delay connection from an earlier cell of its group, start a new group for a population that
another population of the group reaches within the step (a zero-delay projection, a gap junction either way),
and keep spike sources in groups of their own.
"""

from __future__ import annotations

from types import SimpleNamespace

from izh_brian.interop.neuroml_examples import example_path
from izh_brian.lems import read_model
from izh_brian.lems.plan import plan_groups, zero_delay_links


def _groups(name):
    """The groups of an example model, in the order they advance, as lists of (population, cell)."""
    plans, sources, _where = plan_groups(read_model(example_path(name)), lambda pop: SimpleNamespace(name="cell"))
    return [[(p, i) for p, i, _c in plan.members] for plan in plans.values()], sorted(sources)


def test_zero_delay_connections_within_a_population_cut_it_where_a_later_cell_listens():
    """net_self's ring: zero-delay 1->2, 2->3, 1->4 forward, 4->4 onto itself and 2->1 backward. Cell 2 hears
    cell 1 within the step, so it cannot advance with it; cell 3 hears cell 2; cell 4 hears cell 1 (already in
    an earlier group) and itself (no cut), so it stays with 3. A backward connection (2->1) is felt in the next
    step, as in one group."""
    groups, sources = _groups("net_self")
    assert groups == [[("ring", 0), ("ring", 1)], [("ring", 2)], [("ring", 3), ("ring", 4)]]
    assert sources == []
    _zero, forward = zero_delay_links(read_model(example_path("net_self")))
    assert forward == {"ring": {2: {1}, 3: {2}, 4: {1}}}


def test_gap_junctions_keep_the_two_populations_in_separate_groups():
    """A gap junction reads the peer's v as jLEMS left it, which depends on which population advanced first:
    net_gap's two populations, joined by gap junctions, advance as two groups in the file's order."""
    groups, _sources = _groups("net_gap")
    assert groups == [[("left", 0), ("left", 1)], [("right", 0), ("right", 1)]]


def test_a_zero_delay_projection_starts_a_new_group_and_sources_stand_alone():
    """net_synapses: the drivers reach the excitatory cells within the step, so 'exc' starts a group; 'inh'
    is reached within the step only by the drivers, an earlier group, so it joins 'exc' (its own zero-delay
    projection onto 'exc' goes backward in the file's order, felt in the next step as in one group). net_sources: a spike array and a generator population each
    form a group of their own, ahead of the cells they drive."""
    groups, _sources = _groups("net_synapses")
    assert [sorted({p for p, _i in g}) for g in groups] == [["drivers"], ["exc", "inh"]]
    groups, sources = _groups("net_sources")
    assert [sorted({p for p, _i in g}) for g in groups] == [["arr"], ["gen"], ["cells"]]
    assert sources == ["arr", "gen"]



def test_brian2_objects_are_named_by_cell_type_not_by_the_groups_place(tmp_path, monkeypatch):
    """Brian2 writes an object's name into its generated code and caches compiled modules by that code, so
    the LEMS runner names a group by its ComponentType (the second group of a type gets ``_2``), never by its
    place in the file: tonic spiking's izhikevichCell group is ``lems_izhikevichCell`` both alone and after an
    izhikevich2007Cell population, and so shares its compiled code. Runs with Brian2's numpy target (nothing
    compiled); a runner that named groups ``lems_<k>_...`` fails."""
    from brian2 import Network
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

    from izh_brian.interop.export import export_presets
    from izh_brian.lems import run_model

    names = {}
    real_run = Network.run

    def run(self, *args, **kwargs):
        names[current] = sorted(obj.name for obj in self.objects if obj.name.startswith(("lems_", "att_")))
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(Network, "run", run)
    for current, presets in (("alone", ["tonic_spiking"]),
                             ("mixed", ["class_1_excitable", "tonic_spiking", "integrator", "phasic_spiking"])):
        lems, _nml = export_presets(presets, str(tmp_path / f"LEMS_{current}.xml"), include_events=False)
        run_model(read_model(lems), duration_ms=1.0, codeobj_class=NumpyCodeObject)
    assert names["alone"] == ["lems_izhikevichCell"]
    assert names["mixed"] == ["lems_izhikevich2007Cell", "lems_izhikevich2007Cell_2", "lems_izhikevichCell",
                              "lems_izhikevichCell_2"]
