"""What one training step means for each kind of model.

Each trainer owns its networks and optimizers and offers the same four methods, so the
loop in ``memlab.training.loop`` treats every model alike:

* ``step(batch, generator) -> loss`` one optimizer step on (images on -1..1, labels); the loss as a 0-d tensor
* ``weights()``                    the state_dict that is shipped and sampled from
* ``state()`` / ``load_state(d)``  everything needed to resume: the state_dict of every part that
                                   ``parts()`` names (networks, optimizers, learning-rate schedule)
* ``final_figures()``              figures for the card when training ends (e.g. test accuracy)
"""

import copy
import math

import torch
import torch.nn.functional as F

from memlab.data import datasets as data
from memlab.data.pixels import uint8_to_unit, unit_to_model
from memlab.nets.classifier import Classifier
from memlab.nets.gan import Discriminator, Generator
from memlab.nets.unet import UNet
from memlab.sampling.schedule import NoiseSchedule


def cosine_decay(optimizer, train_cfg, total_steps):
    """Learning rate peak * (0.05 + 0.95 * (1 + cos(pi * step / total_steps)) / 2), flat at 5 % after.

    ``total_steps`` is the length of this run (``--steps``, by default the spec's), so a shortened
    run still ends annealed."""

    def factor(step):
        if not train_cfg.lr_decay:
            return 1.0
        progress = min(step, total_steps) / total_steps
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class Trainer:
    """What every trainer shares: resuming saves and restores each of its ``parts()``."""

    def parts(self) -> dict:
        """Name -> every object with a ``state_dict()`` that a resumed run needs."""
        raise NotImplementedError

    def state(self) -> dict:
        return {name: part.state_dict() for name, part in self.parts().items()}

    def load_state(self, d: dict) -> None:
        for name, part in self.parts().items():
            part.load_state_dict(d[name])

    def final_figures(self) -> dict:
        return {}


class DiffusionTrainer(Trainer):
    """DDPM training (Ho et al. 2020, Algorithm 1) with an EMA copy of the weights."""

    def __init__(self, spec, device, total_steps=None):
        self.spec = spec
        self.unet = UNet(spec.network).to(device)
        self.ema = copy.deepcopy(self.unet).requires_grad_(False)
        self.opt = torch.optim.Adam(self.unet.parameters(), lr=spec.train.lr, fused=device.type == "cuda")
        self.lr = cosine_decay(self.opt, spec.train, total_steps or spec.train.steps)
        self.schedule = NoiseSchedule(spec.schedule)

    def step(self, batch, generator):
        x0 = batch[0]
        device = x0.device
        # 1. a random timestep and random noise for every image
        t = torch.randint(0, self.schedule.cfg.num_train_timesteps, (len(x0),), generator=generator).to(device)
        noise = torch.randn(x0.shape, generator=generator).to(device)
        # 2. noise the images to x_t and ask the network for the noise or the clean image (as the schedule's
        #    ``prediction`` says): loss = ||eps - eps_theta(x_t, t)||^2, or the same with x_0
        x_t = self.schedule.add_noise(x0, noise, t)
        loss = F.mse_loss(self.unet(x_t, t), self.schedule.target(x0, noise, t))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.lr.step()
        # 3. EMA of the weights, with a warm-up so short runs are not dominated by the initial weights
        steps_done = self.lr.last_epoch  # the learning-rate schedule counts the optimizer steps
        decay = min(self.spec.train.ema_decay, (1 + steps_done) / (10 + steps_done))
        with torch.no_grad():
            torch._foreach_lerp_(list(self.ema.parameters()), list(self.unet.parameters()), 1 - decay)
        return loss.detach()

    def weights(self):
        return self.ema.state_dict()

    def parts(self):
        return {"unet": self.unet, "ema": self.ema, "opt": self.opt, "lr": self.lr}


class GANTrainer(Trainer):
    """The non-saturating GAN loss of the TensorFlow DCGAN tutorial."""

    def __init__(self, spec, device, total_steps=None):  # no learning-rate decay: total_steps unused
        self.spec = spec
        self.gen = Generator(spec.network).to(device)
        self.disc = Discriminator(spec.network).to(device)
        self.opt_g = torch.optim.Adam(self.gen.parameters(), lr=spec.train.lr)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=spec.train.lr)

    def step(self, batch, generator):
        real = batch[0]
        z = torch.randn((len(real), self.spec.network.noise_dim), generator=generator).to(real.device)
        fake = self.gen(z)
        ones, zeros = torch.ones(len(real), device=real.device), torch.zeros(len(real), device=real.device)
        # 1. discriminator: real -> 1, fake -> 0
        d_loss = F.binary_cross_entropy_with_logits(self.disc(real), ones) + F.binary_cross_entropy_with_logits(
            self.disc(fake.detach()), zeros
        )
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        # 2. generator: make the discriminator say 1 on fakes
        g_loss = F.binary_cross_entropy_with_logits(self.disc(fake), ones)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return g_loss.detach()

    def weights(self):
        return self.gen.state_dict()

    def parts(self):
        return {"gen": self.gen, "disc": self.disc, "opt_g": self.opt_g, "opt_d": self.opt_d}


class ClassifierTrainer(Trainer):
    """Cross-entropy on labelled images, with small random shifts as augmentation."""

    def __init__(self, spec, device, total_steps=None):
        self.spec = spec
        self.net = Classifier(spec.network).to(device)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=spec.train.lr)
        self.sched = cosine_decay(self.opt, spec.train, total_steps or spec.train.steps)

    def step(self, batch, generator):
        x, y = batch
        shift = torch.randint(-2, 3, (2,), generator=generator).tolist()
        x = torch.roll(x, shifts=shift, dims=(2, 3))  # shift the whole batch by up to 2 pixels
        self.net.train()
        loss = F.cross_entropy(self.net(x), y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.detach()

    def weights(self):
        return self.net.state_dict()

    @torch.no_grad()
    def final_figures(self):
        """Accuracy on the dataset's 10 000 test images."""
        test = data.load(self.spec.dataset, "test")
        device = next(self.net.parameters()).device
        x = unit_to_model(torch.from_numpy(uint8_to_unit(test.images)))[:, None].to(device)
        self.net.eval()
        pred = torch.cat([self.net(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)]).cpu()
        return {"test_accuracy": round(float((pred.numpy() == test.labels).mean()), 4)}

    def parts(self):
        return {"net": self.net, "opt": self.opt, "sched": self.sched}


# What one training step means, per kind of model (``ModelSpec.kind``)
TRAINERS = {"diffusion": DiffusionTrainer, "gan": GANTrainer, "classifier": ClassifierTrainer}
