"""Post-hoc screens on the shipped F24 members (issue 13, 2026-12-03).

Input: JSON files written by `examples/dump_probs.rs` (commit in README of this folder): for
each member of weights/default, its class probabilities on its validation speakers (fold i+1)
and its test speakers (fold i). Prints per-fold UAR with and without a class-bias calibration
fitted on the validation speakers, and writes summary.json.

Calibration: offsets b (8 numbers) added to the log-probabilities, fitted by minimising the
class-balanced cross-entropy of softmax(log p + b) on the validation clips (convex; gradient
descent, 2000 steps of 0.5), then applied unchanged to the test clips.
"""
import json, sys
import numpy as np

K = 8


def uar(logp, y):
    pred = logp.argmax(1)
    return float(np.mean([(pred[y == c] == c).mean() for c in range(K) if (y == c).any()]))


def fit_bias(logp, y, steps=2000, lr=0.5):
    n = np.bincount(y, minlength=K).astype(float)
    w = (1 / np.maximum(n, 1))[y]
    w /= w.sum()
    b = np.zeros(K)
    onehot = np.eye(K)[y]
    for _ in range(steps):
        z = logp + b
        z -= z.max(1, keepdims=True)
        q = np.exp(z)
        q /= q.sum(1, keepdims=True)
        b -= lr * (w[:, None] * (q - onehot)).sum(0)
    return b - b.mean()


def screen(path):
    plain, calibrated = [], []
    for member in json.load(open(path)):
        lv = np.log(np.maximum(np.array(member["val"]["p"]), 1e-9))
        lt = np.log(np.maximum(np.array(member["test"]["p"]), 1e-9))
        yv, yt = np.array(member["val"]["y"]), np.array(member["test"]["y"])
        plain.append(uar(lt, yt))
        calibrated.append(uar(lt + fit_bias(lv, yv), yt))
    return plain, calibrated


if __name__ == "__main__":
    summary = {}
    for arg in sys.argv[1:]:
        name, path = arg.split("=", 1)
        plain, calibrated = screen(path)
        summary[name] = {"plain": plain, "calibrated": calibrated}
        for label, v in (("plain", plain), ("calibrated", calibrated)):
            print(f"{name:<28} {label:<11} {' '.join(f'{x:.3f}' for x in v)}  "
                  f"mean {np.mean(v):.3f} ± {np.std(v, ddof=1):.3f}")
    json.dump(summary, open("summary.json", "w"), indent=1)
