"""Tests of the analysis library."""
