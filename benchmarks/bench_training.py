"""Training speed of ResNetClassifier against a minimal hand-written PyTorch loop.

Both train the Table 1 network (:class:`skmrs.models.ResNet1D`) with Adam at
batch size 32 on the same random spectra, in this one process, with the same
number of torch threads. Runs alternate (loop, classifier, loop, ...) after a
warm-up, and the best of ``--repeats`` is kept for each, so that load from
other processes penalises both alike. Prints samples/s of each and their
ratio, inference spectra/s, and the achieved training FLOP/s beside the
machine's float32 matmul FLOP/s.

Run from the repository root::

    python benchmarks/bench_training.py --threads 2
    python benchmarks/bench_training.py --device cuda --n-samples 20000

``--record PATH`` writes the figures as a record of ``benchmarks/results``
(one row; random spectra, so ``"uses_cohort": false``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from skmrs import ResNetClassifier
from skmrs.models import ResNet1D


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_flops(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    """Measured float32 matmul FLOP/s (2 n^3 per product)."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def forward_flops(n_times: int = 288, **net) -> int:
    """FLOPs (2 per multiply-add) of one spectrum's forward pass."""
    net = ResNet1D(n_times=n_times, **net).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(torch.zeros(1, n_times))
    return counter.get_total_flops()


def train_loop(X, y, epochs, batch_size, device, seed=0, **net) -> float:
    """The minimal hand-written loop; returns the seconds it trained."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    net = ResNet1D(n_times=X.shape[1], **net).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    X = torch.as_tensor(X, device=device)
    y = torch.as_tensor(y, device=device)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), device=device)
        for i in range(0, len(X), batch_size):
            batch = order[i : i + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(net(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
    _sync(device)
    return time.perf_counter() - start


def train_classifier(X, y, epochs, batch_size, device, seed=0, **net):
    """ResNetClassifier.fit; returns the seconds it took and the classifier."""
    start = time.perf_counter()
    clf = ResNetClassifier(
        max_epochs=epochs,
        batch_size=batch_size,
        device=device,
        random_state=seed,
        **net,
    ).fit(X, y)
    _sync(device)
    return time.perf_counter() - start, clf


def train_skorch_default(X, y, epochs, batch_size, device, seed=0, **net) -> float:
    """An out-of-the-box skorch net (DataLoader path), for reference."""
    from skorch import NeuralNetClassifier

    start = time.perf_counter()
    torch.manual_seed(seed)
    NeuralNetClassifier(
        ResNet1D,
        module__n_times=X.shape[1],
        **{f"module__{key}": value for key, value in net.items()},
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        device=str(device),
        verbose=0,
    ).fit(X, y)
    _sync(device)
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-filters", type=int, default=16, help="default: Table 1")
    parser.add_argument("--n-blocks", type=int, default=8)
    parser.add_argument("--kernel-size", type=int, default=32)
    parser.add_argument(
        "--skorch-default",
        action="store_true",
        help="also time an out-of-the-box skorch NeuralNetClassifier",
    )
    parser.add_argument("--record", help="write the figures as a record (JSON)")
    parser.add_argument(
        "--load", default="", help="the machine's load, in words, for the record"
    )
    args = parser.parse_args(argv)

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.n_samples, 288)).astype(np.float32)
    y = rng.integers(0, 2, size=args.n_samples)
    n_trained = args.n_samples * args.epochs
    net = dict(
        n_filters=args.n_filters, n_blocks=args.n_blocks, kernel_size=args.kernel_size
    )

    print(
        f"torch {torch.__version__}, device {device}, "
        f"{torch.get_num_threads()} threads, {args.n_samples} spectra x "
        f"{args.epochs} epoch(s), batch {args.batch_size}, network {net}"
    )
    # Warm-up: allocators, oneDNN/cuDNN kernel choice, lazy imports.
    train_loop(X[:256], y[:256], 1, args.batch_size, device, **net)
    train_classifier(X[:256], y[:256], 1, args.batch_size, device, **net)

    loop_s, clf_s, skorch_s = [], [], []
    for _ in range(args.repeats):
        loop_s.append(train_loop(X, y, args.epochs, args.batch_size, device, **net))
        seconds, clf = train_classifier(
            X, y, args.epochs, args.batch_size, device, **net
        )
        clf_s.append(seconds)
        if args.skorch_default:
            skorch_s.append(
                train_skorch_default(X, y, args.epochs, args.batch_size, device, **net)
            )

    loop_rate = n_trained / min(loop_s)
    clf_rate = n_trained / min(clf_s)
    print(f"hand-written loop : {loop_rate:8.1f} samples/s (best of {args.repeats})")
    print(f"ResNetClassifier  : {clf_rate:8.1f} samples/s (best of {args.repeats})")
    print(f"ratio             : {clf_rate / loop_rate:8.3f}")
    pairs = ", ".join(f"{a / b:.3f}" for a, b in zip(loop_s, clf_s))
    print(f"ratio per repeat  : {pairs}")
    skorch_rate = None
    if skorch_s:
        skorch_rate = n_trained / min(skorch_s)
        print(
            f"skorch default    : {skorch_rate:8.1f} samples/s, ratio "
            f"{skorch_rate / loop_rate:.3f}"
        )

    clf.predict_proba(X[:256])
    start = time.perf_counter()
    clf.predict_proba(X)
    _sync(device)
    inference = len(X) / (time.perf_counter() - start)
    print(f"inference         : {inference:8.1f} spectra/s")

    fwd = forward_flops(**net)
    achieved = 3 * fwd * clf_rate
    peak = matmul_flops(device)
    print(f"forward           : {fwd / 2 / 1e6:8.3g} M multiply-adds per spectrum")
    print(f"training          : {achieved / 1e9:8.1f} GFLOP/s (3 x forward)")
    print(
        f"float32 matmul    : {peak / 1e9:8.1f} GFLOP/s "
        f"(training reaches {achieved / peak:.0%} of it)"
    )
    if args.record:
        row = {
            "network": "Table 1"
            if net == TABLE_1
            else "{n_filters} filters, {n_blocks} blocks, kernel {kernel_size}".format(
                **net
            ),
            "threads": torch.get_num_threads(),
            "device": str(device),
            "n_samples": args.n_samples,
            "loop_per_s": loop_rate,
            "classifier_per_s": clf_rate,
            "ratio": clf_rate / loop_rate,
            "ratio_per_repeat": " ".join(f"{a / b:.2f}" for a, b in zip(loop_s, clf_s)),
            "skorch_per_s": skorch_rate,
            "skorch_ratio": None if skorch_rate is None else skorch_rate / loop_rate,
            "inference_per_s": inference,
            "training_gflops": achieved / 1e9,
            "matmul_gflops": peak / 1e9,
        }
        _write_record(args.record, row, args.load)


TABLE_1 = dict(n_filters=16, n_blocks=8, kernel_size=32)


def _write_record(path, row, load):
    from _records import record_header, save_record

    header = record_header(
        "training samples/s of ResNetClassifier and of a minimal hand-written "
        "PyTorch loop (best of the repeats, alternated in one process), their "
        "ratio, inference spectra/s, achieved training and float32 matmul "
        "GFLOP/s, on random spectra",
    )
    header["machine"] += f", torch {torch.__version__}"
    record = {**header, "uses_cohort": False, "load": load or "not stated"}
    save_record(path, {**record, "rows": [row]})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
