"""The .dream standard library, shipped as package data."""
