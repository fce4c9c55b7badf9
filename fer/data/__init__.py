"""Datasets: FER2013's csv (with FER+ votes) and image folders, read into 48x48 uint8 faces per split."""
from .dataset import FaceData, split_role
from .errors import DataError
from .fer2013 import read_fer2013_csv
from .ferplus import LABEL_SOURCES, read_ferplus_votes
from .folders import read_face_image, read_image_folders
from .load import load_dataset

__all__ = ["DataError", "FaceData", "load_dataset", "split_role", "LABEL_SOURCES",
           "read_fer2013_csv", "read_ferplus_votes", "read_image_folders", "read_face_image"]
