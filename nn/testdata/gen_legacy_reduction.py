"""Generate nn/testdata/legacy_reduction.json: the reduction PyTorch 1.13's
losses take from the deprecated size_average and reduce (with and without
an explicit reduction beside them), and the warning each emits.

Run from the repository root with Debian's PyTorch 1.13:

    /usr/bin/python3 nn/testdata/gen_legacy_reduction.py

For every loss class whose constructor has size_average, each case gives
the keyword arguments (null for None), the loss module's .reduction after
construction and the warning text (null when none is emitted).
"""
import inspect
import json
import os
import warnings

import torch

ROOT = os.path.dirname(os.path.abspath(__file__))

LOSSES = [n for n in sorted(dir(torch.nn)) if inspect.isclass(getattr(torch.nn, n))
          and issubclass(getattr(torch.nn, n), torch.nn.modules.loss._Loss)
          and "size_average" in inspect.signature(getattr(torch.nn, n)).parameters and n != "NLLLoss2d"]

KWARGS = []
for sa in (None, True, False):
    for r in (None, True, False):
        for red in (None, "sum", "none"):
            kw = {}
            if sa is not None:
                kw["size_average"] = sa
            if r is not None:
                kw["reduce"] = r
            if red is not None:
                kw["reduction"] = red
            KWARGS.append(kw)

cases = []
for name in LOSSES:
    for kw in KWARGS:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            loss = getattr(torch.nn, name)(**kw)
        msgs = [str(x.message) for x in w if "size_average" in str(x.message)]
        cases.append({"loss": name, "kwargs": kw, "reduction": loss.reduction, "warning": msgs[0] if msgs else None})

with open(os.path.join(ROOT, "legacy_reduction.json"), "w") as f:
    json.dump({"torch": torch.__version__, "losses": LOSSES, "cases": cases}, f, indent=0)
