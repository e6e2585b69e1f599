"""Release files: the merged ontology + data in every format, the TBox, the inferred hierarchy,
a VoID/DCAT description and the SSSOM mappings.

The same input gives byte-identical output (see ``serializers``); the release is written into a
temporary folder beside the target and swapped in at the end, so a crash leaves the previous build.
The output folder is claimed before any work (:mod:`exo_onto.writing`): a folder the tool may not
replace, an unwritable place or a busy folder is refused at once, not after the reasoner has run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, SKOS, VOID, XSD

from .formatting import canonical_turtle
from .labels import label
from .loading import LoadedStore, load_graph, load_store, parse_turtle
from .namespaces import BASE, PREFIXES, bind_prefixes, curie, curie_prefix_iri
from .paths import ontology_files, tbox_path
from .qc import qc_summary, run_qc
from .reasoning import ReasonerReport, reason
from .serializers import jsonld, jsonld_context, ntriples, rdfxml
from .writing import DEFAULT_WAIT, PathArg, claim_output

FULL = "exo-onto-full"
TBOX_ONTOLOGY = URIRef(BASE + "exo-onto.owl")
#: header annotations copied from the TBox onto the merged release ontology
_HEADER = (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, DCTERMS.created,
           DCTERMS.source, DCTERMS.bibliographicCitation, RDFS.comment,
           URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"),
           URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))
MEDIA = {
    ".ttl": "text/turtle", ".owl": "application/rdf+xml", ".jsonld": "application/ld+json",
    ".nt": "application/n-triples", ".tsv": "text/tab-separated-values",
}


class BuildError(Exception):
    """The release could not be built (the message says why); the previous release is untouched."""


@dataclass
class BuildReport:
    out_dir: Path
    version: str
    files: list[str] = field(default_factory=list)
    reasoner: ReasonerReport | None = None


def version_of(tbox: Graph) -> str:
    """The curated version (the TBox's owl:versionInfo): builds are reproducible, not date-stamped."""
    value = tbox.value(TBOX_ONTOLOGY, OWL.versionInfo)
    if value is None:
        raise BuildError(f"{tbox_path()}: the ontology header has no owl:versionInfo")
    return str(value)


def _restamp(graph: Graph, ontology: URIRef, name: str, version: str) -> None:
    graph.remove((ontology, OWL.versionIRI, None))
    graph.remove((ontology, OWL.versionInfo, None))
    graph.add((ontology, OWL.versionIRI, URIRef(f"{BASE}releases/{version}/{name}.owl")))
    graph.add((ontology, OWL.versionInfo, Literal(version)))


def merged_graph(graph: Graph, tbox: Graph, version: str) -> Graph:
    """One ontology holding TBox and knowledge graph: a single header, no imports."""
    merged = bind_prefixes(Graph())
    headers = set(graph.subjects(RDF.type, OWL.Ontology))
    for s, p, o in graph:
        if s not in headers and p != OWL.imports:
            merged.add((s, p, o))
    full = URIRef(BASE + FULL + ".owl")
    merged.add((full, RDF.type, OWL.Ontology))
    for p in _HEADER:
        for o in tbox.objects(TBOX_ONTOLOGY, p):
            merged.add((full, p, o))
    _restamp(merged, full, FULL, version)
    return merged


def inferred_graph(report: ReasonerReport, version: str) -> Graph:
    """The HermiT-inferred class hierarchy and individual types, as their own ontology."""
    g = bind_prefixes(Graph())
    ont = URIRef(BASE + "exo-onto-inferred.owl")
    g.add((ont, RDF.type, OWL.Ontology))
    g.add((ont, DCTERMS.title, Literal("exo-onto: axioms inferred by HermiT", lang="en")))
    g.add((ont, DCTERMS.description, Literal(
        "Subclass axioms and class assertions that HermiT infers from exo-onto-full and that are not asserted there.",
        lang="en")))
    _restamp(g, ont, "exo-onto-inferred", version)
    for child, parent in report.inferred_superclasses:
        g.add((URIRef(child), RDFS.subClassOf, URIRef(parent)))
    for ind, cls in report.inferred_types:
        g.add((URIRef(ind), RDF.type, URIRef(cls)))
    return g


_MAPPING_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


def sssom(graph: Graph, version: str) -> str:
    """The SKOS mappings of the graph as an SSSOM TSV with its metadata block."""
    rows = sorted(
        (curie(s), label(graph, s, default=""), "skos:" + str(p).rsplit("#", 1)[1], curie(o),
         label(graph, o, default=""))
        for p in _MAPPING_PREDICATES for s, o in graph.subject_objects(p)
    )
    used = {"skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"}
    for row in rows:
        for term in (row[0], row[3]):
            prefix = term.split(":", 1)[0]
            used[prefix] = curie_prefix_iri(prefix)
    meta = [
        f"mapping_set_id: {BASE}releases/{version}/exo-onto.sssom.tsv",
        f"mapping_set_version: {version}",
        "license: https://creativecommons.org/licenses/by/4.0/",
        "mapping_set_description: SKOS mappings of exo-onto terms to external ontology terms, curated by hand.",
        "curie_map:",
        *[f"  {k}: {v}" for k, v in sorted(used.items())],
    ]
    header = "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification"
    body = [f"{a}\t{b}\t{c}\t{d}\t{e}\tsemapv:ManualMappingCuration" for a, b, c, d, e in rows]
    return "".join(f"# {m}\n" for m in meta) + header + "\n" + "".join(line + "\n" for line in body)


def void_graph(merged: Graph, version: str, files: list[str]) -> Graph:
    """A VoID / DCAT description of the release: title, licence, version, counts, distributions."""
    g = bind_prefixes(Graph())
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    ds = URIRef(BASE + "dataset")
    full = URIRef(BASE + FULL + ".owl")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator):
        for o in merged.objects(full, p):
            g.add((ds, p, o))
    g.add((ds, OWL.versionInfo, Literal(version)))
    g.add((ds, URIRef(str(DCAT) + "version"), Literal(version)))  # DCAT 3, unknown to rdflib's DCAT
    g.add((ds, VOID.uriSpace, Literal(BASE)))
    g.add((ds, VOID.triples, Literal(len(merged), datatype=XSD.integer)))
    entities = {s for s in merged.subjects() if isinstance(s, URIRef)}
    g.add((ds, VOID.entities, Literal(len(entities), datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(set(merged.subjects(RDF.type, OWL.Class))), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(set(merged.predicates())), datatype=XSD.integer)))
    findings = len(set(merged.subjects(RDF.type, URIRef(BASE + "Finding"))))
    g.add((ds, RDFS.comment, Literal(f"{findings} findings of the review, each with its source span.", lang="en")))
    for ns in sorted(PREFIXES.values()):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for name in files:
        dist = URIRef(f"{BASE}releases/{version}/{name}")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(name)))
        g.add((dist, DCAT.downloadURL, dist))
        media = MEDIA.get(Path(name).suffix)
        if media:
            g.add((dist, DCAT.mediaType, Literal(media)))
    if f"{FULL}.nt" in files:
        g.add((ds, VOID.dataDump, URIRef(f"{BASE}releases/{version}/{FULL}.nt")))
    return g


