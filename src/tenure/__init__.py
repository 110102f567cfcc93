"""Tenure: customer value, churn risk and retention for the people who talk to customers."""

__version__ = "0.1.0"
