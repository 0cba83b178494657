"""Your own image (memlab.teaching.own_image): the registry's one-image recipe, unshortened, hands a drawn
picture back (moved from tests/fast/test_own_image.py: it trains for minutes)."""

from memlab.teaching.own_image import Drawing, OwnImageRun


def seven():
    drawing = Drawing()
    drawing.start_stroke(70, 60)
    drawing.extend_stroke(210, 60)
    drawing.extend_stroke(130, 230)
    return drawing.image()


def test_the_real_recipe_hands_a_drawn_picture_back():
    """The registry's one-image recipe, unshortened, on a drawn 7: every seed gives a perfect copy."""
    run = OwnImageRun()
    try:
        result = run.train_and_judge(seven())
        assert result.steps == 1000 and result.perfect_copies == len(result.samples) == 8
        assert "gave it back in 8 of 8 samples" in result.sentence()
    finally:
        run.close()
