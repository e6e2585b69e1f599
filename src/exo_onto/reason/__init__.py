"""Reasoning: HermiT on the graph or the TBox, OWL 2 RL rules on the ABox."""
