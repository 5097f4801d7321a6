"""The paper's protocol with the batched engine and the sequential path, timed.

Runs :func:`skmrs.benchmark.run_benchmark` on the paper preset (10-fold
GroupKFold over patients x 2 seeds; all seven rows of Table 2; the default
7442-spectrum simulated cohort) twice in one process: once with
``engine="batched"`` (every network row's jobs of all folds and seeds as one
batched computation per model, :func:`skmrs.classification.fit_resnets`) and
once with ``engine="sequential"`` (one skorch fit per job). SVM and RF do not
depend on the engine, so the sequential pass leaves them out unless
``--sequential-all`` is given. Prints, per pass, the wall time, per-model
training time and training samples/s, the device name, AUC mean +- sd (the
two passes must agree), then the training throughput of one network at
batch 32 beside the device's measured dense float32 matmul FLOP/s.
``--bf16`` and ``--compile`` add batched runs of the ResNet rows in
bfloat16 autocast and under ``torch.compile``, with their AUC.

Run from the repository root. The paper preset, meant for a GPU::

    python benchmarks/bench_protocol.py --device cuda --bf16 --n-jobs 8

A reduced smoke test on a CPU::

    python benchmarks/bench_protocol.py --device cpu --threads 2 \\
        --n-patients 40 --n-splits 4 --seeds 0 1 --max-epochs 1 \\
        --n-filters 8 --n-blocks 4 --kernel-size 15 --models ResNet
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

# Run as a script, its folder is on sys.path: one FLOP counter for both benchmarks.
from bench_training import _sync, forward_flops, matmul_flops

from skmrs import ResNetClassifier
from skmrs.benchmark import BatchedEngine, default_models, run_benchmark
from skmrs.classification import fit_resnets
from skmrs.datasets import make_mrs_cohort
from skmrs.model_selection import patient_splits

NETWORK_MODELS = (
    "ResNet",
    "Noise",
    "DistillMix-same",
    "DistillMix-other",
    "DistillMix-both",
)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or platform.machine()
    return f"CPU {cpu}, {torch.get_num_threads()} torch threads"


def one_network_rate(X, y, params: dict, device: torch.device) -> dict:
    """Samples/s of one network at batch 32: ResNetClassifier and fit_resnets."""
    params = {**params, "max_epochs": 1, "batch_size": 32, "random_state": 0}
    rates = {}
    for name, fit in [
        ("ResNetClassifier.fit", lambda est: est.fit(X, y)),
        ("fit_resnets, K=1", lambda est: fit_resnets([est], X, y)),
    ]:
        fit(ResNetClassifier(**params).set_params(max_epochs=1))  # warm-up
        _sync(device)
        start = time.perf_counter()
        fit(ResNetClassifier(**params))
        _sync(device)
        rates[name] = len(X) / (time.perf_counter() - start)
    return rates


def trained_samples(result, splits, n_train_epochs) -> dict:
    """Spectra x epochs per model (plain networks; DistillMix counts its input)."""
    out = {}
    for r in result.records:
        n = len(splits[r["fold"]][0]) * n_train_epochs.get(r["model"], 0)
        out[r["model"]] = out.get(r["model"], 0) + n
    return out


def report(label, result, wall, samples) -> None:
    print(f"\n== {label}: wall {wall:.1f} s ==")
    print(f"{'model':18s}{'fit s (sum)':>12s}{'samples/s':>12s}{'AUC':>18s}")
    for row in result.summary():
        model = row["model"]
        fit_s = sum(r["fit_time"] for r in result.records if r["model"] == model)
        rate = f"{samples[model] / fit_s:12.0f}" if samples.get(model) else f"{'':12s}"
        auc = f"{row['roc_auc_mean']:.4f} +- {row['roc_auc_sd']:.4f}"
        print(f"{model:18s}{fit_s:12.1f}{rate}{auc:>18s}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-patients", type=int, default=435, help="default: paper")
    parser.add_argument("--n-splits", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-epochs", type=int, default=5)
    parser.add_argument("--distill-epochs", type=int, default=5)
    parser.add_argument("--n-filters", type=int, default=16, help="default: Table 1")
    parser.add_argument("--n-blocks", type=int, default=8)
    parser.add_argument("--kernel-size", type=int, default=32)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--n-jobs", type=int, default=None, help="joblib jobs")
    parser.add_argument(
        "--models",
        nargs="+",
        default=["SVM", "RF", *NETWORK_MODELS],
        help="rows of Table 2 to run",
    )
    parser.add_argument(
        "--sequential-all",
        action="store_true",
        help="also rerun SVM and RF in the sequential pass",
    )
    parser.add_argument(
        "--skip-sequential", action="store_true", help="batched pass only"
    )
    parser.add_argument("--bf16", action="store_true", help="also ResNet in bf16")
    parser.add_argument(
        "--compile", action="store_true", help="also ResNet under torch.compile"
    )
    args = parser.parse_args(argv)

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu")
        if args.device == "auto"
        else args.device
    )
    net = dict(
        n_filters=args.n_filters,
        n_blocks=args.n_blocks,
        kernel_size=args.kernel_size,
        max_epochs=args.max_epochs,
        device=str(device),
    )
    start = time.perf_counter()
    cohort = make_mrs_cohort(n_patients=args.n_patients, random_state=0)
    X, y, groups = cohort.data.astype(np.float32), cohort.target, cohort.groups
    print(
        f"torch {torch.__version__}; device: {device_name(device)}; "
        f"cohort {len(X)} spectra of {args.n_patients} patients "
        f"({time.perf_counter() - start:.1f} s to simulate); "
        f"{args.n_splits}-fold GroupKFold x seeds {args.seeds}; network {net}"
    )

    all_models = default_models("paper", distill_epochs=args.distill_epochs)
    models = {}
    for name in args.models:
        models[name] = all_models[name]
        if name in NETWORK_MODELS:
            keys = models[name].get_params(deep=True)
            models[name].set_params(**{
                key: value for k, value in net.items() for key in keys
                if key == k or key.endswith(f"__{k}")
            })  # fmt: skip
    common = dict(
        n_splits=args.n_splits, seeds=tuple(args.seeds), y_true=cohort.target_true
    )
    splits, _ = patient_splits(args.n_splits, X, y, groups)
    epochs = {"ResNet": args.max_epochs}

    # Warm-up of both paths: allocators, oneDNN/cuDNN kernel choice, imports.
    warm = dict(net, max_epochs=1, random_state=0)
    ResNetClassifier(**warm).fit(X[:64], y[:64])
    fit_resnets([ResNetClassifier(**warm)], X[:64], y[:64])

    start = time.perf_counter()
    batched = run_benchmark(
        X, y, groups, models, engine="batched", n_jobs=args.n_jobs, **common
    )
    _sync(device)
    wall_batched = time.perf_counter() - start
    report("engine='batched'", batched, wall_batched,
           trained_samples(batched, splits, epochs))  # fmt: skip

    if not args.skip_sequential:
        seq_models = {
            name: model
            for name, model in models.items()
            if args.sequential_all or name in NETWORK_MODELS
        }
        start = time.perf_counter()
        sequential = run_benchmark(
            X, y, groups, seq_models, engine="sequential", n_jobs=args.n_jobs,
            **common,
        )  # fmt: skip
        _sync(device)
        wall_seq = time.perf_counter() - start
        report("engine='sequential'", sequential, wall_seq,
               trained_samples(sequential, splits, epochs))  # fmt: skip
        if "ResNet" in models:
            t_b = sum(r["fit_time"] for r in batched.records if r["model"] == "ResNet")
            t_s = sum(
                r["fit_time"] for r in sequential.records if r["model"] == "ResNet"
            )
            diff = max(
                np.abs(batched.predictions[k] - sequential.predictions[k]).max()
                for k in sequential.predictions
                if k[0] == "ResNet"
            )
            print(
                f"\nResNet rows: batched {t_b:.1f} s, sequential {t_s:.1f} s, "
                f"speed-up {t_s / t_b:.2f}x; largest difference of an "
                f"out-of-fold probability between engines: {diff:.2g}"
            )

    if "ResNet" in models and (args.bf16 or args.compile):
        variants = [("bf16", "bf16", False)] if args.bf16 else []
        if args.compile:
            variants.append(("compile", "float32", True))
        for label, precision, compile_ in variants:
            start = time.perf_counter()
            engine = BatchedEngine(precision=precision, compile=compile_)
            variant = run_benchmark(
                X, y, groups, {"ResNet": models["ResNet"]}, engine=engine, **common
            )
            _sync(device)
            seconds = time.perf_counter() - start
            auc = np.array([r["roc_auc"] for r in variant.records])
            auc_true = np.array([r["roc_auc_true"] for r in variant.records])
            ref = np.array(
                [r["roc_auc"] for r in batched.records if r["model"] == "ResNet"]
            )
            print(
                f"ResNet batched {label:8s}: {seconds:.1f} s; AUC "
                f"{auc.mean():.4f} +- {auc.std():.4f} (float32: {ref.mean():.4f}; "
                f"per-fold change {np.mean(auc - ref):+.4f} "
                f"+- {np.std(auc - ref):.4f}); "
                f"AUC (true) {auc_true.mean():.4f}"
            )

    n = min(len(X), 4096 if device.type == "cuda" else 1024)
    rates = one_network_rate(X[:n], y[:n], net, device)
    flops = 3 * forward_flops(
        X.shape[1], **{k: net[k] for k in ("n_filters", "n_blocks", "kernel_size")}
    )
    peak = matmul_flops(device, n=4096 if device.type == "cuda" else 1024)
    print(f"\nOne network, batch 32, {n} spectra, on {device_name(device)}:")
    for name, rate in rates.items():
        print(
            f"  {name:22s}: {rate:9.0f} samples/s = {rate * flops / 1e9:8.1f} GFLOP/s "
            f"({rate * flops / peak:.1%} of the matmul rate)"
        )
    print(f"  dense float32 matmul  : {peak / 1e9:9.1f} GFLOP/s measured")


if __name__ == "__main__":
    main()
