"""Orienta: outreach and orientation bot for people returning from migration."""
