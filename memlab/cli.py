"""The ``memlab`` command line. Run ``memlab COMMAND --help`` for each command's options."""

import argparse
import json
import sys

from memlab import zoo
from memlab.data.datasets import DATASETS
from memlab.errors import MemlabError
from memlab.models.registry import MODELS, get_spec
from memlab.sampling.schedule import SAMPLERS


def cmd_train(args):
    from memlab.training.loop import train

    card = train(get_spec(args.model_id), args.out, args.steps, args.max_minutes, args.resume, args.device)
    print(
        f"{card['id']}: {card['steps']} steps, final loss {card['loss_final']:.4f}, "
        f"checkpoints in {args.out}/{card['id']}/"
    )


def cmd_sample(args):
    from memlab.data.image_files import save_grid

    if args.n < 1:
        raise ValueError("--n must be at least 1.")
    model = zoo.open(args.model_id)
    if not model.denoises and (args.sampler or args.steps):
        raise ValueError(f"{model.label} is a GAN: it takes no --sampler and no --steps.")
    images = model.sample(args.n, args.seed, sampler=args.sampler, steps=args.steps)
    print(f"wrote {save_grid(images, args.out)} ({args.n} samples of {args.model_id}, seed {args.seed})")


def cmd_search(args):
    from memlab.data.image_files import load_queries
    from memlab.judging.nearest import find_nearest
    from memlab.judging.training_set import whole_split

    saw = zoo.open(args.model).saw if args.model else whole_split(args.dataset)
    queries = load_queries(args.query)
    classifier = zoo.open(args.model).classifier if args.model else zoo.classifier(args.dataset)
    nearest = find_nearest(queries, saw, args.k, "whole set" if args.whole_set else "same class", classifier)
    found = {"scope": nearest.scope, "searched": nearest.what, **nearest.result.to_json(nearest.labels)}
    if args.json:
        print(json.dumps(found, indent=2))
        return
    print(f"searched {nearest.what}")
    for q, neighbours in enumerate(found["queries"]):
        print(f"query {q}: predicted class {neighbours['predicted_label']}")
        for n in neighbours["neighbours"]:
            print(f"  index {n['index']:>5}  label {n['label']}  rmse {n['rmse']:.5f}  article {n['rmse_article']:.6f}")


def cmd_judge(args):
    from memlab.judgement import sample_and_judge

    model = zoo.open(args.model_id)
    if not model.denoises and (args.sampler or args.steps):
        raise ValueError(f"{model.label} is a GAN: it takes no --sampler and no --steps.")
    j = sample_and_judge(
        model,
        args.seed,
        "whole set" if args.whole_set else "same class",
        k=args.k,
        sampler=args.sampler,
        steps=args.steps,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "model": model.id,
                    "seed": args.seed,
                    "sampler": args.sampler,
                    "steps": args.steps,
                    "scope": j.scope,
                    "searched": j.searched_what,
                    "headline": j.headline,
                    "verdict": j.verdict,
                    "rmse": j.rmse,
                    "rmse_article": j.rmse_article,
                    "nearest_index": j.nearest_index,
                    "as_close_share": j.as_close_share,
                    "sentence": j.sentence(),
                    **j.neighbours.to_json()["queries"][0],
                },
                indent=2,
            )
        )
        return
    print(f"{model.label}, seed {args.seed}: {j.headline}")
    if j.headline != j.verdict:
        print(f"  (the original demo would say: {j.verdict})")
    print(
        f"  nearest of {j.searched:,} searched ({j.search_words()}): training image {j.nearest_index}, "
        f"RMSE {j.rmse:.4f} (0-1) = {j.rmse_article:.5f} (article)"
    )
    print(f"  {j.sentence()}")


def cmd_evaluate(args):
    from memlab.analyses.evaluate import evaluate, summary

    figures = evaluate(zoo.open(args.model_id), args.n, args.seed, progress=not args.json)
    print(json.dumps(figures, indent=2) if args.json else summary(figures))


