"""The standard chart of accounts every new company starts with (codes after the French PCG).

Names are marked for translation and written in the interface language of the person who creates the
company: they are the company's data from then on, like any name the company gives its accounts.
"""

from __future__ import annotations

from store.i18n import N_

# (group name, kind, [(code, account name), ...]) in display order.
STANDARD_CHART: list[tuple[str, str, list[tuple[str, str]]]] = [
    (N_("Fixed assets"), "asset", [("2150", N_("Equipment")), ("2183", N_("Computers"))]),
    (N_("Current assets"), "asset", [
        ("4110", N_("Accounts receivable")), ("4456", N_("VAT deductible")),
        ("5120", N_("Bank")), ("5300", N_("Cash")),
    ]),
    (N_("Liabilities"), "liability", [
        ("1640", N_("Bank loan")), ("4010", N_("Accounts payable")), ("4457", N_("VAT collected")),
    ]),
    (N_("Equity"), "equity", [("1010", N_("Share capital")), ("1200", N_("Retained earnings"))]),
    (N_("Revenue"), "income", [("7060", N_("Services sold")), ("7070", N_("Sales of goods"))]),
    (N_("Expenses"), "expense", [
        ("6010", N_("Purchases of goods")), ("6130", N_("Rent")), ("6260", N_("Telecommunications")),
        ("6410", N_("Salaries")), ("6610", N_("Interest")),
    ]),
]
