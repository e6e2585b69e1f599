"""Reading and writing: the one loader, atomic writers, serializers, the formatter, SPARQL text, spans."""
