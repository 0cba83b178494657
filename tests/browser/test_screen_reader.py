"""The dashboard as a screen reader gets it (WCAG 1.1.1, 4.1.2, 4.1.3; issue 37): Chromium's own
accessibility tree, read over the DevTools protocol (``Accessibility.getFullAXTree``), after a Generate and
a membership answer. Every control has a name, every toggle button a pressed state, every picture a text,
and the verdict is inside a live region."""

from dashboard_browser import SLOW, browser, dashboard_url, expect, generate, open_dashboard, section  # noqa: F401

CONTROLS = {
    "button",
    "toggleButton",
    "combobox",
    "ComboBoxSelect",
    "slider",
    "textbox",
    "link",
    "checkbox",
    "radio",
    "spinbutton",
    "listbox",
    "DisclosureTriangle",
}
TOGGLES = {
    "DDIM",
    "DDPM",
    "same class",
    "whole set",
    "MNIST digits",
    "Fashion-MNIST clothes",
    "one of its training images",
    "an unseen test image",
    "your upload",
}


def ax_tree(page) -> list[dict]:
    """Chromium's accessibility tree of the page: the nodes a screen reader is given (ignored ones dropped),
    each as {"role", "name", "properties": {name: value}}."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    cdp.detach()
    by_id = {node["nodeId"]: node for node in nodes}

    def text(node) -> str:  # what is read inside a node: its static text, in order
        if node.get("role", {}).get("value") == "StaticText":
            return node.get("name", {}).get("value", "")
        return " ".join(text(by_id[child]) for child in node.get("childIds", []) if child in by_id)

    read = []
    for node in nodes:
        if node.get("ignored"):
            continue
        properties = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        read.append(
            {
                "role": node.get("role", {}).get("value", ""),
                "name": node.get("name", {}).get("value", ""),
                "properties": properties,
                "text": text(node),
            }
        )
    return read


def test_every_control_has_a_name_and_a_state_and_the_verdict_is_live(browser, dashboard_url):  # noqa: F811
    page = open_dashboard(browser, dashboard_url, width=1280)
    try:
        generate(page, "MNIST-diffusion-oneImage")
        panel = section(page, "Was this picture in its training set?")
        panel.get_by_role("button", name="Another picture").click()
        expect(panel.get_by_text("gives this picture a denoising loss")).to_be_visible(timeout=SLOW)
        tree = ax_tree(page)

        unnamed = [n for n in tree if n["role"] in CONTROLS and not n["name"].strip()]
        assert not unnamed, unnamed
        toggles = [n for n in tree if n["name"].strip() in TOGGLES and n["role"] in ("button", "toggleButton")]
        assert len(toggles) >= 9, [n["name"] for n in toggles]
        stateless = [n for n in toggles if "pressed" not in n["properties"]]
        assert not stateless, stateless
        pressed = {n["name"] for n in toggles if n["properties"]["pressed"] in ("true", True)}
        assert {"DDIM", "same class", "one of its training images"} <= pressed, pressed
        assert not any("(0)" in n["name"] for n in tree if n["role"] == "button"), "a file count in a button's name"
        pad = [n for n in tree if n["name"].startswith("Drawing pad")]
        assert pad and pad[0]["role"] == "image", pad

        pictures = [n for n in tree if n["role"] in ("image", "img")]
        assert len(pictures) >= 5 and all(n["name"].strip() for n in pictures), pictures
        assert any(n["name"].startswith("Histogram of the denoising loss") for n in pictures)

        live = [n for n in tree if n["properties"].get("live") == "polite"]
        assert live, "no polite live region"
        # the verdict's words are inside a polite live region: what a screen reader reads out when Generate
        # has finished
        assert any("Verdict:" in n["text"] for n in live), [n["text"][:60] for n in live]
        headings = [n["name"] for n in tree if n["role"] == "heading"]
        assert any(h.startswith("Result:") for h in headings), headings
    finally:
        page.close()
