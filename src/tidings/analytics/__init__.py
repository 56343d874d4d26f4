"""How each published post did: engagement counts read back from the platforms, on a schedule that fades with age."""
