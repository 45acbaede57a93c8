"""The package's import graph: no cycles, Streamlit never imported by the engine, and a
broken module inside comparison shows its own error, not a vague CLI message."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pose_core"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """pose_core module -> the pose_core modules it imports at module level."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.parse(path.read_text()).body:  # module level only
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            found |= {t for t in targets if t in modules and t != name}
        graph[name] = found
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_import_cycle_in_pose_core() -> None:
    graph = _imports()
    assert "pose_core.compare" in graph and "pose_core.cli" in graph
    # A package importing its own submodules is not a cycle: drop those edges.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not t.startswith(f"{name}.")}
    assert _cycle(graph) is None


def test_engine_never_imports_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if any(
            (isinstance(n, ast.Import) and any(a.name.startswith("streamlit") for a in n.names))
            or (isinstance(n, ast.ImportFrom) and (n.module or "").startswith("streamlit"))
            for n in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert offenders == []


BREAK_CUES = """
import importlib.abc, sys
class Broken(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "pose_core.compare.cues":
            raise ImportError("cues module is broken on purpose")
        return None
sys.meta_path.insert(0, Broken())
from pose_core.cli import main
sys.exit(main(["compare", "mountain", "x.jpg"]))
"""


def test_a_broken_module_inside_comparison_shows_its_own_error() -> None:
    run = subprocess.run(
        [sys.executable, "-c", BREAK_CUES], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0
    assert "cues module is broken on purpose" in run.stderr
    assert "invalid choice" not in run.stderr
