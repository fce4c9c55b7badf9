"""Datasets: FER2013's csv (with FER+ votes) and image folders, read into 48x48 uint8 faces per split."""
from .dataset import FACE_SIZE, DataError, FaceData, file_sha256, split_role
from .fer2013 import read_fer2013_csv
from .ferplus import LABEL_SOURCES, read_ferplus_votes
from .folders import read_face_image, read_image_folders
from .load import load_dataset

__all__ = ["FACE_SIZE", "DataError", "FaceData", "file_sha256", "load_dataset", "split_role", "LABEL_SOURCES",
           "read_fer2013_csv", "read_ferplus_votes", "read_image_folders", "read_face_image"]
