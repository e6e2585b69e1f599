"""The RDF/XML rendering (what Protégé and OBO tools read) loads in owlready2 with every class named."""

import io

import owlready2
from rdflib.namespace import OWL


def test_rdfxml_loads_in_owlready2_with_every_class_labelled(graph):
    data = graph.serialize(format="xml", encoding="utf-8")
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
