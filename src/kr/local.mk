# Korean review analysis (issue 3) — owned by the kr work; adds to librevlens.a.
