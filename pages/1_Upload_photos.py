"""Upload photos: every face found, its emotion and probabilities; results to download."""
import streamlit as st

from fer import viz
from fer.app import recognition, saliency, settings, ui

ui.page_header("Upload photos", "📷", "Upload one or more photos (JPEG, PNG, WebP or BMP, up to "
               f"{settings.MAX_UPLOAD_MB} MB each). Every face found is boxed and labelled with its emotion.")
name = ui.require_model("photo")
detector = ui.sidebar_detector_picker()
small_faces = ui.sidebar_small_faces_picker("photo")
root = ui.checkpoints_root()
files = st.file_uploader("Photos", type=["jpg", "jpeg", "png", "webp", "bmp"], accept_multiple_files=True,
                         key="photos")
if not files:
    st.info("No photo yet: drop some above.")
    st.stop()


results = []
for upload in files:
    with st.spinner(f"Looking for faces in {upload.name}…"):
        result = ui.cached_upload_analysis(upload.name, upload.getvalue(), name, detector, root, small_faces)
    results.append(result)
    with st.container(border=True):
        st.subheader(upload.name)
        if not result.ok:
            st.error(f"Could not use this file. {result.error}")
            continue
        if not result.faces:
            st.warning(f"No face found in {upload.name}. Try 'Small faces: more' in the sidebar, or a photo where faces are larger or face the camera.")
        image_col, faces_col = st.columns([3, 2])
        image_col.image(result.annotated, width="stretch")
        image_col.download_button("Download the annotated image", recognition.png_bytes(result.annotated),
                                  recognition.annotated_file_name(upload.name), "image/png", on_click="ignore",
                                  key=f"png_{upload.file_id}")
        if result.faces and image_col.toggle("Why these labels? (saliency)", key=f"why_{upload.file_id}"):
            explained = saliency.explain_upload(ui.cached_version(name, root), upload.name, upload.getvalue(),
                                                result.faces)
            if explained is not None:
                image_col.image(explained.overlay, caption=saliency.CAPTION, width="stretch")
                image_col.image(explained.thumbnails, caption=explained.captions, width=144)
        for index, face in enumerate(result.faces):
            title = recognition.face_title(index, face)
            faces_col.markdown(f"**{title}**")
            faces_col.plotly_chart(viz.probability_bars(face.probabilities, title=title, height=240),
                                   width="stretch", key=f"probs_{upload.file_id}_{index}")

st.subheader("All faces")
table = recognition.results_table(results)
if table.empty:
    st.info("No face in any of the uploads.")
else:
    st.dataframe(table, hide_index=True, width="stretch")
csv_col, json_col = st.columns(2)
csv_col.download_button("Download results (CSV)", recognition.results_csv(results), "faces.csv", "text/csv",
                        on_click="ignore", key="download_csv")
json_col.download_button("Download results (JSON)", recognition.results_json(results), "faces.json",
                         "application/json", on_click="ignore", key="download_json")
