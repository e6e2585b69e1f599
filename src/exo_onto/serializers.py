"""Byte-stable serialisations for release files.

rdflib's RDF/XML, JSON-LD and N-Triples writers order their output by hash-seeded sets, so two
builds of the same graph differ. These writers sort subjects and statements explicitly (after
canonical blank-node labelling), so the same input always gives the same bytes.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import XSD

from .namespaces import PREFIXES, bind_prefixes


def canonical(graph: Graph) -> Graph:
    """A copy with canonical blank-node labels (stable across parses and hash seeds)."""
    return to_canonical_graph(graph)


def _sort_key(term) -> tuple:
    kind = 0 if isinstance(term, URIRef) else 1 if isinstance(term, BNode) else 2
    extra = ""
    if isinstance(term, Literal):
        extra = f"{term.language or ''}|{term.datatype or ''}"
    return (kind, str(term), extra)


def ntriples(graph: Graph) -> str:
    """N-Triples with one statement per line, lines sorted."""
    from rdflib.plugins.serializers.nt import _nt_row  # escapes newlines, unlike Literal.n3()

    return "".join(sorted({_nt_row(t) for t in canonical(graph)}))


def _split(iri: str, prefixes: dict[str, str]) -> tuple[str, str]:
    """Split a predicate IRI into (prefix, NCName local part) using the project prefixes."""
    best = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(prefixes.get(best, "")):
            local = iri[len(ns):]
            if local and (local[0].isalpha() or local[0] == "_") and all(c.isalnum() or c in "_-." for c in local):
                best = prefix
    if not best:
        raise ValueError(f"no XML-safe prefix for predicate {iri}")
    return best, iri[len(prefixes[best]):]


def rdfxml(graph: Graph) -> str:
    """RDF/XML (what Protégé and OBO tools read), one rdf:Description per subject, all sorted."""
    g = canonical(graph)
    prefixes = {k.replace(".", "_"): v for k, v in PREFIXES.items()}
    used: set[str] = {"rdf"}
    body = []
    for s in sorted(set(g.subjects()), key=_sort_key):
        about = f"rdf:nodeID={quoteattr(str(s))}" if isinstance(s, BNode) else f"rdf:about={quoteattr(str(s))}"
        body.append(f"  <rdf:Description {about}>")
        for p, o in sorted(g.predicate_objects(s), key=lambda po: (str(po[0]), _sort_key(po[1]))):
            pre, local = _split(str(p), prefixes)
            used.add(pre)
            tag = f"{pre}:{local}"
            if isinstance(o, URIRef):
                body.append(f"    <{tag} rdf:resource={quoteattr(str(o))}/>")
            elif isinstance(o, BNode):
                body.append(f"    <{tag} rdf:nodeID={quoteattr(str(o))}/>")
            else:
                attrs = ""
                if o.language:
                    attrs = f" xml:lang={quoteattr(o.language)}"
                elif o.datatype and o.datatype != XSD.string:
                    attrs = f" rdf:datatype={quoteattr(str(o.datatype))}"
                body.append(f"    <{tag}{attrs}>{escape(str(o))}</{tag}>")
        body.append("  </rdf:Description>")
    ns = "".join(f"\n    xmlns:{p}={quoteattr(prefixes[p])}" for p in sorted(used))
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{ns}>\n' + "\n".join(body) + "\n</rdf:RDF>\n"


def jsonld_context() -> dict:
    """The JSON-LD context: the project's prefixes (what ``context.jsonld`` holds)."""
    return {"@context": dict(sorted(PREFIXES.items()))}


def jsonld(graph: Graph) -> str:
    """JSON-LD compacted with the project context, nodes and values sorted."""
    g = bind_prefixes(Graph())
    for t in canonical(graph):
        g.add(t)
    data = json.loads(g.serialize(format="json-ld", context=jsonld_context()["@context"], auto_compact=True))
    nodes = data.get("@graph", [data])

    def norm(value, ordered: bool = False):
        # Multiple values of a property are a set (sorted here); an @list keeps its order.
        if isinstance(value, list):
            items = [norm(v) for v in value]
            return items if ordered else sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        if isinstance(value, dict):
            return {k: norm(v, ordered=(k == "@list")) for k, v in value.items()}
        return value

    # The context is embedded so the file parses offline; context.jsonld ships the same context.
    out = {"@context": data.get("@context"),
           "@graph": sorted((norm(n) for n in nodes), key=lambda n: json.dumps(n.get("@id", ""), ensure_ascii=False))}
    return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
