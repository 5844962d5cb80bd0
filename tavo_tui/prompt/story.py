"""The story string: a small Handlebars subset (`{{#if}}`, `{{#unless}}`, `{{else}}`, `{{param}}`).

Anything that is not a template parameter or block is left in place for the macro pass, as SillyTavern's
Handlebars "helperMissing" hook does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_TAG = re.compile(r"\{\{\s*(#if|#unless|/if|/unless|else)\b\s*([^{}]*?)\s*\}\}|\{\{\s*([A-Za-z_][\w]*)\s*\}\}")


@dataclass
class _Block:
    kind: str  # "if" | "unless"
    param: str
    then: list[object]
    otherwise: list[object]
    in_else: bool = False


def render_template(template: str, params: Mapping[str, str]) -> str:
    """Render `template` with `params` (missing names are falsy)."""
    root: list[object] = []
    stack: list[_Block] = []

    def sink() -> list[object]:
        if not stack:
            return root
        top = stack[-1]
        return top.otherwise if top.in_else else top.then

    pos = 0
    for m in _TAG.finditer(template):
        sink().append(template[pos : m.start()])
        pos = m.end()
        tag, arg, name = m.group(1), m.group(2), m.group(3)
        if tag in ("#if", "#unless"):
            block = _Block(tag[1:], arg.strip(), [], [])
            sink().append(block)
            stack.append(block)
        elif tag in ("/if", "/unless"):
            if stack:
                stack.pop()
            else:
                sink().append(m.group(0))
        elif tag == "else":
            if stack:
                stack[-1].in_else = True
            else:
                sink().append(m.group(0))
        elif name is not None and name in params:
            sink().append(params[name])
        else:
            sink().append(m.group(0))
    sink().append(template[pos:])
    return _emit(root, params)


def _emit(nodes: list[object], params: Mapping[str, str]) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, _Block):
            truthy = bool(params.get(node.param, ""))
            if node.kind == "unless":
                truthy = not truthy
            out.append(_emit(node.then if truthy else node.otherwise, params))
        else:
            out.append(str(node))
    return "".join(out)
