"""Is it a copy? The search and the measures a verdict is made of.

``search`` (exact nearest-image search by RMSE; ``search_faiss``, optional), ``training_set`` (exactly
the images a model saw), ``nearest`` (search them, in one class or the whole set), ``metrics`` (RMSE on
both scales, the article's thresholds), ``baseline`` (how close real unseen images already are),
``criteria`` (the memorization criteria).

May import: ``memlab.models`` (the registry and stored cards), ``memlab.data``. The verdict itself,
``memlab.judgement``, stands above this folder and the zoo.
"""
