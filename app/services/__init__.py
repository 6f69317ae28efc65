"""Use cases: load through repositories, decide through the domain, write; never commit."""
