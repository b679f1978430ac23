"""Configuration of the biomechanical simulator (one frozen dataclass, documented ranges).

Every ``(lo, hi)`` pair is a range a value is drawn from, uniformly unless the field says
log-uniform; setting ``lo == hi`` fixes it. Probabilities are per event unless stated.
"""

from __future__ import annotations

from dataclasses import dataclass

Range = tuple[float, float]


@dataclass(frozen=True)
class BiomechConfig:
    """Parameters of :func:`simulation.biomech.simulate_biomech_night` (units in names/docs).

    Recording and sleep schedule
    ----------------------------
    start : ISO-8601 UTC time the recording starts.
    locations : sensor locations (keys of ``sensing.recording.LOCATIONS``).
    n_nights : nights in the recording (1-7); days between them are filled with activity.
    day_hours_before : hours of afternoon/evening activity before the first lights-out
        (0: the recording starts a few minutes before lights-out, subject in bed).
    lights_out_min : minutes from recording start to lights-out when day_hours_before == 0.
    latency_min : quiet-wake latency, lights-out -> sleep onset, min (5-40).
    sleep_hours : sleep onset -> final wake, h.
    awakenings : (min, max) number of brief awakenings per night.
    awakening_min : duration of a brief awakening, min.
    post_wake_min : recording after the final wake, min (getting up).
    nap_prob : probability of an afternoon nap on each full day; nap_min its sleep length.
    night_period_h : hours between successive lights-outs (24; shorter only for tests).
    """

    start: str = "2024-03-04T21:40:00Z"
    locations: tuple[str, ...] = ("wrist-left", "ankle-right", "trunk")
    n_nights: int = 1
    day_hours_before: float = 0.0
    lights_out_min: Range = (3.0, 12.0)
    latency_min: Range = (5.0, 40.0)
    sleep_hours: Range = (6.5, 7.8)
    awakenings: tuple[int, int] = (1, 4)
    awakening_min: Range = (0.5, 6.0)
    post_wake_min: Range = (3.0, 12.0)
    nap_prob: float = 0.0
    nap_min: Range = (20.0, 80.0)
    night_period_h: float = 24.0

    # --- body (anthropometry, Winter 2009) ---
    body_mass_kg: Range = (55.0, 95.0)
    height_m: Range = (1.55, 1.95)

    # --- hypnic jerks ---
    jerks_per_night: tuple[int, int] = (0, 5)
    """(min, max) jerks (cluster members included) per night; per nap half of it."""
    jerk_where: tuple[float, float, float, float] = (0.7, 0.18, 0.07, 0.05)
    """Weights of: sleep onset [-5, +15] min, return to sleep after an awakening,
    light sleep, pre-sleep drowsiness."""
    cluster_prob: float = 0.35
    cluster_size: tuple[int, int] = (2, 4)
    cluster_gap_s: Range = (2.0, 10.0)
    pattern_weights: tuple[float, float, float, float] = (0.22, 0.25, 0.08, 0.45)
    """focal, segmental, multifocal, generalized (Calandra-Buonaura 2014: mostly generalized)."""
    emg_ms: Range = (75.0, 250.0)
    """EMG burst duration, ms (75-250 ms; memim/Wikipedia-de summary of PSG reports)."""
    emg_ms_extreme: Range = (40.0, 300.0)
    extreme_prob: float = 0.15
    jerk_peak_g: Range = (0.2, 4.0)
    """Target peak tangential acceleration at the main sensor point, g (log-uniform)."""
    propagation_ms: Range = (10.0, 80.0)
    """Onset spread between body parts of one jerk, ms (startle: neck first, legs tens of
    ms later; Brown et al. 1991; hypnic jerks have no fixed order, Chiaro 2016)."""
    activation_ms: Range = (5.0, 20.0)
    emd_ms: Range = (8.0, 25.0)
    """Electromechanical delay EMG onset -> force, ms."""
    tilt_prob: float = 0.7
    tilt_deg: Range = (2.0, 15.0)
    """Net rotation of the segment after the jerk (it comes to rest elsewhere), degrees."""
    ring_prob: float = 0.6
    ring_hz: Range = (3.0, 9.0)
    ring_s: Range = (0.1, 0.4)
    post_jerk_move_prob: float = 0.15

    # --- look-alikes ---
    rollovers_per_hour: Range = (0.8, 2.5)
    roll_deg: Range = (40.0, 180.0)
    roll_s: Range = (1.0, 4.0)
    repositions_per_hour: Range = (1.0, 4.0)
    reposition_s: Range = (0.5, 3.0)
    landing_prob: float = 0.7
    landing_g: Range = (0.2, 1.2)
    landing_ms: Range = (15.0, 60.0)
    plm_prob: float = 0.3
    """Probability that a night has PLM series (Frauscher 2014: PLMS index > 5/h in 36 %)."""
    plm_series: tuple[int, int] = (1, 3)
    plm_count: tuple[int, int] = (4, 40)
    plm_period_s: Range = (15.0, 45.0)
    """Typical onset-to-onset interval of a series (behavenet: 20-60 s); each interval is
    jittered and kept in the AASM 5-90 s window."""
    plm_duration_s: Range = (0.8, 4.0)
    """Typical movement duration of a series; each kept in the AASM 0.5-10 s window."""
    plm_deg: Range = (3.0, 15.0)
    plm_rise_s: Range = (0.15, 0.6)
    plm_bilateral_prob: float = 0.3
    fidgets_per_hour_wake: Range = (6.0, 20.0)
    fidgets_per_hour_sleep: Range = (0.3, 1.5)
    fidget_s: Range = (1.0, 12.0)
    restless: float = 1.0
    """Multiplier of movement rates while awake in bed."""
    scratches_per_night: tuple[int, int] = (0, 3)
    scratch_hz: Range = (3.0, 10.0)
    scratch_s: Range = (1.0, 10.0)
    scratch_g: Range = (0.3, 2.0)
    tremor_per_night: tuple[int, int] = (0, 2)
    tremor_hz: Range = (6.0, 12.0)
    tremor_mg: Range = (2.0, 35.0)
    """Peak physiological tremor, mg (Marsden-type norm: 1.5-35 mg, mode 10 mg at ~7 Hz)."""
    knocks_per_night: tuple[int, int] = (0, 3)
    knock_ms: Range = (0.5, 8.0)
    knock_g: Range = (0.5, 8.0)
    phone_prob: float = 0.35
    phone_min: Range = (2.0, 15.0)
    arm_lifts_per_night: tuple[int, int] = (0, 3)
    wake_moves_per_awakening: tuple[int, int] = (1, 3)
    breathing: bool = True
    cardio: bool = True

    # --- awake and up (daytime, evenings, after the final wake; _biomech_day.py) ---
    walk_share: float = 0.1
    """Share of up-time spent walking: walking bouts are drawn until they take about this
    share (adults: ~1-2 h of walking in ~16 h awake; sedentary ~55 % of waking time,
    Matthews et al. 2008 NHANES)."""
    walk_bout_s: Range = (8.0, 600.0)
    """Walking bout duration, s: 80 % log-uniform in [lo, 60 s], 20 % in [60 s, hi]
    (Orendurff et al. 2008: 60 % of free-living bouts last <= 30 s, 2 min bouts 1 %)."""
    walk_heel_g: Range = (1.0, 3.0)
    step_hz: Range = (1.6, 2.0)
    sit_spell_min: Range = (2.0, 45.0)
    """Time seated between a sit-down and the next stand-up, min (log-uniform; with the
    standing spells ~2.5-3.5 sit-to-stand transitions per waking hour, Dall & Kerr 2010:
    60 +- 22 per day)."""
    up_spell_min: Range = (0.5, 20.0)
    """Time on the feet (standing and walking bouts) before sitting down again, min
    (log-uniform; with ``sit_spell_min`` ~30 % of up-time on the feet: sedentary time is
    ~55-60 % of waking hours, Matthews et al. 2008)."""
    stand_bout_min: Range = (0.3, 15.0)
    """One standing bout (chores, kitchen, standing talk), min (log-uniform)."""
    sit_weights: tuple[float, float, float, float] = (0.35, 0.3, 0.2, 0.15)
    """Weights of the seated activities: rest (TV, reading, talk), desk (computer,
    writing), phone, meal/handwork."""
    day_activity: float = 1.0
    """Multiplier of the rates of the continual gestures and postural adjustments while
    up (the ``PROFILES`` table of ``_biomech_day.py``); 0 leaves up-time still between
    the discrete episodes (posture changes, walking, typing)."""

    # --- sensor front end (drawn per sensor) ---
    fs: float | tuple[float, ...] = 100.0
    """Nominal rate, Hz; a tuple draws one per sensor (25-100 usual, 12.5/200 extremes)."""
    front_end: str = "random"
    """'point' (instantaneous sampling, no anti-alias filter), 'integrate' (boxcar over the
    sample period), 'lowpass' (digital Butterworth at lowpass_ratio * fs), or 'random'."""
    front_end_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    lowpass_ratio: Range = (0.25, 0.5)
    lowpass_order: int = 2
    range_g: float | tuple[float, ...] = (4.0, 8.0, 16.0)
    adc_bits: int = 12
    noise_mg: Range = (4.0, 8.0)
    offset_mg: Range = (0.0, 40.0)
    gain_error: Range = (0.0, 0.03)
    odr_error_ppm: Range = (-300.0, 300.0)
    """Sampling-rate error of the sensor's own oscillator, ppm (RC oscillators are looser)."""
    drift_wander_ppm: float = 30.0
    jitter_ms: Range = (0.5, 3.0)
    """Host timestamp jitter (standard deviation per packet), ms."""
    packet_samples: int = 10
    timestamp_source: str = "host"
    """'host': UTC stamps of the true sampling instants + jitter; 'device': nominal
    k / fs stamps from the device clock (the drift then shows as a growing offset)."""
    gaps_per_night: tuple[int, int] = (0, 2)
    gap_s: Range = (2.0, 600.0)
    """Gap length, s (log-uniform)."""
    strap_hz: Range = (12.0, 35.0)
    """Strap / soft-tissue natural frequency (skin-mounted masses: 23-51 Hz for light
    markers, lower for heavier watches on straps), Hz."""
    strap_zeta: Range = (0.15, 0.45)
    fine_fs: float = 1000.0
    """Internal grid on which the continuous physics is generated, Hz."""
    day_fine_fs: float = 500.0
