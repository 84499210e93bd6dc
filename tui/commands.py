"""Command palette entries: every keyed action of the current screen, under its footer description."""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from store.i18n import _


class ScreenActions(Provider):
    """Offers each binding (with a description) that the screen or the app defines, when it is enabled.

    Reading the bindings, rather than keeping a second list, means a new key is in the palette for free.
    A screen may name an entry more fully than its footer word in ``COMMAND_TITLES`` (binding id → title).
    """

    def _commands(self) -> list[tuple[str, str, object]]:
        commands: dict[str, tuple[str, str, object]] = {}
        for active in self.screen.active_bindings.values():
            node, binding = active.node, active.binding
            if not active.enabled or not binding.description:
                continue
            if not isinstance(node, (Screen, App)) or binding.system:
                continue  # a widget's, or Textual's on every screen (Tab, Copy selected text: nothing to copy here)
            if binding.action in ("command_palette", "toggle_keys"):
                continue  # the palette itself; Keys is the app's own entry (show or hide, tui/app.py)
            # Descriptions come translated (tui.language); the longer titles are only marked (N_).
            long_title = getattr(node, "COMMAND_TITLES", {}).get(binding.id)
            title = _(long_title) if long_title else binding.description
            help_text = binding.tooltip or ""
            commands.setdefault(title, (title, help_text, partial(node.run_action, binding.action)))
        return sorted(commands.values(), key=lambda command: command[0])

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
