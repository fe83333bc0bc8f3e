"""Storage: typed models, sessions, migrations, and the one way to look up an identity."""
