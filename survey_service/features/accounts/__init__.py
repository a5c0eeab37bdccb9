"""Staff accounts: roles, logins, sessions, CSRF, lockout and the audit log (issue #6).

The contract other features use is :mod:`survey_service.features.accounts.access`.
"""
