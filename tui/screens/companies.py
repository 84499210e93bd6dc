"""The companies list: the first screen. Enter opens a company, n adds one, / filters by name."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from store import sample
from store.catalog import Catalog, CompanyInfo
from store.errors import KeepbooksError
from store.formats import quoted, searchable
from store.i18n import N_, _
from store.progress import Progress
from tui import formatting
from tui.language import TranslatedScreen
from tui.messages import Progressed
from tui.screens.new_company import NewCompany, NewCompanyScreen
from tui.widgets.footer import KeysFooter
from tui.widgets.progress import Bar
from tui.widgets.tables import RowTable, after_keys_typed, cursor_key, keep_cursor_on, room_for_first_column
from tui.widgets.sentence import notice_path
from tui.widgets.text_field import TextField

BACKUP_WARNING_DAYS = 7
# A name longer than the room the other columns leave (their headers and cells, in the language shown) is
# shortened: one long name would push them out of sight for every company. Not below this: at 80 columns
# the widest other cells, in French ("introuvable", "28/11/2026, fichier absent"), leave 17.
SHORTEST_NAME = 16
PUT_BACK_SECONDS = 10  # u puts back the company just removed while its notice shows
CATALOG_CHECK_SECONDS = 2.0  # how often the list looks for companies added, removed or backed up elsewhere
SAMPLE_TRANSACTIONS = 2000
SAMPLE_ATTACHMENTS_MB = 5


def files_state(companies: list[CompanyInfo]) -> list[tuple[bool, bool]]:
    """Whether each company's last backup file is gone, and its books missing."""
    return [(company.last_backup_gone, not company.books_path.is_file()) for company in companies]


