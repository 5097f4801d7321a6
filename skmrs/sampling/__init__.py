"""skmrs.sampling."""
