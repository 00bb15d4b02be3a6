"""A picture of a network's hidden states: the first two principal components, coloured by label.

>>> points = np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [4.0, 0.0, 1.0]])
>>> np.abs(principal_components(points)[:, 0]).round(3).tolist()  # all the spread is along x
[2.0, 0.0, 2.0]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# A scatter of more points than this is one blot; a seeded subsample shows the same shape.
MAX_POINTS = 6000


def principal_components(points: np.ndarray, count: int = 2) -> np.ndarray:
    """Coordinates of ``points`` along their first ``count`` principal axes (numpy SVD)."""
    centred = points - points.mean(0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ axes[:count].T
    if projected.shape[1] < count:  # fewer dimensions than asked: pad with zeros
        projected = np.pad(projected, ((0, 0), (0, count - projected.shape[1])))
    return projected


def plot_states(
    points: np.ndarray,
    labels: np.ndarray,
    path: Path,
    title: str,
    label_name: str,
    rng: np.random.Generator,
) -> Path:
    """Scatter the states' first two principal components, one colour per label; write a PNG."""
    import matplotlib  # slow to import: loaded by the commands that draw, not by every command

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt  # after use("Agg")

    if len(points) > MAX_POINTS:
        keep = rng.choice(len(points), MAX_POINTS, replace=False)
        points, labels = points[keep], labels[keep]
    # Jitter by a hair: exact states (one-hot, saturated units) would otherwise hide each other.
    xy = principal_components(np.asarray(points, dtype=np.float64))
    xy = xy + rng.normal(scale=1e-2 * max(1e-9, float(np.ptp(xy))), size=xy.shape)
    values = np.unique(labels)
    colours = plt.get_cmap("tab10" if len(values) <= 10 else "turbo")
    figure, axes = plt.subplots(figsize=(6.5, 5.2))
    for i, value in enumerate(values):
        chosen = labels == value
        colour = colours(i) if len(values) <= 10 else colours(i / max(1, len(values) - 1))
        axes.scatter(xy[chosen, 0], xy[chosen, 1], s=6, alpha=0.6, color=colour, label=str(value))
    axes.set_xlabel("principal component 1")
    axes.set_ylabel("principal component 2")
    axes.set_title(title, fontsize=10)
    axes.legend(title=label_name, fontsize=7, markerscale=2, ncol=1 if len(values) <= 10 else 3,
                loc="center left", bbox_to_anchor=(1.0, 0.5))  # fmt: skip
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
