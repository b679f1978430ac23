"""Pure signal processing: samples in, events and sleep windows out.

Public API: :class:`DetectionConfig`, :func:`detect_night` returning a
:class:`NightResult` (events table, :class:`SleepWindow`, epoch activity),
:class:`StreamingDetector` for live data, and :func:`score_events` to compare detections
with ground truth. See ``docs/detection.md``.
"""

from detection.config import DetectionConfig
from detection.night import EVENT_COLUMNS, JERK_SHAPED, NightResult, detect_night
from detection.scoring import Score, score_events
from detection.sleep import SleepWindow
from detection.streaming import StreamingDetector

__all__ = [
    "EVENT_COLUMNS",
    "JERK_SHAPED",
    "DetectionConfig",
    "NightResult",
    "Score",
    "SleepWindow",
    "StreamingDetector",
    "detect_night",
    "score_events",
]
