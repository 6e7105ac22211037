"""A CIFAR-style ResNet on Fashion-MNIST with augmentation, masked weight decay and warmup + cosine decay."""

import functools

import optax

from models import FlipAveraged, ResNet18, ResNet20, ResNet32, ResNet56
from train import accuracy, softmax_cross_entropy, top_k_accuracy, xla_flags
from train.augment import image_augment
from train.regularization import decay_mask
from zoo.datasets.sources import FASHION_MNIST_SOURCES, choose_source
from zoo.core.errors import ConfigError
from zoo.core.experiment import Experiment, require_fraction, require_positive
from zoo.core.registry import register

ARCHITECTURES = {"resnet20": ResNet20, "resnet32": ResNet32, "resnet56": ResNet56, "resnet18": ResNet18}
# What the entry trains on: the train split, reporting validation after every epoch (to choose a
# recipe), or train and validation together, the final fit, with no evaluation between epochs.
TRAIN_SPLITS = {"train": "validation", "train+validation": None}


@register
def fashion_resnet(
    *,
    source: str = "local",
    depth: str = "resnet20",
    num_filters: int = 16,
    stem_strides: int = 2,
    learning_rate: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    warmup_epochs: int = 1,
    label_smoothing: float = 0.1,
    crop_padding: int = 2,
    flip: bool = True,
    cutout_size: int = 0,
    batch_size: int = 64,
    epochs: int = 55,
    seed: int = 0,
    train_split: str = "train+validation",
    test_time_flip: bool = True,
    test_time_shift: int = 1,
    ema_decay: float = 0.0,
) -> Experiment:
    """ResNet (BatchNorm, basic blocks) on Fashion-MNIST; SGD + Nesterov, warmup + cosine decay.

    Command: ``zoo train fashion_resnet``
    Result: test accuracy 94.57% (ten views, macro-F1 0.9455), 55 epochs in 30.6 min of
    training on the 2-core CPU (1,838.6 s, compile 3.0 s; ``zoo/published/fashion_resnet.json``).
    It trains on train and validation together (``train_split="train+validation"``, 60,000
    images, no evaluation between epochs), the final fit of the recipe below, which was chosen
    on validation with ``--set train_split=train``. One run, 0.07 points above the issue's
    94.5%, less than one run's noise (~0.2 points): at the target rather than clearly past it.
    The four final fits before it, all with 8x8 cutout, read 94.37-94.47% (below).

    No cutout (``cutout_size=0``; 8 until this result): decided on validation, three seeds of
    each (55 epochs on the train images), before its final fit ran. Ten views read 95.00%,
    94.96% and 94.90% without cutout, 94.76%, 94.92% and 94.86% with it (means 94.95% and
    94.85%); flips alone 94.90%, 94.68%, 94.80% against 94.70%, 94.90%, 94.76% (both 94.79%).
    The first two of each trained on a lent H100 (seeds 0 and 1, a scratch script that vmaps
    the models into one step, this entry's model, loss, optimizer and augmentations), the third
    on this CPU (``--set train_split=train --set cutout_size=0``: 31.5 min, printed test 94.32%;
    with cutout, the batch-64 run below). Without cutout the augmented train images score
    ~95.7% in the last epoch against ~94.4% with it, so the model has room to fit more and
    cutout bought nothing. Every run described from here on used 8x8 cutout unless it says
    otherwise.

    Batch 64 instead of 128, learning rate 0.1 kept: on this CPU, batch 64 trains 1.19x more
    images a second (the train steps compiled side by side, interleaved rounds; batch 32 is
    slower again). Trained on the train images alone (``--set train_split=train``), it read
    validation 94.76% with flips and 94.86% with ten views, against batch 128's 94.68% and
    94.88% (below): equal within one run's noise, in 33.8 min of training against 43.6 min. So
    it became the default, decided on validation and the time limit before its final fit ran:
    test 94.43% (macro-F1 0.944) in 33.2 min. (The train-split run's test, printed at its end,
    read 94.14%, against 94.49% for batch 128's.)
    Batch 64 with learning rate 0.05 (the linear scaling rule), tried earlier, read validation
    94.38% (ten views 94.74%) against batch 128's 94.62% (94.96%) of that time.

    More epochs gave no clear gain: 70 instead of 55 (``--set train_split=train --set epochs=70``)
    read validation 94.68% with flips and 94.98% with ten views, against 94.76% and 94.86% (one
    down, one up, each within a single run's ~0.2 points of noise), in 48.6 min of training on
    a slow day (epochs of 33-49 s, median 40 s), which would put its final fit past the 45
    minutes. (Its printed test: 94.31%.) The model is not overfitting: in that run's last epoch
    the augmented train images scored 94.70%, validation 94.68%. Yet less regularization did
    not help either: weight decay 2.5e-4 instead of 5e-4 (with batch 64, the decay per epoch of
    batch 128's recipe) read validation 94.48% with flips and 94.54% with ten views (test
    94.33%), in 36.1 min; nor did more, 1e-3: 94.32% and 94.56% (test 93.89%), in 35.1 min.
    Both sides of 5e-4 lost about 0.3-0.4 points.

    Batch 128, the default before, in final fits: **test 94.47%** (macro-F1 0.944) in 45.7 min
    of training on a busy night (epochs of 43-60 s), with YNNPACK kept off the convolutions
    (``YNNPACK_FOR_PRODUCTS_AND_REDUCTIONS``); 94.37% (macro-F1 0.943) in 55.1 min on a slow
    evening with YNNPACK's convolutions (the two differ in floating-point rounding only, so the
    spread between them is the recipe's own); 94.39% (macro-F1 0.944) with 60 epochs in 45.0
    min, the five more epochs that the faster step seemed to afford on a quiet morning: no gain.
    Trained on the 55,000 train images alone: on an idle day, 38.5 min to validation 94.62%
    (flip averaging, as after every epoch), whose ten views (``test_time_shift=1``) read
    validation 94.96% and test 94.21% (93.97% with flips alone); again with the present step,
    validation 94.68% with flips, 94.88% with ten views, test 94.49%, in 47.6 min beside a CI
    run for its first ten minutes. On another day the same machine ran its epochs at ~60 s
    instead of ~42 s. On that last checkpoint, more views did not help on validation: adding the
    four diagonal 1-pixel shifts 94.80%, the four 2-pixel shifts 94.80%, both 94.72%.

    Weight averaging (``ema_decay``, off by default): batch 128's train-split run again with
    ``--set ema_decay=0.9995`` (an average over the last ~2,000 steps, ~4.7 epochs): the average
    never feeds back into training, so the run's latest weights are those of the run above
    (they read the same 94.68% and 94.88% on validation) and the two are compared on one
    trajectory. The average read validation 94.64% with flips and 94.82% with ten views (and
    test 94.21%, printed at the end of the run, against the latest weights' 94.49%), in 43.6
    min. BatchNorm statistics recomputed over 100 unaugmented train batches (scratch script)
    did not help either: 94.76% (latest weights) and 94.82% (average) with ten views; nor for
    batch 64's model (94.36% against 94.86%). With a cosine schedule that ends at zero, the
    last epochs already settle the weights.

    Inference. ``test_time_flip`` averages the class probabilities of each image and its mirror
    (``models.FlipAveraged``) at every evaluation; ``test_time_shift`` adds, for the evaluations
    after training only (``Experiment.test_model``), the image moved that many pixels up, down,
    left and right, each mirrored: ten views, five times the inference cost, too dear to pay
    after every epoch. Each was chosen on validation with the checkpoint of an earlier run:
    flips lifted the 30-epoch model from 93.92% to 94.08%, the ten views the 55-epoch one from
    94.62% to 94.96%.

    Training recipe, chosen on validation from one run of each variant on a lent GPU, every
    variant sized to fit 45 minutes of this CPU: ResNet-20 with the stride-2 stem for 30 epochs
    94.08% (with 8x8 cutout 94.16%; without label smoothing and with weight decay 1e-3, 93.80%),
    16 filters at full resolution for 7 epochs 93.40%, 24 filters for 16 epochs 93.74% (with
    cutout 94.00%), 32 filters for 10 epochs 93.26%, ResNet-32 for 18 epochs 93.74%. The 30-epoch
    config then reached 93.92% on validation (test 93.48%) on this CPU, still underfitting, so
    55 epochs, which fit the 45 minutes. A second search (H100, 12 variants at once): 8 filters
    at full resolution (``stem_strides=1``) for 32 epochs 94.68%, 20 filters for 32 epochs
    94.44%, against this config's 94.62%: no gain beyond noise, and the 8-filter network takes
    1.8x this config's time an epoch on this CPU (106 s against 58-63 s, the same day).
    Its other variants (learning rate 0.05 or 0.2, weight decay 1e-3, 12x12 cutout, 3-pixel
    crop padding, ResNet-32 for 30 epochs) were cut off by the search's time limit before their
    schedules ended, so they decide nothing. These searches ran with batch 128.

    The stride-2 stem (see ``models.ResNet``) makes the 55 epochs affordable on 2 CPU cores; the
    recipe is He et al.'s CIFAR one (SGD, Nesterov momentum 0.9, lr 0.1, weight decay 5e-4 on
    kernels only), here with batch 64, one warmup epoch, cosine decay, label smoothing 0.1,
    random crops of the 2-pixel padded image and horizontal flips; the validation split, not
    test, is what each epoch reports.
    """
    require_positive(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, num_filters=num_filters)
    require_fraction(momentum=momentum, label_smoothing=label_smoothing)
    if depth not in ARCHITECTURES:
        raise ConfigError(f"depth: expected one of {', '.join(map(repr, ARCHITECTURES))}, got {depth!r}")
    if not 0 <= warmup_epochs < epochs:
        raise ConfigError(f"warmup_epochs: expected a value in [0, epochs = {epochs}), got {warmup_epochs}")
    if not 0 <= ema_decay < 1:
        raise ConfigError(f"ema_decay: expected 0 (no averaging) or a value in (0, 1), got {ema_decay}")
    if test_time_shift < 0:
        raise ConfigError(f"test_time_shift: expected a non-negative number of pixels, got {test_time_shift}")
    if test_time_shift and not test_time_flip:
        raise ConfigError(
            f"test_time_shift: expected 0 with test_time_flip=False (shifted views are averaged with their "
            f"mirrors), got {test_time_shift}"
        )
    if train_split not in TRAIN_SPLITS:
        raise ConfigError(f"train_split: expected one of {', '.join(map(repr, TRAIN_SPLITS))}, got {train_split!r}")
    dataset = choose_source(source, FASHION_MNIST_SOURCES)

    def optimizer(steps_per_epoch: int) -> optax.GradientTransformation:
        schedule = optax.warmup_cosine_decay_schedule(
            0.0, learning_rate, warmup_steps=warmup_epochs * steps_per_epoch, decay_steps=epochs * steps_per_epoch,
        )
        return optax.chain(
            optax.add_decayed_weights(weight_decay, mask=decay_mask),
            optax.sgd(schedule, momentum=momentum, nesterov=True),
        )

    network = ARCHITECTURES[depth](num_classes=10, num_filters=num_filters, stem_strides=stem_strides)
    return Experiment(
        model=FlipAveraged(network) if test_time_flip else network,
        optimizer=optimizer,
        loss=functools.partial(softmax_cross_entropy, label_smoothing=label_smoothing),
        metrics={"accuracy": accuracy, "top_2_accuracy": functools.partial(top_k_accuracy, k=2)},
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        seed=seed,
        train_split=train_split,
        eval_split=TRAIN_SPLITS[train_split],
        augment=image_augment(crop_padding=crop_padding, flip=flip, cutout_size=cutout_size),
        test_model=FlipAveraged(network, shift=test_time_shift) if test_time_shift else None,
        xla_flags=xla_flags.PRESETS["batchnorm"],
        ema_decay=ema_decay or None,
    )
