"""How Python objects are named where Spring shows a fully qualified class name (bean types, task targets)."""

from __future__ import annotations

import os
import sys


def qualified_name(module: str, qualname: str) -> str:
    """``module.qualname``, with a script's module named after its file rather than ``__main__`` and nested
    functions' ``<locals>`` left out: ``app.create_app.report``.
    """
    if module == "__main__":
        script = getattr(sys.modules.get("__main__"), "__file__", None)
        if script:
            module = os.path.splitext(os.path.basename(script))[0]
    return f"{module}.{qualname.replace('.<locals>', '')}"
