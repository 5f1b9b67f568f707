"""Synthetic acoustic (8 kHz) + seismic (100 Hz) field data, deterministic from a seed.

Every function that draws random numbers takes a ``numpy.random.Generator``; the same seed
gives the same bytes on every machine (only numpy's PCG64 and float64 arithmetic are used).
The physical model is documented in docs/data.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACOUSTIC_RATE_HZ = 8000
SEISMIC_RATE_HZ = 100
WINDOW_S = 2.0
SPEED_OF_SOUND_M_S = 343.0

CLASSES = ("background", "car", "truck", "motorcycle", "footsteps")
HAZARD_CLASSES = ("car", "truck", "motorcycle", "footsteps")
VEHICLES = ("car", "truck", "motorcycle")

# Full scale of the int16 streams: 1.0 Pa-equivalent units map to ACOUSTIC_GAIN counts.
ACOUSTIC_GAIN = 12000.0
SEISMIC_GAIN = 3000.0


@dataclass
class Event:
    """One source in a scene. Times are seconds from the scene start."""

    cls: str
    t0_s: float  # vehicles: time of closest approach; footsteps: start of walking
    params: dict = field(default_factory=dict)

    def active_interval(self, active_radius_m: float = 40.0) -> tuple[float, float]:
        """Interval during which the source is labelled (vehicle within active_radius_m)."""
        p = self.params
        if self.cls == "footsteps":
            return self.t0_s, self.t0_s + p["duration_s"]
        d = p["distance_m"]
        if d >= active_radius_m:
            return self.t0_s, self.t0_s
        half = np.sqrt(active_radius_m**2 - d**2) / p["speed_m_s"]
        return self.t0_s - half, self.t0_s + half


# ---------------------------------------------------------------------------------------
# Filters (FFT-domain, zero-phase; deterministic and dependency-free)


def bandpass_noise(rng, n, rate, lo_hz, hi_hz, slope=0.0):
    """White Gaussian noise restricted to [lo_hz, hi_hz], unit RMS; slope dB/octave tilt."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate)
    mask = ((f >= lo_hz) & (f <= hi_hz)).astype(np.float64)
    if slope:
        with np.errstate(divide="ignore"):
            tilt = np.where(f > 0, (np.maximum(f, 1e-3) / max(lo_hz, 1.0)) ** (slope / 6.02), 0.0)
        mask *= tilt
    x = np.fft.irfft(spec * mask, n)
    rms = np.sqrt(np.mean(x * x)) + 1e-12
    return x / rms


def smooth_envelope(rng, n, rate, corner_hz, depth):
    """Slowly varying positive gain 1 + depth * lowpass noise (gusts, modulation)."""
    m = bandpass_noise(rng, n, rate, 0.0, corner_hz)
    return np.clip(1.0 + depth * m, 0.05, None)


# ---------------------------------------------------------------------------------------
# Sources


def _geometry(t, p):
    """Distance r(t) of a straight-line pass: closest distance d at time t0, speed v."""
    x = p["speed_m_s"] * (t - p["t0_s"])
    return np.sqrt(p["distance_m"] ** 2 + x * x)


VEHICLE_PRIORS = {
    # cylinders, rpm range, harmonic decay per harmonic, harmonics, tyre band Hz, tyre level,
    # engine level, seismic band Hz, seismic level (relative), speed range m/s
    "car": dict(cyl=4, rpm=(1400, 3200), decay=0.55, nharm=12, tyre=(400, 2500), tyre_lvl=0.6,
                eng_lvl=0.5, seis=(10, 35), seis_lvl=0.35, speed=(8, 25), mass_t=1.4),
    "truck": dict(cyl=6, rpm=(900, 1900), decay=0.75, nharm=20, tyre=(200, 1500), tyre_lvl=0.8,
                  eng_lvl=1.2, seis=(5, 22), seis_lvl=1.0, speed=(6, 22), mass_t=15.0),
    "motorcycle": dict(cyl=2, rpm=(2500, 7500), decay=0.82, nharm=30, tyre=(600, 3000),
                       tyre_lvl=0.25, eng_lvl=1.0, seis=(15, 40), seis_lvl=0.12,
                       speed=(8, 30), mass_t=0.3),
}


