// The "customer is waiting" chime. Browsers only allow sound after the person interacted
// with the page, so the audio context is created (or resumed) on the first click or key.

let audioContext = null;
let played = 0;

/** How many chimes have played (tests read it through window.lens.soundsPlayed). */
export const soundsPlayed = () => played;

export function unlockAudio() {
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass) return null;
  if (!audioContext) audioContext = new AudioContextClass();
  if (audioContext.state === 'suspended') audioContext.resume().catch(() => {});
  return audioContext;
}

// Two short rising tones, generated: no audio file to ship.
export function chime() {
  played += 1;
  const ctx = audioContext;
  if (!ctx) return;
  const start = ctx.currentTime + 0.01;
  [880, 1318.5].forEach((frequency, i) => {
    const at = start + i * 0.18;
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.18);
  });
}

document.addEventListener('pointerdown', unlockAudio, { passive: true });
document.addEventListener('keydown', unlockAudio, { passive: true });
