"""Synthetic field recordings: acoustic FLAC + seismic miniSEED (Steim-2) + labels CSV.

    python -m cascadia_train.recordings [--out ../recordings]

Each recording is a folder ``recordings/<name>/`` with ``acoustic.flac`` (8 kHz mono int16),
``seismic.mseed`` (100 Hz, int32 counts, Steim-2, 512-byte records, network XX station CASC
channel HHZ), both starting at the same instant (2026-01-01T00:00:00Z), and ``labels.csv``
(``start_s,end_s,class`` rows tiling the recording: a vehicle is labelled while it is within
40 m of the sensor, footsteps while the person walks, background elsewhere).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from . import data

START = "2026-01-01T00:00:00"
ACTIVE_RADIUS_M = 40.0


def vehicle(rng, cls, t0, distance, speed):
    ev = data.draw_vehicle(rng, cls, t0, distance_m=distance)
    ev.params["speed_m_s"] = speed
    return ev


def scene_steady(rng):
    """Long events that persist across many consecutive 2 s windows (what Dynamic-k exploits)."""
    evs = [
        data.draw_footsteps(rng, 15.0, 40.0, distance_m=6.0),
        vehicle(rng, "truck", 85.0, 8.0, 3.0),  # slow truck: ~26 s within 40 m
        vehicle(rng, "car", 130.0, 6.0, 4.0),   # car crawling past: ~20 s
        data.draw_footsteps(rng, 155.0, 20.0, distance_m=4.0),
    ]
    evs[0].params["approach_m_s"] = 0.0
    evs[3].params["approach_m_s"] = 0.0
    return 190.0, evs


def scene_rapid(rng):
    """Rapid changes: short events of every class a few seconds apart."""
    evs, t = [], 4.0
    order = ["car", "footsteps", "motorcycle", "car", "truck", "footsteps", "motorcycle",
             "car", "footsteps", "truck", "motorcycle", "car", "footsteps", "car", "motorcycle",
             "truck", "footsteps", "car"]
    for cls in order:
        if cls == "footsteps":
            dur = float(rng.uniform(3.0, 5.0))
            evs.append(data.draw_footsteps(rng, t, dur, distance_m=float(rng.uniform(3, 8))))
            t += dur + float(rng.uniform(2.0, 4.0))
        else:
            speed = float(rng.uniform(18, 28))
            d = float(rng.uniform(5, 15))
            half = np.sqrt(ACTIVE_RADIUS_M**2 - d**2) / speed
            t0 = t + half
            evs.append(vehicle(rng, cls, t0, d, speed))
            t = t0 + half + float(rng.uniform(2.0, 4.0))
    return float(np.ceil(t + 4.0)), evs


SCENES = {"steady": (101, scene_steady), "rapid": (102, scene_rapid)}


def labels_for(events, duration):
    """Rows (start_s, end_s, class) tiling [0, duration]; events do not overlap by design."""
    spans = sorted((max(0.0, a), min(duration, b), ev.cls)
                   for ev in events for a, b in [ev.active_interval(ACTIVE_RADIUS_M)] if b > a)
    rows, t = [], 0.0
    for a, b, cls in spans:
        if a < t - 1e-9:
            raise ValueError(f"overlapping events at {a:.2f} s")
        if a > t:
            rows.append((t, a, "background"))
        rows.append((a, b, cls))
        t = b
    if t < duration:
        rows.append((t, duration, "background"))
    return rows


def write_recording(out_dir, name, seed, builder):
    import soundfile as sf
    from obspy import Stream, Trace, UTCDateTime

    rng = np.random.default_rng(seed)
    duration, events = builder(rng)
    ac, se = data.render_scene(rng, duration, events)
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
