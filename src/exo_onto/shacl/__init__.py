"""SHACL: the compiler (a component registry), pre-binding rules, the engine on Oxigraph, reports."""
