"""Twins of Pyctuator's ``pyctuator.impl`` modules that applications reach into."""
