"""The shipped classifiers, as the metrics use them: the networks and their loading live in
``models/classifier.py`` (a recipe may use them too); this module keeps the metrics' names."""

from ..models.classifier import (  # noqa: F401
    ARCHITECTURES,
    FEATURE_DIM,
    IMAGE_SIZE,
    SHIPPED,
    WEIGHTS,
    CifarClassifier,
    DigitClassifier,
    file_sha256,
    load_classifier,
    load_classifier_file,
    weights_path,
)
