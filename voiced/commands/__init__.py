"""Subcommand implementations: the only place besides pipeline.py that wires several stages."""
