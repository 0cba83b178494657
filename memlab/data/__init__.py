"""The data layer: the images and how they are stored.

``datasets`` (MNIST and Fashion-MNIST, train and test splits, seeded subsets), ``idx`` (the IDX file
reader), ``pixels`` (the pixel convention: uint8, 0..1, -1..1), ``image_files`` (reading a query image,
writing a grid), ``disk_cache`` (arrays computed once per machine and shared by every kernel).

May import: ``memlab.errors``. Nothing else of memlab, and never PyTorch at the top of a module.
"""
