"""skmrs.models."""
