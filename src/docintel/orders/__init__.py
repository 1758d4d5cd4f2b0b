"""The order book: importing it from CSV and XLSX files into the database."""

from docintel.orders.importer import ImportReport, RowError, import_orders

__all__ = ["ImportReport", "RowError", "import_orders"]
