"""PyTorch peer of `emovox bench train --model bilstm`: the same 2-layer BiLSTM (128 mels ->
128 hidden per direction, mean over time, dropout 0.3, linear 8) trained with Adam on random
log-mels. `emovox bench train --model bilstm --torch PYTHON` runs it in the same run (on its
standard input) and prints the ratio; alone: python3 benches/bilstm_torch.py [BATCH FRAMES
STEPS WARMUP] (default 64 251 5 2). Prints one JSON line."""
import json, sys, time
import torch

args = [int(a) for a in sys.argv[1:]]
B, T, STEPS, WARMUP = args + [64, 251, 5, 2][len(args):]
lstm = torch.nn.LSTM(128, 128, num_layers=2, dropout=0.3, batch_first=True, bidirectional=True)
head = torch.nn.Sequential(torch.nn.Dropout(0.3), torch.nn.Linear(256, 8))
opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
x, y = torch.randn(B, T, 128), torch.arange(B) % 8
def step():
    opt.zero_grad()
    torch.nn.functional.cross_entropy(head(lstm(x)[0].mean(1)), y).backward()
    opt.step()
for _ in range(WARMUP): step()
start = time.perf_counter()
for _ in range(STEPS): step()
s = time.perf_counter() - start
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": B, "frames": T,
                  "steps": STEPS, "ms_per_step": 1000 * s / STEPS, "samples_per_second": B * STEPS / s}))
