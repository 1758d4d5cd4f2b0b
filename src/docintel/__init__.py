"""docintel: turns scans of paper sign-off receipts and sales slips into checked records."""

__version__ = "0.1.0"
