"""Sample-scan generator: realistic business-form scans with exact ground truth and an order book."""

from .generator import generate_samples
from .truth import GroundTruth, load_truth

__all__ = ["GroundTruth", "generate_samples", "load_truth"]
