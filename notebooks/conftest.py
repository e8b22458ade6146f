"""pytest (with nbmake) collects the solved notebooks here; the students' copies in student/
stop at their blanks with NotImplementedError by design, so they are not collected.
tests/test_notebooks.py checks them instead."""

collect_ignore = ["student"]
