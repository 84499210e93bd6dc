"""The translation function every user-facing string goes through.

The language is chosen once per process (``set_language``) from ``--lang``, ``KEEPBOOKS_LANG`` or the
locale; English is the default and the source language of every message.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "keepbooks"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "fr")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _language_code(value: str) -> str:
    return value.split(".")[0].split("_")[0].lower()


def detect_language(explicit: str | None = None) -> str:
    """The language to use: explicit choice, then KEEPBOOKS_LANG, then the locale, else English."""
    for value in (explicit, os.environ.get("KEEPBOOKS_LANG")):
        if value and _language_code(value) in LANGUAGES:
            return _language_code(value)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:  # the first locale variable that is set decides, as in gettext
            code = _language_code(value)
            return code if code in LANGUAGES else "en"
    return "en"


def set_language(language: str) -> None:
    global _translation, _language
    _language = language if language in LANGUAGES else "en"
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[_language], fallback=True
    )


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
