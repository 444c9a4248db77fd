"""The pocketsphinx English model files, and the front-end setting every decoder over them shares.

Two users load decoders over the same model: the command recognizer
(`coach.voice.asr.pocketsphinx_engine`) and the note transcriber (`coach.voice.listen.dictation`).
Both must find the same files and fail the same clear way when one is missing, and both must start
cepstral mean normalisation from the same measured prior, so these live here rather than inside
either of them.
"""

from __future__ import annotations

from pathlib import Path

from coach.voice.asr.base import RecognizerUnavailable

CMN_PRIOR = "50,-2.9,-5.3,-0.7"
"""Initial cepstral mean: the median over ~120 real and synthesized clips at microphone level.
pocketsphinx's default (40,3,-1) is far from it, and a streamed short command has too few frames
to recover: 45/60 real commands streamed with this prior vs 43/60 with the default."""


def model_paths(model_dir: Path | None) -> tuple[Path, Path, Path]:
    """(acoustic model, pronunciation dictionary, phone language model) under `model_dir`.

    None means the English model inside the pocketsphinx wheel, so the coach always has one
    offline. Raises `RecognizerUnavailable` naming the first missing file.
    """
    try:
        import pocketsphinx
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise RecognizerUnavailable("pocketsphinx is not installed: pip install pocketsphinx") from error
    base = Path(model_dir) if model_dir else Path(pocketsphinx.get_model_path()) / "en-us"
    hmm, dic, phone_lm = base / "en-us", base / "cmudict-en-us.dict", base / "en-us-phone.lm.bin"
    for path in (hmm, dic, phone_lm):
        if not path.exists():
            raise RecognizerUnavailable(f"pocketsphinx model file missing: {path}")
    return hmm, dic, phone_lm
