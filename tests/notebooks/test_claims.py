"""Every sentence of a lesson that names a number or a direction is true of what the lesson's cells printed.

The claims stand in one place per lesson (``CLAIMS`` below): each quotes the words of the lesson's markdown
(whitespace aside), and says which value of the executed notebook makes it true. The lesson runs once per
test session in quick mode (``MEMLAB_QUICK=1``, what CI and many classes run), through
tests/helpers/notebook_runner.py, shared with the other notebook tests, so these checks add seconds.
Lessons 01, 03 and 04 are fast enough to run in full mode too (``FULL``; ``MEMLAB_CLAIMS_FULL=all`` adds
the others): their claims must hold in both. A claim that is true in one mode only says so in the lesson,
and its check is marked with that mode.

The checks (the claims' expressions are evaluated in the kernel the other notebook tests already ran):

* ``test_every_claim_quotes_its_lesson``: the quoted words are in the lesson (a rewritten sentence needs
  its claim rewritten here, so text and check cannot drift apart);
* ``test_claims_hold``: each claim's expression, evaluated in the lesson's live kernel, is true;
* ``test_stated_run_times_agree``: the time each lesson's header states is the course map's, and the
  guide's table (docs/teaching.md) gives the same figure within a fifth;
* every lesson links the glossary (docs/glossary.md) and ends with a "Next" link to a file that exists.
"""

import json
import os
import re
from dataclasses import dataclass

import pytest

pytest.importorskip("nbclient")
from notebook_runner import NOTEBOOKS, run_notebook  # noqa: E402

GUIDE = NOTEBOOKS.parent / "docs" / "teaching.md"


@dataclass(frozen=True)
class Claim:
    quote: str  # words of the lesson's markdown that make the claim
    check: str  # a Python expression, true when the claim is; evaluated in the lesson's kernel
    modes: tuple = ("quick", "full")  # the modes in which the sentence claims it


SHARE = "(lambda m: audits[m].samples.summary()['share'])"  # a model's samples: criterion -> share flagged
UNSEEN = "(lambda m: audits[m].baseline.summary()['share'])"  # the same for its unseen test images

SCORES = "(lambda m, which: results[m].scores(which))"  # lesson 07: a model's losses on members / non-members