def _write_json(path, payload):
    from pathlib import Path

    Path(path).write_text(json.dumps(payload, indent=2) + "\n")
    return path


def _share(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _write_audit(result, out):
    """summary.json, histogram.png and gallery.png of an audit, in folder ``out``."""
    from pathlib import Path

    from memlab.analyses import plots

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [
        _write_json(out / "summary.json", result.summary()),
        plots.save(plots.histogram(result), out / "histogram.png"),
        plots.save(plots.gallery(result), out / "gallery.png"),
    ]


def cmd_audit(args):
    from memlab.analyses.audit import audit

    result = audit(zoo.open(args.model_id), args.n, args.seed, progress=not args.json)
    summary = result.summary()
    written = _write_audit(result, args.out)
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    s, b = summary["samples"], summary["baseline"]
    print(
        f"{args.model_id}: {s['n']} samples (seed {args.seed}), {b['n']} unseen test images as the baseline; "
        f"{summary['neighbours_searched']} nearest among {summary['search']} ({summary['scope']})"
    )
    print(f"  {'criterion':<22}{'samples':>9}{'baseline':>10}   definition")
    for name, text in summary["criteria"].items():
        print(f"  {name:<22}{_share(s['share'][name]):>9}{_share(b['share'][name]):>10}   {text}")
    print(
        f"  median article RMSE to the nearest: samples {s['nearest_rmse_article_quantiles']['0.5']:.5f}, "
        f"baseline {b['nearest_rmse_article_quantiles']['0.5']:.5f}"
    )
    print("wrote " + ", ".join(str(p) for p in written))


def cmd_curve(args):
    from pathlib import Path

    from memlab.analyses import plots
    from memlab.analyses.audit import audit, curve_from, curve_models

    trained, missing = curve_models(args.models)
    if not trained:
        raise ValueError(f"None of {', '.join(missing)} is trained; train them with memlab train.")
    out = Path(args.out)
    audits = []
    for model_id in trained:  # each model's own audit files too: out/MODEL_ID/
        audits.append(audit(zoo.open(model_id), args.n, args.seed, progress=not args.json))
        _write_audit(audits[-1], out / model_id)
    result = curve_from(audits, missing)
    written = [_write_json(out / "curve.json", result), plots.save(plots.curve_figure(result), out / "curve.png")]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    names = list(result["criteria"])
    print(f"share of {args.n} samples called memorized (in brackets: the same criterion on unseen test images)")
    print(f"  {'images':>7}  " + "  ".join(f"{n:>22}" for n in names))
    for row in result["rows"]:
        cells = [f"{_share(row['samples'][n]):>7} ({_share(row['baseline'][n]):>6})" for n in names]
        print(f"  {row['training_images']:>7}  " + "  ".join(f"{c:>22}" for c in cells))
    if result["missing"]:
        print("not trained, left out: " + ", ".join(result["missing"]))
    print("wrote " + ", ".join(str(p) for p in written) + f", and each model's audit in {out}/MODEL_ID/")


def cmd_membership(args):
    from memlab.analyses.membership import membership, report

    summary = membership(
        args.model_id, args.members, args.non_members, args.t, args.seed, progress=not args.json
    ).summary()
    print(json.dumps(summary, indent=2) if args.json else report(summary))


def cmd_extract(args):
    from memlab.analyses.extraction import extract, report

    summary = extract(args.model_id, args.n, args.seed, progress=not args.json).summary()
    print(json.dumps(summary, indent=2) if args.json else report(summary))


def cmd_prepare(args):
    prepare_datasets(args.datasets)
    prepare_exports()


def prepare_exports():
    """Export every trained model to ONNX (memlab.models.onnx_export), so dashboard kernels need no PyTorch."""
    from memlab.data import disk_cache
    from memlab.models.onnx_export import export_all

    seconds = export_all()  # only the models not exported yet
    done = f"{len(seconds)} exported now in {sum(seconds.values()):.1f} s" if seconds else "all up to date"
    print(f"ONNX exports of the trained models: {done} (kept in {disk_cache.cache_dir() / 'onnx'})")


def prepare_datasets(datasets):
    """Build the search indexes and baselines once per machine, so no visitor's first click waits for them."""
    from memlab.data import disk_cache
    from memlab.data.datasets import check_dataset_name

    for dataset in datasets:
        check_dataset_name(dataset)  # a typo is an error, not a dataset skipped
    for dataset in datasets:
        try:
            seconds = zoo.prepare(dataset)
        except MemlabError as err:  # e.g. no Fashion-MNIST here: its models will say so themselves
            print(f"{dataset}: not prepared ({err})")
            continue
        print(
            f"{dataset}: "
            + ", ".join(f"{what} {s:.1f} s" for what, s in seconds.items())
            + f" (kept in {disk_cache.cache_dir()})"
        )


def cmd_dashboard(args):
    import os

    from memlab.server import serve

    max_kernels = serve.default_max_kernels() if args.max_kernels is None else args.max_kernels
    pool_size = serve.DEFAULT_POOL_SIZE if args.pool_size is None else args.pool_size
    command = serve.voila_command(
        args.port,
        args.ip,
        max_kernels,
        args.browser,
        args.max_per_address,
        args.starts_per_minute,
        args.behind_proxy,
        pool_size,
        fork_kernels=not args.spawn_kernels,
    )
    print("Preparing the search indexes, baselines and ONNX exports (the first time on this machine: about 2 min)...")
    prepare_datasets(DATASETS)
    prepare_exports()
    print("Starting the dashboard:", " ".join(command))
    print(
        f"At most {max_kernels or 'unlimited'} visitors at once; a page that never connects, or has "
        "gone for 2 minutes, frees its place (docs/deploy.md)."
    )
    os.chdir(serve.REPO)  # voila.json lives at the repository root
    os.execv(command[0], command)


def cmd_zoo(args):
    from memlab.models import store

    print(store.card_table())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memlab",
        description="Do generative models store copies of their training data? Train, sample and search MNIST models.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ids = ", ".join(MODELS)

    p = sub.add_parser("train", help="train a registry model (resumable)", description=f"Models: {ids}")
    p.add_argument("model_id")
    p.add_argument("--steps", type=int, help="total steps to reach (default: the registry's)")
    p.add_argument("--max-minutes", type=float, help="save and stop after this many minutes")
    p.add_argument("--resume", action="store_true", help="continue from OUT/MODEL_ID/checkpoint.pt")
    p.add_argument("--out", default="runs", help="folder for checkpoints (default: runs)")
    p.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("sample", help="save a grid of samples as a PNG", description=f"Models: {ids}")
    p.add_argument("model_id")
    p.add_argument("--n", type=int, default=16, help="number of samples (default 16)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same images")
    p.add_argument("--sampler", choices=list(SAMPLERS), help="diffusion sampler (default: the model's)")
    p.add_argument("--steps", type=int, help="sampler steps (diffusion; default: the model's)")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.set_defaults(run=cmd_sample)

    p = sub.add_parser("search", help="find the nearest training images of a query by RMSE")
    p.add_argument("query", help="a PNG/JPEG image or a .npy array of shape (N, 28, 28)")
    p.add_argument("--dataset", default="mnist", choices=list(DATASETS))
    p.add_argument("--model", help="search only this model's training subset")
    p.add_argument("--k", type=int, default=5, help="neighbours per query (default 5)")
    p.add_argument("--whole-set", action="store_true", help="search every class, not only the predicted one")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_search)

    p = sub.add_parser(
        "judge",
        help="one Generate from the command line: sample with a seed, search what the "
        "model saw, and say whether it is a copy",
        description=f"Models: {ids}",
    )
    p.add_argument("model_id")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same image")
    p.add_argument("--sampler", choices=list(SAMPLERS), help="diffusion sampler (default: the model's)")
    p.add_argument("--steps", type=int, help="sampler steps (diffusion; default: the model's)")
    p.add_argument("--whole-set", action="store_true", help="search every class, not only the predicted one")
    p.add_argument("--k", type=int, default=5, help="neighbours kept (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_judge)

    p = sub.add_parser("evaluate", help="quality and copying figures of a generator", description=f"Models: {ids}")
    p.add_argument("model_id")
    p.add_argument("--n", type=int, default=1000, help="samples to draw (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser(
        "audit",
        help="memorization audit of a generator: every criterion beside the natural baseline",
        description=f"Models: {ids}",
    )
    p.add_argument("model_id")
    p.add_argument("--n", type=int, default=1000, help="samples (and baseline test images; default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder for summary.json, histogram.png and gallery.png")
    p.add_argument("--json", action="store_true", help="print the JSON summary")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser("curve", help="memorization against training-set size (MNIST diffusion models)")
    p.add_argument("--n", type=int, default=1000, help="samples per model (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--models",
        nargs="+",
        choices=[m for m in MODELS if MODELS[m].kind == "diffusion"],
        help="models to include (default: every MNIST diffusion model)",
    )
    p.add_argument("--out", required=True, help="folder for curve.json, curve.png and each model's audit")
    p.add_argument("--json", action="store_true", help="print the JSON")
    p.set_defaults(run=cmd_curve)

    p = sub.add_parser(
        "membership",
        help="membership inference from the denoising loss: can the model tell its training images from unseen ones?",
        description=f"Diffusion models: {ids}",
    )
    p.add_argument("model_id")
    p.add_argument("--members", type=int, default=1000, help="training images scored (default 1000)")
    p.add_argument(
        "--non-members",
        type=int,
        default=1000,
        help="unseen test images scored, and unused training images for the control (default 1000)",
    )
    p.add_argument("--t", type=int, default=100, help="timestep of the loss (default 100)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_membership)

    p = sub.add_parser(
        "extract",
        help="extraction without the training set: group near-identical samples, then check them against it",
        description=f"Models: {ids}",
    )
    p.add_argument("model_id")
    p.add_argument("--n", type=int, default=500, help="samples to draw (default 500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_extract)

    p = sub.add_parser("dashboard", help="serve the model picker with Voila")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (0.0.0.0 to share on a network)")
    p.add_argument("--browser", action="store_true", help="open a browser tab")
    p.add_argument(
        "--max-kernels",
        type=int,
        help="most visitors at once, one kernel each; the next one "
        "sees a 'busy, try again in a minute' page (default: what this machine's memory holds, "
        "500 MB per kernel; 0: no cap)",
    )
    p.add_argument(
        "--max-per-address",
        type=int,
        help="most dashboard tabs one client address may hold at "
        "once (default 4; 0: no limit, e.g. a whole class behind one school router)",
    )
    p.add_argument(
        "--starts-per-minute",
        type=int,
        help="most dashboard pages one client address may open in a minute (default 10; 0: no limit)",
    )
    p.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a reverse proxy on this machine forwards the "
        "visitors: read their addresses from the X-Real-IP it sets (docs/deploy.md)",
    )
    p.add_argument(
        "--pool-size",
        type=int,
        help="kernels kept started, the dashboard already "
        "built, for the next visitors: the page comes up sooner (default 1; 0: none; docs/deploy.md)",
    )
    p.add_argument(
        "--spawn-kernels",
        action="store_true",
        help="start each visitor's kernel as a new Python "
        "instead of forking one process that has imported their modules once (more memory and "
        "CPU per visitor; docs/deploy.md)",
    )
    p.set_defaults(run=cmd_dashboard)

    p = sub.add_parser(
        "prepare",
        help="build the search indexes and baselines and export the models to ONNX "
        "once per machine (the dashboard's first click then waits for none of them)",
    )
    p.add_argument("datasets", nargs="*", default=list(DATASETS), help="default: mnist fashion")
    p.set_defaults(run=cmd_prepare)

    p = sub.add_parser("zoo", help="list the models and their cards")
    p.set_defaults(run=cmd_zoo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (MemlabError, ValueError) as err:
        print(f"memlab: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("memlab: interrupted; checkpoints already written are kept (resume with --resume).", file=sys.stderr)
        return 130
    return 0