class CompaniesScreen(TranslatedScreen, Screen[None]):
    CSS_PATH = "companies.tcss"
    AUTO_FOCUS = "#companies"
    # Titles in the command palette where the footer's word is too short to say it (tui/commands.py).
    COMMAND_TITLES = {
        "companies.new": N_("New company"),
        "companies.sample": N_("Sample company"),
        "companies.import": N_("Import a company"),
        "companies.backups": N_("Backups view"),
        "companies.remove": N_("Remove a company"),
    }
    BINDINGS = [
        Binding("enter", "open", N_("Open"), priority=True, id="companies.open"),
        Binding("n", "new_company", N_("New"), id="companies.new"),
        # Priority, so that it acts as its key arrives: see action_filter.
        Binding("slash", "filter", N_("Filter"), key_display="/", priority=True, id="companies.filter"),
        # Not in the footer: the empty list, where it is wanted, says to press s (so does the palette).
        Binding("s", "sample", N_("Sample"), show=False, id="companies.sample"),
        Binding("i", "import_company", N_("Import"), tooltip=N_("Import a company from a .manager file"),
                id="companies.import"),
        Binding("b", "backups", N_("Backups"), tooltip=N_("The backups folder: details, verify, import, delete"),
                id="companies.backups"),
        Binding("delete", "remove", N_("Remove"), tooltip=N_("Remove the selected company (to the trash)"),
                id="companies.remove"),
        Binding("r", "reload", N_("Reload"), show=False, id="companies.reload"),
        # Not in the footer (full in French): the notice of a removal says it.
        Binding("u", "put_back", N_("Put back"), tooltip=N_("Put back the company just removed"), show=False,
                id="companies.put_back"),
        Binding("escape", "clear_filter", N_("Clear filter"), show=False, id="companies.clear_filter"),
        # From the filter (the list takes ↓ itself when it has the focus): down to the companies it shows.
        Binding("down", "to_list", N_("To the list"), show=False, id="companies.to_list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._companies: list[CompanyInfo] = []
        self._read_version = -1  # the catalog's data_version when the list was read
        self._removed: Path | None = None  # the trash folder of the company removed last, for u
        self._files_seen: list[tuple[bool, bool]] = []  # files_state(): last backup gone, books missing
        self._filled_width = -1  # the screen's width when the rows were last made

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextField(placeholder=_("Filter by name"), id="filter", select_on_focus=False)
        table: DataTable[str | Text] = RowTable(id="companies")
        table.add_column(_("Name"), key="name")
        table.add_column(_("Last change"), key="last_change")
        table.add_column(_("Size"), key="size")
        table.add_column(_("Last backup"), key="last_backup")
        yield table
        with Vertical(id="empty"):
            yield Static(_("No companies yet.\n\nPress n to create a company, i to import one from a "
                           "backup, or s to create a sample company filled with demo data to try things out."),
                         id="empty-text")
        with Vertical(id="sample-progress"):
            yield Label("", id="sample-phase")
            yield Bar(id="sample-bar", show_eta=False)
        yield Label("", id="no-match", classes="muted")
        yield KeysFooter()

    def on_mount(self) -> None:
        # The list is read when the screen comes up (on_screen_resume, also the first time), once.
        self.set_interval(CATALOG_CHECK_SECONDS, self._follow_catalog)

    def _follow_catalog(self) -> None:
        """A backup from cron or a company imported from a shell shows up while the list is open, and so
        does a last backup deleted or pruned (or books gone) since, which changes no row of the catalog:
        those files are looked at on a thread (a backups folder on a network disk that hangs must not
        freeze the app), and the list is read again when they changed."""
        if not self.is_current:
            return
        if self.catalog.data_version() != self._read_version:
            self.reload()
        elif not any(worker.group == "files" and worker.is_running for worker in self.workers):
            # One at a time: a thread on a disk that hangs cannot be stopped, and a new one every 2 s
            # would take every thread the app's other work (a backup, an import) needs.
            self._look_at_files(list(self._companies), self._files_seen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="files")
    def _look_at_files(self, companies: list[CompanyInfo], seen: list[tuple[bool, bool]]) -> bool:
        return files_state(companies) != seen

    @on(Worker.StateChanged)
    def _files_looked_at(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "files" and event.state == WorkerState.SUCCESS and event.worker.result:
            self.reload()


    async def retranslate(self) -> None:
        """Redrawn in the language just chosen, from the companies already read; the filter is cleared."""
        await self.recompose()
        self.set_class(False, "-filtering")
        self._fill()
        self.query_one("#companies", DataTable).focus()

    # --- data ------------------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self.app.catalog  # type: ignore[attr-defined]

    def reload(self, select_id: int | None = None) -> None:
        try:
            self._read_version = self.catalog.data_version()  # before reading: a change in between shows next time
            self._companies = self.catalog.companies()
        except KeepbooksError as exc:
            self.notify(exc.message, severity="error", markup=False)
            self._companies = []
        # One look at each company's files per read: the rows (drawn again at each key of the filter)
        # and the timer's comparison use these. Books missing: as the catalog just read them.
        self._files_seen = [(company.last_backup_gone, company.missing) for company in self._companies]
        self._fill(select_id)

    def _fill(self, select_id: int | None = None) -> None:
        table = self.query_one("#companies", RowTable)
        current = str(select_id) if select_id is not None else cursor_key(table)
        self._filled_width = self.size.width
        table.clear_rows()
        typed = self.query_one("#filter", Input).value.strip()
        query = searchable(typed)
        today = self.app.today()  # type: ignore[attr-defined]
        shared = Counter(company.name.casefold() for company in self._companies)
        gone = {company.id: seen[0] for company, seen in zip(self._companies, self._files_seen)}
        rows: list[tuple[CompanyInfo, str, list[str | Text]]] = []
        for company in self._companies:
            # Companies may share a name (an import keeps the backup's): their ids tell them apart, as
            # in their backups' file names and on the command line (keepbooks backup '#7').
            suffix = "" if shared[company.name.casefold()] == 1 else f" #{company.id}"
            if query and query not in searchable(company.name + suffix):
                continue
            rows.append((company, suffix, [formatting.date_time(company.last_change),
                                           self._size_cell(company),
                                           self._last_backup_cell(company, today, gone[company.id])]))
        room = max(SHORTEST_NAME, room_for_first_column(table, [r[2] for r in rows], self.app.size.width))
        for company, suffix, others in rows:  # the id is kept whole: it is what tells the rows apart
            name = formatting.shortened(company.name, max(room - len(suffix), SHORTEST_NAME // 2)) + suffix
            table.add_row(Text(name), *others, key=str(company.id))
        keep_cursor_on(table, current)
        empty = not self._companies
        self.set_class(empty, "-empty")
        no_match = not empty and table.row_count == 0
        self.query_one("#no-match", Label).update(_("No company name contains “{text}”.").format(text=typed)
                                                  if no_match else "")
        self.set_class(no_match, "-no-match")
        self.refresh_bindings()  # Open and Remove: a filter that shows nothing leaves nothing to act on

    def _size_cell(self, company: CompanyInfo) -> Text:
        if company.missing:  # "0 bytes" hid it: its books are gone from their folder
            return Text(_("missing"), style=f"bold {self.app.current_theme.error}", justify="right")
        return Text(formatting.size(company.size_bytes), justify="right")

    def _last_backup_cell(self, company: CompanyInfo, today: dt.date, gone: bool) -> Text:
        """``gone``: its file deleted or pruned since; the date alone would say the company is safe."""
        when = company.last_backup_at
        text = formatting.age(when)
        partial = bool(company.last_backup_left_out)  # a nightly job without attachments looked whole
        if gone and when is not None:  # the day alone: the flag takes the room of the time (French's is long)
            text = _("{when}, file gone").format(when=formatting.date(when.date()))
        elif partial and when is not None:
            text = _("{when}, partial").format(when=formatting.date(when.date()))
        stale = when is None or (today - when.date()).days > BACKUP_WARNING_DAYS or gone or partial
        if stale:
            return Text(text, style=f"bold {self.app.current_theme.warning}")
        return Text(text)

    def selected_company(self) -> CompanyInfo | None:
        key = cursor_key(self.query_one("#companies", DataTable))
        return next((c for c in self._companies if str(c.id) == key), None)

    def on_resize(self) -> None:
        if self._filled_width != self.size.width:  # the room for names changed (the first sizes repeat)
            self._fill()

    def on_screen_resume(self) -> None:
        self.reload()  # back from a company: its last backup or last change may be new

    # --- actions ---------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#companies")
    def action_open(self) -> None:
        after_keys_typed(self, self._open_selected)

    def _open_selected(self) -> None:
        company = self.selected_company()
        if company is None:
            return
        from tui.screens.summary import SummaryScreen

        self.app.push_screen(SummaryScreen(company.id))

    def action_new_company(self) -> None:
        self.app.push_screen(NewCompanyScreen(), self._create_company)

    def _create_company(self, company: NewCompany | None) -> None:
        if company is None:
            return
        try:
            info = self.catalog.create(company.name, currency=company.currency)
        except KeepbooksError as exc:
            self.notify(exc.message, title=_("Cannot create the company"), severity="error", markup=False)
            return
        self.notify(_("Created {name}.").format(name=info.name), markup=False)
        self.reload(info.id)

    # --- import, backups, removal ------------------------------------------------------------------

    def action_import_company(self) -> None:
        from tui.screens.picker import PickerScreen

        self.app.push_screen(PickerScreen(), self._imported)

    def action_backups(self) -> None:
        from tui.screens.backups import BackupsScreen

        self.app.push_screen(BackupsScreen(), self._imported)

    def _imported(self, company: CompanyInfo | None) -> None:
        if company is None:
            return
        self.query_one("#filter", Input).value = ""  # the new company must be visible to be selected
        self.reload(company.id)
        self.query_one("#companies", DataTable).focus()
        self.notify(_("Imported {name}.").format(name=company.name), markup=False)

    def action_remove(self) -> None:
        company = self.selected_company()
        if company is None:
            return
        from tui.screens.remove import RemoveScreen

        self.app.push_screen(RemoveScreen(company), lambda choice: self._remove_chosen(company, choice))

    def _remove_chosen(self, company: CompanyInfo, choice: str | None) -> None:
        if choice == "remove":
            self._remove(company)
        elif choice == "backup":
            from tui.screens.backup import BackupScreen

            self.app.push_screen(BackupScreen(company, then_remove=True),
                                 lambda result: self._backed_up(company, result))

    def _backed_up(self, company: CompanyInfo, result: object | None) -> None:
        if result is None:
            if not self.catalog.exists(company.id):
                self.notify(_("{name} was removed meanwhile, in another window.").format(name=company.name),
                            markup=False)
                self.reload()
                return
            self.notify(_("{name} was not removed: the backup did not finish.").format(name=company.name),
                        markup=False)
            return
        self.notify(_("Backup saved to {file}.").format(file=notice_path(str(result.path), self.app.size.width)),
                    markup=False)  # type: ignore[attr-defined]
        self._remove(company)

    def _remove(self, company: CompanyInfo) -> None:
        shown = self.catalog.shown_name(company)  # with its id when it shares its name, as the list showed it
        try:
            trash = self.catalog.remove(company.id)
        except KeepbooksError as exc:
            self.notify(exc.message, title=_("Cannot remove the company"), severity="error", markup=False)
            return
        # A key, not a shell command to copy: a helper's pass found the command broken across the notice's
        # lines, and the notice covering dialogs for the minute it stayed to be copied.
        self._removed = trash
        self.notify(_("Removed {name}; its folder is in the trash. Press u to put it back.").format(name=shown),
                    markup=False, timeout=PUT_BACK_SECONDS)
        # As long as the notice says so, no longer: a stray u an hour later put back a company (a review).
        self.set_timer(PUT_BACK_SECONDS, lambda: self._forget_removed(trash))
        self.reload()
        self.refresh_bindings()

    def _forget_removed(self, trash: Path) -> None:
        if self._removed == trash:
            self._removed = None
            self.refresh_bindings()

    def action_put_back(self) -> None:
        trash, self._removed = self._removed, None
        if trash is None:
            return
        try:
            info = self.catalog.untrash(trash)
        except KeepbooksError as exc:
            self.notify(exc.message, title=_("Cannot put the company back"), severity="error", markup=False)
            return
        self.notify(_("{name} is back.").format(name=self.catalog.shown_name(info)), markup=False)
        self.reload(select_id=info.id)
        self.refresh_bindings()

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if self.focused is filter_input:
            raise SkipAction()  # typed in the filter: part of a name ("A/S")
        self.set_class(True, "-filtering")
        # Over SSH "/be" comes in one burst: the keys after / must find the filter focused as they arrive,
        # or they go to the list, whose b opened the backups view (focus() would wait for them).
        self.set_focus(filter_input)

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.value = ""
        self.set_class(False, "-filtering")
        self.query_one("#companies", DataTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._fill()

    @on(Input.Submitted, "#filter")
    def action_to_list(self) -> None:
        self.query_one("#companies", DataTable).focus()

    def action_reload(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "remove"):
            return bool(self.query_one("#companies", DataTable).row_count)  # nothing to open: not offered
        if action == "sample" and self.is_sample_running:
            return False
        if action == "clear_filter":
            return self.has_class("-filtering")
        if action == "put_back":
            return self._removed is not None
        return True

    # --- sample company --------------------------------------------------------------------------

    @property
    def is_sample_running(self) -> bool:
        return any(w.group == "sample" and w.is_running for w in self.workers)

    def action_sample(self) -> None:
        self.set_class(True, "-sampling")
        self.query_one("#sample-phase", Label).update(_("Creating a sample company…"))
        self.create_sample()
        self.refresh_bindings()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sample")
    def create_sample(self) -> CompanyInfo:
        cancel = get_current_worker().cancelled_event
        seed = len(self._companies) + 1
        today = self.app.today()  # type: ignore[attr-defined]
        spec = sample.SampleSpec(transactions=SAMPLE_TRANSACTIONS, attachments_mb=SAMPLE_ATTACHMENTS_MB,
                                 seed=seed, start_year=today.year - 1)

        def report(progress: Progress) -> None:
            self.post_message(Progressed(progress))

        with Catalog(self.app.folders) as catalog:  # type: ignore[attr-defined]  # its own connection
            return catalog.create(sample.company_name(seed),
                                  populate=lambda path: sample.populate(path, spec, progress=report, cancel=cancel))

    @on(Progressed)
    def _sample_progressed(self, message: Progressed) -> None:
        bar = self.query_one("#sample-bar", ProgressBar)
        bar.update(total=message.progress.total or None, progress=message.progress.done)
        self.query_one("#sample-phase", Label).update(message.progress.phase)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sample" or not event.worker.is_finished:
            return
        self.set_class(False, "-sampling")
        self.refresh_bindings()
        if event.state == WorkerState.SUCCESS:
            info: CompanyInfo = event.worker.result  # type: ignore[assignment]
            self.notify(_("Created the sample company {name}.").format(name=quoted(info.name)), markup=False)
            self.reload(info.id)
        elif event.state == WorkerState.ERROR:
            text = formatting.error_text(event.worker.error)
            self.notify(text, title=_("Cannot create the sample company"), severity="error", markup=False)
