"""Allows `python -m coach ...`, identical to the `massage-coach` console script."""

from coach.cli import main

if __name__ == "__main__":
    main()
