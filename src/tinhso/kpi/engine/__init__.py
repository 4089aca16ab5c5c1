"""The Decision 766 measurement engine: every component of regulations.md §4.2 computed from the
platform's own data, for every scope (province, commune, agency, procedure; old units through the
2025 lineage) and period (month, quarter, year, year to date).

- `facts`: what the formulas read from one dossier, as SQL expressions (the on-time rule of 2.1);
- `components`: one function per component, quoting its rule, with the counters it needs;
- `catalogue`: what they read from the procedure catalogue;
- `places`: where an agency's dossiers add up (today's units through lineage, old units);
- `cells`: the one pass over a year's dossiers → counts per agency × procedure × month;
- `assemble`: months → periods → scores (kpi.scoring) → group totals → `MeasurementRow`s;
- `recompute`: full recompute and incremental update (kpi.services re-exports them);
- `drilldown`: the dossiers behind a number (kpi.selectors re-exports it).
"""
