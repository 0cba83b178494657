"""Search the training set with your own picture: upload, see it as the search sees it (28 x 28 grey),
its nearest training images and the verdict beside the natural baseline.

Its own dataset and search-scope choices sit next to the upload (the Generate settings do not apply
here); changing either searches the same picture again; every message appears under the upload.
"""

import html

import ipywidgets as w

from memlab.dashboard.widgets.controls import Message, labelled, upload_button, uploaded_file
from memlab.dashboard.widgets.tiles import JudgementView
from memlab.data.datasets import DATASET_NAMES
from memlab.data.image_files import image_from_bytes
from memlab.judging.nearest import SCOPES

DATASETS = [("MNIST digits", "mnist"), ("Fashion-MNIST clothes", "fashion")]


class UploadPanel:
    """``UploadPanel().widget`` is the section; ``search(content, name)`` is what an upload calls."""

    def __init__(self, engine: str = "torch"):
        self.engine = engine  # what runs the classifier that picks "same class"
        self.upload = upload_button()
        self.upload.add_class("memlab-search-upload")  # what tests and a page's script find it by
        self.dataset = w.ToggleButtons(
            options=DATASETS,
            tooltips=["Search the 60,000 MNIST training digits", "Search the 60,000 Fashion-MNIST pictures"],
        )
        self.scope = w.ToggleButtons(
            options=SCOPES,
            tooltips=["Only training images of the class the classifier sees in your picture", "Every training image"],
        )
        self.message = Message()
        self.status = w.HTML()
        self.view = JudgementView("your image, as the search sees it (28 × 28 grey)", k=5)
        self.result = w.VBox([self.view.widget], layout=w.Layout(display="none"))  # shown with a result
        self.uploads = 0  # pictures accepted so far (a file that is not a picture does not count)
        self.picture = None  # (28 x 28 uint8 image, file name) of the last good upload
        self.upload.observe(lambda _: self._on_upload(), names="value")
        self.dataset.observe(lambda _: self._search_again(), names="value")
        self.scope.observe(lambda _: self._search_again(), names="value")
        inputs = w.VBox(
            [
                self.upload,
                self.message,
                self.status,
                labelled("Search among", self.dataset),
                labelled("Search", self.scope),
            ],
            layout=w.Layout(width="100%"),
        )
        inputs.add_class("memlab-inputs")
        self.result.add_class("memlab-results")
        self.widget = w.Box([inputs, self.result])
        self.widget.add_class("memlab-columns")

    def _on_upload(self):
        files = self.upload.value
        if not files:
            return
        self.upload.value = ()  # so that choosing the same file again counts as a new upload
        try:
            content, name = uploaded_file(files)
        except ValueError as err:
            self.message.show(str(err), error=True)
            return
        self.search(content, name)

    def search(self, content: bytes, name: str = "your image"):
        """Check and convert an uploaded file, then search; a bad file gives a message here and keeps
        nothing of the previous picture's result on screen."""
        self.message.clear()
        try:
            self.picture = (image_from_bytes(content, name), name)
        except ValueError as err:
            self.picture = None
            self.result.layout.display = "none"
            self.status.value = f"<div class='memlab-help'>{self._count()}</div>"
            self.message.show(str(err), error=True)
            return self
        self.uploads += 1
        self._search_again()
        return self

    def _search_again(self):
        from memlab import zoo
        from memlab.judgement import judge  # here, not at the top: see memlab.dashboard.widgets
        from memlab.judging.training_set import whole_split

        if self.picture is None:
            return
        image, name = self.picture
        self.result.layout.display = "none"  # never the last picture's result under the new picture's name
        self.status.value = (
            f"<div class='memlab-help'>Searching the {DATASET_NAMES[self.dataset.value]} training images for "
            f"<b>{html.escape(name)}</b>…</div>"
        )
        try:
            dataset = self.dataset.value
            (judgement,) = judge(
                image, whole_split(dataset), zoo.classifier(dataset, self.engine), k=5, scope=self.scope.value
            )
        except Exception as err:  # e.g. the dataset is missing offline: say so here
            self.message.show(str(err), error=True)
            return
        self.message.clear()
        self.view.show(judgement, f"your upload “{name}”, compared with {judgement.searched_what}")
        self.result.layout.display = ""
        self.status.value = f"<div class='memlab-help'>{self._count()} Showing: <b>{html.escape(name)}</b>.</div>"

    def _count(self) -> str:
        return f"Pictures uploaded so far: {self.uploads}."
