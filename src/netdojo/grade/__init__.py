"""Grading a class: submissions taken in safely, graded in isolated parallel runs, kept in a
SQLite gradebook, exported for Gradescope, GitHub Classroom, JUnit, CSV and the students."""
