"""The networks, as PyTorch modules with frozen configs: ``unet`` (the diffusion model's UNet), ``gan``
(the DCGAN generator and discriminator), ``classifier`` (the CNN that names a digit or a garment), and
``configs`` (their settings and the noise schedule's, free of PyTorch so the dashboard lists models first).

May import: ``memlab.data``. A network only maps tensors to tensors: no sampling, no files.
"""
