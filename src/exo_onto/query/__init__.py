"""Stored queries: headers, binding, running (embedded with deadlines, remote), results, QC, counts."""
