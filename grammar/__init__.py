"""Grammar of the .dream language (dream.lark), shipped as package data."""