CLAIMS = {
    "01-data-and-the-question": [
        Claim('a few grey levels, invisible to the eye, end a "perfect copy"', "first_sigma <= 6"),
        Claim(
            'past about 35 grey levels the damaged image is "novel"',
            "30 <= min(s for s in verdicts if verdicts[s] == 'novel') <= 40",
        ),
        Claim("about 0.72 σ grey levels rather than σ", "abs(slope - 0.72) < 0.03"),
        Claim("every distance comes out 16 times smaller than in grey levels / 255", "round(4095 / 255) == 16"),
    ],
    "02-training": [
        Claim(
            "over the full 1 000 steps by more than two orders of magnitude",
            "card['loss_first'] / card['loss_final'] > 100",
            ("full",),
        ),
        Claim(
            "over the 150 steps of quick mode only by a factor of about 3",
            "1.5 < card['loss_first'] / card['loss_final'] < 6",
            ("quick",),
        ),
        Claim("the curve has 2 points, one per 100 steps", "len(curve.losses) == 2", ("quick",)),
        Claim("the curve has 10 points", "len(curve.losses) == 10", ("full",)),
        Claim(
            "after the full 1 000 steps every sample is a perfect copy",
            "verdict_counts['perfect copy'] == 8",
            ("full",),
        ),
        Claim(
            'After only the 150 steps of quick mode the samples are still blurred and mostly "novel"',
            "verdict_counts['novel'] > 4",
            ("quick",),
        ),
        Claim("Our one-image models are asked for the clean image instead", "recipe.schedule.prediction == 'sample'"),
    ],
    "03-sampling": [
        Claim(
            "DDIM with 50 steps gives clean digits for 50 / 1 000 = a twentieth of the cost",
            "settings[0][1] == 1000 and seconds['ddim 50'] / seconds[ddpm] < 0.15",
            ("full",),
        ),
        Claim(
            "with `MEMLAB_QUICK=1` DDPM runs only 100 steps, so DDIM 50 costs about half",
            "settings[0][1] == 100 and 0.3 < seconds['ddim 50'] / seconds[ddpm] < 0.9",
            ("quick",),
        ),
        Claim(
            "only a little different along the strokes (the printed RMSE, well under 0.1 on the 0–1 scale)",
            "ten_to_fifty < 0.1",
        ),
        Claim("DDPM's digits are other digits altogether (RMSE above 0.25)", "ddpm_to_fifty > 0.25"),
        Claim("many times faster than DDIM with 50 steps", "seconds['ddim 50'] / gan_seconds > 3"),
    ],
    "04-nearest-neighbour-search": [
        Claim("the nearest training image is far closer than the second", "distances[0] < 0.75 * distances[1]"),
        Claim("no point lies below the diagonal", "bool((whole_result.rmse[:, 0] <= same_result.rmse[:, 0]).all())"),
        Claim(
            "unseen digits almost never have one training image that stands out (their ratios sit near 1",
            "np.mean(unseen_ratio < criteria.RATIO_THRESHOLD) < 0.05 and np.median(unseen_ratio) > 0.8",
        ),
        Claim(
            "Many samples of this 300-image model do",
            "np.mean(sample_ratio < criteria.RATIO_THRESHOLD) > 0.25",
        ),
    ],
    "05-does-the-model-store-its-training-data": [
        Claim(
            "with one training image every sample is that image", f"{SHARE}('mnist-diffusion-1')['perfect_copy'] == 1"
        ),
        Claim(
            'With 300 images most samples are flagged by the "near copy" threshold and by the calibrated distance, '
            "and about half or more by the ratio (fewer are perfect copies), while unseen images rarely are",
            f"min({SHARE}('mnist-diffusion-300')[c] for c in ('near_copy', 'calibrated_distance')) > 0.5"
            f" > {SHARE}('mnist-diffusion-300')['perfect_copy']"
            f" and {SHARE}('mnist-diffusion-300')['nearest_ratio'] >= 0.45"
            f" and max({UNSEEN}('mnist-diffusion-300').values()) <= 0.1",
        ),
        Claim(
            'With 60 000, the fixed "near copy" threshold still flags some samples, but it flags about as many '
            "unseen images",
            f"0 < {SHARE}('mnist-diffusion-60000')['near_copy'] <= {UNSEEN}('mnist-diffusion-60000')['near_copy'] + 0.05",
        ),
        Claim(
            "for the 300-image model, the blue histogram sits left of the grey one",
            "np.median(audits['mnist-diffusion-300'].samples.nearest_article)"
            " < 0.5 * np.median(audits['mnist-diffusion-300'].baseline.nearest_article)",
        ),
        Claim(
            "For the 60 000-image model the two histograms overlap",
            "0.7 < np.median(audits['mnist-diffusion-60000'].samples.nearest_article)"
            " / np.median(audits['mnist-diffusion-60000'].baseline.nearest_article) < 1.4",
        ),
        Claim(
            "Memorization under the relative criteria falls steadily as the training set grows, to about zero at 60 000",
            "all(r1['samples'][c] >= r2['samples'][c] for c in ('nearest_ratio', 'calibrated_distance')"
            " for r1, r2 in zip(result['rows'][1:], result['rows'][2:]))"
            " and max(result['rows'][-1]['samples'][c] for c in ('nearest_ratio', 'calibrated_distance')) <= 0.05",
        ),
        Claim(
            "the threshold flags a few percent of unseen images too",
            "0 < max(r['baseline']['near_copy'] for r in result['rows']) <= 0.15",
        ),
        Claim(
            "in quick mode (30 images, 4 models) it stays near the same few percent",
            "N == 30 and len(result['rows']) == 4 and max(r['baseline']['near_copy'] for r in result['rows']) <= 0.1",
            ("quick",),
        ),
        Claim(
            "for the 30 samples of quick mode about ±8 points",
            "abs(2 * (0.05 * 0.95 / N) ** 0.5 - 0.08) < 0.005",
            ("quick",),
        ),
        Claim(
            "for 200 samples and a share of 5 %, about ±3 points", "abs(2 * (0.05 * 0.95 / 200) ** 0.5 - 0.03) < 0.002"
        ),
        Claim(
            "the distance that only 1 % of real unseen images get under",
            "abs(np.mean(unseen < np.quantile(unseen, 0.01)) - 0.01) < 0.002",
        ),
    ],
    "06-copies-copyright-and-evidence": [
        Claim(
            "a model trained on a few hundred images has thousands of bytes to spare for each one",
            "dict(zip(sizes, per_image))[300] > 2000 + 784",
        ),
        Claim(
            "At 60 000 images there are fewer bytes per image than one image takes",
            "dict(zip(sizes, per_image))[60000] < 784",
        ),
        Claim(
            "with 1 image every sample is that image; with 300, most samples are (near) copies",
            "result['rows'][0]['samples']['perfect_copy'] == 1 and "
            "[r for r in result['rows'] if r['training_images'] == 300][0]['samples']['near_copy'] > 0.5",
        ),
        Claim(
            "at 60 000 images the samples sit no closer to the training set than real unseen digits do",
            "result['rows'][-1]['training_images'] == 60000 and "
            "all(result['rows'][-1]['samples'][c] <= result['rows'][-1]['baseline'][c] + 0.05 "
            "for c in ('near_copy', 'nearest_ratio', 'calibrated_distance'))",
        ),
        Claim(
            'a good share of real unseen digits are "near copies" too',
            "unseen['near_copy_share'] > 0.05",
        ),
    ],
    "07-what-a-model-remembers-without-copying": [
        Claim(
            "for the 100-image model the two histograms lie far apart, with a gap between them",
            f"{SCORES}('mnist-diffusion-100', 'members').max() < {SCORES}('mnist-diffusion-100', 'non_members').min()",
        ),
        Claim(
            "the members' median loss is many times smaller than the unseen images'",
            "median['mnist-diffusion-100']['members'] * 3 < median['mnist-diffusion-100']['non_members']",
        ),
        Claim("catches every member and no unseen image (AUC 1)", "results['mnist-diffusion-100'].roc().auc == 1.0"),
        Claim(
            "For the 60 000-image model they lie on top of each other (about equal medians)",
            "0.8 < median['mnist-diffusion-60000']['members'] / median['mnist-diffusion-60000']['non_members'] < 1.25",
        ),
        Claim(
            "the red histogram is shifted left, but it overlaps the grey one",
            "median['mnist-diffusion-3000']['members'] < median['mnist-diffusion-3000']['non_members']"
            f" and {SCORES}('mnist-diffusion-3000', 'members').max()"
            f" > {SCORES}('mnist-diffusion-3000', 'non_members').min()",
        ),
        Claim(
            "the 100- and 1 000-image models are caught almost completely at 1 % FPR",
            "min(results[m].roc().tpr_at(0.01) for m in ('mnist-diffusion-100', 'mnist-diffusion-1000')) > 0.9",
        ),
        Claim(
            "at 1 % FPR it catches only a few percent of its members",
            "results['mnist-diffusion-3000'].roc().tpr_at(0.01) < 0.1",
        ),
        Claim("The 60 000-image model follows the coin", "0.4 < results['mnist-diffusion-60000'].roc().auc < 0.6"),
        Claim(
            "with 150 unseen images (quick mode) the smallest FPR that can be measured is 1/150 = 0.7 %",
            "len(results['mnist-diffusion-3000'].rows['non_members']) == 150",
            ("quick",),
        ),
        Claim(
            "in quick mode, with 150 images, they differ by a few hundredths",
            "abs(results['mnist-diffusion-3000'].roc(against='control').auc - results['mnist-diffusion-3000'].roc().auc)"
            " < 0.1",
            ("quick",),
        ),
        Claim(
            "the two 95 % intervals overlap (the line under the table says so), and both lie well above 0.5",
            "control_low <= high and low <= control_high and min(low, control_low) > 0.55",
        ),
        Claim(
            "the AUC rises by about 0.2",
            "0.1 < results['mnist-diffusion-3000'].roc(calibrated=True).auc - results['mnist-diffusion-3000'].roc().auc"
            " < 0.35",
        ),
        Claim(
            "the TPR at 1 % FPR rises from a few percent to a sizeable share",
            "results['mnist-diffusion-3000'].roc().tpr_at(0.01) < 0.1"
            " < 0.15 < results['mnist-diffusion-3000'].roc(calibrated=True).tpr_at(0.01)",
        ),
        Claim(
            "for the 100-image model the attacker, who never saw the training set, finds groups, and every group "
            "checked is a real training image (precision 1.00)",
            "len(extracted['mnist-diffusion-100'].groups) >= 2 and extracted['mnist-diffusion-100'].precision == 1",
        ),
        Claim(
            "From 1 000 training images on there are at most a few groups, no more than among unseen test images",
            "all(len(extracted[m].groups) <= max(3, len(extracted[m].null_groups))"
            " for m in ('mnist-diffusion-1000', 'mnist-diffusion-3000', 'mnist-diffusion-60000'))",
        ),
        Claim(
            "copying (orange) is gone by 1 000 training images",
            "all(r['near_copy'] <= r['near_copy_baseline'] + 0.1 for r in rows if r['training_images'] >= 1000)",
        ),
        Claim(
            "membership leakage (blue) is still well above zero at 3 000",
            "2 * results['mnist-diffusion-3000'].roc().auc - 1 > 0.2",
        ),
        Claim(
            "At 60 000 images **both** tests find (almost) nothing",
            "abs(2 * results['mnist-diffusion-60000'].roc().auc - 1) < 0.2"
            " and len(extracted['mnist-diffusion-60000'].groups) <= len(extracted['mnist-diffusion-60000'].null_groups)",
        ),
        Claim(
            "The 3 000-image model has about 1 000 bytes of weights per training image",
            "800 < sum(p.numel() * p.element_size() for p in __import__('memlab.zoo', fromlist=['open'])"
            ".open('mnist-diffusion-3000').network.net.parameters()) / 3000 < 1300",
        ),
        Claim(
            "yet its members are told apart (AUC about 0.7",
            "0.6 < results['mnist-diffusion-3000'].roc().auc < 0.8",
        ),
    ],
}
# lessons fast enough to run in full mode in CI too; MEMLAB_CLAIMS_FULL=all runs every lesson in full mode
# (about 15 minutes on 2 cores), for the claims marked ("full",)
FULL = ["01-data-and-the-question", "03-sampling", "04-nearest-neighbour-search"]
if os.environ.get("MEMLAB_CLAIMS_FULL") == "all":
    FULL = list(CLAIMS)