def release_files(graph: Graph, tbox: Graph, report: ReasonerReport, version: str) -> dict[str, bytes]:
    """Every release file name with its bytes (pure: no disk access)."""
    merged = merged_graph(graph, tbox, version)
    tbox_release = bind_prefixes(Graph())
    for t in tbox:
        tbox_release.add(t)
    _restamp(tbox_release, TBOX_ONTOLOGY, "exo-onto", version)
    text: dict[str, str] = {
        f"{FULL}.ttl": canonical_turtle(merged),
        f"{FULL}.owl": rdfxml(merged),
        f"{FULL}.jsonld": jsonld(merged),
        "context.jsonld": json.dumps(jsonld_context(), indent=1, sort_keys=True) + "\n",
        f"{FULL}.nt": ntriples(merged),
        "exo-onto.owl": rdfxml(tbox_release),
        "exo-onto.ttl": canonical_turtle(tbox_release),
        "exo-onto-inferred.ttl": canonical_turtle(inferred_graph(report, version)),
        "exo-onto.sssom.tsv": sssom(merged, version),
    }
    text["void.ttl"] = canonical_turtle(void_graph(merged, version, sorted(text)))
    return {name: body.encode("utf-8") for name, body in sorted(text.items())}


def _as_paths(files: PathArg | Iterable[PathArg] | None) -> list[Path]:
    """``files`` as a list of paths: one ``str`` or ``Path`` is one file, not a sequence of characters."""
    if files is None:
        return ontology_files()
    if isinstance(files, (str, os.PathLike)):
        return [Path(files)]
    return [Path(f) for f in files]


