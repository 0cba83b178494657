"""The anchor for the crowd benchmark: the original demo's shape, one Gradio process for every visitor.

The original demo (Nathan Reitinger's Gradio Space ``nathanReitinger/modelProblems``) is a Gradio app:
one Python process serves every visitor through Gradio's queue. This file rebuilds that shape with
memlab's own sampling and exact search, so the crowd benchmark compares how the two *serve* a class,
not two different models: a model list, the seed, the sampler's steps and a Generate button, whose
click runs ``generate_and_judge`` (below) in Gradio's default queue.

    python benchmarks/anchor_gradio.py --port 7860     # serves on 127.0.0.1 only

Gradio is an optional benchmark dependency: ``pip install -e '.[bench]'``.
"""

import argparse
import os

import numpy as np

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # loopback only: no calls home


def generate_and_judge(model_id: str, seed: int, steps: int):
    """One click: sample one image from ``model_id`` and judge it against its own training images.

    The dashboard's own path (``memlab.judgement.sample_and_judge``), on PyTorch: the engine a Gradio
    demo like the original runs its models with. Returns the image as uint8 (28, 28) and a line saying
    what produced it and the verdict.
    """
    from memlab import zoo
    from memlab.judgement import sample_and_judge

    model = zoo.open(model_id)
    diffusion = "steps" in model.options
    judgement = sample_and_judge(
        model,
        int(seed),
        "same class",
        k=5,
        sampler=model.spec.default_sampler if diffusion else None,
        steps=int(steps) if diffusion else None,
    )
    image = judgement.image
    how = f"{model.spec.default_sampler.upper()} {int(steps)} steps" if diffusion else "one pass"
    text = (
        f"{model_id} · {how} · seed {int(seed)} · same class search. "
        f"Verdict: {judgement.headline} (nearest training image {judgement.nearest_index})."
    )
    return (np.clip(np.asarray(image), 0, 1) * 255).astype(np.uint8), text


def build():
    """The Blocks app: inputs on the left, the result on the right."""
    import gradio as gr

    from memlab.dashboard.widgets.controls import model_options

    with gr.Blocks(title="memlab anchor: one Gradio process") as demo:
        with gr.Row():
            with gr.Column():
                model = gr.Dropdown(choices=model_options(), value=model_options()[0][1], label="Model")
                seed = gr.Number(value=0, precision=0, label="Seed")
                steps = gr.Slider(1, 1000, value=50, step=1, label="Steps (diffusion models)")
                button = gr.Button("Generate")
            with gr.Column():
                image = gr.Image(label="generated", image_mode="L")
                verdict = gr.Markdown()
        button.click(generate_and_judge, [model, seed, steps], [image, verdict], api_name="generate")
    return demo


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    build().queue().launch(server_name="127.0.0.1", server_port=args.port, share=False, show_error=True)


if __name__ == "__main__":
    main()
