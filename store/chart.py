"""The standard chart of accounts every new company starts with (codes after the French PCG)."""

from __future__ import annotations

# (group name, kind, [(code, account name), ...]) in display order.
STANDARD_CHART: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("Fixed assets", "asset", [("2150", "Equipment"), ("2183", "Computers")]),
    ("Current assets", "asset", [
        ("4110", "Accounts receivable"), ("4456", "VAT deductible"),
        ("5120", "Bank"), ("5300", "Cash"),
    ]),
    ("Liabilities", "liability", [
        ("1640", "Bank loan"), ("4010", "Accounts payable"), ("4457", "VAT collected"),
    ]),
    ("Equity", "equity", [("1010", "Share capital"), ("1200", "Retained earnings")]),
    ("Revenue", "income", [("7060", "Services sold"), ("7070", "Sales of goods")]),
    ("Expenses", "expense", [
        ("6010", "Purchases of goods"), ("6130", "Rent"), ("6260", "Telecommunications"),
        ("6410", "Salaries"), ("6610", "Interest"),
    ]),
]
