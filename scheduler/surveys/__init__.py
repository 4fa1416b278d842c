"""Surveys as data: questions with stable ids, the built-in pilot surveys, and checked answers.

A pilot asks three things of its participants (issue 15): before the event, which technologies
they want or offer and which opportunities and threats they see (``adoption``); right after each
meeting, whether it took place and was useful (``feedback``); about 3 and 6 months later, how far
each meeting held has gone (``followup``, the staged outcome ladder). Everything here is pure:
:mod:`.model` holds the shapes and the answer check, :mod:`.builtin` the built-in surveys,
:mod:`.translated` a survey in the reader's language (built-in words translated, an organiser's kept).

May import: :mod:`scheduler.domain` only.
"""
