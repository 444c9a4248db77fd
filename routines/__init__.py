"""The routines that ship with massage-coach.

This directory sits at the top of the repository so people can find and edit the YAML files, and
pyproject.toml installs it as the package `coach.routines`. The file exists so that
`importlib.resources.files("coach.routines")` is a real directory in every kind of install (a
namespace package would give a multiplexed path instead); `coach.routine_format.library` reads it.
"""
