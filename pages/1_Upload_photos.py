"""Upload photos: per photo a group summary, the faces numbered on the image, a gallery or table of them, one
face opened on demand; for several photos a summary of each and over all; results to download."""
import streamlit as st

from fer.app import gallery, recognition, settings, ui

ui.page_header("Upload photos", intro="Upload one or more photos (JPEG, PNG, WebP or BMP, up to "
               f"{settings.MAX_UPLOAD_MB} MB each). Every face found is boxed, numbered and labelled with its emotion.")
name = ui.require_model("photo")
detector = ui.sidebar_detector_picker()
small_faces = ui.sidebar_small_faces_picker("photo")
root = ui.checkpoints_root()
files = st.file_uploader("Photos", accept_multiple_files=True, key="photos",  # any file: a refused one is named below
                         help="JPEG, PNG, WebP or BMP photos; any other file is named on the page with the reason.")
if not files:
    st.info("No photo yet: drop some above.")
    st.stop()

results = []
for upload in files:
    with st.spinner(f"Looking for faces in {upload.name}…"):
        results.append(ui.cached_upload_analysis(upload.name, upload.getvalue(), name, detector, root, small_faces))

faces_csv, summary_csv, json_col = st.columns(3)
faces_csv.download_button("Download results (CSV)", recognition.results_csv(results), "faces.csv", "text/csv",
                          on_click="ignore", key="download_csv", icon=":material/download:")
summary_csv.download_button("Download the summary (CSV)", recognition.summary_csv(results), "faces_summary.csv",
                            "text/csv", on_click="ignore", key="download_summary", icon=":material/download:")
json_col.download_button("Download results (JSON)", recognition.results_json(results), "faces.json",
                         "application/json", on_click="ignore", key="download_json", icon=":material/download:")

summaries = recognition.summary_table(results)
if len(summaries) > 1:
    with st.container(border=True):
        st.subheader("All photos")
        gallery.shares_chart(summaries, "photo", key="shares_all")
        st.dataframe(summaries, hide_index=True, width="stretch", column_config=gallery.percent_columns(summaries))

for upload, result in zip(files, results):
    with st.container(border=True):
        gallery.photo_results(result, lambda: ui.cached_version(name, root), upload.getvalue(), upload.file_id)
