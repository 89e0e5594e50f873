"""Interop: the customer's stream decoded by aiortc, a second WebRTC implementation that
shares no code with webrtc-rs or Chromium (its own ICE, DTLS, SRTP, depacketizers; FFmpeg's
H.264 and Opus decoders through PyAV).

Runs the engine's `media_offer` example as the customer (the same `MediaSession` the app
uses: 1280x720 test pattern through the bitrate ladder, Opus tone), answers its offer like a
technician's console, decodes for a few seconds and checks what arrived. Prints TAP-style
`# pass N` / `# fail N` lines that tests/summary.sh counts.

Usage (inside tests/netns.sh): python aiortc_receiver.py path/to/media_offer
"""

import asyncio
import json
import sys
import time

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

# aiortc leaves loopback out of its host candidates; in the test's network namespace loopback
# is the only interface there is.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

DECODE_SECONDS = 8


async def count_video(track, seen):
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        seen["video_frames"] += 1
        seen["sizes"].add((frame.width, frame.height))
        seen.setdefault("first_video_at", time.monotonic())


async def count_audio(track, seen):
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        seen["audio_frames"] += 1
        seen["sample_rate"] = frame.sample_rate
        seen["audio_samples"] += frame.samples


async def main(media_offer):
    customer = await asyncio.create_subprocess_exec(
        media_offer, str(DECODE_SECONDS + 10),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    offer = json.loads(await customer.stdout.readline())

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    seen = {"video_frames": 0, "audio_frames": 0, "audio_samples": 0, "sizes": set()}
    tasks = []

    @pc.on("track")
    def on_track(track):
        count = count_video if track.kind == "video" else count_audio
        tasks.append(asyncio.ensure_future(count(track, seen)))

    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    customer.stdin.write(json.dumps({"type": "answer", "sdp": pc.localDescription.sdp}).encode())
    customer.stdin.close()

    await asyncio.sleep(DECODE_SECONDS)
    await pc.close()
    for task in tasks:
        task.cancel()
    customer.kill()
    await customer.wait()
    return seen


def report(seen):
    sizes = sorted(seen["sizes"])
    checks = [
        # 8 s at 30 (or, on a rung that halves it, 15) fps, minus connection set-up.
        ("aiortc decodes the customer's H.264", seen["video_frames"] >= 30),
        # Every decoded size is a 16:9 rung of the ladder, no larger than the 720p camera.
        ("decoded pictures are 16:9 ladder sizes up to 1280x720",
         bool(sizes) and all(w * 9 == h * 16 and w <= 1280 for w, h in sizes)),
        ("aiortc decodes the customer's Opus", seen["audio_frames"] >= 100),
        ("Opus decodes at 48 kHz", seen.get("sample_rate") == 48000),
    ]
    print(f"aiortc: {seen['video_frames']} video frames at sizes {sizes}, "
          f"{seen['audio_frames']} audio frames ({seen['audio_samples']} samples)")
    for number, (name, ok) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {number} - {name}")
    passed = sum(1 for _, ok in checks if ok)
    print(f"1..{len(checks)}")
    print(f"# pass {passed}")
    print(f"# fail {len(checks) - passed}")
    return passed == len(checks)


if __name__ == "__main__":
    ok = report(asyncio.run(main(sys.argv[1])))
    sys.exit(0 if ok else 1)
