"""Image pieces shared by the dashboard and the lessons: tiles, neighbour strips and the verdict panel.

Every piece has a fixed size whatever its caption, so rows of them line up, and shows distances on
both scales (0-1 RMSE and the original demo's "article scale", grey levels / 4095).

    tile = tile_html(sample, "generated", "a generated digit")  # one picture with its caption (HTML)
    view = JudgementView("generated").show(judgement)           # the tiles, verdict and nearest images
    text = verdict_html(judgement, "MNIST-diffusion, DDIM 50 steps, seed 0")

Every picture is drawn by ``tile_html`` into an HTML widget, so a page that shows result after result (the
dashboard's Generate, the upload panel, the step-through) changes one value per result: new widgets cost
the browser far more than new values, and each value is one message (measured in Chromium:
``python benchmarks/browser.py``).
"""

import base64
import html
import io

import ipywidgets as w
import numpy as np
from PIL import Image

from memlab.data.datasets import DATASETS
from memlab.judgement import NO_EVIDENCE
from memlab.judging.metrics import NEAR_COPY, NEAR_COPY_UNIT, PERFECT_COPY, PERFECT_COPY_UNIT, to_article
from memlab.number_format import count, percent

VERDICT_COLOURS = {
    "perfect copy": "#b00020",
    "near copy": "#c05600",
    "novel": "#1b7f3b",
    "not like the dataset": "#555555",
    "no evidence of copying": "#1b7f3b",
    "novel, but unusual": "#555555",  # not green: "novel" far from every real image is no good news
}
TILE = 140  # default tile side in CSS pixels
THUMB = 84  # default neighbour thumbnail side
CAPTION_LINES = 3  # every caption box is this many lines high, so tiles in a row line up


