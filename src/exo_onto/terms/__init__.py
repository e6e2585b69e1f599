"""Ground floor: namespaces, CURIEs, RDF term conversion and the label rule."""
