# The notebooks here are grader fixtures (including hostile submissions), not notebooks to
# validate: keep nbval from collecting and running them.
collect_ignore_glob = ["*.ipynb"]
