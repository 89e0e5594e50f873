"""`make bench-voice`: how the customer's voice sounds after the engine's Opus encoder, and
what the encoder costs, in one run: at each complexity, then at each bitrate.

Four talkers say what a customer might say: espeak-ng reads the same sentences in three
voices, and a person reads the eight channel names of alsa-utils' speaker test
(/usr/share/sounds/alsa, 48 kHz recordings with sibilants up to 20 kHz; espeak-ng stops at
11 kHz). Their speech goes through the engine's own encoder and decoder
(`examples/voice_round_trip`: the call's voice profile, voip mode with in-band FEC and DTX).
PESQ (ITU-T P.862.2, wideband) scores each decoded voice against what went in, from 1 (bad) to
4.64; it hears only up to 8 kHz. Above that, the recording's band levels are compared frame by
frame (`band_error`): Opus codes the high bands as their levels, so a missing or starved band
shows there.

Complexities 5 to 10 at the call's bitrate, 10 (libopus's own default) the baseline in every
row; Chromium's WebRTC uses 9 on desktops and 5 on phones. Four cases: a clean call (FEC
planned for 5 % loss, the profile's floor); one packet in ten lost while the plan is still at
the floor (the first second of a loss burst, before the receiver's reports raise it); the plan
raised to 10 % for that loss; one packet in four lost with the plan at 25 % (the most the
engine plans for). A lost packet is played as the receiver plays it: rebuilt from the next
packet's in-band FEC. Then bitrates at the call's complexity, 32 kbit/s (what WebRTC senders
use) the baseline, clean and with one packet in ten lost at the floor.

Run inside tests/.venv (PyAV resamples; pesq scores: `make deps-py-bench`). The figures compare
settings of one codec with each other, not with other codecs.
"""

import statistics
import subprocess
import sys
import tempfile
import wave
from pathlib import Path
from typing import NamedTuple

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
RECORDED = Path('/usr/share/sounds/alsa')  # alsa-utils, from make deps-apt
RECORDED_WORDS = ['Front_Left', 'Front_Center', 'Front_Right', 'Side_Left', 'Side_Right',
                  'Rear_Left', 'Rear_Center', 'Rear_Right']
RECORDED_TALKER = 'recorded'
COMPLEXITIES = [5, 6, 7, 8, 9, 10]
BASELINE = 10
BITRATES = [32_000, 40_000, 48_000]
BASELINE_BITRATE = 32_000
# (what is said, FEC planned for %, every how many packets one is lost; 0: none)
CASES = [
    ('clean call, FEC planned for 5 % loss', 5, 0),
    ('1 packet in 10 lost, FEC still planned for 5 %', 5, 10),
    ('1 packet in 10 lost, FEC planned for 10 %', 10, 10),
    ('1 packet in 4 lost, FEC planned for 25 %', 25, 4),
]
BITRATE_CASES = CASES[:2]
CALL_RATE = 48_000
PESQ_RATE = 16_000
FRAME = 960  # 20 ms at 48 kHz
HIGH_BANDS = [(8_000, 12_000), (12_000, 20_000)]


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


