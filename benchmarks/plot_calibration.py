"""The calibration trade-off: distillation yield against the SVC's AUC.

Reads ``benchmarks/results/calibration_h200.json`` (the sweep of
docs/simulator.rst, written from ``bench_calibration.py``'s job records) and
writes ``docs/_static/calibration_tradeoff.png``::

    python benchmarks/plot_calibration.py
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main():
    runs = json.loads((ROOT / "benchmarks/results/calibration_h200.json").read_text())
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.add_patch(Rectangle((25, 0.60), 10, 0.06, color="tab:green", alpha=0.15, lw=0))
    ax.text(25.5, 0.605, "paper's bands", fontsize=8, color="tab:green")
    colours = {0.0: "tab:blue", 0.1: "tab:orange", 0.2: "tab:red", 0.3: "tab:purple"}
    for run in runs["runs"]:
        p, distilled = run["parameters"], run.get("distiller", {}).get("{}")
        if "svc" not in run or distilled is None:
            continue
        share = 100 * distilled["kept"] / distilled["n"]
        minority = min(distilled["non_tumour"], distilled["tumour"])
        both = minority >= 0.2 * max(distilled["kept"], 1)
        colour = colours.get(p["field_effect"], "tab:brown")
        ax.scatter(
            share,
            run["svc"]["auc"],
            color=colour,
            marker="o" if both else "x",
            s=45,
            label=f"field_effect={p['field_effect']:g}",
        )
        ax.annotate(
            f"{p['exam_artefacts']:g}",
            (share, run["svc"]["auc"]),
            textcoords="offset points",
            xytext=(5, 3),
            fontsize=8,
        )
    ax.scatter(30, 0.63, marker="*", color="k", s=140, label="paper")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper right")
    ax.set_xlabel("share the paper's distiller keeps at E = 5 (%)")
    ax.set_ylabel("SVC voxel AUC, noisy labels, 10-fold")
    ax.set_title(
        "Calibration sweep (label: exam_artefacts; x: under 20 % of it non-tumour)",
        fontsize=9,
    )
    fig.tight_layout()
    out = ROOT / "docs" / "_static" / "calibration_tradeoff.png"
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
