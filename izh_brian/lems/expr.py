"""LEMS expressions as Brian2 abstract code, grouped as jLEMS's parser groups them, and evaluated on SI floats.

jLEMS binds ``/`` tighter than ``*`` and ``-`` tighter than ``+`` (``a + b - c`` is ``a + (b - c)``); every
expression is written fully parenthesised in that grouping so that the generated code does Java's
floating-point operations in Java's order. Pure Python. See docs/neuroml.md, "Floating-point arithmetic".
"""

from __future__ import annotations

import math
import re

from izh_brian.lems.model import LEMSTypeError

__all__ = ["lems_expr"]


#: jLEMS's operator precedence (``org.lemsml.jlems.core.expression``: ``getPrecedence()`` of each node; the
#: parser sorts the operators by it, stably, and each claims its neighbours): a lower number binds tighter and
#: equal ones group from the left. So ``/`` binds tighter than ``*`` and ``-`` tighter than ``+``:
#: ``a + b - c`` is ``a + (b - c)`` and ``a * b / c`` is ``a * (b / c)``, which round differently from the
#: usual left-to-right reading.
_JLEMS_LEVELS = (("^",), ("/",), ("*",), ("-",), ("+",), (".gt.", ".geq.", ".lt.", ".leq.", ".eq.", ".neq."),
                 (".and.", ".or."))
_BRIAN_OP = {"^": "**", ".gt.": ">", ".geq.": ">=", ".lt.": "<", ".leq.": "<=", ".eq.": "==", ".neq.": "!=",
             ".and.": "and", ".or.": "or"}
_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
                    r"|(?P<dot>\.(?:gt|geq|lt|leq|eq|neq|and|or)\.)|(?P<op>[-+*/^(),]))")
_WORD_OPS = {"AND": ".and.", "OR": ".or."}


def _tokens(expr: str) -> list:
    out, pos, s = [], 0, str(expr).strip()
    while pos < len(s):
        mt = _TOKEN.match(s, pos)
        if not mt or mt.end() == pos:
            raise LEMSTypeError(f"cannot parse the LEMS expression {expr!r} at {s[pos:]!r}")
        pos = mt.end()
        kind = mt.lastgroup
        text = mt.group(kind)
        if kind == "name" and text in _WORD_OPS:
            kind, text = "dot", _WORD_OPS[text]
        if kind == "op" and text == "-" and out and (out[-1][0] == "dot" or out[-1][1] in "+-*/^"):
            kind = "uminus"  # jLEMS: a minus after an operator is a UnaryMinusNode (binds tightest)
        out.append((kind, text))
    return out


def lems_expr(expr: str, rename) -> str:
    """A LEMS expression as Brian2 abstract code, grouped as jLEMS groups it (``_JLEMS_LEVELS``) and written
    with every group in parentheses, so that Brian2's generated code does the same floating-point operations
    in the same order; ``.gt.`` -> ``>``, ``^`` -> ``**``, identifiers renamed (functions kept)."""
    toks = _tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else (None, None)

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        kind, text = take() if pos < len(toks) else (None, None)
        if kind == "uminus":
            return f"(-{primary()})"
        if kind == "num":
            return text
        if kind == "name":
            if peek()[1] == "(":
                take()
                args = [level(len(_JLEMS_LEVELS) - 1)]
                while peek()[1] == ",":
                    take()
                    args.append(level(len(_JLEMS_LEVELS) - 1))
                if take()[1] != ")":
                    raise LEMSTypeError(f"unbalanced parentheses in the LEMS expression {expr!r}")
                return f"{'log' if text == 'ln' else text}({', '.join(args)})"
            if text in ("and", "or", "not"):
                return text
            return rename(text)
        if text == "(":
            inner = level(len(_JLEMS_LEVELS) - 1)
            if take()[1] != ")":
                raise LEMSTypeError(f"unbalanced parentheses in the LEMS expression {expr!r}")
            return inner
        raise LEMSTypeError(f"cannot parse the LEMS expression {expr!r}")

    def level(i):
        if i < 0:
            return primary()
        ops = _JLEMS_LEVELS[i]
        if ops == ("-",) and peek() == ("op", "-"):
            # A minus with nothing on its left (start, after '(' or ','): jLEMS's MinusNode, at its precedence.
            take()
            left = f"(-{level(i - 1)})"
        else:
            left = level(i - 1)
        while peek()[1] in ops:
            op = take()[1]
            right = level(i - 1)
            left = f"({left} {_BRIAN_OP.get(op, op)} {right})"
        return left

    out = level(len(_JLEMS_LEVELS) - 1)
    if pos != len(toks):
        raise LEMSTypeError(f"cannot parse the LEMS expression {expr!r} (unexpected {toks[pos][1]!r})")
    return out


def _eval_si(expr: str, values: dict) -> float:
    """A LEMS expression of parameters evaluated on SI floats (derived parameters, OnStart)."""
    code = lems_expr(expr, lambda n: n)
    ns = {"exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan, "sqrt": math.sqrt,
          "abs": abs, "floor": math.floor, "ceil": math.ceil, "tanh": math.tanh, "sinh": math.sinh,
          "cosh": math.cosh, "H": lambda x: 1.0 if x > 0 else 0.0}
    try:
        return float(eval(code, {"__builtins__": {}}, {**ns, **values}))  # noqa: S307 - names restricted
    except NameError as exc:
        raise LEMSTypeError(f"cannot evaluate {expr!r}: {exc}") from None


