"""One nanopublication per finding, so that each claim of the review can be cited on its own.

A nanopublication (http://www.nanopub.org/nschema#) is four named graphs: a head that names the other
three, the assertion (the claim), its provenance (where the claim comes from) and publication info
(licence, date, release). :func:`nanopublications` writes them all as one TriG file.

* **assertion** — the finding node with its claim fields (subject, predicate, object, direction,
  aspect, anatomical and experimental context, conflicts, labels), plus the plain triple
  ``subject predicate object`` that the finding reifies, for tools that read nanopublications as triples;
* **provenance** — ``prov:wasDerivedFrom`` the review and the quoted span (with its quote and offsets),
  the ECO evidence code, the cited works, the section, the curators' notes and the experimental
  context's description;
* **publication info** — CC BY 4.0, the creation date (the release's version date), the release it
  belongs to and the finding it publishes.

Each nanopublication's IRI is a **trusty URI** (module RA: a SHA-256 over the normalised quads, with
the artifact code replaced by a space; https://github.com/trustyuri/trustyuri), computed here offline.
``nanopub-sign`` (the Rust nanopub toolkit) checks them offline in the tests. They are not signed:
signing needs a curator's private key and stamps the current time, which would make the release
differ from build to build.

The output is deterministic: the same graph and version give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from exo_onto.terms.namespaces import BASE, BIOLINK, CITO, MSCEXO, OA, PREFIXES

NP = Namespace("http://www.nanopub.org/nschema#")
NPX = Namespace("http://purl.org/nanopub/x/")
#: Where the project's nanopublications live: ``{NP_BASE}RA…`` (the artifact code), graphs below it.
NP_BASE = BASE + "np/"
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
REVIEW = MSCEXO["review"]
TBOX_ONTOLOGY = MSCEXO["exo-onto.owl"]

#: The finding's own properties that say where the claim comes from, not what it claims.
PROVENANCE_PREDICATES = frozenset({
    BIOLINK.has_evidence, CITO.citesAsEvidence, PROV.wasDerivedFrom, MSCEXO.statedInSection,
    SKOS.editorialNote, SKOS.changeNote, RDFS.comment,
})
GRAPH_NAMES = ("Head", "assertion", "provenance", "pubinfo")
#: Stands for the artifact code until it is known; hashing replaces it by a space, as the RA module does.
TEMP_CODE = "RA" + "0" * 43
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_XSD_STRING = str(XSD.string)


def findings(graph: Graph) -> list[URIRef]:
    """Every current finding (typed ``mscexo:Finding``; withdrawn ones are not), sorted by IRI."""
    return sorted(f for f in set(graph.subjects(RDF.type, MSCEXO.Finding)) if isinstance(f, URIRef))


def _describe(graph: Graph, node: URIRef, out: list[tuple], seen: set, follow: Iterable[URIRef] = ()) -> None:
    """Every triple of ``node``, then of the blank nodes and ``follow`` objects it points to."""
    if node in seen:
        return
    seen.add(node)
    for p, o in graph.predicate_objects(node):
        out.append((node, p, o))
        if isinstance(o, BNode) or (p in follow and isinstance(o, URIRef)):
            _describe(graph, o, out, seen, follow)


def parts(graph: Graph, finding: URIRef) -> tuple[list[tuple], list[tuple]]:
    """The assertion triples and the provenance triples of ``finding`` (before the nanopub links)."""
    assertion, provenance = [], []
    for p, o in graph.predicate_objects(finding):
        (provenance if p in PROVENANCE_PREDICATES else assertion).append((finding, p, o))
    s, p, o = (graph.value(finding, x) for x in (BIOLINK.subject, BIOLINK.predicate, BIOLINK.object))
    if s is not None and isinstance(p, URIRef) and o is not None:
        assertion.append((s, p, o))
    seen: set = {finding}
    for span in graph.objects(finding, PROV.wasDerivedFrom):  # the span and its two selectors
        _describe(graph, span, provenance, seen, follow=(OA.hasSelector,))
    for context in graph.objects(finding, MSCEXO.hasContext):  # the cited study's design
        _describe(graph, context, provenance, seen)
    return assertion, provenance


def _created(graph: Graph, version: str) -> Literal:
    """The creation time: the version when it is a date (the release is dated), else the TBox's date."""
    is_date = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
    day = version if is_date(version) else str(graph.value(TBOX_ONTOLOGY, DCTERMS.created) or "")
    if not is_date(day):
        raise ValueError(f"version {version!r} is not a date and the ontology header has no dcterms:created date")
    return Literal(f"{day}T00:00:00+00:00", datatype=XSD.dateTime)  # the form rdflib reads back unchanged


