"""Video: upload a clip; per tracked person a summary, an emotion timeline, a frame scrubber, saliency, CSV and
video downloads."""
import streamlit as st

from fer import viz
from fer.app import gallery, saliency, tempfiles, ui
from fer.app import video as clips
from fer.inference import LIVE_DETECT_EVERY

ANALYSIS_KEY = "_video_analysis"
MAX_TIMELINES = 6

ui.page_header("Video", intro=f"Upload a clip ({', '.join(clips.VIDEO_TYPES)}, up to {clips.MAX_VIDEO_MB} MB). "
               "Every face is tracked from frame to frame; see how each person felt overall and how their emotions "
               "changed, scrub through the annotated frames, and download the results and the annotated video.")
name = ui.require_model("photo")
detector = ui.sidebar_detector_picker()
small_faces = ui.sidebar_small_faces_picker("stream")
root = ui.checkpoints_root()
detect_every = st.sidebar.number_input(
    "Detect faces every N frames", 1, 30, LIVE_DETECT_EVERY, key="video_detect_every",
    help="Faces are tracked in between (faster); 1 = detect on every frame, like `python -m fer predict video.mp4`.")
upload = st.file_uploader("Video", type=list(clips.VIDEO_TYPES), key="video")
if upload is None:
    st.session_state.pop(ANALYSIS_KEY, None)
    st.info("No video yet: drop one above.")
    st.stop()

wanted = (upload.file_id, upload.name, name, detector, small_faces, int(detect_every), root)
analysis = st.session_state.get(ANALYSIS_KEY)
if analysis is None or analysis[0] != wanted:
    bar = st.progress(0.0, text=f"Processing {upload.name}…")

    def show_progress(done, total):
        if total and total > 0:
            bar.progress(min(done / total, 1.0), text=f"Processing {upload.name}: frame {done} of {total}")
        elif done % 10 == 0:
            bar.progress(0.0, text=f"Processing {upload.name}: frame {done}")

    result = clips.analyse_video(ui.page_recognizer(name, detector, root, small_faces), upload.name, upload,
                                 detect_every=int(detect_every), on_progress=show_progress,
                                 workdir=tempfiles.new_temp_dir("fer-video-", ui.session_id()))
    bar.empty()
    st.session_state[ANALYSIS_KEY] = analysis = (wanted, result)
result = analysis[1]
if not result.ok:
    st.error(f"Could not use this video. {result.error}")
    st.stop()

summary = result.summary
cols = st.columns(4)
cols[0].metric("Frames", result.frames)
cols[1].metric("Duration", f"{result.duration_s:.1f} s")
cols[2].metric("Tracked faces", len(result.tracks))
cols[3].metric("Processed at", f"{summary['processing_fps']:.1f} frames/s")
csv_col, people_col, video_col = st.columns(3)
csv_col.download_button("Download per-frame results (CSV)", result.csv_bytes(), result.csv_name(), "text/csv",
                        on_click="ignore", key="video_csv", icon=":material/download:")
people_col.download_button("Download the per-person summary (CSV)", result.people_csv(), result.people_name(),
                           "text/csv", on_click="ignore", key="video_people", icon=":material/download:")
video_col.download_button(f"Download the annotated video ({result.output.label})", result.annotated_bytes(),
                          result.annotated_name(), result.output.mime, on_click="ignore", key="video_annotated",
                          icon=":material/download:")

st.subheader("Per person")
if not result.tracks:
    st.warning(f"No face found in {upload.name}. Try a clip where faces are larger or face the camera.")
    st.video(str(result.annotated_path), format=result.output.mime)
else:
    chart_col, video_col = st.columns([3, 2])
    with chart_col:
        gallery.shares_chart(result.people, "person", key="people_shares", prefix="#",
                             title="Share of each person's time in each emotion")
    video_col.video(str(result.annotated_path), format=result.output.mime)
    st.dataframe(gallery.with_face_pictures(result.people, "person", result.person_pictures()), hide_index=True,
                 width="stretch", row_height=gallery.PICTURE_ROW_HEIGHT,
                 column_config={**gallery.percent_columns(result.people), "face": st.column_config.ImageColumn("face")})

st.subheader("Emotions over time")
tracks = result.tracks_by_length()
colors = gallery.emotion_colors()
for track in tracks[:MAX_TIMELINES]:
    times, probabilities = clips.timeline_points(track, result.fps)
    st.plotly_chart(viz.emotion_timeline(times, probabilities, result.labels, colors,
                                         title=clips.track_summary(track, result.labels, result.fps)),
                    width="stretch", key=f"timeline_{track.face_id}")
if len(tracks) > MAX_TIMELINES:
    st.caption(f"{len(tracks) - MAX_TIMELINES} shorter tracks not drawn (they are in the CSV).")

st.subheader("Frame by frame")
index = st.slider("Frame", 0, max(result.frames - 1, 0), 0, key="video_frame",
                  help="The annotated frame; faces are labelled #track id, emotion, confidence.") \
    if result.frames > 1 else 0
frame = clips.read_frame(result.annotated_path, index)
faces = result.faces_at(index)
frame_col, why_col = st.columns(2)
if frame is not None:
    frame_col.image(frame, caption=f"frame {index} · {index / result.fps:.2f} s · {len(faces)} face(s)",
                    width="stretch")
if faces and why_col.toggle("Why these labels? (saliency)", key="video_why"):
    source = clips.read_frame(result.source, index, rgb=False)
    if source is None:
        why_col.info("This frame cannot be read back from the uploaded file.")
    else:
        explained = saliency.explain_bgr(ui.cached_version(name, root), source, faces)
        why_col.image(explained.overlay, caption=saliency.CAPTION, width="stretch")
        why_col.image(explained.thumbnails, caption=explained.captions, width=144)
