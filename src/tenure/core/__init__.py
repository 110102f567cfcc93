"""Shared infrastructure: module licences, file reading for imports, audit helpers, base layout."""
