"""The lessons' side: ``lessons`` (the computations the notebooks show), ``exercises`` (the checks of
the "Your turn" exercises), ``own_image`` (train a model on your own drawing), ``versions`` (the student
version of the lessons, made from the teacher's), ``release`` (the branch ``student`` that students pull),
``links`` (the repository's address, the article).

May import: ``memlab.analyses``, ``memlab.zoo``, ``memlab.judgement`` and the layers below. No widgets:
those live in ``memlab.dashboard``.
"""
