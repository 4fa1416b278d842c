"""Reporting: what the event achieved and what it could hold, as figures for organisers and funders.

Owns the key performance indicators (:mod:`.kpis`: the console's tiles), the pilot's figures for
its funder (:mod:`.pilot`: requests to meetings held, reach, cross-border share and country pairs,
clusters, the technology gap; :mod:`.findings`: the survey answers as aggregates under the minimum
group size), the policy recommendations derived by documented rules (:mod:`.recommendations`),
the report as tables, charts, HTML, PDF and xlsx (:mod:`.tables`, :mod:`.pilot_charts`,
:mod:`.report`, with its jinja2 templates in ``templates/``), and what-if capacity planning
(:mod:`.capacity`: meetings possible by number of rooms and by slot length, from the solver's
upper bound and optionally real solves; :mod:`.capacity_plot` draws it as inline SVG).

May import: :mod:`scheduler.domain`, :mod:`scheduler.matching`, :mod:`scheduler.surveys`,
:mod:`scheduler.solving`, :mod:`scheduler.solver`, :mod:`scheduler.changes`; matplotlib (drawing
only), jinja2 (the report's HTML), WeasyPrint (its PDF) and openpyxl (its workbook), each
imported lazily.
"""
