"""CivicShield: an online-safety toolkit for elected representatives and their office teams."""

__version__ = "0.1.0"
