"""skmrs.preprocessing."""
