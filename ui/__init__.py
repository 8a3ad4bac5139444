"""Widgets the pages share; they only arrange what lib/ computes."""