def draw_vehicle(rng, cls, t0_s, distance_m=None):
    pri = VEHICLE_PRIORS[cls]
    d = distance_m if distance_m is not None else float(np.exp(rng.uniform(np.log(5), np.log(160))))
    return Event(cls, t0_s, dict(
        t0_s=t0_s,
        distance_m=d,
        speed_m_s=float(rng.uniform(*pri["speed"])),
        rpm=float(rng.uniform(*pri["rpm"])),
        rpm_drift=float(rng.uniform(-0.08, 0.08)),  # fractional rpm change per second
        level=float(np.exp(rng.normal(0.0, 0.35))),  # source-to-source loudness spread
        seis_level=float(np.exp(rng.normal(0.0, 0.4))),
    ))


def draw_footsteps(rng, t0_s, duration_s, distance_m=None):
    d = distance_m if distance_m is not None else float(np.exp(rng.uniform(np.log(2), np.log(40))))
    return Event("footsteps", t0_s, dict(
        duration_s=duration_s,
        distance_m=d,
        cadence_hz=float(rng.uniform(1.5, 2.3)),
        weight=float(np.exp(rng.normal(0.0, 0.3))),
        approach_m_s=float(rng.uniform(-1.2, 1.2)),  # radial walking speed
        shoe=float(rng.uniform(0.3, 1.0)),  # acoustic scuff loudness
    ))


def render_vehicle(rng, ev: Event, t_a, t_s):
    """Acoustic and seismic contribution of a passing vehicle (float, pressure units)."""
    p = dict(ev.params)
    pri = VEHICLE_PRIORS[ev.cls]
    r_a = _geometry(t_a, p)
    # Emission time: a sound heard at t left the source at t - r/c (Doppler follows).
    te = t_a - r_a / SPEED_OF_SOUND_M_S
    rpm = p["rpm"] * (1.0 + p["rpm_drift"] * (te - p["t0_s"]))
    f_fire = rpm / 60.0 * pri["cyl"] / 2.0
    # Phase of the firing frequency integrated over emission time.
    dt = 1.0 / ACOUSTIC_RATE_HZ
    phase = 2 * np.pi * np.cumsum(f_fire * np.gradient(te, dt)) * dt
    phase += rng.uniform(0, 2 * np.pi)
    eng = np.zeros_like(t_a)
    for h in range(1, pri["nharm"] + 1):
        amp = pri["decay"] ** (h - 1) * (1.0 + 0.3 * rng.standard_normal())
        fh = f_fire * h
        if np.max(fh) > ACOUSTIC_RATE_HZ * 0.45:
            break
        eng += amp * np.sin(h * phase + rng.uniform(0, 2 * np.pi))
    # Half-order components (uneven firing), stronger for motorcycles.
    eng += 0.3 * np.sin(0.5 * phase + rng.uniform(0, 2 * np.pi))
    tyre = bandpass_noise(rng, len(t_a), ACOUSTIC_RATE_HZ, *pri["tyre"], slope=-3.0)
    tyre *= (p["speed_m_s"] / 15.0) ** 2
    att_a = 1.0 / np.maximum(r_a, 1.0)  # spherical spreading 1/r
    # Air absorption of highs at distance: crude, fold into tyre level.
    acoustic = p["level"] * att_a * (pri["eng_lvl"] * eng + pri["tyre_lvl"] * tyre * np.exp(-r_a / 150.0))
    # Seismic: ground-coupled band-limited energy, Rayleigh-wave spreading ~1/sqrt(r) with
    # anelastic attenuation; amplitude grows with vehicle mass.
    r_s = _geometry(t_s, p)
    seis_src = bandpass_noise(rng, len(t_s), SEISMIC_RATE_HZ, *pri["seis"])
    # Axle/engine vibration line: firing frequency folded into the seismic band.
    f_s = p["rpm"] / 60.0 * pri["cyl"] / 2.0
    while f_s > 45:
        f_s /= 2.0
    seis_src += 0.6 * np.sin(2 * np.pi * f_s * t_s + rng.uniform(0, 2 * np.pi))
    att_s = np.exp(-r_s / 60.0) / np.sqrt(np.maximum(r_s, 1.0))
    seismic = pri["seis_lvl"] * p["seis_level"] * np.sqrt(pri["mass_t"] / 1.4) * 0.6 * att_s * seis_src
    return acoustic, seismic