def _skolemise(triples: list[tuple], this: str) -> list[tuple]:
    """Blank nodes as IRIs under the nanopublication (``…/_1``), numbered in canonical order (trusty-URI rule)."""
    if not any(isinstance(t, BNode) for triple in triples for t in triple):
        return triples
    g = Graph()
    for t in triples:
        g.add(t)
    canonical = sorted(to_canonical_graph(g), key=lambda t: tuple(str(x) for x in t))
    names: dict[BNode, URIRef] = {}

    def name(t):  # noqa: ANN001, ANN202
        if isinstance(t, BNode):
            return names.setdefault(t, URIRef(f"{this}/_{len(names) + 1}"))
        return t

    return [tuple(name(t) for t in triple) for triple in canonical]


def nanopub_quads(graph: Graph, finding: URIRef, version: str, code: str = TEMP_CODE) -> list[tuple]:
    """The quads ``(s, p, o, graph)`` of the nanopublication of ``finding`` with artifact code ``code``."""
    this = NP_BASE + code
    head, a_graph, p_graph, i_graph = (URIRef(f"{this}/{n}") for n in GRAPH_NAMES)
    np_iri = URIRef(this)
    assertion, provenance = parts(graph, finding)
    assertion = _skolemise(assertion, this)
    provenance = _skolemise(provenance, this)
    prov_links = [(a_graph, PROV.wasDerivedFrom, REVIEW)]
    prov_links += [(a_graph, PROV.wasDerivedFrom, o) for o in graph.objects(finding, PROV.wasDerivedFrom)]
    prov_links += [(a_graph, BIOLINK.has_evidence, o) for o in graph.objects(finding, BIOLINK.has_evidence)]
    prov_links += [(a_graph, CITO.citesAsEvidence, o) for o in graph.objects(finding, CITO.citesAsEvidence)]
    pubinfo = [
        (np_iri, DCTERMS.license, LICENCE),
        (np_iri, DCTERMS.created, _created(graph, version)),
        (np_iri, DCTERMS.isPartOf, URIRef(f"{BASE}releases/{version}/exo-onto-full.owl")),
        (np_iri, OWL.versionInfo, Literal(version)),
        (np_iri, DCTERMS.subject, finding),
        (np_iri, NPX.hasNanopubType, MSCEXO.Finding),
    ]
    pubinfo += [(np_iri, DCTERMS.creator, o) for o in sorted(graph.objects(TBOX_ONTOLOGY, DCTERMS.creator))]
    pubinfo += [(np_iri, RDFS.label, Literal(f"exo-onto finding {str(finding)[len(BASE):]}: {lab}", lang="en"))
                for lab in graph.objects(finding, RDFS.label) if getattr(lab, "language", None) == "en"]
    head_triples = [
        (np_iri, RDF.type, NP.Nanopublication),
        (np_iri, NP.hasAssertion, a_graph),
        (np_iri, NP.hasProvenance, p_graph),
        (np_iri, NP.hasPublicationInfo, i_graph),
    ]
    quads = [(*t, head) for t in head_triples]
    quads += [(*t, a_graph) for t in assertion]
    quads += [(*t, p_graph) for t in [*provenance, *prov_links]]
    quads += [(*t, i_graph) for t in pubinfo]
    return sorted(set(quads), key=_quad_key)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _normalised(o) -> str:  # noqa: ANN001
    """An object as the RA module writes it: the IRI, or ``@lang text`` / ``^datatype text`` escaped."""
    if isinstance(o, Literal):
        if o.language:
            return f"@{o.language.lower()} {_escape(str(o))}"
        return f"^{o.datatype or _XSD_STRING} {_escape(str(o))}"
    return str(o)


