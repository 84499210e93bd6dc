"""The translation function every user-facing string goes through.

The language is chosen once per process (``set_language``) from ``--lang``, ``KEEPBOOKS_LANG``, the choice
remembered by the TUI (``store.preferences``) or the locale; English is the default and the source language
of every message. Messages are written ``_("Cannot open {path}.").format(path=...)``: the whole sentence with
named placeholders, never pieces glued together, so that a translation can reorder them.

Catalogs: ``locale/<lang>/LC_MESSAGES/keepbooks.po`` are the sources (``make messages`` extracts and
updates them); the ``.mo`` files are build products, compiled by setup.py on every build and install.
"""

from __future__ import annotations

import gettext
import io
import os
from pathlib import Path

DOMAIN = "keepbooks"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language, as language menus show them

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _language_code(value: str) -> str:
    return value.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()


def detect_language(explicit: str | None = None, preferred: str | None = None) -> str:
    """The language to use: explicit choice (``--lang``), then KEEPBOOKS_LANG, then ``preferred`` (the choice
    remembered by the TUI), then the locale (LC_ALL, LC_MESSAGES, LANG), else English.

    KEEPBOOKS_LANG beats the remembered choice so that ``KEEPBOOKS_LANG=en keepbooks`` works for one run
    whatever was saved.
    """
    imposed = imposed_language(explicit)
    if imposed is not None:
        return imposed[0]
    if preferred and _language_code(preferred) in LANGUAGES:
        return _language_code(preferred)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:  # the first locale variable that is set decides, as in gettext
            code = _language_code(value)
            return code if code in LANGUAGES else "en"
    return "en"


def imposed_language(explicit: str | None = None) -> tuple[str, str] | None:
    """The language the command line or the environment imposes over the remembered choice, and what
    imposes it (``("fr", "--lang fr")``, ``("en", "KEEPBOOKS_LANG=en")``); None when neither does."""
    if explicit and _language_code(explicit) in LANGUAGES:
        return _language_code(explicit), f"--lang {explicit}"
    value = os.environ.get("KEEPBOOKS_LANG")
    if value and _language_code(value) in LANGUAGES:
        return _language_code(value), f"KEEPBOOKS_LANG={value}"
    return None


def compile_catalog(po_path: Path) -> bytes:
    """The .mo bytes of the catalog at ``po_path``; fuzzy (unchecked) translations are left out."""
    from babel.messages.mofile import write_mo  # Babel only where a catalog must be compiled
    from babel.messages.pofile import read_po

    with po_path.open("rb") as source:
        catalog = read_po(source, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    return compiled.getvalue()


def load_translations(language: str, locale_dir: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """The catalog of ``language``.

    An installed package holds only compiled .mo files (setup.py compiles them; the .po are not installed).
    A source tree (editable install, tests, a fresh clone) also holds the .po: when its .mo is missing or
    older than the .po, the .po is compiled in memory. That costs a few tens of milliseconds, writes
    nothing (the package folder may be read-only) and can never serve a stale translation.
    """
    folder = locale_dir / language / "LC_MESSAGES"
    mo_path, po_path = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    try:
        if po_path.exists() and (not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime):
            return gettext.GNUTranslations(io.BytesIO(compile_catalog(po_path)))
        with mo_path.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    except FileNotFoundError:
        return gettext.NullTranslations()  # English needs no catalog: messages are written in English


def set_language(language: str) -> None:
    """Translate every later ``_()`` call into ``language`` (unknown languages fall back to English)."""
    global _translation, _language
    _language = language if language in LANGUAGES else "en"
    _translation = load_translations(_language)


def current_language() -> str:
    return _language


# What French typography uses that a Latin-1 or ASCII output cannot print, and what stands for it there
# (followed until the output can print it: a narrow no-break space, then a no-break space, then a space).
PLAIN_TYPOGRAPHY = {"\u2019": "'", "\u202f": "\u00a0", "\u00a0": " ", "\u2026": "...", "\u2013": "-",
                    "\u2014": "-", "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"'}
_plain_for: str | None = None  # the output's encoding, when it cannot print French typography


def _printable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def print_plainer_for(encoding: str) -> None:
    """Translated messages use plainer punctuation where ``encoding`` (the output's) cannot print French
    typography: under a bare LANG=fr_FR (Latin-1 on Debian) "n’y a" came out as "n\\u2019y a". Only the
    messages: a name or path put into one is printed as it is (as another character, it names another
    file)."""
    global _plain_for
    _plain_for = None if _printable("".join(PLAIN_TYPOGRAPHY), encoding) else encoding


def plainer(text: str) -> str:
    """``text`` (a message, a number or size as the language writes it) with the punctuation the output
    cannot print made plainer (see print_plainer_for); unchanged where it can."""
    if _plain_for is None or not text:  # argparse passes None through for what it has not got
        return text
    out = []
    for char in text:
        while char in PLAIN_TYPOGRAPHY and not _printable(char, _plain_for):
            char = PLAIN_TYPOGRAPHY[char]
        out.append(char)
    return "".join(out)


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return plainer(_translation.gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate the form of a message that fits the count ``n``: ``ngettext("{n} file", "{n} files", n)``."""
    return plainer(_translation.ngettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` as meant in ``context`` (the same English word may mean two things)."""
    return plainer(_translation.pgettext(context, message))


def NP_(context: str, message: str) -> str:
    """Mark ``message`` for extraction in ``context`` without translating it yet (see ``N_``)."""
    return message


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet.

    For strings defined at import time (binding descriptions, column titles): translate them with ``_()``
    where they are shown, so that they follow a language switched later.
    """
    return message


# argparse translates its own words (usage, options, error lines) through the stdlib gettext, whose
# language comes from the locale, not from --lang. Marked here, they are extracted into our catalogs, and
# importing this module points argparse at them, so that ``keepbooks --lang fr --help`` is French throughout.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    # Translators: a heading of the --help text; argparse writes a colon right after it, so French ends it
    # with a no-break space.
    N_("positional arguments"),
    # Translators: a heading of the --help text; argparse writes a colon right after it.
    N_("options"),
    N_("show program's version number and exit"),  # for the CLI's --version (argparse leaves it untranslated)
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
    ngettext("expected %s argument", "expected %s arguments", 2),  # evaluated only to be extracted
)


def _translate_argparse() -> None:
    import argparse

    # argparse looks these names up in its module globals at each call.
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


_translate_argparse()
