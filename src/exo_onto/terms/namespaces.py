"""Every namespace the project writes, bound once so no serializer invents ``ns1:``, and the one
CURIE converter every printer of answers and reports uses.

The project prefix is ``mscexo`` ("MSC exosome"): ``exo`` is already the Exposure
Ontology (ExO) in the OBO/Bioregistry prefix space.

CURIEs are written in the prefix map's casing (:data:`PREFIXES`, which the Turtle files use too:
``hgnc:2200``, ``ncbigene:1280``, ``mirbase.mature:MIMAT0000092``), and OBO-style terms as
``CL:0000134`` (``PREFIX CL: <http://purl.obolibrary.org/obo/CL_>``), so a table, a CSV, a Turtle
answer, a QC report and a validation report show one IRI the same way. :data:`CURIE_CONVERTER`
(the ``curies`` library) holds that map; :func:`to_curie` and :func:`expand_curie` are the two ways
through it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

if TYPE_CHECKING:
    from curies import Converter, Record

BASE = "https://w3id.org/exo-onto/"
MSCEXO = Namespace(BASE)
OBO = Namespace("http://purl.obolibrary.org/obo/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
OA = Namespace("http://www.w3.org/ns/oa#")
CITO = Namespace("http://purl.org/spar/cito/")
OBOINOWL = Namespace("http://www.geneontology.org/formats/oboInOwl#")
VANN = Namespace("http://purl.org/vocab/vann/")
HGNC = Namespace("https://identifiers.org/hgnc:")
NCBIGENE = Namespace("https://identifiers.org/ncbigene:")
MIRBASE = Namespace("https://identifiers.org/mirbase:")
MIRBASE_MATURE = Namespace("https://identifiers.org/mirbase.mature:")
EFO = Namespace("http://www.ebi.ac.uk/efo/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
SH = Namespace("http://www.w3.org/ns/shacl#")
#: Namespace of the SHACL shapes in ``shapes/`` (every shape has an IRI here).
MSCEXOSH = Namespace(BASE + "shapes/")

#: IAO "definition" annotation property, the OBO convention for a term's definition.
DEFINITION = OBO["IAO_0000115"]

# OBO ontologies whose terms follow the PURL pattern PREFIX_NNNNNNN.
OBO_PREFIXES = (
    "BFO", "CHEBI", "CHMO", "CL", "DOID", "ECO", "GO", "IAO", "MAXO", "MONDO", "NCBITaxon",
    "NCIT", "OBI", "RO", "SO", "UBERON",
)

#: prefix -> namespace IRI, in the order they are bound.
PREFIXES: dict[str, str] = {
    "mscexo": BASE,
    "biolink": str(BIOLINK),
    "bibo": str(BIBO),
    "cito": str(CITO),
    "dcterms": str(DCTERMS),
    "efo": str(EFO),
    "foaf": str(FOAF),
    "hgnc": str(HGNC),
    "mirbase": str(MIRBASE),
    "mirbase.mature": str(MIRBASE_MATURE),
    "ncbigene": str(NCBIGENE),
    "oa": str(OA),
    "obo": str(OBO),
    "oboInOwl": str(OBOINOWL),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "sh": str(SH),
    "mscexosh": str(MSCEXOSH),
    "skos": str(SKOS),
    "vann": str(VANN),
    "xsd": str(XSD),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every project prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def _curie_records() -> list[Record]:
    """The prefix map's records, then one per OBO-style ontology (its IDs are ``PREFIX_local`` IRIs).

    ``HGNC:`` and ``NCBIGene:`` (the mapping tables' and Bioregistry's preferred spelling) are kept as
    synonyms, so a CURIE typed either way is read; only the prefix map's casing is written. EFO's own
    IDs (``EFO_0004905``) are OBO-style, so ``EFO:0004905`` is both read and written.
    """
    from curies import Record

    synonyms = {"hgnc": ["HGNC"], "ncbigene": ["NCBIGene"]}
    records = [Record(prefix=p, uri_prefix=ns, prefix_synonyms=synonyms.get(p, [])) for p, ns in PREFIXES.items()]
    records += [Record(prefix=p, uri_prefix=f"{OBO}{p}_") for p in OBO_PREFIXES]
    records.append(Record(prefix="EFO", uri_prefix=f"{EFO}EFO_"))
    return records


@lru_cache(maxsize=1)
def curie_converter() -> Converter:
    """The one IRI <-> CURIE converter of query answers, QC and validation reports (longest namespace wins).
    Built on first use: curies (with pydantic) takes 60 ms to import, which a command that prints no CURIE
    should not pay."""
    from curies import Converter

    return Converter(_curie_records())


#: A CURIE's local part that prints and reads back unchanged (no path, fragment, query or space).
_LOCAL = re.compile(r"[^\s/#?<>\"{}|^`\\]+")


def to_curie(iri: str) -> str | None:
    """``iri`` as the project's CURIE (``CL:0000134``, ``hgnc:2200``, ``mscexo:prep-24-bmsc-exo``), or None.

    None when no prefix covers it, or when what is left after the namespace is empty or holds ``/``,
    ``#`` or ``?`` (``mscexo:np/RA…`` would read as a different IRI in most tools).
    """
    return _to_curie(str(iri))


@lru_cache(maxsize=1 << 14)
def _to_curie(iri: str) -> str | None:
    """Remembered: a report names the same shapes, paths and datatypes in every result (x223: 176,532 calls)."""
    short = curie_converter().compress(iri)
    if short is None:
        return None
    local = short.split(":", 1)[1]
    return short if _LOCAL.fullmatch(local) else None


def curie_or_iri(iri: str) -> str:
    """How every printer shows an IRI: its CURIE (:func:`to_curie`), else ``<iri>``."""
    return to_curie(iri) or f"<{iri}>"


def expand_curie(text: str) -> str | None:
    """The IRI of a CURIE in either casing (``HGNC:7159`` or ``hgnc:7159``, ``CL:0002540``); None if unknown."""
    return curie_converter().expand(text.strip())


def curie_prefixes() -> dict[str, str]:
    """Prefix -> namespace as the converter writes them: bind these to print Turtle in the same CURIEs."""
    return {r.prefix: r.uri_prefix for r in curie_converter().records}


def bind_curie_prefixes(graph: Graph) -> Graph:
    """Bind the converter's prefixes on ``graph`` (an answer to print, not a project file) and return it."""
    for prefix, iri in curie_prefixes().items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def curie(iri: str) -> str:
    """``iri`` as the project's CURIE in the one spelling (:func:`to_curie`: ``CL:0000134``, ``hgnc:2200``),
    else the IRI itself: for tables and files that hold a CURIE or an IRI in one column."""
    return to_curie(iri) or str(iri)


def curie_prefix_iri(prefix: str) -> str:
    """The namespace a CURIE prefix expands to, in either casing (``hgnc`` or ``HGNC``); an unknown prefix
    is taken for an OBO ontology (``CL`` → ``http://purl.obolibrary.org/obo/CL_``)."""
    for record in curie_converter().records:
        if prefix == record.prefix or prefix in record.prefix_synonyms:
            return record.uri_prefix
    return f"{OBO}{prefix}_"


def is_external_term(iri: str) -> bool:
    """True for IRIs of the biomedical registries whose IDs must be verified (OBO, HGNC, …)."""
    s = str(iri)
    return any(
        s.startswith(str(ns)) for ns in (OBO, HGNC, NCBIGENE, MIRBASE, MIRBASE_MATURE, EFO)
    )
