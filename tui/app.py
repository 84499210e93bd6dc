"""The keepbooks Textual app: the shell (header, footer, palette, themes) around the screens."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
from pathlib import Path
from typing import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen, SystemModalScreen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.theme import ThemeProvider

from store.catalog import Catalog, restored_message
from store.config import Folders
from store.errors import KeepbooksError, system_reason
from store.i18n import LANGUAGE_NAMES, N_, _, current_language, ngettext, set_language
from store.preferences import save_preferences
from tui.commands import ScreenActions
from tui.glyphs import CONSOLE_CLASS, WholeCellScrollBar
from tui.keynames import key_name
from tui.language import TranslatedScreen
from tui.palette import Palette
from tui.signals import stop_signals
from tui.textual_words import textual_word
from tui.widgets.keys_panel import KeysPanel

# What the app says once it has switched, in the language it switched to.
SWITCHED = {
    "en": N_("The interface is now in English; keepbooks will start in English next time."),
    "fr": N_("The interface is now in French; keepbooks will start in French next time."),
}
SWITCHED_FOR_NOW = {  # --lang or KEEPBOOKS_LANG chose the other language at start, and will whenever given
    "en": N_("The interface is now in English, and keepbooks will start in English next time, but in French "
             "whenever {option} is given."),
    "fr": N_("The interface is now in French, and keepbooks will start in French next time, but in English "
             "whenever {option} is given."),
}


# On the Linux console the theme's colours come out in its 16 (the VGA palette, which these are), and it
# draws every bright background as the dark one (the footer's dark grey: black) and bold text in the
# bright colour (bold black: dark grey). Textual's cursor and focused button (white on cyan, or reversed)
# were faint there. Pairs the console draws as they are, bold or not (app.tcss does the rest).
CONSOLE_COLOURS = {
    "footer-background": "#0000aa",  # white on blue, keys in yellow
    "footer-foreground": "#ffffff",
    "footer-description-foreground": "#ffffff",
    "footer-key-foreground": "#ffff55",
    "block-cursor-foreground": "#ffffff",  # white on blue; black on grey where the focus is elsewhere
    "block-cursor-background": "#0000aa",
    "block-cursor-blurred-foreground": "#000000",
    "block-cursor-blurred-background": "#aaaaaa",
    "input-cursor-background": "#aaaaaa",  # was white: drawn grey there anyway
    "input-cursor-foreground": "#000000",
    "input-selection-background": "#00aaaa",  # was a dark grey: black there
    "input-selection-foreground": "#000000",
    "button-focus-text-style": "bold",  # and a heavy frame (app.tcss), not reversed
    "border": "#ffffff",  # the frames of fields and buttons: white when focused, else grey
    "border-blurred": "#aaaaaa",
}

HANG_UP_SECONDS = 60  # how long a backup or import stopped by a hang-up may take to remove its files
REPAIR_SECONDS = 30  # how long the app shows what opening the catalog repaired: said once, at start
REPAIRS_NAMED = 3  # companies added back named one notification each; more, in one


class KeepbooksApp(App[None]):
    """Opens on the companies list. ``today`` can be fixed (tests, screenshots) so dates are stable.
    ``console_glyphs``: draw only with characters the Linux console's fonts have (tui/glyphs.py)."""

    CSS_PATH = "app.tcss"
    TITLE = "keepbooks"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        # Neither in the footer (the screens' own keys fill 80 columns in French): in the palette and the
        # keys panel, and ctrl+c says how to quit, as Textual's apps do.
        Binding("ctrl+q", "quit", N_("Quit"), priority=True, show=False, id="app.quit"),
        Binding("l", "language", N_("Language"), tooltip=N_("Switch the interface between English and French"),
                show=False, id="app.language"),
        # Where people look for help (a helper pressed both): the keys of the screen, as the palette's Keys.
        # F1 has priority, or dialogs (modal screens) would not see it; ? has not: a text field types it.
        Binding("f1", "toggle_keys", N_("Keys"), priority=True, show=False, id="app.keys"),
        Binding("question_mark", "toggle_keys", N_("Keys"), show=False, id="app.keys_question"),
        # Escape closes the panel, and only it (a helper pressed it, and it closed the dialog under the panel):
        # when no panel is open the key goes on to the screen (check_action).
        Binding("escape", "hide_keys", priority=True, show=False, system=True, id="app.hide_keys"),
    ]

    def __init__(self, folders: Folders, *, today: Callable[[], dt.date] | None = None,
                 imposed_language: tuple[str, str] | None = None, console_glyphs: bool = False) -> None:
        self.console_glyphs = console_glyphs  # before Textual's __init__, which reads get_css_variables
        super().__init__()
        if console_glyphs:
            self.add_class(CONSOLE_CLASS)
        self.folders = folders
        self.imposed_language = imposed_language  # (language, "--lang fr"): see store.i18n.imposed_language
        self.today: Callable[[], dt.date] = today or dt.date.today
        self.catalog = Catalog(folders)  # raises a StorageError with a message for people
        self._hanging_up: asyncio.Task[None] | None = None
        self.sub_title = str(folders.data)

    def on_mount(self) -> None:
        from tui.screens.companies import CompaniesScreen

        if self.console_glyphs:  # Textual's scrollbars take their renderer from the class (the process's)
            ScrollBar.renderer = WholeCellScrollBar

        # Pushed rather than returned by get_default_screen: Textual loads a screen's CSS_PATH on push.
        self.push_screen(CompaniesScreen())
        # Companies found in their folders without a row (the catalog lost, a crash) are listed again, and
        # unlisted folders without books went to the trash: said, not left to be noticed (or not).
        restored = self.catalog.restored
        if len(restored) > REPAIRS_NAMED:  # a lost catalog: every company, not a wall of notifications
            self.notify(ngettext("{count} company was not in the companies list (the list was lost): added back "
                                 "from its folder in {folder}.",
                                 "{count} companies were not in the companies list (the list was lost): added "
                                 "back from their folders in {folder}.", len(restored)).format(
                count=len(restored), folder=self.folders.companies), severity="warning", timeout=REPAIR_SECONDS,
                markup=False)
            restored = []
        for info in restored:
            self.notify(restored_message(info), severity="warning", timeout=REPAIR_SECONDS, markup=False)
        for item in self.catalog.set_aside:
            self.notify(item.message, severity="warning", timeout=REPAIR_SECONDS, markup=False)
        # systemctl stop or kill (SIGTERM): the app closes as on ctrl+q; the SSH session closed (SIGHUP):
        # see _hang_up. Either way a backup or import under way is cancelled and removes what it had
        # half written (the default action left a backup's temporary files behind).
        loop = asyncio.get_running_loop()
        for signum in stop_signals():
            if signum == signal.SIGTERM:  # and ends with the status a command stopped so has
                loop.add_signal_handler(signum, lambda: self.exit(return_code=128 + signal.SIGTERM))
            else:
                loop.add_signal_handler(signum, self._hung_up)

    def _hung_up(self) -> None:
        self._hanging_up = asyncio.get_running_loop().create_task(self._hang_up())  # kept: a task needs a holder

    async def _hang_up(self) -> None:
        """The terminal is gone: Textual's way out would wait for ever to restore it. The work under way
        is cancelled and given the time to clean up, then the process ends without a word to the
        terminal."""
        self.workers.cancel_all()  # sets each worker's cancel event; its thread goes on until it returns
        try:
            await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), HANG_UP_SECONDS)
        finally:
            os._exit(128 + signal.SIGHUP)

    def get_css_variables(self) -> dict[str, str]:
        variables = super().get_css_variables()
        if self.console_glyphs:
            variables.update(CONSOLE_COLOURS)
        return variables

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """Ours, in place of Textual's: the screen's keys first, every one on a line (tui/widgets/keys_panel.py)."""
        if not self.screen.query("HelpPanel"):
            self.screen.mount(KeysPanel())

    def action_hide_keys(self) -> None:
        self.action_hide_help_panel()

    def get_key_display(self, binding: Binding) -> str:
        """Keys named in the interface language (footer, keys panel): "Suppr", "Échap" in French."""
        return binding.key_display or key_name(binding.key)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own entries, with our words (translated) for the ones people use.
        yield SystemCommand(_("Theme"), _("Change the colours of the app"), self.action_change_theme)
        if screen.query("HelpPanel"):  # a toggle, as Textual's: shown only, it could not be closed
            yield SystemCommand(_("Keys"), _("Hide the keys of this screen"), self.action_hide_help_panel)
        else:
            yield SystemCommand(_("Keys"), _("Show the keys of this screen"), self.action_show_help_panel)
        yield SystemCommand(_("Screenshot"), _("Save an SVG screenshot of this screen"),
                            lambda: self.set_timer(0.1, self.save_screenshot_privately))

    def save_screenshot_privately(self) -> Path | None:
        """Textual's screenshot went to ~/Downloads (missing on a server: "Failed to save screenshot", in
        English, no reason) readable by all, though it shows a company's figures: here, into Downloads
        if there is one, else the home folder, for this user alone, and the app says where."""
        downloads = Path.home() / "Downloads"
        folder = downloads if downloads.is_dir() else Path.home()
        path = folder / f"keepbooks {dt.datetime.now():%Y-%m-%d %H%M%S}.svg"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(fd, "w", encoding="utf-8") as svg:
                svg.write(self.export_screenshot())
        except OSError as exc:
            self.notify(_("Cannot save the screenshot in {folder}: {reason}.").format(
                folder=folder, reason=system_reason(exc)), severity="error", markup=False)
            return None
        self.notify(_("Screenshot saved: {path}").format(path=path), markup=False)
        return path

    def action_command_palette(self) -> None:
        # As Textual's, with its prompt in the current language.
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette(id="--command-palette", placeholder=textual_word("Search for commands…")))

    def search_themes(self) -> None:
        # As Textual's ("Theme" in the palette), with its prompt in the current language.
        self.push_screen(Palette(providers=[ThemeProvider], placeholder=textual_word("Search for themes…")))

    # --- language --------------------------------------------------------------------------------

    def _view(self) -> Screen:
        """The screen the person works in (the command palette, a system screen, is over it)."""
        return next(s for s in reversed(self.screen_stack) if not isinstance(s, SystemModalScreen))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "language":
            return not isinstance(self._view(), ModalScreen)  # never under a half-filled dialog
        if action == "hide_keys":
            return bool(self.screen.query("HelpPanel"))
        return True

    async def action_language(self) -> None:
        """Switch between English and French, remember it, and redraw every screen in the new language."""
        language = "en" if current_language() == "fr" else "fr"
        try:
            save_preferences(self.folders.data, language=language)
            problem = None
        except KeepbooksError as exc:
            problem = exc.message
        set_language(language)
        for screen in self.screen_stack:
            if isinstance(screen, TranslatedScreen):
                await screen.retranslate()
        if problem is None and self.imposed_language is not None and self.imposed_language[0] != language:
            # Remembered, but what imposed the language at start (--lang, KEEPBOOKS_LANG) will again.
            self.notify(_(SWITCHED_FOR_NOW[language]).format(option=self.imposed_language[1]),
                        title=LANGUAGE_NAMES[language], markup=False)
        elif problem is None:
            self.notify(_(SWITCHED[language]), title=LANGUAGE_NAMES[language])
        else:
            self.notify(_("The language is switched for this session only: {reason}").format(reason=problem),
                        title=LANGUAGE_NAMES[language], severity="warning", markup=False)

    async def action_quit(self) -> None:
        """ctrl+q asks first while a backup, import or verify runs, as Escape does (a long backup is not
        thrown away by a key pressed by mistake); pressed again while asked, it quits. Quitting stops
        the work, whose clean-up leaves no file behind."""
        from tui.screens.confirm import QUIT_QUESTION, ConfirmScreen
        from tui.screens.running import RunningDialog

        running = [s for s in self.screen_stack if isinstance(s, RunningDialog) and s.running]
        if not running or isinstance(self.screen, ConfirmScreen) and self.screen.id == QUIT_QUESTION:
            self.exit()
            return
        question = ConfirmScreen(running[-1].stop_question, yes=_("Stop and quit"), no=_("Continue"))
        question.id = QUIT_QUESTION
        self.push_screen(question, lambda stop: self.exit() if stop else None)

    def action_help_quit(self) -> None:
        """ctrl+c (a reflex to quit) does not quit: say which key does, in the interface language."""
        self.notify(_("Press {key} to quit keepbooks.").format(key=key_name("ctrl+q")), title=_("Do you want to quit?"))

    def on_unmount(self) -> None:
        ScrollBar.renderer = ScrollBarRender
        loop = asyncio.get_running_loop()
        for signum in stop_signals():
            loop.remove_signal_handler(signum)
        self.catalog.close()
