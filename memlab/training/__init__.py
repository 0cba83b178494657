"""Training: ``trainers`` (what one step means for each kind of model) and ``loop`` (the loop, resumable
checkpoints, the model card).

May import: ``memlab.models``, ``memlab.sampling``, ``memlab.nets``, ``memlab.data``.
"""
