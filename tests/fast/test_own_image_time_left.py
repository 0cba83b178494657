"""The "your own image" time left is honest (issue 37, defect 12): it said "about 1732 s left" at the start
(the first, slow steps counted at full weight) and "about 1-2 s left" for ~30 s at the end."""

from memlab.teaching.own_image import TRAINING_WORDS, WARM_UP_STEPS, TimeLeft

TOTAL = 1000


def run(seconds_per_step):
    """Feed ``TimeLeft`` a training whose step n takes ``seconds_per_step(n)``; (step, estimate, truth)."""
    times, elapsed = [0.0], 0.0
    for step in range(1, TOTAL + 1):
        elapsed += seconds_per_step(step)
        times.append(elapsed)
    estimate = TimeLeft()
    return [(step, estimate(step, TOTAL, times[step]), times[TOTAL] - times[step]) for step in range(1, TOTAL + 1)]


def test_slow_first_steps_are_not_taken_for_the_speed():
    # PyTorch's first steps: 1.7 s each, then 0.1 s a step (about 100 s in all, as measured on 2 cores)
    said = run(lambda n: 1.7 if n <= 5 else 0.1)
    assert all(left is None for step, left, _ in said if step <= WARM_UP_STEPS)  # "measuring the speed…"
    first = next(left for _, left, _ in said if left is not None)
    assert 90 <= first <= 110, first  # not "about 1732 s"
    assert all(abs(left - truth) < 1 for step, left, truth in said if left is not None)


def test_a_machine_that_slows_down_is_never_promised_less_than_remains():
    # another class starts training halfway: the last 500 steps take 0.4 s each instead of 0.1
    said = run(lambda n: 0.1 if n <= 500 else 0.4)
    # within RECENT_STEPS (100) of the change the recent speed has caught up: from then on never too low
    late = [(step, left, truth) for step, left, truth in said if 600 <= step < TOTAL]
    assert all(left >= 0.99 * truth for _, left, truth in late), [x for x in late if x[1] < 0.99 * x[2]][:3]
    # the old estimate (elapsed / step * steps left) promised 0.25 s a step at step 700: 1.9x too little
    old_at_700 = (500 * 0.1 + 200 * 0.4) / 700 * 300
    assert old_at_700 < 0.6 * dict((s, t) for s, _, t in said)[700]


def test_the_stated_duration_matches_what_was_measured():
    assert TRAINING_WORDS == "about two minutes on a 2-core computer"  # 101-111 s measured for 1 000 steps
