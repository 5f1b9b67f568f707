"""Synthetic field recordings: acoustic FLAC + seismic miniSEED (Steim-2) + labels CSV.

    python -m cascadia_train.recordings [--out ../recordings]

Each recording is a folder ``recordings/<name>/`` with ``acoustic.flac`` (8 kHz mono int16),
``seismic.mseed`` (100 Hz, int32 counts, Steim-2, 512-byte records, network XX station CASC
channel HHZ), both starting at the same instant (2026-01-01T00:00:00Z), and ``labels.csv``
(``start_s,end_s,class`` rows tiling the recording: a vehicle is present and labelled while it
is within ROAD_RADIUS_M of the sensor, footsteps while the person walks, background elsewhere).
The scenes are drawn from the training distribution of data.py; why that matters: docs/data.md.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from . import data

START = "2026-01-01T00:00:00"
# A vehicle is present (rendered) and labelled only while it is within ROAD_RADIUS_M of the
# sensor: the training windows hold a vehicle at most ~190 m away (closest distance 5-160 m, at
# most 3.5 s from closest approach) and the `background` class never holds one, so a vehicle
# that stayed audible far outside its labelled span would be, for the experts, a vehicle.
ROAD_RADIUS_M = 60.0
FADE_S = 0.5  # raised-cosine fade at both ends of a vehicle's span (no click)
DRIFT_SPAN_S = 4.5  # rpm drift bounded as in the training windows (data.render_vehicle)
# Background conditions (wind, rain, birds, distant traffic, sensor floor) are redrawn every
# BACKGROUND_SEGMENT_S with data.draw_background_levels, joined by equal-power crossfades of
# BACKGROUND_FADE_S: every training window draws its own, so one draw for a whole scene would
# test the experts on a single point of the background distribution.
BACKGROUND_SEGMENT_S = 15.0
BACKGROUND_FADE_S = 2.0


def vehicle(rng, cls, t0, distance, speed=None):
    """A vehicle pass; ``speed`` None draws it from the class prior, a pair draws it from that
    sub-range of the prior."""
    ev = data.draw_vehicle(rng, cls, t0, distance_m=distance)
    if speed is not None:
        ev.params["speed_m_s"] = float(rng.uniform(*speed)) if isinstance(speed, tuple) else speed
    ev.params["drift_span_s"] = DRIFT_SPAN_S
    return ev


def half_span(cls, distance, speed):
    return np.sqrt(ROAD_RADIUS_M**2 - distance**2) / speed


def scene_steady(rng):
    """Long events that persist across many consecutive 2 s windows (what Dynamic-k exploits).

    Speeds are the slow ends of the training priors, so a pass is labelled for 15-20 s."""
    evs = [data.draw_footsteps(rng, 12.0, 40.0, distance_m=6.0)]
    t = 62.0
    for d in (8.0, 12.0):  # a convoy of two slow trucks, back to back: ~40 s of `truck`
        h = half_span("truck", d, 6.0)
        evs.append(vehicle(rng, "truck", t + h, d, 6.0))
        t += 2 * h
    t += 10.0
    h = half_span("car", 6.0, 8.0)
    evs.append(vehicle(rng, "car", t + h, 6.0, 8.0))
    t += 2 * h + 10.0
    h = half_span("motorcycle", 10.0, 8.0)
    evs.append(vehicle(rng, "motorcycle", t + h, 10.0, 8.0))
    t += 2 * h + 10.0
    evs.append(data.draw_footsteps(rng, t, 20.0, distance_m=4.0))
    t += 20.0 + 12.0
    for ev in evs:
        if ev.cls == "footsteps":
            ev.params["approach_m_s"] = 0.0
    return float(np.ceil(t)), evs


def scene_rapid(rng):
    """Rapid changes: short events of every class a few seconds apart (fast vehicles: the upper
    half of each class's training speed range; closest distance log-uniform 5-40 m), RAPID_S
    long: events that would end later than 4 s before the end are left out."""
    evs, t = [], 4.0
    order = ["car", "footsteps", "motorcycle", "car", "truck", "footsteps", "motorcycle",
             "car", "footsteps", "truck", "motorcycle", "car", "footsteps", "car", "motorcycle",
             "truck", "footsteps", "car"]
    for cls in order:
        if cls == "footsteps":
            dur = float(rng.uniform(3.0, 5.0))
            ev, end = data.draw_footsteps(rng, t, dur, distance_m=float(rng.uniform(3, 8))), t + dur
        else:
            lo, hi = data.VEHICLE_PRIORS[cls]["speed"]
            speed = float(rng.uniform((lo + hi) / 2, hi))
            d = float(np.exp(rng.uniform(np.log(5), np.log(40))))
            h = half_span(cls, d, speed)
            ev, end = vehicle(rng, cls, t + h, d, speed), t + 2 * h
        if end > RAPID_S - 4.0:
            break
        evs.append(ev)
        t = end + float(rng.uniform(2.0, 4.0))
    return RAPID_S, evs


RAPID_S = 125.0

SCENES = {"steady": (101, scene_steady), "rapid": (102, scene_rapid)}


def span(ev):
    return ev.active_interval(ROAD_RADIUS_M)


def gate(t, a, b):
    """1 inside [a + FADE_S, b - FADE_S], raised-cosine ramps to 0 at a and b, 0 outside."""
    g = np.clip(np.minimum(t - a, b - t) / FADE_S, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * g)


def background(rng, duration, t_a, t_s):
    """Background in segments with independently drawn conditions, equal-power crossfaded."""
    ac, se = np.zeros(len(t_a)), np.zeros(len(t_s))
    n = max(1, int(np.ceil(duration / BACKGROUND_SEGMENT_S)))
    x = BACKGROUND_FADE_S
    for k in range(n):
        a, b = k * BACKGROUND_SEGMENT_S - x / 2, (k + 1) * BACKGROUND_SEGMENT_S + x / 2

        def weight(t):
            w = np.ones_like(t)
            if k > 0:
                w *= np.sin(np.pi / 2 * np.clip((t - a) / x, 0.0, 1.0))
            if k < n - 1:
                w *= np.cos(np.pi / 2 * np.clip((t - (b - x)) / x, 0.0, 1.0))
            return w

        sa, ss = (t_a >= a) & (t_a < b), (t_s >= a) & (t_s < b)
        ba, bs = data.render_background(rng, t_a[sa], t_s[ss])
        ac[sa] += weight(t_a[sa]) * ba
        se[ss] += weight(t_s[ss]) * bs
    return ac, se


def render(rng, duration, events):
    """Background plus events (data.render_scene, with each vehicle gated to its span)."""
    n_a = int(round(duration * data.ACOUSTIC_RATE_HZ))
    n_s = int(round(duration * data.SEISMIC_RATE_HZ))
    t_a = np.arange(n_a) / data.ACOUSTIC_RATE_HZ
    t_s = np.arange(n_s) / data.SEISMIC_RATE_HZ
    ac, se = background(rng, duration, t_a, t_s)
    for ev in events:
        if ev.cls == "footsteps":
            a, s = data.render_footsteps(rng, ev, t_a, t_s)
        else:
            a, s = data.render_vehicle(rng, ev, t_a, t_s)
            lo, hi = span(ev)
            a, s = a * gate(t_a, lo, hi), s * gate(t_s, lo, hi)
        ac += a
        se += s
    return data.to_int16(ac * data.ACOUSTIC_GAIN), data.to_int16(se * data.SEISMIC_GAIN)


def labels_for(events, duration):
    """Rows (start_s, end_s, class) tiling [0, duration]; events do not overlap by design
    (they may touch: the convoy)."""
    spans = sorted((max(0.0, a), min(duration, b), ev.cls)
                   for ev in events for a, b in [span(ev)] if b > a)
    rows, t = [], 0.0
    for a, b, cls in spans:
        if a < t - 1e-6:
            raise ValueError(f"overlapping events at {a:.2f} s")
        if a > t + 1e-6:
            rows.append((t, a, "background"))
        if rows and rows[-1][2] == cls and abs(rows[-1][1] - a) < 1e-6:
            rows[-1] = (rows[-1][0], b, cls)
        else:
            rows.append((max(a, t), b, cls))
        t = b
    if t < duration:
        rows.append((t, duration, "background"))
    return rows


def write_recording(out_dir, name, seed, builder):
    import soundfile as sf
    from obspy import Stream, Trace, UTCDateTime

    rng = np.random.default_rng(seed)
    duration, events = builder(rng)
    ac, se = render(rng, duration, events)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    sf.write(os.path.join(d, "acoustic.flac"), ac, data.ACOUSTIC_RATE_HZ, subtype="PCM_16",
             format="FLAC")
    tr = Trace(data=se.astype(np.int32))
    tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel = "XX", "CASC", "", "HHZ"
    tr.stats.sampling_rate = float(data.SEISMIC_RATE_HZ)
    tr.stats.starttime = UTCDateTime(START)
    Stream([tr]).write(os.path.join(d, "seismic.mseed"), format="MSEED", encoding="STEIM2",
                       reclen=512)
    with open(os.path.join(d, "labels.csv"), "w") as fh:
        fh.write("start_s,end_s,class\n")
        for a, b, cls in labels_for(events, duration):
            fh.write(f"{a:.3f},{b:.3f},{cls}\n")
    return duration


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "recordings"))
    a = ap.parse_args(argv)
    for name, (seed, builder) in SCENES.items():
        dur = write_recording(a.out, name, seed, builder)
        print(f"{name}: {dur:.0f} s")


if __name__ == "__main__":
    main()
