"""Grow the project's own graph to benchmark sizes (×1 is the real graph, ×N adds N-1 clones).

Why clone rather than synthesise: the real shapes and the real stored queries must run unchanged,
so the data must have exactly the project's shape: ×1 is the graph `exo-onto check` reads (the TBox, its
import modules and the bridge, then ``ontology/kg/*.ttl``), which a test asserts. Every ABox node of the KG in the
``https://w3id.org/exo-onto/`` namespace (findings, spans and selectors, preparations, cells,
contexts, carriers, cited works) is copied under ``<iri>-cK``; links between cloned nodes point into
the same copy. The review, its sections, the source text and the KG's ontology header stay single,
and the TBox, imports and bridge are included once.

Copies are varied so they are not identical (a fixed seed per copy keeps the output reproducible):

* ``mscexo:timePointWeeks`` is drawn from typical follow-up times;
* the HGNC gene objects of findings are permuted among the HGNC genes already used as objects (a
  bijection per copy, so findings that shared a gene still share one and no new direction conflict
  appears inside a copy);
* a cited work's ``mscexo:referenceNumber`` becomes ``n + 39·K``: the shape that keeps numbers unique
  would otherwise fire on every copy (the review has numbers 1–39).

Span offsets and quotes are kept, so the cloned spans' IRIs (``span-START-END-cK``) trip the
*warning* that names spans after their offsets; there are no extra violations.

Each size is written once as N-Triples under ``benchmarks/.cache/`` (git-ignored); the file name
carries a hash of the inputs, so editing the ontology or this script makes a fresh file.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from exo_onto.paths import kg_dir, tbox_files

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
NS = "https://w3id.org/exo-onto/"
HGNC = "https://identifiers.org/hgnc:"
SINGLETON_TYPES = {URIRef(NS + "Review"), URIRef(NS + "ReviewSection"), URIRef(NS + "SourceText"), OWL.Ontology}
FINDING = URIRef(NS + "Finding")
TIME_POINT = URIRef(NS + "timePointWeeks")
REF_NUMBER = URIRef(NS + "referenceNumber")
OBJECT = URIRef("https://w3id.org/biolink/vocab/object")
WEEKS = ("2.0", "4.0", "6.0", "8.0", "12.0", "16.0", "24.0")
N_REFERENCES = 39


def _tbox_inputs() -> list[Path]:
    """The TBox, its import modules and the bridge: without them the stored queries that read an external
    term's label or the GO hierarchy came back empty, and measured less than the real work."""
    return tbox_files(ROOT)


def _kg_inputs() -> list[Path]:
    return sorted(kg_dir(ROOT).glob("*.ttl"))


def _inputs() -> list[Path]:
    return [*_tbox_inputs(), *_kg_inputs()]


def _fingerprint() -> str:
    """A short hash of the ontology files and this script: the cache key."""
    h = hashlib.sha1()
    for path in [*_inputs(), Path(__file__).resolve()]:
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def _load() -> tuple[Graph, Graph]:
    tbox, kg = Graph(), Graph()
    for path in _tbox_inputs():
        tbox.parse(path, format="turtle")
    for path in _kg_inputs():
        kg.parse(path, format="turtle")
    return tbox, kg


def cloneable(tbox: Graph, kg: Graph) -> set[URIRef]:
    """The KG subjects that are copied: exo-onto IRIs that are neither TBox terms nor review singletons."""
    tbox_terms = set(tbox.subjects())
    out = set()
    for s in set(kg.subjects()):
        if not isinstance(s, URIRef) or not str(s).startswith(NS) or s in tbox_terms:
            continue
        if not SINGLETON_TYPES & set(kg.objects(s, RDF.type)):
            out.add(s)
    return out


def clone(kg: Graph, nodes: set[URIRef], genes: list[URIRef], k: int) -> Graph:
    """Copy ``k`` (k ≥ 1) of the cloneable nodes' triples, renamed and varied."""
    rng = random.Random(k)
    permuted = rng.sample(genes, len(genes))
    swap = dict(zip(genes, permuted, strict=True))
    out = Graph()

    def rename(term):
        return URIRef(f"{term}-c{k}") if term in nodes else term

    for s, p, o in kg:
        if s not in nodes:
            continue
        if p == TIME_POINT:
            o = Literal(Decimal(rng.choice(WEEKS)), datatype=o.datatype)
        elif p == REF_NUMBER:
            o = Literal(int(o) + N_REFERENCES * k, datatype=o.datatype)
        elif p == OBJECT and str(o).startswith(HGNC):
            o = swap[o]
        out.add((rename(s), p, rename(o)))
    return out


def graph_path(size: int) -> Path:
    """The cached N-Triples file for ``size`` (made by :func:`ensure_graph`)."""
    return CACHE / f"exo-x{size}-{_fingerprint()}.nt"


def ensure_graph(size: int) -> tuple[Path, dict[str, int]]:
    """The N-Triples file for ``size`` and its counts (``triples``, ``findings``); written on first use."""
    path = graph_path(size)
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        return path, json.loads(meta_path.read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    tbox, kg = _load()
    nodes = cloneable(tbox, kg)
    genes = sorted({o for o in kg.objects(None, OBJECT) if str(o).startswith(HGNC)})
    base = tbox + kg
    triples, findings = len(base), len(set(base.subjects(RDF.type, FINDING)))
    tmp = path.with_suffix(".part")
    with tmp.open("wb") as out:
        out.write(base.serialize(format="nt", encoding="utf-8"))
        for k in range(1, size):
            copy = clone(kg, nodes, genes, k)
            out.write(copy.serialize(format="nt", encoding="utf-8"))
            triples += len(copy)
            findings += len(set(copy.subjects(RDF.type, FINDING)))
    tmp.replace(path)
    meta = {"triples": triples, "findings": findings}
    meta_path.write_text(json.dumps(meta))
    return path, meta


#: The kinds of untyped input: plain string values; distinct xsd:integer or xsd:double values (a dump of
#: measurements, which the loader must keep as written without a Python object per literal; Oxigraph may rewrite
#: a double, so those go through the loader's scratch stores); plain values on blank-node subjects (lines the
#: loader reads one by one, so that each label names one node).
UNTYPED_KINDS = ("plain", "integer", "double", "blank")
_VALUE = {"integer": f'"{{i}}"^^<{XSD.integer}>', "double": f'"{{i}}.5"^^<{XSD.double}>'}


def untyped_path(triples: int, kind: str = "plain") -> Path:
    return CACHE / (f"untyped-{triples}.nt" if kind == "plain" else f"untyped-{kind}-{triples}.nt")


def ensure_untyped(triples: int, kind: str = "plain") -> Path:
    """``triples`` instance triples with no type and no TBox (ten properties per subject, literal values; the
    :data:`UNTYPED_KINDS` ``kind``): what a user's data dump looks like to ``exo-onto check FILE``. None of it
    may reach HermiT."""
    if kind not in UNTYPED_KINDS:
        raise ValueError(f"kind: one of {', '.join(UNTYPED_KINDS)}")
    path = untyped_path(triples, kind)
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        value = _VALUE.get(kind, '"value {i}"')
        subject = "_:s{n}" if kind == "blank" else "<http://example.org/s{n}>"
        with open(tmp, "w", encoding="utf-8") as fh:
            for i in range(triples):
                fh.write(f"{subject.format(n=i // 10)} <http://example.org/p{i % 10}> {value.format(i=i)} .\n")
        tmp.replace(path)
    return path


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1"]:
        p, m = ensure_graph(int(arg))
        print(p, m)
