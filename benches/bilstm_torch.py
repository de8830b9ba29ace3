"""PyTorch peer of `emovox bench train --model bilstm`: the same 2-layer BiLSTM (128 mels ->
128 hidden per direction, mean over time, dropout 0.3, linear 8) trained with Adam on random
log-mels, batch 64 x 251 frames. Prints samples/s. Run: python3 benches/bilstm_torch.py"""
import sys, time
import torch

B, T, STEPS, WARMUP = 64, 251, 5, 2
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
print(f"torch {torch.__version__} threads {torch.get_num_threads()}: {1000 * s / STEPS:.0f} ms/step, {B * STEPS / s:.1f} samples/s", file=sys.stderr)
