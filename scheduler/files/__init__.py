"""Reading and writing files: the interchange format (``docs/format.md``) in and out.

Owns the JSON document and its validation (:mod:`.formats`), bytes to tables for CSV and
spreadsheets of any European dialect and encoding (:mod:`.spreadsheets`), the event as
tables (:mod:`.sheets`) and the demo-event generator (:mod:`.generator`).

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`.
"""
