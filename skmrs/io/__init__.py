"""skmrs.io."""
