"""What a ``memlab.dashboard.widgets.tiles.JudgementView`` shows, read back from its HTML as a browser would: the
pictures (decoded from their data: URIs), their alt texts and captions, the verdict and the strip's heading."""

import base64
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

import numpy as np
from PIL import Image


@dataclass
class Shown:
    pictures: list = field(default_factory=list)  # (28, 28) or (28, 28, 3) uint8 arrays, in page order
    alts: list = field(default_factory=list)
    captions: list = field(default_factory=list)  # the text under each picture
    verdict: str = ""  # the verdict panel's text
    heading: str = ""  # the strip's heading (bold, first in the strip)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.shown, self.stack = Shown(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            data = attrs["src"].removeprefix("data:image/png;base64,")
            self.shown.pictures.append(np.asarray(Image.open(io.BytesIO(base64.b64decode(data)))))
            self.shown.alts.append(attrs.get("alt", ""))
            return
        classes = attrs.get("class", "").split()
        self.stack.append((tag, classes))
        if "memlab-caption" in classes:
            self.shown.captions.append("")

    def handle_endtag(self, tag):
        if tag != "img" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        within = {c for _, classes in self.stack for c in classes}
        if "memlab-caption" in within:
            self.shown.captions[-1] += data
        elif "memlab-verdict-panel" in within:
            self.shown.verdict += data
        elif "memlab-strip" in within and self.stack[-1][0] == "b" and not self.shown.captions[3:]:
            self.shown.heading += data


def shown(view) -> Shown:
    """Read what ``view`` (a JudgementView) shows now."""
    reader = _Reader()
    reader.feed(view.widget.value)
    return reader.shown