def _object_key(o) -> tuple:  # noqa: ANN001
    """The statement order of the RA module as nanopub-sign checks it: IRIs first, then by normalised text."""
    return (isinstance(o, Literal), _normalised(o))


def _quad_key(q: tuple) -> tuple:
    s, p, o, g = q
    return (str(g), str(s), str(p), _object_key(o))


def trusty_code(quads: Iterable[tuple], placeholder: str = TEMP_CODE) -> str:
    """The RA artifact code of quads whose IRIs hold ``placeholder`` where the code goes.

    The normalised form is the TrustyURI RA module's: one line per graph, subject, predicate and object,
    statements sorted, a literal as ``@lang text`` or ``^datatype text`` with ``\\`` and newlines escaped.
    """
    def text(t) -> str:  # noqa: ANN001
        return str(t).replace(placeholder, " ") if isinstance(t, URIRef) else _normalised(t)

    rows = {(text(g), text(s), text(p), isinstance(o, Literal), text(o)) for s, p, o, g in quads}
    lines = [f"{g}\n{s}\n{p}\n{o}\n" for g, s, p, _, o in sorted(rows)]
    digest = hashlib.sha256("".join(lines).encode("utf-8")).digest()
    return "RA" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _term(t, prefixes: list[tuple[str, str]]) -> str:  # noqa: ANN001
    if isinstance(t, Literal):
        text = (str(t).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
                .replace("\t", "\\t"))
        if t.language:
            return f'"{text}"@{t.language}'
        if t.datatype is None or str(t.datatype) == _XSD_STRING:
            return f'"{text}"'
        return f'"{text}"^^{_term(t.datatype, prefixes)}'
    iri = str(t)
    for prefix, ns in prefixes:
        if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _prefixes() -> list[tuple[str, str]]:
    """Project prefixes plus the nanopub schema's, longest namespace first when matching."""
    table = {**PREFIXES, "np": str(NP), "npx": str(NPX)}
    return sorted(table.items())


def nanopublication_quads(graph: Graph, version: str) -> list[tuple]:
    """Every finding's nanopublication as quads with its trusty URI, findings in IRI order."""
    out: list[tuple] = []
    for finding in findings(graph):
        code = trusty_code(nanopub_quads(graph, finding, version))
        out += nanopub_quads(graph, finding, version, code)
    return out


def nanopublications(graph: Graph, version: str) -> bytes:
    """``exo-onto-nanopubs.trig``: one trusty nanopublication per finding, as deterministic TriG bytes.

    ``graph`` is the merged graph (TBox and knowledge graph); ``version`` the release's version (a date).
    """
    table = _prefixes()
    by_length = sorted(table, key=lambda kv: -len(kv[1]))
    lines = [f"PREFIX {p}: <{ns}>\n" for p, ns in table]
    current_np = None
    blocks: dict[URIRef, list[tuple]] = {}
    order: list[URIRef] = []
    for s, p, o, g in nanopublication_quads(graph, version):
        if g not in blocks:
            blocks[g] = []
            order.append(g)
        blocks[g].append((s, p, o))
    for g in order:
        np_iri = str(g).rsplit("/", 1)[0]
        if np_iri != current_np:
            lines.append("\n")
            current_np = np_iri
        lines.append(f"<{g}> {{\n")
        for s, p, o in sorted(blocks[g], key=lambda t: (str(t[0]), str(t[1]), _object_key(t[2]))):
            lines.append(f"    {_term(s, by_length)} {_term(p, by_length)} {_term(o, by_length)} .\n")
        lines.append("}\n")
    return "".join(lines).encode("utf-8")
