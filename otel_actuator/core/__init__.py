"""Framework-free request model, routing, negotiation and access rules."""
