"""Plotly figures for the app: learning curves, confusion heat maps, per-class bars, probability bars.

Every builder takes plain data (a card's report dict, a history list, a probabilities dict) and returns a
`plotly.graph_objects.Figure`; nothing here touches Streamlit, files or models.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas  # noqa: F401  plotly imports pandas lazily; two sessions drawing their first figure at once
# would race on that import ("partially initialized module 'pandas'"), so import it up front
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from .labels import EMOTION_HEX, EMOTIONS
from .metrics import label_shares

TRAIN_COLOR, VAL_COLOR, LR_COLOR = "#1f77b4", "#ff7f0e", "#2ca02c"
METRICS = ("precision", "recall", "f1")
VERSION_PALETTE = qualitative.D3  # versions; the labels' own bars are light grey
LABELS_COLOR = "lightgrey"
UNLIKELY_OPACITY = 0.4  # the probability bars other than the most likely one


def _layout(fig: go.Figure, title: str, height: int = 380, bottom: int = 60) -> go.Figure:
    """Title, height, and the legend right of the plot, outside it (the figure's margin grows to fit it): never
    over an axis, its ticks or its title, and clear of the chart's title."""
    fig.update_layout(title=title, height=height, margin=dict(l=40, r=20, t=60, b=bottom),
                      legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"))
    return fig


def version_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per version, by its place in `names`: a page passes the same mapping to each of its charts."""
    return {name: VERSION_PALETTE[i % len(VERSION_PALETTE)] for i, name in enumerate(names)}


def _colors_for(names: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    return {**version_colors(list(names)), **(colors or {})}


def _column(history: Sequence[Mapping], key: str) -> list:
    return [row.get(key) for row in history]


def learning_curves(history: Sequence[Mapping], title: str = "Learning curves") -> go.Figure:
    """Loss and accuracy (train vs validation) and the learning rate, per epoch, side by side."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("Loss", "Accuracy", "Learning rate"))
    epochs = _column(history, "epoch")
    for col, metric in ((1, "loss"), (2, "acc")):
        for split, color in (("train", TRAIN_COLOR), ("val", VAL_COLOR)):
            fig.add_trace(go.Scatter(x=epochs, y=_column(history, f"{split}_{metric}"), mode="lines+markers",
                                     name=f"{split} {metric}", legendgroup=split, line=dict(color=color)),
                          row=1, col=col)
    fig.add_trace(go.Scatter(x=epochs, y=_column(history, "lr"), mode="lines+markers", name="learning rate",
                             line=dict(color=LR_COLOR)), row=1, col=3)
    fig.update_xaxes(title_text="epoch", dtick=max(1, len(history) // 10))
    return _layout(fig, title, 420)


def confusion_heatmap(report: Mapping, normalized: bool = False, labels: Sequence[str] = EMOTIONS,
                      title: str | None = None) -> go.Figure:
    """The confusion matrix (rows = true class) as counts or row-normalised shares."""
    key = "confusion_normalized" if normalized else "confusion"
    z = np.asarray(report[key], dtype=float).tolist()  # lists: plotly would otherwise send a binary blob
    text = [[f"{v:.2f}" if normalized else f"{int(v)}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=list(labels), y=list(labels), text=text, texttemplate="%{text}",
                               colorscale="Blues", zmin=0, zmax=1 if normalized else None,
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(title_text="true", autorange="reversed")
    fig.update_xaxes(title_text="predicted")
    return _layout(fig, title or ("Confusion matrix (row-normalised)" if normalized else "Confusion matrix (counts)"),
                   480, bottom=50)


def per_class_bars(report: Mapping, title: str = "Per-class precision, recall and F1") -> go.Figure:
    """Grouped bars: precision, recall and F1 for each class of one report."""
    per_class = report["per_class"]
    labels = list(per_class)
    fig = go.Figure([go.Bar(name=metric, x=labels, y=[per_class[c][metric] for c in labels]) for metric in METRICS])
    fig.update_layout(barmode="group", yaxis=dict(range=[0, 1], title="score"))
    return _layout(fig, title)


def grouped_f1_bars(reports: Mapping[str, Mapping], title: str = "Per-class F1 by version",
                    colors: Mapping[str, str] | None = None) -> go.Figure:
    """Grouped bars: one group per class, one bar per version ({version name: report}) in its colour."""
    colors = _colors_for(list(reports), colors)
    fig = go.Figure()
    for name, report in reports.items():
        per_class = report["per_class"]
        fig.add_trace(go.Bar(name=name, x=list(per_class), y=[v["f1"] for v in per_class.values()],
                             marker_color=colors[name]))
    fig.update_layout(barmode="group", yaxis=dict(range=[0, 1], title="F1"))
    return _layout(fig, title)


def class_share_bars(reports: Mapping[str, Mapping], title: str = "How often each version says each emotion",
                     colors: Mapping[str, str] | None = None) -> go.Figure:
    """Grouped bars of predicted class shares, one bar per version ({version name: report with "predicted_share"}),
    after the labels' own shares (the first report's support): a version far above them on neutral hedges, one
    near zero on disgust cannot see it."""
    colors = _colors_for(list(reports), colors)
    reports = {name: r for name, r in reports.items() if "predicted_share" in r}
    fig = go.Figure()
    if reports:
        fig.add_trace(go.Bar(name="labels", x=list(EMOTIONS), marker_color=LABELS_COLOR,
                             y=label_shares(next(iter(reports.values())))))
    for name, report in reports.items():
        fig.add_trace(go.Bar(name=name, x=list(EMOTIONS), y=[report["predicted_share"][e] for e in EMOTIONS],
                             marker_color=colors[name]))
    fig.update_layout(barmode="group", yaxis=dict(tickformat=".0%", title="share of the faces"))
    return _layout(fig, title)


def confusion_difference(report_a: Mapping, report_b: Mapping, name_a: str = "A", name_b: str = "B",
                         labels: Sequence[str] = EMOTIONS) -> go.Figure:
    """Row-normalised confusion of B minus A: blue where B puts more of a true class, red where less."""
    diff = np.asarray(report_b["confusion_normalized"], float) - np.asarray(report_a["confusion_normalized"], float)
    limit = max(float(np.abs(diff).max()), 1e-6)
    fig = go.Figure(go.Heatmap(z=diff.tolist(), x=list(labels), y=list(labels), zmid=0, zmin=-limit, zmax=limit,
                               colorscale="RdBu", text=[[f"{v:+.2f}" for v in row] for row in diff],
                               texttemplate="%{text}",
                               hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(title_text="true", autorange="reversed")
    fig.update_xaxes(title_text="predicted")
    return _layout(fig, f"Confusion difference: {name_b} minus {name_a} (row-normalised)", 480, bottom=50)


def probability_bars(probabilities: Mapping[str, float], title: str = "Emotion probabilities",
                     height: int = 260) -> go.Figure:
    """Horizontal bars of the emotion probabilities of one face, each in its emotion's colour (as on the photos);
    the most likely one solid, the others faded."""
    labels = list(probabilities)
    values = [float(probabilities[k]) for k in labels]
    best = int(np.argmax(values)) if values else -1
    colors = [EMOTION_HEX.get(label, "#7f7f7f") for label in labels]
    opacity = [1.0 if i == best else UNLIKELY_OPACITY for i in range(len(values))]
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker=dict(color=colors, opacity=opacity),
                           text=[f"{v:.0%}" for v in values], textposition="auto"))
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(showlegend=False)
    return _layout(fig, title, height, bottom=30)


def emotion_timeline(times: Sequence[float], probabilities, labels: Sequence[str] = EMOTIONS,
                     colors: Mapping[str, str] | None = None, title: str = "Emotions over time",
                     height: int = 380) -> go.Figure:
    """One tracked face over a video: its 7 smoothed probabilities against time (seconds) and, underneath,
    a band coloured by its label (the most probable emotion) at each time."""
    probs = np.asarray(probabilities, dtype=float).reshape(len(times), len(labels))
    times = [round(float(t), 3) for t in times]
    colors = dict(colors or {})
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.82, 0.18], vertical_spacing=0.04)
    for k, label in enumerate(labels):
        fig.add_trace(go.Scatter(x=times, y=probs[:, k].round(4).tolist(), mode="lines", name=label,
                                 line=dict(color=colors.get(label), width=2), legendgroup=label), row=1, col=1)
    winners = probs.argmax(1) if len(probs) else np.zeros(0, int)
    n = len(labels)
    scale = []
    for k, label in enumerate(labels):  # a discrete colour scale: index k -> the colour of label k
        color = colors.get(label, "#7f7f7f")
        scale += [[k / n, color], [(k + 1) / n, color]]
    fig.add_trace(go.Heatmap(x=times, y=["label"], z=[winners.tolist()], zmin=-0.5, zmax=n - 0.5, colorscale=scale,
                             showscale=False, text=[[labels[int(w)] for w in winners]],
                             hovertemplate="%{x:.2f} s: %{text}<extra></extra>", name="label"), row=2, col=1)
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text="probability", row=1, col=1)
    fig.update_yaxes(showticklabels=False, row=2, col=1)
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    return _layout(fig, title, height, bottom=90)


def emotion_share_bars(shares: Mapping[str, Mapping[str, float]], colors: Mapping[str, str] | None = None,
                       title: str | None = None, height: int | None = None) -> go.Figure:
    """Stacked horizontal bars, one per group (a photo, a person): the share of each emotion in it, each
    emotion in its colour. `shares` maps the group's name to {emotion: share}."""
    names = list(shares)
    labels = list(next(iter(shares.values()), {})) or list(EMOTIONS)
    colors = dict(colors or {})
    fig = go.Figure([go.Bar(name=label, y=names, x=[float(shares[n].get(label, 0.0)) for n in names], orientation="h",
                            marker_color=colors.get(label), hovertemplate=f"%{{y}}: {label} %{{x:.0%}}<extra></extra>")
                     for label in labels])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, title, height or max(280, 130 + 28 * len(names)), bottom=40)  # the legend unscrolled


def version_accuracy_bars(reports: Mapping[str, Mapping], title: str = "Accuracy and macro-F1 by version",
                          colors: Mapping[str, str] | None = None) -> go.Figure:
    """Grouped bars: accuracy and macro-F1, one bar per version ({version name: report}) in its colour."""
    colors = _colors_for(list(reports), colors)
    metrics = (("accuracy", "accuracy"), ("macro-F1", "macro_f1"))
    fig = go.Figure([go.Bar(name=name, x=[metric for metric, _ in metrics], marker_color=colors[name],
                            y=[float(report[key]) for _, key in metrics],
                            text=[f"{float(report[key]):.2%}" for _, key in metrics], textposition="auto")
                     for name, report in reports.items()])
    fig.update_layout(barmode="group", yaxis=dict(range=[0, 1], tickformat=".0%"))
    return _layout(fig, title, 320)