def recorded() -> np.ndarray:
    """The person reading the channel names, a fifth of a second apart, at 48 kHz mono."""
    parts = []
    for word in RECORDED_WORDS:
        with wave.open(str(RECORDED / f'{word}.wav')) as wav:
            if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (CALL_RATE, 1, 2):
                raise ValueError(f'{word}.wav is not 48 kHz 16-bit mono')
            parts.append(np.frombuffer(wav.readframes(wav.getnframes()), dtype='<i2'))
        parts.append(np.zeros(CALL_RATE // 5, dtype=np.int16))
    return np.concatenate(parts)


def band_levels(samples: np.ndarray) -> np.ndarray:
    """Each HIGH_BANDS band's level in dB, per 20 ms frame every 10 ms (Hann window)."""
    freqs = np.fft.rfftfreq(FRAME, 1 / CALL_RATE)
    masks = [(freqs >= low) & (freqs < high) for low, high in HIGH_BANDS]
    starts = range(0, len(samples) - FRAME, FRAME // 2)
    frames = np.stack([samples[s:s + FRAME] for s in starts]).astype(float) * np.hanning(FRAME)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return 10 * np.log10(np.stack([power[:, m].sum(axis=1) for m in masks], axis=1) + 1e-3)


def band_error(sent: np.ndarray, decoded: np.ndarray) -> list[float]:
    """Mean absolute difference in dB between the sent and decoded levels of each high band,
    over the frames in which that band is within 60 dB of the recording's loudest."""
    # The decoder's output lags by the encoder's look-ahead: find it on the first 3 s.
    probe = sent[:3 * CALL_RATE].astype(float)
    lag = int(np.argmax(np.correlate(decoded[:3 * CALL_RATE + 2000].astype(float), probe, 'valid')))
    decoded = decoded[lag:lag + len(sent)]
    sent = sent[:len(decoded)]
    want, got = band_levels(sent), band_levels(decoded)
    audible = want > want.max() - 60
    return [float(np.mean(np.abs(got[audible[:, b], b] - want[audible[:, b], b])))
            for b in range(len(HIGH_BANDS))]


class CallSettings(NamedTuple):
    """What a call uses, as the engine says (`voice_round_trip --call`)."""
    complexity: int
    complexity_under_loss: int
    loss_floor: int
    bitrate: int

    def complexity_for(self, planned_loss: int) -> int:
        """The complexity a call runs at with its FEC planned for `planned_loss` %."""
        return self.complexity_under_loss if planned_loss > self.loss_floor else self.complexity


def call_settings() -> CallSettings:
    out = subprocess.run([str(ROUND_TRIP), '--call'], check=True, capture_output=True,
                         text=True).stdout
    # complexity 6, under loss 8, loss floor 5 %, 40000 bit/s
    numbers = [int(word) for word in out.replace(',', ' ').split() if word.isdigit()]
    if len(numbers) != 4:
        raise SystemExit(f'voice_round_trip --call said {out!r}')
    return CallSettings(*numbers)


def round_trip(pcm: Path, out: Path, complexities: list[int], loss: int, lose_every: int,
               bitrate: int | None = None) -> dict[int, tuple[float, float]]:
    """Encoder µs per 20 ms and kbit/s for each complexity; decoded voices land in `out`."""
    args = [str(ROUND_TRIP), str(pcm), str(out), ','.join(str(c) for c in complexities),
            str(loss), str(lose_every)] + ([str(bitrate)] if bitrate else [])
    result = subprocess.run(args, check=True, capture_output=True, text=True)
    figures = {}
    for row in result.stdout.splitlines():
        # complexity N: X µs per 20 ms, Y kbit/s
        head, tail = row.split(':')
        micros, rate = tail.split(',')
        figures[int(head.split()[1])] = (float(micros.split()[0]), float(rate.split()[0]))
    return figures


class Call:
    """One setting's figures over the talkers: PESQ, encoder µs, kbit/s, high-band errors."""

    def __init__(self):
        self.scores, self.micros, self.rates, self.bands = [], [], [], []

    def score(self) -> float:
        return statistics.mean(self.scores)

    def us(self) -> float:
        return statistics.median(self.micros)

    def against(self, base: 'Call', base_name: str) -> str:
        """This setting's figures, each PESQ and the encoder's time also relative to `base`."""
        each = ' '.join(f'{s:.2f}' for s in self.scores)
        bands = ', '.join(f'{low // 1000}-{high // 1000} kHz {e:.1f} dB'
                          for (low, high), e in zip(HIGH_BANDS, self.bands))
        return (f'PESQ {self.score():.2f} ({each}; {self.score() - base.score():+.2f} against '
                f'{base_name}), encoder {self.us():.0f} µs per 20 ms '
                f'({self.us() / base.us():.2f}x of {base_name}), '
                f'{statistics.mean(self.rates):.1f} kbit/s sent; above 8 kHz: {bands}')


def run_case(speech: dict[str, np.ndarray], tmp: Path, complexities: list[int], loss: int,
             lose_every: int, bitrate: int | None = None) -> dict[int, Call]:
    """Every talker through every complexity of one case, at `bitrate` (None: the call's)."""
    calls = {c: Call() for c in complexities}
    for talker, samples in speech.items():
        sent = samples[: len(samples) // FRAME * FRAME]
        pcm = tmp / 'sent.raw'
        sent.tofile(pcm)
        reference = resample(sent, CALL_RATE, PESQ_RATE)
        for c, (us, kbps) in round_trip(pcm, tmp, complexities, loss, lose_every, bitrate).items():
            decoded = np.fromfile(tmp / f'complexity-{c}.raw', dtype=np.int16)
            degraded = resample(decoded, CALL_RATE, PESQ_RATE)
            n = min(len(reference), len(degraded))
            call = calls[c]
            call.scores.append(pesq(PESQ_RATE, reference[:n], degraded[:n], 'wb'))
            call.micros.append(us)
            call.rates.append(kbps)
            if talker == RECORDED_TALKER:
                call.bands = band_error(sent, decoded)
    return calls


def main() -> int:
    if not ROUND_TRIP.exists():
        print(f'{ROUND_TRIP} is missing: make build-examples', file=sys.stderr)
        return 1
    if not RECORDED.is_dir():
        print(f'{RECORDED} is missing: make deps-apt (alsa-utils)', file=sys.stderr)
        return 1
    settings = call_settings()
    # The call's own complexities are scored whatever the list above says.
    complexities = sorted({*COMPLEXITIES, settings.complexity, settings.complexity_under_loss})
    print('voice quality: espeak-ng speech (3 voices) and a recorded person through the '
          "engine's Opus encoder and decoder; PESQ wideband (1 to 4.64, mean of the 4 talkers) "
          'against the speech sent, and the recording\'s band levels above 8 kHz (mean error)')
    print(f'the call: complexity {settings.complexity} ({settings.complexity_under_loss} while '
          f'loss is reported), FEC planned for at least {settings.loss_floor} %, '
          f'{settings.bitrate // 1000} kbit/s')
    with tempfile.TemporaryDirectory(prefix='lens-voice-') as tmp:
        tmp = Path(tmp)
        speech = {voice: speak(voice, tmp / f'{voice}.wav') for voice in VOICES}
        speech[RECORDED_TALKER] = recorded()

        print(f'\nby complexity, at the call\'s bitrate; baseline complexity {BASELINE}')
        for said, loss, lose_every in CASES:
            calls = run_case(speech, tmp, complexities, loss, lose_every)
            base = calls[BASELINE]
            print(f'{said}:')
            for c in complexities:
                print(f'  complexity {c:2}: {calls[c].against(base, str(BASELINE))}')
            call = settings.complexity_for(loss)
            print(f'  the call runs complexity {call} here: PESQ {calls[call].score():.2f}')

        print(f'\nby bitrate, at complexity {settings.complexity}; baseline '
              f'{BASELINE_BITRATE // 1000} kbit/s')
        for said, loss, lose_every in BITRATE_CASES:
            calls = {b: run_case(speech, tmp, [settings.complexity], loss, lose_every, b)
                     [settings.complexity] for b in BITRATES}
            base, base_name = calls[BASELINE_BITRATE], f'{BASELINE_BITRATE // 1000} kbit/s'
            print(f'{said}:')
            for b in BITRATES:
                print(f'  {b // 1000} kbit/s: {calls[b].against(base, base_name)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
