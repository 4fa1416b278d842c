"""Reading and writing files: the interchange format (``docs/format.md``) in and out.

Owns the event document: its input models and field parsers (:mod:`.inputs`), one record
validated with problems in words (:mod:`.records`), the document read and checked across
records (:mod:`.formats`) and written out (:mod:`.writer`); the schedule document both ways
(:mod:`.schedules`); bytes to tables for CSV and spreadsheets of any European dialect and
encoding (:mod:`.spreadsheets`); any event file, the event as tables (:mod:`.sheets`); and
the demo-event generator (:mod:`.generator`) and the demo's simulated outcomes (meetings held,
survey answers: :mod:`.demo_outcomes`). Lowest first: spreadsheets, inputs, records,
formats, writer, schedules, sheets (none imports one after it).

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`, :mod:`scheduler.surveys`
(the demo's answers).
"""