def flat(text: str) -> str:
    return " ".join(text.split())


def markdown(name: str) -> str:
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return flat("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"))


@pytest.mark.parametrize("name", list(CLAIMS))
def test_every_claim_quotes_its_lesson(name):
    text = markdown(name)
    missing = [c.quote for c in CLAIMS[name] if flat(c.quote) not in text]
    assert not missing, f"{name}: these claims no longer stand in the lesson: {missing}"
    assert CLAIMS[name], f"{name}: no claim listed"


@pytest.mark.parametrize(
    "name, quick",
    [(n, True) for n in CLAIMS] + [(n, False) for n in FULL],
    ids=lambda v: v if isinstance(v, str) else ("quick" if v else "full"),
)
def test_claims_hold(name, quick):
    lesson = run_notebook(name, quick=quick)
    mode = "quick" if quick else "full"
    wrong = []
    for claim in CLAIMS[name]:
        if mode in claim.modes and not lesson.value(f"bool({claim.check})"):
            wrong.append(f"{claim.quote!r}: {claim.check} is false")
    assert not wrong, f"{name} ({mode} mode) says what its cells do not show:\n" + "\n".join(wrong)


# ---- stated run times -----------------------------------------------------------------------------

TIME = r"(\d+(?:[½¼¾])?|[½¼¾]) (s|min)\b"


