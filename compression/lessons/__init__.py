"""Lessons built from the app: steps of text, preset settings, visible controls and questions.

:mod:`~compression.lessons.schema` (what a lesson holds and its limits, checked),
:mod:`~compression.lessons.codec` (a lesson as a short versioned text for a link),
:mod:`~compression.lessons.store` (a bounded store for lessons too long for a link),
:mod:`~compression.lessons.shipped` (the lessons that come with the app).
"""
