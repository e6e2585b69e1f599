"""Every namespace the project writes, bound once so no serializer invents ``ns1:``.

The project prefix is ``mscexo`` ("MSC exosome"): ``exo`` is already the Exposure
Ontology (ExO) in the OBO/Bioregistry prefix space.
"""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

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
    "BFO", "CHMO", "CL", "DOID", "ECO", "GO", "IAO", "MAXO", "MONDO", "NCBITaxon",
    "OBI", "RO", "SO", "UBERON",
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


def curie(iri: str) -> str:
    """Shorten an IRI to the CURIE form used in the mapping tables (``CL:0000134``, ``HGNC:2200``)."""
    s = str(iri)
    if s.startswith(str(OBO)):
        local = s[len(str(OBO)):]
        prefix, _, rest = local.partition("_")
        return f"{prefix}:{rest}" if rest else local
    for prefix, ns in (
        ("HGNC", HGNC), ("NCBIGene", NCBIGENE), ("mirbase.mature", MIRBASE_MATURE),
        ("mirbase", MIRBASE),
    ):
        if s.startswith(str(ns)):
            return f"{prefix}:{s[len(str(ns)):]}"
    if s.startswith(str(EFO)):
        return "EFO:" + s[len(str(EFO)):].removeprefix("EFO_")
    if s.startswith(BASE):
        return "mscexo:" + s[len(BASE):]
    return s


def curie_prefix_iri(prefix: str) -> str:
    """The IRI a CURIE prefix (as :func:`curie` writes it) expands to."""
    fixed = {
        "mscexo": BASE, "HGNC": str(HGNC), "NCBIGene": str(NCBIGENE), "mirbase": str(MIRBASE),
        "mirbase.mature": str(MIRBASE_MATURE), "EFO": str(EFO) + "EFO_",
    }
    return fixed.get(prefix, f"{OBO}{prefix}_")


def is_external_term(iri: str) -> bool:
    """True for IRIs of the biomedical registries whose IDs must be verified (OBO, HGNC, …)."""
    s = str(iri)
    return any(
        s.startswith(str(ns)) for ns in (OBO, HGNC, NCBIGENE, MIRBASE, MIRBASE_MATURE, EFO)
    )
