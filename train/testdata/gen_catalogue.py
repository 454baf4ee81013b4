"""The catalogue issue 11 lists (items 1-5 and 7), with each class's keyword
arguments as PyTorch 1.13, torchvision 0.14 and Pillow 9.4 define them, for
train's TestConformanceCatalogue: every name must have a conformance case and
be registered, and every keyword argument must be in the class's catalogue
entry (or in the test's list of exclusions, each with its reason).

Run from the repository root with Debian's Python:

    /usr/bin/python3 train/testdata/gen_catalogue.py

The names are the issue's, written out here as it lists them (a/b/c forms
expanded); the keyword arguments come from inspect.signature of the classes
(and of PIL.Image.Image's methods for the image operations), without self,
device, dtype, *args and **kwargs. "optional" marks what the issue calls optional.
"""
import inspect
import json
import os

import PIL
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))

LAYERS = """
Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d Unfold Fold
LazyConv1d LazyConv2d LazyConv3d LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d LazyLinear
MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d MaxUnpool1d MaxUnpool2d MaxUnpool3d
FractionalMaxPool2d FractionalMaxPool3d LPPool1d LPPool2d AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d
AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d
Bilinear Identity Flatten Unflatten ZeroPad2d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d
ReplicationPad1d ReplicationPad2d ReplicationPad3d Upsample PixelShuffle ChannelShuffle
ELU Hardshrink Hardsigmoid Hardtanh Hardswish LogSigmoid PReLU ReLU6 RReLU SELU CELU GELU SiLU Mish Softplus
Softshrink Softsign Tanhshrink Threshold GLU Softmin Softmax2d
BatchNorm3d InstanceNorm1d InstanceNorm2d InstanceNorm3d GroupNorm LocalResponseNorm Dropout1d Dropout2d Dropout3d AlphaDropout
MultiheadAttention TransformerEncoderLayer TransformerEncoder
""".split()
# item 7: torchvision's architectures by class name (and LeNet5), and the
# blocks to write such networks by hand; their parameters are mlforge's
# (in_channels, num_classes), so only the names are listed.
ARCHS = "LeNet5 AlexNet VGG11 VGG11_BN VGG16 VGG16_BN ResNet18 ResNet34 ResNet50 MobileNetV2 SqueezeNet1_1 Residual Add Concat".split()
ARCHS_OPTIONAL = ["DenseNet121"]
OPTIMIZERS = "Adadelta Adamax ASGD NAdam RAdam Rprop LBFGS".split()
OPTIMIZERS_OPTIONAL = ["SparseAdam"]
SCHEDULERS = "MultiStepLR LinearLR ConstantLR PolynomialLR CyclicLR OneCycleLR CosineAnnealingWarmRestarts LambdaLR SequentialLR ChainedScheduler".split()
LOSSES = """BCELoss BCEWithLogitsLoss PoissonNLLLoss GaussianNLLLoss KLDivLoss HuberLoss HingeEmbeddingLoss SoftMarginLoss
MultiLabelSoftMarginLoss MultiLabelMarginLoss MultiMarginLoss MarginRankingLoss CosineEmbeddingLoss TripletMarginLoss""".split()
LOSSES_OPTIONAL = ["CTCLoss"]
TRANSFORMS = """ColorJitter Pad RandomAffine RandomPerspective RandomResizedCrop GaussianBlur RandomGrayscale RandomInvert
RandomPosterize RandomSolarize RandomAdjustSharpness RandomAutocontrast RandomEqualize RandomErasing FiveCrop TenCrop
RandAugment TrivialAugmentWide AutoAugment AugMix RandomApply RandomChoice RandomOrder ConvertImageDtype PILToTensor
ToPILImage LinearTransformation Grayscale""".split()
IMAGE_OPS = "convert crop resize reduce rotate transpose getchannel effect_spread filter".split()


def kwargs(fn):
    return [n for n, p in inspect.signature(fn).parameters.items()
            if n not in ("self", "device", "dtype") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def entries(names, get, optional=()):
    out = []
    for n in list(names) + list(optional):
        e = {"name": n}
        if n in optional:
            e["optional"] = True
        if get is not None:
            e["params"] = kwargs(get(n).__init__ if inspect.isclass(get(n)) else get(n))
        out.append(e)
    return out


cat = {
    "torch": torch.__version__, "torchvision": torchvision.__version__, "pillow": PIL.__version__,
    "layer": entries(LAYERS, lambda n: getattr(torch.nn, n)) + entries(ARCHS, None, ARCHS_OPTIONAL),
    "optimizer": entries(OPTIMIZERS, lambda n: getattr(torch.optim, n), OPTIMIZERS_OPTIONAL),
    "scheduler": entries(SCHEDULERS, lambda n: getattr(torch.optim.lr_scheduler, n)),
    "loss": entries(LOSSES, lambda n: getattr(torch.nn, n), LOSSES_OPTIONAL),
    "transform": entries(TRANSFORMS, lambda n: getattr(T, n)),
    "image_op": entries(IMAGE_OPS, lambda n: getattr(Image.Image, n)),
}
with open(os.path.join(HERE, "catalogue.json"), "w") as f:  # one class a line
    f.write("{\n" + ",\n".join(
        json.dumps(k) + ": " + (json.dumps(v) if not isinstance(v, list) else
                                "[\n  " + ",\n  ".join(json.dumps(e) for e in v) + "\n]")
        for k, v in cat.items()) + "\n}\n")
print({k: len(v) for k, v in cat.items() if isinstance(v, list)})
