"""The upload page's results for one photo, compact however many faces it has: a group summary, the
annotated image, a gallery of numbered face crops or a table that sorts and filters them, and one face opened on
demand (its probabilities and saliency). Streamlit views over fer.app.recognition and fer.inference.summary."""
from __future__ import annotations

import streamlit as st

from .. import viz
from ..inference.draw import emotion_hex
from ..inference.summary import group_summary, shares_by_group
from ..labels import EMOTIONS
from . import photo_list, recognition, saliency

GALLERY_COLUMNS = 8
PICTURE_ROW_HEIGHT = 56  # px, a table row that shows a face picture
PERCENT = st.column_config.NumberColumn(format="percent")


def emotion_colors() -> dict[str, str]:
    return {label: emotion_hex(label) for label in EMOTIONS}


def percent_columns(table) -> dict:
    """Column formats: shares, confidence and probabilities as percentages."""
    names = [c for c in table.columns if c.startswith("share ") or c in ("confidence", "mean confidence",
                                                                          "dominant share", *EMOTIONS)]
    return dict.fromkeys(names, PERCENT)


def with_face_pictures(table, id_column: str, pictures: dict):
    """`table` with a first column "face": each row's picture (by its `id_column`) as a PNG data URL, for
    st.column_config.ImageColumn."""
    import base64

    shown = table.copy()
    shown.insert(0, "face", [None if (p := pictures.get(int(i))) is None else
                             "data:image/png;base64," + base64.b64encode(recognition.png_bytes(p)).decode()
                             for i in table[id_column]])
    return shown


def summary_metrics(summary: dict) -> None:
    faces, mean, dominant, unsure = st.columns(4)
    faces.metric("Faces", summary["faces"])
    mean.metric("Mean confidence", "n/a" if summary["mean confidence"] is None else f"{summary['mean confidence']:.0%}")
    dominant.metric("Most common emotion", summary["dominant"] or "n/a")
    unsure.metric("Least sure of", summary["least sure"] or "n/a",
                  help="The faces (numbers on the image) the model gave the lowest confidence.")


def shares_chart(summary_rows, name_column: str, key: str, prefix: str = "",
                 title: str = "Share of each emotion") -> None:
    """Stacked bars of a summary table's emotion shares, one bar per row (a photo, a person)."""
    st.plotly_chart(viz.emotion_share_bars(shares_by_group(summary_rows, name_column, prefix), emotion_colors(),
                                           title=title), width="stretch", key=key)


def face_gallery(result: recognition.UploadResult) -> None:
    """The faces' crops in rows, each captioned with its number, label and confidence."""
    count = len(result.faces)
    for start in range(0, count, GALLERY_COLUMNS):
        for column, index in zip(st.columns(GALLERY_COLUMNS), range(start, min(start + GALLERY_COLUMNS, count))):
            column.image(result.crops[index], caption=recognition.face_title(index, result.faces[index]),
                         width="stretch")


def face_table(result: recognition.UploadResult, key: str) -> None:
    """The faces as a table (click a header to sort) filtered by emotion and confidence."""
    table = recognition.results_table([result])[["face", "label", "confidence", *EMOTIONS]]
    emotions_col, confidence_col = st.columns([3, 1])
    present = sorted(set(table["label"]), key=EMOTIONS.index)
    chosen = emotions_col.multiselect("Emotions", present, default=present, key=f"emotions_{key}")
    least = confidence_col.slider("Confidence at least", 0, 100, 0, 5, format="%d%%", key=f"confidence_{key}")
    shown = recognition.filter_faces(table, chosen, least / 100)
    st.caption(f"{len(shown)} of {len(table)} faces")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=percent_columns(shown))


FULL_SIZE_GONE = ("Its upload is no longer kept (the server's memory budget): the download is the image as shown, "
                  f"{recognition.SHOWN_SIDE} px at most, not the full-size photo.")
IMAGES_GONE = ("Its image and face crops are no longer kept (the server's memory budget): its faces are listed below "
               "and in the downloads; upload it again to see them.")


def opened_face(photo: photo_list.Photo, version, key: str) -> None:
    """One face chosen by its number: its crop, its seven probabilities and, on demand, its saliency."""
    result = photo.result
    index = st.selectbox("Open a face", range(len(result.faces)), index=None, key=f"open_{key}",
                         format_func=lambda i: recognition.face_title(i, result.faces[i]),
                         placeholder="its probabilities and why the model chose its label")
    if index is None:
        return
    face = result.faces[index]
    crop_col, chart_col = st.columns([1, 3])
    if result.crops:
        crop_col.image(result.crops[index], caption=recognition.face_title(index, face), width="stretch")
    chart_col.plotly_chart(viz.probability_bars(face.probabilities, title=None, height=230), width="stretch",
                           key=f"probs_{key}")
    if crop_col.toggle("Why this label? (saliency)", key=f"why_{key}"):
        data = photo.data  # read once: another session may evict it meanwhile
        if data is None:
            crop_col.caption("Its upload is no longer kept (the server's memory budget): upload it again for this.")
            return
        model = version()
        with recognition.ONE_PHOTO_AT_A_TIME:  # the photo is decoded again, at full size
            explained = saliency.explain_upload(model, result.name, data, [face])
        if explained is not None:
            crop_col.image(explained.thumbnails[0], caption=saliency.CAPTION, width="stretch")


def annotated_download(photo: photo_list.Photo, column) -> None:
    """The full-size annotated photo, drawn when clicked from the kept upload; once the upload is evicted, the
    image as shown, and a line that says so."""
    result = photo.result
    if photo.data is not None:
        column.download_button("Download the annotated image", photo.annotated_png,
                               recognition.annotated_file_name(result.name), "image/png", on_click="ignore",
                               key=f"png_{photo.key}")
        return
    column.download_button("Download the annotated image", result.shown,
                           recognition.annotated_file_name(result.name, ".jpg"), "image/jpeg", on_click="ignore",
                           key=f"png_{photo.key}")
    column.caption(FULL_SIZE_GONE)


def photo_results(photo: photo_list.Photo, version, note: str | None = None) -> None:
    """Everything about one uploaded photo (`version`: a callable giving the model version, for saliency; `note`:
    a line on how it was analysed, shown under its title)."""
    result, key = photo.result, photo.key
    st.subheader(result.name)
    if note:
        st.caption(note)
    if not result.ok:
        st.error(f"Could not use this file. {result.error}")
        return
    if not result.faces:
        st.warning(f"No face found in {result.name}. Try 'Small faces: more' in the sidebar, or a photo where faces "
                   "are larger or face the camera.")
    table = recognition.results_table([result])
    if result.faces:
        summary_metrics(group_summary(table))
    image_col, summary_col = st.columns([3, 2])
    if photo.images_dropped:
        image_col.info(IMAGES_GONE)
    else:
        image_col.image(result.shown, width="stretch")
        annotated_download(photo, image_col)
    if not result.faces:
        return
    with summary_col:
        shares_chart(recognition.summary_table([result]), "photo", key=f"shares_{key}")
    if photo.images_dropped:
        face_table(result, key)
    else:
        gallery_tab, table_tab = st.tabs([":material/grid_view: Gallery", ":material/table_rows: Table"])
        with gallery_tab:
            face_gallery(result)
        with table_tab:
            face_table(result, key)
    opened_face(photo, version, key)
