"""The window's commands in one table: each `ActionSpec` becomes one QAction with its keys
(window-wide, whatever widget has focus), a tooltip generated from those keys, a menu, and
an `enabled_when` rule re-evaluated by `refresh()`. Buttons that run an action
elsewhere in the window take its tooltip (`mirror_tooltip`), so the keys they name are the
bound ones, after a rebinding too.

A key sequence can be bound once only: `add` refuses a second binding (Qt would otherwise
call it "Ambiguous shortcut overload" and run neither). Shortcuts can be rebound by name
(`rebind`), which the settings use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    """One command: `name` is its stable id (settings, tests), `text` the menu label."""

    name: str
    text: str
    slot: Callable[[], object]
    keys: Sequence[str] = ()
    tip: str = ""
    menu: str = ""  # "" : no menu (keys only)
    enabled_when: Callable[[], bool] | None = None
    checkable: bool = False
    section: str = field(default="", compare=False)  # groups entries in the F1 list


class ActionRegistry(QObject):
    """Builds and owns the QActions of a window (`window.addAction` makes each window-wide)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._specs: dict[str, ActionSpec] = {}
        self._actions: dict[str, QAction] = {}
        self._bound: dict[str, str] = {}  # portable key text -> action name
        self._mirrors: dict[str, list[QWidget]] = {}  # action name -> widgets with its tip

    def add(self, spec: ActionSpec) -> QAction:
        """Create the action of `spec`; raises ValueError for a name or key already used."""
        if spec.name in self._specs:
            raise ValueError(f"an action named {spec.name!r} exists already")
        action = QAction(spec.text, self._window)
        action.setObjectName(spec.name)
        action.setCheckable(spec.checkable)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False, s=spec: s.slot())
        self._window.addAction(action)
        self._specs[spec.name], self._actions[spec.name] = spec, action
        self._bind(spec.name, spec.keys)
        return action

    def add_all(self, specs: Iterable[ActionSpec]) -> None:
        for spec in specs:
            self.add(spec)

    def _bind(self, name: str, keys: Sequence[str]) -> None:
        sequences = [QKeySequence(k) for k in keys]
        portable = [s.toString(QKeySequence.SequenceFormat.PortableText) for s in sequences]
        for text in portable:
            owner = self._bound.get(text)
            if owner is not None and owner != name:
                raise ValueError(f"{text} is bound to {owner!r} already; cannot bind {name!r}")
        for text, owner in list(self._bound.items()):
            if owner == name:
                del self._bound[text]
        self._bound.update(dict.fromkeys(portable, name))
        action = self._actions[name]
        action.setShortcuts(sequences)
        action.setToolTip(tooltip(self._specs[name].tip or action.text(), sequences))
        for widget in self._mirrors.get(name, ()):
            widget.setToolTip(action.toolTip())

    def rebind(self, name: str, keys: Sequence[str]) -> None:
        """Give action `name` other keys (ValueError if one is bound to another action)."""
        self._bind(name, keys)

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def get(self, name: str) -> QAction | None:
        return self._actions.get(name)

    @property
    def specs(self) -> list[ActionSpec]:
        return list(self._specs.values())

    def keys_of(self, name: str) -> list[str]:
        """The action's keys in Qt's portable text ("Ctrl+Shift+Z")."""
        return [
            s.toString(QKeySequence.SequenceFormat.PortableText)
            for s in self._actions[name].shortcuts()
        ]

    def key_text(self, name: str) -> str:
        """How a message names the way to trigger action `name`: its first key as the
        platform writes it ("Ctrl+Z"), or its menu label where no key is bound ("Undo")."""
        shortcuts = self._actions[name].shortcuts()
        if shortcuts:
            return shortcuts[0].toString(QKeySequence.SequenceFormat.NativeText)
        return self._specs[name].text.replace("&", "").rstrip("…").strip()

    def in_menu(self, menu: str) -> list[QAction]:
        """The actions of one menu, in the order they were added."""
        return [self._actions[n] for n, s in self._specs.items() if s.menu == menu]

    def refresh(self) -> None:
        """Re-evaluate every `enabled_when` (after each operation, as Anki does)."""
        for name, spec in self._specs.items():
            if spec.enabled_when is not None:
                self._actions[name].setEnabled(bool(spec.enabled_when()))

    def mirror_tooltip(self, widget: QWidget, name: str) -> None:
        """Give `widget` (a button showing action `name` elsewhere in the window) the action's
        tooltip, keys included, now and after every rebinding."""
        widget.setToolTip(self._actions[name].toolTip())
        mirrors = self._mirrors.setdefault(name, [])
        mirrors.append(widget)
        widget.destroyed.connect(lambda *_: mirrors.remove(widget))


def tooltip(tip: str, sequences: Sequence[QKeySequence]) -> str:
    """'Undo (Ctrl+Z)': the tip with the keys that trigger it."""
    keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)
    return f"{tip} ({keys})" if keys else tip
