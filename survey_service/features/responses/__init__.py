"""Responses: questionnaire pages, submission, counts."""
