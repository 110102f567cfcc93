"""Users, roles (agent, marketing, analyst, admin as Django groups) and API tokens."""
