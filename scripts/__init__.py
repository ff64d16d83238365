"""Developer scripts: the local cloud runner and checks."""
