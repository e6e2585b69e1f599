"""Publishing: the release files, documentation pages, the picture and the SPARQL server."""
