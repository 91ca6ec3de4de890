"""Labs: a folder of data (lab.yaml, topology, starter, solution, worksheets) and checks.

The layer above measure and failover: it builds a lab's topology with one student's
parameters, applies the student's files, runs the lab's checks and scores them."""
