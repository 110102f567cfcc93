"""Business partners: the people and organisations Tenure knows, with their phone numbers."""
