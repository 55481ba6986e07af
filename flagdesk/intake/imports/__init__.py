"""Spreadsheet imports of many URLs: reading (CSV, XLSX), checking each row, importing."""
