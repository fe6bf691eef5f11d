"""The notebooks here are fixtures of the edition and release tests, not course notebooks: nbval
must not run them."""

collect_ignore_glob = ["*.ipynb", "zh/*.ipynb"]