def seconds(value: str, unit: str) -> float:
    fractions = {"½": 0.5, "¼": 0.25, "¾": 0.75}
    number = sum(fractions.get(ch, 0) for ch in value) + float(value.rstrip("½¼¾") or 0)
    return number * (60 if unit == "min" else 1)


def course_map_times() -> dict:
    """{lesson number: [full, quick] (or [both]) as written in 00-index.ipynb's course map}."""
    cells = json.loads((NOTEBOOKS / "00-index.ipynb").read_text(encoding="utf-8"))["cells"]
    rows = re.findall(r"^\| (\d) \|.*?\| [^|]*runs in ([^|]*)\|", "".join(cells[0]["source"]), re.M)
    return {int(n): re.findall(TIME, times) for n, times in rows}


def test_stated_run_times_agree():
    stated = course_map_times()
    assert sorted(stated) == [1, 2, 3, 4, 5, 6, 7], stated
    guide = {
        int(n): (quick, full)
        for n, quick, full in re.findall(r"^\| 0(\d) [^|]*\| ([^|]*) \| ([^|]*) \|$", GUIDE.read_text(), re.M)
    }
    for path in sorted(NOTEBOOKS.glob("0[1-7]-*.ipynb")):
        number = int(path.name[:2])
        header = flat("".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]))
        time_needed = header.split("Time needed", 1)[1]
        for value, unit in stated[number]:
            assert f"{value} {unit}" in time_needed, f"{path.name}: the course map says {value} {unit}"
        full, quick = stated[number][0], stated[number][-1]
        in_guide = [re.findall(TIME, cell)[0] for cell in guide[number]]
        for said, table in ((quick, in_guide[0]), (full, in_guide[1])):
            assert abs(seconds(*said) - seconds(*table)) <= 0.2 * seconds(*table), (path.name, said, table)


