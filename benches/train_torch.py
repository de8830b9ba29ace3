"""PyTorch peers of `emovox bench train`: the same networks trained with Adam and cross entropy
on random inputs of the shapes emovox's step feeds them, 8 classes.

  bilstm       2-layer BiLSTM (128 mels -> 128 hidden per direction), mean over time,
               dropout 0.3, linear 8; input [B, FRAMES, 128]
  efficientat  EfficientAT's MobileNetV3 mn04 (width 0.4, squeeze-excitation on channels,
               MLP head); input [B, 1, 128, FRAMES]
  resnet34     torchvision's ResNet34 layout, 8-way head; input [B, 3, 128, 128]
  cnn          emovox's compact CNN (four blocks of two 3x3 conv + BatchNorm + ReLU, 2x2
               average pooling, widths 16-128, mean and max pooled, dropout 0.3); input
               [B, 1, 128, 128]

`emovox bench train --model M --torch PYTHON` runs it in the same run (on its standard input)
and prints the ratio. Alone:

  python3 benches/train_torch.py MODEL [BATCH FRAMES STEPS WARMUP]   (default 16 401 5 2)
  python3 benches/train_torch.py check FIXTURE.json MN04_WEIGHTS.pt

`check` loads EfficientAT's AudioSet weights into this mn04 and compares its logits with the
reference implementation's (emovox's fixture): the architecture timed is EfficientAT's.
Prints one JSON line."""
import json
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F


def make_divisible(v, divisor=8):
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


