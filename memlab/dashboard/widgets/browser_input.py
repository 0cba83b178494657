"""What a browser may change in the dashboard's widgets: only what a person changes with the control.

A page changes a widget by sending the kernel its new state, and ipywidgets applies every trait it is
sent. A crafted page can therefore raise a slider's ``max`` and then its value (1 000 diffusion steps,
~11 minutes of CPU on one click), rewrite a dropdown's read-only labels, or enable a disabled button.
The browser's limits are never the server's: ``accept_only_input()`` makes every widget in this kernel
take from a page only the traits a person moves (below), and sends the kernel's own value back for
anything else, so the page shows what the kernel will use. The values that do arrive are then checked
by the code that uses them (``controls.Request.check``, ``image_files.image_from_bytes``).
"""

import ipywidgets as w
from ipywidgets.widgets.widget_bool import _Bool
from ipywidgets.widgets.widget_float import _Float
from ipywidgets.widgets.widget_int import _Int
from ipywidgets.widgets.widget_selection import _MultipleSelection, _Selection
from ipywidgets.widgets.widget_selectioncontainer import _SelectionContainer
from traitlets import TraitError

# (kind of widget, the traits a person changes in it). Every other widget (labels, images, buttons,
# layouts, styles, containers) takes nothing from a page; a button's click arrives as its own message.
PERSON_MOVES = (
    (_Selection, {"index"}),
    (_MultipleSelection, {"index"}),
    (_Int, {"value"}),
    (_Float, {"value"}),
    (_Bool, {"value"}),
    (w.Text, {"value"}),
    (w.Textarea, {"value"}),
    (w.FileUpload, {"value"}),
    (_SelectionContainer, {"selected_index"}),
)

_from_library = w.Widget.set_state


def traits_a_person_moves(widget) -> set:
    """The traits of ``widget`` a page may set (an empty set for every widget that is not an input)."""
    return set().union(*(names for kind, names in PERSON_MOVES if isinstance(widget, kind)))


def _set_state_from_page(self, sync_data):
    """ipywidgets' ``set_state`` (a page's update), keeping only the traits a person moves."""
    allowed = traits_a_person_moves(self)
    refused = [key for key in sync_data if key not in allowed]
    try:
        _from_library(self, {key: value for key, value in sync_data.items() if key in allowed})
    except (TraitError, TypeError, ValueError, KeyError):  # a value no control can send
        refused += [key for key in sync_data if key in allowed]
    refused = [key for key in refused if key in self.keys]
    if refused:
        self.send_state(refused)  # the page shows the values the kernel will use


def accept_only_input():
    """Apply the rule of the module docstring to every widget of this kernel (once; the dashboard calls
    it). Lessons do not: in JupyterLab the student owns the kernel."""
    w.Widget.set_state = _set_state_from_page
