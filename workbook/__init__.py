"""Pilot-to-production readiness workbook for AI initiatives."""

__version__ = "0.1.0"
