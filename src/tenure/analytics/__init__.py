"""Framework-free analytics: pure functions and estimators over tables (no Django imports)."""
