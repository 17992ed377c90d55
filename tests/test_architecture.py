"""The package's shape, read from its source with `ast`: checks a reviewer can repeat.

No import circles; nothing imports a layer above its own; no module over MAX_LINES lines; no two
classes of the package share a name; manifest.json is read and written by one module only.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "campaign"
MAX_LINES = 450

# Lowest first. A module may import its own layer or any layer below it, never one above.
# A name matches a module and everything inside it (`campaign.ingest` covers campaign.ingest.*).
LAYERS: list[tuple[str, ...]] = [
    (
        "campaign",
        "campaign.errors",
        "campaign.progress",
        "campaign.resources",
        "campaign.schema",
        "campaign.pii",
        "campaign.billboard_copy",
        "campaign.typography",
        "campaign.safetext",
        "campaign.floors",
    ),
    (
        "campaign.markets",
        "campaign.grammar",
        "campaign.locales",
        "campaign.duckdb_settings",
        "campaign.spark.settings",
    ),
    ("campaign.config", "campaign.events"),
    (
        "campaign.pack_views",
        "campaign.datafiles",
        "campaign.spark.transpile",
        "campaign.spark.rewrites",
    ),
    (
        "campaign.ingest",
        "campaign.synth",
        "campaign.packs",
        "campaign.workspace",
        "campaign.packguard",
        "campaign.workspace_cache",
        "campaign.rollups",
    ),
    ("campaign.facts",),
    ("campaign.spark",),
    ("campaign.packlint", "campaign.privacy", "campaign.noise"),
    ("campaign.scoring",),
    ("campaign.fontchain", "campaign.linebreak"),
    (
        "campaign.copywriter",
        "campaign.render",
        "campaign.tone",
        "campaign.unexplained",
        "campaign.series",
    ),
    ("campaign.output", "campaign.wrapped", "campaign.copylint"),
    ("campaign.run",),
    ("campaign.demo",),
    ("campaign.cli_options",),
    ("campaign.cli",),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imports(name: str) -> set[str]:
    """The package modules `name` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "campaign")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "campaign":
                continue
            for alias in node.names:  # `from campaign.x import y` may import the module x.y
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found - {name}


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> int:
    """The layer of the longest LAYERS entry that covers `name`."""
    matches = [
        (len(member), rank)
        for rank, members in enumerate(LAYERS)
        for member in members
        if name == member or name.startswith(member + ".")
    ]
    assert matches, f"{name} is in no layer: add it to LAYERS"
    return max(matches)[1]


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        _layer(name)


def test_nothing_imports_upwards() -> None:
    upward = [
        f"{name} (layer {_layer(name)}) imports {dep} (layer {_layer(dep)})"
        for name, deps in GRAPH.items()
        for dep in sorted(deps)
        if dep in MODULES and _layer(dep) > _layer(name)
    ]
    assert upward == []


def test_no_import_circles() -> None:
    state: dict[str, str] = {}
    circles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for dep in sorted(GRAPH[name]):
            if dep not in MODULES:
                continue
            if state.get(dep) == "open":
                circles.append([*path[path.index(dep) :], dep] if dep in path else [name, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[name] = "done"

    for name in MODULES:
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_the_import_graph_is_read() -> None:
    """The checks above would pass vacuously on an empty graph; make sure they see real edges."""
    assert "campaign.scoring" in GRAPH["campaign.run"]
    assert "campaign.output.manifest" in GRAPH["campaign.output.export"]
    assert _layer("campaign.output.export") > _layer("campaign.render.theme")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_small(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name]} has {lines} lines (at most {MAX_LINES})"


def test_no_two_classes_share_a_name() -> None:
    names = Counter(
        node.name
        for tree in TREES.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    )
    assert [name for name, n in names.items() if n > 1] == []


def test_manifest_json_is_handled_by_one_module() -> None:
    holders = sorted(
        name
        for name, tree in TREES.items()
        if any(
            isinstance(node, ast.Constant) and node.value == "manifest.json"
            for node in ast.walk(tree)
        )
    )
    assert holders == ["campaign.output.manifest"]
