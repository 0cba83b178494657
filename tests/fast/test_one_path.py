"""One model, one path: a model's id is resolved once per kernel, and a Generate click classifies its
sample once and searches it once per scope, through the one function ``judgement.sample_and_judge``
(real models, real data; counted by wrapping the real functions, which still run)."""

import ast
from collections import Counter
from pathlib import Path

import pytest

from memlab import judgement, zoo
from memlab.judging.search import SearchIndex
from memlab.models import engine, registry, store

pytest.importorskip("ipywidgets")
PACKAGE = Path(judgement.__file__).parent


@pytest.fixture
def counted(monkeypatch):
    """Counts of the calls a click makes to what resolves a model, names a class or searches."""
    calls = Counter()

    def count(owner, name, key=None):
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):
            calls[key or name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    count(registry, "get_spec")
    count(zoo, "get_spec", "get_spec")  # zoo's own reference to it
    count(store, "get_spec", "get_spec")  # and the file store's
    count(store, "weights_path")
    count(store, "load")  # the PyTorch network, from its file
    count(engine, "network", "load")  # a network on either engine
    count(zoo.ShippedModel, "__init__", "resolve")
    count(SearchIndex, "search")
    classifier = zoo.classifier("mnist")
    count(type(classifier), "predict")
    return calls


@pytest.mark.parametrize(
    "model_id, scope, searches",
    [
        ("mnist-diffusion-300", "same class", 2),  # its 300 images (same class), the whole split (likeness)
        ("mnist-diffusion-60000", "whole set", 1),  # the whole split once: the likeness reuses that search
        ("mnist-diffusion-60000", "same class", 2),  # same class, then the whole split for the likeness
        ("mnist-gan-60000", "whole set", 1),
    ],
)
def test_a_warm_generate_resolves_nothing_again_and_classifies_and_searches_once(counted, model_id, scope, searches):
    from memlab.dashboard.app import App

    app = App(background=False, warm=False)
    app.model.value, app.scope.value = model_id, scope
    if "steps" in zoo.open(model_id).options:
        app.steps.value = 5
    app.generate()  # the first click loads and builds what it needs
    assert app.judgement is not None, app.message.value
    counted.clear()
    app.seed.value = "1"
    app.generate()  # a warm click
    assert app.judgement is not None and app.shown.seed == 1
    assert counted["resolve"] == 0 and counted["get_spec"] == 0 and counted["load"] == 0, counted
    assert counted["weights_path"] == 0, counted
    assert counted["predict"] == 1, counted  # classified once
    assert counted["search"] == searches, counted  # searched once per scope


def test_a_model_is_resolved_once_per_kernel_and_shares_the_whole_split():
    a, b = zoo.open("mnist-diffusion-60000"), zoo.open("mnist-diffusion-60000")
    assert a is b
    assert zoo.open("mnist-gan-60000").saw is a.saw  # every whole-split model: one index, one baseline
    small = zoo.open("mnist-diffusion-300").saw
    assert len(small) == 300 and not small.is_whole_split and "300 MNIST training images" in small.words
    assert zoo.open("mnist-gan-60000").options == () and a.options == ("sampler", "steps")
    with pytest.raises(ValueError, match="takes no sampler or steps"):
        zoo.open("mnist-gan-60000").sample(1, 0, sampler="ddim", steps=5)


def _calls(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def test_no_function_but_the_judgement_samples_and_judges_by_itself():
    """Read as a newcomer would: sampling, then judging, is written once (judgement.sample_and_judge); the
    dashboard, the step-through and the CLI call it (the warm-up only opens what it reads)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("judgement.py", "audit.py", "evaluate.py", "extraction.py"):
            continue  # the last three: batch statistics over many samples, which use step 3 alone
        for function in ast.walk(ast.parse(path.read_text())):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                calls = _calls(function)
                assert not ("sample" in calls and calls & {"judge", "find_nearest"}), (path, function.name)
    for caller in ("dashboard/app.py", "dashboard/widgets/step_through.py", "cli.py"):
        assert "sample_and_judge" in _calls(ast.parse((PACKAGE / caller).read_text())), caller
