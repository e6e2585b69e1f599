"""Byte-stable serialisations for release files.

rdflib's RDF/XML and N-Triples writers order their output by hash-seeded sets, so two builds of the
same graph differ. These writers sort subjects and statements explicitly (after canonical blank-node
labelling), so the same input always gives the same bytes. (JSON-LD: :mod:`exo_onto.publish.jsonld`.)
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL, RDF, RDFS, XSD

from exo_onto.terms.namespaces import PREFIXES


class CanonicalGraph(Graph):
    """A graph whose blank nodes already carry their canonical labels (what :func:`canonical` returns)."""


def canonical(graph: Graph) -> CanonicalGraph:
    """A copy with canonical blank-node labels (stable across parses and hash seeds); a graph that is one
    already comes back as it is, so a release written in five formats labels its graph once."""
    if isinstance(graph, CanonicalGraph):
        return graph
    out = CanonicalGraph(bind_namespaces="none")
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)
    for triple in to_canonical_graph(graph):
        out.add(triple)
    return out


def term_sort_key(term) -> tuple:
    """Order of objects: IRIs, blank nodes, then literals by language (``en`` before ``zh``) and value.

    The language comes first so that the English label is the first ``rdfs:label`` of a class: OBO
    readers that keep one name (pronto) keep the English one.
    """
    if isinstance(term, URIRef):
        return (0, "", "", str(term))
    if isinstance(term, BNode):
        return (1, "", "", str(term))
    return (2, term.language or "", str(term.datatype or ""), str(term))


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


#: OWL kinds that name an element of OWL-style RDF/XML, first match wins (what OWLAPI and Protégé write,
#: and the only form pronto's RDF/XML reader understands: it looks for ``owl:Class`` elements).
_ELEMENT_TYPES = (OWL.Ontology, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                  OWL.NamedIndividual, OWL.Restriction, OWL.Axiom, OWL.AllDisjointClasses, RDFS.Datatype)


class _RdfXmlWriter:
    """OWL-style RDF/XML: typed node elements, single-use blank nodes nested, lists as collections."""

    def __init__(self, graph: Graph):
        self.g = canonical(graph)
        self.prefixes = {k.replace(".", "_"): v for k, v in PREFIXES.items()}
        self.used: set[str] = {"rdf"}
        refs: dict[BNode, list] = {}
        for s, _, o in self.g:
            if isinstance(o, BNode):
                refs.setdefault(o, []).append(s)
        # A blank node used once as an object is written inside its user, unless that nesting loops.
        parent = {b: users[0] for b, users in refs.items() if len(users) == 1 and users[0] != b}
        self.nested: set[BNode] = set()
        for b in parent:
            seen, node = {b}, parent[b]
            while node in parent and node not in seen:
                seen.add(node)
                node = parent[node]
            if node not in seen:  # the chain of users reaches a node written at the top
                self.nested.add(b)
        self.written: set[BNode] = set()

    def qname(self, iri: str, mark: bool = True) -> str | None:
        """``prefix:local`` for an IRI (the prefix is then declared), None when XML cannot name it."""
        try:
            pre, local = _split(iri, self.prefixes)
        except ValueError:
            return None
        if mark:
            self.used.add(pre)
        return f"{pre}:{local}"

    def _list_items(self, head: BNode) -> list | None:
        """The members of a well-formed list starting at a nested blank node, else None."""
        items, node, seen = [], head, set()
        while node != RDF.nil:
            if not isinstance(node, BNode) or node not in self.nested or node in seen:
                return None
            seen.add(node)
            props = sorted(self.g.predicate_objects(node), key=lambda po: str(po[0]))
            if [p for p, _ in props] != [RDF.first, RDF.rest]:
                return None
            first, rest = props[0][1], props[1][1]
            if isinstance(first, Literal):
                return None
            items.append(first)
            node = rest
        return items

    def node(self, s, indent: str, top: bool) -> list[str]:
        types = sorted(self.g.objects(s, RDF.type), key=term_sort_key)
        element = None
        for kind in _ELEMENT_TYPES:
            if kind in types:
                element = kind
                break
        if element is None:
            element = next((t for t in types if isinstance(t, URIRef) and self.qname(str(t), mark=False)), None)
        tag = self.qname(str(element)) if element is not None else "rdf:Description"
        if isinstance(s, URIRef):
            attr = f" rdf:about={quoteattr(str(s))}"
        else:
            attr = "" if s in self.nested and not top else f" rdf:nodeID={quoteattr(str(s))}"
        props = [(p, o) for p, o in self.g.predicate_objects(s) if not (p == RDF.type and o == element)]
        if not props:
            return [f"{indent}<{tag}{attr}/>"]
        lines = [f"{indent}<{tag}{attr}>"]
        for p, o in sorted(props, key=lambda po: (str(po[0]), term_sort_key(po[1]))):
            lines += self.property(p, o, indent + "  ")
        lines.append(f"{indent}</{tag}>")
        return lines

    def property(self, p, o, indent: str) -> list[str]:
        tag = self.qname(str(p))
        if tag is None:
            raise ValueError(f"no XML-safe prefix for predicate {p}")
        if isinstance(o, URIRef):
            return [f"{indent}<{tag} rdf:resource={quoteattr(str(o))}/>"]
        if isinstance(o, BNode):
            if o not in self.nested:
                return [f"{indent}<{tag} rdf:nodeID={quoteattr(str(o))}/>"]
            self.written.add(o)
            items = self._list_items(o)
            if items is not None:
                lines = [f'{indent}<{tag} rdf:parseType="Collection">']
                node = o
                while node != RDF.nil:
                    self.written.add(node)
                    node = self.g.value(node, RDF.rest)
                for item in items:
                    if isinstance(item, BNode) and item in self.nested:
                        self.written.add(item)
                        lines += self.node(item, indent + "  ", top=False)
                    elif isinstance(item, BNode):
                        lines.append(f"{indent}  <rdf:Description rdf:nodeID={quoteattr(str(item))}/>")
                    else:
                        lines.append(f"{indent}  <rdf:Description rdf:about={quoteattr(str(item))}/>")
                return [*lines, f"{indent}</{tag}>"]
            if not set(self.g.predicate_objects(o)):
                return [f'{indent}<{tag} rdf:parseType="Resource"/>']
            return [f"{indent}<{tag}>", *self.node(o, indent + "  ", top=False), f"{indent}</{tag}>"]
        attrs = ""
        if o.language:
            attrs = f" xml:lang={quoteattr(o.language)}"
        elif o.datatype and o.datatype != XSD.string:
            attrs = f" rdf:datatype={quoteattr(str(o.datatype))}"
        return [f"{indent}<{tag}{attrs}>{escape(str(o))}</{tag}>"]

    def write(self) -> str:
        body: list[str] = []
        for s in sorted(set(self.g.subjects()), key=term_sort_key):
            if isinstance(s, BNode) and s in self.nested:
                continue
            body += self.node(s, "  ", top=True)
        missing = {s for s in self.g.subjects() if isinstance(s, BNode) and s in self.nested} - self.written
        if missing:  # cannot happen for a nesting without loops; never drop a statement silently
            raise AssertionError(f"{len(missing)} nested blank node(s) were not written")
        ns = "".join(f"\n    xmlns:{p}={quoteattr(self.prefixes[p])}" for p in sorted(self.used))
        return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{ns}>\n' + "\n".join(body) + "\n</rdf:RDF>\n"


def rdfxml(graph: Graph) -> str:
    """RDF/XML as Protégé, OWLAPI and OBO tools (pronto) read it: ``<owl:Class rdf:about=…>`` elements,
    restrictions and lists nested where they are used, everything sorted (byte-stable)."""
    return _RdfXmlWriter(graph).write()
