"""Severity of complaints: critical (harm, money, data, legal, going public), high, normal."""
