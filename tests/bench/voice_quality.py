"""`make bench-voice`: how the customer's voice sounds after the engine's Opus encoder, and
what the encoder costs, at each complexity, in one run.

Speech from espeak-ng (three voices reading the same sentences a customer might say) goes
through the engine's own encoder and decoder (`examples/voice_round_trip`: the call's voice
profile, 32 kbit/s voip with in-band FEC and DTX) at complexities 5 to 10; PESQ (ITU-T
P.862.2, wideband) scores each decoded voice against what went in, from 1 (bad) to 4.64.
Complexity 10, libopus's own default, is the baseline in every row; Chromium's WebRTC
uses 9 on desktops and 5 on phones. Four cases: a clean call (FEC planned for 5 % loss, the
profile's floor); one packet in ten lost while the plan is still at the floor (the first
second of a loss burst, before the receiver's reports raise it); the plan raised to 10 % for
that loss; one packet in four lost with the plan at 25 % (the most the engine plans for).
A lost packet is played as the receiver plays it: rebuilt from the next packet's in-band FEC.

Run inside tests/.venv (PyAV resamples; pesq scores: `make deps-py-bench`). Synthetic speech
is not a person, but the encoder's work on it is speech work: pitch, formants, noise
shaping. The figures compare complexities with each other, not with other codecs.
"""

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np
from pesq import pesq

ROOT = Path(__file__).resolve().parents[2]
ROUND_TRIP = ROOT / 'target/release/examples/voice_round_trip'
VOICES = ['en-us', 'en-us+f3', 'en-gb+m3']
TEXT = ('I am pointing the camera at the router now. The green light on the left is '
        'blinking twice, and the one beside it stays dark. Should I press the reset button '
        'at the back? It says the firmware was updated on Tuesday. The cable from the wall '
        'goes into the yellow socket. Can you see the label under the boiler?')
COMPLEXITIES = [5, 6, 7, 8, 9, 10]
BASELINE = 10
# (what is said, FEC planned for %, every how many packets one is lost; 0: none)
CASES = [
    ('clean call, FEC planned for 5 % loss', 5, 0),
    ('1 packet in 10 lost, FEC still planned for 5 %', 5, 10),
    ('1 packet in 10 lost, FEC planned for 10 %', 10, 10),
    ('1 packet in 4 lost, FEC planned for 25 %', 25, 4),
]
CALL_RATE = 48_000
PESQ_RATE = 16_000


def resample(samples: np.ndarray, rate: int, to: int) -> np.ndarray:
    """Mono 16-bit `samples` at `rate`, resampled to `to` by FFmpeg's swresample."""
    resampler = av.AudioResampler(format='s16', layout='mono', rate=to)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format='s16', layout='mono')
    frame.sample_rate = rate
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.int16)


def speak(voice: str, path: Path) -> np.ndarray:
    """The sentences in `voice`, as the call's 48 kHz mono samples."""
    subprocess.run(['espeak-ng', '-v', voice, '-s', '150', '-w', str(path), TEXT], check=True)
    with av.open(str(path)) as wav:
        stream = wav.streams.audio[0]
        rate = stream.rate
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in wav.decode(stream)])
    return resample(samples.astype(np.int16), rate, CALL_RATE)


def round_trip(pcm: Path, out: Path, loss: int, lose_every: int) -> dict[int, tuple[float, float]]:
    """Encoder µs per 20 ms and kbit/s for each complexity; decoded voices land in `out`."""
    line = ','.join(str(c) for c in COMPLEXITIES)
    result = subprocess.run([str(ROUND_TRIP), str(pcm), str(out), line, str(loss), str(lose_every)],
                            check=True, capture_output=True, text=True)
    figures = {}
    for row in result.stdout.splitlines():
        # complexity N: X µs per 20 ms, Y kbit/s
        head, tail = row.split(':')
        micros, rate = tail.split(',')
        figures[int(head.split()[1])] = (float(micros.split()[0]), float(rate.split()[0]))
    return figures


def main() -> int:
    if not ROUND_TRIP.exists():
        print(f'{ROUND_TRIP} is missing: make build-examples', file=sys.stderr)
        return 1
    print('voice quality: espeak-ng speech (3 voices) through the engine\'s Opus encoder and '
          f'decoder, PESQ wideband (1 to 4.64) against the speech sent; baseline complexity '
          f'{BASELINE} in the same run')
    with tempfile.TemporaryDirectory(prefix='lens-voice-') as tmp:
        tmp = Path(tmp)
        speech = {voice: speak(voice, tmp / f'{voice}.wav') for voice in VOICES}
        for said, loss, lose_every in CASES:
            scores = {c: [] for c in COMPLEXITIES}
            micros = {c: [] for c in COMPLEXITIES}
            rates = {c: [] for c in COMPLEXITIES}
            for voice, samples in speech.items():
                sent = samples[: len(samples) // 960 * 960]
                pcm = tmp / 'sent.raw'
                sent.tofile(pcm)
                reference = resample(sent, CALL_RATE, PESQ_RATE)
                for c, (us, kbps) in round_trip(pcm, tmp, loss, lose_every).items():
                    decoded = np.fromfile(tmp / f'complexity-{c}.raw', dtype=np.int16)
                    degraded = resample(decoded, CALL_RATE, PESQ_RATE)
                    n = min(len(reference), len(degraded))
                    scores[c].append(pesq(PESQ_RATE, reference[:n], degraded[:n], 'wb'))
                    micros[c].append(us)
                    rates[c].append(kbps)
            print(f'{said}:')
            base_score = statistics.mean(scores[BASELINE])
            base_us = statistics.median(micros[BASELINE])
            for c in COMPLEXITIES:
                score, us = statistics.mean(scores[c]), statistics.median(micros[c])
                each = ' '.join(f'{s:.2f}' for s in scores[c])
                print(f'  complexity {c:2}: PESQ {score:.2f} ({each}; {score - base_score:+.2f} '
                      f'against {BASELINE}), encoder {us:.0f} µs per 20 ms '
                      f'({us / base_us:.2f}x of {BASELINE}), {statistics.mean(rates[c]):.1f} kbit/s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
