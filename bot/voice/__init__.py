"""Recorded prompts for people who listen rather than read (recordings.py)."""
