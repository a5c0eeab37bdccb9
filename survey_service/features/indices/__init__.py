"""Indices: design-based estimates from stored responses, and from microdata files.

The statistics live in :mod:`analysis`; this package moves data between the database,
files and that library (nothing is imported here, so that the command line stays quick):

- :mod:`.microdata` backs ``survey-service estimate FILE.csv`` (any microdata file);
- :mod:`.errors` holds the feature's errors.
"""
