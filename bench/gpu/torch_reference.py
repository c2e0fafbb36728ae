"""PyTorch's pinned host<->device copy on the same machine, as the reference for the GPU bridge's numbers."""
import torch

BYTES = 256 << 20


def bandwidth(copy):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(5):
        copy()
    torch.cuda.synchronize()
    times = []
    for _ in range(20):
        start.record()
        copy()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    times.sort()
    return BYTES / (times[len(times) // 2] / 1e3) / 1e9


host = torch.randint(0, 255, (BYTES,), dtype=torch.uint8).pin_memory()
device = torch.empty(BYTES, dtype=torch.uint8, device="cuda")
h2d = bandwidth(lambda: device.copy_(host, non_blocking=True))
d2h = bandwidth(lambda: host.copy_(device, non_blocking=True))
assert torch.equal(host.cuda(), device)
print(f"{'PyTorch pinned H2D (256 MiB)':<44} {h2d:10.1f}")
print(f"{'PyTorch pinned D2H (256 MiB)':<44} {d2h:10.1f}")
