"""Audio in and out: the one PCM format, devices, the microphone and WAV sources, the player,
the echo canceller and the on-air record shared by the speaker and the listener."""
