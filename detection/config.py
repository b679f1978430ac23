"""Every threshold of the detection, in one frozen dataclass with documented defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sensing.errors import HypnicError, wrong_type

#: Fields that may be 0 (meaning "estimate it" or "no margin").
ZERO_ALLOWED = ("resolution_g", "onset_uncertainty_s", "onset_reach_s", "bridge_gap_s")


@dataclass(frozen=True)
class DetectionConfig:
    """Parameters of jerk detection, look-alike rejection, sleep and grouping.

    Times are in seconds, accelerations in g, angles in degrees. The defaults are
    physiologically motivated (see ``docs/detection.md``), not fitted to one device.

    Examples
    --------
    >>> from dataclasses import replace
    >>> cfg = replace(DetectionConfig(), min_peak_g=0.2)
    >>> cfg.min_peak_g, cfg.threshold_factor
    (0.2, 10.0)
    >>> DetectionConfig(min_peak_g=-1)
    Traceback (most recent call last):
    ...
    sensing.errors.HypnicError: DetectionConfig.min_peak_g must be positive, got -1

    Attributes
    ----------
    highpass_window_s : float
        Length of the centred moving mean subtracted from each axis to remove gravity and
        slow movement (a high-pass at roughly ``1 / highpass_window_s`` Hz), s. Default 0.25.
    block_s : float
        Length of the blocks the noise floor is measured in, s. Default 1.0.
    floor_window_s : float
        The noise floor of a block is the median of the block medians of the high-passed
        magnitude over the preceding ``floor_window_s`` (causal, so an event does not raise
        its own threshold), s. Default 30.
    threshold_factor : float
        A candidate's peak must exceed ``threshold_factor`` times the noise floor. Default 10.
    min_peak_g : float
        ... and at least this high-passed magnitude, g. Default 0.15.
    trunk_peak_factor : float
        On a trunk sensor ``min_peak_g`` is this fraction of the limbs': the trunk's mass
        lets the same muscle impulse accelerate it less than a distal limb. Default 0.4
        (0.06 g). Even in whole-body activity, where the trunk carries the body, adults'
        hip cut-points sit 1.4-1.7x below the non-dominant wrist's (moderate 69.1 vs
        100.6 mg, vigorous 258.7 vs 428.8 mg, ActiGraph; Hildebrand et al. 2014/2016);
        a jerk is a brief torque, and a torso of ~30 kg turns far less than a forearm
        for it: both independent signal models put trunk-only jerks at 0.05-0.16 g
        against 0.3-3 g on the limbs (``docs/detection.md``).
    resolution_g : float
        The sensor's resolution (one step of its values), g; 0 (the default) estimates it
        from the samples (:func:`sensing.recording.resolution_g`). Set it for live
        detection of a coarse (8-10 bit) sensor, so streaming uses the floors batch
        detection finds.
    resolution_factor : float
        A movement, a candidate's extent and half its peak must exceed this many steps of
        the resolution (a coarse sensor's steps are not movements). Default 3.
    extent_factor : float
        A candidate extends while the high-passed magnitude stays above ``extent_factor``
        times the floor (hysteresis), ... Default 4.
    min_extent_g : float
        ... and above this magnitude, g. Default 0.05.
    merge_gap_s : float
        Above-threshold runs closer than this are one candidate (a biphasic jerk crosses
        zero in its middle), s. Default 0.15.
    jerk_max_s : float
        Longest jerk: a candidate whose high-passed energy spans more than this (from 5 %
        to 95 % of it) is a movement (or rhythmic, or PLM), s. Default 0.6: myoclonic
        bursts last 40-300 ms, and a limb thrown by a jerk may ring for 0.1-0.4 s after
        it, whose first cycles the span holds (0.5 until the eighth session: the
        rigid-body model's sleep starts span up to 0.6 s, and 45 more of them were found
        on four seeds for 2 false jerks fewer, ``docs/detection-history.md``). Longer than the
        AASM's shortest limb movement (0.5 s), so a jerk-like burst spanning that counts
        as a movement of a PLM series.
    context_s : float
        Length of the windows before a candidate and after it that show whether the limb
        was already moving or keeps moving, s. Default 0.5.
    context_gap_s : float
        Margin between a candidate and its context windows, s. Default 0.25.
    max_slow_ratio : float
        A candidate whose low-passed acceleration changes during it by more than this
        many times its high-passed peak is mostly slow: a voluntary movement (a fidget,
        a reach), not a twitch. The high-pass keeps what is faster than ~4 Hz; a
        myoclonic burst (40-300 ms of muscle activity) is mostly that fast, a voluntary
        movement (bell-shaped velocity over 0.4 s or more) mostly slower. Default 0.7:
        chosen by leaving each signal model out in turn (``benchmarks/lovo.py``) and
        confirmed on nights none of that choice saw (``docs/detection-history.md``).
    sustained_g : float
        A candidate is the start of a longer movement (kind ``movement``: a limb movement,
        posture shift or PLM) if the low-passed acceleration keeps moving after it: it
        deviates from its own mean in the window after the candidate by more than this
        (0.04 g is a 2.3 degree swing), g. A limb thrown by a jerk often comes to rest a
        few to more than 10 degrees away: that alone does not make a movement. Default 0.04.
    sustained_ratio : float
        ... and by more than this many times it moved in the window before the candidate
        (so drift while awake is not taken for a sustained movement). Default 3.
    settle_s : float
        ... unless the limb came out of rest and is at rest again in the ``settle_s``
        after that window: it moved less than ``sustained_g`` in the ``turn_s`` before
        the candidate (``pre_move_g``) and its low-passed acceleration deviates from its
        mean by no more than that in those seconds after (``late_dev_g``), most of them
        seen away from other bursts. A limb a jerk threw can move on for a moment,
        falling back under gravity onto the mattress or ringing, and then rests; a
        movement under way goes on. s. Default 1.
    turn_s : float
        A candidate is a movement if its limb was moving in the ``turn_s`` before it:
        the low-passed acceleration changing by more than ``min_move_g`` over
        ``slow_lag_s`` away from other bursts (a brisk movement), or deviating from its
        mean by more than that since the previous burst (a slow turn: a few degrees in
        1-4 s change the angle by under 2 degrees in half a second). The impact of a
        rollover or arm movement landing on the mattress, a fidget under way; a hypnic
        jerk comes out of rest. s. Default 3.
    sway_band_hz : tuple of float
        A limb that sways (rocks or rolls: rhythmic movement at sleep onset, 0.5-2 per
        second by ICSD's rhythmic movement disorder) moves all the time, so a jerk amid
        the sway reads as "moving before" and "mostly slow". Where the low-passed
        acceleration oscillates at a period in this band in the ``sway_s`` before a
        burst (autocorrelation at least ``sway_min_corr`` at that period and at most
        minus that half a period away: a drift or a single movement correlates at
        short lags too, but does not reverse) with no strong burst in it (walking swings
        the arm as regularly, with a step's impact in every swing), the context rules
        (``pre_move_g``, ``pre_dev_g``, ``post_dev_g``, ``late_dev_g``, ``slow_ratio``)
        read what departs from the sway instead: the low-passed acceleration less its
        value whole periods earlier, the last period before the burst repeated. Only
        where that leaves at most ``sway_max_residual`` of the movement before the burst
        (the sway explains the rest). Hz. Default (0.5, 2).
    sway_min_corr : float
        See ``sway_band_hz``. Default 0.8 (a sinusoidal sway gives about 1 and -1;
        movement without a period about 0.1). On the real ICHI14 nights 1 of 23 427
        bursts with movement before them sways so; on the transition model's rolling
        nights (seeds 0-1), 37 of 91.
    sway_s : float
        See ``sway_band_hz``: at least two periods of the slowest sway, and ``turn_s``
        plus ``slow_lag_s`` plus one (the context before a burst, predicted from a
        period earlier), s. Default 6.
    sway_max_residual : float
        See ``sway_band_hz``: the largest share of the movement before a burst
        (``pre_move_g``) the sway may leave unexplained. Default 0.25 (the transition
        model's rolling leaves a few per cent).
    spike_max_samples : float
        A candidate whose high-passed energy sits in at most this many samples (participation
        ratio ``(sum e^2)^2 / sum e^4``) is a single-sample spike no limb makes (a knock on
        the sensor): kind ``artefact``. Default 1.6.
    clipped_spike_max_samples : float
        The same limit for a candidate that reaches the sensor's range (clipping flattens
        a spike's top, spreading it). Default 2.5.
    impact_min_hz : float
        A candidate (not clipped) whose high-passed acceleration has an RMS frequency
        (``freq_hz``) above this is an impact ringing the sensor on its strap (12-35 Hz),
        not a limb: kind ``artefact``. A limb's acceleration follows the muscle's torque,
        an EMG burst of at least 40 ms per lobe smoothed by the twitch and the limb's
        inertia, which keeps it below about 12.5 Hz (a 1-cycle burst of 0.1 s). Takes
        effect from about 40 Hz sampling up (no frequency over half the rate shows, and
        an anti-alias filter keeps less); behind a 50 Hz front end's low-pass, knocks
        read 9-16 Hz, so the limit is the limb's own, with no margin: the shortest jerks
        read up to 13.7 Hz at 100-200 Hz (their harmonics), and one seen by a single
        sensor can be filed as an impact. Hz. Default 12.5 (15 before the tenth session).
    bounce_vertical_share, bounce_turn_deg : float
        A burst (not decided by its shape) whose deviation from the level before lies
        along that level, gravity, by at least this share of its energy
        (``vertical_share``), while the low-passed acceleration turns by no more than
        this many degrees from the burst's start to the end of the second after its
        context window (``turn_deg``), moved its sensor straight up and down without
        turning it: the mattress moving the body (a partner or a pet on the bed, a knock
        on it), not a limb (kind ``artefact``). A jerk is a joint's rotation: it turns
        the segment carrying the sensor, and gravity with it in the sensor's frame.
        Defaults 0.9 and 0.5 degrees (thirty-eighth session, ``docs/detection-history.md``:
        true jerks of five signal models turned their sensor 1.4 degrees or more in 95 %
        of cases, bed bounces 0.05-0.21 degrees, along gravity by 0.99). Noise alone
        turns it by a median 0.15 degrees at 2 mg rms and 25 Hz, 0.36 at 5 mg, 1.1 at
        15 mg (0.07, 0.19, 0.54 at 100 Hz): on a noisier sensor bounces get through.
    freq_rate_hz : float
        ``freq_hz`` is measured as a sensor sampling at most this fast sees a burst: on a
        faster one the high-passed acceleration is first averaged over ``round(fs /
        freq_rate_hz)`` samples (a moving mean with its first null at this rate, which
        keeps an impact's 12-35 Hz and drops what only a faster sensor adds, mostly its
        noise, whose RMS frequency is fs / 4: without it the biomechanical model's trunk
        jerks read a median 13.7 Hz at 400 Hz against 6.9 Hz at 100 Hz, and a quarter of
        the jerks at 400 Hz were filed as impacts). Hz. Default 100 (the fastest rate the
        impact rule was measured on).
    clip_ranges_g : tuple of float
        Full-scale ranges of accelerometers, g; a sample within 0.2 % of one is clipped.
        Default (2, 4, 8, 16).
    rhythm_band_hz : tuple of float
        Frequency band of scratching and tremor, Hz. Default (3, 10).
    rhythm_min_corr : float
        A candidate of at least ``rhythm_min_s`` whose autocorrelation has a peak above this
        inside the band is rhythmic. Default 0.4.
    rhythm_min_s : float
        Shortest rhythmic candidate, s. Default 1.0.
    slow_lag_s : float
        Slow limb movements (a PLM without a brisk onset, a posture change) are found as a
        change of the low-passed acceleration over this lag, s. Default 0.5 (keeps 0.5-1.5 Hz
        leg movements and tilts).
    min_move_g : float
        ... a change larger than this (and than ``extent_factor`` x the noise floor), g
        (0.05 g is a 2.9 degree tilt in half a second); the same limit for the movement
        before a candidate (``turn_s``). Default 0.05.
    held_min_g : float
        A leg held away after a jerk-like burst and let back (``held_s``, a limb movement
        whose slow release the high-pass does not show) moved at least this far: the
        half-second mean of its acceleration after the burst differs by this much from
        the one before it, g (0.03 g is a 1.7 degree tilt; half-second means of 15 mg noise
        sampled at 25 Hz differ by about 10 mg). Default 0.03.
    move_merge_s : float
        Slow-movement runs closer than this are one movement, s. Default 0.5.
    max_candidate_s : float
        Candidates are cut into pieces at most this long (bounds streaming memory), s.
        Default 30.
    bridge_gap_s : float
        Gaps up to this long (a lost radio packet: 1-83 samples) are bridged for the
        scan, which reads the noise floor and the seconds before a burst across them; a
        burst that holds bridged samples is not a jerk (``detection.candidates.bridge``),
        s. 0 scans every gap-free piece on its own. Default 1.
    plm_duration_s : tuple of float
        Duration of a periodic limb movement (AASM: 0.5-10 s), s. Default (0.5, 10).
    plm_interval_s : tuple of float
        Onset-to-onset interval of PLMs in a series (AASM: 5-90 s), s. Default (5, 90).
    plm_min_count : int
        Fewest movements in a PLM series (AASM: 4). Brief candidates between them join the
        series, but a series needs this many candidates of kind ``movement`` (so a cluster
        of jerks at sleep onset is not taken for PLMs). Default 4.
    series_gap_s : float
        Jerks (multi-sensor groups) closer than this belong to one series, s. Default 30.
    group_window_s : float
        Jerks on different sensors whose starts are within this are one group, s.
        Default 0.5.
    sync_window_s : float
        Body parts whose jerks (burst centres) lie within this move together (a
        generalized jerk needs it; parts out of step are multifocal), s. Default 0.1: a
        generalized jerk reaches the limbs within tens of ms, and at 25 Hz each time is
        known to 40 ms.
    clock_search_s : float
        Sensors whose own clocks stamp their samples drift apart (40 ppm is 1.4 s over
        10 h); the largest disagreement between two sensors' clocks looked for, s: their
        brief jerk-shaped bursts and impacts in bed (up to ``jerk_max_s``) within this of
        each other are paired, and the offset (and rate) most pairs agree on within
        ``sync_window_s`` puts each sensor on the reference sensor's clock before jerks are
        grouped (:func:`detection.rules.clock_offsets`). Default 3.
    clock_min_shared : int
        Fewest bursts two sensors must share before an offset between their clocks is
        believed (and more than the clocks agreeing would have by chance:
        :func:`detection.rules.chance_limit`). Default 5.
    stimulus_window_s : float
        A jerk starting within this after a stimulus is stimulus-triggered, s. Default 1.0.
    epoch_s : float
        Epoch length of the sleep analysis, s (van Hees: 5 s). Default 5.
    sleep_median_s : float
        Rolling median of the z-angle change, s (HDCZA: 5 min). Default 300.
    sleep_percentile : float
        HDCZA threshold = ``sleep_threshold_factor`` x this percentile of the rolling
        median. Default 10.
    sleep_threshold_factor : float
        Default 15.
    sleep_threshold_deg : tuple of float
        Bounds of the HDCZA threshold, degrees (GGIR: 0.13-0.5). Default (0.13, 0.5).
    min_sleep_block_s : float
        Shortest block of inactivity that counts as sleep, s (HDCZA: 30 min). Default 1800.
    max_sleep_gap_s : float
        Still blocks less than this apart are one sleep period, the stretch between them an
        awakening followed by a return to sleep, s (HDCZA: 60 min). A longer time awake
        splits the night into two periods (a sedentary evening joined to the night would
        open its falling-asleep window hours early). Default 3600.
    min_night_s : float
        A sleep period at least this long is a night's main sleep; a shorter one is a nap
        (unless no period of its run is longer), s. Default 10800 (3 h).
    min_night_spacing_s : float
        The onsets of two nights lie at least this far apart: of two periods of
        ``min_night_s`` or more whose onsets are closer, the shorter is a nap, s (one main
        sleep a day, as GGIR's one sleep period time window per day; a quiet day on a
        wrist alone can look like hours of sleep). Default 43200 (12 h).
    max_rest_s : float
        Lights out (rest onset) lies at most this long before sleep onset, s. Default 3600.
    lights_out_factor : float
        Lights out is the end of the last minute before sleep onset whose one-minute rolling
        median angle change exceeds this many times the sleep threshold (clearly active: up,
        or settling in bed). Default 10.
    epoch_join_gap_s : float
        Data of the sensors with empty stretches shorter than this are analysed as one run
        of epochs; longer ones split the recording (the sleep analysis never builds epochs
        over long gaps), s. Default 3600.
    onset_uncertainty_s : float
        The falling-asleep phases of detected sleep (``sleep-onset`` up to 15 min after
        the onset, ``awakening`` up to 15 min after it ends) last this much longer: the
        onset is an estimate, and wrist actigraphy misplaces it by 15-20 min against
        polysomnography (``docs/detection.md``), s. Default 900.
    onset_reach_s : float
        A burst in what looks like established sleep up to this long after the detected
        sleep onset is still in its ``sleep-onset`` phase, which otherwise ends
        ``onset_uncertainty_s`` after the phase's 15 min: a detected onset is early when
        the sleeper lay still awake, on the real ICHI14 nights by up to 28 min on 9 of
        10 (a median 14 min off either way), and the sleep starts then come after it.
        REM, whose twitches established sleep holds, mostly comes later (the first REM a
        median 72 min after sleep onset there). A detected awakening's return keeps its
        own phase, and past the usual window small bursts amid a run are judged as in a
        return (``restless_window_s``). s. Default 2700 (45 min: the 15 min plus 30).
    evening_busy_s : float
        A still block (``min_sleep_block_s``) that would begin a sleep period is a period
        of its own (a nap, or the rest of an evening) when the time until the next block
        is longer than it and holds at least this much continuous movement (the busy
        epochs of ``awake_motion_factor``: a phone or a book in the hands, chores), s.
        HDCZA joins still blocks less than ``max_sleep_gap_s`` apart, so a sedentary
        evening an hour before bed became the start of the night (onsets up to 2 h
        early on a simulated week). Default 600. In a sleep lab (ICHI14) no such gap
        holds any.
    upright_active_mg : float
        Epochs of a trunk or leg sensor with at least this ENMO and this standard
        deviation of the acceleration's norm are brisk activity (walking), which happens
        upright, mg. Default 80. ENMO alone is not enough: a consumer sensor's
        calibration offset (20-80 mg) lifts it while the sensor lies still, in some
        orientations over 80 mg, and that posture would be learnt as upright.
    upright_min_active_s : float
        A trunk or leg sensor's upright direction is learnt only from at least this much
        brisk activity, s. Default 600 (a night in bed has far less).
    upright_min_resultant : float
        ... and only if the gravity directions of that activity agree: the length of
        their mean unit vector is at least this (1: all the same). Default 0.8: the
        directions then lie within about 37 degrees of their mean, inside the
        ``upright_max_deg`` cone that gates sleep. Walking on slopes and stairs spreads a
        shank's epochs by 20-30 degrees (the rigid-body model's day before the night:
        resultant 0.88, which 0.9 refused, so its afternoon was taken for sleep);
        rollovers in bed, half a turn about the body's long axis, give 0.64.
    upright_max_deg : float
        An epoch in which a trunk or leg sensor is within this angle of its upright
        direction is awake (sitting or standing: a trunk or a shank lies near horizontal
        in bed), degrees. Default 45.
    awake_motion_factor : float
        An epoch is awake when the one-minute rolling median of its acceleration's
        spread (the standard deviation of the vector, any sensor) exceeds this multiple
        of the sensor's quiet level (the 10th percentile over the recording: its noise,
        or a chest strap's breathing), ``awake_motion_mg`` and ``resolution_factor``
        steps of its resolution, for at least ``sleep_median_s``: continuous movement too
        quick for the angle of 5 s means, like a phone held in the hand
        (``detection.sleep.busy_epochs``). Default 3.
    awake_motion_mg : float
        ... and at least this, mg. Default 20: over the 3-6 mg of breathing on a chest
        strap and the 4-15 mg noise of consumer sensors.
    off_body_edge_s : float
        A sensor is off the body (lying on a table or a nightstand, not worn) through a
        motionless stretch at least this long that begins a run of data or ends one, or
        begins after brisk activity (walking: ENMO and the spread of the norm at least
        ``upright_active_mg`` on a sensor), within ``off_body_grace_s``: a logger started
        on the desk and put on at bedtime, taken off in the morning, or set down on
        coming home. Motionless: on every sensor with data, the gravity
        direction turns less than ``off_body_turn_deg`` from one epoch to the next, the
        spread of the acceleration (``awake_motion_factor``'s) stays within twice the
        sensor's quiet level plus 1 mg, and no candidate but an artefact falls in the
        epoch. Those epochs are left out of the sleep analysis
        (``detection.sleep.off_body``), s. Default 3600 (GGIR's non-wear window, van
        Hees et al. 2011, 2013). Real sleepers keep moving: in the 47 real ICHI14 wrist
        recordings the longest motionless stretch is 25 min. On the simulated family,
        whose sleepers turn in their sleep as real ones do, 1 h loses no sleep start and
        finds a logger started an hour before bed, which 2 h (the default until the
        twenty-first session) read as lying in bed (``docs/detection.md``, "A 1 h
        wait"); sleepers lying motionless for over an hour, as two of the models were
        written, would lose that sleep.
    off_body_idle_s : float
        ... this long instead, anywhere, when a device declared most of the stretch
        still (an ActiGraph in idle sleep mode writes nothing until a movement over its
        threshold wakes it, so the small turns of sleep do not show), s. Default 7200: on the ICHI14
        wrists in idle sleep mode (``accuracy.idle_sleep`` at 0.05 g) the longest spell
        without a sample is a median 34 min, at most 68 min.
    off_body_s : float
        ... and a motionless stretch at least this long anywhere, s: an evening on the
        desk between a day and a night. Default 10800 (3 h): the two independent signal
        models' sleepers lie motionless for hours as written, and 3 h loses none of their
        sleep starts on the accuracy benchmark's 540 nights, 2 h 12 of 1247, 1 h 172; real
        sleepers do not (25 min at most on ICHI14). 8 h until the twenty-second session.
        A shorter spell off the body in mid-recording not begun after brisk activity
        reads as rest.
    off_body_turn_deg : float
        See ``off_body_edge_s``, degrees. Default 1: a device at rest turns by its noise
        (typically 0.15 degrees between the 5 s means of a 15 mg, 25 Hz sensor).
    off_body_grace_s : float
        See ``off_body_edge_s``: the handling at the start or end of a recording (setting
        the device down, picking it up), s. Default 600.
    rest_lead_s : float
        A jerk counts as a sleep start only out of rest: no movement, rhythmic or PLM
        candidate of any sensor (but the jerk's own tilt, seen on another sensor) starts
        in the ``rest_lead_s`` before it (other jerks may: jerks at sleep onset come in
        clusters), s. Default 15 (30 until the twenty-seventh session): on the real
        ICHI14 nights the wrist's last movement ended within 15 s before 8.1 % of the
        PSG's falls into sleep and within 30 s before 12.9 %; on the 640 nights of the
        accuracy family 15 s counts 157 sleep starts more for 12 false jerks more
        (``docs/detection.md``, "The rest lead against real nights").
    restless_window_s : float
        ... and a small one in a return to sleep after an awakening, seen on one sensor
        alone (below ``restless_peak_factor`` x its detection threshold), only out of
        rest over minutes too: fewer than ``restless_min_moves`` brisk movements of its
        sensor (runs above the extent level a candidate there has, runs less than
        ``block_s`` apart being one, none holding a large jerk-shaped burst) start within
        this either side of it, s. Default 300. Its own series (``series_gap_s`` around
        it) is left out. After an awakening sleep can go straight back into REM, whose
        twitches of the hands and feet come in runs over minutes; a small burst amid such
        a run is a twitch, not a sudden jerk out of rest. The same in the reach of a
        sleep onset past its usual window (``onset_reach_s``), where the sleeper is more
        likely asleep already. Not at the night's (or a nap's) sleep onset: REM comes
        70-120 min after it in a healthy sleeper (within 15 min only in narcolepsy), and a
        run of small sleep starts there is a sleeper with very frequent ones.
    restless_min_moves : int
        Default 3 (a run of movements, not one or two): 2 until the twelfth session
        (chosen then on four seeds of the accuracy benchmark over 1, 3, 4, 5 and 6); with
        the onset's reach, leave-one-variant-out on seed 2 chose 3 in 19 of 20 folds, and
        on seeds 0-4 it found 7 sleep starts more for 1 misplaced jerk more, no worst
        figure worse (``docs/detection-history.md``).
    restless_peak_factor : float
        Default 3: a burst three times its detection threshold (``score`` 0.67) or more
        counts whatever the limb did around it, and is not one of the movements counted
        (a run of sleep starts is not restlessness). 2 until the ninth session: a front
        end that samples without an anti-alias filter keeps a REM twitch's full peak,
        0.31-0.39 g on a 26 Hz wrist, over twice the 0.15 g threshold
        (``docs/detection-history.md``).
    return_peak_factor : float
        A sleep start in a return to sleep after an awakening (phase ``awakening``) seen
        on limb sensors only must peak at least this many times its detection threshold
        (``score`` 1 - 1 / factor). Sleep can go straight back into REM after an
        awakening, and REM twitches are of the distal muscles (hands, feet: the wrist
        and ankle sensors) and small; where the twitches around are under the threshold
        the restless rule sees no run, and the one that crosses it barely does. A hypnic
        jerk moves the whole limb. A burst the trunk shows counts whatever its size (the
        axial muscles are atonic in REM), and so does any at the night's sleep onset,
        where REM does not come. Default 2 (``score`` 0.5): on the accuracy benchmark's
        seeds 0-3 it removed 30 false jerks (REM twitches and knocks after awakenings)
        for 8 sleep starts; 1.5, tried first, 23 for 3; leave one variant out chose 2
        in 19 of 20 folds, and with 2 in moved it in none (``docs/detection-history.md``).
    awakening_min_s : float
        Shortest activity inside the sleep period that counts as a brief awakening, and the
        length of the rolling median used for awakenings and onset refinement, s. Default 60.
    awakening_move_s : float
        A single bout of movement inside the sleep period (movements less than 10 s apart)
        that lasts at least this long is a brief awakening on its own, s. Default 10: the
        movements of sleep last a median 4 s (Montini et al. 2024, 50 video-PSGs), a
        rollover 1-4 s. 15 (half a 30 s epoch, the AASM manual's major body movement)
        until the sixteenth session: on the real ICHI14 nights with sleep starts put in
        where the PSG scores a return to sleep (``benchmarks/injected.py``, seeds 0-2),
        10 counts 236 of 384 there against 225, with no more jerks counted on the real
        nights as they are; the 63 awakenings it adds hold a PSG wake epoch within 30 s
        as often as the others, about half the time (51 % against 57 %). On the
        simulated family 5 sleep starts more for 1 false jerk more
        (``docs/detection-history.md``).
    onset_refine_factor : float
        The limbs are still asleep when the minute-scale z-angle change stays below this
        many times the period's median change (see :func:`detection.sleep.sleep_periods`).
        Default 2.
    onset_floor_factor : float
        ... or below this many times the sleep threshold, if that is more (a period of
        near-motionless sleep has a median change near zero). Default 0.1 (0.3 and 0.5
        were tried on the real ICHI14 nights: ``docs/detection-history.md``).
    onset_still_s : float
        ... for this long; and the sleep after an onset lasts this long before a
        detected awakening, or the onset is that awakening's end, s. Default 300 (5 min).
    onset_rate_window_s : float
        The rate of movements before and after a possible sleep onset is compared over
        this long either side, s. Default 1800.
    onset_search_before_s, onset_refine_s : float
        Sleep onset is searched from this long before HDCZA's still block to this long
        after its start (lying still awake looks asleep to HDCZA's rolling median, which
        ignores the sparse movements of quiet wake), s. Defaults 1800 and 3600.
    """

    highpass_window_s: float = 0.25
    block_s: float = 1.0
    floor_window_s: float = 30.0
    threshold_factor: float = 10.0
    min_peak_g: float = 0.15
    trunk_peak_factor: float = 0.4
    resolution_g: float = 0.0
    resolution_factor: float = 3.0
    extent_factor: float = 4.0
    min_extent_g: float = 0.05
    merge_gap_s: float = 0.15
    jerk_max_s: float = 0.6
    context_s: float = 0.5
    context_gap_s: float = 0.25
    max_slow_ratio: float = 0.7
    sustained_g: float = 0.04
    sustained_ratio: float = 3.0
    settle_s: float = 1.0
    turn_s: float = 3.0
    spike_max_samples: float = 1.6
    clipped_spike_max_samples: float = 2.5
    impact_min_hz: float = 12.5
    bounce_vertical_share: float = 0.9
    bounce_turn_deg: float = 0.5
    freq_rate_hz: float = 100.0
    clip_ranges_g: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0)
    rhythm_band_hz: tuple[float, float] = (3.0, 10.0)
    rhythm_min_corr: float = 0.4
    rhythm_min_s: float = 1.0
    slow_lag_s: float = 0.5
    sway_band_hz: tuple[float, float] = (0.5, 2.0)
    sway_min_corr: float = 0.8
    sway_s: float = 6.0
    sway_max_residual: float = 0.25
    min_move_g: float = 0.05
    held_min_g: float = 0.03
    move_merge_s: float = 0.5
    max_candidate_s: float = 30.0
    bridge_gap_s: float = 1.0
    plm_duration_s: tuple[float, float] = (0.5, 10.0)
    plm_interval_s: tuple[float, float] = (5.0, 90.0)
    plm_min_count: int = 4
    series_gap_s: float = 30.0
    group_window_s: float = 0.5
    sync_window_s: float = 0.1
    clock_search_s: float = 3.0
    clock_min_shared: int = 5
    stimulus_window_s: float = 1.0
    epoch_s: float = 5.0
    sleep_median_s: float = 300.0
    sleep_percentile: float = 10.0
    sleep_threshold_factor: float = 15.0
    sleep_threshold_deg: tuple[float, float] = (0.13, 0.5)
    min_sleep_block_s: float = 1800.0
    max_sleep_gap_s: float = 3600.0
    min_night_s: float = 10800.0
    min_night_spacing_s: float = 43200.0
    max_rest_s: float = 3600.0
    lights_out_factor: float = 10.0
    epoch_join_gap_s: float = 3600.0
    onset_uncertainty_s: float = 900.0
    onset_reach_s: float = 2700.0
    evening_busy_s: float = 600.0
    upright_active_mg: float = 80.0
    upright_min_active_s: float = 600.0
    upright_min_resultant: float = 0.8
    upright_max_deg: float = 45.0
    awake_motion_factor: float = 3.0
    awake_motion_mg: float = 20.0
    off_body_edge_s: float = 3600.0
    off_body_idle_s: float = 7200.0
    off_body_s: float = 10800.0
    off_body_turn_deg: float = 1.0
    off_body_grace_s: float = 600.0
    rest_lead_s: float = 15.0
    restless_window_s: float = 300.0
    restless_min_moves: int = 3
    restless_peak_factor: float = 3.0
    return_peak_factor: float = 2.0
    awakening_min_s: float = 60.0
    awakening_move_s: float = 10.0
    onset_refine_factor: float = 2.0
    onset_floor_factor: float = 0.1
    onset_still_s: float = 300.0
    onset_rate_window_s: float = 1800.0
    onset_search_before_s: float = 1800.0
    onset_refine_s: float = 3600.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            many = str(f.type).startswith("tuple")  # the fields are numbers or tuples of them
            vals = v if many and isinstance(v, tuple) else (v,)
            if (many and not isinstance(v, tuple)) or not all(isinstance(x, (int, float)) for x in vals):
                raise wrong_type(f"DetectionConfig.{f.name}", "a tuple of numbers" if many else "a number", v)
            low = 0 if f.name in ZERO_ALLOWED else 1e-300
            if not all(x >= low for x in vals):
                what = "zero or positive" if low == 0 else "positive"
                raise HypnicError(f"DetectionConfig.{f.name} must be {what}, got {v!r}")
            if isinstance(v, tuple) and f.name != "clip_ranges_g" and not (len(v) == 2 and v[0] < v[1]):
                raise HypnicError(f"DetectionConfig.{f.name} must be (low, high), got {v!r}")
        need = max(2.0, 1.0 + (self.turn_s + self.slow_lag_s) * self.sway_band_hz[0]) / self.sway_band_hz[0]
        if self.sway_s < need:
            raise HypnicError(f"DetectionConfig.sway_s ({self.sway_s:g}) must be at least {need:g} s: two "
                              "periods of the slowest sway, and turn_s + slow_lag_s and one period")
        if self.threshold_factor <= self.extent_factor:
            raise HypnicError(f"DetectionConfig.threshold_factor ({self.threshold_factor:g}) must "
                              f"exceed extent_factor ({self.extent_factor:g}, the level a burst "
                              "extends above, x the noise floor)")

    @property
    def lookahead_s(self) -> float:
        """How long after a candidate ends its kind is known, s (the streaming delay; a
        slow movement's end is known ``slow_lag_s`` later)."""
        return max(self.merge_gap_s, self.context_gap_s + self.context_s + self.settle_s
                   + self.highpass_window_s) + self.highpass_window_s / 2


def config_or_default(config: object, who: str) -> DetectionConfig:
    """``config``, or the defaults for None.

    Raises
    ------
    ArgumentTypeError
        If ``config`` is not a :class:`DetectionConfig` (a dict of thresholds, say);
        ``who`` names the function in the message.
    """
    if config is None:
        return DetectionConfig()
    if not isinstance(config, DetectionConfig):
        raise wrong_type(f"{who}: config", "a DetectionConfig (change a threshold with "
                         "dataclasses.replace(DetectionConfig(), min_peak_g=0.2))", config)
    return config
