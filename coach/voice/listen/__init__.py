"""From cleaned audio to decisions: the endpointer (VAD), the listener and its rules, and the
note transcriber used after "take a note"."""
