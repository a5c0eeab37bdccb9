"""Checks of the index tree: item → element → overall, with weights."""

from __future__ import annotations

from instruments.model import Index, Instrument

__all__ = ["check_index"]

Finding = tuple[str, str]


def _structure(index: Index, items: set[str]) -> tuple[list[Finding], dict[str, list[str]]]:
    findings: list[Finding] = []
    children: dict[str, list[str]] = {}
    for n, node in enumerate(index.nodes):
        path = f"index.nodes[{n}]"
        if node.code in children or node.code in items:
            findings.append((f"{path}.code", f"duplicate index node code {node.code!r}"))
            continue
        children[node.code] = node.children
        if not node.children:
            findings.append((f"{path}.children", f"index node {node.code!r} has no children"))
        if node.weights is not None:
            if len(node.weights) != len(node.children):
                findings.append((f"{path}.weights", "one weight per child is needed"))
            if any(w <= 0 for w in node.weights):
                findings.append((f"{path}.weights", "weights must be positive"))
    for n, node in enumerate(index.nodes):
        for child in node.children:
            if child not in children and child not in items:
                findings.append((f"index.nodes[{n}].children", f"unknown item or node {child!r}"))
    return findings, children


def _reach(root: str, children: dict[str, list[str]]) -> tuple[set[str], list[str]]:
    """Depth-first walk from ``root``: what it reaches, and nodes found on a cycle."""
    reached: set[str] = set()
    cycles: list[str] = []
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        code, trail = stack.pop()
        if code in trail:
            cycles.append(" → ".join((*trail, code)))
            continue
        if code in reached and code not in children:
            continue
        reached.add(code)
        stack.extend((child, (*trail, code)) for child in children.get(code, []))
    return reached, cycles


def check_index(instrument: Instrument) -> list[Finding]:
    """Root known; children known; no cycle; every scored item and node reachable (no gap)."""
    if instrument.index is None:
        return []
    index = instrument.index
    items = {item.code for item in instrument.items()}
    findings, children = _structure(index, items)
    if index.root not in children:
        findings.append(("index.root", f"root {index.root!r} is not an index node"))
        return findings
    reached, cycles = _reach(index.root, children)
    findings.extend(("index.nodes", f"cycle in the index tree: {c}") for c in sorted(set(cycles)))
    for item in sorted(items - reached):
        findings.append(("index", f"gap: item {item!r} is in no index below {index.root!r}"))
    for n, node in enumerate(index.nodes):
        if node.code not in reached:
            findings.append((f"index.nodes[{n}]", f"node {node.code!r} is not below the root"))
    return findings
