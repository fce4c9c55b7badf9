"""Datasets: FER2013's csv and image folders, read into 48x48 uint8 faces per split."""
from .dataset import FACE_SIZE, DataError, FaceData, file_sha256, load_dataset, split_role
from .fer2013 import read_fer2013_csv
from .folders import read_face_image, read_image_folders

__all__ = ["FACE_SIZE", "DataError", "FaceData", "file_sha256", "load_dataset", "split_role",
           "read_fer2013_csv", "read_image_folders", "read_face_image"]
