"""Inference: detect faces, align/crop them like FER2013, classify, track and smooth over frames.

    rec = fer.Recognizer()                          # fer.inference.Recognizer
    faces = rec.predict("photo.jpg")                # list[Face]; Face.to_dict() is JSON-ready
    fer.inference.to_dataframe(faces)
    stream = fer.inference.FaceStream(rec)          # camera frames: stream.process_frame(bgr)
    fer.inference.process_video(rec, "clip.mp4", csv_path="faces.csv")
"""
from .align import FACE_SIZE, aligned_crop, face_crop, face_crops
from .detect import (FaceDetector, HaarDetector, ModelFileError, MTCNNDetector, YuNetDetector, create_detector,
                     detect_faces, list_detectors, register_detector)
from .detector_policy import DetectorSettings, detector_for, detector_settings
from .draw import draw_faces, draw_fps
from .io import MAX_BYTES, MAX_PIXELS, ImageError, read_image
from .recognizer import BACKENDS, Recognizer
from .results import LANDMARK_NAMES, Detection, Face, to_dataframe
from .stream import LIVE_DETECT_EVERY, FaceStream
from .tracking import FaceTracker
from .video import VIDEO_EXTENSIONS, VideoError, is_video, process_video

__all__ = ["Recognizer", "Face", "Detection", "LANDMARK_NAMES", "to_dataframe", "ImageError", "VideoError",
           "read_image", "MAX_PIXELS", "MAX_BYTES", "FaceDetector", "YuNetDetector", "MTCNNDetector", "HaarDetector",
           "ModelFileError", "DetectorSettings", "detector_settings", "detector_for",
           "create_detector", "register_detector", "list_detectors", "detect_faces", "FACE_SIZE", "face_crop",
           "face_crops", "aligned_crop", "FaceStream", "LIVE_DETECT_EVERY", "FaceTracker", "draw_faces", "draw_fps",
           "BACKENDS", "VIDEO_EXTENSIONS", "is_video", "process_video"]
