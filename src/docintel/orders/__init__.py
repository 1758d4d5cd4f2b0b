"""The order book: importing it from CSV and XLSX files into the database."""

from docintel.orders.importer import ImportReport, OrderInFile, RowError, import_orders, read_order_book

__all__ = ["ImportReport", "OrderInFile", "RowError", "import_orders", "read_order_book"]
