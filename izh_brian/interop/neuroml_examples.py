"""Runnable NeuroML2/LEMS example models shipped with izh_brian (package data in ``interop/examples/``).

Each example is a LEMS simulation file that izh_brian's NeuroML runner (``izh-brian neuroml run FILE``)
and jNeuroML both run; :func:`izh_brian.interop.crosscheck` compares them population by population
(``files=True``, rows ``<example>/<population>``). Six files were written for izh_brian, one shape of the
NeuroML the community writes each; five come unchanged from OpenSourceBrain's IzhikevichModel project
(``examples/osb/``, BSD-style licence and attribution in ``examples/osb/README.md``).

``izh-brian neuroml examples [--json]`` lists them; ``izh-brian neuroml examples --copy DIR`` copies the
whole folder (the files the examples include and the OSB README with its licence too) into ``DIR``,
keeping the layout, so that ``izh-brian neuroml run DIR/osb/LEMS_FiveCells.xml`` runs a copy.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Example", "EXAMPLES", "examples_dir", "example_path", "get_example", "example_files",
           "copy_examples"]

#: The folder of the example files inside the package ``izh_brian.interop``.
EXAMPLES_FOLDER = "examples"

#: Suffixes of the files that make up the examples (LEMS, NeuroML2, the OSB README with its licence).
EXAMPLE_SUFFIXES = (".xml", ".nml", ".md")


@dataclass(frozen=True)
class Example:
    """One runnable example.

    ``file`` is the LEMS file, relative to :func:`examples_dir` (``/``-separated). ``cells`` maps a
    population to the cell indices compared with jNeuroML where not every cell can agree (a random input);
    every other population is compared cell by cell, all cells. ``note`` says why cells are left out.
    """

    name: str
    file: str
    description: str
    cells: dict = field(default_factory=dict)
    note: str = ""


_TABLE = (
    Example("net_synapses", "net_synapses.xml",
            "izhikevich2007Cells in 3 populations (one a populationList), explicitInputs and an inputList with an "
            "inputW, pulse/ramp/sine/compound generators, expOne/expTwo/alpha projections with zero and non-zero "
            "delays"),
    Example("custom_types", "custom_types.xml",
            "two point-cell ComponentTypes defined in LEMS (2004 Fig. 1's class-1 and accommodation cells) "
            "beside izhikevichCells; pulse/ramp/sine/compound generators in their DL forms"),
    Example("net_sources", "net_sources.xml",
            "spikeArray and spikeGenerator populations driving cells through expOne and alpha projections"),
    Example("net_gap", "net_gap.xml",
            "gap junctions (electricalProjection: electricalConnection, ...Instance, ...InstanceW) between two "
            "populations"),
    Example("net_self", "net_self.xml",
            "zero-delay connections of a population onto itself (forward, backward, a cell onto itself) and a "
            "delayed one"),
    Example("net_poisson", "net_poisson.xml",
            "poissonFiringSynapse (expOneSynapse) and transientPoissonFiringSynapse (expTwoSynapse, inputW "
            "weight) at 1e9 Hz, and one 150 Hz random input",
            cells={"cells": (0, 1)},
            note="cells[2] is left out: its 150 Hz Poisson input draws other random numbers than jNeuroML's"),
    Example("osb_WhichModel", "osb/LEMS_WhichModel.xml",
            "OpenSourceBrain: the 20 panels of Izhikevich 2004 Fig. 1 (400 ms at 0.01 ms), "
            "generalizedIzhikevichCell defined in LEMS"),
    Example("osb_FiveCells", "osb/LEMS_FiveCells.xml",
            "OpenSourceBrain: five izhikevichCells (2004 Fig. 1 A-E) in populationLists, pulseGeneratorDL inputs "
            "through inputLists with path targets"),
    Example("osb_2007One", "osb/LEMS_2007One.xml",
            "OpenSourceBrain: one izhikevichCell2007 (a ComponentType defined in LEMS, the 2007 RS cell) at "
            "0.0025 ms"),
    Example("osb_2007Cells", "osb/LEMS_2007Cells.xml",
            "OpenSourceBrain: four izhikevichCell2007 cells (RS, weakly and strongly adapting, LS; one a "
            "populationList) with pulse inputs, 700 ms at 0.02 ms"),
    Example("osb_SmallNetwork", "osb/LEMS_SmallNetwork.xml",
            "OpenSourceBrain: two izhikevich2007Cells in populationLists joined by an expOneSynapse projection, "
            "input through an inputList"),
)

#: name -> :class:`Example`, in the order ``izh-brian neuroml examples`` lists them.
EXAMPLES: dict[str, Example] = {e.name: e for e in _TABLE}


def examples_dir() -> Path:
    """The installed folder of the example files.

    Raises
    ------
    FileNotFoundError
        The package was installed without its ``interop/examples`` data.
    """

    folder = Path(os.fspath(importlib.resources.files("izh_brian.interop") / EXAMPLES_FOLDER))
    if not folder.is_dir():
        raise FileNotFoundError(f"the NeuroML examples are missing from the installed package: expected {folder} "
                                f"(reinstall izh_brian with its package data)")
    return folder


def get_example(name: str) -> Example:
    """The example called ``name``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones).
    """

    try:
        return EXAMPLES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown NeuroML example {name!r}; known: {', '.join(EXAMPLES)}") from None


def example_path(name: str) -> Path:
    """Installed path of the LEMS file of example ``name`` (run it with ``run_file`` or jNeuroML).

    Raises
    ------
    ValueError
        Unknown name.
    FileNotFoundError
        The file is missing from the installed package.
    """

    path = examples_dir() / get_example(name).file
    if not path.is_file():
        raise FileNotFoundError(f"the NeuroML example {name!r} is missing from the installed package: expected "
                                f"{path} (reinstall izh_brian with its package data)")
    return path


def example_files() -> list[Path]:
    """Every file of the examples folder (LEMS files, what they include, the OSB README), relative to it."""

    root = examples_dir()
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and p.suffix in EXAMPLE_SUFFIXES and "__pycache__" not in p.parts)


def copy_examples(dest) -> list[Path]:
    """Copy every example file into folder ``dest`` (created if needed), keeping the layout (``osb/``).

    Nothing is overwritten: if any of the files already exists in ``dest``, nothing is copied.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FileExistsError
        A file to be written exists already (the message names it and how many others do).
    NotADirectoryError
        ``dest`` exists and is not a folder.
    """

    dest = Path(os.fspath(dest))
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} exists and is not a folder")
    root = examples_dir()
    files = example_files()
    clash = [dest / rel for rel in files if os.path.lexists(dest / rel)]
    if clash:
        more = f" (and {len(clash) - 1} more of the {len(files)} example files)" if len(clash) > 1 else ""
        raise FileExistsError(f"{clash[0]} exists already{more}; nothing was copied: choose an empty or new folder")
    written = []
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, target)
        written.append(target)
    return written
