"""Pure signal processing: samples in, events and sleep windows out.

Public API: :class:`DetectionConfig`, :func:`detect_night` returning a
:class:`NightResult` (events table, :class:`SleepWindow`, epoch activity),
:class:`StreamingDetector` for live data, and :func:`score_events` and
:func:`score_jerks` to compare detections with ground truth. See ``docs/detection.md``.

:class:`DetectionConfig` loads with the package; the rest (numpy, pandas, scipy) on first
use, so a command's ``--help`` can show the detection defaults without them.
"""

from __future__ import annotations

from detection.config import DetectionConfig
from sensing.lazy import lazy_names

#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    "EVENT_COLUMNS": "detection.night",
    "JERK_SHAPED": "detection.night",
    "NightResult": "detection.night",
    "detect_night": "detection.night",
    "Score": "detection.scoring",
    "score_events": "detection.scoring",
    "score_jerks": "detection.scoring",
    "SleepWindow": "detection.sleep",
    "StreamingDetector": "detection.streaming",
}

__all__ = ["DetectionConfig", *_LAZY]


__getattr__, __dir__ = lazy_names(__name__, _LAZY)
