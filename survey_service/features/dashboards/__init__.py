"""Staff dashboards: published results, the department scorecard and the league table.

- :mod:`.snapshot` publishes a survey's results (``publish_results``, ``survey-service
  publish``): every unit's scorecard, rank, importance-performance view, distributions
  of answers and redacted comments, and the league tables, frozen as JSON documents;
- :mod:`.filters` estimates each unit's indices by channel and by field (domain
  estimates over the whole design), published with the snapshot for the page's filters;
- :mod:`.published` reads the newest snapshot of each survey back;
- :mod:`.respondents` and :mod:`.improvement` compute what per-PSU sums cannot give
  (the driver model of overall satisfaction, answer distributions);
- :mod:`.redaction` removes contact details, ID numbers and names from comments;
- :mod:`.charts` lays out the server-drawn SVG charts; :mod:`.controllers` serves the
  pages.
"""
