"""Offline command recognizers behind one interface (`base.Recognizer`)."""
