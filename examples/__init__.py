"""Shipped example models (.dream), the data they train on, and the dropout study script."""
