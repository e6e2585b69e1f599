"""Curation: the template path for new findings and the assertion-level changelog."""
