"""The dashboard's look: one stylesheet, scoped to ``.memlab-app`` so lessons embedding pieces are untouched.

* Two columns (inputs left, results right, the Gradio demos' reading order) that wrap into one
  column on a phone: plain CSS flex-wrap, no JavaScript.
* Controls take the column's width, so nothing is pushed off-screen at 390 px.
* Larger text on wide screens (a projector at 1920 x 1080 is read from the back of a room).
"""

import ipywidgets as w

UPLOAD_LABEL = "Choose an image…"  # every upload button's label (``controls.upload_button``)

CSS = """
.memlab-app { --jp-widgets-font-size: 15px; --jp-widgets-inline-height: 34px; --memlab-scale: 1;
              --memlab-inputs-width: 470px; --jp-widgets-inline-width: 100%; font-size: 15px;
              line-height: 1.4; max-width: 1800px; margin: 0 auto; }
@media (min-width: 1600px) {
  .memlab-app { --jp-widgets-font-size: 20px; --jp-widgets-inline-height: 42px; font-size: 20px;
                --memlab-scale: 1.45; --memlab-inputs-width: 640px; }
}
.memlab-app .widget-dropdown select { font-size: var(--jp-widgets-font-size); }
@media (max-width: 600px) { .memlab-app { --memlab-scale: 0.72; }
                            /* whole model names in the closed dropdown ("...threeHundredImages (300 images)") */
                            .memlab-app .widget-dropdown select { font-size: 12px; padding-left: 4px; } }
.memlab-app .widget-html-content { font-size: inherit; line-height: 1.4; }
.memlab-app h1 { font-size: 1.6em; margin: 0.3em 0; }
.memlab-app h2 { font-size: 1.3em; margin: 0.8em 0 0.3em 0; }
.memlab-columns { display: flex; flex-flow: row wrap; gap: 12px 28px; align-items: flex-start; width: 100%; }
.memlab-inputs { flex: 0 1 var(--memlab-inputs-width); min-width: 0; }
.memlab-results { flex: 1 1 480px; min-width: 0; }
@media (max-width: 820px) { .memlab-inputs { flex: 1 1 100%; } }
.memlab-app .widget-inline-hbox, .memlab-app .widget-inline-vbox,
.memlab-app .widget-dropdown, .memlab-app .widget-text, .memlab-app .widget-slider { width: 100%; }
/* ipywidgets' 2 px side margins on top of width 100% pushed the Model and Seed boxes past their column */
.memlab-app .widget-dropdown, .memlab-app .widget-text { margin-left: 0; margin-right: 0; box-sizing: border-box; }
.memlab-app .jupyter-button { white-space: normal; height: auto; width: auto; max-width: 100%;
                              min-height: var(--jp-widgets-inline-height); line-height: 1.3;
                              font-size: var(--jp-widgets-font-size); padding: 4px 12px; }
.memlab-app .widget-toggle-buttons .widget-toggle-button { width: auto; min-width: 6em; }
.memlab-label { font-weight: 600; margin-top: 8px; }
.memlab-help { color: #555; font-size: 0.85em; }
.memlab-message-error { color: #b00020; }
.memlab-stale { opacity: 0.35; filter: grayscale(1); }
.memlab-caption { font-size: 0.75em; line-height: 1.35; text-align: center; overflow-wrap: anywhere; }
.memlab-section { border-top: 1px solid #ddd; margin-top: 16px; padding-top: 4px; width: 100%; }
/* Your own image: its inputs column grows with the text, its buttons share their rows as Generate fills its
   column, and the preview's caption sits beside the small picture (under it, it wrapped to 7 lines) */
.memlab-app { --memlab-own-width: 340px; }
@media (min-width: 1600px) { .memlab-app { --memlab-own-width: 460px; } }
.memlab-own-inputs { flex: 0 1 var(--memlab-own-width); min-width: 0; }
@media (max-width: 820px) { .memlab-own-inputs { flex: 1 1 100%; } }
.memlab-own-inputs .memlab-own-row { flex-wrap: wrap; gap: 4px; width: 100%; margin: 6px 0; }
.memlab-own-inputs .memlab-own-row > .jupyter-button { flex: 1 1 auto; margin: 0; }
.memlab-own-inputs .memlab-own-train > .jupyter-button { flex: 1 1 0; }
"""