def render_footsteps(rng, ev: Event, t_a, t_s):
    p = ev.params
    acoustic = np.zeros_like(t_a)
    seismic = np.zeros_like(t_s)
    period = 1.0 / p["cadence_hz"]
    t = ev.t0_s + rng.uniform(0, period)
    end = ev.t0_s + p["duration_s"]
    k = 0
    while t < end:
        r = max(p["distance_m"] + p["approach_m_s"] * (t - ev.t0_s), 1.0)
        amp = p["weight"] * (1.0 + 0.15 * rng.standard_normal()) * (1.3 if k % 2 else 1.0)
        # Seismic: damped heel-strike resonance 15-40 Hz, ~40 ms decay.
        f0 = rng.uniform(15, 40)
        tau = rng.uniform(0.03, 0.06)
        i0 = int(np.ceil(t * SEISMIC_RATE_HZ))
        n = int(0.3 * SEISMIC_RATE_HZ)
        if i0 < len(t_s):
            tt = t_s[i0:i0 + n] - t
            seismic[i0:i0 + n] += (amp * 2.2 * np.exp(-r / 25.0) / np.sqrt(r)
                                   * np.exp(-tt / tau) * np.sin(2 * np.pi * f0 * tt))
        # Acoustic: short broadband scuff/click, 1/r.
        j0 = int(np.ceil(t * ACOUSTIC_RATE_HZ))
        m = int(0.06 * ACOUSTIC_RATE_HZ)
        if j0 < len(t_a):
            seg = t_a[j0:j0 + m] - t
            click = rng.standard_normal(len(seg)) * np.exp(-seg / 0.012)
            click += 0.8 * np.sin(2 * np.pi * rng.uniform(150, 400) * seg) * np.exp(-seg / 0.02)
            acoustic[j0:j0 + m] += amp * p["shoe"] * 0.25 * click / r
        t += period * (1.0 + 0.04 * rng.standard_normal())
        k += 1
    return acoustic, seismic


def render_background(rng, t_a, t_s, kind_levels=None):
    """Wind, rain, birds, distant traffic and sensor self-noise; returns (acoustic, seismic)."""
    na, ns = len(t_a), len(t_s)
    lv = kind_levels or draw_background_levels(rng)
    ac = np.zeros(na)
    se = np.zeros(ns)
    # Sensor self-noise.
    ac += lv["floor"] * rng.standard_normal(na)
    se += lv["seis_floor"] * rng.standard_normal(ns)
    if lv["wind"] > 0:
        gust = smooth_envelope(rng, na, ACOUSTIC_RATE_HZ, 0.7, 0.8)
        ac += lv["wind"] * gust * bandpass_noise(rng, na, ACOUSTIC_RATE_HZ, 5, 600, slope=-6.0)
        g_s = np.interp(t_s, t_a, gust)
        se += lv["wind"] * 0.05 * g_s * bandpass_noise(rng, ns, SEISMIC_RATE_HZ, 0.5, 12)
    if lv["rain"] > 0:
        drops = (rng.random(na) < lv["rain_rate"] / ACOUSTIC_RATE_HZ).astype(np.float64)
        drops *= rng.exponential(1.0, na)
        kern = np.exp(-np.arange(40) / 6.0) * np.sin(np.arange(40) * 1.9)
        ac += lv["rain"] * np.convolve(drops, kern, mode="same")
        ac += lv["rain"] * 0.1 * bandpass_noise(rng, na, ACOUSTIC_RATE_HZ, 1500, 3900)
    if lv["birds"] > 0:
        for _ in range(rng.poisson(lv["birds_rate"] * (t_a[-1] - t_a[0]))):
            tc = rng.uniform(t_a[0], t_a[-1])
            dur = rng.uniform(0.05, 0.25)
            f0, f1 = rng.uniform(2000, 3800, 2)
            sel = (t_a >= tc) & (t_a < tc + dur)
            tt = t_a[sel] - tc
            ph = 2 * np.pi * (f0 * tt + (f1 - f0) * tt * tt / (2 * dur))
            ac[sel] += lv["birds"] * np.sin(ph) * np.sin(np.pi * tt / dur) ** 2
    if lv["traffic"] > 0:
        mod = smooth_envelope(rng, na, ACOUSTIC_RATE_HZ, 0.2, 0.5)
        ac += lv["traffic"] * mod * bandpass_noise(rng, na, ACOUSTIC_RATE_HZ, 30, 400, slope=-3.0)
        se += lv["traffic"] * 0.25 * bandpass_noise(rng, ns, SEISMIC_RATE_HZ, 3, 20)
    return ac, se


