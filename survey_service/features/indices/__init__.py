"""Indices: design-based estimates from stored responses, and from microdata files.

The statistics live in :mod:`analysis`; this package moves data between the database,
files and that library (nothing is imported here, so that the command line stays quick):

- :mod:`.records` sums each survey's answers per PSU in the database (one SQL
  ``GROUP BY``) and decides which weights apply;
- :mod:`.sums` turns the PSU records into the sufficient statistics of every unit
  domain, rolled up the unit tree to the city;
- :mod:`.service` estimates every unit's item shares, element and overall indices;
- :mod:`.scorecards` and :mod:`.leagues` build a unit's scorecard (with the comparison
  with the city and the small-area estimate) and league tables with rank intervals;
- :mod:`.controllers` and :mod:`.schemas` are the JSON API;
- :mod:`.microdata` backs ``survey-service estimate FILE.csv`` (any microdata file);
- :mod:`.errors` holds the feature's errors.
"""
