"""The mechanism network as a picture: MSC source → exosome → cargo → target → pathway/process → effect.

Edges come from the findings (one edge per subject/object pair, coloured by the finding's
direction) and are laid out left to right by Graphviz ``dot`` in one column per kind of node.
"""

from __future__ import annotations

import shutil
import subprocess

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from .labels import label
from .namespaces import BIOLINK, MSCEXO, OBO

COLOURS = {MSCEXO.Increased: "#1a7f37", MSCEXO.Decreased: "#b42318", MSCEXO.Unchanged: "#888888",
           MSCEXO.Changed: "#8250df"}
#: columns, left to right
RANKS = ("source", "vesicle", "cargo", "target", "process", "effect")
MECHANISM_PREDICATES = {OBO.RO_0002213, OBO.RO_0002212, OBO.RO_0002436, MSCEXO.affects, OBO.BFO_0000051,
                        OBO.RO_0002599, OBO.RO_0003307}


class GraphvizMissing(RuntimeError):
    """Graphviz ``dot`` is not installed."""


def _name(g: Graph, node) -> str:
    return label(g, node, default=str(node).rsplit("/", 1)[-1])


def _regulated(g: Graph) -> set:
    """Everything some finding says is positively or negatively regulated: the processes and pathways."""
    return {g.value(f, BIOLINK.object) for f in g.subjects(BIOLINK.predicate, OBO.RO_0002213)} | \
        {g.value(f, BIOLINK.object) for f in g.subjects(BIOLINK.predicate, OBO.RO_0002212)}


def _kind(g: Graph, node, regulated: set) -> str | None:
    s = str(node)
    if s.startswith("https://identifiers.org/mirbase") or node == MSCEXO.MitochondriaRelatedProtein:
        return "cargo"
    if s.startswith("https://identifiers.org/hgnc:") or node in (OBO.GO_0035976, OBO.GO_0071159):
        return "target"
    if s.startswith(str(OBO) + "MONDO_") or node in (MSCEXO.ArticularCartilageDefect, MSCEXO.ArticularCartilageLesion) \
            or (node, RDFS.subClassOf, MSCEXO.TherapeuticEffect) in g:
        return "effect"
    if node in regulated:
        return "process"
    return None


VESICLES = (OBO.GO_0070062, OBO.GO_1903561, MSCEXO.Microparticle, MSCEXO.SmallExtracellularVesicle)


def _source_of(g: Graph, prep) -> URIRef | None:
    """The cell class an EV preparation derives from (None for anything that is not a preparation)."""
    cells = g.value(prep, OBO.RO_0001000)
    if cells is None or not any((prep, RDF.type, v) in g for v in VESICLES):
        return None
    return next((t for t in g.objects(cells, RDF.type) if str(t).startswith((str(OBO) + "CL_", str(MSCEXO),
                                                                             "http://www.ebi.ac.uk/efo/"))
                 and t != URIRef("http://www.w3.org/2002/07/owl#NamedIndividual")), None)


def to_dot(g: Graph) -> str:
    """The network in the DOT language (deterministic: nodes and edges sorted)."""
    nodes: dict[str, tuple[str, str]] = {}
    edges: dict[tuple[str, str], str] = {}

    regulated = _regulated(g)

    def node(term, kind: str) -> str:
        key = "n_" + "".join(c if c.isalnum() else "_" for c in str(term).removeprefix("http://").removeprefix(
            "https://"))
        nodes.setdefault(key, (_name(g, term), kind))
        return key

    for f in sorted(g.subjects(RDF.type, MSCEXO.Finding)):
        pred = g.value(f, BIOLINK.predicate)
        if pred not in MECHANISM_PREDICATES:
            continue
        subj, obj = g.value(f, BIOLINK.subject), g.value(f, BIOLINK.object)
        colour = COLOURS.get(g.value(f, MSCEXO.direction), "#333333")
        source = _source_of(g, subj)
        if source is not None:  # an EV preparation: draw source → vesicle class → object
            vesicle = next(t for t in VESICLES if (subj, RDF.type, t) in g)
            s_node = node(source, "source")
            v_key = node(URIRef(f"{source}-{vesicle}"), "vesicle")
            nodes[v_key] = (f"{_name(g, source)}\n{_name(g, vesicle)}", "vesicle")
            edges[(s_node, v_key)] = "#333333"
            subj_key = v_key
        else:
            kind = _kind(g, subj, regulated)
            if kind not in ("cargo", "target", "process"):
                continue
            subj_key = node(subj, kind)
        obj_kind = _kind(g, obj, regulated)
        if obj_kind is None:
            continue
        edges[(subj_key, node(obj, obj_kind))] = colour

    lines = ["digraph mechanism {",
             '  label="MSC source → exosome → cargo → target → pathway or process → effect.   '
             'Edges: green increased or activated, red decreased or inhibited, grey unchanged, purple changed, '
             'black carries or no direction."; labelloc=t; fontname="Helvetica"; fontsize=14;',
             '  rankdir=LR; ranksep=1.2; nodesep=0.12; node [shape=box, style="rounded,filled", fontname="Helvetica", '
             'fontsize=10]; edge [arrowsize=0.6];']
    fills = {"source": "#dbe9f6", "vesicle": "#e8dff5", "cargo": "#fde2c8", "target": "#fbf3c4",
             "process": "#dff3e4", "effect": "#f6d5d5"}
    for rank in RANKS:
        members = sorted(k for k, (_, kind) in nodes.items() if kind == rank)
        if not members:
            continue
        lines.append("  { rank=same; " + " ".join(members) + " }")
        for key in members:
            label = nodes[key][0].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            lines.append(f'  {key} [label="{label}", fillcolor="{fills[rank]}"];')
    for (a, b), colour in sorted(edges.items()):
        lines.append(f'  {a} -> {b} [color="{colour}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_source: str, fmt: str) -> bytes:
    """Run Graphviz ``dot`` to make ``svg`` or ``png`` bytes."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing("Graphviz 'dot' is not installed (Debian: apt-get install graphviz)")
    return subprocess.run([exe, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True,
                          check=True).stdout
