"""memlab: do generative models store copies of their training data?

Train small DDPM and DCGAN models on MNIST and Fashion-MNIST, sample from them, and search
the training set exhaustively for each sample's nearest image by RMSE.

Where things live: ``data`` (datasets and subsets), ``pixels`` (the pixel convention),
``schedule`` / ``unet`` / ``gan`` / ``classifier`` (the models), ``sampling`` (the loops),
``trainers`` / ``training`` (training), ``checkpoint`` / ``zoo`` (saving and the shipped models),
``metrics`` / ``search`` (distances and nearest neighbours), ``pipeline`` (end to end), ``cli``.
"""

__version__ = "0.1.0"
