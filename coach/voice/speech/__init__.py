"""Speech out: the speaker (queue, barge-in cut), the TTS back-ends (Piper, pyttsx3), cues
and the text clean-up that makes lines speakable."""
