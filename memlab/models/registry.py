"""Every model memlab knows: its id, the label the dashboard shows, what it is trained on, and how.

This is the one source of truth for configurations: ``memlab train ID`` reads its spec from
here, and every shipped checkpoint records the spec it was trained with.
"""

from dataclasses import asdict, dataclass, field

from memlab.errors import unknown_name
from memlab.nets.configs import ClassifierConfig, GANConfig, ScheduleConfig, UNetConfig


@dataclass(frozen=True)
class TrainConfig:
    steps: int  # optimizer steps for a full run
    batch_size: int = 128
    lr: float = 2e-4  # Adam learning rate (peak)
    lr_decay: bool = True  # cosine decay of the learning rate to 5 % of its peak over `steps`
    ema_decay: float = 0.999  # diffusion only: decay of the EMA weights that are sampled from
    checkpoint_every: int = 500  # steps between atomic checkpoints
    seed: int = 0  # seeds initialisation, batches and noise


WHOLE_SPLIT = 60000  # images in the train split of MNIST and of Fashion-MNIST
# What each kind of generator's sample() takes besides a seed (the dashboard draws its controls from it)
SAMPLE_OPTIONS = {"diffusion": ("sampler", "steps"), "gan": (), "classifier": ()}


@dataclass(frozen=True)
class ModelSpec:
    id: str  # e.g. "mnist-diffusion-300"
    label: str  # what the dashboard shows (the original demo's names)
    kind: str  # "diffusion", "gan" or "classifier"
    dataset: str  # "mnist" or "fashion"
    train_size: int  # images in the training subset (60000 = the whole train split)
    train: TrainConfig
    network: object  # UNetConfig, GANConfig or ClassifierConfig
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)  # diffusion only
    subset_seed: int = 0  # seeds the choice of the training subset
    default_sampler: str = "ddim"  # diffusion: "ddim" or "ddpm"; GAN/classifier: unused
    default_steps: int = 50  # diffusion sampler steps by default

    @property
    def saw_whole_split(self) -> bool:
        """Trained on every image of the train split (then it shares the split's index and baseline)."""
        return self.train_size == WHOLE_SPLIT

    @property
    def options(self) -> tuple:
        """What its sample() takes besides a seed: ("sampler", "steps") for diffusion, () for a GAN."""
        return SAMPLE_OPTIONS[self.kind]

    def to_dict(self) -> dict:
        return asdict(self)


def _diffusion(id, label, dataset, size, steps, batch_size, lr):
    return ModelSpec(
        id,
        label,
        "diffusion",
        dataset,
        size,
        TrainConfig(steps=steps, batch_size=batch_size, lr=lr, checkpoint_every=1000),
        UNetConfig(),
    )


def _one_image(id, label, dataset):
    # A network asked for the clean image x_0 (not the noise) learns to output its one training image
    # whatever the noise: DDIM lands on it after ~500 steps of 8 on two CPU cores, so this recipe
    # trains in about a minute without a GPU. With noise prediction the same recipe gives no perfect
    # copy with DDIM in 1 000 steps (`python benchmarks/training.py`; table in docs/benchmarks.md).
    return ModelSpec(
        id,
        label,
        "diffusion",
        dataset,
        1,
        TrainConfig(steps=1000, batch_size=8, lr=2e-3, checkpoint_every=250),
        UNetConfig(),
        ScheduleConfig(prediction="sample"),
    )


def _gan(id, label, dropout):
    # The TensorFlow tutorial's optimiser: Adam(1e-4) for both nets, batch 256. It trains 50 epochs;
    # we train 100 (23 500 steps).
    return ModelSpec(
        id,
        label,
        "gan",
        "mnist",
        60000,
        TrainConfig(steps=23500, batch_size=256, lr=1e-4, lr_decay=False, checkpoint_every=1000),
        GANConfig(dropout=dropout),
    )


def _classifier(id, dataset, steps):
    return ModelSpec(
        id,
        f"{dataset}-classifier",
        "classifier",
        dataset,
        60000,
        TrainConfig(steps=steps, batch_size=256, lr=2e-3, checkpoint_every=1000),
        ClassifierConfig(),
    )


# Steps and batch sizes of the larger models were chosen for a GPU (see each model card for where
# it was trained); on two CPU cores the 60 000-image models take days.
# --steps and --max-minutes shorten any run.
MODELS = {
    spec.id: spec
    for spec in [
        _one_image("mnist-diffusion-1", "MNIST-diffusion-oneImage", "mnist"),
        _diffusion("mnist-diffusion-300", "MNIST-diffusion-threeHundredImages", "mnist", 300, 10000, 256, 3e-4),
        _diffusion("mnist-diffusion-3000", "MNIST-diffusion-threeThousandImages", "mnist", 3000, 10000, 256, 3e-4),
        _diffusion("mnist-diffusion-60000", "MNIST-diffusion", "mnist", 60000, 12000, 512, 5e-4),
        _gan("mnist-gan-60000", "MNIST-GAN", dropout=0.3),
        _gan("mnist-gan-60000-nodropout", "MNIST-GAN-noDropout", dropout=0.0),
        _one_image("fashion-diffusion-1", "FASHION-diffusion-oneImage", "fashion"),
        _diffusion("fashion-diffusion-60000", "FASHION-diffusion", "fashion", 60000, 12000, 512, 5e-4),
        # Extra points for the memorization-vs-training-set-size curve (same recipe as 300 and 3 000).
        _diffusion("mnist-diffusion-10", "MNIST-diffusion-tenImages", "mnist", 10, 10000, 256, 3e-4),
        _diffusion("mnist-diffusion-30", "MNIST-diffusion-thirtyImages", "mnist", 30, 10000, 256, 3e-4),
        _diffusion("mnist-diffusion-100", "MNIST-diffusion-hundredImages", "mnist", 100, 10000, 256, 3e-4),
        _diffusion("mnist-diffusion-1000", "MNIST-diffusion-thousandImages", "mnist", 1000, 10000, 256, 3e-4),
        _classifier("mnist-classifier", "mnist", steps=3000),
        _classifier("fashion-classifier", "fashion", steps=6000),
    ]
}

GENERATORS = [m for m in MODELS if MODELS[m].kind != "classifier"]


def get_spec(model_id: str) -> ModelSpec:
    """The spec of ``model_id``; an unknown id raises an error that lists the valid ids."""
    if model_id not in MODELS:
        raise unknown_name("model", model_id, MODELS)
    return MODELS[model_id]


def classifier_id(dataset: str) -> str:
    return f"{dataset}-classifier"
