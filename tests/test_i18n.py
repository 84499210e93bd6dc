"""The French interface: complete catalogs, intact placeholders, language choice, CLI help in French."""

from __future__ import annotations

import errno
import os
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from store import i18n
from store.i18n import _, current_language, detect_language, load_translations, ngettext, set_language

ROOT = Path(__file__).resolve().parents[1]
FRENCH_PO = ROOT / "store" / "locale" / "fr" / "LC_MESSAGES" / "keepbooks.po"
LOCALE_VARIABLES = ("KEEPBOOKS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")  # the language is process-wide: leave other tests the default


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the catalog is complete and its translations keep their placeholders ------------------------------

@dataclass(frozen=True)
class InContext:
    """A message marked with a context (``NP_``): the catalog holds it apart from the same words without."""
    context: str
    msgid: str


# As the Makefile's `messages` target: Babel's keywords and NP_(context, message).
KEYWORDS = {**DEFAULT_KEYWORDS, "NP_": ((1, "c"), 2)}


def extract_messages() -> dict[str | tuple[str, str] | InContext, list[str]]:
    """Every message of store/ and tui/, freshly extracted as `make messages` does: id -> where it is used."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, str] | InContext, list[str]] = {}
    for folder in ("store", "tui"):
        for filename, lineno, message, _comments, context in extract_from_dir(
                ROOT / folder, method_map, options_map, keywords=KEYWORDS):
            key = tuple(message) if isinstance(message, (tuple, list)) else message
            if context:
                key = InContext(context, key)
            found.setdefault(key, []).append(f"{folder}/{filename}:{lineno}")
    return found


def missing_translations(messages: dict, catalog: Catalog) -> list[str]:
    problems = []
    for key, places in messages.items():
        if isinstance(key, InContext):
            msgid, entry = key.msgid, catalog.get(key.msgid, context=key.context)
        else:
            msgid = key[0] if isinstance(key, tuple) else key
            entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"{places[0]}: not in the catalog (run `make messages`): {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"{places[0]}: fuzzy (to check): {msgid!r}")
        elif isinstance(key, tuple) and not isinstance(entry.id, tuple):
            problems.append(f"{places[0]}: the catalog has no plural for: {msgid!r}")
        elif not all(entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            problems.append(f"{places[0]}: not translated: {msgid!r}")
    return problems


_PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def placeholders(text: str, percent_style: bool) -> Counter[str]:
    """The replacement fields of a message: {name!r:>8} fields, and %(name)s ones for %-style messages."""
    fields: Counter[str] = Counter()
    if percent_style:
        fields.update(_PERCENT_PLACEHOLDER.findall(text))
    else:
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is not None:
                fields["{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"] += 1
    return fields


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    problems = []
    for entry in catalog:
        if not entry.id or entry.fuzzy:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = [s for s in (entry.string if isinstance(entry.string, tuple) else (entry.string,)) if s]
        percent_style = any(_PERCENT_PLACEHOLDER.search(i.replace("%%", "")) for i in ids)
        try:
            expected = [placeholders(i, percent_style) for i in ids]
            got = [placeholders(s, percent_style) for s in strings]
        except ValueError as exc:  # an unbalanced { in a translation: .format() would raise at run time
            problems.append(f"{entry.id!r}: broken translation ({exc})")
            continue
        if len(ids) == 1:
            bad = [s for s, fields in zip(strings, got) if fields != expected[0]]
        else:  # plural forms: each keeps the fields of the plural id; the singular may spell the count out
            allowed = set(expected[0]) | set(expected[1])
            bad = [s for s, fields in zip(strings, got) if not set(fields) <= allowed]
            if got and set().union(*got) != allowed:
                bad = bad or strings
        if bad:
            problems.append(f"{entry.id!r}: placeholders {sorted(set().union(*expected))} "
                            f"but the translation {bad[0]!r} has {sorted(placeholders(bad[0], percent_style))}")
    return problems


def french_catalog() -> Catalog:
    with FRENCH_PO.open("rb") as source:
        return read_po(source)


def test_every_message_in_the_code_has_a_french_translation() -> None:
    problems = missing_translations(extract_messages(), french_catalog())
    assert not problems, f"{len(problems)} message(s) lack a French translation:\n" + "\n".join(problems)


def test_french_translations_keep_every_placeholder() -> None:
    problems = placeholder_mismatches(french_catalog())
    assert not problems, "\n".join(problems)


def test_the_checks_catch_missing_fuzzy_and_broken_translations() -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Open {path}.", "Ouvrir {path}.")
    catalog.add("Lost {name!r} and {count}.", "Perdu {name}.")
    catalog.add("Renamed {path}.", "Renommé {chemin}.")
    catalog.add("Unchecked", "Pas vérifié", flags=["fuzzy"])
    catalog.add("Empty", "")
    catalog.add(("{n} file", "{n} files"), ("{n} fichier", "{n} fichiers", "{n} de fichiers"))
    catalog.add(("{n} copy of {name}", "{n} copies of {name}"), ("une copie", "{n} copies", "{n} copies"))
    catalog.add("%(prog)s: error: %(message)s\n", "%(prog)s : erreur : %(message)s\n")
    catalog.add("invalid choice: %(value)r", "choix invalide : %(value)s")
    catalog.add("{broken", "{cassé")
    catalog.add("Home", "Début", context="Textual key")
    catalog.add("End", "", context="Textual key")
    code = {"Open {path}.": ["a.py:1"], "Unchecked": ["a.py:2"], "Empty": ["a.py:3"], "Absent": ["a.py:4"],
            ("{n} file", "{n} files"): ["a.py:5"], InContext("Textual key", "Home"): ["a.py:6"],
            InContext("Textual key", "End"): ["a.py:7"], InContext("Textual key", "Open {path}."): ["a.py:8"]}
    assert [p.split(":")[1] for p in missing_translations(code, catalog)] == ["2", "3", "4", "7", "8"]
    mismatched = "\n".join(placeholder_mismatches(catalog))
    assert "Lost" in mismatched and "Renamed" in mismatched and "copy of" in mismatched
    assert "invalid choice" in mismatched and "{broken" in mismatched
    assert "Open" not in mismatched and "{n} file" not in mismatched and "error" not in mismatched


def test_french_uses_the_words_french_users_know() -> None:
    set_language("fr")
    catalog = {entry.id: entry.string for entry in french_catalog() if entry.id}
    for english, french in {"Companies": "Entreprises", "Summary": "Sommaire", "History": "Historique",
                            "Attachments": "Pièces jointes", "Emails": "Courriels", "Restore": "Restaurer"}.items():
        if english in catalog:  # the screens that use them may not all exist yet
            assert catalog[english] == french
    for text in catalog.values():
        for form in text if isinstance(text, tuple) else (text,):
            assert "'" not in form.replace("%(value)r", "").replace("{name!r}", ""), \
                f"typographic apostrophe (’) expected in {form!r}"
            assert not re.search(r"\S[:;?!](?:\s|$)", form.replace("%(prog)s:", "")), \
                f"a no-break space is expected before : ; ? ! in {form!r}"


def test_messages_and_plurals_translate_at_run_time() -> None:
    set_language("fr")
    assert current_language() == "fr"
    assert _("Cancelled; nothing was kept.") != "Cancelled; nothing was kept."
    assert ngettext("expected %s argument", "expected %s arguments", 1) != "expected %s argument"
    set_language("en")
    assert _("Cancelled; nothing was kept.") == "Cancelled; nothing was kept."
    set_language("xx")
    assert current_language() == "en"


# --- catalogs are compiled when needed and never stale ------------------------------------------------

def write_catalog(folder: Path, translation: str, *, compiled: bool) -> Path:
    catalog = Catalog(locale="fr", domain="keepbooks")
    catalog.add("Hello", translation)
    target = folder / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    if compiled:
        path = target / "keepbooks.mo"
        with path.open("wb") as out:
            write_mo(out, catalog)
    else:
        from babel.messages.pofile import write_po
        path = target / "keepbooks.po"
        with path.open("wb") as out:
            write_po(out, catalog)
    return path


def test_a_source_tree_without_compiled_catalogs_still_translates(tmp_path: Path) -> None:
    write_catalog(tmp_path, "Bonjour", compiled=False)
    assert load_translations("fr", tmp_path).gettext("Hello") == "Bonjour"


def test_a_compiled_catalog_older_than_its_source_is_not_used(tmp_path: Path) -> None:
    mo = write_catalog(tmp_path, "Bonjour (ancien)", compiled=True)
    po = write_catalog(tmp_path, "Bonjour", compiled=False)
    os.utime(mo, (1_000_000, 1_000_000))
    assert load_translations("fr", tmp_path).gettext("Hello") == "Bonjour"
    os.utime(po, (500_000, 500_000))  # now the compiled one is the newer: it is used as is
    assert load_translations("fr", tmp_path).gettext("Hello") == "Bonjour (ancien)"


def test_an_installed_package_uses_its_compiled_catalog_alone(tmp_path: Path) -> None:
    write_catalog(tmp_path, "Bonjour", compiled=True)  # a wheel ships .mo files and no .po
    assert load_translations("fr", tmp_path).gettext("Hello") == "Bonjour"
    assert load_translations("en", tmp_path).gettext("Hello") == "Hello"


# --- which language ----------------------------------------------------------------------------------

def test_language_precedence(clean_environment: pytest.MonkeyPatch) -> None:
    env = clean_environment
    assert detect_language() == "en"
    env.setenv("LANG", "fr_FR.UTF-8")
    assert detect_language() == "fr"
    env.setenv("LC_MESSAGES", "en_GB.UTF-8")
    assert detect_language() == "en"  # LC_MESSAGES beats LANG
    env.setenv("LC_ALL", "fr_CA.UTF-8")
    assert detect_language() == "fr"  # LC_ALL beats both
    env.setenv("LC_ALL", "de_DE.UTF-8")
    assert detect_language() == "en"  # a language we do not have: English, not the next variable
    assert detect_language(preferred="fr") == "fr"  # the choice remembered by the TUI beats the locale
    env.setenv("KEEPBOOKS_LANG", "en")
    assert detect_language(preferred="fr") == "en"  # KEEPBOOKS_LANG beats the remembered choice
    assert detect_language("fr", preferred="en") == "fr"  # --lang beats everything
    env.setenv("KEEPBOOKS_LANG", "klingon")
    assert detect_language(preferred="fr") == "fr"  # an unusable value is passed over


def test_empty_and_c_locales_mean_english(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("LC_ALL", "")
    clean_environment.setenv("LANG", "C.UTF-8")
    assert detect_language() == "en"
    clean_environment.setenv("LANG", "fr")
    assert detect_language() == "fr"


# --- the command line --------------------------------------------------------------------------------

def test_cli_help_in_french(capsys: pytest.CaptureFixture[str], clean_environment: pytest.MonkeyPatch) -> None:
    from tui.cli import main

    assert main(["--lang", "fr", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation\u00a0: keepbooks")
    assert "\noptions\u00a0:\n" in out and "\ncommandes\u00a0:\n" in out  # French spacing before argparse's colon
    assert "afficher ce message d’aide et quitter" in out
    assert "entreprises" in out.lower() and "langue de l’interface" in out
    assert "usage:" not in out and "show this help" not in out


def test_cli_language_from_the_environment(capsys: pytest.CaptureFixture[str],
                                           clean_environment: pytest.MonkeyPatch) -> None:
    from tui.cli import main

    clean_environment.setenv("KEEPBOOKS_LANG", "fr")
    assert main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("utilisation")
    assert main(["--lang", "en", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage:")


def test_cli_usage_error_in_french(capsys: pytest.CaptureFixture[str], clean_environment: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    from tui.cli import main

    assert main(["--lang", "fr", "--data-dir", str(tmp_path), "demo", "--transactions", "zero"]) == 2
    err = capsys.readouterr().err
    assert "valeur" in err and "invalid" not in err


def test_argparse_words_are_in_the_catalog() -> None:
    messages = extract_messages()
    assert [m for m in i18n.ARGPARSE_MESSAGES if m not in messages] == ["expected %s arguments"]
    assert ("expected %s argument", "expected %s arguments") in messages


# --- the build compiles the catalogs --------------------------------------------------------------------

def test_the_wheel_ships_compiled_catalogs_and_not_their_sources(tmp_path: Path) -> None:
    """What `pip install .` installs: setup.py compiles every .po into the wheel (the .mo are git-ignored)."""
    import gettext
    import io
    import subprocess
    import sys
    import zipfile

    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                            str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("keepbooks-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"store/locale/fr/LC_MESSAGES/keepbooks.mo", "store/locale/en/LC_MESSAGES/keepbooks.mo"} <= names
        assert not [n for n in names if n.endswith((".po", ".pot"))]
        french = gettext.GNUTranslations(io.BytesIO(archive.read("store/locale/fr/LC_MESSAGES/keepbooks.mo")))
    assert french.gettext("Attachments") == "Pièces jointes"


# --- what goes into files stays language-neutral --------------------------------------------------------

def test_default_backup_name_keeps_its_pattern_in_french() -> None:
    import datetime as dt

    from store.archive_format import default_backup_name

    set_language("fr")
    assert default_backup_name("Boulangerie Martin", dt.date(2026, 11, 27)) == "Boulangerie Martin (2026-11-27).manager"


def test_json_output_is_the_same_in_french(capsys: pytest.CaptureFixture[str],
                                           clean_environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import json

    from tui.cli import main

    assert main(["--data-dir", str(tmp_path), "demo", "--name", "Café Dupont", "--transactions", "20",
                 "--attachments-mb", "0"]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "--data-dir", str(tmp_path), "companies", "--json"]) == 0
    english = capsys.readouterr().out
    assert main(["--lang", "fr", "--data-dir", str(tmp_path), "companies", "--json"]) == 0
    french = capsys.readouterr().out
    assert french == english and json.loads(french)[0]["name"] == "Café Dupont"


def test_the_systems_reasons_are_in_the_interface_language() -> None:
    # strerror is the C library's English whatever the language: "…: Operation not permitted." ended
    # French sentences. The reasons people meet are ours, translated; the others stay the system's.
    from store.errors import system_reason

    set_language("fr")
    assert system_reason(PermissionError(errno.EACCES, "Permission denied")) == "permission refusée"
    assert system_reason(OSError(errno.ENOSPC, "No space left on device")) == "le disque est plein"
    assert system_reason(OSError(errno.ENAMETOOLONG, "File name too long")) == "le nom est trop long"
    assert system_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")) == ("Too many levels of "
                                                                                   "symbolic links")
    assert system_reason(ValueError("bad")) == "bad"
