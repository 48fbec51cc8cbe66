"""The safe XML layer: defusedxml parsing with every element stamped with its file and line, and the readers
of attribute values (names, integers, quantities with units, converted as jLEMS converts them).

defusedxml refuses DTDs, entity declarations and external references before any other code (PyLEMS
included) sees a byte; every error names the element, the file and the line. See docs/neuroml.md.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from izh_brian.lems.model import NeuroMLError
from izh_brian.limits import check_file_size


# ----------------------------------------------------------------------------- units

#: SI factor and dimension of the unit symbols NeuroML uses for these models.
_UNITS = {
    "": (1.0, "none"),
    "s": (1.0, "time"), "ms": (1e-3, "time"), "us": (1e-6, "time"),
    "V": (1.0, "voltage"), "mV": (1e-3, "voltage"),
    "A": (1.0, "current"), "mA": (1e-3, "current"), "uA": (1e-6, "current"), "nA": (1e-9, "current"),
    "pA": (1e-12, "current"),
    "F": (1.0, "capacitance"), "uF": (1e-6, "capacitance"), "nF": (1e-9, "capacitance"),
    "pF": (1e-12, "capacitance"),
    "S": (1.0, "conductance"), "mS": (1e-3, "conductance"), "uS": (1e-6, "conductance"),
    "nS": (1e-9, "conductance"), "pS": (1e-12, "conductance"),
    "per_s": (1.0, "per_time"), "per_ms": (1e3, "per_time"), "Hz": (1.0, "per_time"),
    "S_per_V": (1.0, "conductance_per_voltage"), "nS_per_mV": (1e-6, "conductance_per_voltage"),
    "uS_per_mV": (1e-3, "conductance_per_voltage"), "mS_per_V": (1e-3, "conductance_per_voltage"),
}
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z_]*)\s*$")

#: The book units the builders take, per dimension (SI factor).
_BOOK = {"none": 1.0, "time": 1e-3, "voltage": 1e-3, "current": 1e-12, "capacitance": 1e-12,
         "conductance": 1e-9, "per_time": 1e3, "conductance_per_voltage": 1e-6}


def _where(elem) -> str:
    return f"{elem.get('_file', '?')}, line {elem.get('_line', '?')}"


def _quantity(elem, attr: str, dimension: str, default=None, si: bool = False) -> float:
    """The attribute ``attr`` of ``elem`` in the book unit of ``dimension`` (ms, mV, pA, pF, nS, 1/ms).

    With ``si=True``, in SI units, converted as jLEMS converts (value times
    the unit's power of ten).
    """
    raw = elem.get(attr)
    if raw is None:
        if default is not None:
            return default
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: missing attribute {attr!r}")
    m = _QUANTITY.match(raw)
    if not m:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} is not a number with a unit")
    value, unit = float(m.group(1)), m.group(2)
    if unit not in _UNITS:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} has an unknown unit {unit!r}; "
                           f"allowed: {', '.join(u for u, (_, d) in _UNITS.items() if d == dimension) or 'none'}")
    factor, dim = _UNITS[unit]
    if dim != dimension:
        allowed = ", ".join(repr(u) for u, (_, d) in _UNITS.items() if d == dimension)
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} must be a {dimension} "
                           f"({allowed}), not a {dim}")
    if si:
        return value * factor
    out = value * factor / _BOOK[dimension]
    if not math.isfinite(out):
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={raw!r} is not finite")
    # Undo the round trip through SI where the unit already is the book's.
    return value if factor == _BOOK[dimension] else out


def _tag(elem) -> str:
    tag = elem.tag
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _children(elem):
    return [c for c in elem if isinstance(c.tag, str)]


def _require(elem, attr):
    value = elem.get(attr)
    if value is None or not value.strip():
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: missing attribute {attr!r}")
    return value.strip()


def _int_attr(elem, attr):
    try:
        return int(_require(elem, attr))
    except ValueError:
        raise NeuroMLError(f"<{_tag(elem)}> in {_where(elem)}: {attr}={elem.get(attr)!r} is not an integer") from None


# ----------------------------------------------------------------------------- safe parsing

class _LineTreeBuilder(ET.TreeBuilder):
    """A TreeBuilder that stamps every element with its file and line (as ``_file``/``_line``)."""

    def __init__(self, filename):
        super().__init__()
        self.filename = filename
        self.parser = None
        self.open = []  # (tag, line) of the elements not yet closed

    def start(self, tag, attrs):
        elem = super().start(tag, attrs)
        line = self.parser.CurrentLineNumber if self.parser is not None else "?"
        elem.set("_file", self.filename)
        elem.set("_line", str(line))
        self.open.append((_tag(elem), line))
        return elem

    def end(self, tag):
        if self.open:
            self.open.pop()
        return super().end(tag)


def _parse_xml(path: str):
    try:
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import DefusedXMLParser
    except ImportError:
        raise NeuroMLError("reading NeuroML/LEMS needs defusedxml to parse XML safely: "
                           "pip install defusedxml (or izh_brian[neuroml])") from None

    try:
        check_file_size(path, what="NeuroML/LEMS file")  # before reading: a model file is often someone else's
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FileNotFoundError(f"cannot read NeuroML/LEMS file {path!r}: {exc.strerror or exc}") from None
    builder = _LineTreeBuilder(path)
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser.parser
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        raise NeuroMLError(f"{path}: refused unsafe XML ({type(exc).__name__}: {exc}); "
                           "DTDs, entities and external references are not allowed") from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        inside = ""
        if builder.open:
            tag, opened = builder.open[-1]
            inside = f" inside <{tag}> opened at line {opened}"
        raise NeuroMLError(f"{path}, line {line}: malformed XML{inside}: {exc}") from None