def png(image, size=TILE) -> bytes:
    """A (28, 28) image (0..1 floats or uint8, or an (H, W, 3) RGB array) as an enlarged PNG."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).resize((size, size), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def difference_map(a, b) -> np.ndarray:
    """|a - b| as an RGB picture (uint8): black = equal, red then yellow = more different.

    ``a`` and ``b`` are (28, 28) images, each on 0..1 or uint8 (0..255)."""

    def unit(x):
        x = np.asarray(x)
        return x.astype(np.float32) / 255 if x.dtype == np.uint8 else x.astype(np.float32)

    d = np.abs(unit(a) - unit(b))
    rgb = np.stack([np.clip(2 * d, 0, 1), np.clip(2 * d - 1, 0, 1), np.zeros_like(d)], -1)
    return np.round(rgb * 255).astype(np.uint8)


def scaled(pixels: int) -> str:
    """A CSS length of ``pixels`` times ``--memlab-scale`` (set by the dashboard's stylesheet: larger on a
    projector, smaller on a phone; 1 elsewhere)."""
    return f"calc({pixels}px * var(--memlab-scale, 1))"


def distance_text(rmse: float) -> str:
    """One distance on both scales, short enough for a caption."""
    return f"RMSE {rmse:.4f} (0–1)<br>{to_article(rmse):.5f} (article)"


def picture_uri(image) -> str:
    """A (28, 28) image (see ``png``) as a data: URI of its 28 x 28 PNG, for an ``<img>`` in HTML (the page
    enlarges it with sharp pixels: see ``tile_html``)."""
    return "data:image/png;base64," + base64.b64encode(png(image, 28)).decode("ascii")


def tile_html(image, caption: str, alt: str, size: int = TILE) -> str:
    """One tile as HTML: the picture, enlarged to ``size`` pixels with sharp pixels, above ``caption``
    (HTML) in a box three lines high, so tiles in a row line up whatever their captions (longer text
    scrolls inside its box). ``alt``: what the picture shows, in words, for a screen reader."""
    side = scaled(size)
    return (
        f"<div class='memlab-tile' style='width:{scaled(size + 8)};margin:0 4px 6px 0;display:flex;"
        f"flex-direction:column;align-items:center'>"
        f"<img src='{picture_uri(image)}' alt='{html.escape(alt, quote=True)}' style='width:{side};"
        f"height:{side};image-rendering:pixelated;display:block'>"
        f"<div style='width:{side};height:{CAPTION_LINES * 1.35:.2f}em;overflow:auto'>"
        f"<div class='memlab-caption' style='font-size:0.75em;line-height:1.35;text-align:center;"
        f"overflow-wrap:anywhere'>{caption}</div></div></div>"
    )


def tile_row(tiles: list[str]) -> str:
    """Tiles (``tile_html``) side by side, wrapping onto more rows on a narrow screen."""
    return f"<div style='display:flex;flex-flow:row wrap'>{''.join(tiles)}</div>"


def strip_html(judgement, wanted: int | None = None, size: int = THUMB, title: str = "Nearest training images") -> str:
    """The nearest training images of a ``memlab.judgement.Judgement``, nearest first, as HTML: a heading
    (how many were found, of how many searched; ``wanted``: how many were asked for, said when fewer
    exist), a legend, then one tile per neighbour."""
    classes = DATASETS[judgement.dataset][1]
    found = len(judgement.neighbour_images)
    heading = f"{title}: top {found} of {count(judgement.searched)} searched"
    if wanted is not None and found < wanted:
        heading += f" (top {wanted} asked for, but only {found} exist{'s' if found == 1 else ''})"
    legend = (
        "<div class='memlab-help'>Under each: rank · class, then RMSE on the 0–1 scale · on the article's scale.</div>"
    )
    tiles = []
    for rank, (image, label, rmse) in enumerate(
        zip(judgement.neighbour_images, judgement.neighbours.labels[0], judgement.neighbours.rmse[0]), start=1
    ):
        name = html.escape(str(classes[label]))
        tiles.append(
            tile_html(
                image,
                f"#{rank} · {name}<br>{rmse:.4f} · {to_article(rmse):.5f}",
                f"training image number {rank} by distance: {classes[label]}",
                size,
            )
        )
    return f"<div class='memlab-strip'><b>{html.escape(heading)}</b>{legend}{tile_row(tiles)}</div>"


def verdict_html(judgement, produced_by: str = "", hint: str = "") -> str:
    """The verdict of a ``memlab.judgement.Judgement`` as HTML: the verdict in colour, the distance on
    both scales with the thresholds, the baseline sentence, the scope and what produced the image.

    ``produced_by`` says where the image came from (e.g. "MNIST-diffusion, DDIM 50 steps, seed 0");
    ``hint`` is shown when the image does not look like the dataset (e.g. "Try more steps.")."""
    j = judgement
    colour = VERDICT_COLOURS.get(j.headline, "#000000")
    images = f"{count(j.searched)} training image{'s' if j.searched != 1 else ''}"
    parts = [
        f"<div class='memlab-verdict' style='font-size:1.5em'>Verdict: "
        f"<b style='color:{colour}'>{html.escape(j.headline)}</b></div>"
    ]
    if j.headline == NO_EVIDENCE:
        parts.append(
            f"<p><b>The original demo would say “{html.escape(j.verdict)}”</b> (its threshold), but "
            f"{percent(j.as_close_share)} of real {'digits' if j.dataset == 'mnist' else 'pieces of clothing'} "
            "that are not in the training set are just as close to a training image: being this close "
            "is ordinary resemblance, not a sign of copying.</p>"
        )
    if not j.looks_like_data:
        parts.append(
            "<p><b>This does not look like a picture from the dataset</b>, so asking whether it is "
            f"a copy makes no sense. {html.escape(hint)}</p>"
        )
    if j.unusual_words():
        parts.append(f"<p><b>{html.escape(j.unusual_words())}</b></p>")
    parts.append(f"<p>{html.escape(j.sentence())}</p>")
    parts.append(
        f"<p>Distance to the nearest of {images}: <b>{j.rmse:.4f}</b> RMSE on the 0–1 scale, "
        f"<b>{j.rmse_article:.5f}</b> on the article's scale. Thresholds (article scale): perfect copy "
        f"&lt; {PERFECT_COPY} ({PERFECT_COPY_UNIT:.4f} on 0–1), near copy &lt; {NEAR_COPY} "
        f"({NEAR_COPY_UNIT:.4f} on 0–1).</p>"
    )
    made = f"<br>Made by: {html.escape(produced_by)}." if produced_by else ""
    # No class for an image that is not like the dataset: a classifier names a class for noise too.
    label = (
        ""
        if j.class_name is None or not j.looks_like_data
        else f"Predicted class: {html.escape(str(j.class_name))} ({percent(j.confidence)} confident). "
    )
    parts.append(f"<p class='memlab-provenance'>{label}Search: {html.escape(j.search_words())}.{made}</p>")
    return "".join(parts)


class JudgementView:
    """A judged image as the dashboard shows it: the image, its nearest training image and their
    difference, the verdict, then the k nearest, all in one HTML widget (the dashboard's Generate result
    and the upload panel). ``show`` replaces its contents, so a new result reaches the browser as one
    message: drawn as separate image and text widgets it took ~20, and in Chromium those arrived over
    ~70 ms where the kernel had sent them in ~10 ms (measured by ``python benchmarks/browser.py``).

    Args:
        what: the caption of the first tile (e.g. "generated").
        k: the most neighbours the strip shows.
    """

    def __init__(self, what: str, k: int = 5):
        self.what, self.k = what, k
        self.widget = w.HTML()
        self.widget.add_class("memlab-judgement")

    def html(self, judgement, produced_by: str = "", hint: str = "") -> str:
        """What ``show`` shows, as HTML."""
        image, nearest = judgement.image, judgement.nearest_image
        tiles = tile_row(
            [
                tile_html(image, html.escape(self.what), f"the image judged: {self.what}"),
                tile_html(
                    nearest,
                    f"nearest training image<br>index {judgement.nearest_index}",
                    f"the nearest training image, index {judgement.nearest_index}",
                ),
                tile_html(
                    difference_map(image, nearest),
                    "difference<br>(black = the same)",
                    "their difference: black where they are the same, red then yellow where they differ",
                ),
            ]
        )
        verdict = f"<div class='memlab-verdict-panel'>{verdict_html(judgement, produced_by, hint)}</div>"
        return tiles + verdict + strip_html(judgement, wanted=self.k)

    def show(self, judgement, produced_by: str = "", hint: str = "") -> "JudgementView":
        self.widget.value = self.html(judgement, produced_by, hint)
        return self
