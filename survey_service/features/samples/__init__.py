"""Samples: stored designs, frame loading, draws, invitations, fieldwork and weights.

The statistics live in :mod:`sampling`; this package only moves data between the database,
files and that library:

- :mod:`.designs` stores versioned design specs and finds them again;
- :mod:`.frame` loads a survey's completed dossiers as arrays;
- :mod:`.draw` previews and draws a sample and stores it;
- :mod:`.invitations` and :mod:`.letters` issue personalised links (CSV, printable letters);
- :mod:`.fieldwork` imports outcomes, :mod:`.outcomes` reads each member's current one,
  :mod:`.rates` turns them into AAPOR rates;
- :mod:`.weighting` and :mod:`.weight_sets` compute and store weights;
- :mod:`.controllers` is the JSON API, :mod:`.tables` the CLI's text tables.
"""
