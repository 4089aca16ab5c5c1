"""The citizen side of tracking, ratings and feedback: public look-up by dossier code (/tra-cuu/),
the applicant's rating (/danh-gia/), feedback (/phan-anh/); and the officers' feedback pages in the
back office (/mot-cua/phan-anh/, views in backoffice_feedback.py). See docs/modules/tracking.md.
"""
