"""Adapters around the pure core: speech out, audio in, recognition, devices."""
