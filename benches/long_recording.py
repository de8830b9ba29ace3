"""Builds a long 16 kHz mono WAV from real speech for the streaming-prediction benchmark:
300 RAVDESS + SAVEE clips (fixed shuffle) resampled to 16 kHz, 0.3-1.5 s pauses between them,
repeated to the requested length.

    python3 benches/long_recording.py HOURS OUT.wav [DATA_DIR]   # needs soundfile, numpy, scipy
"""
import glob
import random
import sys

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

hours, out = float(sys.argv[1]), sys.argv[2]
data = sys.argv[3] if len(sys.argv) > 3 else "../shared/data"
files = sorted(glob.glob(f"{data}/**/*.flac", recursive=True))
random.Random(0).shuffle(files)
clips = []
for f in files[:300]:
    x, sr = sf.read(f, dtype="float32")
    if x.ndim > 1:
        x = x.mean(1)
    g = np.gcd(sr, 16000)
    clips.append(resample_poly(x, 16000 // g, sr // g).astype(np.float32))
target = int(hours * 3600 * 16000)
rng = random.Random(1)
with sf.SoundFile(out, "w", 16000, 1, "PCM_16") as w:
    n, i = 0, 0
    while n < target:
        c = clips[i % len(clips)]
        i += 1
        pause = np.zeros(int(rng.uniform(0.3, 1.5) * 16000), np.float32)
        block = np.concatenate([c, pause])[: target - n]
        w.write(block)
        n += len(block)
print(out, n / 16000 / 3600, "h")
