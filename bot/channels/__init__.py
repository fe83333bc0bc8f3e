"""Channel adapters: the only code that knows a provider (and the terminal)."""