def conv_norm_act(inp, out, kernel, stride, groups, act):
    layers = [nn.Conv2d(inp, out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(out, eps=1e-3, momentum=0.01)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    def __init__(self, channels):
        super().__init__()
        squeeze = make_divisible(channels / 4)
        self.fc1, self.fc2 = nn.Linear(channels, squeeze), nn.Linear(squeeze, channels)

    def forward(self, x):
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * gate[:, :, None, None]


class ConcurrentSe(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conc_se_layers = nn.ModuleList([SqueezeExcitation(channels)])

    def forward(self, x):
        return self.conc_se_layers[0](x)


class InvertedResidual(nn.Module):
    def __init__(self, inp, kernel, expanded, out, se, act, stride):
        super().__init__()
        layers = []
        if expanded != inp:
            layers.append(conv_norm_act(inp, expanded, 1, 1, 1, act))
        layers.append(conv_norm_act(expanded, expanded, kernel, stride, expanded, act))
        if se:
            layers.append(ConcurrentSe(expanded))
        layers.append(conv_norm_act(expanded, out, 1, 1, 1, None))
        self.block, self.residual = nn.Sequential(*layers), stride == 1 and inp == out

    def forward(self, x):
        y = self.block(x)
        return y + x if self.residual else y


# MobileNetV3-Large: (in, kernel, expanded, out, squeeze-excitation, hardswish, stride).
BLOCKS = [(16, 3, 16, 16, False, False, 1), (16, 3, 64, 24, False, False, 2),
          (24, 3, 72, 24, False, False, 1), (24, 5, 72, 40, True, False, 2),
          (40, 5, 120, 40, True, False, 1), (40, 5, 120, 40, True, False, 1),
          (40, 3, 240, 80, False, True, 2), (80, 3, 200, 80, False, True, 1),
          (80, 3, 184, 80, False, True, 1), (80, 3, 184, 80, False, True, 1),
          (80, 3, 480, 112, True, True, 1), (112, 3, 672, 112, True, True, 1),
          (112, 5, 672, 160, True, True, 2), (160, 5, 960, 160, True, True, 1),
          (160, 5, 960, 160, True, True, 1)]


class MobileNet(nn.Module):
    """EfficientAT mn (state-dict names as EfficientAT's) at `width`."""

    def __init__(self, width=0.4, classes=527, dropout=0.2):
        super().__init__()
        ch = lambda c: make_divisible(c * width)
        features = [conv_norm_act(1, ch(16), 3, 2, 1, nn.Hardswish)]
        for inp, kernel, expanded, out, se, hs, stride in BLOCKS:
            act = nn.Hardswish if hs else nn.ReLU
            features.append(InvertedResidual(ch(inp), kernel, ch(expanded), ch(out), se, act, stride))
        features.append(conv_norm_act(ch(160), 6 * ch(160), 1, 1, 1, nn.Hardswish))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6 * ch(160), ch(1280)),
                                        nn.Hardswish(), nn.Dropout(dropout), nn.Linear(ch(1280), classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    def __init__(self, inp, out, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False), nn.BatchNorm2d(out)
        self.conv2, self.bn2 = nn.Conv2d(out, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out)
        self.downsample = None
        if stride != 1 or inp != out:
            self.downsample = nn.Sequential(nn.Conv2d(inp, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet34(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)
        stages, inp = [], 64
        for out, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            stages.append(nn.Sequential(*[BasicBlock(inp if i == 0 else out, out, stride if i == 0 else 1)
                                          for i in range(blocks)]))
            inp = out
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.mean((2, 3)))


class Cnn(nn.Module):
    def __init__(self, classes, width=16, dropout=0.3):
        super().__init__()
        blocks, inp = [], 1
        for out in [width, 2 * width, 4 * width, 8 * width]:
            blocks += [nn.Conv2d(inp, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU(),
                       nn.Conv2d(out, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU(),
                       nn.AvgPool2d(2, 2)]
            inp = out
        self.blocks, self.dropout, self.fc = nn.Sequential(*blocks), nn.Dropout(dropout), nn.Linear(2 * inp, classes)

    def forward(self, x):
        x = self.blocks(x).flatten(2)
        return self.fc(self.dropout(torch.cat([x.mean(2), x.amax(2)], 1)))


class BiLstm(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.lstm = nn.LSTM(128, 128, num_layers=2, dropout=0.3, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(256, classes))

    def forward(self, x):
        return self.head(self.lstm(x)[0].mean(1))


def network_and_input(model, batch, frames):
    if model == "bilstm":
        return BiLstm(8), torch.randn(batch, frames, 128)
    if model == "efficientat":
        return MobileNet(classes=8), torch.randn(batch, 1, 128, frames)
    if model == "resnet34":
        return ResNet34(8), torch.randn(batch, 3, 128, 128)
    if model == "cnn":
        return Cnn(8), torch.randn(batch, 1, 128, 128)
    raise SystemExit(f"unknown model {model}: bilstm, efficientat, resnet34 or cnn")


def bench(model, batch, frames, steps, warmup):
    net, x = network_and_input(model, batch, frames)
    y = torch.arange(batch) % 8
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    s = time.perf_counter() - start
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "model": model, "batch": batch,
            "frames": frames, "steps": steps, "ms_per_step": 1000 * s / steps, "samples_per_second": batch * steps / s}


def check(fixture, weights):
    net = MobileNet()
    state = torch.load(weights, map_location="cpu")
    state = state.get("model", state) if isinstance(state, dict) else state
    net.load_state_dict({k: v.float() for k, v in state.items()})
    net.eval()
    worst = 0.0
    with torch.no_grad():
        for case in json.load(open(fixture))["cases"]:
            x = torch.tensor(case["logmel_normalised"]).reshape(1, 1, *case["logmel_shape"])
            want = torch.tensor(case["logits"])
            got = net(x)[0]
            worst = max(worst, float((got - want).abs().max() / want.abs().max()))
    return {"check": "efficientat mn04 logits vs the reference", "max_relative_error": worst, "ok": worst < 1e-3}


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "check":
        print(json.dumps(check(args[1], args[2])))
    else:
        model = args[0] if args else "efficientat"
        batch, frames, steps, warmup = [int(a) for a in args[1:]] + [16, 401, 5, 2][len(args[1:]):]
        print(json.dumps(bench(model, batch, frames, steps, warmup)))
