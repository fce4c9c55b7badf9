"""Live webcam: the browser streams the camera over WebRTC; the server finds faces and their emotions."""
import os

import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from fer import viz
from fer.app import live, settings, ui
from fer.inference import LIVE_DETECT_EVERY, FaceStream

ui.page_header("Live webcam", intro="Press START and allow the camera: your browser streams it to the server, "
               "which draws every face with its emotion (smoothed over frames) and the frame rate. "
               "The server's own camera is never used.")
name = ui.require_model("realtime")
detector = ui.sidebar_detector_picker()
small_faces = ui.sidebar_small_faces_picker("stream")
detect_every = st.sidebar.slider("Detect faces every N frames", 1, 5, LIVE_DETECT_EVERY, key="detect_every",
                                 help="In between, faces are tracked and classified where they moved to.")

try:
    ice_servers = settings.ice_servers(os.environ, ui.secrets())
except settings.SettingError as e:
    st.error(f"Ignoring a malformed ICE server setting: {e}")
    ice_servers = []

recognizer = ui.page_recognizer(name, detector, ui.checkpoints_root(), small_faces)
stream_settings = (name, detector, small_faces, detect_every)
if st.session_state.get("live_stream_settings") != stream_settings:  # a fresh tracker for new settings
    st.session_state["live_stream"] = FaceStream(recognizer, detect_every=detect_every)
    st.session_state["live_stream_settings"] = stream_settings
mailbox = st.session_state.setdefault("live_mailbox", live.LatestQueue())

video_col, chart_col = st.columns([3, 2])
with video_col:
    ctx = webrtc_streamer(
        key="live-emotions",
        mode=WebRtcMode.SENDRECV,
        video_frame_callback=live.make_frame_callback(st.session_state["live_stream"], mailbox),
        rtc_configuration={"iceServers": ice_servers},
        media_stream_constraints={"video": True, "audio": False},
        async_processing=True,
    )
    st.caption(f"Model {name} · detector {detector} · ICE servers: "
               f"{len(ice_servers) or 'none (local network only)'}")

with chart_col:
    st.markdown("**Main face (the largest)**")
    chart = st.empty()
    if not ctx.state.playing:
        chart.info("The live probability chart appears here while the camera streams.")
    for n, probabilities in live.chart_updates(mailbox, lambda: ctx.state.playing):  # STOP (a rerun) ends it
        if probabilities == live.NO_FACE:
            chart.info("No face in view: face the camera, closer or in better light.")
        else:
            chart.plotly_chart(viz.probability_bars(probabilities, title="Emotion probabilities (smoothed)"),
                               width="stretch", key=f"live_chart_{n}")
