"""Peewee models of one company's books (one SQLite file per company).

Amounts are integers in minor units (cents). A line's amount is positive for a debit and negative for
a credit, so a balanced transaction's lines sum to zero.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BlobField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from store.db import database

SCHEMA_VERSION = 1  # stored in PRAGMA user_version of every company database

ACCOUNT_KINDS = ("asset", "liability", "equity", "income", "expense")
TRANSACTION_KINDS = ("sale", "purchase", "receipt", "payment", "journal")


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Settings(BaseModel):
    """The company's settings: exactly one row."""

    id = AutoField()
    uid = CharField(max_length=36)  # stable identity of the books, kept across backup and restore
    name = CharField(max_length=200)
    currency = CharField(max_length=3, default="EUR")
    fiscal_year_start = IntegerField(default=1)  # month, 1-12
    created_at = DateTimeField()


class AccountGroup(BaseModel):
    id = AutoField()
    name = CharField()
    kind = CharField(choices=[(k, k) for k in ACCOUNT_KINDS])
    position = IntegerField(default=0)


class Account(BaseModel):
    id = AutoField()
    code = CharField(max_length=20, unique=True)
    name = CharField()
    group = ForeignKeyField(AccountGroup, backref="accounts", on_delete="RESTRICT")


class Contact(BaseModel):
    id = AutoField()
    name = CharField()
    kind = CharField(choices=[("customer", "customer"), ("supplier", "supplier")])
    email = CharField(null=True)


class Transaction(BaseModel):
    id = AutoField()
    date = DateField(index=True)
    reference = CharField(default="")
    description = TextField(default="")
    kind = CharField(default="journal")
    contact = ForeignKeyField(Contact, null=True, backref="transactions", on_delete="SET NULL")


class Line(BaseModel):
    id = AutoField()
    transaction = ForeignKeyField(Transaction, backref="lines", on_delete="CASCADE")
    account = ForeignKeyField(Account, backref="lines", on_delete="RESTRICT", index=False)
    amount = IntegerField()  # minor units; debit > 0, credit < 0
    date = DateField()  # copy of the transaction's date, so that totals need no join

    class Meta:
        # Covers the summary's per-account totals over a date range (and the foreign key).
        indexes = ((("account", "date", "amount"), False),)


class Attachment(BaseModel):
    id = AutoField()
    transaction = ForeignKeyField(Transaction, backref="attachments", on_delete="CASCADE")
    filename = CharField()
    media_type = CharField(default="application/octet-stream")
    size = IntegerField()
    sha256 = CharField(max_length=64)
    content = BlobField()


class Email(BaseModel):
    id = AutoField()
    to_address = CharField()
    subject = CharField()
    body = TextField()
    sent_at = DateTimeField(index=True)
    object_type = CharField(null=True)
    object_id = IntegerField(null=True)
    status = CharField(default="sent")


class History(BaseModel):
    id = AutoField()
    at = DateTimeField(index=True)
    user = CharField()
    action = CharField()  # create, update, delete
    object_type = CharField()
    object_id = IntegerField(null=True)
    before = TextField(null=True)  # JSON
    after = TextField(null=True)  # JSON


MODELS = [Settings, AccountGroup, Account, Contact, Transaction, Line, Attachment, Email, History]

# Tables that a backup may leave out, by the option that controls them.
OPTIONAL_TABLES = {"attachments": "attachment", "emails": "email", "history": "history"}
