"""Analyses of a whole model, each built on ``memlab.zoo`` and ``memlab.judgement``: ``evaluate`` (a
model's figures: quality, copies), ``audit`` (the memorization audit and the curve), ``membership``
(membership inference) with ``membership_place`` and ``membership_plots``, ``extraction`` (extraction
without the training set), ``roc`` and ``plots`` (their figures).

May import: ``memlab.zoo``, ``memlab.judgement``, ``memlab.judging`` and the layers below. No widgets.
"""
