"""Sampling: turning a seed into an image.

``noise`` (one seed, one NumPy stream, for every entry point and both engines), ``schedule`` (the noise
schedule and the DDPM and DDIM steps, written once for NumPy arrays and PyTorch tensors alike), ``loop``
(the reverse-diffusion loop and a GAN's one pass, around any network function).

May import: ``memlab.data``, ``memlab.nets.configs``. Never PyTorch: the engines hand in their arrays.
"""
