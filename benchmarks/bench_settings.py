"""Settings of the benchmark server: the production settings, plus a baseline endpoint.

Only ROOT_URLCONF changes (benchmarks/bench_urls.py adds GET /bench/fixed, a bare view returning
fixed JSON, measured in the same run as the real endpoints). Everything else comes from the
environment exactly as for `tinhso serve`; benchmarks/one_stop.py sets it.
"""

from tinhso.settings import *

ROOT_URLCONF = "bench_urls"
