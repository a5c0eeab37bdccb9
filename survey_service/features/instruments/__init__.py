"""Instruments in the database: registering bundled definitions, listing them."""
