"""Benchmark of chapter 07: training and inference cost of the standard vs the symmetric diffusion ResNet.

Run:  python benchmarks/bench_training.py
Problem: the chapter's defaults -- make_denoising_data(signals=400, size=128, noise=0.1, seed=0, kind="mixed")
(280 train / 60 validation / 60 test signals), C = 16 channels, kernel size 3, batch size 32, Adam 3e-3,
30 epochs, float32 on the CPU with torch's default thread count. Models: (a) standard_resnet with 4 blocks,
(b) diffusion_resnet with 4 blocks (about half the parameters), (b2) diffusion_resnet with 8 blocks (about
the parameter count of (a)).
Measured side by side in this run: seconds per training epoch (median of 5 epochs after 1 warm-up),
inference milliseconds per signal (median of 20 forward passes over the 60 test signals, no autograd),
peak tensor memory of one training epoch (torch's profiler with profile_memory: the running sum of every
op's allocations minus releases, in time order; the interpreter and torch themselves are not counted),
then the whole 30-epoch training of the three models with test PSNR.
Target (issue 07): the three trainings together <= 90 s on 2 cores, so that the notebook fits in 3 minutes.
The machines are shared and noisy: compare the ratios.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch.profiler import ProfilerActivity, profile

from pdelib.nets.denoisers import diffusion_resnet, standard_resnet
from pdelib.denoising import make_denoising_data
from pdelib.nets.resnet import parameter_count
from pdelib.nets.training import evaluate, noisy_baseline, train

TARGET_SECONDS = 90.0
SIZE, CHANNELS, BLOCKS, EPOCHS = 128, 16, 4, 30
MODELS = {
    "(a) standard": lambda: standard_resnet(CHANNELS, BLOCKS),
    "(b) symmetric": lambda: diffusion_resnet(SIZE, CHANNELS, BLOCKS),
    "(b2) symmetric, 2x blocks": lambda: diffusion_resnet(SIZE, CHANNELS, 2 * BLOCKS),
}


def chapter_data():
    return make_denoising_data(signals=400, size=SIZE, noise=0.1, seed=0)


def seconds_per_epoch(name: str, data) -> float:
    model = MODELS[name]()
    train(model, data, epochs=1, device="cpu")  # warm-up
    times = []
    for _ in range(5):
        times.append(train(model, data, epochs=1, device="cpu").seconds)
    return statistics.median(times)


def inference_ms_per_signal(name: str, data) -> float:
    model = MODELS[name]().eval()
    noisy = torch.as_tensor(data.test.noisy, dtype=torch.float32)[:, None, :]
    times = []
    with torch.no_grad():
        model(noisy)
        for _ in range(20):
            start = time.perf_counter()
            model(noisy)
            times.append(time.perf_counter() - start)
    return statistics.median(times) / noisy.shape[0] * 1e3


def peak_training_memory_mb(model) -> float:
    """Peak of the tensor memory allocated while training one epoch: torch's profiler records every CPU
    allocation and release (``self_cpu_memory_usage`` per op); their running sum in time order peaks here."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        train(model, chapter_data(), epochs=1, device="cpu")
    events = sorted((event for event in profiler.events() if event.self_cpu_memory_usage),
                    key=lambda event: event.time_range.start)
    level = peak = 0
    for event in events:
        level += event.self_cpu_memory_usage
        peak = max(peak, level)
    return peak / 2**20


def main() -> None:
    data = chapter_data()
    print(f"chapter 07 training benchmark: {data!r}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'model':<26} | {'parameters':>10} | {'s / epoch':>9} | {'ms / signal':>11} | {'peak MB':>7}")
    for name in MODELS:
        epoch = seconds_per_epoch(name, data)
        inference = inference_ms_per_signal(name, data)
        memory = peak_training_memory_mb(MODELS[name]())
        print(f"{name:<26} | {parameter_count(MODELS[name]()):>10} | {epoch:>9.3f} | {inference:>11.4f} | {memory:>7.1f}")

    print(f"\nfull training, {EPOCHS} epochs each (test PSNR, signal range 1):")
    baseline = noisy_baseline(data.test)
    print(f"{'noisy input':<26} | {'':>10} | {'':>9} | PSNR {baseline['psnr']:6.2f} dB | MSE {baseline['mse']:.5f}")
    total = 0.0
    for name in MODELS:
        model = MODELS[name]()
        history = train(model, data, epochs=EPOCHS, device="cpu")
        total += history.seconds
        result = evaluate(model, data.test)
        print(f"{name:<26} | {parameter_count(model):>10} | {history.seconds:>8.1f}s | "
              f"PSNR {result['psnr']:6.2f} dB | MSE {result['mse']:.5f}")
    verdict = "ok" if total <= TARGET_SECONDS else "ABOVE TARGET"
    print(f"three trainings together: {total:.1f} s (target <= {TARGET_SECONDS:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