def test_glossary_is_linked_from_every_lesson():
    glossary = (NOTEBOOKS.parent / "docs" / "glossary.md").read_text()
    for term in ("Member", "Medoid", "Precision", "Train/test shift", "MDL", "DMCA", "Interlocutory appeal", "η"):
        assert term in glossary, term
    for path in sorted(NOTEBOOKS.glob("0[1-7]-*.ipynb")):
        assert "../docs/glossary.md" in path.read_text(encoding="utf-8"), f"{path.name} does not link the glossary"


def test_every_lesson_ends_with_a_next_link():
    for path in sorted(NOTEBOOKS.glob("0[1-7]-*.ipynb")):
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "markdown"]
        student = [c for c in cells if "solution" not in c["metadata"].get("tags", [])]
        tail = "".join(student[-2]["source"]) + "".join(student[-1]["source"])
        assert re.search(r"Next: \[[^]]+\]\([^)]+\)", tail), f"{path.name}: no 'Next' link at its end"
        target = re.search(r"Next: \[[^]]+\]\(([^)]+)\)", tail).group(1)
        file, _, section = target.partition("#")
        assert (path.parent / file).resolve().is_file(), f"{path.name}: 'Next' points at a missing {target}"
        if section:  # a section of a notebook: one of its headings (JupyterLab's anchor: spaces become '-')
            headings = [line.lstrip("#").strip().replace(" ", "-") for cell in json.loads((path.parent / file).read_text(encoding="utf-8"))["cells"]
                        if cell["cell_type"] == "markdown" for line in "".join(cell["source"]).splitlines() if line.startswith("#")]  # fmt: skip
            assert section in headings, f"{path.name}: 'Next' points at {target}, a heading {file} lacks"


def test_stated_times_sum_in_the_guide():
    text = GUIDE.read_text()
    rows = re.findall(r"^\| 0\d [^|]*\| (\d+) s \| (\d+) s \|$", text, re.M)
    total = re.search(r"^\| all seven \| ([\d.]+) min \| ([\d.]+) min \|$", text, re.M)
    assert len(rows) == 7 and total, "the guide's run-time table should list seven lessons and their total"
    for column, stated in zip(zip(*rows), total.groups()):
        assert abs(sum(int(v) for v in column) / 60 - float(stated)) < 0.06, (column, stated)
