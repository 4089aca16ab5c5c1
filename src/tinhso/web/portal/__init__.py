"""The citizen portal (cổng dịch vụ công): find a procedure, file it online, follow one's dossiers,
keep one's data once (the citizen data store). Mounted at /dich-vu-cong/, namespace "portal"."""
