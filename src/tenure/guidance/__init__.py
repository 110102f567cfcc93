"""Recommendations for action ("CustGuidance", SPEC §1.2) and the rule matching behind the tile."""
