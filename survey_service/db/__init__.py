"""Database: models, engines and migrations."""