# WCAG 2.1 AA (issue 37). Colours are picked for their contrast on white (#FFFFFF), computed with WCAG's
# formula (tests/browser/test_keyboard.py computes the focus ring's again from the page):
# * focus (2.4.7, 1.4.11): a 3 px #1A4F8B ring, 8.8:1 on white, drawn 2 px outside the control so it sits
#   on the page's white even around the blue Generate button (ipywidgets' own: 1 px #64B5F6, 2.2:1);
# * links (1.4.1): underlined, #0B57D0 (6.5:1), never only a colour;
# * toggle buttons (1.4.11): the chosen one dark blue with white text (8.8:1) and a check mark, the others
#   white with a grey #767676 border (4.5:1): "chosen" is told by more than a shade of grey (1.62:1 before);
# * "Run step by step" (1.4.3): white on #00707C (5.9:1; ipywidgets' "info" #0097A7 gave 3.5:1);
# * grey help text #555 (7.5:1); the verdict's colour always comes with its words.
CSS += """
.memlab-app :focus-visible, .memlab-app .jupyter-button:focus, .memlab-app select:focus,
.memlab-app input:focus, .memlab-app .noUi-handle:focus, .memlab-app canvas:focus, .memlab-app summary:focus {
  outline: 3px solid #1A4F8B !important; outline-offset: 2px; }
.memlab-app a { color: #0B57D0; text-decoration: underline; }
.memlab-app a:hover, .memlab-app a:focus { color: #062E6F; text-decoration-thickness: 3px; }
.memlab-app .widget-toggle-button { background: #FFFFFF; border: 1px solid #767676; color: #1F1F1F; }
.memlab-app .widget-toggle-button.mod-active { background: #1A4F8B; border-color: #1A4F8B; color: #FFFFFF;
                                               box-shadow: none; }
.memlab-app .widget-toggle-button.mod-active::before { content: "✓ "; content: "✓ " / ""; }   /* not in its name */
.memlab-app .jupyter-button.mod-info { background: #00707C; color: #FFFFFF; }
.memlab-app .memlab-results { overflow: visible; }
.memlab-app .memlab-details summary { cursor: pointer; color: #0B57D0; text-decoration: underline; }
.memlab-app h2.memlab-result-title { font-size: 1em; font-weight: normal; margin: 0.3em 0; }
"""

# ipywidgets writes the number of files a FileUpload holds after its label ("Upload (0)"): the button's
# own text is made invisible and its label drawn again, alone (the "/ ''" keeps it out of the button's
# accessible name, which the hidden text already gives; the first line is for browsers without it).
CSS += f"""
.memlab-app .memlab-upload {{ font-size: 0; }}
.memlab-app .memlab-upload .fa {{ font-size: var(--jp-widgets-font-size); margin-right: 0.4em; }}
.memlab-app .memlab-upload::after {{ content: "{UPLOAD_LABEL}"; content: "{UPLOAD_LABEL}" / "";
                                    font-size: var(--jp-widgets-font-size); }}
"""


def no_null_tooltips(widget):
    """Give every widget under ``widget`` an empty tooltip where it has none: ipywidgets 8 otherwise
    writes the word "null" into the title of each description label, shown when the mouse rests."""
    if getattr(widget, "tooltip", "") is None:
        widget.tooltip = ""
    for child in getattr(widget, "children", ()):
        no_null_tooltips(child)
    return widget


def stylesheet() -> w.HTML:
    """The stylesheet as a widget: put it first in the dashboard's container."""
    return w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))