def shacl_gate(loaded: LoadedStore) -> None:
    """Raise :class:`BuildError` when the graph has SHACL violations: a release never ships what ``check`` rejects."""
    from .loading import TurtleError
    from .validation import ValidationError, validate_store  # pyshacl is slow to import

    try:
        shacl = validate_store(loaded)
    except TurtleError:  # a shapes file that does not parse: FILE:LINE, exit 2 like any unreadable file
        raise
    except ValidationError as exc:
        raise BuildError(str(exc)) from exc
    except Exception as exc:  # broken shapes raise several error types; the build must refuse, not crash
        raise BuildError(f"SHACL validation could not run: {exc}") from exc
    if shacl.violations:
        first = shacl.violations[0]
        raise BuildError(f"SHACL found {len(shacl.violations)} violation(s) (run `exo-onto validate`); first: "
                         f"{first.focus} {first.path or '(node)'}: {first.message}")


def build(out_dir: PathArg, version: str | None = None, files: PathArg | Iterable[PathArg] | None = None,
          wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Build the release into ``out_dir`` (``str`` or ``Path``).

    The folder is claimed first (:class:`~exo_onto.writing.OutputError` if the tool may not replace it or
    cannot write there, :class:`~exo_onto.writing.OutputBusy` after ``wait`` seconds of another writer);
    then :class:`BuildError` if the graph has SHACL violations, does not reason cleanly or has a QC error.
    ``files`` (the TBox first) default to the project's ontology files.
    """
    paths = _as_paths(files)
    with claim_output(out_dir, wait, on_wait) as folder:
        loaded = load_store(paths)  # the loader `check` uses: a file Oxigraph rejects is one FILE:LINE error
        shacl_gate(loaded)  # cheap (seconds), so before HermiT
        graph = load_graph(paths)
        tbox = parse_turtle(paths[0])
        version = version or version_of(tbox)
        try:
            report = reason(graph)
        except OSError as exc:  # HermiT's input is a temporary file: a full /tmp is named, not a traceback
            raise OSError(exc.errno, exc.strerror, exc.filename or tempfile.gettempdir()) from exc
        if not report.ok:
            why = "; ".join(report.errors + [f"unsatisfiable: {c}" for c in report.unsatisfiable]) or "inconsistent"
            raise BuildError(f"the ontology does not reason cleanly ({report.reasoner}): {why}")
        qc = run_qc(store=loaded.store)  # the default graph: validation's RDFS closure is in a named graph
        if not qc.ok:
            first = next(r for r in qc.rows if r.severity == "ERROR")
            raise BuildError(f"QC found {qc_summary(qc)}; first: {first.check} {first.entity} {first.property}")
        payload = release_files(graph, tbox, report, version)
        folder.write(payload)
    return BuildReport(Path(out_dir), version, list(payload), report)
