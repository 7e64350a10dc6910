"""Hilos: see what Python threads really do."""