def draw_background_levels(rng):
    def maybe(p, lo, hi):
        return float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if rng.random() < p else 0.0

    return dict(
        floor=float(np.exp(rng.uniform(np.log(0.002), np.log(0.01)))),
        seis_floor=float(np.exp(rng.uniform(np.log(0.002), np.log(0.008)))),
        wind=maybe(0.5, 0.01, 0.12),
        rain=maybe(0.25, 0.01, 0.08),
        rain_rate=float(rng.uniform(50, 800)),
        birds=maybe(0.35, 0.005, 0.05),
        birds_rate=float(rng.uniform(0.5, 4.0)),
        traffic=maybe(0.4, 0.005, 0.04),
    )


# ---------------------------------------------------------------------------------------
# Scenes


def render_scene(rng, duration_s, events, start_s=0.0, bg_levels=None):
    """Render events plus background into (acoustic int16[n_a], seismic int32[n_s])."""
    n_a = int(round(duration_s * ACOUSTIC_RATE_HZ))
    n_s = int(round(duration_s * SEISMIC_RATE_HZ))
    t_a = start_s + np.arange(n_a) / ACOUSTIC_RATE_HZ
    t_s = start_s + np.arange(n_s) / SEISMIC_RATE_HZ
    ac, se = render_background(rng, t_a, t_s, bg_levels)
    for ev in events:
        if ev.cls == "footsteps":
            a, s = render_footsteps(rng, ev, t_a, t_s)
        else:
            a, s = render_vehicle(rng, ev, t_a, t_s)
        ac += a
        se += s
    return to_int16(ac * ACOUSTIC_GAIN), to_int16(se * SEISMIC_GAIN)


def to_int16(x):
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def random_window(rng, cls):
    """One labelled 2 s training window of class ``cls``."""
    events = []
    if cls in VEHICLES:
        # Closest approach inside or near the window: some windows catch only the
        # approach or the departure of a distant source (the hard cases).
        t0 = float(rng.uniform(-1.5, 3.5))
        events.append(draw_vehicle(rng, cls, t0))
    elif cls == "footsteps":
        t0 = float(rng.uniform(-1.0, 0.6))
        events.append(draw_footsteps(rng, t0, duration_s=float(rng.uniform(1.5, 6.0))))
    return render_scene(rng, WINDOW_S, events)


def make_split(seed, n_per_class):
    """Balanced split: arrays acoustic [N,16000] int16, seismic [N,200] int16, labels [N]."""
    rng = np.random.default_rng(seed)
    n = n_per_class * len(CLASSES)
    labels = np.repeat(np.arange(len(CLASSES)), n_per_class)
    labels = labels[rng.permutation(n)]
    ac = np.zeros((n, int(WINDOW_S * ACOUSTIC_RATE_HZ)), np.int16)
    se = np.zeros((n, int(WINDOW_S * SEISMIC_RATE_HZ)), np.int16)
    for i, c in enumerate(labels):
        ac[i], se[i] = random_window(rng, CLASSES[c])
    return ac, se, labels.astype(np.int64)


SPLITS = {"train": (1, 600), "val": (2, 160), "calib": (3, 40), "test": (4, 200)}


def hazard_of(label_idx):
    return np.asarray(label_idx) != CLASSES.index("background")
