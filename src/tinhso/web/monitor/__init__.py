"""The monitoring centre (trung tâm giám sát), under /giam-sat/: the Decision 766 score of the
province, its communes and agencies, the targets of the province's plans, and the dossiers behind a
number. Reads through `tinhso.kpi.selectors` only. See docs/modules/monitor.md."""
