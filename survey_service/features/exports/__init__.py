"""Exports: a survey's estimates (CSV, XLSX) and anonymised microdata (CSV and codebook).

- :mod:`.estimates` tabulates every unit's indices with their intervals, restricted to
  the units a user may see, and writes CSV (UTF-8 with a byte-order mark, for Excel) and
  XLSX (a tidy sheet and a README sheet);
- :mod:`.microdata` streams one row per respondent with the design and the weights, and
  no contact data, to a directory or a ZIP archive;
- :mod:`.codebook` describes every variable of the microdata (JSON and Markdown) with the
  commands that reproduce the published figures;
- :mod:`.reestimate` backs ``survey-service estimate --indices codebook.json`` (element and
  overall indices from the files alone);
- :mod:`.controllers` serves the downloads to staff.

The functions take a SQLAlchemy ``Connection``: the command line, the web layer and the
tests call them alike.
"""
