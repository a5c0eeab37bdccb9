"""The citizen questionnaire: ways in (token, receipt, open link), pages, submission."""
