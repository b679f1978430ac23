"""Body geometry for the biomechanical simulator: rotations, segments, poses, body parts.

Conventions
-----------
* World frame: Z up (against gravity), X along the bed towards the head of the bed,
  Y to the sleeper's left when supine. Units: metres, seconds, radians inside.
* Segment frame (one per sensor location): x along the segment's long axis
  (distal for limbs, cranial for trunk/head), z out of the skin where the sensor sits
  (dorsal forearm, anterior shank, anterior chest, forehead), y = z x x.
* ``R`` matrices map segment (or sensor) coordinates to world coordinates.

Anthropometry (segment lengths as fractions of body height, masses as fractions of body
mass, radii of gyration about the proximal joint as fractions of segment length) is from
Winter, *Biomechanics and Motor Control of Human Movement*, 4th ed. 2009, Table 4.1
(Dempster's cadaver data) and Fig. 4.1 (Drillis & Contini 1966); mass fractions agree
with Plagenhoef et al. 1983 (forearm 1.87 %, hand 0.65 %, shank 4.75 %, foot 1.43 %).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EX = np.array([1.0, 0.0, 0.0])
EY = np.array([0.0, 1.0, 0.0])
EZ = np.array([0.0, 0.0, 1.0])

BODY_PARTS = ("head", "trunk", "arm-left", "arm-right", "leg-left", "leg-right")

#: Which body parts touch (a jerk spreading over touching parts is "segmental").
CONTIGUOUS = {
    frozenset(("head", "trunk")),
    frozenset(("trunk", "arm-left")),
    frozenset(("trunk", "arm-right")),
    frozenset(("trunk", "leg-left")),
    frozenset(("trunk", "leg-right")),
}

#: Location (sensing.recording.LOCATIONS key) -> kind of segment the sensor sits on.
def loc_kind(location: str) -> str:
    for k in ("wrist", "upper-arm", "ankle", "thigh", "trunk", "head"):
        if location.startswith(k):
            return k
    return "trunk"


#: Canonical sensor location of each body part (used for truth when no sensor is on it).
CANONICAL_LOCATION = {
    "head": "head", "trunk": "trunk",
    "arm-left": "wrist-left", "arm-right": "wrist-right",
    "leg-left": "ankle-left", "leg-right": "ankle-right",
}

# --- anthropometry (Winter 2009 Table 4.1; lengths as fraction of height) ----------
SEGMENT_LEN = {"forearm": 0.146, "upper-arm": 0.186, "arm": 0.332, "shank": 0.246,
               "leg": 0.491, "trunk": 0.288, "neck-head": 0.13}
#: joint -> (mass fraction, segment-length key, radius of gyration about the joint / length)
JOINT_INERTIA = {
    "elbow": (0.022, "forearm", 0.827),     # forearm + hand about the elbow
    "shoulder": (0.050, "arm", 0.645),      # whole arm about the shoulder
    "knee": (0.061, "shank", 0.735),        # shank + foot about the knee
    "hip": (0.161, "leg", 0.560),           # whole leg about the hip
    "trunk": (0.678, "trunk", 1.031),       # head-arms-trunk about the hips
    "neck": (0.081, "neck-head", 0.9),      # head and neck about C7
}

#: (location kind, joint) -> (fraction of the joint rotation the segment follows,
#: lever from the joint to the sensor as a fraction of body height)
COUPLING = {
    ("wrist", "elbow"): (1.0, 0.140), ("wrist", "shoulder"): (1.0, 0.320),
    ("upper-arm", "elbow"): (0.15, 0.03), ("upper-arm", "shoulder"): (1.0, 0.120),
    ("ankle", "knee"): (1.0, 0.225), ("ankle", "hip"): (1.0, 0.470),
    ("thigh", "knee"): (0.15, 0.03), ("thigh", "hip"): (1.0, 0.150),
    ("trunk", "trunk"): (1.0, 0.200), ("head", "neck"): (1.0, 0.080),
}

#: Joints a movement of each location kind can use.
JOINTS = {"wrist": ("elbow", "shoulder"), "upper-arm": ("shoulder",),
          "ankle": ("knee", "hip"), "thigh": ("hip",), "trunk": ("trunk",), "head": ("neck",)}
PART_JOINTS = {"arm": ("elbow", "shoulder"), "leg": ("knee", "hip"),
               "trunk": ("trunk",), "head": ("neck",)}


def part_family(part: str) -> str:
    return part.split("-")[0]


def coupling(location: str, joint: str) -> tuple[float, float]:
    """(rotation fraction, lever as a fraction of height) of ``location`` for ``joint``."""
    kind = loc_kind(location)
    if (kind, joint) in COUPLING:
        return COUPLING[(kind, joint)]
    # A joint of another segment family (e.g. a whole-body roll): follow it fully with
    # the location's own typical lever.
    return 1.0, {"wrist": 0.14, "upper-arm": 0.1, "ankle": 0.2, "thigh": 0.1,
                 "trunk": 0.07, "head": 0.07}[kind]


def joint_inertia(joint: str, mass_kg: float, height_m: float) -> float:
    """Moment of inertia of the moving segment(s) about ``joint``, kg m^2."""
    frac, seg, rg = JOINT_INERTIA[joint]
    length = SEGMENT_LEN[seg] * height_m
    return frac * mass_kg * (rg * length) ** 2


# --- rotations ----------------------------------------------------------------------
def rotmat(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rotation matrix about unit ``axis`` by ``angle`` rad (Rodrigues)."""
    a = np.asarray(axis, float)
    a = a / np.linalg.norm(a)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def rotate(v: np.ndarray, axis: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (n,3) about unit ``axis`` (3,) by angles ``theta`` (n,)."""
    c = np.cos(theta)[:, None]
    s = np.sin(theta)[:, None]
    kxv = np.cross(axis, v)
    kdv = (v @ axis)[:, None]
    return v * c + kxv * s + axis[None, :] * kdv * (1 - c)


def axis_angle(R: np.ndarray) -> tuple[np.ndarray, float]:
    """Axis and angle (rad) of a rotation matrix."""
    cosang = np.clip((np.trace(R) - 1) / 2, -1.0, 1.0)
    ang = float(np.arccos(cosang))
    if ang < 1e-9:
        return EZ.copy(), 0.0
    if np.pi - ang < 1e-6:
        # 180 degrees: axis from the symmetric part
        M = (R + np.eye(3)) / 2
        i = int(np.argmax(np.diag(M)))
        ax = M[:, i] / np.sqrt(max(M[i, i], 1e-12))
        return ax / np.linalg.norm(ax), ang
    ax = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    return ax / np.linalg.norm(ax), ang


def frame(x: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    """Right-handed frame with long axis ``x`` and ``z`` as close as possible to z_hint."""
    x = x / np.linalg.norm(x)
    z = z_hint - (z_hint @ x) * x
    if np.linalg.norm(z) < 1e-6:
        z = np.cross(x, EY if abs(x @ EY) < 0.9 else EZ)
    z = z / np.linalg.norm(z)
    y = np.cross(z, x)
    return np.column_stack([x, y, z])


def random_rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """A rotation about a uniformly random axis by up to ``max_deg`` degrees."""
    ax = rng.normal(size=3)
    return rotmat(ax / np.linalg.norm(ax), np.radians(rng.uniform(-max_deg, max_deg)))


def gravity_angle_deg(R_a: np.ndarray, R_b: np.ndarray) -> float:
    """Angle between the gravity directions seen in the segment frame of two orientations."""
    ga, gb = R_a.T @ EZ, R_b.T @ EZ
    return float(np.degrees(np.arccos(np.clip(ga @ gb, -1, 1))))


# --- poses ------------------------------------------------------------------------
def _side(location: str) -> float:
    return 1.0 if location.endswith("left") else -1.0


def lying_pose(rng: np.random.Generator, location: str, roll_rad: float) -> np.ndarray:
    """Segment orientation of ``location`` lying in bed with the trunk rolled by ``roll_rad``
    about the bed axis (0 supine, +pi/2 on the right side... sign is arbitrary, pi prone)."""
    kind = loc_kind(location)
    side = _side(location)
    if kind in ("trunk", "head"):
        base = frame(EX, EZ)
        if kind == "head":
            base = rotmat(EX, np.radians(rng.uniform(-50, 50))) @ rotmat(
                EY, np.radians(rng.uniform(-10, 25))) @ base
        else:
            base = rotmat(EY, np.radians(rng.uniform(-12, 5))) @ base  # pillow / hip flexion
    elif kind in ("wrist", "upper-arm"):
        # arm alongside the body, forearm towards the feet, dorsum up; then random
        # shoulder swing, elbow flexion (hand on chest/belly or under the pillow) and
        # pronation/supination.
        base = frame(-EX, EZ)
        yaw = rng.choice([rng.uniform(-10, 30), rng.uniform(60, 110), rng.uniform(140, 180)],
                         p=[0.45, 0.4, 0.15])
        pitch = rng.uniform(0, 25)
        if kind == "upper-arm":
            yaw, pitch = 0.3 * yaw, 0.3 * pitch
        base = rotmat(EY, np.radians(pitch)) @ base                  # hand raised a little
        base = rotmat(EZ, -side * np.radians(yaw)) @ base             # towards the midline
        base = base @ rotmat(EX, np.radians(rng.uniform(-90, 90)))   # pronation
    else:  # ankle / thigh
        base = frame(-EX, EZ)
        knee = np.radians(rng.choice([rng.uniform(0, 10), rng.uniform(20, 80)], p=[0.6, 0.4]))
        if kind == "thigh":
            knee *= 0.5
        base = rotmat(EY, -knee) @ base
        base = rotmat(EZ, side * np.radians(rng.uniform(-5, 20))) @ base
        base = base @ rotmat(EX, side * np.radians(rng.uniform(-10, 40)))  # hip rotation
    return rotmat(EX, roll_rad) @ base


def upright_pose(rng: np.random.Generator, location: str, sitting: bool) -> np.ndarray:
    """Segment orientation when sitting or standing (heading irrelevant for gravity)."""
    kind = loc_kind(location)
    side = _side(location)
    if kind in ("trunk", "head"):
        back = np.radians(rng.uniform(0, 25) if sitting else rng.uniform(-5, 5))
        R = rotmat(EY, -back) @ frame(EZ, EX)
        if kind == "head":
            R = rotmat(EY, np.radians(rng.uniform(-5, 25))) @ R
        return R
    if kind in ("wrist", "upper-arm"):
        if sitting and kind == "wrist":  # forearm on the lap / table, roughly horizontal
            x = np.array([1.0, -side * 0.3, -np.tan(np.radians(rng.uniform(-10, 30)))])
            R = frame(x, EZ)
        else:
            R = frame(-EZ + 0.1 * rng.normal(size=3), EX)
        return R @ rotmat(EX, np.radians(rng.uniform(-60, 60)))
    # legs
    if sitting and kind == "thigh":
        return frame(EX + 0.1 * rng.normal(size=3), EZ)
    return frame(-EZ + 0.08 * rng.normal(size=3), EX)


def mount_rotation(rng: np.random.Generator, location: str) -> np.ndarray:
    """Sensor orientation relative to its segment (strap position and fit)."""
    kind = loc_kind(location)
    if kind in ("wrist", "upper-arm"):
        # a watch slides round the forearm by tens of degrees and may be worn mirrored
        R = rotmat(EX, np.radians(rng.uniform(-25, 25))) @ random_rotation(rng, 8)
        if rng.random() < 0.5:
            R = R @ rotmat(EZ, np.pi)
        return R
    if kind in ("ankle", "thigh"):
        # ankle straps turn freely round the shank
        return rotmat(EX, rng.uniform(-np.pi, np.pi)) @ random_rotation(rng, 10)
    return random_rotation(rng, 12)


@dataclass(frozen=True)
class Body:
    mass_kg: float
    height_m: float

    def inertia(self, joint: str) -> float:
        return joint_inertia(joint, self.mass_kg, self.height_m)

    def lever(self, location: str, joint: str) -> tuple[float, float]:
        frac, lev = coupling(location, joint)
        return frac, lev * self.height_m


def classify_pattern(parts: list[str]) -> str:
    """focal / segmental / multifocal / generalized distribution of involved body parts."""
    ps = set(parts)
    if len(ps) == 1:
        return "focal"
    limbs = [p for p in ps if p.startswith(("arm", "leg"))]
    if "trunk" in ps and len(limbs) >= 3:
        return "generalized"
    # connected under CONTIGUOUS?
    todo = [next(iter(ps))]
    seen = set(todo)
    while todo:
        p = todo.pop()
        for q in ps:
            if q not in seen and frozenset((p, q)) in CONTIGUOUS:
                seen.add(q)
                todo.append(q)
    return "segmental" if seen == ps else "multifocal"
