"""Small building blocks for the dashboard's inputs: a control with its label above it and a help line,
the seed box (whole numbers only), the model list, and messages shown next to the control they concern.
"""

import html
from dataclasses import dataclass

import ipywidgets as w

from memlab import zoo
from memlab.dashboard.widgets.style import UPLOAD_LABEL
from memlab.judging.nearest import SCOPES
from memlab.models.registry import GENERATORS
from memlab.number_format import count
from memlab.sampling.schedule import SAMPLERS

MAX_SEED = 2**31 - 1
MAX_STEPS = 250  # the Steps slider's end: DDPM's 250 steps take about a minute and a half on a CPU

# The original demo's eight models; the other generators are extra points of the memorization curve.
DEMO_MODELS = (
    "mnist-diffusion-1",
    "mnist-diffusion-300",
    "mnist-diffusion-3000",
    "mnist-diffusion-60000",
    "mnist-gan-60000",
    "mnist-gan-60000-nodropout",
    "fashion-diffusion-1",
    "fashion-diffusion-60000",
)


def labelled(label: str, control, help_text: str = "") -> w.VBox:
    """``control`` under a bold ``label``, with an optional grey help line under it.

    ipywidgets 8 ties no label to a slider or a row of toggle buttons, so the group is marked
    ``memlab-labelled``: the page's script (memlab/static/voila/templates/memlab/index.html.j2, "issue 37")
    names the control by this label (``aria-labelledby``) and its help line (``aria-describedby``), as a
    ``<label for>`` would (WCAG 4.1.2)."""
    parts = [w.HTML(f"<div class='memlab-label'>{label}</div>"), control]
    if help_text:
        parts.append(w.HTML(f"<div class='memlab-help'>{help_text}</div>"))
    group = w.VBox(parts, layout=w.Layout(width="100%"))
    group.add_class("memlab-labelled")
    return group


def model_label(model) -> str:
    """What the model list shows for ``zoo.open(id)``: the demo's name and how many images it learned from."""
    size = f"{count(model.spec.train_size)} image{'s' if model.spec.train_size != 1 else ''}"
    extra = "" if model.id in DEMO_MODELS else "extra: "
    trained = "" if model.is_trained else " (not trained yet)"
    return f"{extra}{model.label} ({size}){trained}"


def model_options() -> list[tuple[str, str]]:
    """(label, id) of every generator: the original demo's eight first, then the curve's extras."""
    ordered = [m for m in DEMO_MODELS if m in GENERATORS] + [m for m in GENERATORS if m not in DEMO_MODELS]
    return [(model_label(zoo.open(m)), m) for m in ordered]


def parse_seed(text: str) -> int:
    """The seed typed by the user as an int; a clear ValueError for anything but a whole number in range."""
    text = str(text).strip()
    if not text:
        raise ValueError("Type a seed: a whole number such as 0, 1 or 42.")
    try:
        seed = int(text)
    except ValueError:
        raise ValueError(f"“{text}” is not a whole number: a seed is a whole number such as 0, 1 or 42.") from None
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"The seed must be between 0 and {count(MAX_SEED)}; {count(seed)} is not.")
    return seed


def seed_box(value: int = 0) -> w.Text:
    """A text box for the seed: checked in Python (``parse_seed``), so 1.5 or -3 give a message."""
    return w.Text(
        value=str(value), placeholder="a whole number, e.g. 0", continuous_update=False, layout=w.Layout(width="100%")
    )  # its name: the "Seed" label above it (``labelled``)


def upload_button(**layout) -> w.FileUpload:
    """A button that opens the file chooser for one picture, labelled ``UPLOAD_LABEL`` alone.

    ipywidgets writes how many files the widget holds after its label ("Upload (0)"), a count that says
    nothing to a learner; the dashboard's stylesheet (``memlab-upload``) draws the label without it."""
    button = w.FileUpload(
        accept="image/*",
        multiple=False,
        description=UPLOAD_LABEL,
        icon="upload",
        tooltip="Choose a PNG or JPEG picture (up to 10 MB)",
        layout=w.Layout(width="auto", **layout),
    )
    button.add_class("memlab-upload")
    return button


def uploaded_file(files, default_name: str = "your image") -> tuple[bytes, str]:
    """The first file of a ``FileUpload``'s value as (content, name); a ValueError in plain words when
    the page sent something that is not a file (only a crafted page can)."""
    try:
        item = files[0]
        content = bytes(item["content"])
        name = str(item.get("name") or default_name)
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        raise ValueError("That upload could not be read: choose a PNG or JPEG file again.") from None
    return content, (name if len(name) <= 80 else name[:77] + "...")


class Message(w.HTML):
    """A line of feedback that sits next to the control it is about.

    It is a polite live region (``memlab-live``: the page's script gives it ``aria-live="polite"`` when it
    is drawn, before any text arrives), so a screen reader reads each new line out (WCAG 4.1.3)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("memlab-live")

    def show(self, text: str, error: bool = False):
        style = "memlab-message-error" if error else "memlab-message"
        prefix = "<b>Could not do that:</b> " if error else ""
        self.value = f"<div class='{style}'>{prefix}{html.escape(text)}</div>"

    def clear(self):
        self.value = ""


@dataclass(frozen=True)
class Request:
    """Everything that decides a generated image and its verdict; every result shows it."""

    model_id: str
    sampler: str | None  # "ddim" or "ddpm"; None for a GAN
    steps: int | None  # reverse diffusion steps; None for a GAN
    seed: int
    scope: str  # "same class" or "whole set"
    engine: str = "torch"  # what runs the network: "torch" or "onnx" (the public dashboard's)

    def check(self) -> "Request":
        """This request, if every value is one the controls can give; else a ValueError that says which.

        The kernel checks what arrives whatever the page was (``widgets.browser_input``): a crafted page
        could send any value."""
        if self.model_id not in GENERATORS:
            raise ValueError("Choose a model from the list.")
        if "steps" in self.model.options:
            if self.sampler not in SAMPLERS:
                raise ValueError("Choose the DDIM or the DDPM sampler.")
            if not isinstance(self.steps, int) or not 1 <= self.steps <= MAX_STEPS:
                raise ValueError(f"Steps must be a whole number from 1 to {MAX_STEPS}.")
        elif (self.sampler, self.steps) != (None, None):
            raise ValueError("A GAN takes no sampler and no steps.")
        if not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"The seed must be between 0 and {count(MAX_SEED)}.")
        if self.scope not in SCOPES:
            raise ValueError("Choose a search: same class or whole set.")
        return self

    @property
    def model(self):
        """``zoo.open(model_id, engine)``: the model, resolved once per kernel."""
        return zoo.open(self.model_id, self.engine)

    def describe(self) -> str:
        how = (
            f"{self.sampler.upper()} sampler, {self.steps} step{'s' if self.steps != 1 else ''}"
            if self.sampler
            else "GAN (one pass, no steps)"
        )
        return f"{model_label(self.model)} · {how} · seed {self.seed} · {self.scope} search"
