"""Upload photos: per photo a group summary, the faces numbered on the image, a gallery or table of them, one
face opened on demand; for several photos a summary of each and over all; results to download. The photos stay
listed (fer.app.photo_uploads) after the uploader is emptied, until "Clear photos"."""
import streamlit as st

from fer.app import gallery, photo_uploads, recognition, settings, ui

ui.page_header("Upload photos", intro="Upload one or more photos (JPEG, PNG, WebP or BMP, up to "
               f"{settings.MAX_UPLOAD_MB} MB each). Every face found is boxed, numbered and labelled with its emotion.")
name = ui.require_model("photo")
current = photo_uploads.AnalysedWith(name, ui.sidebar_detector_picker(), ui.checkpoints_root(),
                                 ui.sidebar_small_faces_picker("photo"))
analyse = photo_uploads.analyser(current)
photos = photo_uploads.session_photos()
if files := photo_uploads.photo_uploader():
    photo_uploads.take_uploads(files, photos, current, analyse)  # reruns the page with an empty uploader
photo_uploads.reanalyse(photos, current, analyse)
if not photos:
    st.info("No photo yet: drop some above.")
    st.stop()
photo_uploads.list_header(photos)

results = photos.results()
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

for photo in photos:
    with st.container(border=True):
        gallery.photo_results(photo, lambda: ui.cached_version(name, current.root),
                              photo_uploads.analysed_with_note(photo, current))
