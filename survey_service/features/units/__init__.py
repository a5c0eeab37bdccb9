"""Units of the administration: listing and lookup."""
