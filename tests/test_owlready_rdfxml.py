"""The shipped RDF/XML (what Protégé and OBO tools read): the project's own serializer's output loads in
owlready2 with every class named in English."""

import io

import owlready2
from rdflib.namespace import OWL

from exo_onto.io.serialize import rdfxml


def test_rdfxml_loads_in_owlready2_with_every_class_labelled(graph):
    # exo_onto.io.serialize.rdfxml writes every .owl of the release; rdflib's own writer is not what ships.
    data = rdfxml(graph).encode("utf-8")
    local = owlready2.World()
    onto = local.get_ontology("https://w3id.org/exo-onto/test.owl")
    # owl:imports are dropped as a release does: the merged file already holds everything.
    onto.load(fileobj=io.BytesIO(data.replace(b"owl:imports", b"rdfs:seeAlso")), format="rdfxml")
    classes = list(local.classes())
    assert len(classes) > 250
    unlabelled = [c.iri for c in classes if not c.label]
    assert unlabelled == []
    english = [c for c in classes if any(getattr(lab, "lang", None) == "en" for lab in c.label)]
    assert len(english) == len(classes)
    assert str(OWL) not in {c.iri for c in classes}
