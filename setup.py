"""Build hook: compile the translation catalogs (store/locale/*/LC_MESSAGES/keepbooks.po) into .mo files.

Everything else about the package is in pyproject.toml. The .mo files are build products (git-ignored):
- ``pip install .`` / a wheel: build_py writes them into the build folder, so the wheel ships them (and not
  the .po sources, see exclude-package-data);
- ``pip install -e .``: setuptools runs build_py in editable mode, where the package is used from the source
  tree, so they are written beside the .po. If a .po changes after that (``make messages``, a git pull),
  store.i18n compiles it in memory until the next install: a source tree never shows stale translations.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LOCALE = Path("store") / "locale"
DOMAIN = "keepbooks"


def compile_catalogs(target_locale_dir: Path) -> None:
    for po_path in sorted((HERE / LOCALE).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = target_locale_dir / po_path.relative_to(HERE / LOCALE).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as source:
            catalog = read_po(source, domain=DOMAIN)
        with mo_path.open("wb") as compiled:
            write_mo(compiled, catalog, use_fuzzy=False)  # fuzzy = not yet checked by a translator


class BuildPyWithCatalogs(build_py):
    """build_py that also compiles the catalogs."""

    def run(self) -> None:
        super().run()
        target = HERE / LOCALE if self.editable_mode else Path(self.build_lib) / LOCALE
        compile_catalogs(target)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
