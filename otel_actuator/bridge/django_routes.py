"""Django's route patterns as URI templates: ``users/<int:id>`` -> ``/users/{id}``.

Django's instrumentation reports ``ResolverMatch.route``: the matched patterns joined, without the leading
slash, in ``path()`` converter syntax or, for ``re_path()``, as the regular expression itself. Spring tags
``uri`` with a template such as ``/users/{id}``, and so does every other framework here.
"""

from __future__ import annotations

import re
from typing import Optional

_CONVERTER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")
_REGEX_MARKS = ("^", "$", "(", "\\")


def template(route: str) -> Optional[str]:
    """The URI template of a Django route; None for a request path (what old-mode metrics carry when no
    pattern matched: request paths start with a slash, Django routes never do)."""
    if route.startswith("/"):
        return None
    if any(mark in route for mark in _REGEX_MARKS):
        return "/" + _from_regex(route)
    return "/" + _CONVERTER.sub(r"{\1}", route)


def _from_regex(pattern: str) -> str:
    """``^users/(?P<pk>[0-9]+)/$`` -> ``users/{pk}/``: groups become placeholders (unnamed ones ``{argN}``),
    anchors and quantifiers go (a path has no literal ``?``), escaped characters stand for themselves."""
    out: list[str] = []
    unnamed = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(pattern[i + 1])
            i += 2
            continue
        if char == "(":
            end = _group_end(pattern, i)
            named = re.match(r"\(\?P<(\w+)>", pattern[i:])
            if named:
                out.append("{" + named.group(1) + "}")
            elif pattern.startswith("(?:", i):
                out.append(_from_regex(pattern[i + 3 : end]))
            elif not pattern.startswith("(?", i):
                unnamed += 1
                out.append(f"{{arg{unnamed}}}")
            i = end + 1
            continue
        if char in "^$?*+":
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    """The index of the parenthesis closing the group opened at ``start`` (escapes and classes skipped)."""
    depth = 0
    in_class = False
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(pattern) - 1
