"""Simak: listen closely to customers, follow up privately."""
